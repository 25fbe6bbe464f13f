/**
 * Hardening: the request-head deadline (`header_timeout`), the keep-alive idle timeout
 * (`idle_timeout`) and the connection cap (`max_connections`): slow-header ("slowloris")
 * clients are dropped with one log line, idle connections close quietly, a slow download is
 * never cut off, excess connections wait instead of being refused, and the command-line flags
 * set all three.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import {
  DEFAULT_HEADER_TIMEOUT,
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_MAX_CONNECTIONS,
} from "../constants.ts";
import { BaseHTTPRequestHandler, type RequestHandlerClass } from "../handlers/base.ts";
import { main, parseCli, UsageError } from "../cli.ts";
import { HTTPServer, ThreadingHTTPServer } from "../server.ts";
import { latin1, startServer } from "./_helpers.ts";
import { RawClient } from "./_wire.ts";
import { spawnCli, watchUnhandledRejections } from "./hardening_child.ts";

/** Size of the body `/big` answers with. */
const BIG_BODY_SIZE = 4 << 20;
const BIG_BODY = new Uint8Array(BIG_BODY_SIZE).fill(0x61);
const OK_BODY = latin1("ok\n");

/** Log lines written by the handlers of the current test. */
let logged: string[] = [];

class LimitsHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_writer = (line: string) => {
    logged.push(line);
  };
  override log_request(): void {}

  async do_GET(): Promise<void> {
    const body = this.path === "/big" ? BIG_BODY : OK_BODY;
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    await this.end_headers();
    await this.wfile.write(body);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function timeoutLines(): string[] {
  return logged.filter((line) => line.includes("Request timed out"));
}

interface Limits {
  header_timeout?: number | null;
  idle_timeout?: number | null;
  max_connections?: number;
}

function start<S extends HTTPServer>(
  limits: Limits,
  ServerClass: new (address: [string, number], handler: RequestHandlerClass) => S,
) {
  logged = [];
  const running = startServer(LimitsHandler, ServerClass);
  if (limits.header_timeout !== undefined) running.server.header_timeout = limits.header_timeout;
  if (limits.idle_timeout !== undefined) running.server.idle_timeout = limits.idle_timeout;
  if (limits.max_connections !== undefined) {
    running.server.max_connections = limits.max_connections;
  }
  return running;
}

/** Writes one byte at a time, `intervalMs` apart, until `stop` is set or the peer goes away. */
async function dribble(
  conn: Deno.Conn,
  text: string,
  intervalMs: number,
  stop: { stopped: boolean },
): Promise<void> {
  const bytes = latin1(text);
  for (let i = 0; i < bytes.length && !stop.stopped; i++) {
    try {
      await conn.write(bytes.subarray(i, i + 1));
    } catch {
      return;
    }
    await sleep(intervalMs);
  }
}

/** Milliseconds until the server closes `conn` (EOF or reset), at most `limitMs`, else -1. */
async function msUntilClosed(conn: Deno.Conn, limitMs: number): Promise<number> {
  const started = Date.now();
  const buf = new Uint8Array(1024);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), limitMs);
  });
  try {
    while (true) {
      const read = conn.read(buf).catch(() => null);
      const n = await Promise.race([read, expired]);
      if (n === "timeout") return -1;
      if (n === null) return Date.now() - started;
    }
  } finally {
    clearTimeout(timer);
  }
}

async function timedGet(port: number, path = "/"): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const client = await RawClient.connect(port);
  try {
    await client.send(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const response = await client.readResponse({ timeoutMs: 10_000 });
    return { ms: performance.now() - started, status: response?.status ?? 0 };
  } finally {
    client.close();
  }
}

