/**
 * The close path (issue #17): a connection whose client has said it sends nothing more is
 * closed at once; every other one still drains first, so that clients that pipeline, or send
 * a body the handler never reads, get their whole response and no reset. Checked with CPython
 * sockets and curl on loopback.
 */
import { assert, assertEquals } from "../deps.ts";
import { type AcceptedConnection, ThreadingHTTPServer } from "../server.ts";
import type { ClientAddress } from "../types.ts";
import { findPython313, QuietHandler, rawExchange, startServer, text } from "./_helpers.ts";

const BODY = new TextEncoder().encode("x".repeat(1024));

/** Bytes of the large answer: more than loopback holds in flight while the client waits. */
const LARGE = new Uint8Array(8 * 1024 * 1024).fill(0x7a);

/**
 * HTTP/1.0 like CPython's default: every connection closes after its response. `GET /large`
 * and `PUT` answer 8 MiB; `PUT` never reads the request body.
 */
class OneKiBHandler extends QuietHandler {
  async do_GET(): Promise<void> {
    const body = this.path === "/large" ? LARGE : BODY;
    this.send_response(200);
    this.send_header("Content-Length", body.length);
    await this.end_headers();
    await this.wfile.write(body);
  }

  async do_PUT(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Length", LARGE.length);
    await this.end_headers();
    await this.wfile.write(LARGE);
  }
}

/** Each scenario sends its bytes (with a pause between parts) and reads until EOF. */
const SCENARIOS = String.raw`
import json, socket, sys, time
port = int(sys.argv[1])
body = b"y" * (256 * 1024)
scenarios = {
  # HTTP/1.1 keep-alive client pipelining against an HTTP/1.0 server, in two sends.
  "pipelined-two-sends": [b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n"],
  # Pipelined in one send, the first request asking to close.
  "pipelined-one-send": [b"GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n"],
  # A body the handler never reads (POST: 501), HTTP/1.0, sent with the head and after it.
  "unread-body-http10": [b"POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body],
  "unread-body-http10-later": [b"POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body), body],
  # The same asking to close, HTTP/1.1.
  "unread-body-close": [b"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body],
  # A large answer to a request whose body is never read, read by a client that waits first:
  # a close with that body unread would reset the connection and cut the answer short.
  "unread-body-large-answer": [b"PUT / HTTP/1.1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body],
  # The clean case: closed at once.
  "plain-close": [b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"],
  "plain-http10": [b"GET / HTTP/1.0\r\n\r\n"],
}
results = {}
for name, parts in scenarios.items():
  for attempt in range(3):
    s = socket.create_connection(("127.0.0.1", port))
    got = b""
    error = None
    try:
      for i, part in enumerate(parts):
        if i:
          time.sleep(0.02)
        s.sendall(part)
      time.sleep(0.2)
      s.settimeout(10)
      while True:
        chunk = s.recv(65536)
        if not chunk:
          break
        got += chunk
    except OSError as e:
      error = type(e).__name__
    finally:
      s.close()
    results.setdefault(name, []).append([got.split(b"\r\n", 1)[0].decode("latin-1"), len(got), error])
print(json.dumps(results))
`;

/**
 * Counts the connections closed at once (`close_request` is called only for those, outside
 * shutdown); with `hooks`, `finish_request` is overridden, so the server cannot run it inline.
 */
function countingServer(hooks: boolean): typeof ThreadingHTTPServer {
  return class extends ThreadingHTTPServer {
    override close_request(request: AcceptedConnection): void {
      closedAtOnce++;
      super.close_request(request);
    }

    override async finish_request(
      request: AcceptedConnection,
      client_address: ClientAddress,
    ): Promise<void> {
      if (hooks) finishRequestCalls++;
      await super.finish_request(request, client_address);
    }
  };
}
let closedAtOnce = 0;
let finishRequestCalls = 0;

/** The handler with `handle` and `finish` overridden (so `run` takes its general path). */
class HookedHandler extends OneKiBHandler {
  override async handle(): Promise<void> {
    await super.handle();
  }

  override async finish(): Promise<void> {
    await super.finish();
  }
}

/** Runs the CPython scenarios against a server and checks every answer arrived whole. */
async function checkScenarios(
  Handler: typeof OneKiBHandler,
  Server: typeof ThreadingHTTPServer,
): Promise<void> {
  const running = startServer(Handler, Server);
  try {
    const child = new Deno.Command(findPython313() as string, {
      args: ["-c", SCENARIOS, String(running.port)],
      stdout: "piped",
      stderr: "piped",
    });
    const output = await child.output();
    assert(output.success, new TextDecoder().decode(output.stderr));
    const results = JSON.parse(new TextDecoder().decode(output.stdout)) as Record<
      string,
      [string, number, string | null][]
    >;
    for (const [name, attempts] of Object.entries(results)) {
      for (const [statusLine, length, error] of attempts) {
        assertEquals(error, null, `${name}: ${error}`);
        const large = name.endsWith("large-answer");
        const expected = name.startsWith("unread-body") && !large
          ? "HTTP/1.0 501 Unsupported method ('POST')"
          : "HTTP/1.0 200 OK";
        assertEquals(statusLine, expected, name);
        assert(large ? length > LARGE.length : length > 0, `${name}: ${length} bytes`);
      }
    }
  } finally {
    await running.stop();
  }
}

