/**
 * A CGI server in its own process, for the tests that compare it with CPython or measure its
 * memory: `deno run -A tests/_cgi_server.ts DIR [CGI_TIMEOUT]` serves DIR on a free loopback
 * port with `ThreadingHTTPServer` + `CGIHTTPRequestHandler`, prints the port on stdout, and
 * serves until stdin closes.
 *
 * @module
 */
import { CGIHTTPRequestHandler } from "../handlers/cgi.ts";
import { ThreadingHTTPServer } from "../server.ts";

if (import.meta.main) {
  const [directory, timeoutArg] = Deno.args;
  const timeout = timeoutArg === undefined || timeoutArg === "none" ? null : Number(timeoutArg);
  class Handler extends CGIHTTPRequestHandler {
    override cgi_timeout = timeout;
  }
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler);
  server.directory = directory;
  const serving = server.serve_forever();
  await Deno.stdout.write(new TextEncoder().encode(`${server.server_port}\n`));
  // Serve until the parent closes our stdin.
  const buf = new Uint8Array(64);
  while ((await Deno.stdin.read(buf)) !== null) {
    // Nothing is expected on stdin.
  }
  await server.shutdown();
  await serving;
  server.server_close();
}
