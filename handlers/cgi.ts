/**
 * `CGIHTTPRequestHandler`: runs CGI scripts as CPython 3.13 does. The implementation lives in
 * `handlers/cgi/`; this module keeps the public path `@httpserver/httpserver/handlers/cgi`.
 *
 * @example Serve files and run scripts under /cgi-bin
 * ```ts ignore
 * import { CGIHTTPRequestHandler, ThreadingHTTPServer } from "../mod.ts";
 * const server = new ThreadingHTTPServer(["127.0.0.1", 8000], CGIHTTPRequestHandler);
 * await server.serve_forever();
 * ```
 *
 * @module
 */
export * from "./cgi/handler.ts";
