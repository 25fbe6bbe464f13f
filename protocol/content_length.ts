/**
 * `Content-Length` parsing: strict (RFC 9110: digits only) for new code, and Python's `int()`
 * for CGI, which takes the value as CPython's `CGIHTTPRequestHandler` does.
 *
 * @module
 */

/**
 * A `Content-Length` value as RFC 9110 allows it: one or more ASCII digits, nothing else, and
 * a safe integer.
 *
 * @param value The header's value (surrounding whitespace already trimmed by the header parser).
 * @returns The byte count, or null when the value is not valid.
 *
 * @example
 * ```ts
 * import { parseContentLength } from "./content_length.ts";
 * parseContentLength("42"); // 42
 * parseContentLength("+42"); // null
 * parseContentLength("4 2"); // null
 * ```
 */
export function parseContentLength(value: string): number | null {
  if (!/^\d+$/.test(value)) return null;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : null;
}

/**
 * Python's `int(value)` for a `Content-Length`, as CPython's CGI code reads it: surrounding
 * whitespace and a leading `+` are accepted.
 *
 * @param value The header's value, or undefined when absent.
 * @returns The byte count, or null when absent or not a number.
 *
 * @example
 * ```ts
 * import { parsePythonIntContentLength } from "./content_length.ts";
 * parsePythonIntContentLength(" +42\n"); // 42
 * parsePythonIntContentLength("x"); // null
 * ```
 */
export function parsePythonIntContentLength(value: string | undefined): number | null {
  if (value === undefined) return null;
  const match = PYTHON_INT_REGEXP.exec(value);
  if (match === null || match[1] === "-") return null;
  const digits = match[2].replaceAll("_", "");
  return digits.length > PYTHON_INT_MAX_DIGITS ? null : Number(digits);
}

/**
 * What `int(str)` accepts, within latin-1: the whitespace it strips (U+0085 and U+00A0
 * included, U+001C-U+001F not), a sign, and digits with single underscores between them
 * (PEP 515).
 */
const PYTHON_INT_REGEXP = /^[ \t\n\r\f\v\x85\xa0]*([+-]?)(\d(?:_?\d)*)[ \t\n\r\f\v\x85\xa0]*$/;

/** `sys.get_int_max_str_digits()`: `int()` refuses a longer digit string (CVE-2020-10735). */
const PYTHON_INT_MAX_DIGITS = 4300;
