/**
 * `Authorization: Basic` parsing (RFC 7617) as CPython's CGI code does it: the value split
 * into a scheme and a token at whitespace, the token decoded with `binascii`'s lenient base64,
 * the credentials ASCII text split at `:`. Pure: text in, values out.
 *
 * @example Read the user and password of a request
 * ```ts
 * import { parseBasicAuthorization } from "./basic_auth.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseBasicAuthorization("Basic dXNlcjpwYXNz"), { user: "user", password: "pass" });
 * assertEquals(parseBasicAuthorization("Bearer abc"), null);
 * ```
 *
 * @module
 */
import { splitWhitespace } from "./python_text.ts";

/** `=`: a pad character ends the base64 input once a quad is complete. */
const BASE64_PAD = 0x3d;
const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_TABLE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) table[BASE64_ALPHABET.charCodeAt(i)] = i;
  return table;
})();
/** Credentials must decode to ASCII (CPython's `.decode('ascii')`). */
const ASCII_LIMIT = 0x80;
// deno-lint-ignore no-control-regex -- the class is "not ASCII", control range included.
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Python's `base64.decodebytes` (`binascii.a2b_base64` in its default, non-strict mode):
 * characters outside the alphabet are skipped, a complete pad sequence ends the input, and a
 * length that cannot be right is an error.
 *
 * @param text ASCII text.
 * @returns The bytes, or null where Python raises `binascii.Error`.
 *
 * @example
 * ```ts
 * import { decodeBase64Lenient } from "./basic_auth.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(decodeBase64Lenient("dX Nl\ncg==trailing"), new TextEncoder().encode("user"));
 * assertEquals(decodeBase64Lenient("abc"), null);
 * ```
 */
export function decodeBase64Lenient(text: string): Uint8Array | null {
  const out: number[] = [];
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BASE64_PAD) {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return new Uint8Array(out);
      continue;
    }
    const value = code < 256 ? BASE64_TABLE[code] : -1;
    if (value < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = value;
        break;
      case 1:
        quadPos = 2;
        out.push(((leftChar << 2) | (value >> 4)) & 0xff);
        leftChar = value & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out.push(((leftChar << 4) | (value >> 2)) & 0xff);
        leftChar = value & 0x03;
        break;
      default:
        quadPos = 0;
        out.push(((leftChar << 6) | value) & 0xff);
        leftChar = 0;
    }
  }
  return quadPos === 0 ? new Uint8Array(out) : null;
}

/** An `Authorization` value's two parts. */
export interface AuthorizationParts {
  /** The scheme as sent (`Basic`, `Bearer`, ...); compare it case-insensitively. */
  scheme: string;
  /** The token after it (for Basic, base64 credentials). */
  token: string;
}

/**
 * Splits an `Authorization` value as CPython's CGI code does (`value.split()`): exactly two
 * whitespace-separated words, or null.
 *
 * @param value The header's value.
 * @returns The scheme and token, or null for any other number of words.
 *
 * @example
 * ```ts
 * import { splitAuthorization } from "./basic_auth.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(splitAuthorization(" Basic  dXNlcjpwYXNz "), {
 *   scheme: "Basic",
 *   token: "dXNlcjpwYXNz",
 * });
 * assertEquals(splitAuthorization("Basic"), null);
 * ```
 */
export function splitAuthorization(value: string): AuthorizationParts | null {
  const words = splitWhitespace(value);
  return words.length === 2 ? { scheme: words[0], token: words[1] } : null;
}

/** The user and password of Basic credentials. */
export interface BasicCredentials {
  /** Before the first `:`. */
  user: string;
  /** After the first `:` (may itself hold `:`, RFC 7617). */
  password: string;
}

/**
 * Decodes a Basic token into user and password: lenient base64 ({@linkcode decodeBase64Lenient})
 * to ASCII text, split at the first `:`.
 *
 * @param token The base64 text after `Basic`.
 * @returns The credentials, or null when the token is not ASCII, not base64, not ASCII once
 * decoded (CPython's `binascii.Error` or `UnicodeError`), or has no `:`.
 *
 * @example
 * ```ts
 * import { decodeBasicCredentials } from "./basic_auth.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(decodeBasicCredentials(btoa("a:b:c")), { user: "a", password: "b:c" });
 * assertEquals(decodeBasicCredentials(btoa("nocolon")), null);
 * ```
 */
export function decodeBasicCredentials(token: string): BasicCredentials | null {
  if (NON_ASCII.test(token)) return null;
  const decoded = decodeBase64Lenient(token);
  if (decoded === null) return null;
  let text = "";
  for (const byte of decoded) {
    if (byte >= ASCII_LIMIT) return null;
    text += String.fromCharCode(byte);
  }
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * The credentials of an `Authorization: Basic ...` value (scheme matched case-insensitively),
 * or null for another scheme or undecodable credentials.
 *
 * @param value The header's value.
 * @returns The user and password, or null.
 *
 * @example
 * ```ts
 * import { parseBasicAuthorization } from "./basic_auth.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseBasicAuthorization("basic OnA="), { user: "", password: "p" });
 * assertEquals(parseBasicAuthorization("Basic !!"), null);
 * ```
 */
export function parseBasicAuthorization(value: string): BasicCredentials | null {
  const parts = splitAuthorization(value);
  if (parts === null || parts.scheme.toLowerCase() !== "basic") return null;
  return decodeBasicCredentials(parts.token);
}
