// The shared helpers: withTimeout (timers always cleared: the test sanitizers fail on a leaked
// timer), the one HTML escaper and stderr writer, the bounded body reader, and ThreadingMixIn's
// block_on_close.
import { assert, assertEquals, assertRejects, assertThrows } from "../deps.ts";
import { RequestBodyTooLargeError, SocketTimeoutError } from "../errors.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { BoundedBodyReader } from "../io/body_reader.ts";
import { MemoryConnection } from "../io/memory.ts";
import { RFile } from "../io/rfile.ts";
import { withTimeout } from "../io/timeout.ts";
import { htmlEscapeNoQuote } from "../protocol/html.ts";
import { HTTPServer, ThreadingHTTPServer, ThreadingMixIn } from "../server.ts";
import { HTTPSServer, ThreadingHTTPSServer } from "../tls_server.ts";
import type { ByteConnection } from "../types.ts";

const never = <T>() => new Promise<T>(() => {});

Deno.test("withTimeout: the operation's outcome when it settles in time", async () => {
  assertEquals(await withTimeout(Promise.resolve(1), 1000, () => 0), 1);
  await assertRejects(
    () => withTimeout(Promise.reject(new RangeError("x")), 1000, () => 0),
    RangeError,
  );
});

Deno.test("withTimeout: a sentinel, a typed error, or a further wait on timeout", async () => {
  assertEquals(await withTimeout(never<number>(), 5, () => null), null);
  await assertRejects(
    () =>
      withTimeout(never<number>(), 5, () => {
        throw new SocketTimeoutError();
      }),
    SocketTimeoutError,
  );
  const { promise, resolve } = Promise.withResolvers<string>();
  let fired = false;
  const result = withTimeout(promise, 5, () => {
    fired = true;
    resolve("late");
    return promise;
  });
  assertEquals(await result, "late");
  assert(fired);
});

Deno.test("withTimeout: null means no timer; a late rejection is not unhandled", async () => {
  const pending = Promise.resolve(7);
  assert(withTimeout(pending, null, () => 0) === pending);
  const late = Promise.withResolvers<number>();
  assertEquals(await withTimeout(late.promise, 1, () => -1), -1);
  late.reject(new Error("after the timeout"));
  await new Promise((resolve) => setTimeout(resolve, 5));
});

Deno.test("htmlEscapeNoQuote is the error page's escaper (html.escape(s, quote=False))", () => {
  const regexEscape = (text: string) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  for (const sample of ["", "plain", "<&>\"'", "&amp;", "a<b>c&d", "\u00e9<\ud83d\ude00>&&"]) {
    assertEquals(htmlEscapeNoQuote(sample), regexEscape(sample));
  }
});

/** A connection that hands out its input in the given pieces, one per read. */
function pieces(...parts: string[]): ByteConnection & { reads: number } {
  const queue = parts.map((part) => new TextEncoder().encode(part));
  const conn = {
    reads: 0,
    read(buf: Uint8Array): Promise<number | null> {
      conn.reads++;
      const next = queue.shift();
      if (next === undefined) return Promise.resolve(null);
      buf.set(next);
      return Promise.resolve(next.length);
    },
    write: (p: Uint8Array) => Promise.resolve(p.length),
    close() {},
  };
  return conn;
}

async function drain(body: BoundedBodyReader): Promise<string[]> {
  const chunks: string[] = [];
  while (!body.complete) {
    const chunk = await body.peek();
    if (chunk.length === 0) break;
    chunks.push(new TextDecoder().decode(chunk));
    body.consume(chunk.length);
  }
  return chunks;
}

Deno.test("BoundedBodyReader: chunks of at most chunkSize, never past Content-Length", async () => {
  const conn = pieces("abcdefg", "hijNEXT");
  const rfile = new RFile(conn);
  const body = new BoundedBodyReader(rfile, 10, { chunkSize: 4 });
  assertEquals(await drain(body), ["abcd", "efg", "hij"]);
  assert(body.complete);
  assertEquals(await body.peek(), new Uint8Array(0));
  assertEquals(new TextDecoder().decode(await rfile.read(4)), "NEXT");
});

