// Unit tests of protocol/request_line.ts and protocol/header_block.ts, then the same rules
// through a socketless handler: each request fed whole, byte by byte, and followed by body
// bytes that must stay readable.
import { assert, assertEquals } from "../deps.ts";
import {
  BadRequestLineError,
  LineTooLongError,
  TooManyHeadersError,
  UnsupportedVersionError,
} from "../errors.ts";
import { type HeaderPair, parseHeaderBlock } from "../protocol/header_block.ts";
import { HeadReader, NEED_MORE } from "../protocol/head_reader.ts";
import { parseRequestLine, parseVersionToken } from "../protocol/request_line.ts";
import { Quiet } from "./_base_handlers.ts";
import { latin1, maskVolatileHeaders, runSocketless } from "./_helpers.ts";

// --- parseVersionToken ----------------------------------------------------------------------

Deno.test("parseVersionToken() accepts HTTP/<digits>.<digits> of up to ten digits each", () => {
  assertEquals(parseVersionToken("HTTP/1.0"), [1, 0]);
  assertEquals(parseVersionToken("HTTP/1.1"), [1, 1]);
  assertEquals(parseVersionToken("HTTP/1.10"), [1, 10]);
  assertEquals(parseVersionToken("HTTP/01.1"), [1, 1]);
  assertEquals(parseVersionToken("HTTP/0.9"), [0, 9]);
  assertEquals(parseVersionToken("HTTP/2.0"), [2, 0]);
  assertEquals(parseVersionToken("HTTP/9999999999.0000000001"), [9999999999, 1]);
});

Deno.test("parseVersionToken() rejects what CPython answers with 400", () => {
  for (
    const token of [
      "FUBAR",
      "http/1.1",
      "HTTP/1",
      "HTTP/1.",
      "HTTP/.1",
      "HTTP/9.9.9",
      "HTTP/-9_9_9.+9_9_9",
      "HTTP/909876543210.0",
      "HTTP/1.909876543210",
      "HTTP/1.1a",
      "HTTP/ 1.1",
      "HTTP/1.\xb2", // superscript two: str.isdigit() but not int()
      "HTTP/\u0661.1", // Arabic-Indic digit one: never reaches the wire as latin-1
      "HTTP/1.1 ",
    ]
  ) {
    assertEquals(parseVersionToken(token), null, JSON.stringify(token));
  }
});

// --- parseRequestLine -----------------------------------------------------------------------

Deno.test("parseRequestLine() splits a request line and strips any mix of CR/LF", () => {
  const line = parseRequestLine("GET /a?b#c HTTP/1.0\r\r\n", "HTTP/1.0");
  assertEquals(line, {
    requestline: "GET /a?b#c HTTP/1.0",
    command: "GET",
    path: "/a?b#c",
    requestVersion: "HTTP/1.0",
    keepAlive: false,
    simple: false,
    error: undefined,
  });
});

Deno.test("parseRequestLine() keeps other whitespace in requestline but splits on it", () => {
  const line = parseRequestLine("  GET\t/x\xa0HTTP/1.1 \x0c\r\n", "HTTP/1.1");
  assertEquals(line?.requestline, "  GET\t/x\xa0HTTP/1.1 \x0c");
  assertEquals([line?.command, line?.path, line?.requestVersion], ["GET", "/x", "HTTP/1.1"]);
});

Deno.test("parseRequestLine() returns null for a line without words", () => {
  for (const raw of ["", "\r\n", "\n", " \t\r\n", "\x0b\x0c\x1c\x85\xa0\n"]) {
    assertEquals(parseRequestLine(raw, "HTTP/1.1"), null, JSON.stringify(raw));
  }
});

