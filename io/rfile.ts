/**
 * `rfile`: a buffered reader over a connection with Python's `BufferedReader` surface
 * (`readline(limit)`, `read(n)`, `read()`, `read1(n)`), built on `conn.read` directly, plus a
 * Web `ReadableStream` view for `Request`/`formData()`.
 *
 * @example Read lines from memory
 * ```ts
 * import { RFile } from "./rfile.ts";
 * import { MemoryConnection } from "./memory.ts";
 * const rfile = new RFile(new MemoryConnection("GET / HTTP/1.0\r\n\r\n"));
 * new TextDecoder().decode(await rfile.readline()); // "GET / HTTP/1.0\r\n"
 * ```
 *
 * @module
 */
import { INITIAL_READ_BUFFER_SIZE, READ_BUFFER_SIZE } from "../constants.ts";
import { ClientDisconnectedError } from "../errors.ts";
import type { ByteConnection } from "../types.ts";
import {
  type BufferLender,
  type BufferPool,
  readBufferPool,
  smallReadBufferPool,
} from "./buffer_pool.ts";
import { isDisconnect } from "./connection_errors.ts";
import { throwSocketTimeout, withTimeout } from "./timeout.ts";
import { decodeLatin1 } from "../protocol/latin1.ts";

const LF = 0x0a;
const EMPTY = new Uint8Array(0);
/** Stands for the small buffer once {@linkcode RFile.release} gave it back. */
const RELEASED = new Uint8Array(0);
/**
 * What a `beforeWait` hook returns when it had nothing to do; the reader then goes straight
 * to the connection without an extra turn of the event loop.
 */
export const RESOLVED_WAIT: Promise<void> = Promise.resolve();
const RESOLVED_FALSE: Promise<boolean> = Promise.resolve(false);

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A buffered reader over a {@linkcode ByteConnection}.
 *
 * It starts with a small buffer of its own ({@linkcode INITIAL_READ_BUFFER_SIZE}) and grows
 * into a larger one borrowed from a pool shared by the server when a request needs more: a
 * head that fills the small buffer, a `read(n)` or `read1(n)` of more than it holds, or input
 * that keeps filling whatever buffer it is read into (a body streaming in). Once everything
 * buffered has been consumed and the input has run dry, the large buffer goes back to the
 * pool, so a connection waiting for its next request holds only the small one.
 *
 * @example Read a body of known length
 * ```ts
 * import { RFile } from "./rfile.ts";
 * import { MemoryConnection } from "./memory.ts";
 * const rfile = new RFile(new MemoryConnection("hello world"));
 * new TextDecoder().decode(await rfile.read(5)); // "hello"
 * ```
 */
export class RFile {
  readonly #conn: ByteConnection;
  /** The reader's small buffer, held until {@linkcode release} (then `RELEASED`). */
  #small: Uint8Array;
  /** Where the small buffer comes from and goes back to; null: allocated for this reader. */
  readonly #smallPool: BufferLender | null;
  /** Where larger buffers are borrowed from; null: the reader never grows. */
  readonly #pool: BufferPool | null;
  /** The buffer in use: `#small`, or one borrowed from `#pool`. */
  #buf: Uint8Array;
  /** The last read from the connection filled the buffer to its end: more is on its way. */
  #streaming = false;
  #start = 0;
  #end = 0;
  #eof = false;
  /** Milliseconds a single read may wait, or null for no limit (the handler's `timeout`). */
  timeoutMs: number | null = null;
  /** Called before the reader waits on the connection (the handler flushes `wfile` here). */
  beforeWait: (() => Promise<void>) | null = null;
  /**
   * Called after bytes arrive from the connection (the handler notes a request's first byte
   * here, for its keep-alive and request-head deadlines).
   */
  onData: (() => void) | null = null;
  /** Bytes received from the connection so far. */
  bytesReceived = 0;
  /**
   * Record when each read from the connection completes, for {@linkcode lastFillAt} (off by
   * default: a clock read per read is a measurable cost on the keep-alive path).
   */
  trackFillTime = false;
  #lastFillAt = 0;

