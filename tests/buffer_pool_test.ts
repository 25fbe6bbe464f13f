/**
 * Per-connection buffers (issue #17): `rfile` starts small, grows into a pooled buffer only for
 * a request that needs it and shrinks back once idle; `wfile` and the file copy buffer borrow
 * from pools per response; `closesCleanly` decides when a close needs no lingering drain.
 * Socketless: memory connections and recording writers.
 */
import { assert, assertEquals, assertThrows } from "../deps.ts";
import { COPY_CHUNK_SIZE, INITIAL_READ_BUFFER_SIZE, READ_BUFFER_SIZE } from "../constants.ts";
import { BufferPool, SlabPool } from "../io/buffer_pool.ts";
import { BytesSource, copyBody, ScratchBuffer } from "../io/body_source.ts";
import { MemoryConnection } from "../io/memory.ts";
import { RFile } from "../io/rfile.ts";
import { WFile } from "../io/wfile.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { closesCleanly } from "../server.ts";
import type { ServerInfo } from "../types.ts";

const encoder = new TextEncoder();

Deno.test("buffer pool: lends kept buffers, keeps at most its bound, drops other sizes", () => {
  const pool = new BufferPool(16, 1);
  const a = pool.take();
  const b = pool.take();
  assert(a !== b);
  pool.give(a);
  pool.give(b);
  assertEquals(pool.kept, 1);
  pool.give(new Uint8Array(8));
  assertEquals(pool.kept, 1);
  assert(pool.take() === a);
  assertEquals(pool.kept, 0);
});

