// Tests of protocol/basic_auth.ts: tables from the module's contract, then each function against
// CPython 3.13.0 on a generated corpus: decodeBase64Lenient vs `binascii.a2b_base64` (what
// `base64.decodebytes` calls, non-strict), splitAuthorization vs `str.split()`, and the
// credentials vs the CGI handler's ASCII / base64 / ASCII steps split at the first `:`.
import { assertEquals } from "../deps.ts";
import {
  decodeBase64Lenient,
  decodeBasicCredentials,
  parseBasicAuthorization,
  splitAuthorization,
} from "../protocol/basic_auth.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

Deno.test("Basic auth: scheme split, lenient base64, user:password", () => {
  assertEquals(splitAuthorization("Basic  abc"), { scheme: "Basic", token: "abc" });
  assertEquals(splitAuthorization("Basic a b"), null);
  assertEquals(splitAuthorization(""), null);
  assertEquals(decodeBase64Lenient("dXNlcjpw"), new TextEncoder().encode("user:p"));
  assertEquals(decodeBase64Lenient("dXNlcjp"), null);
  assertEquals(decodeBasicCredentials(btoa("u:p:q")), { user: "u", password: "p:q" });
  assertEquals(decodeBasicCredentials(btoa(":")), { user: "", password: "" });
  assertEquals(decodeBasicCredentials(btoa("\u00e9:p")), null); // Not ASCII once decoded.
  assertEquals(decodeBasicCredentials("dXNl\u00e9cjpw"), null); // Not ASCII as sent.
  assertEquals(decodeBasicCredentials("abc"), null); // Not base64.
  assertEquals(parseBasicAuthorization(`BASIC ${btoa("a:b")}`), { user: "a", password: "b" });
  assertEquals(parseBasicAuthorization(`Digest ${btoa("a:b")}`), null);
});

Deno.test("decodeBase64Lenient() by table: skipped characters, padding, lengths", () => {
  const cases: [string, string | null][] = [
    ["", ""],
    ["YQ==", "a"],
    ["YWI=", "ab"],
    ["YWJj", "abc"],
    ["YQ", null], // two data characters and no padding
    ["YQ=", null], // a pad short
    ["Y", null], // one more than a multiple of four
    ["YWJjZ", null],
    ["YQ==Og==", "a"], // a complete pad ends the input
    ["YQ===", "a"],
    ["Y=Q==", "a"], // a pad before the quad's second character is skipped
    ["YQ=a=", "a\x06"], // an interrupted pad does not count
    ["YQ=JjYW=", null], // data after a pad starts the pad count again
    ["YQ=JjYW==", "a\x02ca"],
    ["YQ=JjYWI=", "a\x02cab"],
    ["===", ""],
    ["=YWJj", "abc"],
    ["Y W\nJ\tj", "abc"],
    ["Y*W!J-j_", "abc"], // outside the alphabet: skipped
    ["YWJj\x00", "abc"],
    ["YWJj\xe9", "abc"],
    ["////", "\xff\xff\xff"],
    ["++++", "\xfb\xef\xbe"],
  ];
  for (const [text, want] of cases) {
    assertEquals(
      decodeBase64Lenient(text),
      want === null ? null : bytes(want),
      JSON.stringify(text),
    );
  }
});

Deno.test("splitAuthorization() splits at any Python whitespace, into exactly two words", () => {
  assertEquals(splitAuthorization("\x1cBasic\xa0abc\x85"), { scheme: "Basic", token: "abc" });
  assertEquals(splitAuthorization("Basic\x0babc"), { scheme: "Basic", token: "abc" });
  assertEquals(splitAuthorization("Basic"), null);
  assertEquals(splitAuthorization(" \t "), null);
  assertEquals(splitAuthorization("Basic\x00abc"), null); // NUL is no whitespace: one word
});

const BASE64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const JUNK = [" ", "\n", "\t", "*", "!", "-", "_", ".", "\x00", "\x7f", "\\", ":"];
const CREDENTIALS = ["user:pass", ":", "a:b:c", "nocolon", "u:", ":p", "", "\xe9:p", "\x7f:\x00"];

