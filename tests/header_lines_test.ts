/**
 * The encoded status/header line cache (`protocol/header_lines.ts`) and how the handler sends
 * through it: bytes, refusals, reuse and its bounds; plus `wfile`'s next-tick flush of bytes a
 * handler wrote without flushing, over a real loopback socket.
 *
 * @module
 */
import { assert, assertEquals, assertThrows } from "../deps.ts";
import { HeaderValueError } from "../errors.ts";
import {
  HeaderLineCache,
  isUnsendableHeaderText,
  joinLines,
  MAX_CACHED_HEADER_VALUE_LENGTH,
  MAX_CACHED_VALUES_PER_NAME,
  ResponseHeadEncoder,
} from "../protocol/header_lines.ts";
import { ResponseHead } from "../protocol/response_head.ts";
import {
  fromLatin1,
  QuietHandler,
  RAW_EXCHANGE_TIMEOUT_MS,
  runSocketless,
  startServer,
} from "./_helpers.ts";
import { header, RawClient } from "./_wire.ts";

Deno.test("header lines: bytes of name, value and CRLF; status lines of protocol, code, reason", () => {
  const lines = new HeaderLineCache();
  assertEquals(
    fromLatin1(lines.headerLine("Content-Type", "text/plain")),
    "Content-Type: text/plain\r\n",
  );
  assertEquals(
    fromLatin1(lines.statusLine("HTTP/1.0", 404, "Not Found")),
    "HTTP/1.0 404 Not Found\r\n",
  );
  assertEquals(fromLatin1(lines.statusLine("HTTP/1.1", 299, "")), "HTTP/1.1 299 \r\n");
  assertEquals(fromLatin1(lines.endOfHeaders()), "\r\n");
});

Deno.test("header lines: latin-1 characters become one byte each", () => {
  const bytes = new HeaderLineCache().headerLine("X-Name", "caf\u00e9 \u00ff");
  assertEquals([...bytes.subarray(-4)], [0x20, 0xff, 0x0d, 0x0a]);
  assertEquals(bytes.length, "X-Name: café ÿ\r\n".length);
});

Deno.test("header lines: CR, LF, NUL and non-latin-1 text are refused in names, values, reasons", () => {
  const lines = new HeaderLineCache();
  for (const bad of ["a\r\nSet-Cookie: x", "a\nb", "a\rb", "a\0b", "\u20ac"]) {
    assert(isUnsendableHeaderText(bad));
    assertThrows(() => lines.headerLine("X-Test", bad), HeaderValueError);
    assertThrows(() => lines.headerLine(bad, "v"), HeaderValueError);
    assertThrows(() => lines.statusLine("HTTP/1.0", 200, bad), HeaderValueError);
  }
  assertThrows(() => lines.statusLine("HTTP/1.1\r\nX: y", 200, "OK"), HeaderValueError);
  // A refused value is not remembered as good.
  assertThrows(() => lines.headerLine("X-Test", "a\r\nb"), HeaderValueError);
});

Deno.test("header lines: the same line is reused; a changed part gives a new line", () => {
  const lines = new HeaderLineCache();
  const first = lines.headerLine("Server", "BaseHTTP/0.6");
  assert(lines.headerLine("Server", "BaseHTTP/0.6") === first);
  assert(lines.headerLine("Server", "Other/1") !== first);
  const ok = lines.statusLine("HTTP/1.0", 200, "OK");
  assert(lines.statusLine("HTTP/1.0", 200, "OK") === ok);
  assertEquals(fromLatin1(lines.statusLine("HTTP/1.1", 200, "OK")), "HTTP/1.1 200 OK\r\n");
  assertEquals(fromLatin1(lines.statusLine("HTTP/1.1", 200, "Fine")), "HTTP/1.1 200 Fine\r\n");
});