Deno.test({
  name: "close path: CPython clients that pipeline or leave a body unread see no reset",
  ignore: findPython313() === null,
  async fn() {
    closedAtOnce = 0;
    await checkScenarios(OneKiBHandler, countingServer(false));
    // The two clean scenarios, three attempts each, at least.
    assert(closedAtOnce >= 6, `${closedAtOnce} connections closed at once`);
  },
});

Deno.test({
  name: "close path: the same with finish_request, handle and finish overridden",
  ignore: findPython313() === null,
  async fn() {
    closedAtOnce = 0;
    finishRequestCalls = 0;
    await checkScenarios(HookedHandler, countingServer(true));
    assert(finishRequestCalls >= 24, `${finishRequestCalls} finish_request calls`);
    assert(closedAtOnce >= 6, `${closedAtOnce} connections closed at once`);
  },
});

Deno.test("close path: curl posting a body the server never reads gets the response, no reset", async () => {
  const running = startServer(OneKiBHandler);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeFile(file, new Uint8Array(512 * 1024).fill(0x79));
    for (const extra of [[], ["--http1.0"], ["-H", "Connection: close"]]) {
      const output = await new Deno.Command("curl", {
        args: [
          "-sS",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "-H",
          "Expect:",
          "--data-binary",
          `@${file}`,
          ...extra,
          `${running.base}/`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assertEquals(output.code, 0, `curl ${extra.join(" ")}: ${stderr}`);
      assertEquals(new TextDecoder().decode(output.stdout), "501");
    }
  } finally {
    await Deno.remove(file);
    await running.stop();
  }
});

Deno.test("close path: a client that never closes is closed once the lingering time is over", async () => {
  const running = startServer(OneKiBHandler);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
  try {
    // HTTP/1.1 without `close` to an HTTP/1.0 server: it answers, then lingers for our EOF.
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const started = Date.now();
    const buf = new Uint8Array(4096);
    let received = 0;
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      received += n;
    }
    const waited = Date.now() - started;
    assert(received > BODY.length);
    // The answer, then the server's half-close (EOF here) come at once.
    assert(waited < 5000, `${waited} ms`);
    // Keep sending (far less than LINGER_MAX_BYTES): the server drains, then closes for good
    // once LINGER_TIMEOUT_MS (2 s) has passed, and our writes start failing.
    const until = Date.now() + 5000;
    let ended = false;
    while (Date.now() < until && !ended) {
      try {
        await conn.write(new Uint8Array(1024));
        await new Promise((resolve) => setTimeout(resolve, 100));
      } catch {
        ended = true;
      }
    }
    assert(ended, "the server still accepted bytes 5 s after its answer");
  } finally {
    try {
      conn.close();
    } catch {
      // Closed.
    }
    await running.stop();
  }
});

Deno.test("accept loop: an asynchronous verify_request admits, refuses, or fails into handle_error", async () => {
  const verdicts: (boolean | Error)[] = [true, false, new Error("verify failed")];
  const errors: unknown[] = [];
  class Verifying extends ThreadingHTTPServer {
    override async verify_request(): Promise<boolean> {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const verdict = verdicts.shift() as boolean | Error;
      if (verdict instanceof Error) throw verdict;
      return verdict;
    }

    override handle_error(_request: AcceptedConnection, _client: ClientAddress, error?: unknown) {
      errors.push(error);
    }
  }
  const running = startServer(OneKiBHandler, Verifying);
  try {
    const request = "GET / HTTP/1.0\r\n\r\n";
    const admitted = text(await rawExchange(running.port, request));
    assert(admitted.startsWith("HTTP/1.0 200 OK\r\n"), admitted);
    assertEquals((await rawExchange(running.port, request)).length, 0);
    assertEquals((await rawExchange(running.port, request)).length, 0);
    assertEquals(errors.length, 1);
    assertEquals((errors[0] as Error).message, "verify failed");
  } finally {
    await running.stop();
  }
});

Deno.test("accept loop: a client that connects after shutdown() is served by the next serve_forever()", async () => {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], OneKiBHandler);
  try {
    const first = server.serve_forever();
    await server.shutdown();
    await first;
    // The stopped loop's accept is still pending: this connection waits in it.
    const answer = rawExchange(server.server_port, "GET / HTTP/1.0\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = server.serve_forever();
    const response = text(await answer);
    assert(response.startsWith("HTTP/1.0 200 OK\r\n"), response);
    await server.shutdown();
    await second;
  } finally {
    await server[Symbol.asyncDispose]();
  }
});
