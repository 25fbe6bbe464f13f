/**
 * Stand-in for `@std/http/unstable-header`, which `npm:deno-std@1.4.0` does not ship: the
 * header names `http/file_server.js` uses, by their standard spelling.
 *
 * @module
 */
/** Header names by identifier. */
export const HEADER = {
  AcceptRanges: "Accept-Ranges",
  AccessControlAllowHeaders: "Access-Control-Allow-Headers",
  AccessControlAllowOrigin: "Access-Control-Allow-Origin",
  ContentLength: "Content-Length",
  ContentRange: "Content-Range",
  ContentType: "Content-Type",
  ETag: "ETag",
  IfModifiedSince: "If-Modified-Since",
  IfNoneMatch: "If-None-Match",
  LastModified: "Last-Modified",
  Range: "Range",
} as const;
