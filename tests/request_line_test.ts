// Tests of protocol/request_line.ts: parseVersionToken and parseRequestLine by table, then both
// against CPython 3.13.0's `BaseHTTPRequestHandler.parse_request` on hand-picked and generated
// request lines, each with every line end CPython strips.
import { assert, assertEquals } from "../deps.ts";
import { BadRequestLineError, UnsupportedVersionError } from "../errors.ts";
import { parseRequestLine, parseVersionToken } from "../protocol/request_line.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

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

// --- against CPython's parse_request --------------------------------------------------------

/** Line ends as a request line may carry them: `rstrip('\r\n')` removes any mix. */
const LINE_ENDS = ["", "\r\n", "\n", "\r", "\r\r\n", "\n\r\n"];

const METHODS = ["GET", "HEAD", "POST", "PUT", "OPTIONS", "get", "G\xc4T", "GET\x00", "*"];
const TARGETS = [
  "/",
  "/x",
  "//",
  "//a//b",
  "////x?",
  "/a?b#c",
  "http://h//x",
  "*",
  "/\xe9\xff",
  "/%2F%2f",
  "'",
  '"',
];
const VERSIONS = [
  "HTTP/1.1",
  "HTTP/1.0",
  "HTTP/0.9",
  "HTTP/2.0",
  "HTTP/3",
  "HTTP/01.1",
  "HTTP/1.10",
  "HTTP/1.01",
  "HTTP/1",
  "HTTP/1.",
  "HTTP/.1",
  "HTTP/1.1.1",
  "HTTP/1_1.1",
  "HTTP/+1.1",
  "HTTP/-1.1",
  "HTTP/9999999999.1",
  "HTTP/10000000000.1",
  "HTTP/1.0000000001",
  "HTTP/1.00000000001",
  "HTTP/\xb2.1",
  "HTTP/1.\xb9",
  "HTTP/1.1'",
  "HTTP/1.1\x00",
  "http/1.1",
  "HTTPS/1.1",
  "FUBAR",
  "",
];
/** Separators: str.split() splits at every one of these (Python whitespace in latin-1). */
const SEPARATORS = [
  " ",
  "  ",
  "\t",
  "\x0b",
  "\x0c",
  "\x1c",
  "\x1d",
  "\x1e",
  "\x1f",
  "\x85",
  "\xa0",
];
/** Not whitespace to Python: part of a word. */
const NOT_SEPARATORS = ["\x00", "\x7f", "\x80", "\xad"];
const PROTOCOLS = ["HTTP/1.0", "HTTP/1.1", "HTTP/2"];

interface PythonParse {
  ok: boolean;
  error: [number, string] | null;
  requestline: string;
  command: string | null;
  path: string | null;
  version: string;
  close: boolean;
}

function randomLine(random: () => number): string {
  const sep = () => random() < 0.7 ? " " : pick(random, SEPARATORS);
  const words: string[] = [];
  const count = randomInt(random, 0, 5);
  for (let i = 0; i < count; i++) {
    const kind = i === 0 ? METHODS : i === count - 1 && count >= 3 ? VERSIONS : TARGETS;
    let word = pick(random, kind);
    if (random() < 0.1) word += pick(random, NOT_SEPARATORS) + pick(random, TARGETS);
    words.push(word);
  }
  const lead = random() < 0.15 ? pick(random, SEPARATORS) : "";
  const tail = random() < 0.15 ? pick(random, SEPARATORS) : "";
  return lead + words.map((w, i) => (i === 0 ? "" : sep()) + w).join("") + tail +
    pick(random, LINE_ENDS);
}

