/**
 * `CGIHTTPRequestHandler`: `SimpleHTTPRequestHandler` plus CGI/1.1 scripts in `/cgi-bin`
 * and `/htbin`, answering as CPython 3.13 does on Linux (its fork path): `200 Script output
 * follows` with `Server` and `Date` is sent without the blank line, then the script's standard
 * output is relayed verbatim, chunk by chunk, as the script produces it.
 *
 * Deno has no `fork`, so scripts run with `Deno.Command`. The request body
 * (`Content-Length` bytes) is streamed to the script's standard input in chunks (never held
 * whole); the script's standard error goes to the server's standard error
 * ({@linkcode CGIHTTPRequestHandler.cgi_stderr_writer}). Beyond CPython, a script that runs
 * longer than {@linkcode CGIHTTPRequestHandler.cgi_timeout} seconds, or whose client goes away,
 * is killed (with its process group) and only its own connection ends.
 *
 * Permissions: `--allow-run` to run scripts (and the Python interpreter when
 * `have_fork` is false); `--allow-read` for the served directory; `--allow-env` to pass the
 * server's environment on to scripts, as CPython does (without it scripts get only the CGI
 * variables); `--allow-sys=uid` lets `is_executable` tell owner from other execute bits.
 *
 * @example Serve a directory with scripts in ./cgi-bin
 * ```ts ignore
 * import { CGIHTTPRequestHandler } from "./handler.ts";
 * import { ThreadingHTTPServer } from "../../server.ts";
 *
 * const server = new ThreadingHTTPServer(["127.0.0.1", 8000], CGIHTTPRequestHandler);
 * server.directory = "/srv/www"; // /srv/www/cgi-bin/hello.sh is run for /cgi-bin/hello.sh
 * await server.serve_forever();
 * ```
 *
 * @module
 */
import { ClientDisconnectedError, ExecFormatError, SocketTimeoutError } from "../../errors.ts";
import { pyRepr } from "../../protocol/python_text.ts";
import type { ByteConnection, ClientAddress, ServerInfo } from "../../types.ts";
import { BoundedBodyReader } from "../../io/body_reader.ts";
import { writeStderrBytes } from "../../io/stderr.ts";
import { withTimeout } from "../../io/timeout.ts";
import { parsePythonIntContentLength } from "../../protocol/content_length.ts";
import {
  type BodySource,
  SimpleHTTPRequestHandler,
  type SimpleHTTPRequestHandlerOptions,
} from "../files/simple.ts";
import {
  buildCgiEnv,
  cgiScriptArguments,
  checkCgiEnv,
  findCgiDirectory,
  list2cmdline,
  pythonHex,
  splitScriptPath,
  urlCollapsePath,
  urlUnquote,
} from "./environment.ts";

export { CgiEnvironmentError, ExecFormatError, UrlCollapseError } from "../../errors.ts";
// The types this module's API refers to, so that it documents on its own.
export {
  type BodySource,
  SimpleHTTPRequestHandler,
  type SimpleHTTPRequestHandlerOptions,
} from "../files/simple.ts";
export { BaseHTTPRequestHandler } from "../base.ts";
export type { HTTPMessage } from "../../headers.ts";
export type { RFile } from "../../io/rfile.ts";
export type { TextEncoding, WFile } from "../../io/wfile.ts";
export type { HeaderPair } from "../../protocol/header_block.ts";
export type { FormatValue } from "../../protocol/python_text.ts";
export type { StatusText } from "../../status.ts";
export type { ByteConnection, ClientAddress, ServerInfo } from "../../types.ts";
export { writeStderrBytes } from "../../io/stderr.ts";

/**
 * Seconds a CGI script may run before it is killed (`cgi_timeout`); CPython has no limit. A
 * minute: ample for a script answering a request, short enough that a hung one frees its slot.
 */
export const DEFAULT_CGI_TIMEOUT = 60;

/**
 * CPython's `cgi_directories`: URL paths whose files are run as scripts.
 */
export const DEFAULT_CGI_DIRECTORIES: readonly string[] = ["/cgi-bin", "/htbin"];

/**
 * The interpreter of Python scripts on the subprocess path (CPython's `sys.executable`).
 */
export const DEFAULT_PYTHON_EXECUTABLE = "python3";

/**
 * Most bytes of the request body read from the client and written to the script at once (a
 * pipe's worth: a write that size returns once the script has started reading).
 */
export const CGI_STDIN_CHUNK_SIZE = 64 * 1024;

