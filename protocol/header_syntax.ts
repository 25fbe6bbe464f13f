/**
 * Field syntax of RFC 9110 for headers this server is told to send or is asked to echo:
 * a field name is a `token`, a field value is visible latin-1 text with inner spaces and tabs,
 * and a list of tokens (`Access-Control-Request-Headers`) is tokens separated by commas.
 *
 * @module
 */

/** `tchar` of RFC 9110 section 5.6.2, by character code (0x21-0x7e minus the delimiters). */
const TCHAR: readonly boolean[] = (() => {
  const table: boolean[] = new Array(128).fill(false);
  for (let c = 0x21; c < 0x7f; c++) {
    table[c] = !'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c));
  }
  return table;
})();

/**
 * Whether `text` is a `token` (a valid header field name, method or coding name).
 *
 * @param text The candidate.
 * @returns True for one or more `tchar`s.
 *
 * @example
 * ```ts
 * import { isToken } from "./header_syntax.ts";
 * isToken("Cross-Origin-Opener-Policy"); // true
 * isToken("Bad Name"); // false
 * ```
 */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || !TCHAR[c]) return false;
  }
  return true;
}

/**
 * Whether `text` is a `field-value` that can be sent as given: visible ASCII or latin-1
 * `obs-text`, spaces and tabs only inside (none leading or trailing), no CR, LF, NUL or other
 * control character. The empty value is allowed.
 *
 * @param text The candidate.
 * @returns True when the value can be sent unchanged.
 *
 * @example
 * ```ts
 * import { isFieldValue } from "./header_syntax.ts";
 * isFieldValue("max-age=3600, immutable"); // true
 * isFieldValue("a\r\nSet-Cookie: x=1"); // false
 * ```
 */
export function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (i === 0 || i === text.length - 1) return false;
    } else if (c < 0x21 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/**
 * The tokens of a comma-separated list (`#token`), trimmed, empty elements skipped; null when
 * an element is not a token.
 *
 * @param text The header value.
 * @returns The tokens in order, or null.
 *
 * @example
 * ```ts
 * import { parseTokenList } from "./header_syntax.ts";
 * parseTokenList("content-type, x-requested-with"); // ["content-type", "x-requested-with"]
 * parseTokenList("a b"); // null
 * ```
 */
export function parseTokenList(text: string): string[] | null {
  const tokens: string[] = [];
  for (const part of text.split(",")) {
    const token = part.trim();
    if (token === "") continue;
    if (!isToken(token)) return null;
    tokens.push(token);
  }
  return tokens;
}