Deno.test("rfile: starts small and an ordinary request never grows it", async () => {
  const pool = new BufferPool(READ_BUFFER_SIZE, 4);
  const rfile = new RFile(
    new MemoryConnection("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
    INITIAL_READ_BUFFER_SIZE,
    pool,
  );
  assertEquals(rfile.bufferSize, INITIAL_READ_BUFFER_SIZE);
  assertEquals(await rfile.readlineLatin1(), "GET / HTTP/1.1\r\n");
  assertEquals(await rfile.readlineLatin1(), "Host: a\r\n");
  assertEquals(rfile.bufferSize, INITIAL_READ_BUFFER_SIZE);
  assertEquals(pool.kept, 0);
});

Deno.test("rfile: a head larger than the small buffer grows it, then idle shrinks it back", async () => {
  const pool = new BufferPool(READ_BUFFER_SIZE, 4);
  const big = "X-Big: " + "b".repeat(3 * INITIAL_READ_BUFFER_SIZE) + "\r\n";
  const head = `GET / HTTP/1.1\r\n${big}\r\n`;
  // Delivered in small pieces, as a slow network would: the head spans many reads.
  const conn = new MemoryConnection(head + "GET /next HTTP/1.1\r\n\r\n", { readChunkSize: 1000 });
  const rfile = new RFile(conn, INITIAL_READ_BUFFER_SIZE, pool);
  assertEquals(await rfile.readlineLatin1(), "GET / HTTP/1.1\r\n");
  // Collect the header block the way the head reader does: fill, peek, until the blank line.
  let text = "";
  while (!text.endsWith("\r\n\r\n")) {
    const view = rfile.peek();
    const at = new TextDecoder("latin1").decode(view).indexOf("\r\n\r\n");
    if (at >= 0) {
      text += new TextDecoder("latin1").decode(view.subarray(0, at + 4));
      rfile.consume(at + 4);
      break;
    }
    if (rfile.buffered > 0 && view.length === rfile.bufferSize) break;
    assert(await rfile.fillBuffer());
  }
  assertEquals(text, `${big}\r\n`);
  assertEquals(rfile.bufferSize, READ_BUFFER_SIZE);
  // The rest of the buffered input is the next request; once it is consumed the next wait
  // for input goes back to the small buffer and the large one returns to the pool.
  assertEquals(await rfile.readlineLatin1(), "GET /next HTTP/1.1\r\n");
  assertEquals(await rfile.readlineLatin1(), "\r\n");
  assertEquals(await rfile.readlineLatin1(), "");
  assertEquals(rfile.bufferSize, INITIAL_READ_BUFFER_SIZE);
  assertEquals(pool.kept, 1);
});

Deno.test("rfile: a large body read grows the buffer; finish's release gives it back", async () => {
  const pool = new BufferPool(READ_BUFFER_SIZE, 4);
  const body = new Uint8Array(200_000).map((_, i) => i & 0xff);
  const rfile = new RFile(new MemoryConnection(body), INITIAL_READ_BUFFER_SIZE, pool);
  const read = await rfile.read(body.length);
  assertEquals(read, body);
  assertEquals(rfile.bufferSize, READ_BUFFER_SIZE);
  assertEquals(pool.kept, 0);
  rfile.release();
  assertEquals(rfile.bufferSize, 0);
  assertEquals(pool.kept, 1);
  // Released: reading again starts over with a small buffer.
  assertEquals(await rfile.read(1), new Uint8Array(0));
  assertEquals(rfile.bufferSize, INITIAL_READ_BUFFER_SIZE);
});

Deno.test("rfile: a body that streams in through read1(0) grows the buffer, then shrinks", async () => {
  const pool = new BufferPool(READ_BUFFER_SIZE, 4);
  const body = new Uint8Array(100_000).fill(7);
  const rfile = new RFile(new MemoryConnection(body), INITIAL_READ_BUFFER_SIZE, pool);
  let total = 0;
  let largest = 0;
  while (true) {
    await rfile.read1(0);
    const n = rfile.buffered;
    if (n === 0) break;
    largest = Math.max(largest, rfile.bufferSize);
    rfile.consume(n);
    total += n;
  }
  assertEquals(total, body.length);
  assertEquals(largest, READ_BUFFER_SIZE);
  // End of stream: the next wait ran dry, so the reader is back on its small buffer.
  assertEquals(rfile.bufferSize, INITIAL_READ_BUFFER_SIZE);
});

Deno.test("rfile: release keeps a grown buffer that still holds unread bytes", async () => {
  const pool = new BufferPool(READ_BUFFER_SIZE, 4);
  const rfile = new RFile(
    new MemoryConnection(new Uint8Array(50_000)),
    INITIAL_READ_BUFFER_SIZE,
    pool,
  );
  await rfile.read(10_000);
  const left = rfile.buffered;
  assert(left > 0);
  rfile.release();
  assertEquals(rfile.buffered, left);
  assertEquals(pool.kept, 0);
});

Deno.test("wfile: the staging buffer is borrowed per response and returned once sent", async () => {
  const pool = new BufferPool(1024, 4);
  const conn = new MemoryConnection("");
  const wfile = new WFile(conn, pool);
  assert(!wfile.holdsBuffer);
  await wfile.write("HTTP/1.0 200 OK\r\n\r\n");
  await wfile.write("hello");
  assert(wfile.holdsBuffer);
  await wfile.flush();
  assert(!wfile.holdsBuffer);
  assertEquals(pool.kept, 1);
  await wfile.write("again");
  assertEquals(pool.kept, 0);
  await wfile.flush();
  assertEquals(new TextDecoder().decode(conn.output()), "HTTP/1.0 200 OK\r\n\r\nhelloagain");
  assertEquals(conn.writes.length, 2);
  assertEquals(pool.kept, 1);
});

Deno.test("wfile: TCP_NODELAY is asked for before the second socket write, not the first", async () => {
  let calls = 0;
  const conn = Object.assign(new MemoryConnection(""), {
    setNoDelay: () => {
      calls++;
    },
  });
  const wfile = new WFile(conn);
  wfile.noDelayFromSecondSend = true;
  await wfile.write("one");
  await wfile.flush();
  assertEquals(calls, 0);
  await wfile.write("two");
  await wfile.flush();
  await wfile.write("three");
  await wfile.flush();
  assertEquals(calls, 1);
});

Deno.test("scratch buffer: borrowed for a copy that needs it, given back when it ends", async () => {
  const pool = new BufferPool(COPY_CHUNK_SIZE, 2);
  const scratch = new ScratchBuffer(pool);
  const bytes = encoder.encode("x".repeat(10_000));
  const chunks: Uint8Array[] = [];
  const reader = {
    offset: 0,
    read(p: Uint8Array): Promise<number | null> {
      if (this.offset >= bytes.length) return Promise.resolve(null);
      const n = Math.min(p.length, bytes.length - this.offset);
      p.set(bytes.subarray(this.offset, this.offset + n));
      this.offset += n;
      return Promise.resolve(n);
    },
    close() {},
  };
  const writer = { write: (p: Uint8Array) => Promise.resolve(chunks.push(p.slice())) };
  await copyBody(reader, writer, scratch);
  assertEquals(chunks.reduce((n, c) => n + c.length, 0), bytes.length);
  assert(!scratch.holding);
  assertEquals(pool.kept, 1);
  // Bytes in memory never borrow.
  await copyBody(new BytesSource(bytes), writer, scratch);
  assert(!scratch.holding);
});

function handlerFor(request: string): BaseHTTPRequestHandler {
  const conn = new MemoryConnection(request);
  const server = { server_name: "localhost", server_port: 0 } as unknown as ServerInfo;
  const handler = new BaseHTTPRequestHandler(conn, ["127.0.0.1", 1], server);
  handler.log_writer = () => {};
  return handler;
}

Deno.test("closesCleanly: only when the client said it sends nothing more", async () => {
  const cases: [string, boolean][] = [
    ["GET / HTTP/1.1\r\nConnection: close\r\n\r\n", true],
    ["GET / HTTP/1.0\r\n\r\n", true],
    ["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false],
    ["GET / HTTP/1.1\r\n\r\n", false],
    // A body the handler did not read may still be on its way.
    ["POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n", false],
    ["POST / HTTP/1.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n", false],
    // Pipelined input already read: a plain close would reset it.
    ["GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", false],
    // A refused request line: the rest of what the client sent is unknown.
    ["BAD\r\n", false],
  ];
  for (const [request, expected] of cases) {
    const handler = handlerFor(request);
    await handler.setup();
    await handler.handle_one_request();
    await handler.finish();
    assertEquals(closesCleanly(handler), expected, JSON.stringify(request));
  }
});

Deno.test("slab pool: lends buffers cut from slabs, drops empty slabs beyond its bound", () => {
  const pool = new SlabPool(2048, 128 * 1024, 1);
  const perSlab = (128 * 1024) / 2048;
  const lent = Array.from({ length: perSlab * 3 }, () => pool.take());
  assertEquals(pool.slabs, 3);
  assertEquals(pool.kept, 0);
  assertEquals(new Set(lent).size, lent.length);
  for (const buffer of lent) assertEquals(buffer.length, 2048);
  // Buffers of one slab do not overlap.
  const first = lent[0];
  first.fill(7);
  assert(lent.slice(1).every((buffer) => buffer.buffer !== first.buffer || buffer[0] !== 7));
  for (const buffer of lent) pool.give(buffer);
  // One empty slab is kept for the next borrowers; the other two are dropped.
  assertEquals(pool.slabs, 1);
  assertEquals(pool.kept, perSlab);
  pool.give(new Uint8Array(2048)); // not from the pool: left to the garbage collector
  assertEquals(pool.kept, perSlab);
  const again = pool.take();
  assertEquals(pool.slabs, 1);
  assert(lent.includes(again));
});

Deno.test("slab pool: refuses a slab size that is not whole pages of whole buffers", () => {
  assertThrows(() => new SlabPool(2048, 100 * 1024, 1), RangeError);
  assertThrows(() => new SlabPool(3000, 128 * 1024, 1), RangeError);
});

Deno.test("rfile: reads into a small buffer cut from a slab", async () => {
  const rfile = new RFile(new MemoryConnection("GET / HTTP/1.1\r\n\r\n"));
  assertEquals(await rfile.readlineLatin1(), "GET / HTTP/1.1\r\n");
  assertEquals(await rfile.readlineLatin1(), "\r\n");
  assertEquals(rfile.bufferSize, INITIAL_READ_BUFFER_SIZE);
  rfile.release();
  assertEquals(rfile.bufferSize, 0);
});