Deno.test("parseRequestLine() collapses a leading run of slashes only", () => {
  assertEquals(parseRequestLine("GET //a//b HTTP/1.0", "HTTP/1.0")?.path, "/a//b");
  assertEquals(parseRequestLine("GET ////x? HTTP/1.0", "HTTP/1.0")?.path, "/x?");
  assertEquals(parseRequestLine("GET // HTTP/1.0", "HTTP/1.0")?.path, "/");
  assertEquals(parseRequestLine("GET /a//b HTTP/1.0", "HTTP/1.0")?.path, "/a//b");
  assertEquals(
    parseRequestLine("GET http://h//x HTTP/1.0", "HTTP/1.0")?.path,
    "http://h//x",
  );
  assertEquals(parseRequestLine("GET //x", "HTTP/1.0")?.path, "/x");
});

Deno.test("parseRequestLine() keeps the connection only for >= 1.1 on an HTTP/1.1 server", () => {
  const keep = (version: string, protocol: string) =>
    parseRequestLine(`GET / ${version}`, protocol)?.keepAlive;
  assertEquals(keep("HTTP/1.1", "HTTP/1.1"), true);
  assertEquals(keep("HTTP/1.10", "HTTP/1.1"), true);
  assertEquals(keep("HTTP/01.1", "HTTP/1.1"), true);
  assertEquals(keep("HTTP/1.0", "HTTP/1.1"), false);
  assertEquals(keep("HTTP/1.1", "HTTP/1.0"), false);
  // protocol_version is compared as a string, as in CPython.
  assertEquals(keep("HTTP/1.1", "HTTP/2"), true);
  assertEquals(parseRequestLine("GET /", "HTTP/1.1")?.keepAlive, false);
});

Deno.test("parseRequestLine() rejects HTTP/2.0 with 505", () => {
  const line = parseRequestLine("GET / HTTP/2.0", "HTTP/1.1");
  assert(line?.error instanceof UnsupportedVersionError);
  assertEquals([line.error.status, line.error.reason], [505, "Invalid HTTP version (2.0)"]);
  assertEquals(line.requestVersion, undefined, "the version is not accepted");
  assertEquals(line.keepAlive, true, "CPython sets close_connection = False first");
  assertEquals(
    parseRequestLine("GET / HTTP/02.5", "HTTP/1.0")?.error?.reason,
    "Invalid HTTP version (02.5)",
  );
});

Deno.test("parseRequestLine() rejects a bad version with 400 and Python's repr", () => {
  const cases: [string, string][] = [
    ["GET / FUBAR", "Bad request version ('FUBAR')"],
    ["GET / HTTP/1.1'", `Bad request version ("HTTP/1.1'")`],
    ["GET / x\x01", "Bad request version ('x\\x01')"],
    ["GET /a b FUBAR", "Bad request version ('FUBAR')"],
  ];
  for (const [raw, reason] of cases) {
    const line = parseRequestLine(raw, "HTTP/1.0");
    assert(line?.error instanceof BadRequestLineError, raw);
    assertEquals([line.error.status, line.error.reason], [400, reason]);
    assertEquals(line.requestVersion, undefined);
  }
});

Deno.test("parseRequestLine() rejects 1 word and 4+ words with Bad request syntax", () => {
  const one = parseRequestLine("GET\r\n", "HTTP/1.0");
  assertEquals(one?.error?.reason, "Bad request syntax ('GET')");
  assertEquals(one?.requestVersion, undefined);
  const four = parseRequestLine("GET /a b HTTP/1.0", "HTTP/1.0");
  assertEquals(four?.error?.reason, "Bad request syntax ('GET /a b HTTP/1.0')");
  assertEquals(four?.requestVersion, "HTTP/1.0", "accepted first, so the error has a status line");
  assertEquals(
    parseRequestLine(" / ", "HTTP/1.0")?.error?.reason,
    "Bad request syntax (' / ')",
  );
});

Deno.test("parseRequestLine() treats two words as an HTTP/0.9 simple request", () => {
  const get = parseRequestLine("GET /x\r\n", "HTTP/1.1");
  assertEquals(get?.simple, true);
  assertEquals(get?.keepAlive, false);
  assertEquals(get?.error, undefined);
  assertEquals([get?.command, get?.path, get?.requestVersion], ["GET", "/x", undefined]);
  const post = parseRequestLine("POST /x", "HTTP/1.1");
  assertEquals(post?.error?.reason, "Bad HTTP/0.9 request type ('POST')");
  assertEquals(parseRequestLine("get /x", "HTTP/1.1")?.error?.status, 400);
});

