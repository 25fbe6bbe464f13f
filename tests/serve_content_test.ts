// serveContent and the body sources: 200 and 304 as CPython sends them, file spans from an offset, the one copy contract of every source kind, and
// Python's send_head/copyfile contract for a subclass that returns a plain read/close object.
import { assert, assertEquals } from "../deps.ts";
import { HTTPMessage } from "../headers.ts";
import {
  type BodySource,
  BytesSource,
  copyBody,
  FileSource,
  FileSpanSource,
  isCopyable,
  ScratchBuffer,
  StreamSource,
  WHOLE_READ_BYTES,
} from "../io/body_source.ts";
import { MemoryConnection } from "../io/memory.ts";
import { COPY_CHUNK_SIZE } from "../constants.ts";
import { type ContentResponder, serveContent } from "../handlers/files/serve_content.ts";
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import { fromLatin1, SOCKETLESS_SERVER } from "./_helpers.ts";
import { patternBytes } from "./_file_tree.ts";

const MTIME = new Date(Date.UTC(2024, 0, 1, 12, 0, 0, 750));
const AT_MTIME = "Mon, 01 Jan 2024 12:00:00 GMT";

async function withFile(
  bytes: Uint8Array,
  fn: (path: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-serve-content-" });
  const path = `${dir}/file.bin`;
  try {
    await Deno.writeFile(path, bytes);
    await Deno.utime(path, MTIME, MTIME);
    await fn(path, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A writer that records a copy of each write. */
function recorder(): { writes: Uint8Array[]; write(p: Uint8Array): Promise<number> } {
  const writes: Uint8Array[] = [];
  return {
    writes,
    write(p: Uint8Array): Promise<number> {
      writes.push(p.slice());
      return Promise.resolve(p.length);
    },
  };
}

function joined(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function drain(source: BodySource, chunk: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(chunk);
  while (true) {
    const n = await source.read(buffer);
    if (n === null || n === 0) break;
    parts.push(buffer.slice(0, n));
  }
  return joined(parts);
}

Deno.test("FileSpanSource: reads from its start offset and stops after its length", async () => {
  const bytes = patternBytes(300_000, 3);
  await withFile(bytes, async (path) => {
    for (const [start, length, chunk] of [[0, 10, 4], [7, 5, 64], [1000, 200_000, 65_536]]) {
      const span = new FileSpanSource(Deno.openSync(path), start, length);
      assertEquals(await drain(span, chunk), bytes.subarray(start, start + length));
      assertEquals(await span.read(new Uint8Array(8)), null);
      span.close();
    }
    // A span past the end of the file yields what is there.
    const tail = new FileSpanSource(Deno.openSync(path), bytes.length - 3, 10);
    assertEquals(await drain(tail, 64), bytes.subarray(bytes.length - 3));
    tail.close();
    const whole = new FileSpanSource(Deno.openSync(path), 123, 456);
    assertEquals(whole.readAllSync(), bytes.subarray(123, 579));
    whole.close();
  });
});

Deno.test("FileSource is the whole-file span from 0", async () => {
  const bytes = patternBytes(1000, 5);
  await withFile(bytes, async (path) => {
    const source = new FileSource(Deno.openSync(path), 600);
    assert(source instanceof FileSpanSource);
    assertEquals([source.start, source.length, source.size], [0, 600, 600]);
    assertEquals(await drain(source, 100), bytes.subarray(0, 600));
    source.close();
  });
});

Deno.test("copy contract: bytes in one write, also after a partial read", async () => {
  const bytes = patternBytes(5000, 1);
  const whole = recorder();
  const source = new BytesSource(bytes);
  assert(isCopyable(source));
  await copyBody(source, whole, new ScratchBuffer());
  assertEquals(whole.writes, [bytes]);
  assertEquals(await source.read(new Uint8Array(4)), null);

  const rest = recorder();
  const partial = new BytesSource(bytes);
  await partial.read(new Uint8Array(1000));
  await copyBody(partial, rest, new ScratchBuffer());
  assertEquals(rest.writes, [bytes.subarray(1000)]);
});

Deno.test("copy contract: a small span in one write, a large one in scratch-sized chunks", async () => {
  const bytes = patternBytes(WHOLE_READ_BYTES * 8, 2);
  await withFile(bytes, async (path) => {
    const small = recorder();
    const smallSpan = new FileSpanSource(Deno.openSync(path), 100, WHOLE_READ_BYTES);
    await copyBody(smallSpan, small, new ScratchBuffer());
    smallSpan.close();
    assertEquals(small.writes, [bytes.subarray(100, 100 + WHOLE_READ_BYTES)]);

    const scratch = new ScratchBuffer();
    const large = recorder();
    const length = bytes.length - 100;
    const largeSpan = new FileSpanSource(Deno.openSync(path), 100, length);
    await copyBody(largeSpan, large, scratch);
    largeSpan.close();
    assertEquals(joined(large.writes), bytes.subarray(100));
    assert(large.writes.length > 1);
    assert(large.writes.every((w) => w.length <= COPY_CHUNK_SIZE));
    // The connection's buffer is reused by the next copy of the same size.
    assert(scratch.take(Math.min(length, COPY_CHUNK_SIZE)) === scratch.take(1));
  });
});

Deno.test("copy contract: a stream chunk by chunk, after what a read left over", async () => {
  const chunks = [new Uint8Array([1, 2, 3, 4]), new Uint8Array(0), new Uint8Array([5, 6])];
  const out = recorder();
  await copyBody(new StreamSource(ReadableStream.from(chunks)), out, new ScratchBuffer());
  assertEquals(out.writes, [chunks[0], chunks[2]]);

  const rest = recorder();
  const source = new StreamSource(ReadableStream.from(chunks));
  assertEquals(await source.read(new Uint8Array(3)), 3);
  await copyBody(source, rest, new ScratchBuffer());
  assertEquals(rest.writes, [new Uint8Array([4]), chunks[2]]);
  source.close();
});

Deno.test("StreamSource: close cancels the stream", async () => {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new Uint8Array(16));
    },
    cancel() {
      cancelled = true;
    },
  });
  const source = new StreamSource(stream);
  assertEquals(await source.read(new Uint8Array(8)), 8);
  source.close();
  await Promise.resolve();
  assert(cancelled);
});

Deno.test("copy contract: a plain read/close object is read through the scratch buffer", async () => {
  const bytes = patternBytes(COPY_CHUNK_SIZE * 2 + 17, 4);
  const plain = new BytesSource(bytes);
  const readOnly: BodySource = { read: (p) => plain.read(p), close: () => {} };
  assert(!isCopyable(readOnly));
  const out = recorder();
  await copyBody(readOnly, out, new ScratchBuffer());
  assertEquals(joined(out.writes), bytes);
  assertEquals(out.writes.length, 3);
});

/** Runs one request through `Handler` over memory; returns the output as latin-1 text. */
async function exchange(
  Handler: typeof SimpleHTTPRequestHandler,
  directory: string,
  head: string,
): Promise<{ output: string; conn: MemoryConnection; handler: SimpleHTTPRequestHandler }> {
  const conn = new MemoryConnection(head);
  const handler = new Handler(conn, ["127.0.0.1", 12345], SOCKETLESS_SERVER, { directory });
  await handler.run();
  return { output: fromLatin1(conn.output()), conn, handler };
}

class Quiet extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}