Deno.test("header lines: past the bounds, lines stay right (long values are never kept)", () => {
  const lines = new HeaderLineCache();
  for (let i = 0; i < MAX_CACHED_VALUES_PER_NAME * 3; i++) {
    assertEquals(fromLatin1(lines.headerLine("ETag", `"${i}"`)), `ETag: "${i}"\r\n`);
  }
  for (let i = 0; i < 200; i++) {
    assertEquals(fromLatin1(lines.headerLine(`X-${i}`, "v")), `X-${i}: v\r\n`);
    assertEquals(
      fromLatin1(lines.statusLine("HTTP/1.0", 200 + i, "R")),
      `HTTP/1.0 ${200 + i} R\r\n`,
    );
  }
  const long = "v".repeat(MAX_CACHED_HEADER_VALUE_LENGTH + 1);
  const once = lines.headerLine("X-Long", long);
  assertEquals(fromLatin1(once), `X-Long: ${long}\r\n`);
  assert(lines.headerLine("X-Long", long) !== once);
});

Deno.test("send_header: bad text still throws HeaderValueError from the handler, nothing sent", async () => {
  let caught: unknown = null;
  class Splitting extends QuietHandler {
    async do_GET() {
      this.send_response(200);
      try {
        this.send_header("X-Test", "a\r\nSet-Cookie: evil=1");
      } catch (error) {
        caught = error;
      }
      this.send_header("Content-Length", 0);
      await this.end_headers();
    }
  }
  const { output } = await runSocketless(Splitting, "GET / HTTP/1.0\r\n\r\n");
  assert(caught instanceof HeaderValueError);
  assert(output.startsWith("HTTP/1.0 200 OK\r\n"), output);
  assert(!output.includes("evil"), output);
  assert(output.endsWith("Content-Length: 0\r\n\r\n"), output);
});

