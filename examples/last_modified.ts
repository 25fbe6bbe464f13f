/**
 * The "setting headers" example of the `http.server` tutorials, ported: every GET is
 * answered with a short body and a `Last-Modified` header made by `date_time_string()` from
 * a fixed file's modification time (this example's own source file). Nothing else is
 * honoured: `If-Modified-Since` and friends are ignored, the answer is always 200.
 *
 * ```sh
 * deno run --allow-net --allow-read examples/last_modified.ts 8080
 * curl -i http://127.0.0.1:8080/
 * ```
 *
 * Without `--allow-read` (`deno run --allow-net examples/last_modified.ts`) the file cannot
 * be inspected, and the time the server started stands in for its modification time.
 *
 * @example Use the handler in your own server
 * ```ts ignore
 * import { HTTPServer } from "../mod.ts";
 * import { LastModifiedHandler } from "./last_modified.ts";
 * await new HTTPServer(["127.0.0.1", 8080], LastModifiedHandler).serve_forever();
 * ```
 *
 * @module
 */
import { BaseHTTPRequestHandler, HTTPServer } from "../mod.ts";

const encoder = new TextEncoder();
const startedAt = Date.now() / 1000;

/**
 * The modification time of `path` in seconds since the epoch, or null when it cannot be
 * read (no read permission, no such file). Never prompts for permission.
 *
 * @param path A file path.
 */
export function mtimeSeconds(path: string): number | null {
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return null;
    const mtime = Deno.statSync(path).mtime;
    return mtime === null ? null : mtime.getTime() / 1000;
  } catch {
    return null;
  }
}

/** Answers every GET with 200, a short body and the fixed file's `Last-Modified`. */
export class LastModifiedHandler extends BaseHTTPRequestHandler {
  /** The file whose modification time is sent: this example's source file. */
  last_modified_file: string = import.meta.filename ?? "";

  /** Sends the response with `Last-Modified`. */
  async do_GET(): Promise<void> {
    const mtime = mtimeSeconds(this.last_modified_file) ?? startedAt;
    this.send_response(200);
    this.send_header("Content-Type", "text/plain; charset=utf-8");
    this.send_header("Last-Modified", this.date_time_string(mtime));
    await this.end_headers();
    await this.wfile.write(encoder.encode("Response body\n"));
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: deno run --allow-net examples/last_modified.ts [port]");
    Deno.exit(2);
  }
  const server = new HTTPServer(["127.0.0.1", port], LastModifiedHandler);
  console.log(`Serving on http://127.0.0.1:${server.server_port}/ (Ctrl-C to stop)`);
  await server.serve_forever();
}
