/**
 * Shared inputs of the URL differential tests (tests/url_test.ts for protocol/url.ts,
 * tests/url_path_test.ts for handlers/files/url_path.ts): token pools and seeded generators of
 * percent-encoded text and URLs.
 *
 * @module
 */
import { pick, randomInt } from "./_python.ts";

/** Joins 1..maxCount tokens drawn from `pool`. */
export function randomJoin(
  random: () => number,
  pool: readonly string[],
  maxCount: number,
  separator = "",
): string {
  const count = randomInt(random, 1, maxCount);
  return Array.from({ length: count }, () => pick(random, pool)).join(separator);
}

function percentByte(random: () => number, byte: number): string {
  const hex = byte.toString(16).padStart(2, "0");
  return "%" + (random() < 0.5 ? hex.toUpperCase() : hex);
}

/** A percent-encoded UTF-8 sequence: valid, surrogate, overlong, truncated or random. */
function randomEncodedSequence(random: () => number): string {
  const roll = random();
  let bytes: number[];
  if (roll < 0.3) {
    const ranges = [[0x80, 0x7ff], [0x800, 0xffff], [0x10000, 0x10ffff], [0, 0x7f]];
    const [min, max] = pick(random, ranges);
    let code = randomInt(random, min, max);
    if (code >= 0xd800 && code <= 0xdfff) code = 0xe000;
    bytes = [...new TextEncoder().encode(String.fromCodePoint(code))];
  } else if (roll < 0.45) {
    bytes = [0xed, randomInt(random, 0xa0, 0xbf), randomInt(random, 0x80, 0xbf)];
  } else if (roll < 0.55) {
    bytes = pick(random, [[0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [
      0xf0,
      0x80,
      0x80,
      0x80,
    ]]);
  } else if (roll < 0.7) {
    const full = [
      ...new TextEncoder().encode(String.fromCodePoint(randomInt(random, 0x800, 0x10ffff))),
    ];
    bytes = full.slice(0, randomInt(random, 1, full.length - 1));
  } else if (roll < 0.8) {
    bytes = [pick(random, [0xf4, 0xf5, 0xff, 0xfe, 0x80, 0xbf]), randomInt(random, 0x80, 0xbf)];
  } else {
    bytes = Array.from({ length: randomInt(random, 1, 4) }, () => randomInt(random, 0, 255));
  }
  return bytes.map((b) => percentByte(random, b)).join("");
}

/** Literal pieces of percent-encoded text: malformed escapes, non-ASCII, delimiters. */
export const LITERAL_TOKENS = [
  "a",
  "/",
  " ",
  "%",
  "%4",
  "%zz",
  "%%41",
  "%g0",
  "%2",
  "é",
  "中",
  "😀",
  "\ud800",
  "\udc80",
  "?",
  "#",
  "&",
  "<",
  ">",
  '"',
  "'",
  "+",
  "%20",
  "%2f",
  "%2F",
  "%2e",
  "%00",
];

/** Percent-encoded text: up to 8 pieces, each an encoded UTF-8 sequence or a literal token. */
export function randomEncodedText(random: () => number): string {
  const count = randomInt(random, 1, 8);
  let text = "";
  for (let i = 0; i < count; i++) {
    text += random() < 0.5 ? randomEncodedSequence(random) : pick(random, LITERAL_TOKENS);
  }
  return text;
}

/** URLs picked by hand: schemes, netlocs, IPv6 hosts, NFKC traps, whitespace and controls. */
export const URL_HAND_PICKED = [
  "",
  "/",
  "/sub",
  "/sub/",
  "/sub?x=1#frag",
  "/sub?",
  "/sub#",
  "/sub?#",
  "/sub#a?b",
  "//sub",
  "///sub",
  "//sub/x",
  "tmpdir",
  "tmpdir/",
  "https://pypi.org/x",
  "https://pypi.org",
  "https://pypi.org?q",
  "HTTPS://PyPI.org/x?q#f",
  "http:x",
  "http:/x",
  "http:///x",
  "http:",
  "file:///x",
  "mailto:x",
  "svn+ssh:/x",
  "itms-services:/x",
  "a:b",
  "a:",
  "A+b-c.d:x",
  "1a:b",
  ":x",
  "a_b:c",
  "é:x",
  "/a:b",
  "a:/b",
  "a://b",
  "a:b:c",
  " \x01 /x",
  "\x00http://h/x",
  "/a\tb\nc\rd",
  "h\tttp://x/y",
  "?q",
  "#f",
  "//",
  "//?x",
  "//#x",
  "//h",
  "//h?x",
  "http://[::1]/x",
  "http://[::1]:80/x",
  "http://[::1",
  "http://::1]/x",
  "http://[1.2.3.4]/",
  "http://[v1.x]/",
  "http://[vz.x]/",
  "http://[v1.]/",
  "http://[::1%eth0]/",
  "http://[::1%]/",
  "http://[::1%a%b]/",
  "http://[::ffff:1.2.3.4]/",
  "http://[::ffff:01.2.3.4]/",
  "http://[1:2:3:4:5:6:7:8]/",
  "http://[1:2:3:4:5:6:7:8:9]/",
  "http://[1::2::3]/",
  "http://[:1:2:3:4:5:6:7]/",
  "http://[1:2:3:4:5:6:7:]/",
  "http://[::]/",
  "http://[12345::]/",
  "http://[a[::1]b]/",
  "http://u@[::1]/",
  "//ex\u2100ample/",
  "//\uff0fexample/",
  "//a\u2488b/",
  "//caf\u00e9/",
  "//e\u0301/",
  "//x\ufe55y/",
  "//x\ufe56y/",
];

/** Pieces that generated URLs are joined from. */
export const URL_TOKENS = [
  "a",
  "b",
  "/",
  "//",
  ":",
  "?",
  "#",
  "[",
  "]",
  "::1",
  ".",
  "http",
  "https",
  "s",
  "%2f",
  "v1",
  "1.2.3.4",
  "\u2100",
  "@",
  " ",
  "\t",
  "1",
  "+",
  "-",
  "é",
];

/** Pieces of generated bracketed hosts (`http://[...]/p`). */
export const HOST_TOKENS = [
  "",
  ":",
  "::",
  "1",
  "ffff",
  "FFFF",
  "12345",
  "g",
  "0",
  "1.2.3.4",
  "01.2.3.4",
  "256.1.1.1",
  "1.2.3",
  "%eth0",
  "%",
  "/",
  "v1",
  ".",
  "x",
  "0:0",
  "1:2:3:4",
];

/** True when `fn` throws a SyntaxError (the port's ValueError of `urlsplit`). */
export function throwsSyntaxError(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    return error instanceof SyntaxError;
  }
}

