/**
 * The request head reader, sans I/O: fed the bytes that follow the request line, it answers
 * with the parsed header pairs, {@linkcode NEED_MORE}, or a typed limit error, checking the
 * limits as CPython's `http.client._read_headers` does (each line, line end included, at most
 * `maxLineLength` bytes; at most `maxHeaders` lines, the blank line and the end of stream
 * counted as lines).
 *
 * @example Feed a head in two pieces
 * ```ts
 * import { HeadReader, NEED_MORE } from "./head_reader.ts";
 * const reader = new HeadReader();
 * const bytes = new TextEncoder().encode("Host: a\r\n\r\nbody");
 * reader.read(bytes.subarray(0, 5), 65536, 100) === NEED_MORE; // true (5 bytes taken)
 * reader.read(bytes.subarray(5), 65536, 100); // [["Host", "a"]]
 * reader.consumed; // 6: "body" is left to the caller
 * ```
 *
 * @module
 */
import { LineTooLongError, TooManyHeadersError } from "../errors.ts";
import { HeaderBlockMemo, type HeaderPair, parseHeaderBlock } from "./header_block.ts";
import { decodeLatin1 } from "./latin1.ts";

const LF = 0x0a;
const CR = 0x0d;

/**
 * What {@linkcode HeadReader.read} answers when the head is not complete yet: the bytes it
 * was given are taken (see {@linkcode HeadReader.consumed}); call again with what follows.
 */
export const NEED_MORE: unique symbol = Symbol("need more");

/** A head refused for its size: `431 Line too long` or `431 Too many headers`. */
export type HeadLimitError = LineTooLongError | TooManyHeadersError;

/** The answer of {@linkcode HeadReader.read}: the head's pairs, need more, or a limit error. */
export type HeadReadResult = readonly HeaderPair[] | typeof NEED_MORE | HeadLimitError;

/**
 * Reads one request head after another from the bytes of one connection. A head that is
 * whole in the buffer is found and parsed in one call (a block equal to the previous one
 * reuses its parse); otherwise the reader takes what it was given, keeps it, and finishes
 * when a later call brings the blank line (or the end of stream).
 *
 * @example A head that ends at the end of stream
 * ```ts
 * import { HeadReader, NEED_MORE } from "./head_reader.ts";
 * const reader = new HeadReader();
 * const bytes = new TextEncoder().encode("A: 1\r\nB: 2");
 * reader.read(bytes, 65536, 100) === NEED_MORE; // true
 * reader.read(new Uint8Array(0), 65536, 100, true); // [["A", "1"], ["B", "2"]]
 * ```
 */
export class HeadReader {
  /**
   * Bytes of the last buffer given to {@linkcode read} that belong to the head (all of them
   * after {@linkcode NEED_MORE}, up to the blank line after a head, 0 after an error): the
   * caller drops them from its buffer.
   */
  consumed = 0;
  readonly #memo = new HeaderBlockMemo();
  /** True while a head spans calls: the fields below hold what was taken so far. */
  #pending = false;
  /** The head's text so far (latin-1). */
  #text = "";
  /** Lines completed so far. */
  #lines = 0;
  /** Bytes of the unfinished last line taken so far. */
  #lineLength = 0;
  /** The unfinished last line starts with CR (with one more LF it is the blank line). */
  #lineStartsCr = false;

  /**
   * Reads a head from `buf`, which starts where the head (or the part not taken yet) starts.
   *
   * @param buf The bytes received and not yet taken.
   * @param maxLineLength Longest line accepted, in bytes with its line end.
   * @param maxHeaders Most lines accepted, counting the blank line.
   * @param atEof No more bytes will come: the head ends with `buf` (as CPython's reader ends
   *   a head at the end of stream, which counts as one more line).
   * @returns The head's pairs (shared with later calls: never modify them),
   *   {@linkcode NEED_MORE}, or the limit error to answer with.
   */
  read(buf: Uint8Array, maxLineLength: number, maxHeaders: number, atEof = false): HeadReadResult {
    if (this.#pending) return this.#readOn(buf, maxLineLength, maxHeaders, atEof);
    // The hot path: the whole head is in `buf`.
    const length = buf.length;
    let lineStart = 0;
    let lines = 0;
    for (let i = 0; i < length; i++) {
      if (buf[i] !== LF) continue;
      const lineLength = i + 1 - lineStart;
      if (lineLength > maxLineLength) return this.#fail(new LineTooLongError(maxLineLength));
      if (++lines > maxHeaders) return this.#fail(new TooManyHeadersError(maxHeaders));
      if (lineLength === 1 || (lineLength === 2 && buf[lineStart] === CR)) {
        this.consumed = i + 1;
        return this.#memo.parse(buf, i + 1);
      }
      lineStart = i + 1;
    }
    const tail = length - lineStart;
    if (tail > maxLineLength) return this.#fail(new LineTooLongError(maxLineLength));
    if (atEof) {
      if (tail > 0) lines++;
      if (++lines > maxHeaders) return this.#fail(new TooManyHeadersError(maxHeaders));
      this.consumed = length;
      return this.#memo.parse(buf, length);
    }
    this.#pending = true;
    this.#text = decodeLatin1(buf, 0, length);
    this.#lines = lines;
    this.#lineLength = tail;
    this.#lineStartsCr = tail > 0 && buf[lineStart] === CR;
    this.consumed = length;
    return NEED_MORE;
  }

  /** {@linkcode read} for a head that earlier calls have begun. */
  #readOn(
    buf: Uint8Array,
    maxLineLength: number,
    maxHeaders: number,
    atEof: boolean,
  ): HeadReadResult {
    const length = buf.length;
    let lineStart = 0;
    let carried = this.#lineLength;
    let startsCr = this.#lineStartsCr;
    let lines = this.#lines;
    for (let i = 0; i < length; i++) {
      if (buf[i] !== LF) continue;
      const lineLength = carried + i + 1 - lineStart;
      if (lineLength > maxLineLength) return this.#fail(new LineTooLongError(maxLineLength));
      if (++lines > maxHeaders) return this.#fail(new TooManyHeadersError(maxHeaders));
      if (carried === 0) startsCr = buf[lineStart] === CR;
      if (lineLength === 1 || (lineLength === 2 && startsCr)) {
        const pairs = parseHeaderBlock(this.#text + decodeLatin1(buf, 0, i + 1));
        this.#reset();
        this.consumed = i + 1;
        return pairs;
      }
      carried = 0;
      lineStart = i + 1;
    }
    const tail = carried + length - lineStart;
    if (tail > maxLineLength) return this.#fail(new LineTooLongError(maxLineLength));
    if (carried === 0 && length > lineStart) startsCr = buf[lineStart] === CR;
    this.consumed = length;
    if (atEof) {
      if (tail > 0) lines++;
      if (++lines > maxHeaders) return this.#fail(new TooManyHeadersError(maxHeaders));
      const pairs = parseHeaderBlock(this.#text + decodeLatin1(buf, 0, length));
      this.#reset();
      this.consumed = length;
      return pairs;
    }
    this.#text += decodeLatin1(buf, 0, length);
    this.#lines = lines;
    this.#lineLength = tail;
    this.#lineStartsCr = startsCr;
    return NEED_MORE;
  }

  #fail(error: HeadLimitError): HeadLimitError {
    this.#reset();
    this.consumed = 0;
    return error;
  }

  #reset(): void {
    this.#pending = false;
    this.#text = "";
    this.#lines = 0;
    this.#lineLength = 0;
    this.#lineStartsCr = false;
  }
}
