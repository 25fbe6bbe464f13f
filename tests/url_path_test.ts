// Differential tests: handlers/files/url_path.ts against CPython 3.13.0's
// SimpleHTTPRequestHandler (translate_path, the listing's display path, the directory
// redirect's Location), all cases in one Python subprocess. protocol/url.ts, which these build
// on, has its own mirror: tests/url_test.ts.

import { assertEquals } from "../deps.ts";
import {
  directoryRedirectLocation,
  displayPath,
  translatePath,
} from "../handlers/files/url_path.ts";
import { randomJoin, splitCorpus, throwsSyntaxError, unquoteCorpus } from "./_url_corpus.ts";
import { pick, runPython, seededRandom } from "./_python.ts";

/** Every character for which CPython 3.13's `str.isspace()` holds (checked by Python below). */
const PYTHON_WHITESPACE = [
  ..."\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005",
  ..."\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
];

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
type PythonResults = {
  whitespaceOk: boolean;
  translate: string[];
  redirect: Array<[string | null] | null>;
  display: string[];
};

Deno.test("url_path.ts helpers agree with CPython 3.13.0 on hand-picked and generated inputs", async () => {
  const random = seededRandom(0x75726c73);
  const unquoteInputs = unquoteCorpus(random);
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
  const redirectInputs = splitCorpus(random);
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
import html
from urllib.parse import unquote, urlsplit, urlunsplit
from http.server import SimpleHTTPRequestHandler
handler = object.__new__(SimpleHTTPRequestHandler)

def unquote_path(s):
    try:
        return unquote(s, errors='surrogatepass')
    except UnicodeDecodeError:
        return unquote(s)

def redirect(s):
    # send_head's Location for a directory without a trailing slash (None: no redirect).
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.path.endswith('/'):
        return [None]
    return [urlunsplit((parts[0], parts[1], parts[2] + '/', parts[3], parts[4]))]

def translate(path, directory):
    handler.directory = directory
    return handler.translate_path(path)

data = json.loads(sys.stdin.buffer.read())
print(json.dumps({
    'whitespaceOk': data['whitespace'] == [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()],
    'translate': [translate(p, d) for p, d in data['translate']],
    'redirect': [redirect(s) for s in data['redirect']],
    'display': [html.escape(unquote_path(s), quote=False) for s in data['display']],
}))
`,
    {
      whitespace: PYTHON_WHITESPACE,
      translate: translateInputs,
      redirect: redirectInputs,
      display: displayInputs,
    },
  );
  assertEquals(expected.whitespaceOk, true, "PYTHON_WHITESPACE differs from str.isspace()");
  for (const [i, [path, directory]] of translateInputs.entries()) {
    assertEquals(
      translatePath(path, directory),
      expected.translate[i],
      `translatePath(${JSON.stringify(path)}, ${JSON.stringify(directory)})`,
    );
  }
  let rejected = 0;
  for (const [i, input] of redirectInputs.entries()) {
    const want = expected.redirect[i];
    const message = `directoryRedirectLocation(${JSON.stringify(input)})`;
    if (want === null) {
      rejected++;
      assertEquals(throwsSyntaxError(() => directoryRedirectLocation(input)), true, message);
      continue;
    }
    assertEquals(directoryRedirectLocation(input), want[0], message);
  }
  assertEquals(
    rejected > 50 && rejected < redirectInputs.length - 50,
    true,
    `${rejected} rejected`,
  );
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