/**
 * After the script has exited, how long (ms) its output pipes may stay silent before the rest
 * is cut: output still buffered in the pipe is read at once, while a background process that
 * inherited the pipe would otherwise hold the response open (CPython ends it at the exit).
 */
export const CGI_EXIT_DRAIN_MS = 200;

/**
 * After a script was killed (timeout, client gone), how long (ms) the relay may take to
 * finish writing to the client before the connection is closed under it.
 */
export const CGI_ABORT_GRACE_MS = 1000;

/** The longest delay `setTimeout` honours; a longer `cgi_timeout` means no limit. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The signal that kills a script. */
const KILL_SIGNAL: Deno.Signal = "SIGKILL";
/** Exit status of a process killed by signal N, as Deno reports it: 128 + N. */
const SIGNAL_STATUS_BASE = 128;
/** CPython's fork path exits with this status when `execve` fails. */
const EXEC_FAILURE_STATUS = 127;

/**
 * Options of {@linkcode CGIHTTPRequestHandler} beyond Python's positional arguments (what
 * Python passes with `functools.partial`).
 *
 * @example
 * ```ts
 * import { CGIHTTPRequestHandler, type CGIHTTPRequestHandlerOptions } from "./handler.ts";
 * import type { ByteConnection, ClientAddress, ServerInfo } from "../../types.ts";
 * const options: CGIHTTPRequestHandlerOptions = { directory: "/srv/www", cgi_timeout: 5 };
 * class Handler extends CGIHTTPRequestHandler {
 *   constructor(request: ByteConnection, address: ClientAddress, server: ServerInfo) {
 *     super(request, address, server, options);
 *   }
 * }
 * void Handler;
 * ```
 */
export interface CGIHTTPRequestHandlerOptions extends SimpleHTTPRequestHandlerOptions {
  /** URL paths whose files are scripts (default {@linkcode DEFAULT_CGI_DIRECTORIES}). */
  cgi_directories?: readonly string[];
  /** Seconds a script may run; null for no limit (default {@linkcode DEFAULT_CGI_TIMEOUT}). */
  cgi_timeout?: number | null;
  /** Interpreter of Python scripts on the subprocess path (default `python3` from PATH). */
  python_executable?: string;
}

function permissionGranted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** This process's uid, or null when unknown (no `--allow-sys=uid`, or Windows). */
function currentUid(): number | null {
  if (!permissionGranted({ name: "sys", kind: "uid" })) return null;
  try {
    return Deno.uid();
  } catch {
    return null;
  }
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch {
    return null;
  }
}

/** Python's `os.path.splitext(path)[1]` on POSIX. */
function extensionOf(path: string): string {
  const sepIndex = path.lastIndexOf("/");
  const dotIndex = path.lastIndexOf(".");
  if (dotIndex > sepIndex) {
    for (let i = sepIndex + 1; i < dotIndex; i++) {
      if (path[i] !== ".") return path.slice(dotIndex);
    }
  }
  return "";
}

/** Bytes that start a file the kernel runs itself: `#!` (a script) or `\x7fELF`. */
const SHEBANG = [0x23, 0x21];
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/**
 * Whether `execve` would run the file itself: it starts with `#!` or is an ELF binary.
 * (`Deno.Command` hands other executable text files to `/bin/sh`, where CPython's `execve`
 * fails with ENOEXEC.)
 */
