/**
 * Benchmark target (issue 2): a `BaseHTTPRequestHandler` subclass answering `GET` with a fixed
 * 1 KiB body and `Content-Length`, under `ThreadingHTTPServer`, speaking HTTP/1.1 (keep-alive).
 * The request log is silenced, as in `python_base_handler.py`.
 *
 * Run: `deno run -A bench/base_handler.ts [port] [seconds]`: with `seconds`, the server shuts
 * down cleanly after that long and the process exits on its own (so `--cpu-prof` writes its
 * profile); SIGTERM and SIGINT also shut it down cleanly.
 *
 * @module
 */
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { ThreadingHTTPServer } from "../server.ts";

const BODY = new TextEncoder().encode("x".repeat(1024));

/** Answers every GET with the same 1 KiB body. */
export class OneKiBHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";

  /** The 1 KiB answer. */
  async do_GET(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", BODY.length);
    await this.end_headers();
    await this.wfile.write(BODY);
  }

  /** Silenced, as the Python twin does. */
  override log_message(): void {}
}

/**
 * Serves until `seconds` have passed (if given) or a signal arrives, then shuts down.
 *
 * @param port The loopback port.
 * @param seconds Run time, or undefined for no limit.
 */
export async function main(port: number, seconds?: number): Promise<void> {
  const server = new ThreadingHTTPServer(["127.0.0.1", port], OneKiBHandler);
  console.log(`base handler on ${server.server_port}`);
  const serving = server.serve_forever();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(timer);
    server.shutdown();
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, stop);
  if (seconds !== undefined) timer = setTimeout(stop, seconds * 1000);
  await serving;
  for (const sig of signals) Deno.removeSignalListener(sig, stop);
  server.server_close();
  // Connections still open (wrk keeps them alive) are not waited for: end the process here,
  // after the event loop had a turn, so that a `--cpu-prof` profile is written on exit.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

if (import.meta.main) {
  const seconds = Deno.args[1] === undefined ? undefined : Number(Deno.args[1]);
  await main(Number(Deno.args[0] ?? 8203), seconds);
  Deno.exit(0);
}
