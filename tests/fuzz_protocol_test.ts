// Property-based fuzzing of request parsing (issue 6, part 1), with CPython 3.13 as the oracle
// for the parts that have one.
//
// Seeded: every property runs with FUZZ_SEED (default below) and prints it on failure; fast-check
// also prints the failing path, so `FUZZ_SEED=<seed>` reproduces a run. FUZZ_RUNS, when set,
// replaces the number of runs of every property (the defaults add up to more than 10,000 inputs
// and keep the file well under a minute on two cores).
//
// deno-lint-ignore-file no-import-prefix
// fast-check is a test-only dependency, pinned here rather than in deno.json (which this file's
// authors may not edit); the inline `npm:` specifier is the only way to name it.
import fc from "npm:fast-check@3.23.2";
import { assert, assertEquals, assertMatch } from "../deps.ts";
import { BaseHTTPRequestHandler, type RequestHandlerClass } from "../handlers/base.ts";
import { ProtocolError } from "../errors.ts";
import { type HeaderPair, parseHeaderBlock } from "../protocol/header_block.ts";
import { HeadReader, type HeadReadResult, NEED_MORE } from "../protocol/head_reader.ts";
import { parseRequestLine, type RequestLine } from "../protocol/request_line.ts";
import type { ByteConnection } from "../types.ts";
import { findPython313, fromLatin1, latin1, runSocketless, SOCKETLESS_SERVER } from "./_helpers.ts";

const DEFAULT_SEED = 20261122;
const SEED = parseIntEnv("FUZZ_SEED") ?? DEFAULT_SEED;
const RUNS_OVERRIDE = parseIntEnv("FUZZ_RUNS");
/** Milliseconds one socketless handler run may take before the property fails. */
const RUN_TIMEOUT_MS = 5_000;
const PYTHON = findPython313();

/** Inputs generated in this run, by test, reported at the end. */
const inputCounts = new Map<string, number>();

function parseIntEnv(name: string): number | undefined {
  const value = Deno.env.get(name);
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${value}`);
  return n;
}

function runs(defaultRuns: number): number {
  return RUNS_OVERRIDE ?? defaultRuns;
}

function count(test: string, n = 1): void {
  inputCounts.set(test, (inputCounts.get(test) ?? 0) + n);
}

/** Runs a fast-check property with the run's seed, naming the seed in any failure. */
async function check<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void> | void,
  numRuns: number,
): Promise<void> {
  const property = fc.asyncProperty(arb, async (value) => {
    count(name);
    await predicate(value);
  });
  const details = await fc.check(property, { seed: SEED, numRuns, endOnFailure: true });
  if (details.failed) {
    const error = details.errorInstance;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${name}: property failed with FUZZ_SEED=${SEED} after ${details.numRuns} runs ` +
        `(path ${details.counterexamplePath}; rerun with FUZZ_SEED=${SEED})\n` +
        `counterexample: ${clip(fc.stringify(details.counterexample), 2000)}\n${
          clip(message, 4000)
        }`,
    );
  }
}

/** Samples `n` values of an arbitrary, reproducibly from the run's seed. */
function sample<T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] {
  return fc.sample(arb, { seed: SEED + salt, numRuns: n });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

function show(text: string): string {
  return clip(JSON.stringify(text), 300);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Characters that matter to the parsers: Python whitespace, line ends, digits, quotes. */
const SPECIAL_CHARS = [
  " ",
  "\t",
  "\r",
  "\n",
  "\x0b",
  "\x0c",
  "\x1c",
  "\x1f",
  "\x85",
  "\xa0",
  "\x00",
  "\x7f",
  "/",
  ".",
  ":",
  "H",
  "T",
  "P",
  "0",
  "1",
  "2",
  "9",
  "\xb2",
  "\xb9",
  "'",
  '"',
  "\\",
  "<",
  "&",
  "\xad",
  "\xff",
];

const latin1Char: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  fc.constantFrom(...SPECIAL_CHARS),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
);

function latin1String(maxLength: number): fc.Arbitrary<string> {
  return fc.array(latin1Char, { maxLength }).map((chars) => chars.join(""));
}

/** Latin-1 text without LF (one line's content). */
function lineText(maxLength: number): fc.Arbitrary<string> {
  return latin1String(maxLength).map((s) => s.replace(/\n/g, ""));
}

const whitespaceRun: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(" ") },
  {
    weight: 2,
    arbitrary: fc.array(
      fc.constantFrom(" ", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0"),
      {
        minLength: 1,
        maxLength: 3,
      },
    ).map((a) => a.join("")),
  },
);

const methods = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("GET", "POST", "HEAD", "PUT", "get", "CONNECT", "Get") },
  { weight: 1, arbitrary: fc.constantFrom("", "G\x00ET", "GET\xa0", "OPTIONS", "X".repeat(50)) },
  { weight: 1, arbitrary: lineText(8) },
);

const targets = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "/",
      "/a/b?c=d#e",
      "//evil.com/x",
      "///x",
      "*",
      "http://host/p",
      "host:443",
      "/%00",
      "/\\evil",
      "/a b",
      "",
    ),
  },
  { weight: 2, arbitrary: lineText(20).map((s) => "/" + s) },
  { weight: 1, arbitrary: lineText(12) },
);

