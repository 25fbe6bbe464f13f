/**
 * Buffers of one size lent to connections while a request needs them and kept, up to a
 * bound, for the next borrower: a connection that waits idle holds none, and a burst of
 * requests reuses the same few buffers rather than allocating (and zeroing) one each.
 *
 * The process has one pool per kind of buffer ({@linkcode smallReadBufferPool},
 * {@linkcode readBufferPool},
 * {@linkcode stageBufferPool}, {@linkcode copyBufferPool}), shared by every server in it.
 *
 * @module
 */
import {
  COPY_CHUNK_SIZE,
  INITIAL_READ_BUFFER_SIZE,
  POOLED_COPY_BUFFERS,
  POOLED_READ_BUFFERS,
  POOLED_SMALL_READ_BUFFERS,
  POOLED_STAGE_BUFFERS,
  READ_BUFFER_SIZE,
  WRITE_STAGE_SIZE,
} from "../constants.ts";

/**
 * A bounded stack of equal-sized buffers. `take` pops one (or allocates when none is kept),
 * `give` pushes one back unless the pool already keeps its bound, in which case the buffer is
 * left to the garbage collector. A buffer given back must no longer be used by its giver.
 *
 * @example Borrow and return
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * import { assert } from "../deps.ts";
 * const pool = new BufferPool(4096, 2);
 * const buffer = pool.take();
 * pool.give(buffer);
 * assert(pool.take() === buffer); // The kept buffer is lent again.
 * ```
 */
export class BufferPool {
  /** Bytes in each buffer. */
  readonly size: number;
  /** Most buffers kept while no one borrows them. */
  readonly maxKept: number;
  readonly #kept: Uint8Array[] = [];

  /**
   * Creates an empty pool.
   *
   * @param size Bytes in each buffer.
   * @param maxKept Most buffers kept for reuse.
   */
  constructor(size: number, maxKept: number) {
    this.size = size;
    this.maxKept = maxKept;
  }

  /** Buffers kept for reuse now. */
  get kept(): number {
    return this.#kept.length;
  }

  /**
   * Lends a buffer of {@linkcode size} bytes (its contents are undefined).
   *
   * @returns The buffer.
   */
  take(): Uint8Array {
    return this.#kept.pop() ?? new Uint8Array(this.size);
  }

  /**
   * Takes a buffer back. One of another size (or past the bound) is dropped.
   *
   * @param buffer A buffer from {@linkcode take}, no longer in use.
   */
  give(buffer: Uint8Array): void {
    if (buffer.length === this.size && this.#kept.length < this.maxKept) this.#kept.push(buffer);
  }
}

/**
 * The small read buffers every connection starts with, back from connections that ended: a
 * close-per-request load reuses them instead of allocating (and zeroing) one per connection.
 */
export const smallReadBufferPool: BufferPool = new BufferPool(
  INITIAL_READ_BUFFER_SIZE,
  POOLED_SMALL_READ_BUFFERS,
);

/** Read buffers `rfile` grows into for a large request head or a body that streams in. */
export const readBufferPool: BufferPool = new BufferPool(READ_BUFFER_SIZE, POOLED_READ_BUFFERS);

/** Staging buffers `wfile` coalesces a response's writes in, lent per response. */
export const stageBufferPool: BufferPool = new BufferPool(WRITE_STAGE_SIZE, POOLED_STAGE_BUFFERS);

/** Buffers a large file is copied to the connection through. */
export const copyBufferPool: BufferPool = new BufferPool(COPY_CHUNK_SIZE, POOLED_COPY_BUFFERS);