async function isDirectlyExecutable(path: string): Promise<boolean> {
  if (Deno.build.os === "windows") return true;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return true; // Let the spawn report it.
  }
  try {
    const head = new Uint8Array(ELF_MAGIC.length);
    let filled = 0;
    while (filled < head.length) {
      const n = await file.read(head.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const startsWith = (magic: number[]) =>
      filled >= magic.length && magic.every((byte, i) => head[i] === byte);
    return startsWith(SHEBANG) || startsWith(ELF_MAGIC);
  } finally {
    file.close();
  }
}

/** Python's `os.waitstatus_to_exitcode`: the exit code, or minus the signal number. */
function exitCodeOf(status: Deno.CommandStatus): number {
  if (status.signal !== null && status.code > SIGNAL_STATUS_BASE) {
    return -(status.code - SIGNAL_STATUS_BASE);
  }
  return status.code;
}

/** The state of one running script: stopping, killing, and the exit drain. */
class CgiRun {
  readonly #child: Deno.ChildProcess;
  readonly #stop: PromiseWithResolvers<null> = Promise.withResolvers<null>();
  readonly #graceOver: PromiseWithResolvers<"grace"> = Promise.withResolvers<"grace">();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #exited = false;
  #disposed = false;
  /** Relays writing right now (the exit drain waits for them). */
  busy = 0;
  /** Why the script was killed, or null. */
  killedBecause: string | null = null;
  /** True once the relays were told to stop. */
  stopped = false;
  /** The writer of the script's stdin while the body is streamed. */
  stdinWriter: WritableStreamDefaultWriter<Uint8Array> | null = null;

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
  }

  /** Resolves (to null) when the relays must stop reading. */
  get stopping(): Promise<null> {
    return this.#stop.promise;
  }

  /** Resolves CGI_ABORT_GRACE_MS after a kill. */
  get graceOver(): Promise<"grace"> {
    return this.#graceOver.promise;
  }

  #stopRelays(): void {
    this.stopped = true;
    this.#stop.resolve(null);
  }

  /** Kills the script and its process group and stops the relays. */
  kill(reason: string): void {
    if (this.killedBecause !== null || this.#disposed) return;
    this.killedBecause = reason;
    try {
      if (Deno.build.os !== "windows") Deno.kill(-this.#child.pid, KILL_SIGNAL);
      else this.#child.kill(KILL_SIGNAL);
    } catch {
      try {
        this.#child.kill(KILL_SIGNAL);
      } catch {
        // Already gone.
      }
    }
    this.#stopRelays();
    this.#graceTimer = setTimeout(() => this.#graceOver.resolve("grace"), CGI_ABORT_GRACE_MS);
  }

  /** The script has exited: from now on, silent pipes are cut after CGI_EXIT_DRAIN_MS. */
  markExited(): void {
    this.#exited = true;
    this.#armIdle();
  }

  /** A relay got output: restart the exit drain's clock. */
  touch(): void {
    if (this.#exited && !this.stopped) this.#armIdle();
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.busy > 0) this.#armIdle();
      else this.#stopRelays();
    }, CGI_EXIT_DRAIN_MS);
  }

  /** Reads the next chunk, or null when told to stop first. */
  read(
    reader: ReadableStreamDefaultReader<Uint8Array>,
  ): Promise<ReadableStreamReadResult<Uint8Array> | null> {
    if (this.stopped) return Promise.resolve(null);
    const next = reader.read();
    next.catch(() => {});
    return Promise.race([next, this.stopping]);
  }

  /** Clears the timers; the run is over. */
  dispose(): void {
    this.#disposed = true;
    this.#stopRelays();
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#graceTimer);
    this.#graceOver.resolve("grace");
  }
}

/**
 * Serves files as {@linkcode SimpleHTTPRequestHandler} does and runs CGI scripts for GET,
 * HEAD and POST in `cgi_directories` (CPython's `CGIHTTPRequestHandler`, deprecated in 3.13
 * and removed in 3.15; kept here for its users).
 *
 * @example Add a CGI directory and shorten the timeout
 * ```ts
 * import { CGIHTTPRequestHandler, DEFAULT_CGI_DIRECTORIES } from "./handler.ts";
 * class Handler extends CGIHTTPRequestHandler {
 *   override cgi_directories = [...DEFAULT_CGI_DIRECTORIES, "/sub/dir/cgi-bin"];
 *   override cgi_timeout = 10;
 * }
 * void Handler;
 * ```
 *
 * @example Route a request without running it
 * ```ts
 * import { CGIHTTPRequestHandler } from "./handler.ts";
 * import { MemoryConnection } from "../../io/memory.ts";
 * import { assertEquals } from "../../deps.ts";
 * const handler = new CGIHTTPRequestHandler(new MemoryConnection(""), ["127.0.0.1", 1], {
 *   server_address: ["127.0.0.1", 80], server_name: "localhost", server_port: 80,
 * }, { directory: "/srv" });
 * handler.path = "/cgi-bin%2fenv.sh/x?q";
 * assertEquals(handler.is_cgi(), true);
 * assertEquals(handler.cgi_info, ["/cgi-bin", "env.sh/x?q"]);
 * ```
 */