Deno.test("parseRequestLine() agrees with CPython's parse_request on every line end", async () => {
  const random = seededRandom(0x72716c6e);
  const lines: string[] = [];
  for (
    const base of [
      "GET / HTTP/1.1",
      "GET //a//b HTTP/1.0",
      "GET /x",
      "POST /x",
      "GET",
      "GET /a b HTTP/1.0",
      "GET / HTTP/2.0",
      "GET / HTTP/02.5",
      "GET / FUBAR",
      "  GET\t/x\xa0HTTP/1.1 \x0c",
      "",
      " \t",
    ]
  ) {
    for (const end of LINE_ENDS) lines.push(base + end);
  }
  for (let i = 0; i < 1500; i++) lines.push(randomLine(random));
  const cases = lines.flatMap((line) => PROTOCOLS.map((p): [string, string] => [line, p]));
  const expected = await runPython<PythonParse[]>(
    `
import io
from http.server import BaseHTTPRequestHandler

class Probe(BaseHTTPRequestHandler):
    def send_error(self, code, message=None, explain=None):
        self.error = [int(code), message]

def parse(line, protocol):
    handler = object.__new__(Probe)
    handler.protocol_version = protocol
    handler.rfile = io.BytesIO(b"\\r\\n")
    handler.raw_requestline = line.encode("latin-1")
    handler.error = None
    ok = handler.parse_request()
    return {
        "ok": ok,
        "error": handler.error,
        "requestline": getattr(handler, "requestline", None),
        "command": handler.command,
        "path": getattr(handler, "path", None),
        "version": handler.request_version,
        "close": handler.close_connection,
    }

print(json.dumps([parse(line, protocol) for line, protocol in json.loads(sys.stdin.read())]))
`,
    cases,
  );
  let errors = 0;
  for (const [i, [line, protocol]] of cases.entries()) {
    const want = expected[i];
    const message = `parseRequestLine(${JSON.stringify(line)}, ${JSON.stringify(protocol)})`;
    const got = parseRequestLine(line, protocol);
    if (!want.ok && want.error === null) {
      assertEquals(got, null, message);
      continue;
    }
    assert(got !== null, message);
    assertEquals(got.requestline, want.requestline, message);
    assertEquals(got.keepAlive, !want.close, `${message}: keep-alive`);
    assertEquals(got.requestVersion ?? "HTTP/0.9", want.version, `${message}: version`);
    if (want.error !== null) {
      errors++;
      assert(
        got.error instanceof BadRequestLineError || got.error instanceof UnsupportedVersionError,
        message,
      );
      assertEquals([got.error.status, got.error.reason], want.error, message);
      continue;
    }
    assertEquals(got.error, undefined, message);
    assertEquals([got.command, got.path], [want.command, want.path], message);
    assertEquals(got.simple, got.requestVersion === undefined, `${message}: simple`);
  }
  // The corpus reaches both outcomes often.
  assert(errors > cases.length / 10 && errors < cases.length * 0.9, `${errors} errors`);
});

Deno.test("parseVersionToken() agrees with CPython's version check on generated tokens", async () => {
  const random = seededRandom(0x76657273);
  const parts = ["", "0", "1", "01", "9", "10", "1234567890", "12345678901", "\xb2", "_", "+", " "];
  const tokens = [...VERSIONS];
  for (let i = 0; i < 800; i++) {
    const major = Array.from({ length: randomInt(random, 1, 3) }, () => pick(random, parts));
    const minor = Array.from({ length: randomInt(random, 1, 3) }, () => pick(random, parts));
    const dots = random() < 0.1 ? ".." : ".";
    tokens.push(`${random() < 0.95 ? "HTTP/" : "HTTP"}${major.join("")}${dots}${minor.join("")}`);
  }
  const expected = await runPython<([number, number] | null)[]>(
    `
def version(token):
    # The checks of BaseHTTPRequestHandler.parse_request, in its order.
    try:
        if not token.startswith('HTTP/'):
            raise ValueError
        base_version_number = token.split('/', 1)[1]
        version_number = base_version_number.split(".")
        if len(version_number) != 2:
            raise ValueError
        if any(not component.isdigit() for component in version_number):
            raise ValueError("non digit in http version")
        if any(len(component) > 10 for component in version_number):
            raise ValueError("unreasonable length http version")
        return [int(version_number[0]), int(version_number[1])]
    except (ValueError, IndexError):
        return None

print(json.dumps([version(t) for t in json.loads(sys.stdin.read())]))
`,
    tokens,
  );
  for (const [i, token] of tokens.entries()) {
    assertEquals(parseVersionToken(token), expected[i], JSON.stringify(token));
  }
});
