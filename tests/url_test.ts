// Differential tests of protocol/url.ts against CPython 3.13.0's urllib.parse and posixpath:
// unquote (both error modes), quote, normpath, urlsplit and urlunsplit on hand-picked and
// generated inputs, all cases in one Python subprocess.
import { assertEquals } from "../deps.ts";
import {
  posixNormpath,
  quote,
  type SplitUrl,
  unquote,
  unquoteReplace,
  urlsplit,
  urlunsplit,
} from "../protocol/url.ts";
import {
  LITERAL_TOKENS,
  randomJoin,
  splitCorpus,
  throwsSyntaxError,
  unquoteCorpus,
} from "./_url_corpus.ts";
import { runPython, seededRandom } from "./_python.ts";

const NORMPATH_TOKENS = ["", "/", "//", "///", ".", "..", "a", "b", "...", " ", ".a", "a."];
type PythonResults = {
  unquote: string[];
  unquoteReplace: string[];
  quote: string[];
  normpath: string[];
  split: Array<string[] | null>;
  unsplit: string[];
};

Deno.test("url.ts helpers agree with CPython 3.13.0 on hand-picked and generated inputs", async () => {
  const random = seededRandom(0x75726c73);
  const unquoteInputs = unquoteCorpus(random);
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
  const splitInputs = splitCorpus(random);
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
  const expected = await runPython<PythonResults>(
    `
import posixpath
from urllib.parse import quote, unquote, urlsplit, urlunsplit

def unquote_path(s):
    try:
        return unquote(s, errors='surrogatepass')
    except UnicodeDecodeError:
        return unquote(s)

def split(s):
    try:
        return list(urlsplit(s))
    except ValueError:
        return None

data = json.loads(sys.stdin.buffer.read())
print(json.dumps({
    'unquote': [unquote_path(s) for s in data['unquote']],
    'unquoteReplace': [unquote(s) for s in data['unquote']],
    'quote': [quote(s, errors='surrogatepass') for s in data['quote']],
    'normpath': [posixpath.normpath(s) for s in data['normpath']],
    'split': [split(s) for s in data['split']],
    'unsplit': [urlunsplit(p) for p in data['unsplit']],
}))
`,
    {
      unquote: unquoteInputs,
      quote: quoteInputs,
      normpath: normpathInputs,
      split: splitInputs,
      unsplit: unsplitInputs,
    },
  );
  for (const [i, input] of unquoteInputs.entries()) {
    assertEquals(unquote(input), expected.unquote[i], `unquote(${JSON.stringify(input)})`);
    assertEquals(
      unquoteReplace(input),
      expected.unquoteReplace[i],
      `unquoteReplace(${JSON.stringify(input)})`,
    );
  }
  for (const [i, input] of quoteInputs.entries()) {
    assertEquals(quote(input), expected.quote[i], `quote(${JSON.stringify(input)})`);
  }
  for (const [i, input] of normpathInputs.entries()) {
    assertEquals(posixNormpath(input), expected.normpath[i], `normpath(${JSON.stringify(input)})`);
  }
  let rejected = 0;
  for (const [i, input] of splitInputs.entries()) {
    const want = expected.split[i];
    const message = `urlsplit(${JSON.stringify(input)})`;
    if (want === null) {
      rejected++;
      assertEquals(throwsSyntaxError(() => urlsplit(input)), true, message);
      continue;
    }
    const parts = urlsplit(input);
    assertEquals(
      [parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment],
      want,
      message,
    );
  }
  assertEquals(rejected > 50 && rejected < splitInputs.length - 50, true, `${rejected} rejected`);
  for (const [i, [scheme, netloc, path, query, fragment]] of unsplitInputs.entries()) {
    const parts: SplitUrl = { scheme, netloc, path, query, fragment };
    assertEquals(urlunsplit(parts), expected.unsplit[i], `urlunsplit(${JSON.stringify(parts)})`);
  }
});
