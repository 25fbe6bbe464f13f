// Black-box tests of BaseHTTPRequestHandler over real loopback sockets: CPython's
// BaseHTTPServerTestCase (spec §7.1), HTTP09ServerTestCase (§7.2), RequestHandlerLoggingTestCase
// (§7.4), keep-alive (§2.6), pipelining, and clients that misbehave.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import { BaseHTTPRequestHandler, type RequestHandlerClass } from "../handlers/base.ts";
import { type AcceptedConnection, HTTPServer, ThreadingHTTPServer } from "../server.ts";
import type { FormatValue } from "../protocol/python_text.ts";
import type { ClientAddress } from "../types.ts";
import { EchoHandler, Quiet, SuiteHandler } from "./_base_handlers.ts";
import { fromLatin1, rawExchange, type RunningServer, startServer, utf8 } from "./_helpers.ts";
import { header, RawClient, type RawResponse, spawnServerScript } from "./_wire.ts";

/** A threading server whose handle_error records instead of printing. */
class RecordingServer extends ThreadingHTTPServer {
  errors: unknown[] = [];
  override handle_error(
    _request: AcceptedConnection,
    _client_address: ClientAddress,
    error?: unknown,
  ): void {
    this.errors.push(error);
  }
}

async function withServer(
  Handler: RequestHandlerClass,
  fn: (running: RunningServer<RecordingServer>) => Promise<void>,
  ServerClass: new (a: [string, number], h: RequestHandlerClass) => RecordingServer =
    RecordingServer,
): Promise<void> {
  const running = startServer(Handler, ServerClass);
  try {
    await fn(running);
  } finally {
    await running.stop();
  }
}

