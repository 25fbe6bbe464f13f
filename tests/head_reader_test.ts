// Table-driven tests of protocol/head_reader.ts in the h11 style: every case is fed whole, byte
// by byte (NEED_MORE until its last byte), split in two at every position, and followed by
// trailing data that must be left untouched. The expected pairs and byte counts are CPython
// 3.13's `http.client.parse_headers` answers for the same bytes.
import { assert, assertEquals } from "../deps.ts";
import { LineTooLongError, ProtocolError, TooManyHeadersError } from "../errors.ts";
import type { HeaderPair } from "../protocol/header_block.ts";
import { HeadReader, type HeadReadResult, NEED_MORE } from "../protocol/head_reader.ts";
import { latin1, QuietHandler, runSocketless } from "./_helpers.ts";

/** Bytes sent after a head: the body or the next request, which the reader must not take. */
const TRAILING = "TRAILING\r\n\r\nX: y\r\n\r\n";

interface Case {
  name: string;
  /** The head, latin-1. */
  head: string;
  /** The pairs, or the limit error the head is refused with. */
  want: HeaderPair[] | typeof LineTooLongError | typeof TooManyHeadersError;
  /** The head ends at the end of stream rather than at a blank line. */
  eof?: boolean;
  maxLineLength?: number;
  maxHeaders?: number;
}

const CASES: Case[] = [
  { name: "blank CRLF only", head: "\r\n", want: [] },
  { name: "blank LF only", head: "\n", want: [] },
  { name: "one header", head: "Host: a\r\n\r\n", want: [["Host", "a"]] },
  { name: "bare LF line ends", head: "Host: a\nX: 1\n\n", want: [["Host", "a"], ["X", "1"]] },
  { name: "mixed line ends", head: "A: 1\r\nB: 2\n\r\n", want: [["A", "1"], ["B", "2"]] },
  {
    name: "obs-fold continuation",
    head: "X: 1\r\n  2\r\n\t3\r\n\r\n",
    want: [["X", "1\r\n  2\r\n\t3"]],
  },
  {
    name: "duplicates and case kept",
    head: "Host: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
    want: [["Host", "a"], ["X-A", "1"], ["x-a", "2"]],
  },
  {
    name: "a line without a colon ends the headers",
    head: "A: 1\r\nnocolon\r\nB: 2\r\n\r\n",
    want: [["A", "1"]],
  },
  { name: "CR CRLF is not the blank line", head: "A: 1\r\n\r\r\nB: 2\r\n\r\n", want: [["A", "1"]] },
  {
    name: "bare CR splits a header line",
    head: "A: 1\rB: 2\r\n\r\n",
    want: [["A", "1"], ["B", "2"]],
  },
  { name: "a From line is no header", head: "From x\r\nA: 1\r\n\r\n", want: [["A", "1"]] },
  { name: "a leading continuation is dropped", head: " x\r\nA: 1\r\n\r\n", want: [["A", "1"]] },
  { name: "latin-1 value", head: "X: caf\xe9\r\n\r\n", want: [["X", "caf\xe9"]] },
  { name: "an empty name is no header", head: ": v\r\nA: 1\r\n\r\n", want: [["A", "1"]] },
  { name: "value blanks", head: "A:\t  x  \r\nB:\r\n\r\n", want: [["A", "x  "], ["B", ""]] },
  { name: "ends at EOF mid-line", head: "A: 1\r\nB: 2", want: [["A", "1"], ["B", "2"]], eof: true },
  { name: "ends at EOF at once", head: "", want: [], eof: true },
  { name: "ends at EOF after a line", head: "A: 1\r\n", want: [["A", "1"]], eof: true },
  { name: "ends at EOF in a fold", head: "A: 1\r\n 2", want: [["A", "1\r\n 2"]], eof: true },
  // Limits, small so the cases stay readable: a line is measured with its line end.
  {
    name: "a line at the length limit",
    head: "X: 12345\r\n\r\n",
    want: [["X", "12345"]],
    maxLineLength: 10,
  },
  {
    name: "an LF one past the length limit",
    head: "X: 123456\r\n",
    want: LineTooLongError,
    maxLineLength: 10,
  },
  {
    name: "an unfinished line past the limit",
    head: "A: 1\r\nX: 12345678",
    want: LineTooLongError,
    maxLineLength: 10,
  },
  {
    name: "a bare-LF line at the limit",
    head: "X: 123456\n\n",
    want: [["X", "123456"]],
    maxLineLength: 10,
  },
  {
    name: "headers up to the limit, blank included",
    head: "A: 1\r\nB: 2\r\n\r\n",
    want: [["A", "1"], ["B", "2"]],
    maxHeaders: 3,
  },
  {
    name: "the blank line over the limit",
    head: "A: 1\r\nB: 2\r\nC: 3\r\n\r\n",
    want: TooManyHeadersError,
    maxHeaders: 3,
  },
  {
    name: "a header over the limit",
    head: "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n",
    want: TooManyHeadersError,
    maxHeaders: 3,
  },
  {
    name: "EOF counted as a line",
    head: "A: 1\r\nB: 2\r\nC: 3\r\n",
    want: TooManyHeadersError,
    eof: true,
    maxHeaders: 3,
  },
  {
    name: "the length limit before the count",
    head: "A: 1\r\nB: 2\r\nC: 3\r\nD: 45678901",
    want: LineTooLongError,
    maxLineLength: 10,
    maxHeaders: 3,
  },
];