  /**
   * `performance.now()` when the last read from the connection completed: every buffered byte
   * had arrived by then (0 before the first read). Without {@linkcode trackFillTime} it is the
   * current time, which is as true, only less precise.
   */
  get lastFillAt(): number {
    return this.trackFillTime ? this.#lastFillAt : performance.now();
  }

  /**
   * Creates the instance.
   *
   * @param conn The connection to read from.
   * @param bufferSize Size of the reader's own buffer in bytes.
   * @param pool Where larger buffers are borrowed from when a request needs more (never
   *   when null, or when its buffers are no larger than `bufferSize`).
   */
  constructor(
    conn: ByteConnection,
    bufferSize: number = INITIAL_READ_BUFFER_SIZE,
    pool: BufferPool | null = readBufferPool,
  ) {
    this.#conn = conn;
    this.#smallPool = bufferSize === smallReadBufferPool.size ? smallReadBufferPool : null;
    this.#small = this.#smallPool?.take() ?? new Uint8Array(bufferSize);
    this.#buf = this.#small;
    this.#pool = pool !== null && pool.size > bufferSize ? pool : null;
  }

  /**
   * Size of the buffer in use: the small one, or a larger one while a request needs it (0
   * after {@linkcode release}, until the next read).
   */
  get bufferSize(): number {
    return this.#buf.length;
  }

