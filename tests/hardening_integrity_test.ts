/**
 * Hardening: response integrity and backpressure. No request data can split a response (a
 * handler echoing a request header or the path into a response header, obs-fold, bare CR,
 * NUL, CR in the request line or in a redirect's query): such a response is refused
 * (`HeaderValueError`, the connection dropped) rather than sent with injected lines. A client
 * that reads slowly or not at all never makes the server hold more than a bounded amount:
 * `wfile` never stages more than `WRITE_COALESCE_LIMIT`, and a child server's memory stays
 * flat while 40 clients stall on large downloads and listings.
 *
 * @module
 */
import { assert, assertEquals } from "../deps.ts";
import { WRITE_COALESCE_LIMIT } from "../constants.ts";
import { HeaderValueError } from "../errors.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import { type AcceptedConnection, ThreadingHTTPServer } from "../server.ts";
import type { ByteConnection, ClientAddress } from "../types.ts";
import { fromLatin1, latin1, rawExchange, SOCKETLESS_SERVER } from "./_helpers.ts";
import { mib, openDescriptors, rssBytes, spawnCli, waitUntil } from "./hardening_child.ts";

/** Header names any of the handlers here may send. */
const SENT_HEADERS = new Set([
  "server",
  "date",
  "content-length",
  "content-type",
  "connection",
  "location",
  "x-echo",
  "last-modified",
]);

/** Errors `handle_error` received, by the servers of this file. */
const handled: unknown[] = [];

class RecordingServer extends ThreadingHTTPServer {
  override handle_error(_r: AcceptedConnection, _c: ClientAddress, error?: unknown): void {
    handled.push(error);
  }
}

/** Echoes the `X-In` request header and the path into response headers. */
class EchoHandler extends BaseHTTPRequestHandler {
  override log_message(): void {}
  async do_GET(): Promise<void> {
    this.send_response(200);
    this.send_header("X-Echo", this.headers.get("X-In", ""));
    this.send_header("Location", this.path);
    this.send_header("Content-Length", "0");
    await this.end_headers();
  }
}

class QuietFiles extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}

/** Every header line of a response head is one well-formed line with a known name. */
function assertUnsplit(raw: string, request: string): void {
  if (raw !== "" && !raw.startsWith("HTTP/")) {
    // An HTTP/0.9-style error (CPython's answer when no version was parsed): a body, no head.
    assert(raw.startsWith("<!DOCTYPE HTML>"), `neither a head nor a page: ${JSON.stringify(raw)}`);
    return;
  }
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  if (head === "") return;
  const [status, ...lines] = head.split("\r\n");
  assert(/^HTTP\/1\.[01] \d{3} [^\r\n]*$/.test(status), `status line ${JSON.stringify(status)}`);
  for (const line of lines) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+): ([^\r\n\0]*)$/.exec(line);
    assert(
      match !== null,
      `malformed header line ${JSON.stringify(line)} for ${JSON.stringify(request)}`,
    );
    assert(SENT_HEADERS.has(match[1].toLowerCase()), `injected header ${JSON.stringify(line)}`);
  }
  assert(!/\r(?!\n)/.test(head), `bare CR in ${JSON.stringify(head)}`);
}

