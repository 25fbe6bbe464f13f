/**
 * The "threading and forking" example of the `http.server` tutorials, ported: a
 * `ThreadingHTTPServer` whose handler answers with the name of the task serving the
 * connection (`Task-<n>`, where Python prints the thread's name). Each answer waits a little
 * first (`delay_ms`, or `?delay=<ms>` up to 10 s), so requests sent together visibly overlap.
 *
 * ```sh
 * deno run --allow-net examples/concurrent_handler.ts 8080
 * curl -s 'http://127.0.0.1:8080/?delay=1000' & curl -s 'http://127.0.0.1:8080/?delay=1000'
 * ```
 *
 * Both answers arrive after about one second, not two.
 *
 * @example Use the handler in your own server
 * ```ts ignore
 * import { ThreadingHTTPServer } from "../mod.ts";
 * import { ConcurrentHandler } from "./concurrent_handler.ts";
 * await new ThreadingHTTPServer(["127.0.0.1", 8080], ConcurrentHandler).serve_forever();
 * ```
 *
 * @module
 */
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "../mod.ts";

const encoder = new TextEncoder();
/** Longest wait a request may ask for, in milliseconds. */
export const MAX_DELAY_MS = 10_000;
let tasksStarted = 0;

/** Answers each GET, after a short wait, with the name of the task serving it. */
export class ConcurrentHandler extends BaseHTTPRequestHandler {
  /** Milliseconds each answer waits unless the query says `delay=<ms>`. */
  delay_ms: number = 100;
  /** This connection's task name: `Task-1`, `Task-2`, ... in order of arrival. */
  readonly task_name: string = `Task-${++tasksStarted}`;

  /** Waits, then writes the task's name. */
  async do_GET(): Promise<void> {
    const query = this.path.includes("?") ? this.path.slice(this.path.indexOf("?") + 1) : "";
    const asked = Number(new URLSearchParams(query).get("delay") ?? Number.NaN);
    const delay = Number.isFinite(asked)
      ? Math.min(Math.max(asked, 0), MAX_DELAY_MS)
      : this.delay_ms;
    await new Promise((resolve) => setTimeout(resolve, delay));
    this.send_response(200);
    this.send_header("Content-Type", "text/plain; charset=utf-8");
    await this.end_headers();
    await this.wfile.write(encoder.encode(`${this.task_name}\n`));
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("usage: deno run --allow-net examples/concurrent_handler.ts [port]");
    Deno.exit(2);
  }
  const server = new ThreadingHTTPServer(["127.0.0.1", port], ConcurrentHandler);
  console.log(`Serving on http://127.0.0.1:${server.server_port}/ (Ctrl-C to stop)`);
  await server.serve_forever();
}