  /**
   * Gives the buffers back to their pools when nothing is left in them (the handler's
   * `finish`: the connection is done); a buffer that still holds unread bytes is kept, so
   * {@linkcode buffered} stays true. Reading again takes a small buffer anew.
   */
  release(): void {
    this.#streaming = false;
    if (this.#start !== this.#end) return;
    this.#start = 0;
    this.#end = 0;
    if (this.#buf !== this.#small) this.#shrink();
    if (this.#smallPool !== null && this.#small !== RELEASED) {
      this.#smallPool.give(this.#small);
      this.#small = RELEASED;
      this.#buf = RELEASED;
    }
  }

  /** Moves the unconsumed bytes into a buffer borrowed from the pool. */
  #grow(): void {
    const pool = this.#pool as BufferPool;
    const grown = pool.take();
    const length = this.#end - this.#start;
    if (length > 0) grown.set(this.#buf.subarray(this.#start, this.#end));
    this.#buf = grown;
    this.#start = 0;
    this.#end = length;
  }

  /** Returns the borrowed buffer (nothing is buffered) and reads into the small one again. */
  #shrink(): void {
    (this.#pool as BufferPool).give(this.#buf);
    this.#buf = this.#small;
  }

  /** Bytes already read from the connection and not yet consumed. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** A view of the buffered bytes (valid until the next read); nothing is consumed. */
  peek(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /**
   * Consumes `n` buffered bytes.
   *
   * @param n Bytes to drop, at most {@linkcode buffered}.
   * @throws {RangeError} `n` is more than is buffered.
   */
  consume(n: number): void {
    if (n < 0 || n > this.#end - this.#start) throw new RangeError("consume() past the buffer");
    this.#start += n;
  }

  /** True once the peer has closed its side and the buffer is empty. */
  get atEof(): boolean {
    return this.#eof && this.#start === this.#end;
  }

  #readConn(target: Uint8Array): Promise<number | null> {
    const pending = this.#conn.read(target);
    if (this.timeoutMs === null) return pending;
    return withTimeout(pending, this.timeoutMs, throwSocketTimeout);
  }

  /**
   * Reads more bytes into the buffer; false at end of stream. `want`: bytes the caller
   * still needs, when it knows (a larger buffer is borrowed for more than the small holds).
   */
  #fill(want = 0): Promise<boolean> {
    if (this.#eof) return RESOLVED_FALSE;
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
      if (this.#small === RELEASED) {
        this.#small = (this.#smallPool as BufferLender).take();
        this.#buf = this.#small;
      }
      if (this.#pool !== null) {
        const large = this.#streaming || want > this.#small.length;
        if (this.#buf === this.#small) {
          if (large) this.#grow();
        } else if (!large) {
          this.#shrink();
        }
      }
    } else if (this.#end === this.#buf.length) {
      if (
        this.#buf === this.#small && this.#pool !== null &&
        this.#end - this.#start > this.#small.length >> 1
      ) {
        // A head (or a body) larger than the small buffer: grow rather than compact.
        this.#grow();
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
    }
    if (this.beforeWait !== null) {
      const flushed = this.beforeWait();
      if (flushed !== RESOLVED_WAIT) return flushed.then(this.#readMore);
    }
    return this.#readMore();
  }

  /**
   * Reads more bytes from the connection into the buffer, keeping the unconsumed ones (for a
   * sans-I/O parser that takes {@linkcode peek} and asks for more).
   *
   * @returns False at end of stream.
   * @throws {SocketTimeoutError} The read waited longer than `timeoutMs`.
   */
  fillBuffer(): Promise<boolean> {
    return this.#fill();
  }

  // The read path as promise callbacks bound once per reader rather than an async function:
  // a connection waiting for its next request then holds a few small objects, not frames.

  /** One read from the connection into the free end of the buffer. */
  readonly #readMore = (): Promise<boolean> => {
    const target = this.#end === 0 ? this.#buf : this.#buf.subarray(this.#end);
    return this.#readConn(target).then(this.#afterRead, this.#readFailed);
  };

  readonly #afterRead = (n: number | null): boolean => {
    if (n === null || n === 0) {
      this.#eof = true;
      return false;
    }
    this.#end += n;
    this.#streaming = this.#end === this.#buf.length;
    this.bytesReceived += n;
    if (this.trackFillTime) this.#lastFillAt = performance.now();
    if (this.onData !== null) this.onData();
    return true;
  };

  readonly #readFailed = (error: unknown): never => {
    if (isDisconnect(error)) {
      throw new ClientDisconnectedError("connection lost while reading", { cause: error });
    }
    throw error;
  };

  /**
   * Returns the next line if it is already buffered (up to and including LF, or `limit`
   * bytes), without waiting; null when more input is needed. The hot path of request parsing.
   *
   * @param limit Most bytes to return; negative for no limit.
   * @returns The line, or null.
   */
  readlineBuffered(limit = -1): Uint8Array | null {
    const take = this.#bufferedLineLength(limit);
    if (take < 0) return null;
    const chunk = this.#buf.slice(this.#start, this.#start + take);
    this.#start += take;
    return chunk;
  }

  /**
   * {@linkcode readlineBuffered}, decoded as latin-1 (one character per byte) without an
   * intermediate copy: the request line's hot path.
   *
   * @param limit Most bytes to return; negative for no limit.
   * @returns The line as latin-1 text, or null when more input is needed.
   */
  readlineBufferedLatin1(limit = -1): string | null {
    const take = this.#bufferedLineLength(limit);
    if (take < 0) return null;
    const text = decodeLatin1(this.#buf, this.#start, this.#start + take);
    this.#start += take;
    return text;
  }

  /**
   * {@linkcode readline} decoded as latin-1: the request line. When the buffer is empty it
   * waits for one read and takes the line straight from the buffer, without the general
   * line assembly (which handles lines that span reads).
   *
   * @param limit Most bytes to return; negative for no limit.
   * @returns The line as latin-1 text; empty at end of stream.
   */
  readlineLatin1(limit = -1): Promise<string> {
    if (this.#start !== this.#end) return Promise.resolve(this.#restOfLineLatin1(limit));
    return this.#fill().then((more) => more ? this.#restOfLineLatin1(limit) : "");
  }

  #restOfLineLatin1(limit: number): string | Promise<string> {
    return this.readlineBufferedLatin1(limit) ??
      this.readline(limit).then((line) => decodeLatin1(line));
  }

  /** Length of the next buffered line (LF included, at most `limit`), or -1 if incomplete. */
  #bufferedLineLength(limit: number): number {
    const available = this.#end - this.#start;
    if (available === 0) return -1;
    const want = limit < 0 ? available : Math.min(available, limit);
    // A plain loop beats TypedArray#indexOf on the short lines of a request head.
    const buf = this.#buf;
    const stop = this.#start + want;
    for (let i = this.#start; i < stop; i++) {
      if (buf[i] === LF) return i - this.#start + 1;
    }
    return limit >= 0 && available >= limit ? limit : -1;
  }

  /**
   * Reads one line up to and including LF, at most `limit` bytes (Python `readline(limit)`).
   * Returns fewer bytes without LF at end of stream or when the limit is reached, and an
   * empty array at end of stream.
   *
   * @param limit Most bytes to return; negative for no limit.
   * @returns The line.
   * @throws {SocketTimeoutError} A read waited longer than `timeoutMs`.
   */
  async readline(limit = -1): Promise<Uint8Array> {
    const buffered = this.readlineBuffered(limit);
    if (buffered !== null) return buffered;
    let parts: Uint8Array[] | null = null;
    let total = 0;
    while (true) {
      const available = this.#end - this.#start;
      if (available === 0) {
        if (!(await this.#fill())) break;
        continue;
      }
      const want = limit < 0 ? available : Math.min(available, limit - total);
      const window = this.#buf.subarray(this.#start, this.#start + want);
      const newline = window.indexOf(LF);
      const take = newline >= 0 ? newline + 1 : want;
      const chunk = this.#buf.slice(this.#start, this.#start + take);
      this.#start += take;
      total += take;
      if (parts === null && (newline >= 0 || (limit >= 0 && total >= limit))) return chunk;
      (parts ??= []).push(chunk);
      if (newline >= 0 || (limit >= 0 && total >= limit)) break;
    }
    return parts === null ? EMPTY : concat(parts, total);
  }

  /**
   * Reads `n` bytes, or fewer at end of stream (Python `read(n)`); with no argument or a
   * negative one, reads to end of stream.
   *
   * @param n Bytes wanted.
   * @returns The bytes.
   */
  async read(n = -1): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (n < 0 || total < n) {
      const available = this.#end - this.#start;
      if (available === 0) {
        if (!(await this.#fill(n < 0 ? Infinity : n - total))) break;
        continue;
      }
      const take = n < 0 ? available : Math.min(available, n - total);
      parts.push(this.#buf.slice(this.#start, this.#start + take));
      this.#start += take;
      total += take;
    }
    return parts.length === 0 ? EMPTY : concat(parts, total);
  }

  /**
   * Returns up to `n` bytes with at most one read from the connection (Python `read1`).
   *
   * @param n Most bytes wanted.
   * @returns The bytes; empty only at end of stream.
   */
  async read1(n: number = READ_BUFFER_SIZE): Promise<Uint8Array> {
    if (this.#start === this.#end && !(await this.#fill(n))) return EMPTY;
    const take = Math.min(n, this.#end - this.#start);
    const chunk = this.#buf.slice(this.#start, this.#start + take);
    this.#start += take;
    return chunk;
  }

  /**
   * A Web stream of the next `length` bytes (the request body), or of everything to end of
   * stream when `length` is omitted. It ends early if the peer closes.
   *
   * @param length Bytes to stream.
   * @returns The stream.
   *
   * @example Parse a form body with the platform
   * ```ts
   * import { RFile } from "./rfile.ts";
   * import { MemoryConnection } from "./memory.ts";
   * const body = "a=1&b=2";
   * const rfile = new RFile(new MemoryConnection(body));
   * const request = new Request("http://localhost/", {
   *   method: "POST",
   *   headers: { "content-type": "application/x-www-form-urlencoded" },
   *   body: rfile.stream(body.length),
   * });
   * (await request.formData()).get("b"); // "2"
   * ```
   */
  stream(length?: number): ReadableStream<Uint8Array> {
    let remaining = length ?? Infinity;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (remaining <= 0) {
          controller.close();
          return;
        }
        const chunk = await this.read1(Math.min(remaining, READ_BUFFER_SIZE));
        if (chunk.length === 0) {
          controller.close();
          return;
        }
        remaining -= chunk.length;
        controller.enqueue(chunk);
        if (remaining <= 0) controller.close();
      },
    });
  }
}
