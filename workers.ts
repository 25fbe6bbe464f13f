/**
 * `--workers N`: the command line's supervisor. N worker processes share one port through
 * `SO_REUSEPORT`, each a full server; the parent only starts, watches and stops them (Python's
 * analogue is `socketserver.ForkingMixIn` with a pre-forked pool: processes, not threads).
 *
 * `Deno.listen({ reusePort: true })` needs `--unstable-net` in Deno 2.9, so the parent starts
 * each child as `Deno.execPath() run <the permissions it was granted> --unstable-net
 * --no-prompt cli.ts <the same arguments minus --workers>`, with {@linkcode WORKER_ENV} set
 * to the port (a `deno compile` binary starts itself, with its own baked-in flags). The parent
 * picks the port (so port 0 becomes one concrete port), prints the banner once all workers
 * listen, restarts a worker that dies (at most {@linkcode RESTART_LIMIT} times within
 * {@linkcode RESTART_WINDOW_MS}, then stops everything with exit 1), and on Ctrl-C or SIGTERM
 * sends SIGTERM to every worker, waits for them and returns 0. Workers inherit stderr, so the
 * access log stays one write per line; a worker whose parent is gone (its stdin pipe ends)
 * stops too.
 *
 * @module
 */
import { writeStderr } from "./io/stderr.ts";
import { PROBE_MARKER, WORKER_ENV } from "./worker_role.ts";

/** Worker restarts allowed within {@linkcode RESTART_WINDOW_MS} before the supervisor gives up. */
export const RESTART_LIMIT = 5;

/** The window over which restarts are counted: a worker crashing once an hour is restarted forever. */
export const RESTART_WINDOW_MS = 60_000;

/** Milliseconds before a crashed worker is restarted, so a crash loop does not spin. */
const RESTART_DELAY_MS = 200;

/** Milliseconds the parent waits for workers to exit after SIGTERM (their own grace is 5 s). */
const STOP_TIMEOUT_MS = 10_000;

/** The banner a worker prints once it listens. */
const BANNER = /^Serving HTTPS? on /;

/** What a worker prints on a signal; the parent prints it once instead. */
const INTERRUPT_LINE = "Keyboard interrupt received, exiting.";

/**
 * The reusePort check a probe child runs: two sockets on one loopback port. Without
 * `--unstable-net` the runtime itself exits (code 70) with its message.
 *
 * @returns 0 when the port could be shared, 1 otherwise.
 */
export function probeReusePort(): number {
  const options = { hostname: "127.0.0.1", port: 0, transport: "tcp", reusePort: true } as const;
  let first: Deno.Listener | null = null;
  try {
    first = Deno.listen(options);
    Deno.listen({ ...options, port: (first.addr as Deno.NetAddr).port }).close();
    return 0;
  } catch (error) {
    writeStderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    first?.close();
  }
}

/**
 * The arguments without `--workers N` / `--workers=N` (the parser has accepted them, so a
 * `--workers` before `--` is the option).
 *
 * @param args The command line's arguments.
 * @returns The arguments a worker gets.
 */
export function withoutWorkers(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (args[i] === "--workers") i++;
    else if (!args[i].startsWith("--workers=")) out.push(args[i]);
  }
  return out;
}

/** What the children's permissions are computed from: the resources the server uses. */
export interface WorkerResources {
  /** `host:port` pairs the workers listen on. */
  net: string[];
  /** Paths the workers read (the directory, TLS files). */
  read: string[];
  /** Paths the workers write (the directory, for uploads). */
  write: string[];
  /** Hosts the workers import modules from (the command line's own, when run from a URL). */
  import: string[];
}

/** Permissions passed on by name only (their resources are not known ahead). */
const WHOLE_PERMISSIONS = ["run", "sys"] as const;

/**
 * The `--allow-*` flags that give a child the permissions this process holds: a permission
 * granted whole is passed whole; otherwise the resources it is granted for, of those listed.
 * The child also gets {@linkcode WORKER_ENV} and `--no-prompt` (only the parent may ask).
 *
 * @param resources What the server uses.
 * @returns The flags.
 */