const versions = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "HTTP/1.1",
      "HTTP/1.0",
      "HTTP/0.9",
      "HTTP/2.0",
      "HTTP/1.10",
      "HTTP/01.1",
      "HTTP/3.0",
      "HTTP/1.2",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "HTTP/1",
      "http/1.1",
      "HTTP/1.1a",
      "HTTP/\xb2.1",
      "HTTP/1.\xb9",
      "HTTP/99999999999.1",
      "HTTP/9999999999.1",
      "HTTP/1.00000000001",
      "HTTP/9.9.9",
      "HTTP/-1.1",
      "HTTP/+1.1",
      "HTTP/1_1.1",
      "HTTP/.1",
      "HTTP/1.",
      "HTTP/",
      "FUBAR",
      "HTTP/1.1\x00",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.stringMatching(/^[0-9]{0,12}$/), fc.stringMatching(/^[0-9]{0,12}$/))
      .map(([a, b]) => `HTTP/${a}.${b}`),
  },
  { weight: 1, arbitrary: lineText(10) },
);

const lineEnds = fc.constantFrom("\r\n", "\r\n", "\n", "", "\r", "\r\r\n", " \r\n", "\n\r\n");

/** A request line built from parts, words dropped or added. */
const structuredRequestLine: fc.Arbitrary<string> = fc.tuple(
  fc.option(whitespaceRun, { freq: 5 }),
  methods,
  whitespaceRun,
  targets,
  whitespaceRun,
  versions,
  fc.option(fc.tuple(whitespaceRun, lineText(6)), { freq: 4 }),
  fc.option(whitespaceRun, { freq: 5 }),
  fc.integer({ min: 0, max: 9 }),
  lineEnds,
).map(([lead, m, s1, t, s2, v, extra, trail, shape, end]) => {
  let line: string;
  if (shape === 0) line = m; // one word
  else if (shape === 1) line = `${m}${s1}${t}`; // HTTP/0.9 form
  else line = `${m}${s1}${t}${s2}${v}`;
  if (extra !== null) line += extra[0] + extra[1];
  return (lead ?? "") + line + (trail ?? "") + end;
});

type Mutation = { at: number; op: "insert" | "delete" | "replace"; ch: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("insert", "delete", "replace"),
  ch: latin1Char,
});

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + (m.op === "insert" ? 1 : 0));
    if (m.op === "insert") out = out.slice(0, at) + m.ch + out.slice(at);
    else if (out.length === 0) continue;
    else if (m.op === "delete") out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + m.ch + out.slice(at + 1);
  }
  return out;
}

const mutatedRequestLine = fc.tuple(structuredRequestLine, fc.array(mutation, { maxLength: 3 }))
  .map(([line, ms]) => mutate(line, ms));

const anyRequestLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: structuredRequestLine },
  { weight: 2, arbitrary: mutatedRequestLine },
  { weight: 2, arbitrary: latin1String(40) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }, // beyond latin-1: must not throw either
);

const headerNames = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "Host",
      "Content-Length",
      "content-length",
      "Transfer-Encoding",
      "Connection",
      "Expect",
      "X-A",
      "From",
    ),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "Bad Name", "X\x00", "N\xe9", "X\x7f", "A\rB", " Lead", "a:b"),
  },
  { weight: 1, arbitrary: lineText(8) },
);

const headerSeparators = fc.constantFrom(": ", ": ", ":", ":\t", " : ", " :", "", "::", ":  ");
const headerLineEnds = fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "\r\r\n", "\r", "\n\r");

/** One header line (or a line that is not quite a header). */
const headerLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(headerNames, headerSeparators, lineText(20), headerLineEnds).map(
      ([n, s, v, e]) => n + s + v + e,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(" ", "\t", "  ", " \t"), lineText(12), headerLineEnds).map(
      ([w, v, e]) => w + v + e,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom("From ", "From x", "nocolon", "\x00: v", ":empty"),
      headerLineEnds,
    )
      .map(([l, e]) => l + e),
  },
  { weight: 1, arbitrary: fc.tuple(lineText(20), headerLineEnds).map(([l, e]) => l + e) },
);

const blockTerminators = fc.constantFrom("\r\n", "\r\n", "\n", "", "\r\n", " \r\n");

/** A header block: structured lines, a terminator, maybe bytes after it. */
const structuredHeaderBlock: fc.Arbitrary<string> = fc.tuple(
  fc.array(headerLine, { maxLength: 12 }),
  blockTerminators,
  fc.option(fc.constantFrom("X-After: 1\r\n\r\n", "body", "\r\n"), { freq: 3 }),
).map(([lines, end, after]) => lines.join("") + end + (after ?? ""));

/** Blocks with a header count near the limit of 100 lines. */
const manyHeadersBlock: fc.Arbitrary<string> = fc.tuple(
  fc.integer({ min: 97, max: 102 }),
  fc.constantFrom("\r\n", "\n"),
).map(([n, e]) => {
  let s = "";
  for (let i = 0; i < n; i++) s += `H${i}: v${e}`;
  return s + e;
});