Deno.test("parseRequestLine() keeps method case (methods are case-sensitive)", () => {
  assertEquals(parseRequestLine("get / HTTP/1.0", "HTTP/1.0")?.command, "get");
  assertEquals(parseRequestLine("G\xc4T / HTTP/1.0", "HTTP/1.0")?.command, "G\xc4T");
});

// --- HeadReader limits -----------------------------------------------------------------------

/** `count` header lines of `lineLength` bytes each (CRLF included), then `end`. */
function headerLines(count: number, lineLength: number, end = "\r\n"): Uint8Array {
  const line = "X: " + "a".repeat(lineLength - 5) + "\r\n";
  return latin1(line.repeat(count) + end);
}

Deno.test("HeadReader counts the blank line: 99 headers pass, 100 fail", () => {
  const reader = new HeadReader();
  assertEquals((reader.read(headerLines(99, 10), 65536, 100) as HeaderPair[]).length, 99);
  const error = reader.read(headerLines(100, 10), 65536, 100);
  assert(error instanceof TooManyHeadersError);
  assertEquals(error.explain, "got more than 100 headers");
  // The 101st line fails before the block is complete, and the end of stream counts as a line.
  assert(reader.read(headerLines(101, 10, ""), 65536, 100) instanceof TooManyHeadersError);
  assertEquals(reader.read(headerLines(100, 10, ""), 65536, 100), NEED_MORE);
  assert(reader.read(new Uint8Array(0), 65536, 100, true) instanceof TooManyHeadersError);
});

Deno.test("HeadReader accepts a 65536-byte line and rejects 65537 bytes", () => {
  const reader = new HeadReader();
  assertEquals((reader.read(headerLines(1, 65536), 65536, 100) as HeaderPair[]).length, 1);
  const error = reader.read(headerLines(1, 65537), 65536, 100);
  assert(error instanceof LineTooLongError);
  assertEquals([error.status, error.reason], [431, "Line too long"]);
  assertEquals(error.explain, "got more than 65536 bytes when reading header line");
  // An unfinished line fails as soon as it is longer than the limit.
  assert(reader.read(latin1("X" + "a".repeat(65536)), 65536, 100) instanceof LineTooLongError);
  assertEquals(reader.read(latin1("X" + "a".repeat(65535)), 65536, 100), NEED_MORE);
  assert(reader.read(latin1("a"), 65536, 100) instanceof LineTooLongError);
});

Deno.test("HeadReader ends a block at the first CRLF or LF blank line", () => {
  const cases: [string, number | null][] = [
    ["A: 1\r\n\r\nbody", 8],
    ["A: 1\n\nbody", 6],
    ["\r\n", 2],
    ["A: 1\r\n\r\r\nB: 2\r\n\r\n", 17],
    ["A: 1\r\nB: 2\r\n", null],
    ["A: 1\r\n\r", null],
    ["", null],
  ];
  for (const [text, end] of cases) {
    const reader = new HeadReader();
    const head = reader.read(latin1(text), 65536, 100);
    assertEquals(head === NEED_MORE ? null : reader.consumed, end, JSON.stringify(text));
  }
});

// --- parseHeaderBlock -----------------------------------------------------------------------

Deno.test("parseHeaderBlock() keeps order, case and duplicates", () => {
  assertEquals(parseHeaderBlock("Host: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n"), [
    ["Host", "a"],
    ["X-A", "1"],
    ["x-a", "2"],
  ]);
});

Deno.test("parseHeaderBlock() strips leading blanks of a value, keeps trailing ones", () => {
  assertEquals(parseHeaderBlock("X:\t v \r\nY:\r\nZ:a:b\r\n\r\n"), [
    ["X", "v "],
    ["Y", ""],
    ["Z", "a:b"],
  ]);
});