/** One request on a fresh connection, one response (http.client's `request` + `getresponse`). */
async function request(
  port: number,
  method: string,
  path: string,
  headers: [string, string][] = [],
): Promise<RawResponse> {
  const client = await RawClient.connect(port);
  try {
    const head = headers.map(([n, v]) => `${n}: ${v}\r\n`).join("");
    await client.send(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}\r\n`);
    const response = await client.readResponse({ head: method === "HEAD" });
    assert(response !== null, "no response");
    return response;
  } finally {
    client.close();
  }
}

/** Sends raw bytes (`test_*` of BaseHTTPServerTestCase that use a raw socket) and parses. */
async function rawRequest(port: number, bytes: string): Promise<RawResponse> {
  const client = await RawClient.connect(port);
  try {
    await client.send(bytes);
    const response = await client.readResponse();
    assert(response !== null, "no response");
    return response;
  } finally {
    client.close();
  }
}

// --- §7.1 BaseHTTPServerTestCase ----------------------------------------------------------

Deno.test("BaseHTTPServerTestCase: GET without do_GET is 501", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    assertEquals((await request(port, "GET", "/")).status, 501);
  });
});

Deno.test("BaseHTTPServerTestCase: a stray LF after the request line is trimmed (501)", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await rawRequest(port, "XYZBOGUS / HTTP/1.1\n\r\n");
    assertEquals(response.statusLine, "HTTP/1.1 501 Unsupported method ('XYZBOGUS')");
  });
});

for (
  const version of [
    "FUBAR",
    "HTTP/9.9.9",
    "HTTP/-9_9_9.+9_9_9",
    "HTTP/909876543210.0",
    "HTTP/1.909876543210",
    "HTTP/1",
    "http/1.1",
  ]
) {
  Deno.test(`parse_request() rejects version ${version} with 400`, async () => {
    await withServer(SuiteHandler, async ({ port }) => {
      const response = await rawRequest(port, `GET / ${version}\r\n\r\n`);
      assertEquals(response.status, 400);
      assertEquals(response.reason, `Bad request version ('${version}')`);
    });
  });
}

Deno.test("parse_request() answers a two-word GET with 501 (valid HTTP/0.9 GET)", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    assertEquals((await rawRequest(port, "GET /\r\nConnection: close\r\n\r\n")).status, 501);
  });
});

Deno.test("parse_request() rejects a two-word CUSTOM with 400", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await rawRequest(port, "CUSTOM /\r\n\r\n");
    assertEquals(response.statusLine, "HTTP/1.1 400 Bad HTTP/0.9 request type ('CUSTOM')");
  });
});

Deno.test("parse_request() rejects HTTP/9.9 with 505", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await rawRequest(port, "GET / HTTP/9.9\r\n\r\n");
    assertEquals(response.statusLine, "HTTP/1.1 505 Invalid HTTP version (9.9)");
  });
});

Deno.test("parse_request() rejects a request line of just / with 400", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await rawRequest(port, "/\r\n\r\n");
    assertEquals(response.statusLine, "HTTP/1.1 400 Bad request syntax ('/')");
  });
});

Deno.test("BaseHTTPServerTestCase: Connection close and keep-alive requests get 501", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    assertEquals((await request(port, "GET", "/", [["Connection", "close"]])).status, 501);
    assertEquals((await request(port, "GET", "/", [["Connection", "keep-alive"]])).status, 501);
  });
});

Deno.test("BaseHTTPServerTestCase: TEST is 204 with Connection: close", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await request(port, "TEST", "/");
    assertEquals(response.statusLine, "HTTP/1.1 204 No Content");
    assertEquals(header(response, "Connection"), "close");
    assertEquals(response.body, "");
  });
});

Deno.test("BaseHTTPServerTestCase: KEEP returns Connection: keep-alive and accepts a second request", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("KEEP / HTTP/1.1\r\nHost: a\r\n\r\n");
      const first = await client.readResponse();
      assertEquals(first?.status, 204);
      assertEquals(first && header(first, "Connection"), "keep-alive");
      await client.send("KEEP / HTTP/1.1\r\nHost: a\r\n\r\n");
      assertEquals((await client.readResponse())?.status, 204);
      assertEquals(await client.closedWithin(100), false);
    } finally {
      client.close();
    }
  });
});

Deno.test("send_error(999) answers status 999 with reason ???", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await request(port, "KEYERROR", "/");
    assertEquals(response.statusLine, "HTTP/1.1 999 ???");
    assertStringIncludes(response.body, "<p>Error code: 999</p>");
  });
});

Deno.test("send_response(999) answers status 999 with an empty reason", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await request(port, "CUSTOM", "/");
    assertEquals(response.statusLine, "HTTP/1.1 999 ");
  });
});

Deno.test("send_error(999, message, explain) uses both and has a Content-Length", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await request(port, "EXPLAINERROR", "/");
    assertEquals(response.statusLine, "HTTP/1.1 999 Short Message");
    const length = Number(header(response, "Content-Length"));
    assert(length > 0);
    assertEquals(length, utf8(response.body).length);
    assertStringIncludes(
      response.body,
      "<p>Error code explanation: 999 - This is a long \n explanation.</p>",
    );
  });
});

Deno.test("a latin-1 request header round-trips (test_latin1_header)", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await rawRequest(
      port,
      "LATINONEHEADER / HTTP/1.1\r\nX-Special-Incoming: \xc4rger mit Unicode\r\n\r\n",
    );
    assertEquals(response.status, 999);
    // The response header is latin-1 on the wire: one byte per character.
    assertEquals(header(response, "X-Special"), "D\xe4ngerous Mind");
    assertEquals(response.body, fromLatin1(utf8("Ärger mit Unicode")));
  });
});

Deno.test("send_error(404) has a Content-Length equal to the body length", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const response = await request(port, "NOTFOUND", "/");
    assertEquals(response.statusLine, "HTTP/1.1 404 Not Found");
    assertEquals(Number(header(response, "Content-Length")), response.body.length);
  });
});

for (const code of [204, 304, 102, 205, 101]) {
  Deno.test(`send_error(${code}) sends no Content-Length, Content-Type or body`, async () => {
    await withServer(SuiteHandler, async ({ port }) => {
      const client = await RawClient.connect(port);
      try {
        await client.send(`SEND_ERROR /${code} HTTP/1.1\r\n\r\n`);
        const response = await client.readResponse();
        assertEquals(response?.status, code);
        assertEquals(response && header(response, "Content-Length"), undefined);
        assertEquals(response && header(response, "Content-Type"), undefined);
        assertEquals(response && header(response, "Transfer-Encoding"), undefined);
        assertEquals(await client.readToEnd(), "", "nothing after the head");
      } finally {
        client.close();
      }
    });
  });
}

Deno.test("HEAD via send_error(200) keeps Content-Length and Content-Type, sends no body", async () => {
  await withServer(SuiteHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("HEAD /200 HTTP/1.1\r\n\r\n");
      const response = await client.readResponse({ head: true });
      assertEquals(response?.status, 200);
      assert(Number(response && header(response, "Content-Length")) > 0);
      assertStringIncludes((response && header(response, "Content-Type")) ?? "", "text/html");
      assertEquals(await client.readToEnd(), "");
    } finally {
      client.close();
    }
  });
});

for (const code of [204, 304, 205, 101]) {
  Deno.test(`HEAD via send_error(${code}) sends no Content-Length, Content-Type or body`, async () => {
    await withServer(SuiteHandler, async ({ port }) => {
      const client = await RawClient.connect(port);
      try {
        await client.send(`HEAD /${code} HTTP/1.1\r\n\r\n`);
        const response = await client.readResponse({ head: true });
        assertEquals(response?.status, code);
        assertEquals(response && header(response, "Content-Length"), undefined);
        assertEquals(response && header(response, "Content-Type"), undefined);
        assertEquals(await client.readToEnd(), "");
      } finally {
        client.close();
      }
    });
  });
}

// --- §7.2 HTTP09ServerTestCase ------------------------------------------------------------

class Http09Handler extends Quiet {
  async do_GET(): Promise<void> {
    await this.wfile.write(`OK: here is ${this.path}\r\n`);
  }
}

Deno.test("an HTTP/0.9 GET is answered at once, body only, without waiting for headers", async () => {
  await withServer(Http09Handler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      // No blank line and no half-close: a server waiting for headers would never answer.
      await client.send("GET /index.html\r\n");
      assertEquals(await client.readToEnd(2_000), "OK: here is /index.html\r\n");
    } finally {
      client.close();
    }
  });
});

Deno.test("an HTTP/0.9 POST is refused with Bad HTTP/0.9 request type", async () => {
  await withServer(Http09Handler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("POST /index.html\r\n");
      const reply = await client.readToEnd(2_000);
      assertStringIncludes(reply, "Bad HTTP/0.9 request type ('POST')");
      assert(!reply.startsWith("HTTP/"), "HTTP/0.9 errors have no status line");
    } finally {
      client.close();
    }
  });
});

Deno.test("an HTTP/0.9 connection serves a single request", async () => {
  await withServer(Http09Handler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /a\r\n");
      assertEquals(await client.readToEnd(2_000), "OK: here is /a\r\n");
      try {
        await client.send("GET /b\r\n");
      } catch {
        // The server has closed: writing may fail, which is the point.
      }
      assertEquals(await client.readToEnd(2_000), "");
    } finally {
      client.close();
    }
  });
});

// --- §7.4 RequestHandlerLoggingTestCase -----------------------------------------------------

const LOG_PREFIX =
  /^127\.0\.0\.1 - - \[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})\] /;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function loggingHandler(lines: string[]): RequestHandlerClass {
  return class extends BaseHTTPRequestHandler {
    override log_writer = (line: string) => {
      lines.push(line);
    };
    async do_GET(): Promise<void> {
      this.send_response(200);
      this.send_header("Connection", "close");
      await this.end_headers();
    }
    async do_ERROR(): Promise<void> {
      await this.send_error(404, "File not found");
    }
  };
}

Deno.test("log_request() logs a GET as '\"GET / HTTP/1.1\" 200 -'", async () => {
  const lines: string[] = [];
  await withServer(loggingHandler(lines), async ({ port }) => {
    assertEquals((await request(port, "GET", "/")).status, 200);
  });
  assertEquals(lines.length, 1);
  assertMatch(lines[0], LOG_PREFIX);
  assert(lines[0].endsWith('"GET / HTTP/1.1" 200 -\n'), JSON.stringify(lines[0]));
});

Deno.test("send_error() logs the error line, then the request line", async () => {
  const lines: string[] = [];
  await withServer(loggingHandler(lines), async ({ port }) => {
    assertEquals((await request(port, "ERROR", "/")).status, 404);
  });
  assertEquals(lines.length, 2);
  assert(lines[0].endsWith("code 404, message File not found\n"), JSON.stringify(lines[0]));
  assert(lines[1].endsWith('"ERROR / HTTP/1.1" 404 -\n'), JSON.stringify(lines[1]));
});

Deno.test("log lines carry the local time of the request", async () => {
  const lines: string[] = [];
  const before = Date.now();
  await withServer(loggingHandler(lines), async ({ port }) => {
    await request(port, "GET", "/");
  });
  const after = Date.now();
  const m = LOG_PREFIX.exec(lines[0]);
  assert(m !== null, lines[0]);
  const logged = new Date(
    Number(m[3]),
    MONTHS.indexOf(m[2]),
    Number(m[1]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  ).getTime();
  assert(logged >= before - 1000 && logged <= after, `${lines[0]} not within the request`);
});

// --- §2.6 keep-alive, pipelining ----------------------------------------------------------

Deno.test("an HTTP/1.1 server keeps the connection for sequential requests", async () => {
  await withServer(EchoHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      for (let i = 0; i < 5; i++) {
        await client.send(`GET /seq${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
        const response = await client.readResponse();
        assertEquals(response?.status, 200);
        assertStringIncludes(response?.body ?? "", `path=/seq${i}\n`);
        assertEquals(response && header(response, "Connection"), undefined);
      }
      // Idle, the connection stays open, waiting for the next request.
      assertEquals(await client.closedWithin(150), false);
      await client.closeWrite();
      assertEquals(await client.closedWithin(2_000), true);
    } finally {
      client.close();
    }
  });
});

