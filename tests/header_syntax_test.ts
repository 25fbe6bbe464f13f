// protocol/header_syntax.ts: RFC 9110 tokens, field values and token lists, as the
// configuration checks (-H, --cache-control, CORS preflights) use them.
import { assert, assertEquals } from "../deps.ts";
import { isFieldValue, isToken, parseTokenList } from "../protocol/header_syntax.ts";

function assertFalse(condition: boolean, message?: string): void {
  assert(!condition, message);
}

Deno.test("header syntax: tokens, field values, token lists", () => {
  assert(isToken("Cross-Origin-Embedder-Policy"));
  for (const bad of ["", "a b", "a:b", "a\r\n", "é", "a(b)"]) assertFalse(isToken(bad), bad);
  assert(isFieldValue("max-age=3600, immutable"));
  assert(isFieldValue(""));
  assert(isFieldValue("caf\u00e9"));
  for (const bad of [" a", "a ", "a\r\nb", "a\0", "a\x01", "\u0100"]) {
    assertFalse(isFieldValue(bad));
  }
  assertEquals(parseTokenList(" a, ,b "), ["a", "b"]);
  assertEquals(parseTokenList("a b"), null);
});

Deno.test("header syntax: every tchar, and nothing else, makes a token", () => {
  const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (let code = 0; code < 0x100; code++) {
    const char = String.fromCharCode(code);
    assertEquals(isToken(char), tchars.includes(char), `U+${code.toString(16)}`);
  }
});