export class CGIHTTPRequestHandler extends SimpleHTTPRequestHandler {
  /**
   * URL paths whose files are run as scripts (exact prefixes of the collapsed path). An
   * instance field (CPython's is a list shared by the class): override it in a subclass, or
   * pass `cgi_directories` in the options.
   */
  cgi_directories: string[] = [...DEFAULT_CGI_DIRECTORIES];
  /**
   * CPython's platform switch. True (not Windows): like CPython's fork path, every script
   * must be executable and runs directly, an ISINDEX query is passed with `+` as spaces, and
   * a failing script logs `CGI script exit code N`. False: Python scripts (`.py`, `.pyw`)
   * run with {@linkcode python_executable} `-u` even when not executable, the query is passed
   * verbatim, and the command, `CGI script exit status %#x` or `CGI script exited OK` are
   * logged.
   */
  have_fork: boolean = Deno.build.os !== "windows";
  /** Interpreter of Python scripts when `have_fork` is false (CPython's `sys.executable`). */
  python_executable: string = DEFAULT_PYTHON_EXECUTABLE;
  /**
   * Seconds a script may run, from its start; it is then killed with its process group and
   * its connection closed. Null: no limit (as CPython).
   */
  cgi_timeout: number | null = DEFAULT_CGI_TIMEOUT;
  /**
   * Receives the script's standard error as it comes (CPython's forked child writes to the
   * server's stderr directly): the server's stderr by default; replace it to capture.
   */
  cgi_stderr_writer: (chunk: Uint8Array) => void = writeStderrBytes;
  /** `[directory, rest]` of the last {@linkcode is_cgi} that returned true. */
  cgi_info: [dir: string, rest: string] | null = null;

  /**
   * Creates the handler for one connection.
   *
   * @param request The connection.
   * @param client_address `(host, port)` of the client.
   * @param server The server.
   * @param options `directory` to serve, and CGI settings.
   */
  constructor(
    request: ByteConnection,
    client_address: ClientAddress,
    server: ServerInfo,
    options: CGIHTTPRequestHandlerOptions = {},
  ) {
    super(request, client_address, server, options);
    if (options.cgi_directories !== undefined) this.cgi_directories = [...options.cgi_directories];
    if (options.cgi_timeout !== undefined) this.cgi_timeout = options.cgi_timeout;
    if (options.python_executable !== undefined) {
      this.python_executable = options.python_executable;
    }
  }

  /** Serves a POST: runs the script, stores a form upload (`--upload`), else CPython's 501. */
  override async do_POST(): Promise<void> {
    if (this.is_cgi()) {
      await this.run_cgi();
    } else if (this.upload_settings !== null) {
      await super.do_POST();
    } else {
      await this.send_error(501, "Can only POST to CGI scripts");
    }
  }

  /**
   * GET and HEAD: runs the script when the path is in a CGI directory (the script's output
   * is the whole answer, so null is returned), otherwise serves the file or listing.
   */
  override async send_head(): Promise<BodySource | null> {
    if (this.is_cgi()) {
      await this.run_cgi();
      return null;
    }
    return await super.send_head();
  }

  /**
   * Whether `path` (collapsed with CPython's `_url_collapse_path`) starts with one of
   * `cgi_directories` followed by `/`; if so, sets `cgi_info` to `[directory, rest]`.
   *
   * @returns True for a CGI path.
   * @throws {UrlCollapseError} `..` climbs above the root; the connection is dropped.
   */
  is_cgi(): boolean {
    const found = findCgiDirectory(urlCollapsePath(this.path), this.cgi_directories);
    if (found === null) return false;
    this.cgi_info = found;
    return true;
  }

  /**
   * Whether a file may be executed (Python's `os.access(path, X_OK)`): an execute bit that
   * applies to this process (any one when root or when the uid is unknown).
   *
   * @param path A file path.
   * @returns True if executable.
   */
  is_executable(path: string): boolean | Promise<boolean> {
    return statOrNull(path).then((info) => {
      if (info === null) return false;
      if (info.mode === null) return true;
      const mode = info.mode;
      const uid = currentUid();
      if (uid === null || uid === 0) return (mode & 0o111) !== 0;
      if (info.uid === uid) return (mode & 0o100) !== 0;
      return (mode & 0o011) !== 0;
    });
  }

  /**
   * Whether a path names a Python script (`.py` or `.pyw`, any case).
   *
   * @param path A path.
   * @returns True for Python scripts.
   */
  is_python(path: string): boolean {
    const extension = extensionOf(path).toLowerCase();
    return extension === ".py" || extension === ".pyw";
  }

  /**
   * The environment scripts start from: the server's own (`Deno.env.toObject()`) when
   * `--allow-env` is granted, else empty. Never modified.
   *
   * @returns A fresh copy.
   */
  server_environment(): Record<string, string> {
    if (!permissionGranted({ name: "env" })) return {};
    try {
      return Deno.env.toObject();
    } catch {
      return {};
    }
  }