/** Blocks with one line near the 65536-byte limit (line end included). */
const longLineBlock: fc.Arbitrary<string> = fc.tuple(
  fc.integer({ min: 65533, max: 65539 }),
  fc.constantFrom("\r\n", "\n"),
  fc.boolean(),
).map(([length, e, folded]) => {
  const prefix = folded ? "A: b\r\n " : "X-Long: ";
  const firstLen = folded ? 6 : 0;
  const fill = "a".repeat(Math.max(0, length - (prefix.length - firstLen) - e.length));
  return prefix + fill + e + "Y: z\r\n\r\n";
});

/** Blocks of 8-30 KB: the email parser reads 8192 characters at a time, so line ends (bare CR
 * included) fall on its chunk boundaries. */
const bigHeaderBlock: fc.Arbitrary<string> = fc.array(
  fc.tuple(fc.integer({ min: 80, max: 400 }), headerLineEnds, fc.constantFrom("X", " ", "Y", "\t")),
  { minLength: 30, maxLength: 90 },
).map((lines) =>
  lines.map(([n, e, lead], i) =>
    lead === "X" || lead === "Y"
      ? `${lead}${i}: ${"v".repeat(n)}${e}`
      : `${lead}${"c".repeat(n)}${e}`
  )
    .join("") + "\r\n"
);

const anyHeaderBlock: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: structuredHeaderBlock },
  {
    weight: 2,
    arbitrary: fc.tuple(structuredHeaderBlock, fc.array(mutation, { maxLength: 4 })).map(([b, m]) =>
      mutate(b, m)
    ),
  },
  { weight: 1, arbitrary: manyHeadersBlock },
  { weight: 1, arbitrary: longLineBlock },
  { weight: 1, arbitrary: bigHeaderBlock },
  { weight: 1, arbitrary: latin1String(60) },
);

/** Every latin-1 character in each position that matters, for the CPython comparisons. */
const EVERY_CHAR = Array.from({ length: 256 }, (_, c) => String.fromCharCode(c));
const EXHAUSTIVE_LINES: string[] = EVERY_CHAR.flatMap((c) => [
  `GET /a${c}b x HTTP/1.1`,
  `GET / HTTP/1.${c}`,
  `${c}`,
  `P${c}ST /x`,
  `GET /${c} HTTP/1.0\r\n`,
]);
const EXHAUSTIVE_BLOCKS: string[] = EVERY_CHAR.flatMap((c) => [
  `X${c}Y: v\r\nZ: w\r\n\r\n`,
  `X: a${c}b\r\nZ: w\r\n\r\n`,
  `${c}X: v\r\nZ: w\r\n\r\n`,
  `X: v\r\n${c}cont\r\n\r\n`,
]);

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** Answers GET and POST with a body that echoes the parse; POST reads a plain Content-Length. */
class EchoHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_message(): void {}

  async do_GET(): Promise<void> {
    await this.#echo("");
  }

  async do_POST(): Promise<void> {
    const length = this.headers.get("Content-Length", "") as string;
    let body = "";
    if (/^[0-9]{1,5}$/.test(length)) body = fromLatin1(await this.rfile.read(Number(length)));
    await this.#echo(body);
  }

  async #echo(body: string): Promise<void> {
    let text = `ECHO ${this.command} ${this.path} ${this.request_version}\n`;
    for (const [name, value] of this.headers.items()) text += `${name}: ${value}\n`;
    text += `body=${body}\n`;
    const bytes = encoder.encode(text);
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(bytes.length));
    await this.end_headers();
    await this.wfile.write(bytes);
  }
}

class Echo10Handler extends EchoHandler {
  override protocol_version = "HTTP/1.0";
}

/** The same echo handler in Python, for whole-exchange comparisons. */
const PYTHON_ECHO = `
class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def parse_request(self):
        # Emulate gh-70765 (fixed after 3.13.0): a two-word HTTP/0.9 line reads no headers.
        words = str(self.raw_requestline, "iso-8859-1").rstrip("\\r\\n").split()
        if len(words) == 2:
            saved = self.rfile
            self.rfile = io.BytesIO(b"")
            try:
                return super().parse_request()
            finally:
                self.rfile = saved
        return super().parse_request()
    def do_GET(self):
        self._echo("")
    def do_POST(self):
        length = self.headers.get("Content-Length", "")
        body = ""
        if re.fullmatch(r"[0-9]{1,5}", length):
            body = str(self.rfile.read(int(length)), "iso-8859-1")
        self._echo(body)
    def _echo(self, body):
        text = "ECHO %s %s %s\\n" % (self.command, self.path, self.request_version)
        for name, value in self.headers.items():
            text += "%s: %s\\n" % (name, value)
        text += "body=%s\\n" % body
        data = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

class Echo10(Echo):
    protocol_version = "HTTP/1.0"
`;

