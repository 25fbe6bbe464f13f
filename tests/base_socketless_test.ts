// CPython's BaseHTTPRequestHandlerTestCase expectations (spec §7.7), written independently,
// run over in-memory connections.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { WFile } from "../io/wfile.ts";
import { fromLatin1, runSocketless } from "./_helpers.ts";

class DataHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_message(): void {}
  get_called = false;
  async do_GET() {
    this.get_called = true;
    this.send_response(200);
    this.send_header("Content-Type", "text/html");
    await this.end_headers();
    await this.wfile.write("<html><body>Data</body></html>\r\n");
  }
}

function countHeader(output: string, name: string): number {
  const head = output.split("\r\n\r\n")[0];
  return head.split("\r\n").filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ":"))
    .length;
}

for (const chunk of [undefined, 1, 7]) {
  const how = chunk === undefined ? "whole" : `in ${chunk}-byte reads`;
  Deno.test(`HTTP/1.1 GET is answered 200 with one Server, Date and Content-Type (${how})`, async () => {
    const { output, handler } = await runSocketless(DataHandler, "GET / HTTP/1.1\r\n\r\n", chunk);
    assertMatch(output, /^HTTP\/1\.[0-9]+ 200 OK\r\n/);
    assertEquals(countHeader(output, "Server"), 1);
    assertEquals(countHeader(output, "Date"), 1);
    assertEquals(countHeader(output, "Content-Type"), 1);
    assert(output.endsWith("<html><body>Data</body></html>\r\n"));
    assertEquals(handler.command, "GET");
    assertEquals(handler.path, "/");
    assertEquals(handler.request_version, "HTTP/1.1");
    assertEquals(handler.headers.length, 0);
  });
}

Deno.test("HTTP/1.0 GET is answered 200", async () => {
  const { output, handler } = await runSocketless(DataHandler, "GET / HTTP/1.0\r\n\r\n");
  assertMatch(output, /^HTTP\/1\.1 200 OK\r\n/);
  assertEquals(handler.request_version, "HTTP/1.0");
});

Deno.test("GET / HTTP/0.9 is answered with the body only", async () => {
  const { output } = await runSocketless(DataHandler, "GET / HTTP/0.9\r\n\r\n");
  assertEquals(output, "<html><body>Data</body></html>\r\n");
});

Deno.test("a space inside the target gives a full 400 response", async () => {
  const { output } = await runSocketless(DataHandler, "GET /spaced out HTTP/1.1\r\n\r\n");
  assertMatch(output, /^HTTP\/1\.1 400 /);
  assertEquals(countHeader(output, "Server"), 1);
  assertEquals(countHeader(output, "Date"), 1);
  assertEquals(countHeader(output, "Content-Type"), 1);
});

Deno.test("Expect: 100-continue on HTTP/1.0 is ignored", async () => {
  const { output } = await runSocketless(
    DataHandler,
    "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
  );
  assertMatch(output, /^HTTP\/1\.1 200 OK\r\n/);
});

Deno.test("Expect: 100-continue on HTTP/1.1 sends 100 Continue before the 200", async () => {
  const { output } = await runSocketless(
    DataHandler,
    "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
  );
  assert(output.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), output);
});

Deno.test("a refused 100-continue sends 417 and does not call do_GET", async () => {
  class Refusing extends DataHandler {
    override async handle_expect_100(): Promise<boolean> {
      await this.send_error(417);
      return false;
    }
  }
  const { output, handler } = await runSocketless(
    Refusing,
    "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
  );
  assert(output.startsWith("HTTP/1.1 417 Expectation Failed\r\n"), output);
  assertEquals(countHeader(output, "Connection"), 1);
  assertEquals((handler as Refusing).get_called, false);
});

/** Records every wfile.write call. */
class AuditingWFile extends WFile {
  calls: string[] = [];
  override write(data: Uint8Array | string): Promise<number> {
    this.calls.push(typeof data === "string" ? data : fromLatin1(data));
    return super.write(data);
  }
}

class AuditingHandler extends DataHandler {
  audit!: AuditingWFile;
  override setup() {
    super.setup();
    this.audit = new AuditingWFile(this.request);
    this.wfile = this.audit;
  }
}

Deno.test("send_error writes headers and body in exactly two writes", async () => {
  class ErrorHandler extends AuditingHandler {
    override async do_GET() {
      await this.send_error(418);
    }
  }
  const { handler } = await runSocketless(ErrorHandler, "GET / HTTP/1.1\r\n\r\n");
  assertEquals((handler as ErrorHandler).audit.calls.length, 2);
});