Deno.test("parseHeaderBlock() joins obs-fold continuation lines with their line ends", () => {
  assertEquals(parseHeaderBlock("X-Fold: a\r\n  b\r\n\tc\r\nY: 2\r\n\r\n"), [
    ["X-Fold", "a\r\n  b\r\n\tc"],
    ["Y", "2"],
  ]);
  assertEquals(parseHeaderBlock("A:1\n \nB: 2\n\n"), [["A", "1\n "], ["B", "2"]]);
});

Deno.test("parseHeaderBlock() ends the headers at a line that is not a header", () => {
  const headers = (block: string): HeaderPair[] => parseHeaderBlock(block);
  assertEquals(headers("A: 1\r\nnocolon\r\nB: 2\r\n\r\n"), [["A", "1"]]);
  assertEquals(headers("A: 1\r\nBad Name: x\r\nB: 2\r\n\r\n"), [["A", "1"]]);
  assertEquals(headers("A: 1\r\nA\x85B: x\r\nB: 2\r\n\r\n"), [["A", "1"]]);
  assertEquals(headers("A : 1\r\nB: 2\r\n\r\n"), []);
});

Deno.test("parseHeaderBlock() skips a leading continuation, empty names and From lines", () => {
  assertEquals(parseHeaderBlock("  lead\r\n: empty\r\nA: 1\r\n\r\n"), [["A", "1"]]);
  assertEquals(parseHeaderBlock("From nobody\r\nA: 1\r\n\r\n"), [["A", "1"]]);
  assertEquals(parseHeaderBlock("A: 1\r\nFrom x\r\nB: 2\r\n\r\n"), [["A", "1"], ["B", "2"]]);
});

Deno.test("parseHeaderBlock() splits lines at a bare CR, as the email parser does", () => {
  assertEquals(parseHeaderBlock("A: 1\rB: 2\r\n\r\n"), [["A", "1"], ["B", "2"]]);
  assertEquals(parseHeaderBlock("A: 1\r\n\r\r\nB: 2\r\n\r\n"), [["A", "1"]]);
});

Deno.test("parseHeaderBlock() keeps latin-1, NUL and VT bytes in values", () => {
  assertEquals(parseHeaderBlock("X: \xe4\xff\x00\x0b!\r\n\r\n"), [["X", "\xe4\xff\x00\x0b!"]]);
});

// --- the same rules through a handler, whole, byte by byte, with a body after the head ------

interface Probe {
  command: string | null;
  path: string;
  version: string;
  headers: HeaderPair[];
  rest: string;
  close: boolean;
}

class ProbeHandler extends Quiet {
  override protocol_version = "HTTP/1.1";
  probes: Probe[] = [];

  async #probe(): Promise<void> {
    const probe: Probe = {
      command: this.command,
      path: this.path,
      version: this.request_version,
      headers: this.headers.items(),
      rest: "",
      close: this.close_connection,
    };
    const length = this.headers.get("Content-Length");
    const rest = length === undefined
      ? await this.rfile.read()
      : await this.rfile.read(Number(length));
    probe.rest = String.fromCharCode(...rest);
    this.probes.push(probe);
    this.send_response(204);
    await this.end_headers();
  }

  do_GET(): Promise<void> {
    return this.#probe();
  }

  do_POST(): Promise<void> {
    return this.#probe();
  }
}

interface Case {
  name: string;
  head: string;
  probe?: Omit<Probe, "rest">;
  /** What the handler writes before the body is read, masked (default: a 204). */
  output?: RegExp;
}

const TRAILER = "BODY\x00\xff\r\n\r\nGET /never HTTP/1.1\r\n\r\n";