/** One batch script: request lines, header blocks and whole exchanges, JSON in and out. */
const PYTHON_ORACLE = `
import http.client, http.server, io, json, re, sys

${PYTHON_ECHO}

class Recorder(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def send_error(self, code, message=None, explain=None):
        self.errors.append([int(code), message, explain])
        super().send_error(code, message, explain)

def run_line(case):
    h = Recorder.__new__(Recorder)
    h.errors = []
    h.protocol_version = case["proto"]
    h.client_address = ("127.0.0.1", 12345)
    h.requestline = ""
    h.rfile = io.BytesIO(b"\\r\\n")
    h.wfile = io.BytesIO()
    h.raw_requestline = case["raw"].encode("latin-1")
    ok = h.parse_request()
    out = h.wfile.getvalue()
    return {
        "ok": bool(ok),
        "errors": h.errors,
        "output": len(out) > 0,
        "statusLine": out.startswith(b"HTTP/"),
        "command": h.command,
        "path": getattr(h, "path", None),
        "version": h.request_version,
        "close": h.close_connection,
    }

def run_block(block):
    fp = io.BytesIO(block.encode("latin-1"))
    try:
        msg = http.client.parse_headers(fp)
    except http.client.LineTooLong as e:
        return {"error": "LineTooLong", "message": str(e)}
    except http.client.HTTPException as e:
        return {"error": "HTTPException", "message": str(e)}
    return {"items": [[k, str(v)] for k, v in msg.items()], "consumed": fp.tell()}

def run_exchange(case):
    cls = Echo if case["proto"] == "HTTP/1.1" else Echo10
    h = cls.__new__(cls)
    h.client_address = ("127.0.0.1", 12345)
    h.rfile = io.BytesIO(case["input"].encode("latin-1"))
    h.wfile = io.BytesIO()
    h.close_connection = True
    h.handle()
    return str(h.wfile.getvalue(), "latin-1")

req = json.load(sys.stdin)
json.dump({
    "lines": [run_line(c) for c in req.get("lines", [])],
    "blocks": [run_block(b) for b in req.get("blocks", [])],
    "exchanges": [run_exchange(c) for c in req.get("exchanges", [])],
}, sys.stdout)
`;

interface PyLine {
  ok: boolean;
  errors: [number, string | null, string | null][];
  output: boolean;
  statusLine: boolean;
  command: string | null;
  path: string | null;
  version: string;
  close: boolean;
}

interface PyBlock {
  error?: "LineTooLong" | "HTTPException";
  message?: string;
  items?: HeaderPair[];
  consumed?: number;
}

interface OracleRequest {
  lines?: { raw: string; proto: string }[];
  blocks?: string[];
  exchanges?: { input: string; proto: string }[];
}

interface OracleResponse {
  lines: PyLine[];
  blocks: PyBlock[];
  exchanges: string[];
}

