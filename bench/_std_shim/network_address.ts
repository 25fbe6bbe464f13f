/**
 * Stand-in for `@std/net/unstable-get-network-address`, which `npm:deno-std@1.4.0` does not
 * ship (only `file_server.js`'s own command line calls it; the benchmark never does).
 *
 * @module
 */
/**
 * No network address: the benchmark serves loopback only.
 *
 * @returns Undefined.
 */
export function getNetworkAddress(): string | undefined {
  return undefined;
}