export function permissionFlags(resources: WorkerResources): string[] {
  const flags: string[] = [];
  const granted = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state === "granted";
  const scoped = (
    name: "net" | "read" | "write" | "import",
    list: string[],
    key: "host" | "path",
  ) => {
    if (granted({ name })) {
      flags.push(`--allow-${name}`);
      return;
    }
    const allowed = list.filter((item) =>
      granted({ name, [key]: item } as Deno.PermissionDescriptor)
    );
    if (allowed.length > 0) flags.push(`--allow-${name}=${allowed.join(",")}`);
  };
  scoped("net", resources.net, "host");
  scoped("read", resources.read, "path");
  scoped("write", resources.write, "path");
  scoped("import", resources.import, "host");
  for (const name of WHOLE_PERMISSIONS) if (granted({ name })) flags.push(`--allow-${name}`);
  flags.push(granted({ name: "env" }) ? "--allow-env" : `--allow-env=${WORKER_ENV}`);
  flags.push("--no-prompt");
  return flags;
}

/** How to start a child: the executable and the arguments before the command line's own. */
export interface WorkerCommand {
  /** The executable (`Deno.execPath()`). */
  path: string;
  /** `run`, permissions, `--unstable-net`, the script; empty for a compiled binary. */
  prefix: string[];
  /** The command line's arguments, without `--workers`. */
  args: string[];
}

/**
 * How this process starts its children: `deno run <permissions> --unstable-net --no-prompt
 * <script>`, or, under `deno compile`, the binary itself (its flags are baked in).
 *
 * @param script The command line module's URL (`import.meta.url` of cli.ts).
 * @param args The arguments without `--workers`.
 * @param resources What the server uses, for the permissions.
 * @returns The command.
 */
export function workerCommand(
  script: string,
  args: string[],
  resources: WorkerResources,
): WorkerCommand {
  const path = Deno.execPath();
  if (Deno.build.standalone) return { path, prefix: [], args };
  return { path, prefix: ["run", ...permissionFlags(resources), "--unstable-net", script], args };
}

/**
 * What this process lacks to start workers, as the end of `--workers needs ...`, or null.
 * `deno run` needs `--allow-run` for deno itself (workers get the rest from the parent); a
 * `deno compile` binary also needs the marker variable baked in, or its children could not
 * tell they are workers.
 *
 * @returns The missing permission, or null.
 */
