// SegmentsSource (multipart bodies: literal bytes and file spans in turn) through both halves of
// the copy contract, from a file and from bytes in memory, and FileSpanSource copying a small
// span through the connection's scratch buffer rather than a buffer of its own, or straight into
// wfile's staging buffer: then no buffer is borrowed at all, so many connections answering in one
// turn of the event loop allocate nothing.
import { assert, assertEquals, assertThrows } from "../deps.ts";
import {
  copyBody,
  FileSpanSource,
  ScratchBuffer,
  SegmentsSource,
  WHOLE_READ_BYTES,
} from "../io/body_source.ts";
import { BufferPool } from "../io/buffer_pool.ts";
import { MemoryConnection } from "../io/memory.ts";
import { WFile } from "../io/wfile.ts";
import { COPY_CHUNK_SIZE } from "../constants.ts";
import { planMultipartByteranges } from "../protocol/multipart_byteranges.ts";
import { patternBytes } from "./_file_tree.ts";

const CONTENT = patternBytes(WHOLE_READ_BYTES * 6, 31);
const SPANS = [
  { start: 0, length: 10 },
  { start: 5000, length: WHOLE_READ_BYTES * 2 + 7 },
  { start: CONTENT.length - 3, length: 3 },
];

function expected(boundary: string): Uint8Array {
  const plan = planMultipartByteranges(SPANS, CONTENT.length, "application/x-test", boundary);
  const parts = plan.segments.map((s) =>
    s.kind === "bytes" ? s.bytes : CONTENT.subarray(s.start, s.start + s.length)
  );
  const out = new Uint8Array(plan.contentLength);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  assertEquals(offset, plan.contentLength);
  return out;
}

function joined(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function withFile(fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ prefix: "httpserver-segments-" });
  try {
    await Deno.writeFile(path, CONTENT);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

for (const origin of ["file", "memory"] as const) {
  Deno.test(`SegmentsSource (${origin}): copyTo and a read loop give the planned body`, async () => {
    await withFile(async (path) => {
      const plan = planMultipartByteranges(SPANS, CONTENT.length, "application/x-test", "B");
      const open = () =>
        origin === "file"
          ? new SegmentsSource(plan.segments, Deno.openSync(path))
          : new SegmentsSource(plan.segments, null, CONTENT);

      const chunks: Uint8Array[] = [];
      const copied = open();
      await copyBody(
        copied,
        { write: (p) => Promise.resolve(chunks.push(p.slice())) },
        new ScratchBuffer(),
      );
      copied.close();
      assertEquals(joined(chunks), expected("B"));

      // A subclass's copyfile that reads in small chunks, and a copy after a partial read.
      const read = open();
      const buffer = new Uint8Array(4099);
      const parts: Uint8Array[] = [];
      const first = await read.read(buffer);
      assert(first !== null);
      parts.push(buffer.slice(0, first));
      for (let i = 0; i < 5; i++) {
        const n = await read.read(buffer);
        if (n === null) break;
        parts.push(buffer.slice(0, n));
      }
      const rest: Uint8Array[] = [];
      await copyBody(
        read,
        { write: (p) => Promise.resolve(rest.push(p.slice())) },
        new ScratchBuffer(),
      );
      assertEquals(await read.read(buffer), null);
      read.close();
      assertEquals(joined([...parts, ...rest]), expected("B"));
    });
  });
}

Deno.test("SegmentsSource needs a file or the content", () => {
  assertThrows(() => new SegmentsSource([], null, null), TypeError);
});

Deno.test("FileSpanSource: a small span is copied through the scratch buffer", async () => {
  await withFile(async (path) => {
    const scratch = new ScratchBuffer();
    const seen: Uint8Array[] = [];
    for (const [start, length] of [[100, 1024], [70_000, 1024], [3, 512]]) {
      const span = new FileSpanSource(Deno.openSync(path), start, length);
      await copyBody(span, {
        write: (p) => {
          seen.push(p);
          assertEquals(p.slice(), CONTENT.subarray(start, start + length));
          return Promise.resolve();
        },
      }, scratch);
      span.close();
    }
    // Every write was a view of the one scratch buffer: nothing allocated per copy.
    assert(seen.every((p) => p.buffer === seen[0].buffer));
    assert(scratch.take(1).buffer === seen[0].buffer);
  });
});

Deno.test("FileSpanSource: a small span is read straight into wfile's staging buffer", async () => {
  await withFile(async (path) => {
    const pool = new BufferPool(COPY_CHUNK_SIZE, 2);
    const connections = Array.from({ length: 8 }, () => new MemoryConnection(""));
    const writers = connections.map((conn) => new WFile(conn));
    const scratches = connections.map(() => new ScratchBuffer(pool));
    const spans = connections.map((_, i) => [1000 * i + 7, 1024 + i] as const);
    // Eight answers started in one turn, none awaited yet: none borrows a copy buffer.
    const copies = spans.map(([start, length], i) => {
      const head = new TextEncoder().encode(`head ${i}\r\n`);
      writers[i].write(head);
      const span = new FileSpanSource(Deno.openSync(path), start, length);
      const copied = copyBody(span, writers[i], scratches[i]);
      assert(!scratches[i].holding, "no copy buffer held");
      return copied.finally(() => span.close());
    });
    await Promise.all(copies);
    assertEquals(pool.kept, 0, "nothing was ever borrowed");
    for (const [i, [start, length]] of spans.entries()) {
      await writers[i].flush();
      assertEquals(connections[i].writes.length, 1, "head and span leave in one write");
      const out = connections[i].output();
      const head = `head ${i}\r\n`.length;
      assertEquals(out.subarray(head), CONTENT.subarray(start, start + length));
    }
    // A span too large to coalesce goes through the scratch buffer as before.
    const conn = new MemoryConnection("");
    const wfile = new WFile(conn);
    const big = new FileSpanSource(Deno.openSync(path), 5, WHOLE_READ_BYTES);
    await copyBody(big, wfile, scratches[0]);
    big.close();
    await wfile.flush();
    assertEquals(conn.output(), CONTENT.subarray(5, 5 + WHOLE_READ_BYTES));
    assertEquals(pool.kept, 1, "borrowed and given back");
  });
});
