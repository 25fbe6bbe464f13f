/**
 * Log scrubbing (CPython gh-100001): control characters in a log message are written as
 * `\xHH` and backslashes are doubled, so request data cannot drive the operator's terminal.
 *
 * @example
 * ```ts
 * import { scrubLogMessage } from "./log_scrub.ts";
 * scrubLogMessage("GET /\x1b[31m"); // "GET /\\x1b[31m"
 * ```
 *
 * @module
 */

// deno-lint-ignore no-control-regex -- matching control characters is the point here.
const CONTROL_OR_BACKSLASH = /[\x00-\x1f\x7f-\x9f\\]/g;
/** The same class, for a quick test (most messages need no escaping). */
// deno-lint-ignore no-control-regex -- as above.
const HAS_CONTROL_OR_BACKSLASH = /[\x00-\x1f\x7f-\x9f\\]/;

function escapeOne(ch: string): string {
  if (ch === "\\") return "\\\\";
  return "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
}

/**
 * Escapes U+0000-U+001F and U+007F-U+009F as `\xHH` (lower-case hex) and doubles backslashes.
 *
 * @param message The log message.
 * @returns The scrubbed message.
 *
 * @example
 * ```ts
 * import { scrubLogMessage } from "./log_scrub.ts";
 * scrubLogMessage("a\\b\x00"); // "a\\\\b\\x00"
 * ```
 */
export function scrubLogMessage(message: string): string {
  if (!HAS_CONTROL_OR_BACKSLASH.test(message)) return message;
  return message.replace(CONTROL_OR_BACKSLASH, escapeOne);
}