class Uncached extends Quiet {
  override file_cache = null;
}

Deno.test("send_head override returning a plain read/close object is still copied", async () => {
  const body = new TextEncoder().encode("plain body");
  let closed = 0;
  class PlainHead extends Quiet {
    override async send_head(): Promise<BodySource | null> {
      this.send_response(200);
      this.send_header("Content-Length", String(body.length));
      await this.end_headers();
      const inner = new BytesSource(body);
      return { read: (p: Uint8Array) => inner.read(p), close: () => void closed++ };
    }
  }
  const { output } = await exchange(PlainHead, Deno.cwd(), "GET / HTTP/1.0\r\n\r\n");
  assert(output.startsWith("HTTP/1.0 200 OK\r\n"), output);
  assert(output.endsWith("\r\n\r\nplain body"), output);
  assertEquals(closed, 1);
});

Deno.test("copyfile override keeps Python's contract (source, outputfile)", async () => {
  await withFile(new TextEncoder().encode("abc"), async (_path, dir) => {
    const seen: number[] = [];
    class Upper extends Quiet {
      override async copyfile(source: BodySource, outputfile: typeof this.wfile): Promise<void> {
        const bytes = await drain(source, 2);
        seen.push(bytes.length);
        await outputfile.write(
          new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase()),
        );
      }
    }
    const { output } = await exchange(Upper, dir, "GET /file.bin HTTP/1.0\r\n\r\n");
    assert(output.endsWith("\r\n\r\nABC"), output);
    assertEquals(seen, [3]);
  });
});

