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
  const match = /^[ \t\n\r\f\v]*\+?(\d+)[ \t\n\r\f\v]*$/.exec(value);
  return match === null ? null : Number(match[1]);
}
