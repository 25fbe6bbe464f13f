/**
 * Interfaces shared by handlers and servers, so that handlers never import the server module.
 *
 * @module
 */

/**
 * The byte connection a handler talks over: a `Deno.Conn`, a `Deno.TlsConn`, or an in-memory
 * stand-in (`MemoryConnection`). Only these members are used.
 *
 * @example A connection that answers nothing and records what is written
 * ```ts
 * import type { ByteConnection } from "./types.ts";
 * import { assertEquals } from "./deps.ts";
 * const written: Uint8Array[] = [];
 * const conn: ByteConnection = {
 *   read: () => Promise.resolve(null),
 *   write: (p) => {
 *     written.push(p.slice());
 *     return Promise.resolve(p.length);
 *   },
 *   close: () => {},
 * };
 * assertEquals(await conn.write(new Uint8Array([1, 2])), 2);
 * assertEquals(await conn.read(new Uint8Array(8)), null);
 * assertEquals(written.length, 1);
 * ```
 */
export interface ByteConnection {
  /** Reads into `p`; resolves to the byte count, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; resolves to the byte count written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes both directions. */
  close(): void;
  /** Half-closes: no more writes (sends FIN). */
  closeWrite?(): Promise<void>;
  /** Turns Nagle's algorithm off (true) or on (false). */
  setNoDelay?(noDelay?: boolean): void;
}

/**
 * A peer address as Python gives it: `(host, port)`. IPv6 hosts come without brackets.
 */
export type ClientAddress = [host: string, port: number];

/**
 * What a handler may see of the server that runs it (the Python attributes).
 */
export interface ServerInfo {
  /** `(host, port)` the server is bound to (the real port when 0 was asked for). */
  server_address: ClientAddress;
  /** The bound host's name (Python `socket.getfqdn(host)`). */
  server_name: string;
  /** The bound port. */
  server_port: number;
}
