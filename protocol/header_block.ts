/**
 * The header block, collected and parsed as CPython's `http.client.parse_headers` does: lines
 * are counted and length-checked as they are read, then the block is decoded as latin-1 and
 * parsed with the `email` package's rules (obs-fold continuation lines joined, duplicates
 * kept, the block ending at the first line that is not a header).
 *
 * @example Parse a header block
 * ```ts
 * import { parseHeaderBlock } from "./header_block.ts";
 * parseHeaderBlock("Host: a\r\nX: 1\r\n  2\r\n\r\n"); // [["Host", "a"], ["X", "1\r\n  2"]]
 * ```
 *
 * @module
 */
import { LineTooLongError, TooManyHeadersError } from "../errors.ts";

/** One header as received: name and value, case and bytes as sent (latin-1). */
export type HeaderPair = [name: string, value: string];

/**
 * Counts header lines as they are read and enforces CPython's two limits. Feed it each line
 * (with its line end) in order; it says when the block is complete.
 *
 * @example
 * ```ts
 * import { HeaderLineCounter } from "./header_block.ts";
 * const counter = new HeaderLineCounter(65536, 100);
 * counter.add(10, false); // false: more to come
 * counter.add(2, true); // true: the blank line ended the block
 * ```
 */
export class HeaderLineCounter {
  readonly #maxLineLength: number;
  readonly #maxHeaders: number;
  #lines = 0;

  /**
   * @param maxLineLength Longest line accepted, in bytes with its line end.
   * @param maxHeaders Most lines accepted, counting the blank line.
   */
  constructor(maxLineLength: number, maxHeaders: number) {
    this.#maxLineLength = maxLineLength;
    this.#maxHeaders = maxHeaders;
  }

  /**
   * Accounts for one line read with a cap of `maxLineLength + 1` bytes.
   *
   * @param length Bytes read for this line (at most `maxLineLength + 1`).
   * @param terminal The line is `\r\n`, `\n` or empty (EOF): the block ends.
   * @returns True when the block is complete.
   * @throws {LineTooLongError} The line is longer than the limit.
   * @throws {TooManyHeadersError} More lines than the limit.
   */
  add(length: number, terminal: boolean): boolean {
    if (length > this.#maxLineLength) throw new LineTooLongError(this.#maxLineLength);
    this.#lines++;
    if (this.#lines > this.#maxHeaders) throw new TooManyHeadersError(this.#maxHeaders);
    return terminal;
  }
}

/** Where a header block ends in a buffer, and how many lines it has (blank line included). */
export interface HeaderBlockExtent {
  /** Index just after the blank line. */
  end: number;
  /** Lines in the block, counted as CPython counts them (LF-terminated lines). */
  lines: number;
  /** Length of the longest line in bytes, line end included. */
  longest: number;
}

/**
 * Finds a complete header block at the start of `buf`: the lines up to and including the
 * first line that is exactly `\r\n` or `\n`. Used to parse a block that is already buffered
 * in one step; the limits are then checked on the returned line count.
 *
 * @param buf Buffered bytes, starting at the first header line.
 * @returns The extent, or null when the block is not complete in `buf`.
 *
 * @example
 * ```ts
 * import { findHeaderBlockEnd } from "./header_block.ts";
 * findHeaderBlockEnd(new TextEncoder().encode("A: 1\r\n\r\nbody")); // { end: 8, lines: 2, longest: 6 }
 * ```
 */
export function findHeaderBlockEnd(buf: Uint8Array): HeaderBlockExtent | null {
  let lineStart = 0;
  let lines = 0;
  let longest = 0;
  while (lineStart < buf.length) {
    const lf = buf.indexOf(0x0a, lineStart);
    if (lf < 0) return null;
    lines++;
    const length = lf - lineStart;
    if (length + 1 > longest) longest = length + 1;
    if (length === 0 || (length === 1 && buf[lineStart] === 0x0d)) {
      return { end: lf + 1, lines, longest };
    }
    lineStart = lf + 1;
  }
  return null;
}

/**
 * Whether a line starts a header for the `email` parser (its `headerRE`): a continuation
 * (space or tab), `From `, or a run of printable ASCII other than `:` followed by `:`.
 */
function isHeaderLine(line: string): boolean {
  const first = line.charCodeAt(0);
  if (first === 0x20 || first === 0x09) return true;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x3a) return true;
    if (code < 0x21 || code > 0x7e) return line.startsWith("From ");
  }
  return false;
}

/** Splits text into lines at `\r\n`, `\r` or `\n`, keeping each line's end. */
function splitUniversalLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      lines.push(text.slice(start, i + 1));
      start = i + 1;
    } else if (code === 0x0d) {
      const end = text.charCodeAt(i + 1) === 0x0a ? i + 2 : i + 1;
      lines.push(text.slice(start, end));
      start = end;
      i = end - 1;
    }
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function stripTrailingLineEnds(text: string): string {
  let end = text.length;
  while (end > 0) {
    const code = text.charCodeAt(end - 1);
    if (code !== 0x0a && code !== 0x0d) break;
    end--;
  }
  return text.slice(0, end);
}

function sourceParse(lines: string[]): HeaderPair {
  const first = lines[0];
  const colon = first.indexOf(":");
  let valueStart = colon + 1;
  while (first.charCodeAt(valueStart) === 0x20 || first.charCodeAt(valueStart) === 0x09) {
    valueStart++;
  }
  let value = first.slice(valueStart);
  for (let i = 1; i < lines.length; i++) value += lines[i];
  return [first.slice(0, colon), stripTrailingLineEnds(value)];
}

/**
 * Parses a latin-1 decoded header block (the lines CPython's `_read_headers` collected,
 * blank line included) into name/value pairs, following the `email` feed parser: the block
 * stops at the first line that is neither a header, a continuation, nor `From `; a
 * continuation line is appended to the previous value with its line end; a leading
 * continuation and a line with an empty name are skipped.
 *
 * @param block The header block text.
 * @returns The headers in order, duplicates kept.
 *
 * @example A line without a colon ends the headers
 * ```ts
 * import { parseHeaderBlock } from "./header_block.ts";
 * parseHeaderBlock("A: 1\r\nnocolon\r\nB: 2\r\n\r\n"); // [["A", "1"]]
 * ```
 */
export function parseHeaderBlock(block: string): HeaderPair[] {
  const lines = splitUniversalLines(block);
  const headerLines: string[] = [];
  for (const line of lines) {
    if (!isHeaderLine(line)) break;
    headerLines.push(line);
  }
  const headers: HeaderPair[] = [];
  let current: string[] | null = null;
  for (let i = 0; i < headerLines.length; i++) {
    const line = headerLines[i];
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (current !== null) current.push(line);
      continue;
    }
    if (current !== null) {
      headers.push(sourceParse(current));
      current = null;
    }
    if (line.startsWith("From ")) {
      // The email parser's unix-from rules: the first such line is an envelope, the last one
      // starts the body, any other is ignored. None of them is a header.
      if (i === headerLines.length - 1 && i !== 0) break;
      continue;
    }
    if (line.indexOf(":") === 0) continue;
    current = [line];
  }
  if (current !== null) headers.push(sourceParse(current));
  return headers;
}
