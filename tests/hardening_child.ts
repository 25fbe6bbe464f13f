/**
 * The command line run as a child process, for hardening tests and the soak: start it on a
 * free loopback port, read its memory (RSS) and open descriptors from `/proc`, send it a
 * signal, and keep its stderr log (counted by line, the last lines kept) without ever letting
 * the pipe fill up.
 *
 * @module
 */

/** Milliseconds the child may take to print its banner. */
export const CLI_START_TIMEOUT_MS = 20_000;
/** Log lines kept in memory (the rest are only counted). */
const KEPT_LOG_LINES = 2000;

const CLI_PATH = new URL("../cli.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

/** A running `cli.ts` child. */
export interface CliChild {
  /** The child's process id. */
  pid: number;
  /** The port it serves on (127.0.0.1). */
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Everything it printed on stdout so far. */
  stdout(): string;
  /** The last log lines (stderr), and how many there were in all. */
  log(): { lines: string[]; total: number };
  /** Sends a signal. */
  kill(signal?: Deno.Signal): void;
  /** Resolves with the exit status. */
  status: Promise<Deno.CommandStatus>;
  /** SIGTERM (if still running), then waits for the exit and the end of its output. */
  stop(): Promise<Deno.CommandStatus>;
}

/**
 * Starts `deno run -A cli.ts --bind 127.0.0.1 <flags> 0` and waits for its banner.
 *
 * @param flags Extra command-line flags (`-d DIR`, `--header-timeout 2`, ...).
 * @param denoFlags Flags for `deno run` itself (e.g. `--v8-flags=...`).
 * @returns The running child.
 */
export async function spawnCli(flags: string[], denoFlags: string[] = []): Promise<CliChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoFlags, CLI_PATH, "--bind", "127.0.0.1", ...flags, "0"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let out = "";
  const lines: string[] = [];
  let total = 0;
  let partial = "";
  let bannerSeen: (port: number) => void = () => {};
  const banner = new Promise<number>((resolve) => bannerSeen = resolve);
  const stdoutDone = (async () => {
    for await (const chunk of child.stdout) {
      out += decoder.decode(chunk, { stream: true });
      const match = /Serving HTTPS? on \S+ port (\d+)/.exec(out);
      if (match !== null) bannerSeen(Number(match[1]));
    }
    bannerSeen(0);
  })();
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) {
      const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = parts.pop() ?? "";
      total += parts.length;
      lines.push(...parts);
      if (lines.length > KEPT_LOG_LINES) lines.splice(0, lines.length - KEPT_LOG_LINES);
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(0), CLI_START_TIMEOUT_MS);
  });
  const port = await Promise.race([banner, expired]);
  clearTimeout(timer);
  const status = child.status;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    const result = await status;
    await Promise.all([stdoutDone, stderrDone]);
    return result;
  };
  if (port === 0) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await stop();
    throw new Error(`cli.ts did not start: ${out}\n${lines.join("\n")}`);
  }
  return {
    pid: child.pid,
    port,
    base: `http://127.0.0.1:${port}`,
    stdout: () => out,
    log: () => ({ lines: [...lines], total }),
    kill: (signal: Deno.Signal = "SIGTERM") => child.kill(signal),
    status,
    stop,
  };
}

/**
 * A process's resident memory in bytes (`VmRSS` of `/proc/<pid>/status`).
 *
 * @param pid The process.
 * @returns Bytes.
 */
export function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * How many descriptors a process has open (entries of `/proc/<pid>/fd`).
 *
 * @param pid The process.
 * @returns The count.
 */
export function openDescriptors(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

/**
 * Polls `probe` until it returns true or `timeoutMs` passes.
 *
 * @param probe The condition.
 * @param timeoutMs The longest wait.
 * @param intervalMs Pause between polls.
 * @returns Whether the condition became true.
 */
export async function waitUntil(
  probe: () => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return probe();
}

/** Formats bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * Collects unhandled promise rejections for the duration of a test, so that one fails the
 * test instead of killing the test process.
 *
 * @returns `check()` throws if any rejection was seen; `dispose()` removes the listener.
 */
export function watchUnhandledRejections(): { check(): void; dispose(): void } {
  const seen: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    seen.push(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  return {
    check() {
      if (seen.length > 0) {
        const reasons = seen.map((r) => r instanceof Error ? r.stack ?? r.message : String(r));
        throw new Error(`unhandled rejection(s):\n${reasons.join("\n")}`);
      }
    },
    dispose() {
      globalThis.removeEventListener("unhandledrejection", listener);
    },
  };
}
