// Tests of protocol/header_block.ts: parseHeaderBlock by table, then against CPython 3.13.0's
// `http.client.parse_headers` on hand-picked and generated blocks: each block parsed as
// collected (what `_read_headers` keeps) and whole, with whatever followed the blank line.
// HeaderBlockMemo has its own file, tests/header_block_memo_test.ts.
import { assertEquals } from "../deps.ts";
import { type HeaderPair, parseHeaderBlock } from "../protocol/header_block.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

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

// --- against CPython's parse_headers --------------------------------------------------------

const NAMES = [
  "Host",
  "X-A",
  "x-a",
  "A",
  "From",
  "Content-Length",
  "",
  "Bad Name",
  "A\x85B",
  "a\x7fb",
  "\xc4",
  "A\x00",
  "!#$%&'*+-.^_`|~",
];
const COLONS = [":", ": ", ":\t ", " :", "::", ":  "];
const VALUES = [
  "v",
  "v ",
  "v\t",
  "",
  "\xe4\xff",
  "\x00",
  "\x0b",
  "\x0c",
  "\x1c",
  "\x85",
  "\xa0",
  "a:b",
  "From x",
  "  spaced  ",
];
const LINE_ENDS = ["\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n"];
const OTHER_LINES = [
  " folded",
  "\tfolded",
  " ",
  "\t",
  "From nobody",
  "From ",
  "From",
  "Fromage",
  "From\tx",
  "nocolon",
  "\x0c",
];
const TRAILERS = ["", "BODY", "X: after\r\n\r\n", "\r\n", "GET / HTTP/1.1\r\n\r\n"];

function randomBlock(random: () => number): string {
  const count = randomInt(random, 0, 7);
  let block = "";
  for (let i = 0; i < count; i++) {
    const line = random() < 0.8
      ? pick(random, NAMES) + pick(random, COLONS) + pick(random, VALUES)
      : pick(random, OTHER_LINES);
    block += line + pick(random, LINE_ENDS);
  }
  // Mostly a blank line and something after it; sometimes the end of the stream instead.
  if (random() < 0.85) block += pick(random, ["\r\n", "\n"]) + pick(random, TRAILERS);
  return block;
}

Deno.test("parseHeaderBlock() agrees with CPython's parse_headers, with and without trailing data", async () => {
  const random = seededRandom(0x68647273);
  const blocks = [
    "Host: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
    "X:\t v \r\nY:\r\nZ:a:b\r\n\r\n",
    "X-Fold: a\r\n  b\r\n\tc\r\nY: 2\r\n\r\n",
    "A:1\n \nB: 2\n\n",
    "A: 1\r\nnocolon\r\nB: 2\r\n\r\n",
    "A : 1\r\nB: 2\r\n\r\n",
    "  lead\r\n: empty\r\nA: 1\r\n\r\n",
    "From nobody\r\nA: 1\r\n\r\n",
    "A: 1\r\nFrom x\r\nB: 2\r\n\r\n",
    "A: 1\rB: 2\r\n\r\n",
    "A: 1\r\n\r\r\nB: 2\r\n\r\n",
    "X: \xe4\xff\x00\x0b!\r\n\r\n",
    "A: 1\r\n\r\nB: 2\r\n\r\n",
    "A: 1",
    "",
    "\r\n",
    ...Array.from({ length: 1500 }, () => randomBlock(random)),
  ];
  const expected = await runPython<[string, HeaderPair[]][]>(
    `
import io, http.client

def parse(block):
    data = block.encode("latin-1")
    collected = b"".join(http.client._read_headers(io.BytesIO(data))).decode("iso-8859-1")
    message = http.client.parse_headers(io.BytesIO(data))
    return [collected, [[name, value] for name, value in message.items()]]

print(json.dumps([parse(block) for block in json.loads(sys.stdin.read())]))
`,
    blocks,
  );
  for (const [i, block] of blocks.entries()) {
    const [collected, pairs] = expected[i];
    assertEquals(parseHeaderBlock(collected), pairs, `collected ${JSON.stringify(collected)}`);
    // What follows the blank line never changes the parse.
    assertEquals(parseHeaderBlock(block), pairs, `whole ${JSON.stringify(block)}`);
  }
});