  /**
   * Runs the script named by `cgi_info`: resolves nested directories, answers 404/403 when
   * there is no runnable script, builds the environment, sends `200 Script output follows`
   * (without the blank line), streams the body in and relays the output out.
   *
   * @throws {CgiEnvironmentError} The environment would hold a NUL (nothing is sent).
   */
  async run_cgi(): Promise<void> {
    if (this.cgi_info === null) throw new TypeError("run_cgi() needs cgi_info: call is_cgi()");
    let [dir, rest] = this.cgi_info;
    const path = `${dir}/${rest}`;
    let i = path.indexOf("/", dir.length + 1);
    while (i >= 0) {
      const nextdir = path.slice(0, i);
      const nextrest = path.slice(i + 1);
      if (!(await statOrNull(this.translate_path(nextdir)))?.isDirectory) break;
      dir = nextdir;
      rest = nextrest;
      i = path.indexOf("/", dir.length + 1);
    }
    const { script, extraPath, query } = splitScriptPath(rest);
    const scriptname = `${dir}/${script}`;
    const scriptfile = this.translate_path(scriptname);
    const info = await statOrNull(scriptfile);
    if (info === null) {
      await this.send_error(404, `No such CGI script (${pyRepr(scriptname)})`);
      return;
    }
    if (!info.isFile) {
      await this.send_error(403, `CGI script is not a plain file (${pyRepr(scriptname)})`);
      return;
    }
    const ispy = this.is_python(scriptname);
    if (this.have_fork || !ispy) {
      if (!(await this.is_executable(scriptfile))) {
        await this.send_error(403, `CGI script is not executable (${pyRepr(scriptname)})`);
        return;
      }
    }
    const pathInfo = urlUnquote(extraPath);
    const env = buildCgiEnv(this.server_environment(), {
      serverSoftware: this.version_string(),
      serverName: this.server.server_name,
      serverProtocol: this.protocol_version,
      serverPort: this.server.server_port,
      method: this.command ?? "",
      pathInfo,
      pathTranslated: this.translate_path(pathInfo),
      scriptName: scriptname,
      query,
      remoteAddr: this.client_address[0],
      headers: this.headers,
    });
    checkCgiEnv(env);

    this.send_response(200, "Script output follows");
    await this.flush_headers();
    await this.wfile.flush();

    let program = scriptfile;
    let args: string[];
    if (this.have_fork) {
      args = cgiScriptArguments(query, true);
    } else {
      args = [];
      if (this.is_python(scriptfile)) {
        program = this.python_executable;
        args.push("-u", scriptfile);
      }
      args.push(...cgiScriptArguments(query, false));
      this.log_message("command: %s", list2cmdline([program, ...args]));
    }
    const lengthHeader = this.headers.get("content-length");
    const length = parsePythonIntContentLength(lengthHeader);
    if (lengthHeader !== undefined && length === null) this.close_connection = true;
    const bodyLength = length ?? 0;

    let child: Deno.ChildProcess;
    try {
      if (program === scriptfile && !(await isDirectlyExecutable(scriptfile))) {
        throw new ExecFormatError(scriptfile);
      }
      child = new Deno.Command(program, {
        args,
        env,
        clearEnv: true,
        stdin: bodyLength > 0 ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
        // A new process group, so that a kill reaches what the script started too.
        detached: Deno.build.os !== "windows",
      }).spawn();
    } catch (error) {
      this.log_error("CGI script could not be started: %s", String(error));
      this.#logExit(EXEC_FAILURE_STATUS);
      this.close_connection = true;
      return;
    }
    await this.#supervise(child, bodyLength);
  }

