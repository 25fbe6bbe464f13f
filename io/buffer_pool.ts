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
  POOLED_EMPTY_SMALL_READ_SLABS,
  POOLED_READ_BUFFERS,
  POOLED_STAGE_BUFFERS,
  READ_BUFFER_SIZE,
  SMALL_READ_SLAB_SIZE,
  WRITE_STAGE_SIZE,
} from "../constants.ts";

/** What lends buffers of one size and takes them back: {@linkcode BufferPool}, {@linkcode SlabPool}. */
export interface BufferLender {
  /** Bytes in each buffer. */
  readonly size: number;
  /** Lends a buffer of `size` bytes (its contents are undefined). */
  take(): Uint8Array;
  /** Takes a buffer back; its giver no longer uses it. */
  give(buffer: Uint8Array): void;
}

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
export class BufferPool implements BufferLender {
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

/** Bytes in a WebAssembly memory page: slabs are whole pages. */
const WASM_PAGE_SIZE = 64 * 1024;

/** One slab: its memory and the buffers cut from it that no one borrows now. */
interface Slab {
  readonly memory: ArrayBuffer;
  /** The slab's buffers not lent now (all of them when the slab is empty). */
  readonly free: Uint8Array[];
  /** Whether the slab is in the pool's list of slabs with a free buffer. */
  listed: boolean;
}

/**
 * Memory for one slab that the runtime maps for it alone and unmaps once it is garbage: a
 * WebAssembly memory (V8 maps its pages itself). An `ArrayBuffer` of the same size would come
 * from the C allocator's heap, which keeps what is freed under allocations still in use.
 * Without WebAssembly (`--jitless`), an `ArrayBuffer` all the same.
 */
function slabMemory(bytes: number): ArrayBuffer {
  try {
    const pages = bytes / WASM_PAGE_SIZE;
    // Not shared (no `shared: true`): its buffer is a plain `ArrayBuffer`.
    return new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer as ArrayBuffer;
  } catch {
    return new ArrayBuffer(bytes);
  }
}

/**
 * Buffers of one size cut from larger slabs, each slab memory of its own that goes back to the
 * system as a whole once none of its buffers is lent and the pool drops it (beyond a few empty
 * slabs it keeps for the next borrowers). Thousands of connections that each hold one small
 * buffer then leave nothing behind in the C allocator's heap when they end. `take` lends from
 * the slab that last had a buffer back, so lent buffers gather in few slabs.
 *
 * @example Borrow and return
 * ```ts
 * import { SlabPool } from "./buffer_pool.ts";
 * import { assert } from "../deps.ts";
 * const pool = new SlabPool(2048, 128 * 1024, 1);
 * const buffer = pool.take();
 * pool.give(buffer);
 * assert(pool.take() === buffer); // The slab's free buffer is lent again.
 * ```
 */
export class SlabPool implements BufferLender {
  /** Bytes in each buffer. */
  readonly size: number;
  /** Bytes in each slab (a multiple of 64 KiB and of `size`). */
  readonly slabSize: number;
  /** Most slabs kept with none of their buffers lent. */
  readonly maxEmptySlabs: number;
  /** Every slab the pool holds, by its memory (how a buffer given back finds its slab). */
  readonly #slabs = new Map<ArrayBufferLike, Slab>();
  /** The slabs with a buffer not lent, the one to lend from last. */
  readonly #withFree: Slab[] = [];
  #emptySlabs = 0;

  /**
   * Creates an empty pool.
   *
   * @param size Bytes in each buffer.
   * @param slabSize Bytes in each slab: a multiple of 64 KiB and of `size`.
   * @param maxEmptySlabs Most slabs kept with none of their buffers lent.
   */
  constructor(size: number, slabSize: number, maxEmptySlabs: number) {
    if (slabSize % WASM_PAGE_SIZE !== 0 || slabSize % size !== 0) {
      throw new RangeError(`slab size ${slabSize} is not a multiple of 64 KiB and of ${size}`);
    }
    this.size = size;
    this.slabSize = slabSize;
    this.maxEmptySlabs = maxEmptySlabs;
  }

  /** Slabs held now (each `slabSize` bytes of memory). */
  get slabs(): number {
    return this.#slabs.size;
  }

  /** Buffers not lent now, in all slabs held. */
  get kept(): number {
    let free = 0;
    for (const slab of this.#withFree) free += slab.free.length;
    return free;
  }

  /**
   * Lends a buffer of {@linkcode size} bytes (its contents are undefined).
   *
   * @returns The buffer.
   */
  take(): Uint8Array {
    const withFree = this.#withFree;
    const slab = withFree.length > 0 ? withFree[withFree.length - 1] : this.#newSlab();
    if (slab.free.length === this.slabSize / this.size) this.#emptySlabs--;
    const buffer = slab.free.pop() as Uint8Array;
    if (slab.free.length === 0) {
      withFree.pop();
      slab.listed = false;
    }
    return buffer;
  }

  /**
   * Takes a buffer back. One that is not from this pool is left to the garbage collector.
   *
   * @param buffer A buffer from {@linkcode take}, no longer in use.
   */
  give(buffer: Uint8Array): void {
    const slab = this.#slabs.get(buffer.buffer);
    if (slab === undefined || buffer.length !== this.size) return;
    slab.free.push(buffer);
    if (!slab.listed) {
      slab.listed = true;
      this.#withFree.push(slab);
    }
    if (slab.free.length < this.slabSize / this.size) return;
    if (this.#emptySlabs < this.maxEmptySlabs) {
      this.#emptySlabs++;
      return;
    }
    // One empty slab too many: drop it, and its memory goes back once collected.
    this.#slabs.delete(slab.memory);
    this.#withFree.splice(this.#withFree.lastIndexOf(slab), 1);
  }

  #newSlab(): Slab {
    const memory = slabMemory(this.slabSize);
    const free: Uint8Array[] = [];
    for (let at = this.slabSize - this.size; at >= 0; at -= this.size) {
      free.push(new Uint8Array(memory, at, this.size));
    }
    const slab: Slab = { memory, free, listed: true };
    this.#slabs.set(memory, slab);
    this.#withFree.push(slab);
    this.#emptySlabs++;
    return slab;
  }
}

/**
 * The small read buffers every connection starts with, cut from slabs: a close-per-request load
 * reuses them instead of allocating (and zeroing) one per connection, and once thousands of
 * connections have ended their buffers go back to the system.
 */
export const smallReadBufferPool: SlabPool = new SlabPool(
  INITIAL_READ_BUFFER_SIZE,
  SMALL_READ_SLAB_SIZE,
  POOLED_EMPTY_SMALL_READ_SLABS,
);

/** Read buffers `rfile` grows into for a large request head or a body that streams in. */
export const readBufferPool: BufferPool = new BufferPool(READ_BUFFER_SIZE, POOLED_READ_BUFFERS);

/** Staging buffers `wfile` coalesces a response's writes in, lent per response. */
export const stageBufferPool: BufferPool = new BufferPool(WRITE_STAGE_SIZE, POOLED_STAGE_BUFFERS);

/** Buffers a large file is copied to the connection through. */
export const copyBufferPool: BufferPool = new BufferPool(COPY_CHUNK_SIZE, POOLED_COPY_BUFFERS);