export function missingWorkerPermission(): string | null {
  const path = Deno.execPath();
  const granted = (descriptor: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(descriptor).state === "granted";
  if (Deno.build.standalone) {
    if (granted({ name: "run", command: path }) && granted({ name: "env", variable: WORKER_ENV })) {
      return null;
    }
    return `a binary compiled with --allow-run --allow-env=${WORKER_ENV} --unstable-net`;
  }
  return granted({ name: "run", command: path })
    ? null
    : `--allow-run for '${path}' (to start workers)`;
}

/**
 * Why this platform cannot spread one port over processes, as a warning, or null on Linux
 * (Deno sets `SO_REUSEPORT` elsewhere too but documents it as ignored: the second bind fails).
 *
 * @returns The reason, or null.
 */
export function platformRefusal(): string | null {
  if (Deno.build.os === "linux") return null;
  return `SO_REUSEPORT shares a port between processes only on Linux, not ${Deno.build.os}`;
}

/**
 * Why the children of this process could not share a port, as a warning, or null. A `deno
 * run` child gets `--unstable-net` from the parent; a compiled binary has it baked in or not,
 * so it is run once as a probe.
 *
 * @param command How a worker is started.
 * @returns The reason, or null.
 */
export async function reusePortRefusal(command: WorkerCommand): Promise<string | null> {
  if (!Deno.build.standalone) return null;
  const output = await new Deno.Command(command.path, {
    args: [...command.prefix, ...command.args],
    env: { [WORKER_ENV]: PROBE_MARKER },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (output.code === 0) return null;
  const text = new TextDecoder().decode(output.stderr);
  if (text.includes("--unstable-net")) {
    return "this binary was compiled without --unstable-net (deno compile --unstable-net ...)";
  }
  return `SO_REUSEPORT was refused (${text.trim().split("\n")[0] || `exit ${output.code}`})`;
}

/** One running worker. */
interface Worker {
  /** 1-based slot, for messages. */
  slot: number;
  process: Deno.ChildProcess;
  /** Resolves with the banner line, or null when the worker exited first. */
  ready: Promise<string | null>;
  /** Resolves when the worker has exited and its output is read. */
  exited: Promise<Deno.CommandStatus>;
}

/** What {@linkcode superviseWorkers} needs besides the command. */
export interface SupervisorOptions {
  /** How many workers. */
  count: number;
  /** The port the workers share (concrete: never 0). */
  port: number;
  /** The program name, for messages. */
  prog: string;
  /** Writes to stdout (the banner, once). */
  print: (line: string) => void;
}

/** Reads a worker's stdout: resolves `ready` at the banner; passes on unknown lines. */
async function readWorkerOutput(
  stream: ReadableStream<Uint8Array>,
  onBanner: (line: string) => void,
  print: (line: string) => void,
): Promise<void> {
  const lines = stream.pipeThrough(new TextDecoderStream());
  let pending = "";
  let seenBanner = false;
  for await (const chunk of lines) {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (!seenBanner && BANNER.test(line)) {
        seenBanner = true;
        onBanner(line);
      } else if (line !== "" && line !== INTERRUPT_LINE && !BANNER.test(line)) {
        print(line);
      }
    }
  }
}

/**
 * Starts the workers, prints the banner once all listen, restarts crashed ones, and stops
 * them all on Ctrl-C or SIGTERM.
 *
 * @param command How to start a worker.
 * @param options Count, port, program name, stdout.
 * @returns 0 after a signal; a worker's exit code when the first start failed; 1 when
 *   workers kept crashing.
 */
export async function superviseWorkers(
  command: WorkerCommand,
  options: SupervisorOptions,
): Promise<number> {
  const workers = new Map<number, Worker>();
  let stopping = false;
  let wake: () => void = () => {};
  const woken = () => new Promise<void>((resolve) => wake = resolve);

  const spawn = (slot: number): Worker => {
    const process = new Deno.Command(command.path, {
      args: [...command.prefix, ...command.args],
      env: { [WORKER_ENV]: String(options.port) },
      // Held open and never written: its end tells the worker the parent is gone.
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let onBanner: (line: string | null) => void = () => {};
    const ready = new Promise<string | null>((resolve) => onBanner = resolve);
    const reading = readWorkerOutput(process.stdout, onBanner, options.print).catch(() => {});
    const exited = Promise.all([process.status, reading]).then(([status]) => {
      onBanner(null);
      process.stdin.close().catch(() => {});
      return status;
    });
    const worker = { slot, process, ready, exited };
    workers.set(slot, worker);
    exited.then(() => wake());
    return worker;
  };

  const signalAll = (signal: Deno.Signal) => {
    for (const worker of workers.values()) {
      try {
        worker.process.kill(signal);
      } catch {
        // Exited meanwhile.
      }
    }
  };
  const stopAll = async (): Promise<void> => {
    signalAll("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(resolve, STOP_TIMEOUT_MS, "late")
    );
    const all = Promise.all([...workers.values()].map((w) => w.exited));
    if (await Promise.race([all, late]) === "late") {
      signalAll("SIGKILL");
      await all;
    }
    clearTimeout(timer);
  };

  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    options.print(`\n${INTERRUPT_LINE}`);
    signalAll("SIGTERM");
    wake();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, onSignal);
  try {
    // The first worker alone: a start-up error (a bad certificate, say) is printed once.
    const first = spawn(1);
    const banner = await first.ready;
    if (banner === null) {
      if (stopping) return 0;
      return (await first.exited).code || 1;
    }
    const rest = Array.from({ length: options.count - 1 }, (_, i) => spawn(i + 2));
    for (const worker of rest) {
      if (await worker.ready === null && !stopping) {
        const { code } = await worker.exited;
        await stopAll();
        return code || 1;
      }
    }
    if (stopping) {
      await stopAll();
      return 0;
    }
    options.print(banner);

    const restarts: number[] = [];
    while (!stopping) {
      const woke = woken();
      const exits = [...workers.values()].map((w) => w.exited.then(() => w));
      const gone = await Promise.race([woke.then(() => null), ...exits]);
      if (stopping || gone === null) continue;
      const { code, signal } = await gone.exited;
      workers.delete(gone.slot);
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
      const how = signal !== null ? `signal ${signal}` : `code ${code}`;
      if (restarts.length >= RESTART_LIMIT) {
        writeStderr(
          `${options.prog}: error: worker ${gone.slot} (pid ${gone.process.pid}) exited ` +
            `(${how}); ${RESTART_LIMIT} restarts within ${RESTART_WINDOW_MS / 1000} s, ` +
            "giving up\n",
        );
        await stopAll();
        return 1;
      }
      restarts.push(now);
      writeStderr(
        `${options.prog}: worker ${gone.slot} (pid ${gone.process.pid}) exited (${how}); ` +
          "restarting it\n",
      );
      await Promise.race([new Promise((r) => setTimeout(r, RESTART_DELAY_MS)), woken()]);
      if (!stopping) spawn(gone.slot);
    }
    await stopAll();
    return 0;
  } finally {
    for (const sig of signals) Deno.removeSignalListener(sig, onSignal);
    if (!stopping) await stopAll();
  }
}
