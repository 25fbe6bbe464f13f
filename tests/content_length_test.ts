// Tests of protocol/content_length.ts: the strict RFC 9110 parser by table, and the CGI parser
// against CPython 3.13.0's `int()` as `CGIHTTPRequestHandler.run_cgi` uses it (it reads
// `int(length)` bytes when that is positive, none when `int()` fails).
import { assertEquals } from "../deps.ts";
import { parseContentLength, parsePythonIntContentLength } from "../protocol/content_length.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

Deno.test("parseContentLength() accepts 1*DIGIT up to the largest safe integer", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["1", 1],
    ["12", 12],
    ["007", 7],
    ["0000000000000000000000000", 0],
    ["9007199254740991", Number.MAX_SAFE_INTEGER],
    ["09007199254740991", Number.MAX_SAFE_INTEGER],
  ];
  for (const [value, want] of cases) assertEquals(parseContentLength(value), want, value);
});

Deno.test("parseContentLength() refuses everything else", () => {
  const refused = [
    "",
    " ",
    " 1",
    "1 ",
    "\t1",
    "1\r\n",
    "+1",
    "-1",
    "-0",
    "1.0",
    "1e3",
    "0x10",
    "1_0",
    "1,1", // a list, even of equal values
    "1, 1",
    "one",
    "\u0661", // ARABIC-INDIC DIGIT ONE: \d in JavaScript is ASCII only
    "\xb2",
    "\uff11", // FULLWIDTH DIGIT ONE
    "9007199254740992", // not a safe integer
    "99999999999999999999",
    "1".repeat(400),
  ];
  for (const value of refused) assertEquals(parseContentLength(value), null, JSON.stringify(value));
});

Deno.test("parsePythonIntContentLength() by table", () => {
  const cases: [string | undefined, number | null][] = [
    [undefined, null],
    ["", null],
    ["0", 0],
    ["12", 12],
    [" \t+12\n", 12],
    ["\x0b\x0c\r 7 \x0b\x0c\r", 7],
    ["+007", 7],
    ["-1", null],
    ["+", null],
    ["++1", null],
    ["+ 1", null],
    ["1 1", null],
    ["1.0", null],
    ["0x10", null],
    ["x", null],
    ["\x1c1", null], // str.isspace() but not stripped by int()
  ];
  for (const [value, want] of cases) {
    assertEquals(parsePythonIntContentLength(value), want, JSON.stringify(value));
  }
});

/** Body bytes CGI reads for a parse: a positive count, else none. */
function bytesToRead(length: number | null): number {
  return length !== null && length > 0 ? length : 0;
}

const PIECES = ["0", "1", "7", "00", "42", "123456789", "+", "-", "x", ".", "e", "0x", ","];
const BLANKS = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "  "];

function randomValue(random: () => number): string {
  let value = "";
  if (random() < 0.3) value += pick(random, BLANKS);
  if (random() < 0.2) value += pick(random, ["+", "-"]);
  for (let n = randomInt(random, 0, 4); n > 0; n--) {
    value += random() < 0.7 ? String(randomInt(random, 0, 999)) : pick(random, PIECES);
  }
  if (random() < 0.3) value += pick(random, BLANKS);
  return value;
}

/** `int(v)` as run_cgi reads it: the count, or null for ValueError. */
function pythonInts(values: string[]): Promise<(number | null)[]> {
  return runPython<(number | null)[]>(
    `
def count(value):
    try:
        return int(value)
    except ValueError:
        return None

print(json.dumps([count(v) for v in json.loads(sys.stdin.read())]))
`,
    values,
  );
}

Deno.test("parsePythonIntContentLength() reads as many body bytes as CPython's int()", async () => {
  const random = seededRandom(0x636c656e);
  const values = Array.from({ length: 2000 }, () => randomValue(random));
  const expected = await pythonInts(values);
  let parsed = 0;
  for (const [i, value] of values.entries()) {
    const got = parsePythonIntContentLength(value);
    const want = expected[i];
    assertEquals(bytesToRead(got), bytesToRead(want), JSON.stringify(value));
    // Where int() gives a count without a sign, the parser gives that very count.
    if (want !== null && !value.includes("-")) {
      parsed++;
      assertEquals(got, want, JSON.stringify(value));
    }
  }
  assertEquals(parsed > 200 && parsed < 1800, true, `${parsed} parsed`);
});

// int() also accepts `_` between digits (PEP 515), strips U+0085 and U+00A0 (whitespace to
// Python, and latin-1, so a header value can hold them), and refuses more than 4300 digits.
Deno.test({
  name: "parsePythonIntContentLength() matches int() on _, U+0085, U+00A0 and 4301 digits",
  fn: async () => {
    const values = [
      "1_0",
      "1_000",
      "0_0",
      "1__0",
      "_1",
      "1_",
      "5\x85",
      "\xa05",
      "\x855\xa0",
      "1".repeat(4300),
      "1".repeat(4301),
      "1_" + "1".repeat(4300),
    ];
    const expected = await pythonInts(values);
    for (const [i, value] of values.entries()) {
      const got = parsePythonIntContentLength(value);
      assertEquals(bytesToRead(got), bytesToRead(expected[i]), JSON.stringify(value));
    }
  },
});