const CASES: Case[] = [
  {
    name: "a GET with headers",
    head: "GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n",
    probe: {
      command: "GET",
      path: "/a?b",
      version: "HTTP/1.1",
      headers: [["Host", "x"], ["X-A", "1"]],
      close: false,
    },
  },
  {
    name: "bare LF line ends",
    head: "GET / HTTP/1.0\nA: 1\n\n",
    probe: { command: "GET", path: "/", version: "HTTP/1.0", headers: [["A", "1"]], close: true },
  },
  {
    name: "obs-fold and a line without colon",
    head: "GET / HTTP/1.0\r\nA: 1\r\n 2\r\nnocolon\r\nB: 3\r\n\r\n",
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: [["A", "1\r\n 2"]],
      close: true,
    },
  },
  {
    name: "no headers at all",
    head: "POST //p HTTP/1.0\r\n\r\n",
    probe: { command: "POST", path: "/p", version: "HTTP/1.0", headers: [], close: true },
  },
  {
    name: "an HTTP/0.9 simple request reads no headers",
    head: "GET /x\r\n",
    probe: { command: "GET", path: "/x", version: "HTTP/0.9", headers: [], close: true },
    output: /^$/,
  },
  {
    name: "HTTP/1.0 with Connection: keep-alive",
    head: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: [["Connection", "keep-alive"]],
      close: false,
    },
  },
  {
    name: "Expect: 100-continue",
    head: "POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
    probe: {
      command: "POST",
      path: "/",
      version: "HTTP/1.1",
      headers: [["Expect", "100-continue"]],
      close: false,
    },
    output: /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 204 No Content\r\n/,
  },
  {
    name: "a header line of exactly 65536 bytes",
    head: `GET / HTTP/1.0\r\nX: ${"v".repeat(65536 - 5)}\r\n\r\n`,
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: [["X", "v".repeat(65531)]],
      close: true,
    },
  },
  {
    name: "99 header lines",
    head: `GET / HTTP/1.0\r\n${"H: v\r\n".repeat(99)}\r\n`,
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: Array.from({ length: 99 }, (): HeaderPair => ["H", "v"]),
      close: true,
    },
  },
  {
    name: "100 header lines",
    head: `GET / HTTP/1.0\r\n${"H: v\r\n".repeat(100)}\r\n`,
    output: /^HTTP\/1\.1 431 Too many headers\r\n[\s\S]*got more than 100 headers/,
  },
  {
    name: "a header line of 65537 bytes",
    head: `GET / HTTP/1.0\r\nX: ${"v".repeat(65537 - 5)}\r\n\r\n`,
    output: /^HTTP\/1\.1 431 Line too long\r\n[\s\S]*when reading header line/,
  },
  {
    name: "a request line of 65537 bytes",
    head: `GET /${"x".repeat(65537)} HTTP/1.0\r\n\r\n`,
    output: /^HTTP\/1\.1 414 URI Too Long\r\n/,
  },
  {
    name: "a bad version",
    head: "GET / HTTP/1.x\r\n\r\n",
    output: /^<!DOCTYPE HTML>\n[\s\S]*Bad request version \('HTTP\/1\.x'\)/,
  },
  {
    name: "a blank request line",
    head: "\r\n",
    output: /^$/,
  },
];

const DEFAULT_OUTPUT = /^HTTP\/1\.1 204 No Content\r\nServer: <masked>\r\nDate: <masked>\r\n\r\n$/;

for (const c of CASES) {
  for (
    const [mode, chunk, trailer] of [
      ["whole", undefined, ""],
      ["byte by byte", 1, ""],
      ["with a body after the head", undefined, TRAILER],
      ["byte by byte with a body after the head", 1, TRAILER],
    ] as const
  ) {
    Deno.test(`parse_request() handles ${c.name} (${mode})`, async () => {
      const { output, handler } = await runSocketless(ProbeHandler, c.head + trailer, chunk);
      const probes = (handler as ProbeHandler).probes;
      assertMatch(maskVolatileHeaders(output), c.output ?? DEFAULT_OUTPUT);
      if (c.probe === undefined) {
        assertEquals(probes, [], "the handler method must not run");
        return;
      }
      assertEquals(probes.length, 1);
      const { rest, ...seen } = probes[0];
      assertEquals(seen, c.probe);
      // Whatever followed the head is still there for the handler, byte for byte.
      assertEquals(rest, trailer);
    });
  }
}

function assertMatch(actual: string, expected: RegExp): void {
  assert(expected.test(actual), `${JSON.stringify(actual.slice(0, 300))} !~ ${expected}`);
}