  /** Runs the relays of a started script to the end, then logs how it ended. */
  async #supervise(child: Deno.ChildProcess, bodyLength: number): Promise<void> {
    const run = new CgiRun(child);
    const timeout = this.cgi_timeout;
    const limitMs = timeout !== null && timeout * 1000 <= MAX_TIMER_MS
      ? Math.max(0, timeout * 1000)
      : null;
    let bodyDone = bodyLength === 0;
    const pump = bodyLength > 0
      ? this.#pumpBody(child.stdin, bodyLength, run).then((complete) => {
        bodyDone = complete;
        if (complete) this.#watchClient(run);
      })
      : Promise.resolve(this.#watchClient(run));
    pump.catch(() => {});
    const relays = Promise.all([
      this.#relayOutput(child.stdout, run, true),
      this.#relayOutput(child.stderr, run, false),
    ]);
    // A relay that fails (not a disconnect) takes the script down; the error is rethrown below.
    relays.catch(() => run.kill("output relay failed"));
    const ended = (async () => {
      const status = await child.status;
      run.markExited();
      const first = await Promise.race([relays.then(() => "done" as const), run.graceOver]);
      if (first === "grace" && run.killedBecause !== null) this.#dropConnection();
      await relays;
      return status;
    })();
    let status: Deno.CommandStatus;
    try {
      // Past the limit the script is killed, and its relays still end as above.
      status = await withTimeout(ended, limitMs, () => {
        run.kill(`timed out after ${timeout} seconds`);
        return ended;
      });
    } finally {
      run.dispose();
      if (!bodyDone) {
        // The script ended before the whole body was read: the rest is not ours to parse.
        this.close_connection = true;
        run.stdinWriter?.abort().catch(() => {});
      }
    }
    if (run.killedBecause !== null) {
      this.close_connection = true;
      this.log_error("CGI script killed: %s", run.killedBecause);
    }
    this.#logExit(exitCodeOf(status));
  }

  #logExit(exitCode: number): void {
    if (this.have_fork) {
      if (exitCode !== 0) this.log_error(`CGI script exit code ${exitCode}`);
    } else if (exitCode !== 0) {
      this.log_error("CGI script exit status %s", pythonHex(exitCode));
    } else {
      this.log_message("CGI script exited OK");
    }
  }

  /** Closes the connection under a relay that cannot finish (a client that stopped reading). */
  #dropConnection(): void {
    this.close_connection = true;
    this.wfile.discard();
    try {
      this.request.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * Streams `length` body bytes from `rfile` to the script's stdin, chunk by chunk.
   *
   * @returns True when the whole body was read from the client.
   */
  async #pumpBody(
    stdin: WritableStream<Uint8Array>,
    length: number,
    run: CgiRun,
  ): Promise<boolean> {
    const writer = stdin.getWriter();
    run.stdinWriter = writer;
    // No size limit: CPython passes a body of any length on to the script.
    const body = new BoundedBodyReader(this.rfile, length, {
      maxBytes: null,
      chunkSize: CGI_STDIN_CHUNK_SIZE,
    });
    let stdinOpen = true;
    try {
      while (!body.complete && !run.stopped) {
        let chunk: Uint8Array;
        try {
          chunk = await body.peek();
        } catch (error) {
          if (error instanceof ClientDisconnectedError) run.kill("client disconnected");
          else if (!(error instanceof SocketTimeoutError)) throw error;
          this.close_connection = true;
          return false;
        }
        if (chunk.length === 0) {
          // The client sent less than it announced: the script sees the end of its input.
          this.close_connection = true;
          return false;
        }
        if (stdinOpen && !run.stopped) {
          try {
            // Straight from the read buffer: consumed only once the pipe has taken it.
            await writer.write(chunk);
          } catch {
            // The script closed its input or exited: the rest of the body is read and dropped.
            stdinOpen = false;
          }
        }
        body.consume(chunk.length);
      }
      return body.complete;
    } finally {
      writer.close().catch(() => {});
      run.stdinWriter = null;
    }
  }

  /**
   * While the script runs and the connection is to close anyway, reads (and drops, as
   * CPython's drain does) what the client still sends, to notice a client that resets.
   */
  #watchClient(run: CgiRun): void {
    if (!this.close_connection) return;
    (async () => {
      while (!run.stopped && run.killedBecause === null) {
        const chunk = await this.rfile.read1(CGI_STDIN_CHUNK_SIZE);
        if (chunk.length === 0) return;
      }
    })().catch((error) => {
      if (error instanceof ClientDisconnectedError && !run.stopped) {
        run.kill("client disconnected");
      }
    });
  }

  /** Relays the script's stdout to the client (flushing each chunk) or its stderr to the log. */
  async #relayOutput(
    stream: ReadableStream<Uint8Array>,
    run: CgiRun,
    toClient: boolean,
  ): Promise<void> {
    const reader = stream.getReader();
    try {
      while (true) {
        const result = await run.read(reader);
        if (result === null || result.done) break;
        run.busy++;
        try {
          if (toClient) {
            await this.wfile.write(result.value);
            await this.wfile.flush();
          } else {
            this.cgi_stderr_writer(result.value);
          }
        } catch (error) {
          if (!toClient) throw error;
          if (!(error instanceof ClientDisconnectedError || error instanceof SocketTimeoutError)) {
            throw error;
          }
          run.kill("client disconnected");
          break;
        } finally {
          run.busy--;
          run.touch();
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}