/** Runs the oracle once for a whole batch. */
async function askPython(request: OracleRequest): Promise<OracleResponse> {
  assert(PYTHON !== null);
  const child = new Deno.Command(PYTHON, {
    args: ["-I", "-c", PYTHON_ORACLE],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encoder.encode(JSON.stringify(request)));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assertEquals(code, 0, `the Python oracle failed:\n${err}`);
  return JSON.parse(new TextDecoder().decode(stdout)) as OracleResponse;
}

// ---------------------------------------------------------------------------------------------
// Output checks
// ---------------------------------------------------------------------------------------------

const STATUS_LINE = /^HTTP\/1\.[01] ([0-9]{3}) /;
/** Statuses our echo handler and the parser can produce. */
const ANSWER_STATUSES = new Set([100, 200, 400, 414, 431, 501, 505]);
/** Errors sent before a version was accepted (or for an explicit HTTP/0.9) are body-only. */
const BODY_ONLY_STATUSES = new Set([400, 431, 501, 505]);
const ERROR_PAGE = /^<!DOCTYPE HTML>\n[\s\S]*<p>Error code: ([0-9]{3})<\/p>[\s\S]*<\/html>\n$/;

/** Checks one handler output; returns what kind it was. */
function checkOutput(output: string, input: string): "empty" | "status" | "error-page" | "echo" {
  const context = `input ${show(input)}\noutput ${show(output)}`;
  if (output === "") return "empty";
  const status = STATUS_LINE.exec(output);
  if (status !== null) {
    assert(ANSWER_STATUSES.has(Number(status[1])), `unexpected status ${status[1]}: ${context}`);
    // Every later response in a keep-alive sequence starts with a status line too.
    checkResponseSequence(output, context);
    return "status";
  }
  const page = ERROR_PAGE.exec(output);
  if (page !== null) {
    assert(BODY_ONLY_STATUSES.has(Number(page[1])), `unexpected body-only ${page[1]}: ${context}`);
    return "error-page";
  }
  assert(/^ECHO (GET|POST) /.test(output), `neither empty, a status line nor a body: ${context}`);
  return "echo";
}

/** Walks status line + headers + Content-Length body, response after response. */
function checkResponseSequence(output: string, context: string): void {
  let rest = output;
  while (rest.length > 0) {
    const status = STATUS_LINE.exec(rest);
    if (status === null) {
      // A body-only error page can follow keep-alive responses (e.g. `GET / FUBAR` next).
      assert(ERROR_PAGE.test(rest) || /^ECHO (GET|POST) /.test(rest), `bad response: ${context}`);
      return;
    }
    const headEnd = rest.indexOf("\r\n\r\n");
    assert(headEnd > 0, `unterminated header block: ${context}`);
    const head = rest.slice(0, headEnd);
    rest = rest.slice(headEnd + 4);
    const length = /\r\nContent-Length: ([0-9]+)\r\n/.exec(head + "\r\n");
    if (length !== null) {
      const n = Number(length[1]);
      // An error to HEAD announces its length but sends no body (and closes).
      if (rest.length < n) {
        assert(
          rest === "" && / [45][0-9][0-9] /.test(head.split("\r\n")[0]),
          `short body: ${context}`,
        );
        return;
      }
      rest = rest.slice(n);
    }
  }
}

function maskDate(output: string): string {
  return output.replace(/\r\nDate: [^\r\n]*\r\n/g, "\r\nDate: <masked>\r\n");
}

function maskServer(output: string): string {
  return maskDate(output).replace(/\r\nServer: [^\r\n]*\r\n/g, "\r\nServer: <masked>\r\n");
}

async function runHandler(
  Handler: RequestHandlerClass,
  input: Uint8Array | string,
  readChunkSize?: number,
): Promise<string> {
  const { output } = await withTimeout(
    runSocketless(Handler, input, readChunkSize),
    RUN_TIMEOUT_MS,
    `handler run on ${show(typeof input === "string" ? input : fromLatin1(input))}`,
  );
  return output;
}

/** Delivers the input in two reads: the first `split` bytes, then the rest. */
class SplitConnection implements ByteConnection {
  readonly #input: Uint8Array;
  readonly #split: number;
  #offset = 0;
  readonly writes: Uint8Array[] = [];

  constructor(input: Uint8Array, split: number) {
    this.#input = input;
    this.#split = split;
  }

  read(p: Uint8Array): Promise<number | null> {
    if (this.#offset >= this.#input.length) return Promise.resolve(null);
    const boundary = this.#offset < this.#split ? this.#split : this.#input.length;
    const n = Math.min(p.length, boundary - this.#offset);
    p.set(this.#input.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return Promise.resolve(n);
  }

  write(p: Uint8Array): Promise<number> {
    this.writes.push(p.slice());
    return Promise.resolve(p.length);
  }

  close(): void {}

  output(): string {
    return this.writes.map(fromLatin1).join("");
  }
}

async function runSplit(Handler: RequestHandlerClass, input: Uint8Array, split: number) {
  const conn = new SplitConnection(input, split);
  const handler = new Handler(conn, ["127.0.0.1", 12345], SOCKETLESS_SERVER);
  await withTimeout(handler.run(), RUN_TIMEOUT_MS, `split run at ${split}`);
  return conn.output();
}

/** Valid requests (some pipelined) that every split must answer identically. */
const VALID_REQUESTS: string[] = [
  "GET / HTTP/1.0\r\n\r\n",
  "GET /a?b=c HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
  "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
  "GET /x\r\n",
  "GET /f HTTP/1.0\r\nX-A: a\r\n  folded\r\n\tagain\r\nB:c\r\n\r\n",
  "HEAD / HTTP/1.1\r\n\r\n",
  "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n\r\nGET /never HTTP/1.1\r\n\r\n",
  "GET /lf HTTP/1.1\nHost: y\n\nGET /z HTTP/1.0\n\n",
  "GET / FUBAR\r\n\r\n",
  "GET /a b HTTP/1.1\r\n\r\n",
  "POST /x\r\n\r\n",
  "GET / HTTP/2.0\r\n\r\n",
  "GET / HTTP/1.1\r\nno colon here\r\nX: y\r\n\r\n",
  "POST /two HTTP/1.1\r\nContent-Length: 2\r\n\r\nokPOST /3 HTTP/1.1\r\nContent-Length: 1\r\n\r\nz",
];

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const CPYTHON_LINE_STATUSES = new Set([400, 414, 431, 505]);

function checkLineResult(raw: string, result: RequestLine | null): void {
  if (result === null) return;
  if (result.error !== undefined) {
    assert(result.error instanceof ProtocolError, `not a ProtocolError for ${show(raw)}`);
    assert(CPYTHON_LINE_STATUSES.has(result.error.status), `status ${result.error.status}`);
  } else {
    assert(typeof result.command === "string" && result.command.length > 0, show(raw));
    assert(typeof result.path === "string" && result.path.length > 0, show(raw));
    assert(!result.path.startsWith("//"), `path keeps a leading // for ${show(raw)}`);
  }
}

Deno.test("fuzz: parseRequestLine never throws and reports only CPython's statuses", async () => {
  await check("request line", fc.tuple(anyRequestLine, fc.boolean()), ([raw, v11]) => {
    const result = parseRequestLine(raw, v11 ? "HTTP/1.1" : "HTTP/1.0");
    checkLineResult(raw, result);
  }, runs(8000));
});

Deno.test("fuzz: request lines near the length limits parse without throwing", async () => {
  const huge = fc.tuple(
    fc.integer({ min: 65530, max: 65540 }),
    fc.constantFrom("GET /", "GET //", "X "),
    fc.constantFrom(" HTTP/1.1\r\n", " HTTP/1.0\n", "\r\n", ""),
  ).map(([n, head, tail]) => head + "a".repeat(Math.max(0, n - head.length - tail.length)) + tail);
  await check("long request line", huge, (raw) => {
    checkLineResult(raw, parseRequestLine(raw, "HTTP/1.1"));
  }, runs(40));
});

Deno.test({
  name: "fuzz: parseRequestLine agrees with CPython 3.13's parse_request",
  ignore: PYTHON === null,
  async fn() {
    const n = runs(1000);
    const raws = sample(
      fc.tuple(
        fc.oneof(
          { weight: 4, arbitrary: structuredRequestLine },
          { weight: 2, arbitrary: mutatedRequestLine },
          { weight: 1, arbitrary: latin1String(30) },
        ),
        fc.boolean(),
      ),
      n,
      1,
    );
    const cases = raws.map(([raw, v11]) => ({ raw, proto: v11 ? "HTTP/1.1" : "HTTP/1.0" }));
    for (const raw of EXHAUSTIVE_LINES) cases.push({ raw, proto: "HTTP/1.1" });
    count("request line vs CPython", cases.length);
    const { lines } = await askPython({ lines: cases });
    const mismatches: string[] = [];
    const kinds = new Set<string>();
    for (let i = 0; i < cases.length; i++) {
      const { raw, proto } = cases[i];
      const py = lines[i];
      const ours = parseRequestLine(raw, proto);
      const oursVersion = ours?.requestVersion ?? "HTTP/0.9";
      const got = ours === null ? { kind: "silent" } : ours.error !== undefined
        ? {
          kind: "error",
          status: ours.error.status,
          reason: ours.error.reason,
          explain: ours.error.explain ?? null,
          version: oursVersion,
        }
        : {
          kind: "ok",
          command: ours.command,
          path: ours.path,
          version: oursVersion,
          close: !ours.keepAlive,
        };
      const want = !py.ok && py.errors.length === 0 && !py.output
        ? { kind: "silent" }
        : py.errors.length > 0
        ? {
          kind: "error",
          status: py.errors[0][0],
          reason: py.errors[0][1],
          explain: py.errors[0][2],
          version: py.version,
        }
        : { kind: "ok", command: py.command, path: py.path, version: py.version, close: py.close };
      // The body-only decision follows the version CPython had accepted when it failed.
      if (py.errors.length > 0 && py.statusLine !== (py.version !== "HTTP/0.9")) {
        mismatches.push(`oracle inconsistency on ${show(raw)}`);
      }
      kinds.add(got.kind === "error" ? `error ${(got as { status: number }).status}` : got.kind);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(
          `${show(raw)} (${proto})\n  ours:    ${JSON.stringify(got)}\n  CPython: ${
            JSON.stringify(want)
          }`,
        );
      }
    }
    assertEquals(mismatches, [], `seed ${SEED}: ${mismatches.length} mismatches`);
    // The cases must reach every outcome, or the agreement proves little.
    if (RUNS_OVERRIDE === undefined) {
      assertEquals([...kinds].sort(), ["error 400", "error 505", "ok", "silent"]);
    }
  },
});

/**
 * A model of `http.client._read_headers` line by line (each `readline(65537)` checked for
 * length, then counted, the end of stream being one more line), parsed with ours.
 */
function parseBlockLineByLine(bytes: Uint8Array): PyBlock & { endedByBlank?: boolean } {
  let pos = 0;
  let lines = 0;
  let block = "";
  while (true) {
    const lf = bytes.indexOf(0x0a, pos);
    const end = Math.min(lf < 0 ? bytes.length : lf + 1, pos + 65537);
    const line = bytes.subarray(pos, end);
    pos = end;
    if (line.length > 65536) {
      return {
        error: "LineTooLong",
        message: "got more than 65536 bytes when reading header line",
      };
    }
    if (++lines > 100) return { error: "HTTPException", message: "got more than 100 headers" };
    const terminal = line.length === 0 || (line.length === 1 && line[0] === 0x0a) ||
      (line.length === 2 && line[0] === 0x0d && line[1] === 0x0a);
    block += fromLatin1(line);
    if (terminal) {
      return { items: parseHeaderBlock(block), consumed: pos, endedByBlank: line.length > 0 };
    }
  }
}

/** What the head reader answered, in the shape of the CPython oracle's answer. */
function asPyBlock(head: HeadReadResult, consumed: number): PyBlock {
  if (head === NEED_MORE) throw new Error("the head reader wants more at the end of stream");
  if (head instanceof ProtocolError) {
    return {
      error: head.status === 431 && /Line/.test(head.reason) ? "LineTooLong" : "HTTPException",
      message: head.explain,
    };
  }
  return { items: head.map(([name, value]) => [name, value]), consumed };
}

/** Reads a header block with the head reader, the whole block then the end of stream. */
function parseBlockLikeCPython(bytes: Uint8Array): PyBlock {
  const reader = new HeadReader();
  let head = reader.read(bytes, 65536, 100);
  let consumed = reader.consumed;
  if (head === NEED_MORE) {
    head = reader.read(bytes.subarray(consumed), 65536, 100, true);
    consumed += reader.consumed;
  }
  return asPyBlock(head, consumed);
}

/** The head reader fed one byte at a time (keeping what it did not take), then the end. */
function parseBlockByteByByte(bytes: Uint8Array): PyBlock {
  const reader = new HeadReader();
  let pending = new Uint8Array(0);
  let consumed = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const atEof = i === bytes.length;
    const next = new Uint8Array(pending.length + (atEof ? 0 : 1));
    next.set(pending);
    if (!atEof) next[pending.length] = bytes[i];
    const head = reader.read(next, 65536, 100, atEof);
    consumed += head instanceof ProtocolError ? 0 : reader.consumed;
    if (head !== NEED_MORE) return asPyBlock(head, consumed);
    pending = next.subarray(reader.consumed);
  }
  throw new Error("unreachable");
}

Deno.test("fuzz: the head reader agrees with a line-by-line reader, whole and byte by byte", async () => {
  await check("header block", anyHeaderBlock, (block) => {
    const bytes = latin1(block);
    const { endedByBlank: _, ...model } = parseBlockLineByLine(bytes);
    const whole = parseBlockLikeCPython(bytes);
    assertEquals(whole, model, `whole: ${show(block)}`);
    assertEquals(parseBlockByteByByte(bytes), model, `byte by byte: ${show(block)}`);
    if (whole.items !== undefined) {
      for (const [name, value] of whole.items) {
        assert(name.length > 0 && !name.includes(":"), `bad name ${show(name)} in ${show(block)}`);
        assert(!/[\r\n]$/.test(value), `value keeps its line end in ${show(block)}`);
      }
    }
  }, runs(4000));
});

Deno.test({
  name: "fuzz: header blocks parse as CPython 3.13's http.client.parse_headers does",
  ignore: PYTHON === null,
  async fn() {
    const blocks = [...sample(anyHeaderBlock, runs(800), 2), ...EXHAUSTIVE_BLOCKS];
    count("header block vs CPython", blocks.length);
    const { blocks: py } = await askPython({ blocks });
    const mismatches: string[] = [];
    const outcomes = new Set<string>();
    for (let i = 0; i < blocks.length; i++) {
      const ours = parseBlockLikeCPython(latin1(blocks[i]));
      outcomes.add(ours.error ?? (ours.items?.length === 0 ? "no headers" : "headers"));
      const want = py[i].error !== undefined
        ? { error: py[i].error, message: py[i].message }
        : { items: py[i].items, consumed: py[i].consumed };
      if (JSON.stringify(ours) !== JSON.stringify(want)) {
        mismatches.push(
          `${show(blocks[i])}\n  ours:    ${show(JSON.stringify(ours))}\n  CPython: ${
            show(JSON.stringify(want))
          }`,
        );
      }
    }
    assertEquals(mismatches, [], `seed ${SEED}: ${mismatches.length} mismatches`);
    if (RUNS_OVERRIDE === undefined) {
      assertEquals([...outcomes].sort(), ["HTTPException", "LineTooLong", "headers", "no headers"]);
    }
  },
});

// Whole requests for the handler: structured, mutated, random.
const structuredRequest: fc.Arbitrary<string> = fc.tuple(
  structuredRequestLine,
  fc.oneof(
    { weight: 6, arbitrary: structuredHeaderBlock },
    { weight: 1, arbitrary: manyHeadersBlock },
    { weight: 1, arbitrary: longLineBlock },
  ),
  fc.option(latin1String(20), { freq: 2 }),
).map(([line, block, body]) => line + block + (body ?? ""));

const mutatedValidRequest: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom(...VALID_REQUESTS),
  fc.array(mutation, { minLength: 1, maxLength: 4 }),
).map(([req, ms]) => mutate(req, ms));

const randomBytes: fc.Arbitrary<string> = fc.uint8Array({ maxLength: 200 }).map(fromLatin1);

const anyRequest: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: structuredRequest },
  { weight: 3, arbitrary: mutatedValidRequest },
  { weight: 2, arbitrary: randomBytes },
  { weight: 1, arbitrary: latin1String(80) },
);

