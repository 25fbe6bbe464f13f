/**
 * Stand-in for `@std/http/unstable-method`, which `npm:deno-std@1.4.0` does not ship: the
 * request methods `http/file_server.js` compares against.
 *
 * @module
 */
/** Method names by identifier. */
export const METHOD = {
  Get: "GET",
  Head: "HEAD",
  Post: "POST",
  Put: "PUT",
  Delete: "DELETE",
  Options: "OPTIONS",
  Patch: "PATCH",
} as const;
