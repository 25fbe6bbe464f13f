/**
 * `wfile`: the writer a handler sends its response through. Small writes are copied into one
 * reusable staging buffer and sent as one socket write when the handler finishes a request,
 * calls `flush()`, is about to wait for input, passes {@linkcode WRITE_COALESCE_LIMIT}, or on
 * the next timer tick, so a header block and a small body leave in one segment without a
 * per-response allocation. Writes wait for the socket, so a slow reader never makes the server
 * hold more than that limit per connection. The staging buffer is borrowed from a pool shared
 * by the server for each response and given back once it has been sent, so an idle
 * connection holds none.
 *
 * @example Write to memory
 * ```ts
 * import { WFile } from "./wfile.ts";
 * import { MemoryConnection } from "./memory.ts";
 * const conn = new MemoryConnection("");
 * const wfile = new WFile(conn);
 * await wfile.write(new TextEncoder().encode("hi"));
 * await wfile.flush();
 * new TextDecoder().decode(conn.output()); // "hi"
 * ```
 *
 * @module
 */
import { WRITE_COALESCE_LIMIT } from "../constants.ts";
import { type BufferPool, stageBufferPool } from "./buffer_pool.ts";
import { ClientDisconnectedError } from "../errors.ts";
import type { ByteConnection } from "../types.ts";
import { isDisconnect } from "./connection_errors.ts";
import { NextTurn } from "./core_timer.ts";
import { throwSocketTimeout, withTimeout } from "./timeout.ts";

const encoder = new TextEncoder();
const RESOLVED: Promise<void> = Promise.resolve();
/** Chunks up to this many bytes are copied by a loop rather than `TypedArray#set`. */
const SMALL_COPY_LIMIT = 64;

/** How `write` encodes a string. */
export type TextEncoding = "utf-8" | "latin1";

/**
 * A coalescing writer over a {@linkcode ByteConnection}.
 *
 * @example
 * ```ts
 * import { WFile } from "./wfile.ts";
 * import { MemoryConnection } from "./memory.ts";
 * const conn = new MemoryConnection("");
 * const wfile = new WFile(conn);
 * await wfile.write("a");
 * await wfile.write("b");
 * await wfile.flush();
 * conn.writes.length; // 1
 * ```
 */
export class WFile {
  readonly #conn: ByteConnection;
  /** Where staging buffers are borrowed from. */
  readonly #pool: BufferPool;
  /** The staging buffer (borrowed on first use, given back once sent) and its byte count. */
  #stage: Uint8Array | null = null;
  #staged = 0;
  /** True while the staging buffer's bytes are queued or being sent. */
  #stageSending = false;
  #sending: Promise<void> = RESOLVED;
  #inFlight = 0;
  #failure: unknown = undefined;
  #written = 0;
  /** Milliseconds a single socket write may wait, or null for no limit. */
  timeoutMs: number | null = null;
  /**
   * Turn off Nagle's algorithm (`setNoDelay`) just before the connection's second socket
   * write: it can only delay a write that follows another, so a connection that closes after
   * a one-write response never pays for the socket option (the handler's
   * `disable_nagle_algorithm` sets this).
   */
  noDelayFromSecondSend = false;
  #sends = 0;

  /**
   * Writers that took bytes since the last tick. One timer, shared by every connection,
   * flushes whichever of them still hold unsent bytes on the next tick; it is never cancelled
   * (a tick with nothing to flush costs nothing), so its cost is paid at most once per tick
   * rather than once per response. A plain array and a flag per writer: a `Set` that gains
   * and loses a member with every response reallocates its table as it goes.
   */
  static #listedWriters: WFile[] = [];
  static readonly #flushTimer = new NextTurn(WFile.#flushListed);
  #listed = false;

  static #flushListed(): void {
    const writers = WFile.#listedWriters;
    WFile.#listedWriters = [];
    for (const writer of writers) {
      writer.#listed = false;
      if (writer.#staged > 0) writer.flush().catch(() => {});
    }
  }