Deno.test("limits: the defaults are on, named, and overridable per server", () => {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], LimitsHandler);
  try {
    assertEquals(server.header_timeout, DEFAULT_HEADER_TIMEOUT);
    assertEquals(server.idle_timeout, DEFAULT_IDLE_TIMEOUT);
    assertEquals(server.max_connections, DEFAULT_MAX_CONNECTIONS);
    class Strict extends ThreadingHTTPServer {
      override header_timeout = 5;
      override idle_timeout = null;
      override max_connections = 10;
    }
    const strict = new Strict(["127.0.0.1", 0], LimitsHandler);
    assertEquals([strict.header_timeout, strict.idle_timeout, strict.max_connections], [
      5,
      null,
      10,
    ]);
    strict.server_close();
  } finally {
    server.server_close();
  }
});

Deno.test("limits: a slow-header client is dropped at header_timeout with one log line", async () => {
  const { port, stop } = start({ header_timeout: 1 }, ThreadingHTTPServer);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const flag = { stopped: false };
  try {
    const sending = dribble(
      conn,
      "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(50),
      100,
      flag,
    );
    const ms = await msUntilClosed(conn, 5000);
    flag.stopped = true;
    await sending;
    assert(ms >= 800 && ms < 3000, `closed after ${ms} ms, expected about 1000`);
    const lines = timeoutLines();
    assertEquals(lines.length, 1, logged.join(""));
    assertMatch(
      lines[0],
      /^127\.0\.0\.1 - - \[.+\] Request timed out: no complete request head within 1 seconds \(\d+ bytes received\)\n$/,
    );
    // A prompt client on the same server is unaffected.
    assertEquals((await timedGet(port)).status, 200);
  } finally {
    flag.stopped = true;
    conn.close();
    await stop();
  }
});

Deno.test("limits: a connection that never sends is closed at header_timeout, quietly", async () => {
  const { port, stop } = start({ header_timeout: 0.5 }, ThreadingHTTPServer);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const ms = await msUntilClosed(conn, 5000);
    assert(ms >= 300 && ms < 2500, `closed after ${ms} ms`);
    assertEquals(timeoutLines(), []);
  } finally {
    conn.close();
    await stop();
  }
});

Deno.test("limits: keep-alive connections close quietly after idle_timeout", async () => {
  const { port, stop } = start({ header_timeout: 5, idle_timeout: 0.6 }, ThreadingHTTPServer);
  const client = await RawClient.connect(port);
  try {
    for (let i = 0; i < 3; i++) {
      await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals((await client.readResponse())?.status, 200);
      // Pauses shorter than the idle timeout keep the connection.
      await sleep(200);
    }
    const started = Date.now();
    assert(await client.closedWithin(3000), "the idle connection was not closed");
    const ms = Date.now() - started;
    assert(ms >= 200 && ms < 2500, `closed ${ms} ms after the last pause`);
    assertEquals(logged, []);
  } finally {
    client.close();
    await stop();
  }
});