/** Two or three requests in one write (keep-alive sequences, smuggling shapes). */
const pipelinedRequests: fc.Arbitrary<string> = fc.array(
  fc.oneof(
    fc.constantFrom(...VALID_REQUESTS),
    structuredRequest,
    mutatedValidRequest,
    fc.constantFrom(
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 0\r\n\r\nabc",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n",
      "\r\n",
    ),
  ),
  { minLength: 2, maxLength: 3 },
).map((parts) => parts.join(""));

/** Request lines around the 65536-byte limit, then a header and maybe another request. */
const longRequestLine: fc.Arbitrary<string> = fc.tuple(
  fc.integer({ min: 65533, max: 65539 }),
  fc.constantFrom(" HTTP/1.1\r\n", " HTTP/1.0\n", "\r\n"),
  fc.constantFrom("\r\n", "X: y\r\n\r\n", "\r\nGET /next HTTP/1.1\r\n\r\n"),
).map(([n, tail, after]) => {
  const head = "GET /";
  return head + "a".repeat(Math.max(0, n - head.length - tail.length)) + tail + after;
});

Deno.test("fuzz: the handler always ends, never throws, and answers well-formed", async () => {
  const kinds = new Map<string, number>();
  await check(
    "handler",
    fc.tuple(anyRequest, fc.boolean(), fc.option(fc.integer({ min: 1, max: 17 }), { freq: 3 })),
    async ([input, v11, chunk]) => {
      const output = await runHandler(
        v11 ? EchoHandler : Echo10Handler,
        input,
        chunk ?? undefined,
      );
      const kind = checkOutput(output, input);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    },
    runs(4000),
  );
  // The generators must reach every kind of answer, or the property proves little.
  if (RUNS_OVERRIDE === undefined) {
    for (const kind of ["empty", "status", "error-page", "echo"]) {
      assert(
        (kinds.get(kind) ?? 0) > 0,
        `no input produced ${kind}: ${JSON.stringify([...kinds])}`,
      );
    }
  }
});

