/**
 * # httpserver
 *
 * Python's `http.server` for Deno: `BaseHTTPRequestHandler`, `SimpleHTTPRequestHandler`,
 * `CGIHTTPRequestHandler`, `HTTPServer`, `ThreadingHTTPServer` and the HTTPS servers, with
 * the same names, so a Python handler ports line by line, and the same bytes on the wire as
 * CPython 3.13.
 *
 * What changes from Python is only what the platform forces: reads and writes are `await`ed
 * (`await this.end_headers()`, `await this.wfile.write(body)`, `await this.rfile.read(n)`,
 * `await server.serve_forever()`), and a handler is constructed and then run by the server.
 * `send_response`, `send_header` and `send_response_only` only buffer, so they stay
 * synchronous.
 *
 * Permissions: `--allow-net` to listen; `--allow-read` to serve files; `--allow-run` for CGI.
 *
 * @example A handler in the style of Python's, served and asked once
 * ```ts
 * import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "./mod.ts";
 * import { assertEquals } from "./deps.ts";
 *
 * class Handler extends BaseHTTPRequestHandler {
 *   async do_GET() {
 *     const body = new TextEncoder().encode(`You asked for ${this.path}\n`);
 *     this.send_response(200);
 *     this.send_header("Content-Type", "text/plain; charset=utf-8");
 *     this.send_header("Content-Length", body.length);
 *     await this.end_headers();
 *     await this.wfile.write(body);
 *   }
 *   override log_message() {} // keep the example quiet
 * }
 *
 * // Port 0 picks a free port; `["", 8000]` would serve every interface on 8000.
 * const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler);
 * const serving = server.serve_forever();
 * const response = await fetch(`http://127.0.0.1:${server.server_port}/hello?x=1`);
 * assertEquals(await response.text(), "You asked for /hello?x=1\n");
 * await server.shutdown();
 * await serving;
 * server.server_close();
 * ```
 *
 * @example Serve a directory, as `python -m http.server` does
 * ```ts ignore
 * import { SimpleHTTPRequestHandler } from "./mod.ts";
 * import { test } from "./cli.ts";
 * await test(SimpleHTTPRequestHandler); // port 8000, all interfaces, until Ctrl-C
 * ```
 *
 * @module
 */
export {
  BaseHTTPRequestHandler,
  type RequestHandlerClass,
  type RequestLimitsInfo,
} from "./handlers/base.ts";
export {
  type BodySource,
  BytesSource,
  type DirectoryServerInfo,
  FileContentCache,
  SimpleHTTPRequestHandler,
  type SimpleHTTPRequestHandlerOptions,
} from "./handlers/simple.ts";
export { type AcceptedConnection, getfqdn, HTTPServer, ThreadingHTTPServer } from "./server.ts";
export {
  CGI_STDIN_CHUNK_SIZE,
  CgiEnvironmentError,
  CGIHTTPRequestHandler,
  type CGIHTTPRequestHandlerOptions,
  DEFAULT_CGI_DIRECTORIES,
  DEFAULT_CGI_TIMEOUT,
  DEFAULT_PYTHON_EXECUTABLE,
  ExecFormatError,
  UrlCollapseError,
} from "./handlers/cgi.ts";
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  HTTPSServer,
  type HTTPSServerOptions,
  loadCertChain,
  ThreadingHTTPSServer,
  type TLSCertifiedKey,
  TLSConfigurationError,
  type TLSPassword,
} from "./tls_server.ts";
export { HTTPMessage } from "./headers.ts";
export type { HeaderPair } from "./protocol/header_block.ts";
export type { FormatValue } from "./protocol/python_text.ts";
export { ResponseHead } from "./protocol/response_head.ts";
export { HTTPStatus, type HTTPStatusCode, responses, type StatusText } from "./status.ts";
export { RFile } from "./io/rfile.ts";
export { type TextEncoding, WFile } from "./io/wfile.ts";
export { MemoryConnection, type MemoryConnectionOptions } from "./io/memory.ts";
export type { ByteConnection, ClientAddress, ServerInfo } from "./types.ts";
export {
  BadRequestLineError,
  ClientDisconnectedError,
  HeaderFieldError,
  HeaderValueError,
  LineTooLongError,
  ProtocolError,
  SocketTimeoutError,
  TooManyHeadersError,
  UnsupportedVersionError,
} from "./errors.ts";
export {
  DEFAULT_ERROR_CONTENT_TYPE,
  DEFAULT_ERROR_MESSAGE,
  MAX_HEADERS,
  MAX_LINE_LENGTH,
  MODULE_VERSION,
} from "./constants.ts";
