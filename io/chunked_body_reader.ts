/**
 * {@linkcode ChunkedBodyReader}: a `Transfer-Encoding: chunked` request body (RFC 9112 §7.1)
 * decoded from the connection's read buffer with the same `peek`/`consume` surface as
 * {@linkcode BoundedBodyReader}: the data of each chunk is handed out as views into the read
 * buffer, nothing is copied, and the reading stops at the chunk that would pass the size limit
 * ({@linkcode UploadLimitExceededError}, a 413), before its data is read.
 *
 * @example Decode a chunked body
 * ```ts
 * import { ChunkedBodyReader } from "./chunked_body_reader.ts";
 * import { MemoryConnection } from "./memory.ts";
 * import { RFile } from "./rfile.ts";
 * import { assertEquals } from "../deps.ts";
 *
 * const rfile = new RFile(new MemoryConnection("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"));
 * const body = new ChunkedBodyReader(rfile, { maxBytes: 1024 });
 * let text = "";
 * for (let chunk = await body.peek(); chunk.length > 0; chunk = await body.peek()) {
 *   text += new TextDecoder().decode(chunk);
 *   body.consume(chunk.length);
 * }
 * assertEquals(text, "hello, world");
 * assertEquals(body.complete, true);
 * ```
 *
 * @module
 */
import { ChunkedBodyError, UploadLimitExceededError } from "../errors.ts";
import { DEFAULT_BODY_CHUNK_SIZE, DEFAULT_MAX_BODY_BYTES } from "./body_reader.ts";
import type { RFile } from "./rfile.ts";

/**
 * Most bytes of a chunk size line, extensions and CRLF included: a size needs at most 16 hex
 * digits, the rest is room for extensions nobody sends to a file server.
 */
export const MAX_CHUNK_SIZE_LINE_BYTES = 4096;
/** Most bytes of the trailer section: fields after the last chunk are read and dropped. */
export const MAX_CHUNKED_TRAILER_BYTES = 16 * 1024;
/** Most hex digits of a chunk size: 13 reach 2^52, past any limit a safe integer can hold. */
const MAX_CHUNK_SIZE_DIGITS = 13;

const EMPTY = new Uint8Array(0);
const HEX_SIZE = /^[0-9A-Fa-f]+$/;

/** The part of an {@linkcode RFile} a chunked reader uses. */
export type ChunkedBodyInput = Pick<RFile, "buffered" | "peek" | "consume" | "read1" | "readline">;

/** Limits of a {@linkcode ChunkedBodyReader}. */
export interface ChunkedBodyLimits {
  /** Most data bytes, or null for none (default `DEFAULT_MAX_BODY_BYTES`). */
  maxBytes?: number | null;
  /** Most bytes per chunk handed out (default `DEFAULT_BODY_CHUNK_SIZE`). */
  chunkSize?: number;
}

/** Where the decoder is in the framing. */
type State = "size" | "data" | "data-end" | "trailer" | "done";

/**
 * Reads a chunked request body: {@linkcode peek} returns the next data bytes (reading size
 * lines, chunk ends and the trailer on the way), {@linkcode consume} takes them.
 */
export class ChunkedBodyReader {
  readonly #input: ChunkedBodyInput;
  readonly #maxBytes: number | null;
  readonly #chunkSize: number;
  #state: State = "size";
  #chunkRemaining = 0;
  #received = 0;

  /**
   * Creates the reader; nothing is read yet.
   *
   * @param input The connection's read side (a handler's `rfile`).
   * @param limits The size limit and chunk size.
   */
  constructor(input: ChunkedBodyInput, limits: ChunkedBodyLimits = {}) {
    this.#input = input;
    this.#maxBytes = limits.maxBytes === undefined ? DEFAULT_MAX_BODY_BYTES : limits.maxBytes;
    this.#chunkSize = limits.chunkSize ?? DEFAULT_BODY_CHUNK_SIZE;
  }

  /** True once the last chunk and the trailer have been read. */
  get complete(): boolean {
    return this.#state === "done";
  }

  /** Data bytes consumed so far. */
  get received(): number {
    return this.#received;
  }

  /**
   * The next data bytes, not consumed (a view valid until the next read or consume).
   *
   * @returns The bytes; empty once the body is complete, or when the client closed before
   * the end (then {@linkcode complete} is false).
   * @throws {ChunkedBodyError} The framing is broken.
   * @throws {UploadLimitExceededError} A chunk would take the body past `maxBytes`.
   * @throws {ClientDisconnectedError} The connection was reset.
   * @throws {SocketTimeoutError} A read took longer than the `rfile`'s timeout.
   */
  async peek(): Promise<Uint8Array> {
    for (;;) {
      switch (this.#state) {
        case "done":
          return EMPTY;
        case "size": {
          const line = await this.#line(MAX_CHUNK_SIZE_LINE_BYTES, "chunk size line");
          if (line === null) return EMPTY;
          const semicolon = line.indexOf(";");
          const digits = (semicolon < 0 ? line : line.slice(0, semicolon)).replace(/[ \t]+$/, "");
          if (!HEX_SIZE.test(digits) || digits.length > MAX_CHUNK_SIZE_DIGITS) {
            throw new ChunkedBodyError(`bad chunk size line ${JSON.stringify(line)}`);
          }
          const size = parseInt(digits, 16);
          if (size === 0) {
            this.#state = "trailer";
            continue;
          }
          if (this.#maxBytes !== null && this.#received + size > this.#maxBytes) {
            throw new UploadLimitExceededError(this.#maxBytes);
          }
          this.#chunkRemaining = size;
          this.#state = "data";
          continue;
        }
        case "data": {
          if (this.#chunkRemaining === 0) {
            this.#state = "data-end";
            continue;
          }
          if (this.#input.buffered === 0) {
            await this.#input.read1(0);
            if (this.#input.buffered === 0) return EMPTY;
          }
          const n = Math.min(this.#input.buffered, this.#chunkRemaining, this.#chunkSize);
          return this.#input.peek().subarray(0, n);
        }
        case "data-end": {
          const line = await this.#line(2, "chunk end");
          if (line === null) return EMPTY;
          if (line !== "") throw new ChunkedBodyError("chunk data not followed by CRLF");
          this.#state = "size";
          continue;
        }
        case "trailer": {
          let total = 0;
          for (;;) {
            const line = await this.#line(MAX_CHUNKED_TRAILER_BYTES - total, "trailer");
            if (line === null) return EMPTY;
            if (line === "") break;
            total += line.length + 2;
          }
          this.#state = "done";
          return EMPTY;
        }
      }
    }
  }

  /**
   * Takes `n` bytes of the data {@linkcode peek} returned.
   *
   * @param n Bytes used, at most the chunk's length.
   * @throws {RangeError} `n` is more than the current chunk holds.
   */
  consume(n: number): void {
    if (this.#state !== "data" || n > this.#chunkRemaining) {
      throw new RangeError("consume() past the end of the chunk");
    }
    this.#input.consume(n);
    this.#chunkRemaining -= n;
    this.#received += n;
  }

  /**
   * One framing line without its CRLF (a bare LF is accepted), or null when the connection
   * ended first.
   */
  async #line(limit: number, what: string): Promise<string | null> {
    const bytes = await this.#input.readline(limit + 1);
    if (bytes.length === 0) return null;
    if (bytes[bytes.length - 1] !== 0x0a) {
      if (bytes.length > limit) throw new ChunkedBodyError(`${what} too long`);
      return null;
    }
    let end = bytes.length - 1;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    let text = "";
    for (let i = 0; i < end; i++) text += String.fromCharCode(bytes[i]);
    return text;
  }
}