/** What a case expects, in a comparable shape. */
function expected(c: Case): unknown {
  if (Array.isArray(c.want)) return { pairs: c.want, consumed: latin1(c.head).length };
  return { error: c.want.name };
}

/** What the reader answered, in the same shape (`consumed` counts every byte it took). */
function outcome(head: HeadReadResult, consumed: number): unknown {
  if (head === NEED_MORE) return "need more";
  if (head instanceof ProtocolError) return { error: head.constructor.name };
  return { pairs: head.map(([name, value]) => [name, value]), consumed };
}

/**
 * Feeds `pieces` one after the other, keeping what the reader did not take in front of the
 * next piece, then (for an EOF case) the end of stream. Checks NEED_MORE before the last piece.
 */
function feed(c: Case, pieces: Uint8Array[]): { result: unknown; left: Uint8Array } {
  const reader = new HeadReader();
  const maxLineLength = c.maxLineLength ?? 65536;
  const maxHeaders = c.maxHeaders ?? 100;
  let pending = new Uint8Array(0);
  let consumed = 0;
  for (let i = 0; i < pieces.length; i++) {
    const next = new Uint8Array(pending.length + pieces[i].length);
    next.set(pending);
    next.set(pieces[i], pending.length);
    const head = reader.read(next, maxLineLength, maxHeaders);
    if (head instanceof ProtocolError) {
      return { result: outcome(head, 0), left: next.subarray(0, 0) };
    }
    consumed += reader.consumed;
    pending = next.subarray(reader.consumed);
    if (head !== NEED_MORE) return { result: outcome(head, consumed), left: pending };
    assertEquals(pending.length, 0, `${c.name}: NEED_MORE takes what it was given`);
  }
  if (!c.eof) return { result: "need more", left: pending };
  const head = reader.read(pending, maxLineLength, maxHeaders, true);
  if (head !== NEED_MORE && !(head instanceof ProtocolError)) consumed += reader.consumed;
  return { result: outcome(head, consumed), left: new Uint8Array(0) };
}

