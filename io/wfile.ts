/**
 * `wfile`: the writer a handler sends its response through. Small writes are coalesced and
 * sent as one socket write when the handler finishes a request, calls `flush()`, is about to
 * wait for input, passes {@linkcode WRITE_COALESCE_LIMIT}, or on the next timer tick, so a
 * header block and a small body leave in one segment. Writes wait for the socket, so a slow
 * reader never makes the server hold more than that limit.
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
import { ClientDisconnectedError, SocketTimeoutError } from "../errors.ts";
import type { ByteConnection } from "../types.ts";
import { isDisconnect } from "./connection_errors.ts";

const encoder = new TextEncoder();
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Writers holding unsent bytes. One timer, shared by every connection, flushes them on the
 * next tick, so the cost of the timer is paid once per tick rather than once per response.
 */
const dirtyWriters: Set<WFile> = new Set();
let flushTimer: ReturnType<typeof setTimeout> | undefined;

function flushDirtyWriters(): void {
  flushTimer = undefined;
  const writers = [...dirtyWriters];
  dirtyWriters.clear();
  for (const writer of writers) writer.flush().catch(() => {});
}

function markDirty(writer: WFile): void {
  dirtyWriters.add(writer);
  flushTimer ??= setTimeout(flushDirtyWriters, 0);
}

function markClean(writer: WFile): void {
  if (dirtyWriters.delete(writer) && dirtyWriters.size === 0 && flushTimer !== undefined) {
    clearTimeout(flushTimer);
    flushTimer = undefined;
  }
}

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
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #sending: Promise<void> = RESOLVED;
  #inFlight = 0;
  #failure: unknown = undefined;
  #written = 0;
  /** Milliseconds a single socket write may wait, or null for no limit. */
  timeoutMs: number | null = null;

  /**
   * Creates the writer.
   *
   * @param conn The connection to write to.
   */
  constructor(conn: ByteConnection) {
    this.#conn = conn;
  }

  /** Bytes handed to the connection so far. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Bytes accepted by `write` and not yet sent. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Queues bytes (a string is encoded as UTF-8) and resolves when they are accepted; large
   * writes are sent before it resolves.
   *
   * @param data The bytes.
   * @returns The number of bytes accepted (Python's `write` return value).
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  write(data: Uint8Array | string): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (bytes.length === 0) return Promise.resolve(0);
    if (this.#pendingBytes + bytes.length <= WRITE_COALESCE_LIMIT) {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.length;
      if (this.#pending.length === 1) markDirty(this);
      return Promise.resolve(bytes.length);
    }
    return this.#writeLarge(bytes);
  }

  async #writeLarge(bytes: Uint8Array): Promise<number> {
    await this.flush();
    if (bytes.length >= WRITE_COALESCE_LIMIT) {
      await this.#enqueue(bytes);
    } else {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.length;
    }
    return bytes.length;
  }

  /**
   * Sends everything queued and resolves once the connection has taken it.
   *
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  flush(): Promise<void> {
    if (this.#pendingBytes === 0) {
      if (this.#inFlight === 0) {
        return this.#failure === undefined ? RESOLVED : Promise.reject(this.#failure);
      }
      return this.#sending.then(() => {
        if (this.#failure !== undefined) throw this.#failure;
      });
    }
    let chunk: Uint8Array;
    if (this.#pending.length === 1) {
      chunk = this.#pending[0];
    } else {
      chunk = new Uint8Array(this.#pendingBytes);
      let offset = 0;
      for (const part of this.#pending) {
        chunk.set(part, offset);
        offset += part.length;
      }
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    markClean(this);
    return this.#enqueue(chunk);
  }

  /** Drops anything queued and stops the flush timer (used when a connection is abandoned). */
  discard(): void {
    markClean(this);
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #enqueue(chunk: Uint8Array): Promise<void> {
    const next = this.#inFlight === 0
      ? this.#sendAll(chunk)
      : this.#sending.then(() => this.#sendAll(chunk));
    this.#inFlight++;
    this.#sending = next.then(this.#settled, this.#settled);
    return next;
  }

  readonly #settled = (): void => {
    this.#inFlight--;
  };

  async #writeOnce(chunk: Uint8Array): Promise<number> {
    const pending = this.#conn.write(chunk);
    if (this.timeoutMs === null) return await pending;
    pending.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SocketTimeoutError()), this.timeoutMs as number);
    });
    try {
      return await Promise.race([pending, timeout]);
    } finally {
      clearTimeout(timer);
    }
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
      this.#failure = isDisconnect(error)
        ? new ClientDisconnectedError("connection lost while writing", { cause: error })
        : error;
      throw this.#failure;
    }
  }
}
