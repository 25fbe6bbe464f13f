// Tests of protocol/latin1.ts: every byte decodes to the code point of its value and back (not
// windows-1252, which the WHATWG "latin1" label means), slices and inputs around the decoder's
// chunk size, refusal of every character above U+00FF, and generated strings against CPython
// 3.13.0's `str.encode('latin-1')` / `bytes.decode('latin-1')`.
import { assertEquals, assertThrows } from "../deps.ts";
import { decodeLatin1, encodeLatin1, tryEncodeLatin1 } from "../protocol/latin1.ts";
import { randomInt, runPython, seededRandom } from "./_python.ts";

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("decodeLatin1() maps each of the 256 bytes to the code point of its value", () => {
  const text = decodeLatin1(ALL_BYTES);
  assertEquals(text.length, 256);
  for (let i = 0; i < 256; i++) assertEquals(text.charCodeAt(i), i, `byte ${i}`);
  // 0x80-0x9F are C1 controls, not windows-1252's euro sign and quotes.
  assertEquals(decodeLatin1(Uint8Array.of(0x80, 0x93, 0x9f)), "\x80\x93\x9f");
});

Deno.test("encodeLatin1() and tryEncodeLatin1() round-trip all 256 bytes", () => {
  const text = decodeLatin1(ALL_BYTES);
  assertEquals(encodeLatin1(text), ALL_BYTES);
  assertEquals(tryEncodeLatin1(text), ALL_BYTES);
  for (let i = 0; i < 256; i++) {
    const one = String.fromCharCode(i);
    assertEquals(encodeLatin1(one), Uint8Array.of(i));
    assertEquals(decodeLatin1(encodeLatin1(one)), one);
  }
  assertEquals(encodeLatin1(""), new Uint8Array(0));
  assertEquals(decodeLatin1(new Uint8Array(0)), "");
});

Deno.test("decodeLatin1() decodes the slice [start, end) only", () => {
  const cases: [number | undefined, number | undefined, string][] = [
    [undefined, undefined, "\x00abc\xff"],
    [1, undefined, "abc\xff"],
    [1, 4, "abc"],
    [0, 0, ""],
    [5, 5, ""],
    [4, 5, "\xff"],
  ];
  const bytes = Uint8Array.of(0, 0x61, 0x62, 0x63, 0xff);
  for (const [start, end, want] of cases) {
    assertEquals(decodeLatin1(bytes, start, end), want, `[${start}, ${end})`);
  }
});

Deno.test("decodeLatin1() is exact around its 8192-unit chunk boundary, whole and sliced", () => {
  for (const length of [0, 1, 8191, 8192, 8193, 16383, 16384, 16385, 50_000]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
    const text = decodeLatin1(bytes);
    assertEquals(text.length, length);
    assertEquals(encodeLatin1(text), bytes, `length ${length}`);
    if (length > 2) {
      const sliced = decodeLatin1(bytes, 1, length - 1);
      assertEquals(sliced, text.slice(1, length - 1), `slice of ${length}`);
    }
  }
});

Deno.test("tryEncodeLatin1() refuses and encodeLatin1() throws above U+00FF", () => {
  const refused = [
    "\u0100",
    "\u0152", // windows-1252 has this as 0x8C; latin-1 does not
    "\u20ac",
    "\u2028",
    "\ufeff",
    "\uffff",
    "\ud800",
    "\udfff",
    "\u{1f600}",
    "abc\u0100",
    "\u0100abc",
    "\xff\u0100",
  ];
  for (const text of refused) {
    assertEquals(tryEncodeLatin1(text), null, JSON.stringify(text));
    assertThrows(() => encodeLatin1(text), RangeError, "latin-1");
  }
});

/** A string of code units drawn mostly from latin-1, sometimes above it. */
function randomText(random: () => number): string {
  const length = randomInt(random, 0, 12);
  let text = "";
  for (let i = 0; i < length; i++) {
    const roll = random();
    const code = roll < 0.85
      ? randomInt(random, 0, 0xff)
      : roll < 0.95
      ? randomInt(random, 0x100, 0x7ff)
      : randomInt(random, 0x800, 0xffff);
    text += String.fromCharCode(code);
  }
  return text;
}

Deno.test("latin-1 conversion agrees with CPython on generated strings", async () => {
  const random = seededRandom(0x6c617431);
  const texts = Array.from({ length: 2000 }, () => randomText(random));
  // Python's view: the bytes of `s.encode('latin-1')` (or None), and `bytes(b).decode('latin-1')`
  // of the same code units reduced to bytes.
  const expected = await runPython<{ encoded: (number[] | null)[]; decoded: string[] }>(
    `
def encode(s):
    try:
        return list(s.encode("latin-1"))
    except UnicodeEncodeError:
        return None

data = json.loads(sys.stdin.read())
print(json.dumps({
    "encoded": [encode(s) for s in data["texts"]],
    "decoded": [bytes(b).decode("latin-1") for b in data["bytes"]],
}))
`,
    {
      texts,
      bytes: texts.map((t) => t.split("").map((c) => c.charCodeAt(0) & 0xff)),
    },
  );
  let refused = 0;
  for (const [i, text] of texts.entries()) {
    const want = expected.encoded[i];
    const got = tryEncodeLatin1(text);
    if (want === null) refused++;
    assertEquals(got === null ? null : [...got], want, JSON.stringify(text));
    const bytes = Uint8Array.from(text.split("").map((c) => c.charCodeAt(0) & 0xff));
    assertEquals(decodeLatin1(bytes), expected.decoded[i], `decode of ${JSON.stringify(text)}`);
  }
  assertEquals(refused > 200 && refused < 1800, true, `${refused} refused`);
});