Deno.test("an HTTP/1.0 server closes after one response even with Connection: keep-alive", async () => {
  class Http10Echo extends EchoHandler {
    override protocol_version = "HTTP/1.0";
  }
  await withServer(Http10Echo, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n");
      const response = await client.readResponse();
      assertEquals(response?.statusLine, "HTTP/1.0 200 OK");
      assertEquals(await client.closedWithin(2_000), true);
    } finally {
      client.close();
    }
  });
});

Deno.test("an HTTP/1.0 client with Connection: keep-alive is kept alive by an HTTP/1.1 server", async () => {
  await withServer(EchoHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      assertEquals((await client.readResponse())?.statusLine, "HTTP/1.1 200 OK");
      assertEquals(await client.closedWithin(150), false);
      await client.send("GET /b HTTP/1.0\r\n\r\n");
      assertStringIncludes((await client.readResponse())?.body ?? "", "path=/b\n");
      assertEquals(await client.closedWithin(2_000), true, "plain HTTP/1.0 closes");
    } finally {
      client.close();
    }
  });
});

Deno.test("an error response carries Connection: close and ends a keep-alive connection", async () => {
  await withServer(EchoHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /ok HTTP/1.1\r\n\r\n");
      assertEquals((await client.readResponse())?.status, 200);
      await client.send("DELETE /x HTTP/1.1\r\n\r\n");
      const error = await client.readResponse();
      assertEquals(error?.statusLine, "HTTP/1.1 501 Unsupported method ('DELETE')");
      assertEquals(error && header(error, "Connection"), "close");
      assertEquals(await client.closedWithin(2_000), true);
    } finally {
      client.close();
    }
  });
});

