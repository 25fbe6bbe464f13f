// Tests of protocol/log_scrub.ts against CPython 3.13.0's own table
// (`BaseHTTPRequestHandler._control_char_table`, applied by `log_message` with `str.translate`):
// every code point below U+00A0 alone and in context, a sample above it, and generated messages.
import { assertEquals } from "../deps.ts";
import { scrubLogMessage } from "../protocol/log_scrub.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

/** Runs each message through CPython's translation table. */
function pythonScrub(messages: string[]): Promise<string[]> {
  return runPython<string[]>(
    `
from http.server import BaseHTTPRequestHandler
table = BaseHTTPRequestHandler._control_char_table
print(json.dumps([m.translate(table) for m in json.loads(sys.stdin.read())]))
`,
    messages,
  );
}

/** Code points above the escaped range that must pass through unchanged. */
const ABOVE = [
  0xa0,
  0xa1,
  0xad,
  0xff,
  0x100,
  0x2028,
  0x2029,
  0x200b,
  0x202e, // right-to-left override: printable to Python's table, so kept
  0xfeff,
  0xfffd,
  0xd800,
  0xdfff,
  0x1f600,
];

Deno.test("scrubLogMessage() escapes exactly as CPython on every code point below U+00A0", async () => {
  const singles = Array.from({ length: 0xa0 }, (_, c) => String.fromCharCode(c));
  const above = ABOVE.map((c) => String.fromCodePoint(c));
  // Each character alone and between text, so the escape and its neighbours both show.
  const messages = [...singles, ...above].flatMap((ch) => [ch, `a${ch}b`, `${ch}${ch}`]);
  const expected = await pythonScrub(messages);
  for (const [i, message] of messages.entries()) {
    assertEquals(scrubLogMessage(message), expected[i], JSON.stringify(message));
  }
  // The table's shape, spelled out: lower-case hex, two digits, backslash doubled.
  assertEquals(scrubLogMessage("\x00\x1f\x7f\x9f\\"), "\\x00\\x1f\\x7f\\x9f\\\\");
  assertEquals(scrubLogMessage("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
});

Deno.test("scrubLogMessage() returns a message with nothing to escape as it is", () => {
  for (const message of ["", "GET / HTTP/1.1", "caf\xe9 \u{1f600} \u2028", "%s %d"]) {
    assertEquals(scrubLogMessage(message), message);
  }
});

Deno.test("scrubLogMessage() agrees with CPython on generated messages", async () => {
  const random = seededRandom(0x7363726d);
  const pool = [
    "GET",
    " ",
    "/",
    "\\",
    "\\\\",
    "\\x1b",
    "%",
    "\xe9",
    "\u2028",
    "\ud800",
    "\u{1f600}",
    "\r\n",
  ];
  const messages = Array.from({ length: 1000 }, () => {
    let text = "";
    for (let n = randomInt(random, 0, 10); n > 0; n--) {
      text += random() < 0.4 ? String.fromCharCode(randomInt(random, 0, 0xbf)) : pick(random, pool);
    }
    return text;
  });
  const expected = await pythonScrub(messages);
  for (const [i, message] of messages.entries()) {
    assertEquals(scrubLogMessage(message), expected[i], JSON.stringify(message));
  }
});