Deno.test("wfile: bytes written without a flush reach the client on the next tick", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  class Trickle extends QuietHandler {
    override protocol_version = "HTTP/1.1";
    async do_GET() {
      this.send_response(200);
      this.send_header("Content-Length", 11);
      await this.end_headers();
      await this.wfile.write(new TextEncoder().encode("first "));
      await gate; // no flush: only the tick timer can send what is staged
      await this.wfile.write(new TextEncoder().encode("last\n"));
    }
  }
  const running = startServer(Trickle);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
  const timer = setTimeout(() => conn.close(), RAW_EXCHANGE_TIMEOUT_MS);
  try {
    await conn.write(
      new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    let received = "";
    const buf = new Uint8Array(4096);
    while (!received.endsWith("first ")) {
      const n = await conn.read(buf);
      assert(n !== null, `closed early: ${received}`);
      received += fromLatin1(buf.subarray(0, n));
    }
    assert(!received.includes("last"), received);
    release();
    while (!received.endsWith("last\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      received += fromLatin1(buf.subarray(0, n));
    }
    assert(received.endsWith("\r\n\r\nfirst last\n"), received);
  } finally {
    clearTimeout(timer);
    release();
    try {
      conn.close();
    } catch {
      // closed by the timeout
    }
    await running.stop();
  }
});

Deno.test("head encoder: the block is joined once the same head comes again; other heads reset", () => {
  const cache = new HeaderLineCache();
  const encoder = new ResponseHeadEncoder(cache);
  const head = (x: string, status = 200) => {
    const h = new ResponseHead();
    h.setStatus("HTTP/1.1", status, "OK");
    h.append("X", x);
    return h;
  };
  const text = (h: ResponseHead, ended = true) => fromLatin1(joinLines(encoder.lines(h, ended)));
  assertEquals(encoder.repeatedBlock(head("1"), true), null);
  assertEquals(text(head("1")), "HTTP/1.1 200 OK\r\nX: 1\r\n\r\n");
  const block = encoder.repeatedBlock(head("1"), true);
  assert(block !== null);
  assertEquals(fromLatin1(block), "HTTP/1.1 200 OK\r\nX: 1\r\n\r\n");
  assert(encoder.repeatedBlock(head("1"), true) === block);
  // A different value gets its own bytes (the changed line rewritten); a different status,
  // name or ending is not answered with a block.
  assertEquals(fromLatin1(encoder.repeatedBlock(head("2"), true) as Uint8Array), text(head("2")));
  assertEquals(
    fromLatin1(encoder.repeatedBlock(head("2"), true) as Uint8Array),
    "HTTP/1.1 200 OK\r\nX: 2\r\n\r\n",
  );
  assertEquals(encoder.repeatedBlock(head("2"), false), null);
  assertEquals(
    fromLatin1(encoder.repeatedBlock(head("2"), false) as Uint8Array),
    "HTTP/1.1 200 OK\r\nX: 2\r\n",
  );
  assertEquals(encoder.repeatedBlock(head("2", 201), false), null);
  assertEquals(encoder.repeatedBlock(head("1"), true), null);
  const renamed = head("1");
  renamed.delete("X");
  renamed.append("Y", "1");
  assertEquals(encoder.repeatedBlock(renamed, true), null);
  const fieldsOnly = new ResponseHead();
  fieldsOnly.append("A", "1");
  assertEquals(text(fieldsOnly, false), "A: 1\r\n");
  assertEquals(text(new ResponseHead()), "\r\n");
  // The lines are the memo's shared arrays.
  assert(encoder.lines(head("1"), true)[1] === cache.headerLine("X", "1"));
});

Deno.test("head encoder: heads that differ in values only are patched exactly, lengths changing", () => {
  const encoder = new ResponseHeadEncoder(new HeaderLineCache());
  const reference = new ResponseHeadEncoder(new HeaderLineCache());
  const head = (range: string, date: string, ended = true) => {
    const h = new ResponseHead();
    h.setStatus("HTTP/1.1", 206, "Partial Content");
    h.append("Server", "SimpleHTTP/0.6 Python/3.13.0");
    h.append("Date", date);
    h.append("Content-type", "application/octet-stream");
    h.append("Content-Range", range);
    h.append("Content-Length", "1024");
    return { h, ended };
  };
  const values = [
    ["bytes 1-2/3", "d1"],
    ["bytes 10-20/30", "d1"],
    ["bytes 0-0/1", "d1"],
    ["bytes 0-0/1", "d22"],
    ["bytes 123456789-123457812/1048576000", "d3"],
    ["bytes 123456789-123457812/1048576000", "d3"],
    ["b", "d3"],
    ["bytes 5-6/7", ""],
    ["bytes 5-6/7" + "0".repeat(300), "d4"],
    ["x", "d4"],
  ];
  let patched = 0;
  for (const [range, date] of values) {
    const { h, ended } = head(range, date);
    const block = encoder.repeatedBlock(h, ended);
    const expected = fromLatin1(joinLines(reference.lines(h, ended)));
    if (block === null) {
      assertEquals(fromLatin1(joinLines(encoder.lines(h, ended))), expected);
    } else {
      patched++;
      assertEquals(fromLatin1(block), expected, range);
    }
  }
  assertEquals(patched, values.length - 1);
});

Deno.test("keep-alive responses: repeated, changed and alternating header blocks arrive exact", async () => {
  class Varying extends QuietHandler {
    override protocol_version = "HTTP/1.1";
    async do_GET() {
      const tag = this.path.slice(1);
      const body = new TextEncoder().encode(tag);
      this.send_response(200);
      this.send_header("X-Tag", tag);
      this.send_header("Content-Length", body.length);
      await this.end_headers();
      await this.wfile.write(body);
    }
  }
  const running = startServer(Varying);
  const client = await RawClient.connect(running.port);
  try {
    for (const tag of ["a", "a", "a", "b", "a", "bb", "bb", "a", "a"]) {
      await client.send(`GET /${tag} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const response = await client.readResponse();
      assert(response !== null);
      assertEquals(header(response, "X-Tag"), tag);
      assertEquals(header(response, "Content-Length"), String(tag.length));
      assertEquals(response.body, tag);
      assert(response.raw.startsWith("HTTP/1.1 200 OK\r\nServer: "), response.raw);
    }
  } finally {
    client.conn.close();
    await running.stop();
  }
});
