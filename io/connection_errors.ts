/**
 * Classifies connection failures: the peer going away is expected and ends only its own
 * connection; anything else is a real error.
 *
 * @example
 * ```ts
 * import { isDisconnect } from "./connection_errors.ts";
 * isDisconnect(new Deno.errors.ConnectionReset("reset")); // true
 * ```
 *
 * @module
 */

/**
 * Whether an error means the peer went away or the connection was closed under us.
 *
 * @param error Anything thrown by a read or write.
 * @returns True for resets, broken pipes, aborted or closed connections.
 *
 * @example
 * ```ts
 * import { isDisconnect } from "./connection_errors.ts";
 * isDisconnect(new Error("other")); // false
 * ```
 */
export function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.UnexpectedEof ||
    error instanceof Deno.errors.Interrupted ||
    (error instanceof Error && error.name === "InvalidData");
}