Deno.test("limits: a later request's head deadline runs from its first byte", async () => {
  const { port, stop } = start({ header_timeout: 0.8, idle_timeout: 10 }, ThreadingHTTPServer);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const client = new TextDecoder();
  const flag = { stopped: false };
  try {
    await conn.write(latin1("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    assertStringIncludes(client.decode(buf.subarray(0, n ?? 0)), "200 OK");
    // Idle for longer than header_timeout (but not idle_timeout): still open.
    await sleep(1200);
    const sending = dribble(conn, "GET / HTTP/1.1\r\nHost: x\r\n" + "X".repeat(40), 100, flag);
    const ms = await msUntilClosed(conn, 5000);
    flag.stopped = true;
    await sending;
    assert(ms >= 500 && ms < 2500, `closed ${ms} ms after the first byte`);
    assertEquals(timeoutLines().length, 1);
  } finally {
    flag.stopped = true;
    conn.close();
    await stop();
  }
});

Deno.test("limits: the timeouts never cut off a slow download", async () => {
  const { port, stop } = start({ header_timeout: 0.3, idle_timeout: 0.3 }, ThreadingHTTPServer);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(latin1("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(64 * 1024);
    let received = 0;
    const started = Date.now();
    const expected = BIG_BODY_SIZE + 60;
    while (received < expected) {
      const n = await conn.read(buf);
      if (n === null) break;
      received += n;
      // About 2 s for 4 MiB: far longer than both timeouts.
      await sleep(25);
    }
    const head = received - BIG_BODY_SIZE;
    assert(head > 30 && head < 200, `received ${received} bytes`);
    assert(Date.now() - started > 600, "the download was not slow");
    assertEquals(timeoutLines(), []);
  } finally {
    conn.close();
    await stop();
  }
});

Deno.test({
  name: "limits: 200 slowloris connections do not delay a normal client (ThreadingHTTPServer)",
  async fn() {
    const rejections = watchUnhandledRejections();
    const { port, stop } = start({ header_timeout: 3 }, ThreadingHTTPServer);
    const conns: Deno.Conn[] = [];
    const flag = { stopped: false };
    const dribbles: Promise<void>[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conns.push(conn);
        dribbles.push(
          dribble(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "z".repeat(40), 1000, flag),
        );
      }
      const latencies: number[] = [];
      const until = Date.now() + 2500;
      while (Date.now() < until) {
        const { ms, status } = await timedGet(port);
        assertEquals(status, 200);
        latencies.push(ms);
        await sleep(50);
      }
      latencies.sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)];
      const worst = latencies[latencies.length - 1];
      console.log(
        `    slowloris x200: ${latencies.length} normal requests, median ${
          median.toFixed(1)
        } ms, ` +
          `worst ${worst.toFixed(1)} ms`,
      );
      assert(worst < 1000, `a normal request took ${worst.toFixed(0)} ms`);
      // Past header_timeout every slow connection has been dropped, each with one log line.
      const closed = await Promise.all(conns.map((conn) => msUntilClosed(conn, 4000)));
      flag.stopped = true;
      assertEquals(closed.filter((ms) => ms < 0).length, 0, "slow connections left open");
      assertEquals(timeoutLines().length, 200);
      rejections.check();
    } finally {
      flag.stopped = true;
      for (const conn of conns) conn.close();
      await Promise.all(dribbles);
      await stop();
      rejections.dispose();
    }
  },
});

Deno.test("limits: under the one-at-a-time HTTPServer a slow client holds the server until header_timeout", async () => {
  const { port, stop } = start({ header_timeout: 1 }, HTTPServer);
  const slow = await Deno.connect({ hostname: "127.0.0.1", port });
  const flag = { stopped: false };
  try {
    const sending = dribble(slow, "GET / HTTP/1.1\r\nHost: x\r\n" + "Y".repeat(40), 200, flag);
    await sleep(100);
    const { ms, status } = await timedGet(port);
    flag.stopped = true;
    await sending;
    assertEquals(status, 200);
    // The documented cost: the normal client waits for the slow one to be dropped.
    assert(ms >= 600 && ms < 4000, `served after ${ms.toFixed(0)} ms`);
    assertEquals(timeoutLines().length, 1);
  } finally {
    flag.stopped = true;
    slow.close();
    await stop();
  }
});

Deno.test("limits: at max_connections further clients wait in the accept queue, not refused", async () => {
  const { port, stop } = start({ max_connections: 2, header_timeout: 30 }, ThreadingHTTPServer);
  const holders = [await RawClient.connect(port), await RawClient.connect(port)];
  const waiting = await RawClient.connect(port);
  try {
    // Let the server accept both holders before the third client asks.
    await sleep(200);
    await waiting.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const early = await waiting.closedWithin(600);
    assertEquals(early, false, "the waiting client was closed");
    const started = Date.now();
    holders[0].close();
    const response = await waiting.readResponse({ timeoutMs: 3000 });
    assertEquals(response?.status, 200);
    assert(Date.now() - started < 1500, "not served once a slot was free");
  } finally {
    for (const holder of holders) holder.close();
    waiting.close();
    await stop();
  }
});

