/**
 * Interfaces shared by handlers and servers, so that handlers never import the server module.
 *
 * @example A client address
 * ```ts
 * import type { ClientAddress } from "./types.ts";
 * const address: ClientAddress = ["127.0.0.1", 54321];
 * address[0]; // "127.0.0.1"
 * ```
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
 *
 * @example An IPv6 client
 * ```ts
 * import type { ClientAddress } from "./types.ts";
 * import { assertEquals } from "./deps.ts";
 * const [host, port]: ClientAddress = ["::1", 54321];
 * assertEquals(`[${host}]:${port}`, "[::1]:54321");
 * ```
 */
export type ClientAddress = [host: string, port: number];

/**
 * What a handler may see of the server that runs it (the Python attributes).
 *
 * @example The server a socketless handler is given
 * ```ts
 * import type { ServerInfo } from "./types.ts";
 * import { assertEquals } from "./deps.ts";
 * const server: ServerInfo = {
 *   server_address: ["127.0.0.1", 8000],
 *   server_name: "localhost",
 *   server_port: 8000,
 * };
 * assertEquals(server.server_address[1], server.server_port);
 * ```
 */
export interface ServerInfo {
  /** `(host, port)` the server is bound to (the real port when 0 was asked for). */
  server_address: ClientAddress;
  /** The bound host's name (Python `socket.getfqdn(host)`). */
  server_name: string;
  /** The bound port. */
  server_port: number;
}
