/**
 * The "POST form handler" of the `http.server` tutorials, ported: a POSTed form (multipart
 * with uploaded files, or URL-encoded) is parsed with the platform's own `formData()` and
 * described back in plain text: client, user agent, path, then one line per field.
 *
 * ```sh
 * deno run --allow-net examples/post_form_handler.ts 8080
 * curl -F name=dhellmann -F foo=bar -F datafile=@README.md http://127.0.0.1:8080/
 * ```
 *
 * prints
 *
 * ```text
 * Client: ('127.0.0.1', 51094)
 * User-agent: curl/8.5.0
 * Path: /
 * Form data:
 * 	name=dhellmann
 * 	foo=bar
 * 	Uploaded datafile as 'README.md' (2218 bytes)
 * ```
 *
 * @example Use the handler in your own server
 * ```ts ignore
 * import { ThreadingHTTPServer } from "../mod.ts";
 * import { PostHandler } from "./post_form_handler.ts";
 * await new ThreadingHTTPServer(["127.0.0.1", 8080], PostHandler).serve_forever();
 * ```
 *
 * @module
 */
import { BaseHTTPRequestHandler, HTTPServer } from "../mod.ts";

const encoder = new TextEncoder();

/** Answers a POSTed form with a description of its fields and uploaded files. */
export class PostHandler extends BaseHTTPRequestHandler {
  /** Parses the form and writes one line per field. */
  async do_POST(): Promise<void> {
    const length = Number.parseInt(this.headers.get("Content-Length", "0"), 10);
    if (!Number.isSafeInteger(length) || length < 0) {
      await this.send_error(400, "Bad Content-Length");
      return;
    }
    let form: FormData;
    try {
      // Only the body and its Content-Type matter to formData(); the URL is a placeholder.
      const request = new Request("http://localhost/", {
        method: "POST",
        headers: this.headers.toHeaders(),
        body: this.rfile.stream(length),
      });
      form = await request.formData();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.send_error(400, "Cannot parse the form", reason);
      return;
    }
    const [host, port] = this.client_address;
    const lines = [
      `Client: ('${host}', ${port})`,
      `User-agent: ${this.headers.get("user-agent") ?? "None"}`,
      `Path: ${this.path}`,
      "Form data:",
    ];
    for (const [name, value] of form) {
      if (typeof value === "string") {
        lines.push(`\t${name}=${value}`);
      } else {
        lines.push(`\tUploaded ${name} as '${value.name}' (${value.size} bytes)`);
      }
    }
    this.send_response(200);
    this.send_header("Content-Type", "text/plain; charset=utf-8");
    await this.end_headers();
    await this.wfile.write(encoder.encode(lines.join("\n") + "\n"));
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: deno run --allow-net examples/post_form_handler.ts [port]");
    Deno.exit(2);
  }
  const server = new HTTPServer(["127.0.0.1", port], PostHandler);
  console.log(`Serving on http://127.0.0.1:${server.server_port}/ (Ctrl-C to stop)`);
  await server.serve_forever();
}
