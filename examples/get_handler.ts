/**
 * The "GET handler" of the `http.server` tutorials, ported: every GET is answered with a
 * plain-text page showing what the handler knows about the request (client values), about
 * itself (server values) and the headers it received.
 *
 * Run it, then ask it something:
 *
 * ```sh
 * deno run --allow-net examples/get_handler.ts 8080
 * curl -s 'http://127.0.0.1:8080/a/b?x=1'
 * ```
 *
 * @example Use the handler in your own server
 * ```ts ignore
 * import { HTTPServer } from "../mod.ts";
 * import { GetHandler } from "./get_handler.ts";
 * await new HTTPServer(["127.0.0.1", 8080], GetHandler).serve_forever();
 * ```
 *
 * @module
 */
import { BaseHTTPRequestHandler, HTTPServer } from "../mod.ts";

const encoder = new TextEncoder();

/**
 * Splits a request target as Python's `urllib.parse.urlparse` does for the parts shown here:
 * the path (scheme and authority of an absolute-form target removed) and the query (without
 * the fragment).
 *
 * @param target The request target, e.g. `/a/b?x=1#top`.
 * @returns `[path, query]`.
 */
export function splitTarget(target: string): [path: string, query: string] {
  let rest = target;
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/.exec(rest);
  if (scheme !== null) rest = rest.slice(scheme[0].length);
  const question = rest.indexOf("?");
  return question >= 0 ? [rest.slice(0, question), rest.slice(question + 1)] : [rest, ""];
}

/** Formats `client_address` as Python prints the tuple: `('127.0.0.1', 54321)`. */
function pythonTuple([host, port]: [string, number]): string {
  return `('${host}', ${port})`;
}

/** Answers every GET with a description of the request. */
export class GetHandler extends BaseHTTPRequestHandler {
  /** Writes the CLIENT VALUES, SERVER VALUES and HEADERS RECEIVED sections. */
  async do_GET(): Promise<void> {
    const [realPath, query] = splitTarget(this.path);
    const parts = [
      "CLIENT VALUES:",
      `client_address=${pythonTuple(this.client_address)} (${this.address_string()})`,
      `command=${this.command}`,
      `path=${this.path}`,
      `real path=${realPath}`,
      `query=${query}`,
      `request_version=${this.request_version}`,
      "",
      "SERVER VALUES:",
      `server_version=${this.server_version}`,
      `sys_version=${this.sys_version}`,
      `protocol_version=${this.protocol_version}`,
      "",
      "HEADERS RECEIVED:",
    ];
    // Python's sorted(headers.items()): by name, then by value.
    const headers = this.headers.items().sort(([a, x], [b, y]) =>
      a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0
    );
    for (const [name, value] of headers) parts.push(`${name}=${value.trimEnd()}`);
    parts.push("");
    const message = parts.join("\r\n");
    this.send_response(200);
    this.send_header("Content-Type", "text/plain; charset=utf-8");
    await this.end_headers();
    await this.wfile.write(encoder.encode(message));
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: deno run --allow-net examples/get_handler.ts [port]");
    Deno.exit(2);
  }
  const server = new HTTPServer(["127.0.0.1", port], GetHandler);
  console.log(`Serving on http://127.0.0.1:${server.server_port}/ (Ctrl-C to stop)`);
  await server.serve_forever();
}
