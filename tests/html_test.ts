// Tests of protocol/html.ts: htmlEscapeNoQuote by table and against CPython 3.13.0's
// `html.escape(s, quote=False)` on generated strings.
import { assertEquals } from "../deps.ts";
import { htmlEscapeNoQuote } from "../protocol/html.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

Deno.test("htmlEscapeNoQuote() escapes only & < >", () => {
  assertEquals(htmlEscapeNoQuote(`&<>"'`), `&amp;&lt;&gt;"'`);
});

Deno.test("htmlEscapeNoQuote() by table: & first, entities escaped again, the rest kept", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["plain", "plain"],
    ["&", "&amp;"],
    ["&amp;", "&amp;amp;"],
    ["&lt;", "&amp;lt;"],
    ["<<>>", "&lt;&lt;&gt;&gt;"],
    ["a<b>c&d", "a&lt;b&gt;c&amp;d"],
    [`"'`, `"'`],
    ["\x00\r\n\t", "\x00\r\n\t"],
    ["\u00e9<\ud83d\ude00>&&", "\u00e9&lt;\ud83d\ude00&gt;&amp;&amp;"],
    ["\ud800&", "\ud800&amp;"],
    ["\uff1c\ufe64", "\uff1c\ufe64"], // full-width and small less-than signs are not '<'
  ];
  for (const [text, want] of cases) assertEquals(htmlEscapeNoQuote(text), want, text);
});

Deno.test("htmlEscapeNoQuote() agrees with html.escape(s, quote=False)", async () => {
  const random = seededRandom(0x68746d6c);
  const pool = ["&", "<", ">", '"', "'", "&amp;", "&#38;", "a", " ", "\xe9", "\u{1f600}", "\n"];
  const texts = Array.from({ length: 1500 }, () => {
    let text = "";
    for (let n = randomInt(random, 0, 12); n > 0; n--) {
      text += random() < 0.2 ? String.fromCharCode(randomInt(random, 0, 0x7f)) : pick(random, pool);
    }
    return text;
  });
  const expected = await runPython<string[]>(
    `
import html
print(json.dumps([html.escape(s, quote=False) for s in json.loads(sys.stdin.read())]))
`,
    texts,
  );
  for (const [i, text] of texts.entries()) {
    assertEquals(htmlEscapeNoQuote(text), expected[i], JSON.stringify(text));
  }
});
