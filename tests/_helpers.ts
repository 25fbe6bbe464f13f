/**
 * Shared test helpers: start a server on a free loopback port, send raw bytes over a real
 * socket, find CPython 3.13, and run a command.
 *
 * @module
 */
import { BaseHTTPRequestHandler, type RequestHandlerClass } from "../handlers/base.ts";
import { type HTTPServer, ThreadingHTTPServer } from "../server.ts";
import { MemoryConnection } from "../io/memory.ts";
import type { ServerInfo } from "../types.ts";
import { locatePython313 } from "./_python.ts";

/** Milliseconds a raw exchange may take before the test fails instead of hanging. */
export const RAW_EXCHANGE_TIMEOUT_MS = 10_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A running server and a way to stop it. */
export interface RunningServer<S extends HTTPServer = HTTPServer> {
  server: S;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  stop(): Promise<void>;
}

/** Starts `serve_forever` on 127.0.0.1 port 0 with the given handler. */
export function startServer<S extends HTTPServer = ThreadingHTTPServer>(
  Handler: RequestHandlerClass,
  ServerClass: new (address: [string, number], handler: RequestHandlerClass) => S =
    ThreadingHTTPServer as unknown as new (
      address: [string, number],
      handler: RequestHandlerClass,
    ) => S,
  host = "127.0.0.1",
): RunningServer<S> {
  const server = new ServerClass([host, 0], Handler);
  const serving = server.serve_forever();
  const port = server.server_port;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    port,
    base: `http://${hostPart}:${port}`,
    async stop() {
      await server.shutdown();
      await serving;
      server.server_close();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** Reads everything until the peer closes, or fails after `timeoutMs`. */
export async function readAll(
  conn: Deno.Conn,
  timeoutMs = RAW_EXCHANGE_TIMEOUT_MS,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    while (true) {
      const read = conn.read(buf);
      read.catch(() => {});
      const n = await Promise.race([read, deadline]);
      if (n === "timeout") throw new Error(`no EOF from the server within ${timeoutMs} ms`);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  } finally {
    clearTimeout(timer);
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Sends raw bytes on a new connection and returns everything received until EOF. */
export async function rawExchange(
  port: number,
  request: Uint8Array | string,
  options: { host?: string; halfClose?: boolean; timeoutMs?: number } = {},
): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: options.host ?? "127.0.0.1", port });
  try {
    const bytes = typeof request === "string" ? latin1(request) : request;
    let offset = 0;
    while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    if (options.halfClose) await conn.closeWrite();
    return await readAll(conn, options.timeoutMs);
  } finally {
    try {
      conn.close();
    } catch {
      // closed
    }
  }
}

/** Latin-1 encodes a string (every char ≤ U+00FF). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Latin-1 decodes bytes. */
export function fromLatin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
  return out;
}

/** UTF-8 decodes. */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** UTF-8 encodes. */
export function utf8(value: string): Uint8Array {
  return encoder.encode(value);
}

/** A `ServerInfo` for socketless handlers. */
export const SOCKETLESS_SERVER: ServerInfo = {
  server_address: ["127.0.0.1", 8000],
  server_name: "localhost",
  server_port: 8000,
};

/** Runs a handler over in-memory bytes and returns what it wrote. */
export async function runSocketless(
  Handler: RequestHandlerClass,
  input: Uint8Array | string,
  readChunkSize?: number,
): Promise<{ output: string; handler: BaseHTTPRequestHandler; conn: MemoryConnection }> {
  const conn = new MemoryConnection(typeof input === "string" ? latin1(input) : input, {
    readChunkSize,
  });
  const handler = new Handler(conn, ["127.0.0.1", 12345], SOCKETLESS_SERVER);
  await handler.run();
  return { output: fromLatin1(conn.output()), handler, conn };
}

/** A base handler with logging silenced. */
export class QuietHandler extends BaseHTTPRequestHandler {
  override log_message(): void {}
}

let python313: string | null | undefined;

/** The CPython 3.13 interpreter (pyenv), or null when it is not installed. */
export function findPython313(): string | null {
  if (python313 === undefined) python313 = locatePython313();
  return python313;
}

/** Masks the values of `Date` and `Server` headers so transcripts compare across servers. */
export function maskVolatileHeaders(response: string): string {
  return response.replace(/^(Date|Server): .*$/gmi, "$1: <masked>");
}

/** Waits until a TCP port accepts connections, or throws after `timeoutMs`. */
export async function waitForPort(port: number, host = "127.0.0.1", timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

/** A free loopback port (bound and released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * An nginx configuration for a test: foreground, one process, pid, logs and temporary files
 * under `prefix`, and `httpBody` (directives for the `http` context) inside `http { }`.
 */
export function nginxMainConfig(prefix: string, httpBody: string, accessLog = "off"): string {
  const temp = (name: string) => `${name}_temp_path ${prefix}/${name};`;
  return `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 64; }
http {
  access_log ${accessLog};
  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join("\n  ")}
${httpBody}
}
`;
}
