/**
 * The command line as a child process: spawn `deno run --allow-net --allow-read cli.ts ...`
 * (or any command), collect stdout and stderr as they arrive, wait for the banner, send a
 * signal, and always reap the process. Every wait is bounded in time.
 *
 * @module
 */

/** The repository root, as a path (no trailing slash). */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** `cli.ts` in this checkout. */
export const CLI_PATH: string = `${REPO_ROOT}/cli.ts`;

/** The only permissions the file server needs. */
export const CLI_PERMISSIONS: readonly string[] = ["--allow-net", "--allow-read"];

/** Milliseconds a child may take to print its banner (a cold start downloads npm packages). */
export const BANNER_TIMEOUT_MS = 60_000;

/** Milliseconds a child may take to exit once told to. */
export const EXIT_TIMEOUT_MS = 15_000;

/** The banner `test()` prints: `Serving HTTP on HOST port N (http://URLHOST:N/) ...`. */
export const BANNER_RE: RegExp =
  /^Serving (HTTPS?) on (\S+) port (\d+) \((https?):\/\/(\S+):(\d+)\/\) \.\.\.$/m;

/** What a finished process left behind. */
export interface Finished {
  /** Exit code (128 + n when a signal killed it). */
  code: number;
  /** The signal that killed it, if one did. */
  signal: Deno.Signal | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options for {@linkcode Child.spawn}. */
export interface SpawnOptions {
  /** Working directory. */
  cwd?: string;
  /** Extra environment (merged into the parent's); `NO_COLOR=1` is always set. */
  env?: Record<string, string>;
}

/** Resolves after `ms`, or at once when `ms <= 0`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Collects a byte stream as text until it ends. */
async function collect(stream: ReadableStream<Uint8Array>, sink: (text: string) => void) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
  sink(decoder.decode());
}

/** A running child process whose output is being collected. */
export class Child {
  /** The process. */
  readonly process: Deno.ChildProcess;
  /** What the command line was, for messages. */
  readonly commandLine: string;
  #stdout = "";
  #stderr = "";
  #collecting: Promise<unknown>;
  #status: Promise<Deno.CommandStatus>;
  #exited = false;

  private constructor(process: Deno.ChildProcess, commandLine: string) {
    this.process = process;
    this.commandLine = commandLine;
    this.#collecting = Promise.all([
      collect(process.stdout, (t) => this.#stdout += t),
      collect(process.stderr, (t) => this.#stderr += t),
    ]);
    this.#status = process.status.then((s) => {
      this.#exited = true;
      return s;
    });
  }

  /**
   * Starts `command args...` with stdin closed and stdout/stderr piped.
   *
   * @param command The executable.
   * @param args Its arguments.
   * @param options Working directory and environment.
   * @returns The running child.
   */
  static spawn(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
    const process = new Deno.Command(command, {
      args: [...args],
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new Child(process, [command, ...args].join(" "));
  }

  /**
   * Starts this checkout's `cli.ts` with exactly `--allow-net --allow-read`.
   *
   * @param args The CLI's arguments.
   * @param options Working directory and environment.
   * @returns The running child.
   */
  static cli(args: readonly string[], options: SpawnOptions = {}): Child {
    return Child.spawn(Deno.execPath(), ["run", ...CLI_PERMISSIONS, CLI_PATH, ...args], options);
  }

  /** Stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Whether the process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /**
   * Waits until `predicate` holds, the process exits, or `timeoutMs` passes; throws on the
   * last two (with the output so far).
   */
  async waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.#exited) {
        await this.#collecting;
        if (predicate()) return;
        throw new Error(`${this.describe()} exited before ${what}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.describe()}: no ${what} within ${timeoutMs} ms`);
      }
      await sleep(20);
    }
  }

  /**
   * Waits for the serving banner and returns what it says.
   *
   * @param timeoutMs How long to wait.
   * @returns The banner line, host, port, and URL host.
   */
  async banner(
    timeoutMs = BANNER_TIMEOUT_MS,
  ): Promise<{ line: string; scheme: string; host: string; port: number; urlHost: string }> {
    await this.waitFor("banner on stdout", () => BANNER_RE.test(this.#stdout), timeoutMs);
    const m = BANNER_RE.exec(this.#stdout)!;
    if (m[3] !== m[6]) throw new Error(`banner ports differ: ${m[0]}`);
    return { line: m[0], scheme: m[1], host: m[2], port: Number(m[3]), urlHost: m[5] };
  }

  /**
   * Waits for the process to exit on its own (killing it after `timeoutMs`, then failing).
   *
   * @param timeoutMs How long to wait.
   * @returns Exit status and output.
   */
  async finished(timeoutMs = EXIT_TIMEOUT_MS): Promise<Finished> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([this.#status, expired]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      await this.kill("SIGKILL");
      throw new Error(`${this.describe()} did not exit within ${timeoutMs} ms`);
    }
    await this.#collecting;
    return {
      code: outcome.code,
      signal: outcome.signal,
      stdout: this.#stdout,
      stderr: this.#stderr,
    };
  }

  /**
   * Sends `signal` (if still running) and waits for the exit.
   *
   * @param signal The signal.
   * @param timeoutMs How long to wait before SIGKILL and failure.
   * @returns Exit status and output.
   */
  async stop(signal: Deno.Signal = "SIGTERM", timeoutMs = EXIT_TIMEOUT_MS): Promise<Finished> {
    if (!this.#exited) {
      try {
        this.process.kill(signal);
      } catch {
        // Exited meanwhile.
      }
    }
    return await this.finished(timeoutMs);
  }

  /** Kills the process outright and reaps it; never throws (for `finally`). */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    if (!this.#exited) {
      try {
        this.process.kill(signal);
      } catch {
        // Exited meanwhile.
      }
    }
    await this.#status.catch(() => {});
    await this.#collecting.catch(() => {});
  }

  /** The command and its output so far, for failure messages. */
  describe(): string {
    return `\`${this.commandLine}\`\n--- stdout ---\n${this.#stdout}\n--- stderr ---\n${this.#stderr}`;
  }
}

/**
 * Fetches a URL and returns status, headers and body bytes, failing after `timeoutMs`.
 *
 * @param url The URL.
 * @param timeoutMs How long the whole exchange may take.
 * @returns Status, headers and body.
 */
export async function fetchBytes(
  url: string,
  timeoutMs = 10_000,
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

/** Whether this machine can listen on `[::1]`. */
export function hasIPv6Loopback(): boolean {
  try {
    const listener = Deno.listen({ hostname: "::1", port: 0 });
    listener.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Pseudo-random bytes from a seed (xorshift32), so test files are reproducible.
 *
 * @param length How many bytes.
 * @param seed The seed (non-zero).
 * @returns The bytes.
 */
export function seededBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
