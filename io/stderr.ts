/**
 * The process's one stderr writer: whole writes, synchronous, as Python's `sys.stderr.write`
 * (log lines, tracebacks and a CGI script's stderr never interleave mid-line).
 *
 * Log lines (one per request) are the exception: {@linkcode writeLogLine} gathers the lines
 * logged during one turn of the event loop (the requests whose input arrived together) and
 * writes them in one write from a microtask queued behind them, because one synchronous write per
 * request was a fifth of the server's CPU time per keep-alive request under load (about 30 lines
 * per write at 50 busy connections). A line is therefore on stderr before the event loop next
 * waits for input or timers, so a lone request's line is never held back, and a process killed
 * by a signal loses no more than a synchronous write would (the kill can only land while the
 * JavaScript of that turn runs). Every other write here writes the gathered lines first, so the
 * order on stderr is the order of the calls; an uncaught error and `Deno.exit()` write them too
 * (the `error`, `unhandledrejection` and `unload` events).
 *
 * @module
 */

/**
 * Most bytes of log lines gathered into one write: PIPE_BUF on Linux, so that one write of whole
 * lines stays atomic on a pipe that `--workers` processes share (lines never interleave).
 */
export const LOG_BATCH_BYTES = 4096;

const encoder = new TextEncoder();
const logBatch = new Uint8Array(LOG_BATCH_BYTES);
let logBatchLength = 0;
let logFlushQueued = false;
let exitHooksInstalled = false;

function writeAll(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}

/**
 * Writes the log lines {@linkcode writeLogLine} gathered, if any, now.
 *
 * @example
 * ```ts
 * import { flushLogLines, writeLogLine } from "./stderr.ts";
 * writeLogLine("127.0.0.1 - - [05/Dec/2026 10:00:00] \"GET / HTTP/1.1\" 200 -\n");
 * flushLogLines(); // on stderr now, not at the end of this turn
 * ```
 */
export function flushLogLines(): void {
  if (logBatchLength === 0) return;
  const length = logBatchLength;
  logBatchLength = 0;
  writeAll(logBatch.subarray(0, length));
}

function flushQueued(): void {
  logFlushQueued = false;
  flushQuietly();
}

function flushQuietly(): void {
  try {
    flushLogLines();
  } catch {
    // stderr is gone (closed pipe), or the process is ending: the log has nowhere to go.
  }
}

/**
 * Writes one log line to stderr, in one write with the other lines of the same turn of the event
 * loop (see the module documentation for the guarantees). A line longer than
 * {@linkcode LOG_BATCH_BYTES} is written at once, after the gathered ones.
 *
 * @param line The whole line, newline included.
 *
 * @example
 * ```ts
 * import { writeLogLine } from "./stderr.ts";
 * writeLogLine("127.0.0.1 - - [05/Dec/2026 10:00:00] \"GET / HTTP/1.1\" 200 -\n");
 * ```
 */
export function writeLogLine(line: string): void {
  let encoded = encoder.encodeInto(line, logBatch.subarray(logBatchLength));
  if (encoded.read < line.length) {
    // It did not fit: what encodeInto wrote past the gathered lines is dropped and rewritten.
    flushLogLines();
    encoded = encoder.encodeInto(line, logBatch);
    if (encoded.read < line.length) {
      writeAll(encoder.encode(line));
      return;
    }
  }
  logBatchLength += encoded.written;
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    addEventListener("unload", flushQuietly);
    addEventListener("error", flushQuietly);
    addEventListener("unhandledrejection", flushQuietly);
  }
  if (!logFlushQueued) {
    logFlushQueued = true;
    queueMicrotask(flushQueued);
  }
}

/**
 * Writes all of `bytes` to stderr synchronously (after any gathered log lines).
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
  flushLogLines();
  writeAll(bytes);
}

/**
 * Writes a whole string (UTF-8) to stderr synchronously, as Python's `sys.stderr.write` does
 * (after any gathered log lines).
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
  flushLogLines();
  writeAll(encoder.encode(text));
}
