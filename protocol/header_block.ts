/**
 * The header block, parsed as CPython's `http.client.parse_headers` does once
 * `head_reader.ts` has collected and length-checked its lines: decoded as latin-1 and parsed
 * with the `email` package's rules (obs-fold continuation lines joined, duplicates
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
import { decodeLatin1 } from "./latin1.ts";
import { stripLineEnds } from "./python_text.ts";

/** One header as received: name and value, case and bytes as sent (latin-1). */
export type HeaderPair = [name: string, value: string];

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
  // One pass over the text. Lines end at `\r\n`, `\r` or `\n` (the email parser's universal
  // newlines). A header's value runs from after the colon and its leading blanks to the end
  // of its last continuation line; continuation lines directly follow their header, so the
  // value is one slice of the block.
  const headers: HeaderPair[] = [];
  const length = block.length;
  let name: string | null = null;
  let valueStart = 0;
  let valueEnd = 0;
  /** Where the header's first line ends (before its line end), while it has no continuation. */
  let firstLineEnd = -1;
  let pos = 0;
  while (pos < length) {
    let end = pos;
    let code = 0;
    while (end < length) {
      code = block.charCodeAt(end);
      if (code === 0x0a || code === 0x0d) break;
      end++;
    }
    let next = end;
    if (end < length) {
      next = code === 0x0d && block.charCodeAt(end + 1) === 0x0a ? end + 2 : end + 1;
    }
    const first = block.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) {
      // A continuation line; after a skipped line it is dropped, as the email parser does.
      if (name !== null) {
        valueEnd = next;
        firstLineEnd = -1;
      }
      pos = next;
      continue;
    }
    // The email parser's headerRE: printable ASCII other than ':' up to a ':', or "From ".
    let colon = -1;
    for (let i = pos; i < end; i++) {
      const c = block.charCodeAt(i);
      if (c === 0x3a) {
        colon = i;
        break;
      }
      if (c < 0x21 || c > 0x7e) break;
    }
    const unixFrom = colon < 0 && block.startsWith("From ", pos);
    if (colon < 0 && !unixFrom) break;
    if (name !== null) {
      headers.push([name, headerValue(block, valueStart, valueEnd, firstLineEnd)]);
      name = null;
    }
    // "From " lines (envelope, misplaced or trailing) and lines with an empty name are
    // never headers.
    if (colon > pos) {
      name = block.slice(pos, colon);
      let start = colon + 1;
      while (start < end) {
        const c = block.charCodeAt(start);
        if (c !== 0x20 && c !== 0x09) break;
        start++;
      }
      valueStart = start;
      valueEnd = next;
      firstLineEnd = end;
    }
    pos = next;
  }
  if (name !== null) headers.push([name, headerValue(block, valueStart, valueEnd, firstLineEnd)]);
  return headers;
}

/**
 * A header's value: up to the end of its last line with the trailing CR/LF run removed. A
 * one-line value ends where its line does (`firstLineEnd`), so no second string is made.
 */
function headerValue(block: string, start: number, end: number, firstLineEnd: number): string {
  if (firstLineEnd >= 0) {
    // One line: `end` is past its line end; the value stops before it (or at the block end).
    return block.slice(start, Math.max(start, firstLineEnd));
  }
  return stripLineEnds(block.slice(start, end));
}

/** Header blocks longer than this many bytes are parsed every time, never remembered. */
export const MAX_REMEMBERED_HEADER_BLOCK = 4096;

/**
 * The last header block one connection sent, as bytes and as parsed pairs. Keep-alive clients
 * mostly send the same block with every request (the same `Host`, `User-Agent`, `Accept`, ...),
 * so a block equal byte for byte to the previous one is answered with the earlier parse after
 * one comparison, instead of being decoded and parsed again. A block that differs from the
 * previous one inside one header's value only (a `Range` that moves with every request, a
 * request id) reuses the other pairs and decodes that one value; any other difference parses
 * afresh.
 *
 * @example
 * ```ts
 * import { HeaderBlockMemo } from "./header_block.ts";
 * import { assertEquals } from "../deps.ts";
 * const memo = new HeaderBlockMemo();
 * const block = new TextEncoder().encode("Host: a\r\nAccept: text/html\r\n\r\n");
 * const first = memo.parse(block, block.length);
 * assertEquals(first, [["Host", "a"], ["Accept", "text/html"]]);
 * assertEquals(memo.parse(block, block.length) === first, true);
 * ```
 */
export class HeaderBlockMemo {
  /** The last block's bytes in `#bytes[0, #length)`, or nothing (`#length` -1). */
  #bytes: Uint8Array = EMPTY;
  #length = -1;
  #pairs: readonly HeaderPair[] = [];
  /**
   * The last block is one header per line, every line ending in LF (a CR only before it),
   * then the blank line: pair `n` is then line `n`, which a changed value is located by.
   */
  #oneLinePerPair = false;