for (const c of CASES) {
  Deno.test(`HeadReader: ${c.name}`, () => {
    const bytes = latin1(c.head);
    const want = expected(c);
    // Whole.
    assertEquals(feed(c, [bytes]).result, want, "whole");
    // Byte by byte: every prefix but the whole head wants more.
    const bytewise = [...bytes].map((b) => Uint8Array.of(b));
    for (let n = 0; n < bytewise.length; n++) {
      const prefix = { ...c, eof: false };
      assertEquals(feed(prefix, bytewise.slice(0, n)).result, "need more", `first ${n} bytes`);
    }
    assertEquals(feed(c, bytewise).result, want, "byte by byte");
    // Split in two at every position.
    for (let at = 0; at <= bytes.length; at++) {
      assertEquals(
        feed(c, [bytes.subarray(0, at), bytes.subarray(at)]).result,
        want,
        `split ${at}`,
      );
    }
    // Followed by trailing data (a head that ends at EOF has none).
    if (!c.eof) {
      const trailing = latin1(TRAILING);
      const withTrailing = new Uint8Array(bytes.length + trailing.length);
      withTrailing.set(bytes);
      withTrailing.set(trailing, bytes.length);
      const { result, left } = feed(c, [withTrailing]);
      assertEquals(result, want, "with trailing data");
      if (Array.isArray(c.want)) assertEquals(left, trailing, "trailing data untouched");
      // Byte by byte with the trailing data arriving in the same read as the last byte.
      const lastRead = withTrailing.subarray(bytes.length - 1);
      const split = feed(c, [...bytewise.slice(0, -1), lastRead]);
      assertEquals(split.result, want, "last byte with trailing data");
      if (Array.isArray(c.want)) assertEquals(split.left, trailing, "trailing data untouched");
    }
  });
}

Deno.test("HeadReader reuses the parse of a repeated block and reads the next head afresh", () => {
  const reader = new HeadReader();
  const block = latin1("Host: a\r\nAccept: */*\r\n\r\n");
  const first = reader.read(block, 65536, 100);
  assert(Array.isArray(first));
  assert(reader.read(block, 65536, 100) === first, "a repeated block shares the parse");
  const other = reader.read(latin1("Host: b\r\n\r\n"), 65536, 100);
  assertEquals(other, [["Host", "b"]]);
  // A head that spans reads, then a whole one: the state of the first does not leak.
  assertEquals(reader.read(latin1("A: 1\r\n"), 65536, 100), NEED_MORE);
  assertEquals(reader.read(latin1("\r\nB: 2\r\n\r\n"), 65536, 100), [["A", "1"]]);
  assertEquals(reader.consumed, 2);
  assertEquals(reader.read(latin1("B: 2\r\n\r\n"), 65536, 100), [["B", "2"]]);
});

Deno.test("HeadReader: an error resets the reader for the next head", () => {
  const reader = new HeadReader();
  assertEquals(reader.read(latin1("A: 1\r\n"), 10, 100), NEED_MORE);
  assert(reader.read(latin1("X: 12345678\r\n"), 10, 100) instanceof LineTooLongError);
  assertEquals(reader.consumed, 0);
  assertEquals(reader.read(latin1("B: 2\r\n\r\n"), 10, 100), [["B", "2"]]);
});

// --- HeadReader limits: the 100-line and 65536-byte bounds, and where a block ends ----------

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

// --- Through the handler: heads larger than rfile's buffer, read in chunks ------------------

/** Answers with how many headers it got and the length of the longest value. */
class HeadSizes extends QuietHandler {
  async do_GET(): Promise<void> {
    const values = this.headers.items().map(([, value]) => value.length);
    const body = latin1(`${values.length} ${Math.max(0, ...values)}`);
    this.send_response(200);
    this.send_header("Content-Length", body.length);
    await this.end_headers();
    await this.wfile.write(body);
  }
}

Deno.test("the handler reads heads larger than its read buffer, in any chunking", async () => {
  const long = "X: " + "a".repeat(65536 - 5) + "\r\n"; // at the line limit
  const wide = "Y: " + "b".repeat(995) + "\r\n";
  const cases: [string, string][] = [
    [`GET / HTTP/1.0\r\n${wide.repeat(99)}\r\n`, "99 995"],
    [`GET / HTTP/1.0\r\n${long}${long}${wide}\r\n`, "3 65531"],
    [`GET / HTTP/1.0\r\n${long}X${long}\r\n`, "431"],
    [`GET / HTTP/1.0\r\n${wide.repeat(100)}\r\n`, "431"],
  ];
  for (const [request, want] of cases) {
    for (const chunk of [undefined, 4093, 65536]) {
      const { output } = await runSocketless(HeadSizes, request + "trailing", chunk);
      const got = output.startsWith("HTTP/1.0 200")
        ? output.slice(output.indexOf("\r\n\r\n") + 4)
        : output.slice(9, 12);
      assertEquals(got, want, `${want} with chunks of ${chunk}`);
    }
  }
});
