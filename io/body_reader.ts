/**
 * {@linkcode BoundedBodyReader}: a request body of a known length (`Content-Length`), read
 * from the connection in chunks and never past its end, with an optional size limit that
 * fails before anything is read ({@linkcode RequestBodyTooLargeError}, a 413). The chunks are
 * views into the connection's read buffer, reused from read to read: nothing is copied.
 *
 * @example Copy a body to a sink, chunk by chunk
 * ```ts
 * import { BoundedBodyReader } from "./body_reader.ts";
 * import { MemoryConnection } from "./memory.ts";
 * import { RFile } from "./rfile.ts";
 * import { assertEquals } from "../deps.ts";
 *
 * const rfile = new RFile(new MemoryConnection("hello, worldGET / HTTP/1.1\r\n"));
 * const body = new BoundedBodyReader(rfile, 12, { maxBytes: 1024 });
 * let text = "";
 * while (!body.complete) {
 *   const chunk = await body.peek();
 *   if (chunk.length === 0) break; // The client sent less than it announced.
 *   text += new TextDecoder().decode(chunk);
 *   body.consume(chunk.length);
 * }
 * assertEquals(text, "hello, world");
 * assertEquals(await rfile.readline(), new TextEncoder().encode("GET / HTTP/1.1\r\n"));
 * ```
 *
 * @module
 */
import { RequestBodyTooLargeError } from "../errors.ts";
import type { RFile } from "./rfile.ts";

export { RequestBodyTooLargeError } from "../errors.ts";

/**
 * Default most bytes of a body a reader accepts (64 MiB): a bound on what one request can
 * make a handler take in when the caller sets none; a handler with a better bound passes it.
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Default most bytes handed out per chunk (64 KiB): one pipe or file write's worth. */
export const DEFAULT_BODY_CHUNK_SIZE = 64 * 1024;

const EMPTY = new Uint8Array(0);

/** The part of an {@linkcode RFile} a body reader uses. */
export type BodyInput = Pick<RFile, "buffered" | "peek" | "consume" | "read1">;

/** Limits of a {@linkcode BoundedBodyReader}. */
export interface BodyReaderLimits {
  /**
   * Most bytes the body may announce, or null for no limit (default
   * {@linkcode DEFAULT_MAX_BODY_BYTES}).
   */
  maxBytes?: number | null;
  /** Most bytes per chunk (default {@linkcode DEFAULT_BODY_CHUNK_SIZE}). */
  chunkSize?: number;
}

/**
 * Reads the `length` bytes of a request body from a connection's read buffer: {@linkcode peek}
 * waits for the next chunk (at most one read from the connection) and {@linkcode consume}
 * takes it, so a chunk is consumed only once the caller has used it. Bytes past the body stay
 * in the buffer for the next request.
 */
export class BoundedBodyReader {
  readonly #input: BodyInput;
  readonly #chunkSize: number;
  #remaining: number;

  /**
   * Creates the reader; nothing is read yet.
   *
   * @param input The connection's read side (a handler's `rfile`).
   * @param length The body's length, from `Content-Length`.
   * @param limits The size limit and chunk size.
   * @throws {RequestBodyTooLargeError} `length` is more than `maxBytes`.
   */
  constructor(input: BodyInput, length: number, limits: BodyReaderLimits = {}) {
    const maxBytes = limits.maxBytes === undefined ? DEFAULT_MAX_BODY_BYTES : limits.maxBytes;
    if (maxBytes !== null && length > maxBytes) {
      throw new RequestBodyTooLargeError(length, maxBytes);
    }
    this.#input = input;
    this.#chunkSize = limits.chunkSize ?? DEFAULT_BODY_CHUNK_SIZE;
    this.#remaining = length;
  }

  /** Body bytes not consumed yet. */
  get remaining(): number {
    return this.#remaining;
  }

  /** True once the whole body has been consumed. */
  get complete(): boolean {
    return this.#remaining === 0;
  }

  /**
   * The next bytes of the body, not consumed: what is buffered, or what one read from the
   * connection brings, at most the chunk size and never past the body's end. The view is
   * valid until the next read or {@linkcode consume}.
   *
   * @returns The chunk; empty once the body is complete, or when the client closed before
   * sending all of it (then {@linkcode complete} is false).
   * @throws {ClientDisconnectedError} The connection was reset.
   * @throws {SocketTimeoutError} The read took longer than the `rfile`'s timeout.
   */
  async peek(): Promise<Uint8Array> {
    if (this.#remaining === 0) return EMPTY;
    if (this.#input.buffered === 0) {
      // read1(0) reads from the connection at most once and consumes nothing.
      await this.#input.read1(0);
      if (this.#input.buffered === 0) return EMPTY;
    }
    const n = Math.min(this.#input.buffered, this.#remaining, this.#chunkSize);
    return this.#input.peek().subarray(0, n);
  }

  /**
   * Takes `n` bytes of the chunk {@linkcode peek} returned.
   *
   * @param n Bytes used, at most the chunk's length.
   * @throws {RangeError} `n` is more than the body has left or than is buffered.
   */
  consume(n: number): void {
    if (n > this.#remaining) throw new RangeError("consume() past the end of the body");
    this.#input.consume(n);
    this.#remaining -= n;
  }
}
