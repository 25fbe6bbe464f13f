/**
 * Response status and header lines as the bytes that go on the wire (CPython's
 * `_headers_buffer` holds `bytes` too), checked once and remembered: a server sends the same
 * few lines (`Server`, `Content-Type`, one `Date` per second, ...) with almost every response,
 * so encoding and checking them again each time is wasted work.
 *
 * A line is refused (a {@linkcode HeaderValueError}) when its text holds CR, LF or NUL, which
 * would split the response, or a character beyond latin-1, which CPython cannot encode.
 *
 * @example
 * ```ts
 * import { HeaderLineCache } from "./header_lines.ts";
 * const lines = new HeaderLineCache();
 * new TextDecoder().decode(lines.headerLine("Content-Type", "text/plain"));
 * // "Content-Type: text/plain\r\n"
 * ```
 *
 * @module
 */
import { HeaderValueError } from "../errors.ts";

/** Header values longer than this many characters are encoded on every use, not kept. */
export const MAX_CACHED_HEADER_VALUE_LENGTH = 256;
/** Values kept per header name; past it that name's values are dropped and collected anew. */
export const MAX_CACHED_VALUES_PER_NAME = 64;
/** Header names (and status codes) kept; past it every entry is dropped and collected anew. */
export const MAX_CACHED_NAMES = 64;

/** CR, LF and NUL split a response; anything above U+00FF has no latin-1 byte. */
const UNSENDABLE_HEADER_CHAR = /[\0\n\r\u0100-\uffff]/;

/** The blank line that ends a header block. */
const END_OF_HEADERS: Uint8Array = new Uint8Array([0x0d, 0x0a]);

/**
 * Whether text may not be sent in a status or header line: it holds CR, LF or NUL, or a
 * character beyond latin-1.
 *
 * @param text A header name, value or reason phrase.
 * @returns True when the text may not be sent.
 *
 * @example
 * ```ts
 * import { isUnsendableHeaderText } from "./header_lines.ts";
 * isUnsendableHeaderText("a\r\nSet-Cookie: x=1"); // true
 * isUnsendableHeaderText("text/html; charset=utf-8"); // false
 * ```
 */
export function isUnsendableHeaderText(text: string): boolean {
  return UNSENDABLE_HEADER_CHAR.test(text);
}

/** Latin-1 bytes of the concatenated parts (every character already checked ≤ U+00FF). */
function encodeParts(parts: readonly string[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) bytes[offset++] = part.charCodeAt(i);
  }
  return bytes;
}

/** A status line kept for one code, valid while protocol and reason stay the same. */
interface StatusLineEntry {
  protocol: string;
  reason: string;
  bytes: Uint8Array;
}

/**
 * Encoded status and header lines, checked and kept for reuse. The arrays it returns are
 * shared between responses: read them, never change them.
 *
 * @example
 * ```ts
 * import { HeaderLineCache } from "./header_lines.ts";
 * const lines = new HeaderLineCache();
 * lines.statusLine("HTTP/1.1", 200, "OK") === lines.statusLine("HTTP/1.1", 200, "OK"); // true
 * ```
 */
export class HeaderLineCache {
  readonly #headers = new Map<string, Map<string, Uint8Array>>();
  readonly #statuses = new Map<number, StatusLineEntry>();