Deno.test("limits: the command line parses, documents and validates the new flags", async () => {
  const defaults = parseCli([]);
  assertEquals(
    [defaults.header_timeout, defaults.idle_timeout, defaults.max_connections],
    [DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS],
  );
  const set = parseCli([
    "--header-timeout",
    "2.5",
    "--idle-timeout=0",
    "--max-connections",
    "64",
    "8080",
  ]);
  assertEquals([set.header_timeout, set.idle_timeout, set.max_connections, set.port], [
    2.5,
    null,
    64,
    8080,
  ]);
  const bad: [string[], string][] = [
    [
      ["--header-timeout", "abc"],
      "argument --header-timeout: invalid non-negative seconds value: 'abc'",
    ],
    [
      ["--header-timeout=-1"],
      "argument --header-timeout: invalid non-negative seconds value: '-1'",
    ],
    [
      ["--idle-timeout", "inf"],
      "argument --idle-timeout: invalid non-negative seconds value: 'inf'",
    ],
    [
      ["--idle-timeout", "nan"],
      "argument --idle-timeout: invalid non-negative seconds value: 'nan'",
    ],
    [["--max-connections", "0"], "argument --max-connections: invalid positive int value: '0'"],
    [["--max-connections", "1.5"], "argument --max-connections: invalid positive int value: '1.5'"],
    [["--max-connections"], "argument --max-connections: expected one argument"],
  ];
  for (const [args, message] of bad) {
    let caught: unknown;
    try {
      parseCli(args);
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof UsageError, `${args.join(" ")} was accepted`);
    assertEquals(caught.message, message);
  }
  // Through main: usage and the error on stderr, exit status 2 (argparse's).
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../cli.ts", import.meta.url).pathname, "--idle-timeout", "x"],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(child.code, 2);
  const stderr = new TextDecoder().decode(child.stderr);
  assertStringIncludes(stderr, "[--header-timeout SECONDS] [--idle-timeout SECONDS]");
  assertStringIncludes(
    stderr,
    "error: argument --idle-timeout: invalid non-negative seconds value: 'x'",
  );
  // The help lists them after the TLS flags.
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../cli.ts", import.meta.url).pathname, "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(help.stdout);
  const tls = text.indexOf("--tls-password-file PATH\n");
  for (
    const flag of ["--header-timeout SECONDS\n", "--idle-timeout SECONDS\n", "--max-connections N "]
  ) {
    const at = text.indexOf(flag);
    assert(at > tls && tls > 0, `${flag.trim()} missing or before the TLS flags`);
  }
  assertStringIncludes(text, `(default: ${DEFAULT_HEADER_TIMEOUT}; 0: no limit)`);
  assertEquals(typeof main, "function");
});

Deno.test("limits: the CLI flags reach the server (child process)", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/a.txt`, "hello\n");
  const cli = await spawnCli([
    "-d",
    dir,
    "-p",
    "HTTP/1.1",
    "--header-timeout",
    "1",
    "--idle-timeout",
    "0.5",
    "--max-connections",
    "1",
  ]);
  const holder = await Deno.connect({ hostname: "127.0.0.1", port: cli.port });
  const flag = { stopped: false };
  try {
    // The holder takes the only slot and dribbles its head: the next client waits for it to
    // be dropped at --header-timeout, then is served.
    const sending = dribble(holder, "GET /a.txt HTTP/1.1\r\n" + "H".repeat(60), 100, flag);
    await sleep(150);
    const { ms, status } = await timedGet(cli.port, "/a.txt");
    flag.stopped = true;
    await sending;
    assertEquals(status, 200);
    assert(ms >= 600 && ms < 4000, `served after ${ms.toFixed(0)} ms`);
    // --idle-timeout: a keep-alive connection closes after half a second of silence.
    const client = await RawClient.connect(cli.port);
    await client.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals((await client.readResponse())?.body, "hello\n");
    assert(await client.closedWithin(3000), "--idle-timeout did not close the connection");
    client.close();
  } finally {
    flag.stopped = true;
    holder.close();
    await cli.stop();
  }
  const log = cli.log().lines.join("\n");
  assertStringIncludes(log, "Request timed out: no complete request head within 1 seconds");
  await Deno.remove(dir, { recursive: true });
});