Deno.test("fuzz: pure random bytes never break the handler", async () => {
  await check("random bytes", fc.uint8Array({ maxLength: 600 }), async (bytes) => {
    checkOutput(await runHandler(EchoHandler, bytes), fromLatin1(bytes));
  }, runs(1500));
});

Deno.test("fuzz: every split of a valid request gives the same answer", async () => {
  let total = 0;
  for (const request of VALID_REQUESTS) {
    const bytes = latin1(request);
    const whole = maskDate(await runHandler(EchoHandler, bytes));
    assert(whole.length > 0, `no answer to ${show(request)}`);
    for (let split = 1; split < bytes.length; split++) {
      const got = maskDate(await runSplit(EchoHandler, bytes, split));
      assertEquals(got, whole, `split at ${split} of ${show(request)}`);
      total++;
    }
    for (const chunk of [1, 2, 3, 5, 7, 13]) {
      const got = maskDate(await runHandler(EchoHandler, bytes, chunk));
      assertEquals(got, whole, `${chunk}-byte reads of ${show(request)}`);
      total++;
    }
  }
  count("splits", total);
});

Deno.test("fuzz: random splits of mutated requests give the same answer as whole", async () => {
  await check(
    "mutated splits",
    fc.tuple(
      fc.oneof(mutatedValidRequest, structuredRequest),
      fc.nat(),
      fc.integer({ min: 1, max: 9 }),
    ),
    async ([request, at, chunk]) => {
      const bytes = latin1(request);
      const whole = maskDate(await runHandler(EchoHandler, bytes));
      const split = bytes.length < 2 ? 1 : 1 + (at % (bytes.length - 1));
      assertEquals(maskDate(await runSplit(EchoHandler, bytes, split)), whole, `split ${split}`);
      assertEquals(maskDate(await runHandler(EchoHandler, bytes, chunk)), whole, `chunk ${chunk}`);
    },
    runs(1200),
  );
});