Deno.test("pipelined requests are answered in order on one connection", async () => {
  await withServer(EchoHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      const count = 50;
      let batch = "";
      for (let i = 0; i < count; i++) {
        batch += i % 2 === 0
          ? `GET /p${i} HTTP/1.1\r\nHost: a\r\n\r\n`
          : `POST /p${i} HTTP/1.1\r\nContent-Length: 3\r\n\r\nb${String(i).padStart(2, "0")}`;
      }
      await client.send(batch + "GET /last HTTP/1.1\r\nConnection: close\r\n\r\n");
      for (let i = 0; i < count; i++) {
        const response = await client.readResponse();
        assertStringIncludes(response?.body ?? "", `path=/p${i}\n`);
        if (i % 2 === 1) assert(response?.body.endsWith(`b${String(i).padStart(2, "0")}`));
      }
      assertStringIncludes((await client.readResponse())?.body ?? "", "path=/last\n");
      assertEquals(await client.closedWithin(2_000), true);
    } finally {
      client.close();
    }
  });
});

Deno.test("a stray CRLF between keep-alive requests closes the connection silently", async () => {
  await withServer(EchoHandler, async ({ port }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /a HTTP/1.1\r\n\r\n");
      assertEquals((await client.readResponse())?.status, 200);
      await client.send("\r\nGET /b HTTP/1.1\r\n\r\n");
      assertEquals(await client.readToEnd(2_000), "");
    } finally {
      client.close();
    }
  });
});

