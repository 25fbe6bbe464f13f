/**
 * The "error handler" of the `http.server` tutorials, ported: whatever is asked for, the
 * answer is `send_error(404)`, the standard error page.
 *
 * ```sh
 * deno run --allow-net examples/error_handler.ts 8080
 * curl -i http://127.0.0.1:8080/
 * ```
 *
 * @example Use the handler in your own server
 * ```ts ignore
 * import { HTTPServer } from "../mod.ts";
 * import { ErrorHandler } from "./error_handler.ts";
 * await new HTTPServer(["127.0.0.1", 8080], ErrorHandler).serve_forever();
 * ```
 *
 * @module
 */
import { BaseHTTPRequestHandler, HTTPServer } from "../mod.ts";

/** Answers every GET with 404 Not Found. */
export class ErrorHandler extends BaseHTTPRequestHandler {
  /** Sends the 404 error page. */
  async do_GET(): Promise<void> {
    await this.send_error(404);
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: deno run --allow-net examples/error_handler.ts [port]");
    Deno.exit(2);
  }
  const server = new HTTPServer(["127.0.0.1", port], ErrorHandler);
  console.log(`Serving on http://127.0.0.1:${server.server_port}/ (Ctrl-C to stop)`);
  await server.serve_forever();
}
