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
 * one comparison, instead of being decoded and parsed again. Any difference parses afresh.
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
  #bytes: Uint8Array | null = null;
  #pairs: readonly HeaderPair[] = [];

  /**
   * The headers of the block in `buf[0, end)`: remembered if the bytes equal the last block
   * parsed here, else parsed (as {@linkcode parseHeaderBlock} of its latin-1 text).
   *
   * @param buf The buffered bytes, starting with the block.
   * @param end Where the block ends (after its blank line).
   * @returns The pairs; shared with later calls, so never modify them.
   */
  parse(buf: Uint8Array, end: number): readonly HeaderPair[] {
    const last = this.#bytes;
    if (last !== null && last.length === end) {
      let i = 0;
      while (i < end && last[i] === buf[i]) i++;
      if (i === end) return this.#pairs;
    }
    const pairs = parseHeaderBlock(decodeLatin1(buf, 0, end));
    if (end <= MAX_REMEMBERED_HEADER_BLOCK) {
      this.#bytes = buf.slice(0, end);
      this.#pairs = pairs;
    } else {
      this.#bytes = null;
    }
    return pairs;
  }
}
