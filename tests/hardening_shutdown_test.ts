/**
 * Hardening: graceful shutdown. After SIGTERM (or SIGINT) the command line stops accepting at
 * once (new connections are refused), lets downloads in progress finish, closes idle
 * keep-alive connections at once, and exits within its grace period even when a client has
 * stopped reading. `drain()` does the same for library users.
 *
 * @module
 */
import { assert, assertEquals, assertRejects } from "../deps.ts";
import { SHUTDOWN_GRACE_MS } from "../cli.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { ThreadingHTTPServer } from "../server.ts";
import { latin1 } from "./_helpers.ts";
import { RawClient } from "./_wire.ts";
import { spawnCli, watchUnhandledRejections } from "./hardening_child.ts";

/** The download that is in progress when the signal arrives. */
const DOWNLOAD_SIZE = 50 << 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a response to its end (EOF), pausing `pauseMs` every `pauseEvery` reads. */
async function readSlowly(
  conn: Deno.Conn,
  pauseEvery: number,
  pauseMs: number,
  onProgress?: (received: number) => void,
): Promise<number> {
  const buf = new Uint8Array(256 * 1024);
  let received = 0;
  let reads = 0;
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      break;
    }
    if (n === null) break;
    received += n;
    onProgress?.(received);
    if (++reads % pauseEvery === 0) await sleep(pauseMs);
  }
  return received;
}

Deno.test({
  name: "shutdown: SIGTERM lets a 50 MiB slow download finish and refuses new connections",
  async fn() {
    const rejections = watchUnhandledRejections();
    const dir = await Deno.makeTempDir();
    const file = await Deno.open(`${dir}/big.bin`, { write: true, create: true });
    await file.truncate(DOWNLOAD_SIZE);
    file.close();
    await Deno.writeTextFile(`${dir}/small.txt`, "small\n");
    const cli = await spawnCli(["-d", dir, "-p", "HTTP/1.1"]);
    const slow = await Deno.connect({ hostname: "127.0.0.1", port: cli.port });
    const stalled = await Deno.connect({ hostname: "127.0.0.1", port: cli.port });
    const idle = await RawClient.connect(cli.port);
    try {
      // An idle keep-alive connection, one served request old.
      await idle.send("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals((await idle.readResponse())?.body, "small\n");
      // A client that will stop reading altogether.
      await stalled.write(latin1("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
      // The slow download: the signal arrives after its first MiB.
      await slow.write(latin1("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      let signalled = false;
      let signalledAt = 0;
      const downloading = readSlowly(slow, 4, 15, (received) => {
        if (!signalled && received >= 1 << 20) {
          signalled = true;
          signalledAt = Date.now();
          cli.kill("SIGTERM");
        }
      });
      // New connections are refused soon after the signal.
      while (!signalled) await sleep(10);
      await sleep(300);
      await assertRejects(
        () => Deno.connect({ hostname: "127.0.0.1", port: cli.port }),
        Deno.errors.ConnectionRefused,
      );
      // The idle keep-alive connection is closed at once, without a response.
      assert(await idle.closedWithin(1000), "the idle keep-alive connection stayed open");
      const received = await downloading;
      const downloadedAt = Date.now();
      assert(received > DOWNLOAD_SIZE, `only ${received} of ${DOWNLOAD_SIZE} bytes arrived`);
      assert(downloadedAt - signalledAt > 500, "the download was not slow enough to matter");
      // The stalled client cannot hold the exit past the grace period.
      const status = await cli.status;
      const exitedAt = Date.now();
      assertEquals(status.code, 0);
      assert(
        exitedAt - signalledAt < SHUTDOWN_GRACE_MS + 3000,
        `exited ${exitedAt - signalledAt} ms after the signal`,
      );
      assert(cli.stdout().includes("\nKeyboard interrupt received, exiting.\n"));
      rejections.check();
    } finally {
      slow.close();
      stalled.close();
      idle.close();
      await cli.stop();
      await Deno.remove(dir, { recursive: true });
      rejections.dispose();
    }
  },
});

class Hello extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_message(): void {}
  async do_GET(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Length", "3");
    await this.end_headers();
    await this.wfile.write("hi\n");
  }
}

Deno.test("shutdown: drain() closes idle keep-alive connections at once and reports true", async () => {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Hello);
  const serving = server.serve_forever();
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const client = await RawClient.connect(server.server_port);
      await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals((await client.readResponse())?.body, "hi\n");
      clients.push(client);
    }
    await server.shutdown();
    await serving;
    server.server_close();
    const started = Date.now();
    assertEquals(await server.drain(5000), true);
    assert(Date.now() - started < 1000, `drain took ${Date.now() - started} ms`);
    for (const client of clients) assert(await client.closedWithin(1000));
  } finally {
    for (const client of clients) client.close();
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("shutdown: drain() closes what is left after its deadline and reports false", async () => {
  class Stuck extends BaseHTTPRequestHandler {
    override log_message(): void {}
    async do_GET(): Promise<void> {
      this.send_response(200);
      await this.end_headers();
      // Writes until the connection is closed under it (the client never reads).
      const chunk = new Uint8Array(1 << 20);
      for (let i = 0; i < 1000; i++) await this.wfile.write(chunk);
    }
  }
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Stuck);
  const serving = server.serve_forever();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.server_port });
  try {
    await conn.write(latin1("GET / HTTP/1.0\r\n\r\n"));
    await sleep(300);
    await server.shutdown();
    await serving;
    server.server_close();
    const started = Date.now();
    assertEquals(await server.drain(500), false);
    assert(Date.now() - started < 1500);
  } finally {
    conn.close();
    await server[Symbol.asyncDispose]();
  }
});