Deno.test("integrity: request data never splits a response (echoing handler)", async () => {
  handled.length = 0;
  const server = new RecordingServer(["127.0.0.1", 0], EchoHandler);
  const serving = server.serve_forever();
  const port = server.server_port;
  const cases: [string, "sent" | "refused"][] = [
    ["GET / HTTP/1.0\r\nX-In: plain\r\n\r\n", "sent"],
    ["GET / HTTP/1.0\r\nX-In: a\r\n Set-Cookie: folded=1\r\n\r\n", "refused"],
    ["GET / HTTP/1.0\r\nX-In: a\r\n\tInjected: yes\r\n\r\n", "refused"],
    // A bare CR ends the request header (as in CPython): X-Echo is "a", nothing injected.
    ["GET / HTTP/1.0\r\nX-In: a\rSet-Cookie: cr=1\r\n\r\n", "sent"],
    ["GET / HTTP/1.0\r\nX-In: a\nSet-Cookie: lf=1\r\n\r\n", "sent"],
    ["GET / HTTP/1.0\r\nX-In: a\0Set-Cookie: nul=1\r\n\r\n", "refused"],
    ["GET / HTTP/1.0\r\nX-In: a%0d%0aSet-Cookie: enc=1\r\n\r\n", "sent"],
    ["GET / HTTP/1.0\r\nX-In: caf\xe9\u0085x\r\n\r\n", "sent"],
    // CR is whitespace to the request-line split: 4 words, a 400 with the line escaped.
    ["GET /a\rSet-Cookie:path=1 HTTP/1.0\r\n\r\n", "sent"],
    ["GET /a\0Set-Cookie:path=1 HTTP/1.0\r\n\r\n", "refused"],
    ["GET /a%0d%0aSet-Cookie:%20enc=1 HTTP/1.0\r\n\r\n", "sent"],
    ["GET / HTTP/1.0\rSet-Cookie: v=1\r\n\r\n", "sent"],
  ];
  try {
    for (const [request, expected] of cases) {
      const before = handled.length;
      const raw = fromLatin1(await rawExchange(port, request));
      assertUnsplit(raw, request);
      assert(!/^Set-Cookie/im.test(raw.split("\r\n\r\n")[0]), raw);
      if (expected === "refused") {
        assertEquals(raw, "", `answered ${JSON.stringify(request)}`);
        assertEquals(handled.length, before + 1);
        assert(handled[before] instanceof HeaderValueError, String(handled[before]));
      } else {
        assert(raw !== "", `${JSON.stringify(request)} got no answer`);
      }
    }
  } finally {
    await server.shutdown();
    await serving;
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("integrity: a redirect or error page never carries request bytes as header lines", async () => {
  handled.length = 0;
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/sub`);
  const server = new RecordingServer(["127.0.0.1", 0], QuietFiles);
  server.directory = dir;
  const serving = server.serve_forever();
  const port = server.server_port;
  const requests = [
    "GET /sub?\rSet-Cookie:q=1 HTTP/1.0\r\n\r\n",
    "GET /sub?%0d%0aSet-Cookie:q=1 HTTP/1.0\r\n\r\n",
    "GET /sub#\r\nSet-Cookie:f=1 HTTP/1.0\r\n\r\n",
    "GET /sub\x00x HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.1\rSet-Cookie: x\r\n\r\n",
    "GET / HTTP/1.0 \rSet-Cookie:\r\n\r\n",
    "GET /\rSet-Cookie:a=1\r\n\r\n",
    "GET /%0D%0ASet-Cookie:a=1 HTTP/1.0\r\n\r\n",
    "\rSet-Cookie: a=1\r\n\r\n",
  ];
  try {
    for (const request of requests) {
      const raw = fromLatin1(await rawExchange(port, request));
      assertUnsplit(raw, request);
      assert(!/^Set-Cookie/im.test(raw.split("\r\n\r\n")[0]), raw);
    }
    // Every refusal was a HeaderValueError (or the %00 path's TypeError), nothing else.
    for (const error of handled) assert(error instanceof TypeError, String(error));
  } finally {
    await server.shutdown();
    await serving;
    await server[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A connection whose peer reads slowly: each write takes at most 8 KiB and waits a moment.
 * It records how much the handler's `wfile` held at every socket write.
 */
class SlowReaderConnection implements ByteConnection {
  #input: Uint8Array | null;
  taken = 0;
  writes = 0;
  maxStaged = 0;
  probe: () => number = () => 0;

  constructor(request: string) {
    this.#input = latin1(request);
  }

  read(p: Uint8Array): Promise<number | null> {
    const input = this.#input;
    if (input === null) return Promise.resolve(null);
    p.set(input);
    this.#input = null;
    return Promise.resolve(input.length);
  }

  async write(p: Uint8Array): Promise<number> {
    this.maxStaged = Math.max(this.maxStaged, this.probe());
    this.writes++;
    await new Promise((resolve) => setTimeout(resolve, 0));
    const n = Math.min(p.length, 8192);
    this.taken += n;
    return n;
  }

  close(): void {}
}

Deno.test("integrity: wfile never stages more than WRITE_COALESCE_LIMIT for a slow reader", async () => {
  const dir = await Deno.makeTempDir();
  const big = 3 << 20;
  await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(big).fill(0x62));
  await Deno.mkdir(`${dir}/list`);
  for (let i = 0; i < 1500; i++) await Deno.writeTextFile(`${dir}/list/file-${i}.txt`, "");
  try {
    for (const [path, atLeast] of [["/big.bin", big], ["/list/", 60_000]] as const) {
      const conn = new SlowReaderConnection(`GET ${path} HTTP/1.0\r\n\r\n`);
      const handler = new QuietFiles(conn, ["127.0.0.1", 1], SOCKETLESS_SERVER, { directory: dir });
      // Also watch the bytes accepted by write() and not yet taken by the socket.
      let maxOutstanding = 0;
      const setup = handler.setup.bind(handler);
      handler.setup = () => {
        const result = setup();
        conn.probe = () => handler.wfile.pendingBytes;
        const write = handler.wfile.write.bind(handler.wfile);
        let accepted = 0;
        handler.wfile.write = async (data, encoding) => {
          const n = await write(data, encoding);
          accepted += n;
          maxOutstanding = Math.max(maxOutstanding, accepted - conn.taken);
          return n;
        };
        return result;
      };
      await handler.run();
      assert(conn.taken > atLeast, `${path}: only ${conn.taken} bytes sent`);
      assert(conn.maxStaged <= WRITE_COALESCE_LIMIT, `${path}: staged ${conn.maxStaged}`);
      assert(
        maxOutstanding <= 2 * WRITE_COALESCE_LIMIT,
        `${path}: ${maxOutstanding} bytes accepted and not yet sent`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("integrity: 40 stalled downloads (files and listings) keep a child server's memory flat", async () => {
  const dir = await Deno.makeTempDir({ prefix: "httpserver_backpressure_" });
  const size = 256 << 20;
  const file = await Deno.open(`${dir}/big.bin`, { write: true, create: true });
  await file.truncate(size);
  file.close();
  await Deno.mkdir(`${dir}/list`);
  for (let i = 0; i < 2000; i++) await Deno.writeTextFile(`${dir}/list/entry-${i}.txt`, "");
  const cli = await spawnCli(["-d", dir]);
  const conns: Deno.Conn[] = [];
  try {
    // Warm up both paths, then take the baseline.
    for (const path of ["/big.bin", "/list/"]) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: cli.port });
      await conn.write(latin1(`GET ${path} HTTP/1.0\r\n\r\n`));
      await conn.read(new Uint8Array(65536));
      conn.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const baseline = rssBytes(cli.pid);
    const fdsBefore = openDescriptors(cli.pid);
    for (let i = 0; i < 40; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: cli.port });
      await conn.write(latin1(`GET ${i % 2 === 0 ? "/big.bin" : "/list/"} HTTP/1.0\r\n\r\n`));
      conns.push(conn);
    }
    // Nobody reads: the server fills the socket buffers and waits.
    let peak = 0;
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      peak = Math.max(peak, rssBytes(cli.pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const growth = peak - baseline;
    console.log(
      `    40 stalled clients (20 x ${mib(size)} file, 20 listings): RSS ${mib(baseline)} -> ` +
        `peak ${mib(peak)} (+${mib(growth)})`,
    );
    assert(growth < 64 << 20, `RSS grew by ${mib(growth)} for stalled clients`);
    for (const conn of conns) conn.close();
    conns.length = 0;
    assert(
      await waitUntil(() => openDescriptors(cli.pid) <= fdsBefore, 6000),
      `descriptors: ${fdsBefore} before, ${openDescriptors(cli.pid)} after`,
    );
  } finally {
    for (const conn of conns) conn.close();
    await cli.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