  /**
   * The headers of the block in `buf[0, end)`: remembered if the bytes equal the last block
   * parsed here, the last pairs with one value decoded afresh where only that value changed,
   * else parsed (as {@linkcode parseHeaderBlock} of its latin-1 text).
   *
   * @param buf The buffered bytes, starting with the block.
   * @param end Where the block ends (after its blank line).
   * @returns The pairs; shared with later calls, so never modify them.
   */
  parse(buf: Uint8Array, end: number): readonly HeaderPair[] {
    const last = this.#bytes;
    const lastLength = this.#length;
    if (lastLength >= 0) {
      const shorter = Math.min(lastLength, end);
      let same = 0;
      while (same < shorter && last[same] === buf[same]) same++;
      if (same === end && lastLength === end) return this.#pairs;
      if (this.#oneLinePerPair && end <= MAX_REMEMBERED_HEADER_BLOCK) {
        const pairs = this.#changedValue(buf, end, same);
        if (pairs !== null) return pairs;
      }
    }
    const pairs = parseHeaderBlock(decodeLatin1(buf, 0, end));
    if (end <= MAX_REMEMBERED_HEADER_BLOCK) {
      this.#remember(buf, 0, end);
      this.#pairs = pairs;
      this.#oneLinePerPair = isOneLinePerPair(buf, end, pairs.length);
    } else {
      this.#length = -1;
    }
    return pairs;
  }

  /**
   * The pairs of `buf[0, end)` when it differs from the last block only inside one header
   * line, after that line's colon (so the line is still that header, and every other line is
   * unchanged): the last pairs with that value replaced. Null when the difference is anywhere
   * else or crosses a line end. `same` is the length of the common prefix.
   */
  #changedValue(buf: Uint8Array, end: number, same: number): readonly HeaderPair[] | null {
    const last = this.#bytes;
    const lastLength = this.#length;
    // The common suffix, not overlapping the common prefix in either block.
    const room = Math.min(lastLength, end) - same;
    let suffix = 0;
    while (suffix < room && last[lastLength - 1 - suffix] === buf[end - 1 - suffix]) suffix++;
    // No line end may be inside the changed bytes of either block.
    if (hasLineEnd(last, same, lastLength - suffix) || hasLineEnd(buf, same, end - suffix)) {
      return null;
    }
    // The changed line, and its header: the line's index is the pair's (one line per pair).
    let lineStart = same;
    while (lineStart > 0 && last[lineStart - 1] !== LF) lineStart--;
    let colon = lineStart;
    while (colon < same && last[colon] !== COLON) colon++;
    // The name (or its colon) changed, or the prefix ends with a CR (then a lone one).
    if (colon >= same || last[same - 1] === CR) return null;
    let index = 0;
    for (let i = 0; i < lineStart; i++) if (last[i] === LF) index++;
    // The new value: after the colon and its blanks, to the line end.
    let valueStart = colon + 1;
    while (valueStart < end && (buf[valueStart] === SP || buf[valueStart] === HT)) valueStart++;
    let lineEnd = end - suffix;
    while (lineEnd < end && buf[lineEnd] !== CR && buf[lineEnd] !== LF) lineEnd++;
    const old = this.#pairs;
    const pairs = old.slice();
    pairs[index] = [old[index][0], decodeLatin1(buf, valueStart, Math.max(valueStart, lineEnd))];
    this.#remember(buf, same, end);
    this.#pairs = pairs;
    return pairs;
  }

  /** Keeps `buf[0, end)` as the last block, of which `buf[0, from)` is already kept. */
  #remember(buf: Uint8Array, from: number, end: number): void {
    if (this.#bytes.length < end) {
      const grown = new Uint8Array(
        Math.max(end, Math.min(this.#bytes.length * 2, MAX_REMEMBERED_HEADER_BLOCK)),
      );
      grown.set(this.#bytes.subarray(0, from));
      this.#bytes = grown;
    }
    this.#bytes.set(buf.subarray(from, end), from);
    this.#length = end;
  }
}

const EMPTY = new Uint8Array(0);
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** Whether `bytes[from, to)` holds a CR or LF. */
function hasLineEnd(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] === LF || bytes[i] === CR) return true;
  return false;
}

/**
 * Whether the block `bytes[0, end)`, parsed into `pairs` pairs, is one header per line: it
 * ends with the blank line, every CR is followed by LF, and there is one LF more than pairs
 * (so no line was a continuation, a skipped line or an early end of the headers).
 */
function isOneLinePerPair(bytes: Uint8Array, end: number, pairs: number): boolean {
  // The blank line: the whole block, or after the last header's LF.
  const endsBlank = end > 0 && bytes[end - 1] === LF &&
    (end === 1 || bytes[end - 2] === LF ||
      (bytes[end - 2] === CR && (end === 2 || bytes[end - 3] === LF)));
  if (!endsBlank) return false;
  let lineEnds = 0;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte === LF) lineEnds++;
    else if (byte === CR && bytes[i + 1] !== LF) return false;
  }
  return lineEnds === pairs + 1;
}