// --- misbehaving handlers and clients -----------------------------------------------------

class FlakyHandler extends Quiet {
  override protocol_version = "HTTP/1.1";
  async do_GET(): Promise<void> {
    if (this.path === "/boom") throw new RangeError("boom: the handler failed");
    if (this.path === "/big") {
      const chunk = new Uint8Array(256 * 1024).fill(0x61);
      this.send_response(200);
      this.send_header("Content-Length", String(chunk.length * 64));
      await this.end_headers();
      for (let i = 0; i < 64; i++) await this.wfile.write(chunk);
      return;
    }
    const body = utf8(`ok ${this.path}\n`);
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    await this.end_headers();
    await this.wfile.write(body);
  }
}

Deno.test("a handler that throws costs only its connection; handle_error gets the error", async () => {
  await withServer(FlakyHandler, async ({ port, server }) => {
    const reply = await rawExchange(port, "GET /boom HTTP/1.1\r\n\r\n", { timeoutMs: 3_000 });
    assertEquals(reply.length, 0, "the connection is dropped without a response");
    assertEquals(server.errors.length, 1);
    assert(server.errors[0] instanceof RangeError);
    const ok = await request(port, "GET", "/after");
    assertEquals(ok.body, "ok /after\n");
    assertEquals(server.errors.length, 1);
  });
});

Deno.test("a handler that throws makes the server print a traceback block and keep serving", async () => {
  const child = await spawnServerScript(`
    import { ThreadingHTTPServer } from "{ROOT}server.ts";
    import { BaseHTTPRequestHandler } from "{ROOT}handlers/base.ts";
    class H extends BaseHTTPRequestHandler {
      override log_message() {}
      async do_GET() {
        if (this.path === "/boom") throw new RangeError("boom: the handler failed");
        this.send_response(204);
        await this.end_headers();
      }
    }
    const server = new ThreadingHTTPServer(["127.0.0.1", 0], H);
    console.log(server.server_port);
    await server.serve_forever();
  `);
  let stderr = "";
  let clientPort = 0;
  try {
    const client = await RawClient.connect(child.port);
    try {
      clientPort = client.localPort;
      await client.send("GET /boom HTTP/1.0\r\n\r\n");
      assertEquals(await client.readToEnd(), "");
    } finally {
      client.close();
    }
    assertEquals((await request(child.port, "GET", "/fine")).status, 204);
  } finally {
    stderr = await child.stop();
  }
  const dashes = "-".repeat(40);
  const block = new RegExp(
    `^${dashes}\\nException occurred during processing of request from \\('127\\.0\\.0\\.1', ${clientPort}\\)\\n` +
      `RangeError: boom: the handler failed\\n(    at .*\\n)+${dashes}\\n`,
    "m",
  );
  assertMatch(stderr, block);
  assertEquals(stderr.split("Exception occurred").length, 2, "exactly one block");
});

