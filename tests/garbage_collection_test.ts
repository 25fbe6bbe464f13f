/**
 * `collectGarbage` (issue #17): a full collection without `--expose-gc` (through `node:vm`),
 * or the `gc` the user exposed. The server asks for one after a burst of connections ends.
 */
import { assert, assertEquals } from "../deps.ts";
import { collectGarbage } from "../io/garbage_collection.ts";
import { ThreadingHTTPServer } from "../server.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";

/** Bytes of V8 heap the garbage below takes (well above what V8 keeps for itself). */
const GARBAGE_BYTES = 40 * 1024 * 1024;

Deno.test("collectGarbage: without --expose-gc, gives an emptied heap back", async () => {
  assertEquals(typeof (globalThis as { gc?: unknown }).gc, "undefined");
  let garbage: unknown[] = [];
  for (let i = 0; i < GARBAGE_BYTES / 64; i++) garbage.push({ i, tail: [i, i + 1] });
  const grown = Deno.memoryUsage().heapTotal;
  garbage = [];
  assert(await collectGarbage());
  const after = Deno.memoryUsage().heapTotal;
  assert(after < grown - GARBAGE_BYTES / 2, `heap ${grown} → ${after}`);
  // The `gc` stays private to its context: nothing is exposed to the program.
  assertEquals(typeof (globalThis as { gc?: unknown }).gc, "undefined");
  assertEquals(garbage.length, 0);
});

Deno.test("collectGarbage: uses the gc the user exposed, asking for a compacting run", async () => {
  const calls: unknown[] = [];
  const global = globalThis as { gc?: unknown };
  global.gc = (options: unknown) => calls.push(options);
  try {
    assert(await collectGarbage());
  } finally {
    delete global.gc;
  }
  assertEquals(calls, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
});

/** Connections in the test burst: just above the server's burst threshold (256). */
const BURST = 260;
/** Most milliseconds to wait for the collection after the burst's connections close. */
const SETTLE_LIMIT_MS = 5000;
/** Milliseconds the server with the collection off is watched (twice the collection's delay). */
const OFF_WAIT_MS = 2000;

class KeepAlive extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_message() {}
  do_GET(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Length", "0");
    return this.end_headers();
  }
}

/** Collections asked for after a burst of keep-alive connections that all close. */
async function collectionsAfterBurst(release: boolean): Promise<number> {
  let collections = 0;
  const global = globalThis as { gc?: unknown };
  global.gc = () => collections++;
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], KeepAlive);
  server.release_memory_after_burst = release;
  const serving = server.serve_forever();
  const request = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  try {
    const conns = await Promise.all(Array.from({ length: BURST }, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.server_port });
      await conn.write(request);
      await conn.read(new Uint8Array(1024));
      return conn;
    }));
    for (const conn of conns) conn.close();
    // The collection runs a second after the burst has ended; a loaded machine may take longer
    // to see the connections close.
    const until = Date.now() + (release ? SETTLE_LIMIT_MS : OFF_WAIT_MS);
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (collections === 0 && Date.now() < until);
  } finally {
    delete global.gc;
    await server.shutdown();
    server.server_close();
    await serving;
    await server.drain(1000);
  }
  return collections;
}

Deno.test("a server collects once after a burst ends, never with release_memory_after_burst off", async () => {
  assertEquals(await collectionsAfterBurst(true), 1);
  assertEquals(await collectionsAfterBurst(false), 0);
});

/** Most milliseconds to wait for the collection with connections open (quiet 0.5 s, checks). */
const QUIET_LIMIT_MS = 5000;
/** Milliseconds for the collection after a burst's end to have run (its delay is 1 s). */
const AFTER_BURST_WAIT_MS = 1500;
/** Milliseconds a server that must not collect is watched (three times the quiet window). */
const NO_COLLECTION_WAIT_MS = 1500;

/** `KeepAlive`, except that `GET /slow` answers only once `slowAnswered` is resolved. */
class SlowKeepAlive extends KeepAlive {
  static slowAnswered: Promise<void> = Promise.resolve();
  override async do_GET(): Promise<void> {
    if (this.path === "/slow") await SlowKeepAlive.slowAnswered;
    await super.do_GET();
  }
}

/** Waits until `done()` or `limitMs` passed. */
async function waitFor(done: () => boolean, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * Opens `BURST` keep-alive connections that each had one answer and stay open, then runs
 * `whileOpen` with a counter of the collections asked for meanwhile.
 */
async function withIdleConnections(
  release: boolean,
  whileOpen: (collections: () => number) => Promise<void>,
  before?: (port: number) => Promise<void>,
): Promise<void> {
  let collections = 0;
  const global = globalThis as { gc?: unknown };
  global.gc = () => collections++;
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], SlowKeepAlive);
  server.release_memory_after_burst = release;
  const serving = server.serve_forever();
  const request = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const conns: Deno.TcpConn[] = [];
  try {
    await before?.(server.server_port);
    conns.push(
      ...await Promise.all(Array.from({ length: BURST }, async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.server_port });
        await conn.write(request);
        await conn.read(new Uint8Array(1024));
        return conn;
      })),
    );
    await whileOpen(() => collections);
  } finally {
    for (const conn of conns) conn.close();
    // The collection after the burst's end runs a second later: before the next test's count.
    if (release) await new Promise((resolve) => setTimeout(resolve, AFTER_BURST_WAIT_MS));
    delete global.gc;
    await server.shutdown();
    server.server_close();
    await serving;
    await server.drain(1000);
  }
}

Deno.test("a server with many connections open collects once when nothing is served", async () => {
  await withIdleConnections(true, async (collections) => {
    await waitFor(() => collections() > 0, QUIET_LIMIT_MS);
    assertEquals(collections(), 1);
    // Once per doubling of the connections open: staying idle asks for no more.
    await new Promise((resolve) => setTimeout(resolve, NO_COLLECTION_WAIT_MS));
    assertEquals(collections(), 1);
  });
});

Deno.test("a server with many connections open does not collect while a request is in progress", async () => {
  let answer = () => {};
  SlowKeepAlive.slowAnswered = new Promise((resolve) => answer = resolve);
  let slow: Deno.TcpConn | null = null;
  try {
    await withIdleConnections(true, async (collections) => {
      await new Promise((resolve) => setTimeout(resolve, NO_COLLECTION_WAIT_MS));
      assertEquals(collections(), 0);
      answer();
      await (slow as Deno.TcpConn).read(new Uint8Array(1024));
      await waitFor(() => collections() > 0, QUIET_LIMIT_MS);
      assertEquals(collections(), 1);
    }, async (port) => {
      // Its answer waits: a request in progress from before the connections opened.
      slow = await Deno.connect({ hostname: "127.0.0.1", port });
      await slow.write(new TextEncoder().encode("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    });
  } finally {
    answer();
    (slow as Deno.TcpConn | null)?.close();
  }
});

Deno.test("a server with many connections open never collects with release_memory_after_burst off", async () => {
  await withIdleConnections(false, async (collections) => {
    await new Promise((resolve) => setTimeout(resolve, NO_COLLECTION_WAIT_MS));
    assertEquals(collections(), 0);
  });
});