Deno.test("send_response_only and send_header write nothing before end_headers, then once", async () => {
  let before = -1;
  class HeaderHandler extends AuditingHandler {
    override async do_GET() {
      this.send_response_only(200);
      this.send_header("Foo", "foo");
      this.send_header("bar", "bar");
      before = this.audit.calls.length;
      await this.end_headers();
    }
  }
  const { handler } = await runSocketless(HeaderHandler, "GET / HTTP/1.1\r\n\r\n");
  assertEquals(before, 0);
  const calls = (handler as HeaderHandler).audit.calls;
  assertEquals(calls.length, 1);
  assert(calls[0].endsWith("Foo: foo\r\nbar: bar\r\n\r\n"));
});

Deno.test("a request line over 65536 bytes gets 414 URI Too Long", async () => {
  const { output } = await runSocketless(DataHandler, "GET " + "x".repeat(65537));
  assert(output.startsWith("HTTP/1.1 414 URI Too Long\r\n"), output.slice(0, 80));
});

Deno.test("a header line over 65536 bytes gets 431 Line too long", async () => {
  const { output } = await runSocketless(
    DataHandler,
    "GET / HTTP/1.1\r\nX-Foo: " + "b".repeat(65537) + "\r\n\r\n",
  );
  assert(output.startsWith("HTTP/1.1 431 Line too long\r\n"), output.slice(0, 80));
  assertStringIncludes(output, "got more than 65536 bytes when reading header line");
});

Deno.test("101 headers get 431 Too many headers; 99 are accepted; 100 already fail", async () => {
  const many = (n: number) =>
    "GET / HTTP/1.1\r\n" + Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join("") +
    "\r\n";
  for (const [n, ok] of [[99, true], [100, false], [101, false]] as const) {
    for (const chunk of [undefined, 3]) {
      const { output } = await runSocketless(DataHandler, many(n), chunk);
      if (ok) assertMatch(output, /^HTTP\/1\.1 200 OK/);
      else {
        assert(output.startsWith("HTTP/1.1 431 Too many headers\r\n"), `${n}: ${output}`);
        assertStringIncludes(output, "got more than 100 headers");
      }
    }
  }
});

Deno.test("markup in the method is HTML-escaped in the error page", async () => {
  const { output } = await runSocketless(
    DataHandler,
    '<script>alert("hello")</script> / HTTP/1.1\r\n\r\n',
  );
  assertStringIncludes(output, '&lt;script&gt;alert("hello")&lt;/script&gt;');
});

Deno.test("handle() loops until close_connection becomes true", async () => {
  let calls = 0;
  class Counting extends BaseHTTPRequestHandler {
    override handle_one_request(): Promise<void> {
      calls++;
      this.close_connection = calls >= 3;
      return Promise.resolve();
    }
  }
  await runSocketless(Counting, "");
  assertEquals(calls, 3);
});

Deno.test("date_time_string formats like email.utils.formatdate(usegmt=True)", () => {
  const handler = new DataHandler(
    { read: () => Promise.resolve(null), write: (p) => Promise.resolve(p.length), close() {} },
    ["127.0.0.1", 1],
    { server_address: ["127.0.0.1", 1], server_name: "localhost", server_port: 1 },
  );
  assertEquals(handler.date_time_string(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  assertMatch(
    handler.date_time_string(),
    /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  );
});

Deno.test("log_message escapes control characters and doubles backslashes", async () => {
  const lines: string[] = [];
  class Capturing extends BaseHTTPRequestHandler {
    override log_writer = (line: string) => {
      lines.push(line);
    };
  }
  await runSocketless(Capturing, "GET /\x1b[31mred\x7f\x9f\xa9\\end HTTP/1.0\r\n\r\n");
  assertEquals(lines.length, 2);
  assertMatch(
    lines[0],
    /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4} \d{2}:\d{2}:\d{2}\] code 501/,
  );
  assert(
    lines[1].endsWith('"GET /\\x1b[31mred\\x7f\\x9f\xa9\\\\end HTTP/1.0" 501 -\n'),
    JSON.stringify(lines[1]),
  );
});

for (const chunk of [undefined, 5]) {
  const how = chunk === undefined ? "whole" : `in ${chunk}-byte reads`;
  Deno.test(`an overridden handle_one_request is called for every request and the end (${how})`, async () => {
    const seen: string[] = [];
    class Counting extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      override log_message() {}
      override async handle_one_request(): Promise<void> {
        await super.handle_one_request();
        seen.push(this.requestline);
      }
      do_GET(): Promise<void> {
        this.send_response(204);
        return this.end_headers();
      }
    }
    const input = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    const { output } = await runSocketless(Counting, input, chunk);
    assertEquals(output.match(/HTTP\/1\.1 204/g)?.length, 2);
    // Two requests, then the end of the input (an empty request line closes the connection).
    assertEquals(seen, ["GET /a HTTP/1.1", "GET /b HTTP/1.1", "GET /b HTTP/1.1"]);
  });
}