Deno.test("a client that resets mid-response costs only its own connection", async () => {
  await withServer(FlakyHandler, async ({ port, server }) => {
    const client = await RawClient.connect(port);
    await client.send("GET /big HTTP/1.1\r\n\r\n");
    // Read a little of the 16 MiB answer, then close with unread data: the kernel resets.
    const first = await client.conn.read(new Uint8Array(1024));
    assert(first !== null && first > 0);
    client.close();
    // Another client is served while (and after) the server notices.
    for (let i = 0; i < 3; i++) {
      assertEquals((await request(port, "GET", `/next${i}`)).body, `ok /next${i}\n`);
    }
    // A reset is a disconnect, not a server error.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(server.errors, []);
  });
});

Deno.test("a client that half-closes after its request still gets the whole response", async () => {
  await withServer(FlakyHandler, async ({ port, server }) => {
    const reply = await rawExchange(port, "GET /big HTTP/1.1\r\n\r\n", { halfClose: true });
    const text = fromLatin1(reply);
    const split = text.indexOf("\r\n\r\n");
    assertEquals(text.slice(0, split).split("\r\n")[0], "HTTP/1.1 200 OK");
    assertEquals(reply.length - split - 4, 16 * 1024 * 1024);
    assertEquals(server.errors, []);
  });
});

Deno.test("a client that never finishes its headers does not block others (ThreadingHTTPServer)", async () => {
  await withServer(FlakyHandler, async ({ port, server }) => {
    const stalled = await RawClient.connect(port);
    try {
      await stalled.send("GET /slow HTTP/1.1\r\nHost: a\r\nX-Partial: ");
      for (let i = 0; i < 3; i++) {
        assertEquals((await request(port, "GET", `/other${i}`)).body, `ok /other${i}\n`);
      }
      assertEquals(await stalled.closedWithin(100), false, "the stalled client still waits");
    } finally {
      stalled.close();
    }
    assertEquals(server.errors, []);
  });
});

/** A handler with a 0.3 s timeout whose log lines (CPython's format) go to `lines`. */
function timingOutHandler(lines: string[]): typeof FlakyHandler {
  return class TimingOut extends FlakyHandler {
    override timeout = 0.3;
    override log_writer = (line: string) => {
      lines.push(line);
    };
    override log_message(format: string, ...args: FormatValue[]): void {
      BaseHTTPRequestHandler.prototype.log_message.call(this, format, ...args);
    }
  };
}

Deno.test("a handler timeout ends a keep-alive connection left silent after its answer", async () => {
  const lines: string[] = [];
  const TimingOut = timingOutHandler(lines);
  await withServer(TimingOut, async ({ port, server }) => {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
      // The answer, then nothing more: the wait for the next request times out and the
      // connection ends, as a timeout while reading a request line does in Python.
      const text = await client.readToEnd(3_000);
      assert(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
      assert(text.endsWith("ok /first\n"), text);
    } finally {
      client.close();
    }
    assertEquals(server.errors, []);
  });
  assert(
    lines.some((l) => l.endsWith("Request timed out: TimeoutError('timed out')\n")),
    lines.join(""),
  );
});

Deno.test("a handler timeout drops a client that never finishes its headers (HTTPServer)", async () => {
  const lines: string[] = [];
  const TimingOut = timingOutHandler(lines);
  class SerialRecording extends HTTPServer {
    errors: unknown[] = [];
    override handle_error(_r: AcceptedConnection, _c: ClientAddress, error?: unknown): void {
      this.errors.push(error);
    }
  }
  const running = startServer(TimingOut, SerialRecording);
  try {
    const stalled = await RawClient.connect(running.port);
    try {
      await stalled.send("GET /slow HTTP/1.1\r\nHost: a\r\n");
      const started = performance.now();
      // One connection at a time: this request waits until the stalled one times out.
      const response = await request(running.port, "GET", "/next");
      const waited = performance.now() - started;
      assertEquals(response.body, "ok /next\n");
      assert(waited >= 200, `answered after ${waited.toFixed(0)} ms, before the timeout`);
      assertEquals(await stalled.readToEnd(2_000), "", "timed out without a response");
    } finally {
      stalled.close();
    }
    assertEquals(running.server.errors, []);
  } finally {
    await running.stop();
  }
  assert(
    lines.some((l) => l.endsWith("Request timed out: TimeoutError('timed out')\n")),
    lines.join(""),
  );
});