Deno.test({
  name: "fuzz: whole exchanges match CPython 3.13's handler byte for byte",
  ignore: PYTHON === null,
  async fn() {
    const cases = sample(
      fc.tuple(
        fc.oneof(
          { weight: 3, arbitrary: structuredRequest },
          { weight: 3, arbitrary: mutatedValidRequest },
          { weight: 1, arbitrary: fc.constantFrom(...VALID_REQUESTS) },
          { weight: 1, arbitrary: randomBytes },
          { weight: 2, arbitrary: pipelinedRequests },
          { weight: 1, arbitrary: longRequestLine },
        ),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 11 }), { freq: 2 }),
      ),
      runs(800),
      3,
    );
    count("exchange vs CPython", cases.length);
    const { exchanges } = await askPython({
      exchanges: cases.map(([input, v11]) => ({ input, proto: v11 ? "HTTP/1.1" : "HTTP/1.0" })),
    });
    const mismatches: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const [input, v11, chunk] = cases[i];
      const ours = maskServer(
        await runHandler(v11 ? EchoHandler : Echo10Handler, input, chunk ?? undefined),
      );
      const want = maskServer(exchanges[i]);
      if (ours !== want) {
        mismatches.push(
          `${show(input)} (${v11 ? "1.1" : "1.0"})\n  ours:    ${show(ours)}\n  CPython: ${
            show(want)
          }`,
        );
      }
    }
    assertEquals(mismatches, [], `seed ${SEED}: ${mismatches.length} mismatches`);
  },
});

Deno.test("fuzz: input count", () => {
  const total = [...inputCounts.values()].reduce((a, b) => a + b, 0);
  console.log(
    `fuzz seed ${SEED}: ${total} inputs (${JSON.stringify(Object.fromEntries(inputCounts))})`,
  );
  if (RUNS_OVERRIDE === undefined && inputCounts.size >= 10) {
    assert(total >= 10_000, `only ${total} inputs`);
  }
  assertMatch(String(total), /^[0-9]+$/);
});
