/**
 * `MemoryConnection`: an in-memory {@linkcode ByteConnection} for socketless handler tests
 * and examples (the analogue of Python's `BytesIO` pair).
 *
 * @example Run bytes through it
 * ```ts
 * import { MemoryConnection } from "./memory.ts";
 * const conn = new MemoryConnection("ping");
 * const buf = new Uint8Array(8);
 * await conn.read(buf); // 4
 * await conn.write(new TextEncoder().encode("pong"));
 * new TextDecoder().decode(conn.output()); // "pong"
 * ```
 *
 * @module
 */
import type { ByteConnection } from "../types.ts";

/** Options for {@linkcode MemoryConnection}. */
export interface MemoryConnectionOptions {
  /** Largest chunk one `read` returns (default: everything left), e.g. 1 for byte by byte. */
  readChunkSize?: number;
}

/**
 * A connection whose input is fixed bytes and whose output is recorded.
 *
 * @example Byte-by-byte input
 * ```ts
 * import { MemoryConnection } from "./memory.ts";
 * const conn = new MemoryConnection("ab", { readChunkSize: 1 });
 * const buf = new Uint8Array(8);
 * await conn.read(buf); // 1
 * ```
 */
export class MemoryConnection implements ByteConnection {
  readonly #input: Uint8Array;
  #offset = 0;
  readonly #chunk: number;
  /** Every `write` call's bytes, in order. */
  readonly writes: Uint8Array[] = [];
  /** True once `close` was called. */
  closed = false;

  /**
   * Creates the instance.
   *
   * @param input What the peer sends (a string is UTF-8 encoded; use bytes for latin-1).
   * @param options Read chunking.
   */
  constructor(input: Uint8Array | string, options: MemoryConnectionOptions = {}) {
    this.#input = typeof input === "string" ? new TextEncoder().encode(input) : input;
    this.#chunk = options.readChunkSize ?? Infinity;
  }

  /** Copies the next input bytes into `p`; null at the end. */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#offset >= this.#input.length) return Promise.resolve(null);
    const n = Math.min(p.length, this.#chunk, this.#input.length - this.#offset);
    p.set(this.#input.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return Promise.resolve(n);
  }

  /** Records the bytes. */
  write(p: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    this.writes.push(p.slice());
    return Promise.resolve(p.length);
  }

  /** Marks the connection closed. */
  close(): void {
    this.closed = true;
  }

  /** Everything written so far, as one array. */
  output(): Uint8Array {
    const total = this.writes.reduce((sum, w) => sum + w.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const w of this.writes) {
      out.set(w, offset);
      offset += w.length;
    }
    return out;
  }
}