Deno.test("BoundedBodyReader: a client that closes early leaves the body incomplete", async () => {
  const body = new BoundedBodyReader(new RFile(pieces("abc")), 10);
  assertEquals(await drain(body), ["abc"]);
  assertEquals(body.complete, false);
  assertEquals(body.remaining, 7);
});

Deno.test("BoundedBodyReader: over maxBytes is a 413 before anything is read", () => {
  const conn = pieces("abc");
  const error = assertThrows(
    () => new BoundedBodyReader(new RFile(conn), 11, { maxBytes: 10 }),
    RequestBodyTooLargeError,
  ) as RequestBodyTooLargeError;
  assertEquals([error.status, error.reason, error.length, error.limit], [
    413,
    "Content Too Large",
    11,
    10,
  ]);
  assertEquals(conn.reads, 0);
  new BoundedBodyReader(new RFile(conn), 10, { maxBytes: 10 });
  new BoundedBodyReader(new RFile(conn), 2 ** 40, { maxBytes: null });
});

Deno.test("BoundedBodyReader: consume() past the body's end is refused", async () => {
  const body = new BoundedBodyReader(new RFile(new MemoryConnection("abcdef")), 2);
  assertEquals((await body.peek()).length, 2);
  assertThrows(() => body.consume(3), RangeError);
});

Deno.test("ThreadingMixIn: one implementation behind both threading servers", () => {
  const pairs = [[ThreadingHTTPServer, HTTPServer], [ThreadingHTTPSServer, HTTPSServer]] as const;
  for (const [Threading, Plain] of pairs) {
    // The public class adds nothing itself; the mixin's layer sits between it and its base.
    assertEquals(Object.getOwnPropertyNames(Threading.prototype), ["constructor"]);
    const layer = Object.getPrototypeOf(Threading.prototype);
    assert(Object.getPrototypeOf(layer) === Plain.prototype);
    assertEquals(Object.getOwnPropertyNames(layer).sort(), [
      "constructor",
      "process_request",
      "server_close",
    ]);
  }
  const custom = ThreadingMixIn(HTTPServer);
  const server = new custom(["127.0.0.1", 0], BaseHTTPRequestHandler, false);
  assertEquals([server.daemon_threads, server.block_on_close], [true, true]);
});

/** Holds each request open until released. */
let release: (() => void) | null = null;
class Held extends BaseHTTPRequestHandler {
  override log_message() {}
  async do_GET(): Promise<void> {
    await new Promise<void>((resolve) => release = resolve);
    this.send_response(204);
    this.send_header("Connection", "close");
    await this.end_headers();
  }
}

Deno.test("block_on_close: with daemon_threads false, server_close waits for connections", async () => {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Held);
  server.daemon_threads = false;
  const serving = server.serve_forever();
  const reply = fetch(`http://127.0.0.1:${server.server_port}/`);
  while (release === null) await new Promise((resolve) => setTimeout(resolve, 5));
  await server.shutdown();
  await serving;
  const closing = server.server_close();
  assert(closing instanceof Promise);
  let closed = false;
  closing.then(() => closed = true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(closed, false);
  release();
  release = null;
  await (await reply).body?.cancel();
  await closing;
  assert(closed);
  await server[Symbol.asyncDispose]();
});

Deno.test("block_on_close: daemon_threads (the default) or block_on_close false do not wait", async () => {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Held);
  assertEquals(server.server_close(), undefined);
  const other = new ThreadingHTTPServer(["127.0.0.1", 0], Held);
  other.daemon_threads = false;
  other.block_on_close = false;
  assertEquals(other.server_close(), undefined);
  await server[Symbol.asyncDispose]();
  await other[Symbol.asyncDispose]();
});
