// The multipart adapter's contract, in process: file bytes reach their sinks before write()
// returns and no reference to the written bytes is kept (the caller reuses its read buffer),
// whatever the slicing of the body; a throwing sink fails write(); malformed bodies and aborts
// end with an error, never an unhandled one.
import { assert, assertEquals, assertRejects, assertThrows } from "../deps.ts";
import { seededBytes } from "./_cli_process.ts";
import {
  createMultipartParser,
  type MultipartFileInfo,
  type MultipartParser,
} from "../handlers/files/multipart_adapter.ts";
import { MultipartBodyError } from "../errors.ts";

const BOUNDARY = "----b0undary";
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const encoder = new TextEncoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function part(headers: string, body: Uint8Array): Uint8Array[] {
  return [encoder.encode(`--${BOUNDARY}\r\n${headers}\r\n\r\n`), body, encoder.encode("\r\n")];
}

/** File data that holds near-misses of the delimiter, so the parser keeps lookbehind bytes. */
function trickyBytes(length: number, seed: number): Uint8Array {
  const bytes = seededBytes(length, seed);
  const nearMiss = encoder.encode(`\r\n--${BOUNDARY.slice(0, -1)}`);
  for (let at = 1000; at + nearMiss.length < length; at += 4099) {
    bytes.set(nearMiss, at);
    bytes[at + nearMiss.length] = 0; // never the delimiter's last byte
  }
  return bytes;
}

const FILES = [
  { name: "a.bin", bytes: trickyBytes(200_000, 1) },
  { name: "empty.txt", bytes: new Uint8Array(0) },
  { name: "c.bin", bytes: trickyBytes(70_001, 2) },
];

const BODY = concat([
  ...part('Content-Disposition: form-data; name="note"', encoder.encode("a field")),
  ...part(
    `Content-Disposition: form-data; name="files"; filename="${FILES[0].name}"\r\n` +
      "Content-Type: application/octet-stream",
    FILES[0].bytes,
  ),
  ...part('Content-Disposition: form-data; name="files"; filename=""', trickyBytes(5000, 3)),
  ...part(
    `Content-Disposition: form-data; name="files"; filename="${FILES[1].name}"`,
    FILES[1].bytes,
  ),
  ...part(
    `Content-Disposition: form-data; name="other"; filename="${FILES[2].name}"`,
    FILES[2].bytes,
  ),
  encoder.encode(`--${BOUNDARY}--\r\n`),
]);

/**
 * Collects the file parts the parser hands out, copied (the views are only lent; they are
 * Node `Buffer`s, whose `slice()` is another view).
 */
function collectingParser(): { parser: MultipartParser; stored: Map<string, Uint8Array> } {
  const stored = new Map<string, Uint8Array>();
  const parser = createMultipartParser(CONTENT_TYPE, (file: MultipartFileInfo) => {
    if (file.filename === "") return null;
    const chunks: Uint8Array[] = [];
    return {
      write: (bytes) => chunks.push(Uint8Array.from(bytes)),
      end: () => stored.set(file.filename as string, concat(chunks)),
    };
  });
  return { parser, stored };
}

/** Writes `body` in `size`-byte slices through one scratch buffer, poisoned after each write. */
function writeThroughScratch(parser: MultipartParser, body: Uint8Array, size: number): void {
  const scratch = new Uint8Array(size);
  for (let offset = 0; offset < body.length; offset += size) {
    const slice = body.subarray(offset, offset + size);
    scratch.set(slice);
    parser.write(scratch.subarray(0, slice.length));
    scratch.fill(0xa5);
  }
}

for (const size of [1, 7, 46, 4096, 65536]) {
  Deno.test(`multipart adapter: ${size}-byte writes from one reused buffer store every part whole`, async () => {
    const { parser, stored } = collectingParser();
    writeThroughScratch(parser, BODY, size);
    parser.end();
    await parser.finished;
    assertEquals([...stored.keys()], FILES.map((file) => file.name));
    for (const file of FILES) assertEquals(stored.get(file.name), file.bytes, file.name);
  });
}

Deno.test("multipart adapter: a sink that throws fails write() and is not called again", () => {
  const failure = new Error("disk full");
  let writes = 0;
  let ends = 0;
  const parser = createMultipartParser(CONTENT_TYPE, () => ({
    write: () => {
      writes++;
      throw failure;
    },
    end: () => ends++,
  }));
  const thrown = assertThrows(() => writeThroughScratch(parser, BODY, 4096));
  assert(thrown === failure, "write() throws the sink's error");
  assertEquals([writes, ends], [1, 0]);
  parser.abort(failure);
});

Deno.test("multipart adapter: a file name onFile refuses fails write()", () => {
  const refusal = new Error("bad name");
  const parser = createMultipartParser(CONTENT_TYPE, () => {
    throw refusal;
  });
  const thrown = assertThrows(() => writeThroughScratch(parser, BODY, 65536));
  assert(thrown === refusal, "write() throws what onFile threw");
  parser.abort(refusal);
});

Deno.test("multipart adapter: a malformed part header is a MultipartBodyError", async () => {
  const { parser } = collectingParser();
  const body = encoder.encode(`--${BOUNDARY}\r\nno colon here\r\n\r\ndata\r\n--${BOUNDARY}--\r\n`);
  assertThrows(() => parser.write(body), MultipartBodyError);
  await assertRejects(() => parser.finished, MultipartBodyError);
});

Deno.test("multipart adapter: a body cut inside a file part or a skipped part ends with an error", async () => {
  for (const filename of ["cut.bin", ""]) {
    const { parser, stored } = collectingParser();
    parser.write(
      concat([
        encoder.encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="${filename}"\r\n` +
            "Content-Type: application/octet-stream\r\n\r\n",
        ),
        seededBytes(10_000, 4),
      ]),
    );
    parser.end();
    await assertRejects(() => parser.finished, MultipartBodyError);
    assertEquals(stored.size, 0, "an unfinished part is never ended");
    // An abort after the failure (as the upload does) is harmless.
    parser.abort(new Error("client gone"));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});