Deno.test("serveContent: a small file leaves with its head in one write; 304 and HEAD carry no body", async () => {
  const bytes = patternBytes(1024, 6);
  await withFile(bytes, async (_path, dir) => {
    for (const Handler of [Quiet, Uncached]) {
      const got = await exchange(Handler, dir, "GET /file.bin HTTP/1.0\r\n\r\n");
      assertEquals(got.conn.writes.length, 1);
      assert(got.output.startsWith("HTTP/1.0 200 OK\r\n"), got.output);
      assert(got.output.includes("\r\nContent-type: application/octet-stream\r\n"));
      assert(got.output.includes("\r\nContent-Length: 1024\r\n"));
      assert(got.output.includes(`\r\nLast-Modified: ${AT_MTIME}\r\n\r\n`));
      assertEquals(got.conn.output().subarray(-1024), bytes);

      const notModified = await exchange(
        Handler,
        dir,
        `GET /file.bin HTTP/1.0\r\nIf-Modified-Since: ${AT_MTIME}\r\n\r\n`,
      );
      assert(notModified.output.startsWith("HTTP/1.0 304 Not Modified\r\n"));
      assert(notModified.output.endsWith("\r\n\r\n"));
      assert(!notModified.output.includes("Content-Length"));

      const withEtag = await exchange(
        Handler,
        dir,
        `GET /file.bin HTTP/1.0\r\nIf-Modified-Since: ${AT_MTIME}\r\nIf-None-Match: *\r\n\r\n`,
      );
      assert(withEtag.output.startsWith("HTTP/1.0 200 OK\r\n"));

      const head = await exchange(Handler, dir, "HEAD /file.bin HTTP/1.0\r\n\r\n");
      assert(head.output.endsWith(`Last-Modified: ${AT_MTIME}\r\n\r\n`), head.output);
    }
  });
});

Deno.test("serveContent: a large file is streamed whole; a missing one is 404", async () => {
  const bytes = patternBytes(WHOLE_READ_BYTES * 5 + 3, 8);
  await withFile(bytes, async (_path, dir) => {
    const got = await exchange(Quiet, dir, "GET /file.bin HTTP/1.0\r\n\r\n");
    assert(got.output.includes(`\r\nContent-Length: ${bytes.length}\r\n`));
    assertEquals(got.conn.output().subarray(-bytes.length), bytes);
    assert(got.conn.writes.length > 1);

    const missing = await exchange(Quiet, dir, "GET /nothing.bin HTTP/1.0\r\n\r\n");
    assert(missing.output.startsWith("HTTP/1.0 404 File not found\r\n"), missing.output);
  });
});

/** A responder that records the head it is asked to send. */
function recordingResponder(): ContentResponder & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    command: "GET",
    headers: new HTTPMessage(),
    close_connection: false,
    file_cache: null,
    etag: false,
    error_message_format: "%(code)d",
    error_content_type: "text/plain",
    responses: {},
    log_error: () => {},
    send_response: (code) => void lines.push(String(code)),
    send_header: (name, value) => void lines.push(`${name}: ${value}`),
    end_headers: () => Promise.resolve(),
    send_error: (code) => Promise.resolve(void lines.push(`error ${code}`)),
    date_time_string: () => "DATE",
  };
}

Deno.test("serveContent: a file that shrank after its length was sent closes the connection", async () => {
  const bytes = patternBytes(100, 9);
  await withFile(bytes, async (path) => {
    const responder = recordingResponder();
    let file: Deno.FsFile | null = null;
    const source = await serveContent(responder, path, null, "x/y", (p) => {
      file = Deno.openSync(p);
      const real = file.statSync();
      // fstat reports more bytes than a read then finds.
      file.statSync = () => ({ ...real, size: real.size + 50 });
      return file;
    });
    assertEquals(responder.lines, [
      "200",
      "Content-type: x/y",
      "Content-Length: 150",
      "Last-Modified: DATE",
    ]);
    assert(responder.close_connection);
    assert(source instanceof BytesSource);
    assertEquals(source.bytes, bytes);
  });
});

Deno.test("serveContent: an opener's null is 404, its error propagates", async () => {
  const responder = recordingResponder();
  assertEquals(await serveContent(responder, "/x", null, "x/y", () => null), null);
  assertEquals(responder.lines, ["error 404"]);
  let thrown: unknown = null;
  try {
    await serveContent(recordingResponder(), "/x", null, "x/y", () => {
      throw new TypeError("unrepresentable");
    });
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof TypeError);
});