  /**
   * `<keyword>: <value>\r\n` as bytes.
   *
   * @param keyword The header name.
   * @param value The value.
   * @returns The line (shared: do not modify).
   * @throws {HeaderValueError} The name or value holds CR, LF, NUL or a non-latin-1 character.
   */
  headerLine(keyword: string, value: string): Uint8Array {
    let values = this.#headers.get(keyword);
    const known = values?.get(value);
    if (known !== undefined) return known;
    if (isUnsendableHeaderText(keyword) || isUnsendableHeaderText(value)) {
      throw new HeaderValueError(keyword, value);
    }
    const bytes = encodeParts([keyword, ": ", value, "\r\n"]);
    if (value.length > MAX_CACHED_HEADER_VALUE_LENGTH) return bytes;
    if (values === undefined) {
      if (this.#headers.size >= MAX_CACHED_NAMES) this.#headers.clear();
      values = new Map();
      this.#headers.set(keyword, values);
    } else if (values.size >= MAX_CACHED_VALUES_PER_NAME) {
      values.clear();
    }
    values.set(value, bytes);
    return bytes;
  }

  /**
   * `<protocol> <code> <reason>\r\n` as bytes.
   *
   * @param protocol The protocol version, e.g. `HTTP/1.0`.
   * @param code The status (an integer).
   * @param reason The reason phrase.
   * @returns The line (shared: do not modify).
   * @throws {HeaderValueError} The phrase holds CR, LF, NUL or a non-latin-1 character.
   */
  statusLine(protocol: string, code: number, reason: string): Uint8Array {
    const entry = this.#statuses.get(code);
    if (entry !== undefined && entry.protocol === protocol && entry.reason === reason) {
      return entry.bytes;
    }
    if (isUnsendableHeaderText(reason)) throw new HeaderValueError("status line", reason);
    // The protocol version is the handler's own setting; it is checked like header text.
    if (isUnsendableHeaderText(protocol)) throw new HeaderValueError("status line", protocol);
    const bytes = encodeParts([protocol, " ", String(code), " ", reason, "\r\n"]);
    if (reason.length > MAX_CACHED_HEADER_VALUE_LENGTH) return bytes;
    if (entry === undefined && this.#statuses.size >= MAX_CACHED_NAMES) this.#statuses.clear();
    this.#statuses.set(code, { protocol, reason, bytes });
    return bytes;
  }

  /**
   * The blank line that ends a header block.
   *
   * @returns `\r\n` (shared: do not modify).
   */
  endOfHeaders(): Uint8Array {
    return END_OF_HEADERS;
  }
}

/**
 * The lines as one array of bytes.
 *
 * @param lines Encoded status and header lines.
 * @returns Their concatenation (a new array).
 *
 * @example
 * ```ts
 * import { HeaderLineCache, joinLines } from "./header_lines.ts";
 * const lines = new HeaderLineCache();
 * joinLines([lines.statusLine("HTTP/1.0", 200, "OK"), lines.endOfHeaders()]).length; // 19
 * ```
 */
export function joinLines(lines: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < lines.length; i++) length += lines[i].length;
  const block = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    block.set(lines[i], offset);
    offset += lines[i].length;
  }
  return block;
}

/**
 * One connection's response header block, kept once it repeats: when a response is made of
 * the very same line arrays as the one before it (the lines come from a
 * {@linkcode HeaderLineCache}, so equal lines are the same objects), the joined block is kept
 * and copied whole from then on, one copy instead of a copy per line. A response that differs
 * costs a comparison of a few references.
 *
 * @example
 * ```ts
 * import { HeaderLineCache, RepeatedHeaderBlock } from "./header_lines.ts";
 * const cache = new HeaderLineCache();
 * const repeated = new RepeatedHeaderBlock();
 * const lines = () => [cache.statusLine("HTTP/1.1", 200, "OK"), cache.endOfHeaders()];
 * repeated.block(lines()); // null: nothing to compare with yet
 * repeated.block(lines())?.length; // 19: the second time the same lines come, as one block
 * ```
 */
export class RepeatedHeaderBlock {
  /** The previous response's lines (references only, copied: callers may reuse their array). */
  readonly #previous: Uint8Array[] = [];
  #block: Uint8Array | null = null;

  /**
   * The joined block when `lines` repeat the previous call's lines, else null (and `lines`
   * become the ones to compare the next call with).
   *
   * @param lines This response's encoded lines.
   * @returns The joined lines (shared: do not modify), or null.
   */
  block(lines: readonly Uint8Array[]): Uint8Array | null {
    const previous = this.#previous;
    let same = previous.length === lines.length;
    for (let i = 0; same && i < lines.length; i++) same = previous[i] === lines[i];
    if (same) return this.#block ??= joinLines(lines);
    previous.length = lines.length;
    for (let i = 0; i < lines.length; i++) previous[i] = lines[i];
    this.#block = null;
    return null;
  }
}