/** Base64 of some credentials, then mangled: junk inserted, characters dropped or padded. */
function randomToken(random: () => number): string {
  let token = random() < 0.7
    ? btoa(pick(random, CREDENTIALS))
    : Array.from({ length: randomInt(random, 0, 10) }, () => pick(random, [...BASE64_CHARS]))
      .join("");
  for (let n = randomInt(random, 0, 4); n > 0; n--) {
    const at = randomInt(random, 0, token.length);
    const roll = random();
    if (roll < 0.35) token = token.slice(0, at) + pick(random, JUNK) + token.slice(at);
    else if (roll < 0.6) token = token.slice(0, at) + token.slice(at + 1);
    else if (roll < 0.85) {
      token = token.slice(0, at) + "=".repeat(random() < 0.6 ? 1 : randomInt(random, 2, 3)) +
        token.slice(at);
    } else token += pick(random, [...BASE64_CHARS]);
  }
  if (random() < 0.05) token += pick(random, ["\xe9", "\x80", "\xff"]);
  return token;
}

const SCHEMES = ["Basic", "basic", "BASIC", "bAsIc", "Bearer", "Digest", "Basi", "Basic:"];
/** Python whitespace in latin-1, and two characters that are not. */
const GAPS = [" ", "  ", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\x00", "\xad"];

function randomAuthorization(random: () => number, token: string): string {
  let value = pick(random, SCHEMES) + pick(random, GAPS) + token;
  if (random() < 0.2) value = pick(random, GAPS) + value;
  if (random() < 0.2) value += pick(random, GAPS);
  if (random() < 0.1) value += " extra";
  return value;
}

type PythonResults = {
  base64: (number[] | null)[];
  split: ([string, string] | null)[];
  credentials: ([string, string] | null)[];
  parsed: ([string, string] | null)[];
};

Deno.test("basic_auth.ts agrees with CPython's binascii, str.split() and the CGI steps", async () => {
  const random = seededRandom(0x62617363);
  const tokens = Array.from({ length: 2000 }, () => randomToken(random));
  const asciiTokens = tokens.filter((t) => t.split("").every((c) => c.charCodeAt(0) < 0x80));
  const values = tokens.map((t) => randomAuthorization(random, t));
  const expected = await runPython<PythonResults>(
    `
import base64, binascii

def b64(text):
    try:
        return list(binascii.a2b_base64(text.encode("ascii")))
    except binascii.Error:
        return None

def split(value):
    words = value.split()
    return words if len(words) == 2 else None

def credentials(token):
    # run_cgi's steps, then RFC 7617's split at the first colon.
    try:
        text = base64.decodebytes(token.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError):
        return None
    if ":" not in text:
        return None
    user, _, password = text.partition(":")
    return [user, password]

def parsed(value):
    words = split(value)
    if words is None or words[0].lower() != "basic":
        return None
    return credentials(words[1])

data = json.loads(sys.stdin.read())
print(json.dumps({
    "base64": [b64(t) for t in data["ascii"]],
    "split": [split(v) for v in data["values"]],
    "credentials": [credentials(t) for t in data["tokens"]],
    "parsed": [parsed(v) for v in data["values"]],
}))
`,
    { ascii: asciiTokens, tokens, values },
  );
  let decoded = 0;
  for (const [i, token] of asciiTokens.entries()) {
    const want = expected.base64[i];
    const got = decodeBase64Lenient(token);
    if (want !== null) decoded++;
    assertEquals(
      got === null ? null : [...got],
      want,
      `decodeBase64Lenient(${JSON.stringify(token)})`,
    );
  }
  assertEquals(decoded > 300 && decoded < asciiTokens.length - 300, true, `${decoded} decoded`);
  const pair = (c: { user: string; password: string } | null) =>
    c === null ? null : [c.user, c.password];
  let accepted = 0;
  for (const [i, token] of tokens.entries()) {
    const want = expected.credentials[i];
    if (want !== null) accepted++;
    assertEquals(
      pair(decodeBasicCredentials(token)),
      want,
      `credentials of ${JSON.stringify(token)}`,
    );
  }
  assertEquals(accepted > 200, true, `${accepted} accepted`);
  for (const [i, value] of values.entries()) {
    const parts = splitAuthorization(value);
    assertEquals(
      parts === null ? null : [parts.scheme, parts.token],
      expected.split[i],
      `splitAuthorization(${JSON.stringify(value)})`,
    );
    assertEquals(
      pair(parseBasicAuthorization(value)),
      expected.parsed[i],
      `parseBasicAuthorization(${JSON.stringify(value)})`,
    );
  }
});