  #list(): void {
    this.#listed = true;
    WFile.#listedWriters.push(this);
    WFile.#flushTimer.schedule();
  }

  /**
   * Creates the writer.
   *
   * @param conn The connection to write to.
   * @param pool Where staging buffers are borrowed from.
   */
  constructor(conn: ByteConnection, pool: BufferPool = stageBufferPool) {
    this.#conn = conn;
    this.#pool = pool;
  }

  /** True while the writer holds a staging buffer (between a response's writes and its send). */
  get holdsBuffer(): boolean {
    return this.#stage !== null;
  }

  /** Bytes handed to the connection so far. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Bytes accepted by `write` and not yet sent. */
  get pendingBytes(): number {
    return this.#staged;
  }

  /** A staging buffer with room for `extra` more bytes (a fresh one if the current is busy). */
  #room(extra: number): Uint8Array {
    let stage = this.#stage;
    if (stage !== null && this.#stageSending) {
      // The current buffer is on its way to the socket: leave it to that send.
      stage = null;
      this.#stageSending = false;
    }
    const needed = this.#staged + extra;
    if (stage === null && needed <= this.#pool.size) {
      stage = this.#pool.take();
    } else if (stage === null || stage.length < needed) {
      let size = stage === null ? this.#pool.size : stage.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(Math.max(size, needed), WRITE_COALESCE_LIMIT));
      if (stage !== null && this.#staged > 0) grown.set(stage.subarray(0, this.#staged));
      if (stage !== null) this.#pool.give(stage);
      stage = grown;
    }
    this.#stage = stage;
    if (this.#staged === 0 && !this.#listed) this.#list();
    return stage;
  }

  /**
   * Queues bytes and resolves when they are accepted; writes past the coalescing limit are
   * sent before it resolves. A string is encoded as UTF-8, or as latin-1 when asked (every
   * character must then be at most U+00FF, as for header text).
   *
   * @param data The bytes or text.
   * @param encoding How to encode a string.
   * @returns The number of bytes accepted (Python's `write` return value).
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  write(data: Uint8Array | string, encoding: TextEncoding = "utf-8"): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (typeof data === "string") {
      if (encoding === "latin1") return this.#writeLatin1(data);
      data = encoder.encode(data);
    }
    const n = data.length;
    if (n === 0) return Promise.resolve(0);
    if (this.#staged + n < WRITE_COALESCE_LIMIT) {
      this.#room(n).set(data, this.#staged);
      this.#staged += n;
      return Promise.resolve(n);
    }
    return this.#writeLarge(data);
  }

  /**
   * Queues several byte arrays as one write, in order, without joining them first (a
   * response's header lines). Sent exactly as `write` of their concatenation would be.
   *
   * @param chunks The bytes.
   * @returns The number of bytes accepted.
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  writeChunks(chunks: readonly Uint8Array[]): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    let n = 0;
    for (let i = 0; i < chunks.length; i++) n += chunks[i].length;
    if (n === 0) return Promise.resolve(0);
    const small = this.#staged + n < WRITE_COALESCE_LIMIT;
    const target = small ? this.#room(n) : new Uint8Array(n);
    let offset = small ? this.#staged : 0;
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i];
      const length = chunk.length;
      if (length > SMALL_COPY_LIMIT) {
        target.set(chunk, offset);
      } else {
        // A header line: a loop costs less than the call into `set`.
        for (let j = 0; j < length; j++) target[offset + j] = chunk[j];
      }
      offset += length;
    }
    if (!small) return this.#writeLarge(target);
    this.#staged = offset;
    return Promise.resolve(n);
  }

  /**
   * Room for up to `length` more bytes after what is queued, for a caller that fills it in
   * place (a file span read straight into the staging buffer) and then queues what it wrote
   * with {@linkcode commit}; null where a write of that size would not be coalesced (write
   * the bytes instead). Nothing else may be written in between.
   *
   * @param length The bytes wanted.
   * @returns The room (a view of the staging buffer), or null.
   */
  reserve(length: number): Uint8Array | null {
    if (this.#failure !== undefined || this.#staged + length >= WRITE_COALESCE_LIMIT) return null;
    const stage = this.#room(length);
    return stage.subarray(this.#staged, this.#staged + length);
  }

  /**
   * Queues the first `n` bytes of the room {@linkcode reserve} gave, as `write` of them would.
   *
   * @param n Bytes filled in (at most the room's length).
   */
  commit(n: number): void {
    this.#staged += n;
  }

  #writeLatin1(text: string): Promise<number> {
    const n = text.length;
    if (this.#staged + n > WRITE_COALESCE_LIMIT) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = text.charCodeAt(i);
      return this.#writeLarge(bytes);
    }
    if (n === 0) return Promise.resolve(0);
    const stage = this.#room(n);
    let offset = this.#staged;
    // ASCII text (every header block in practice) encodes the same in UTF-8: the native
    // encoder copies it, and reads rope strings (the header lines built by concatenation)
    // without the per-character cost of `charCodeAt` on them. Anything else byte by byte.
    const { read, written } = encoder.encodeInto(text, stage.subarray(offset, offset + n));
    if (read === n && written === n) {
      this.#staged = offset + n;
      return Promise.resolve(n);
    }
    for (let i = 0; i < n; i++) stage[offset++] = text.charCodeAt(i);
    this.#staged = offset;
    return Promise.resolve(n);
  }

  async #writeLarge(bytes: Uint8Array): Promise<number> {
    await this.flush();
    if (bytes.length >= WRITE_COALESCE_LIMIT) {
      await this.#enqueue(bytes, null);
    } else {
      this.#room(bytes.length).set(bytes, this.#staged);
      this.#staged += bytes.length;
    }
    return bytes.length;
  }

  /**
   * Sends everything queued and resolves once the connection has taken it.
   *
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  flush(): Promise<void> {
    if (this.#staged === 0) {
      if (this.#inFlight === 0) {
        return this.#failure === undefined ? RESOLVED : Promise.reject(this.#failure);
      }
      return this.#sending.then(() => {
        if (this.#failure !== undefined) throw this.#failure;
      });
    }
    const stage = this.#stage as Uint8Array;
    const chunk = stage.subarray(0, this.#staged);
    this.#staged = 0;
    this.#stageSending = true;
    return this.#enqueue(chunk, stage);
  }

  /** Drops anything queued (used when a connection is abandoned). */
  discard(): void {
    this.#staged = 0;
    if (this.#stage !== null && !this.#stageSending) {
      this.#pool.give(this.#stage);
      this.#stage = null;
    }
  }

  /** Sends after whatever is already on its way (one chain per connection keeps the order). */
  #enqueue(chunk: Uint8Array, stage: Uint8Array | null): Promise<void> {
    if (this.#sends < 2 && ++this.#sends === 2 && this.noDelayFromSecondSend) {
      try {
        this.#conn.setNoDelay?.(true);
      } catch {
        // Not a TCP connection (TLS, Unix socket, memory): nothing to tune.
      }
    }
    if (this.#inFlight === 0 && this.timeoutMs === null && this.#failure === undefined) {
      // Nothing on its way (the usual case): one `conn.write` with callbacks bound once.
      this.#inFlight = 1;
      this.#activeChunk = chunk;
      this.#activeStage = stage;
      const sent = this.#conn.write(chunk).then(this.#activeWritten, this.#activeFailed);
      this.#sending = sent;
      return sent;
    }
    this.#inFlight++;
    const send = () => this.#send(chunk, stage);
    const next = this.#inFlight === 1 ? send() : this.#sending.then(send, send);
    this.#sending = next;
    return next;
  }

  /** The chunk of the send started with nothing else in flight, and its staging buffer. */
  #activeChunk: Uint8Array | null = null;
  #activeStage: Uint8Array | null = null;

  readonly #activeWritten = (n: number): void | Promise<void> => {
    const chunk = this.#activeChunk as Uint8Array;
    const stage = this.#activeStage;
    this.#activeChunk = null;
    this.#activeStage = null;
    return this.#afterWrite(n, chunk, stage);
  };

  readonly #activeFailed = (error: unknown): never => {
    const stage = this.#activeStage;
    this.#activeChunk = null;
    this.#activeStage = null;
    return this.#writeFailed(error, stage);
  };

  /** One `conn.write` of `chunk` took `n` bytes: done, or send the rest. */
  #afterWrite(n: number, chunk: Uint8Array, stage: Uint8Array | null): void | Promise<void> {
    if (n >= chunk.length) {
      this.#written += chunk.length;
      this.#sent(stage);
      return;
    }
    this.#written += n;
    return this.#settle(this.#sendAll(chunk.subarray(n)), stage);
  }

  #writeFailed(error: unknown, stage: Uint8Array | null): never {
    this.#sent(stage);
    return this.#fail(error);
  }

  /** Ends the send once `written` settles, passing its failure on. */
  #settle(written: Promise<void>, stage: Uint8Array | null): Promise<void> {
    return written.then(() => this.#sent(stage), (error) => {
      this.#sent(stage);
      throw error;
    });
  }

  /**
   * A send has ended: one less in flight, and its staging buffer goes back to the pool (the
   * writer took a fresh one if it staged more meanwhile).
   */
  #sent(stage: Uint8Array | null): void {
    this.#inFlight--;
    if (stage === null) return;
    if (this.#stage === stage) {
      this.#stageSending = false;
      if (this.#staged > 0) return;
      this.#stage = null;
    }
    this.#pool.give(stage);
  }

  /** Sends a chunk: one `conn.write` in the usual case, a loop only for partial writes. */
  #send(chunk: Uint8Array, stage: Uint8Array | null): Promise<void> {
    if (this.#failure !== undefined) {
      this.#sent(stage);
      return Promise.reject(this.#failure);
    }
    if (this.timeoutMs !== null) return this.#settle(this.#sendAll(chunk), stage);
    return this.#conn.write(chunk).then(
      (n) => this.#afterWrite(n, chunk, stage),
      (error) => this.#writeFailed(error, stage),
    );
  }

  #fail(error: unknown): never {
    this.#failure = isDisconnect(error)
      ? new ClientDisconnectedError("connection lost while writing", { cause: error })
      : error;
    throw this.#failure;
  }

  async #writeOnce(chunk: Uint8Array): Promise<number> {
    const pending = this.#conn.write(chunk);
    if (this.timeoutMs === null) return await pending;
    return await withTimeout(pending, this.timeoutMs, throwSocketTimeout);
  }

  async #sendAll(chunk: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      let offset = 0;
      while (offset < chunk.length) {
        offset += await this.#writeOnce(offset === 0 ? chunk : chunk.subarray(offset));
      }
      this.#written += chunk.length;
    } catch (error) {
      this.#fail(error);
    }
  }
}