/** The unquote corpus: hand-picked escapes, then 600 generated percent-encoded texts. */
export function unquoteCorpus(random: () => number): string[] {
  return [
    "",
    "abc",
    "%",
    "%%",
    "%41%42",
    "%4",
    "%zz",
    "/%ff.dir/",
    "/%ED%A0%80",
    "/%ED%A0%80%ED%B0%80",
    "%ED%B2%80",
    "%C3%A9",
    "%c3%a9",
    "%C3",
    "%C3é%A9",
    "é%C3%A9",
    "%E0%80%80",
    "%F0%9F%98%80",
    "%F0%9F%98",
    "%F4%90%80%80",
    "%ED%A0%80%ff",
    "%ff%ED%A0%80",
    "\ud800%41",
    "%EF%BB%BFa",
    "%EF%BB%BF%ff",
    ...Array.from({ length: 600 }, () => randomEncodedText(random)),
  ];
}

/** The urlsplit corpus: the hand-picked URLs, 400 generated ones, 300 bracketed hosts. */
export function splitCorpus(random: () => number): string[] {
  return [
    ...URL_HAND_PICKED,
    ...Array.from({ length: 400 }, () => randomJoin(random, URL_TOKENS, 8)),
    ...Array.from({ length: 300 }, () => `http://[${randomJoin(random, HOST_TOKENS, 6)}]/p`),
  ];
}
