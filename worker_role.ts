/**
 * What the command line needs of `--workers` before it serves: whether this process is a worker
 * (and on which port), the `--workers` value, the server class that shares a port, and the
 * signal that stops a worker whose parent is gone. The supervisor itself (starting, watching and
 * stopping the workers) is `workers.ts`, which a plain start never loads.
 *
 * @module
 */
import { ArgumentValueError } from "./errors.ts";
import type { HTTPServer } from "./server.ts";

/** The environment variable that makes the command line a worker: its value is the port. */
export const WORKER_ENV = "HTTPSERVER_WORKER";

/** The {@linkcode WORKER_ENV} value that asks for the reusePort check only. */
export const PROBE_MARKER = "probe";

/**
 * Most worker processes: beyond the cores they only cost memory, and a typo like
 * `--workers 10000` should not start ten thousand processes.
 */
export const MAX_WORKERS = 256;

/**
 * A `--workers` value: a count from 1 to {@linkcode MAX_WORKERS}, or `auto` (one per core).
 *
 * @param text The argument.
 * @returns The count.
 * @throws {ArgumentValueError} Anything else.
 */
export function parseWorkers(text: string): number {
  if (text.trim() === "auto") return Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 1);
  const trimmed = text.trim();
  const value = /^[+]?[0-9]+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_WORKERS) {
    throw new ArgumentValueError(`invalid value: '${text}' (1-${MAX_WORKERS} or auto)`);
  }
  return value;
}

/**
 * This process's role: `null` for the command line a user started, a port for a worker, or
 * `"probe"` for the reusePort check. Read only when the variable's permission is granted, so
 * a plain run never prompts for it.
 */
export function workerRole(): number | "probe" | null {
  const descriptor = { name: "env", variable: WORKER_ENV } as const;
  if (Deno.permissions.querySync(descriptor).state !== "granted") return null;
  const value = Deno.env.get(WORKER_ENV);
  if (value === undefined) return null;
  if (value === PROBE_MARKER) return PROBE_MARKER;
  const port = Number(value);
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : null;
}

/**
 * A signal that aborts when the parent is gone: a worker's stdin is a pipe the parent holds
 * open and never writes, so its end (the parent exited, even by SIGKILL) stops the worker
 * instead of leaving it serving the port alone.
 *
 * @returns The signal.
 */
export function parentGoneSignal(): AbortSignal {
  const controller = new AbortController();
  (async () => {
    const buffer = new Uint8Array(64);
    try {
      while (await Deno.stdin.read(buffer) !== null) {
        // The parent writes nothing; whatever comes is ignored.
      }
    } catch {
      // A read error is the pipe's end too.
    }
    controller.abort();
  })();
  return controller.signal;
}

/**
 * A server class whose sockets set `SO_REUSEPORT` (its `allow_reuse_port` is on before it
 * binds), for workers sharing a port.
 *
 * @param Base A server class.
 * @returns The class, binding with `allow_reuse_port` set.
 */
export function withReusePort<Args extends unknown[], Server extends HTTPServer>(
  Base: new (...args: Args) => Server,
): new (...args: Args) => Server {
  // Fields are set after the base constructor binds: set the flag in server_bind instead.
  const Plain = Base as unknown as typeof HTTPServer;
  class ReusingPort extends Plain {
    override server_bind(): void {
      this.allow_reuse_port = true;
      super.server_bind();
    }
  }
  return ReusingPort as unknown as new (...args: Args) => Server;
}
