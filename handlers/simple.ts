/**
 * `SimpleHTTPRequestHandler`: serves files and directory listings from a directory, with
 * CPython 3.13's exact answers. The implementation lives in `handlers/files/`; this module
 * keeps the public path `@httpserver/httpserver/handlers/simple`.
 *
 * @example Serve a directory
 * ```ts ignore
 * import { SimpleHTTPRequestHandler, ThreadingHTTPServer } from "../mod.ts";
 * const server = new ThreadingHTTPServer(["127.0.0.1", 8000], SimpleHTTPRequestHandler);
 * server.directory = "/srv/www";
 * await server.serve_forever();
 * ```
 *
 * @module
 */
export * from "./files/simple.ts";
