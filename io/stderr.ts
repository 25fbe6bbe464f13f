/**
 * The process's one stderr writer: whole writes, synchronous, as Python's `sys.stderr.write`
 * (log lines, tracebacks and a CGI script's stderr never interleave mid-line).
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Writes all of `bytes` to stderr synchronously.
 *
 * @param bytes The bytes.
 *
 * @example
 * ```ts
 * import { writeStderrBytes } from "./stderr.ts";
 * writeStderrBytes(new Uint8Array(0));
 * ```
 */
export function writeStderrBytes(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}

/**
 * Writes a whole string (UTF-8) to stderr synchronously, as Python's `sys.stderr.write` does.
 *
 * @param text The text.
 *
 * @example
 * ```ts
 * import { writeStderr } from "./stderr.ts";
 * writeStderr("");
 * ```
 */
export function writeStderr(text: string): void {
  // The loop inlined: every request's log line comes through here.
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}
