// Differential tests: protocol/url.ts and handlers/files/url_path.ts against CPython 3.13.0's urllib.parse, posixpath and
// SimpleHTTPRequestHandler, all cases in one Python subprocess.

import { assertEquals } from "../deps.ts";
import { htmlEscapeNoQuote } from "../protocol/html.ts";
import {
  directoryRedirectLocation,
  displayPath,
  translatePath,
} from "../handlers/files/url_path.ts";
import {
  posixNormpath,
  quote,
  type SplitUrl,
  unquote,
  urlsplit,
  urlunsplit,
} from "../protocol/url.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

/** Joins 1..maxCount tokens drawn from `pool`. */
function randomJoin(
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

const LITERAL_TOKENS = [
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

function randomEncodedText(random: () => number): string {
  const count = randomInt(random, 1, 8);
  let text = "";
  for (let i = 0; i < count; i++) {
    text += random() < 0.5 ? randomEncodedSequence(random) : pick(random, LITERAL_TOKENS);
  }
  return text;
}

/** Every character for which CPython 3.13's `str.isspace()` holds (checked by Python below). */
const PYTHON_WHITESPACE = [
  ..."\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005",
  ..."\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
];

const URL_HAND_PICKED = [
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

const URL_TOKENS = [
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

const HOST_TOKENS = [
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

const NORMPATH_TOKENS = ["", "/", "//", "///", ".", "..", "a", "b", "...", " ", ".a", "a."];

const TRANSLATE_SEGMENTS = [
  "",
  "a",
  ".",
  "..",
  "%2e",
  "%2E%2e",
  "%2f",
  "%2F",
  "a%2fb",
  "..%2f",
  "%00",
  "%ff",
  "%ED%A0%80",
  "%ED%B2%80",
  "b c",
  "b%20c",
  "~",
  "\\",
  "c:",
  "?",
  "#",
  "?x=/",
  "#/",
  "é",
  "%C3%A9",
];

const DIRECTORIES = ["/srv", "/srv/", "", "rel", "/", "//srv", "/s p/"];

function throwsSyntaxError(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    return error instanceof SyntaxError;
  }
}

type PythonResults = {
  whitespaceOk: boolean;
  unquote: string[];
  quote: string[];
  normpath: string[];
  translate: string[];
  split: Array<[string[], string | null] | null>;
  unsplit: string[];
  display: string[];
};

Deno.test("URL helpers agree with CPython 3.13.0 on hand-picked and generated inputs", async () => {
  const random = seededRandom(0x75726c73);
  const unquoteInputs = [
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
  const quoteInputs = [
    "",
    "a b",
    "/a/b~c_d-e.f",
    "b&<i>.txt",
    '"dq"',
    "'sq'",
    "%41",
    "q?",
    "f#",
    "é",
    "😀",
    "\ud800",
    "\udc80",
    "\udfff\ud800",
    "\x00\x7f\x80",
    String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)),
    ...Array.from({ length: 300 }, () => randomJoin(random, [...LITERAL_TOKENS, "\u{10ffff}"], 6)),
  ];
  const normpathInputs = [
    "",
    "/",
    "//",
    "///",
    "////",
    "//a",
    "///a",
    "//a//b",
    ".",
    "..",
    "../..",
    "/..",
    "/../a",
    "//..",
    "a/..",
    "a/../..",
    "./a/./b/",
    "a\x00/..",
    ...Array.from({ length: 400 }, () => randomJoin(random, NORMPATH_TOKENS, 8)),
  ];
  const translateInputs: Array<[string, string]> = [
    ["/", "/srv"],
    ["/a/", "/srv"],
    ["/a/ ", "/srv"],
    ["/a/\u3000", "/srv"],
    ["/a%2f", "/srv"],
    ["/a/?q", "/srv"],
    ["/a#/b/", "/srv"],
    ["/a?/b/", "/srv"],
    ["/../../etc/passwd", "/srv"],
    ["/sub/..%2f..%2fa.txt", "/srv"],
    ["", "/srv"],
    ["a", ""],
    ...PYTHON_WHITESPACE.map((ws): [string, string] => [`/a/${ws}`, "/srv"]),
    ...PYTHON_WHITESPACE.map((ws): [string, string] => [`/a/%20${ws}${ws}`, "/srv"]),
    ["/a/\u200b", "/srv"], // ZERO WIDTH SPACE is not whitespace to Python.
    ["/a/\ufeff", "/srv"],
  ];
  for (let i = 0; i < 500; i++) {
    let path = (random() < 0.8 ? "/" : "") + randomJoin(random, TRANSLATE_SEGMENTS, 6, "/");
    if (random() < 0.3) path += "/";
    if (random() < 0.3) path += randomJoin(random, PYTHON_WHITESPACE, 2);
    translateInputs.push([path, pick(random, DIRECTORIES)]);
  }
  const splitInputs = [
    ...URL_HAND_PICKED,
    ...Array.from({ length: 400 }, () => randomJoin(random, URL_TOKENS, 8)),
    ...Array.from({ length: 300 }, () => `http://[${randomJoin(random, HOST_TOKENS, 6)}]/p`),
  ];
  const unsplitInputs: string[][] = [
    ["", "", "", "", ""],
    ["http", "", "", "", ""],
    ["http", "", "x", "", ""],
    ["http", "", "/x", "", ""],
    ["mailto", "", "/x", "", ""],
    ["", "", "//x", "", ""],
    ["", "h", "x", "", ""],
    ["", "h", "", "q", "f"],
    ["a", "", "b/", "", ""],
    ["", "", "", "q", ""],
    ["", "", "", "", "f"],
  ];
  const displayInputs = [
    "/",
    "/?x=123",
    "/a%20%26%3Cb%3E/?q=<i>#&f",
    "/%ff/",
    "/caf%C3%A9/",
    "/%ED%B2%80/",
    "/a&b<c>\"'/",
    ...unquoteInputs.slice(0, 200),
  ];
  const expected = await runPython<PythonResults>(
    `
import html, posixpath
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from http.server import SimpleHTTPRequestHandler
handler = object.__new__(SimpleHTTPRequestHandler)

def unquote_path(s):
    try:
        return unquote(s, errors='surrogatepass')
    except UnicodeDecodeError:
        return unquote(s)

def split(s):
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.path.endswith('/'):
        location = None
    else:
        location = urlunsplit((parts[0], parts[1], parts[2] + '/', parts[3], parts[4]))
    return [list(parts), location]

def translate(path, directory):
    handler.directory = directory
    return handler.translate_path(path)

data = json.loads(sys.stdin.buffer.read())
print(json.dumps({
    'whitespaceOk': data['whitespace'] == [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()],
    'unquote': [unquote_path(s) for s in data['unquote']],
    'quote': [quote(s, errors='surrogatepass') for s in data['quote']],
    'normpath': [posixpath.normpath(s) for s in data['normpath']],
    'translate': [translate(p, d) for p, d in data['translate']],
    'split': [split(s) for s in data['split']],
    'unsplit': [urlunsplit(p) for p in data['unsplit']],
    'display': [html.escape(unquote_path(s), quote=False) for s in data['display']],
}))
`,
    {
      whitespace: PYTHON_WHITESPACE,
      unquote: unquoteInputs,
      quote: quoteInputs,
      normpath: normpathInputs,
      translate: translateInputs,
      split: splitInputs,
      unsplit: unsplitInputs,
      display: displayInputs,
    },
  );
  assertEquals(expected.whitespaceOk, true, "PYTHON_WHITESPACE differs from str.isspace()");
  for (const [i, input] of unquoteInputs.entries()) {
    assertEquals(unquote(input), expected.unquote[i], `unquote(${JSON.stringify(input)})`);
  }
  for (const [i, input] of quoteInputs.entries()) {
    assertEquals(quote(input), expected.quote[i], `quote(${JSON.stringify(input)})`);
  }
  for (const [i, input] of normpathInputs.entries()) {
    assertEquals(posixNormpath(input), expected.normpath[i], `normpath(${JSON.stringify(input)})`);
  }
  for (const [i, [path, directory]] of translateInputs.entries()) {
    assertEquals(
      translatePath(path, directory),
      expected.translate[i],
      `translatePath(${JSON.stringify(path)}, ${JSON.stringify(directory)})`,
    );
  }
  let rejected = 0;
  for (const [i, input] of splitInputs.entries()) {
    const want = expected.split[i];
    const message = `urlsplit(${JSON.stringify(input)})`;
    if (want === null) {
      rejected++;
      assertEquals(throwsSyntaxError(() => urlsplit(input)), true, message);
      assertEquals(throwsSyntaxError(() => directoryRedirectLocation(input)), true, message);
      continue;
    }
    const parts = urlsplit(input);
    assertEquals(
      [parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment],
      want[0],
      message,
    );
    assertEquals(directoryRedirectLocation(input), want[1], `redirect for ${message}`);
  }
  assertEquals(rejected > 50 && rejected < splitInputs.length - 50, true, `${rejected} rejected`);
  for (const [i, [scheme, netloc, path, query, fragment]] of unsplitInputs.entries()) {
    const parts: SplitUrl = { scheme, netloc, path, query, fragment };
    assertEquals(urlunsplit(parts), expected.unsplit[i], `urlunsplit(${JSON.stringify(parts)})`);
  }
  for (const [i, input] of displayInputs.entries()) {
    assertEquals(displayPath(input), expected.display[i], `displayPath(${JSON.stringify(input)})`);
  }
});

Deno.test("translatePath() examples from the spec", () => {
  assertEquals(translatePath("/%ff.dir/", "/srv"), "/srv/\ufffd.dir/");
  assertEquals(translatePath("/sub%2f", "/srv"), "/srv/sub");
  assertEquals(translatePath("//sub", "/srv"), "/srv/sub");
  assertEquals(translatePath("/a/ ", "/srv"), "/srv/a/ /");
});

Deno.test("directoryRedirectLocation() examples from the spec", () => {
  assertEquals(directoryRedirectLocation("/sub"), "/sub/");
  assertEquals(directoryRedirectLocation("/sub?x=1#frag"), "/sub/?x=1#frag");
  assertEquals(directoryRedirectLocation("//sub"), "//sub/");
  assertEquals(directoryRedirectLocation("tmpdir"), "tmpdir/");
  assertEquals(directoryRedirectLocation("/sub%2f"), "/sub%2f/");
  assertEquals(directoryRedirectLocation("https://pypi.org/sub"), "https://pypi.org/sub/");
});

Deno.test("htmlEscapeNoQuote() escapes only & < >", () => {
  assertEquals(htmlEscapeNoQuote(`&<>"'`), `&amp;&lt;&gt;"'`);
});
