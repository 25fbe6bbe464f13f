/**
 * The command line: `python -m http.server` for Deno, with the same flags, help, banner,
 * errors and exit codes, plus Python's `test()` function for running any handler class.
 *
 * ```sh
 * deno run --allow-net --allow-read cli.ts [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY]
 *   [-p VERSION] [--tls-cert PATH] [--tls-key PATH] [--tls-password-file PATH]
 *   [--header-timeout SECONDS] [--idle-timeout SECONDS] [--max-connections N] [port]
 * ```
 *
 * Beyond Python: `--header-timeout` (seconds a client has to send a request's line and
 * headers, default 60), `--idle-timeout` (seconds a keep-alive connection may wait between
 * requests, default 75) and `--max-connections` (connections served at once, default 1024;
 * more wait in the accept queue). A timeout of 0 means no limit. Neither timeout applies to
 * sending a response, so a slow download is never cut off.
 *
 * Permissions: `--allow-net` and `--allow-read`; `--cgi` also needs `--allow-run` (and
 * `--allow-env` to pass the server's environment to scripts); `--workers N` needs `--allow-run`
 * to start its worker processes (see `workers.ts`).
 *
 * Exit codes: 0 after Ctrl-C or SIGTERM, 1 when the address cannot be bound or the served
 * directory is missing, 2 for bad arguments (argparse's code).
 *
 * @example Run the file server from code
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(["8080", "--bind", "127.0.0.1"]));
 * ```
 *
 * @module
 */
import { type ArgSpec, ArgumentValueError, parseArguments } from "./cli_args.ts";
import {
  DEFAULT_HEADER_TIMEOUT,
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_PORT,
} from "./constants.ts";
import { HeaderFieldError, StartupError, UsageError } from "./errors.ts";
import { BaseHTTPRequestHandler, type RequestHandlerClass } from "./handlers/base.ts";
import { writeStderr } from "./io/stderr.ts";
import { defaultMimeTypes } from "./mime_types.ts";
import { parseByteSize } from "./protocol/upload_name.ts";
import {
  checkHeaderField,
  responseHeaderPairs,
  type ResponseHeaders,
} from "./handlers/files/web_app.ts";
import {
  type ListingStyle,
  SimpleHTTPRequestHandler,
  type SymlinkPolicy,
} from "./handlers/files/simple.ts";
import { type HTTPServer, ThreadingHTTPServer } from "./server.ts";
import type { ClientAddress } from "./types.ts";
import { parentGoneSignal, parseWorkers, withReusePort, workerRole } from "./worker_role.ts";

export { StartupError, UsageError };

/** The program name in usage lines: the script's or the compiled binary's file name. */
export const PROG: string = lastSegment(new URL(Deno.mainModule).pathname) || "cli.ts";

/**
 * The last segment of a URL path (std's `basename` for a path without a trailing slash),
 * written out so the command line does not load the standard library to start.
 */
function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Milliseconds a shutdown waits for responses in progress before it closes them: long enough
 * for a small response to finish, short enough that Ctrl-C still feels immediate.
 */
export const SHUTDOWN_GRACE_MS = 5000;

/** Server attributes a flag sets directly, through {@linkcode TestOptions}. */
type ServerSetting = "header_timeout" | "idle_timeout" | "max_connections";

/** A row of the command line's table: an argument, and the server attribute it sets. */
interface CliArgument<Key extends keyof CliOptions & string = keyof CliOptions & string>
  extends ArgSpec<CliOptions, Key> {
  /** The server attribute this option's value is handed to `test()` as. */
  server?: ServerSetting;
}

/** One row, its default, `parse` and `resolve` checked against its `CliOptions` field. */
function row<Key extends keyof CliOptions & string>(spec: CliArgument<Key>): CliArgument {
  return spec as unknown as CliArgument;
}

/**
 * Every argument of the command line, in `--help` order: the usage line, the help, the
 * parser, the checks and the wiring into `test()` all come from these rows.
 */
const CLI_ARGUMENTS: readonly CliArgument[] = [
  row({
    kind: "flag",
    flags: ["-h", "--help"],
    key: "help",
    default: false,
    stops: true,
    help: "show this help message and exit",
  }),
  row({ kind: "flag", flags: ["--cgi"], key: "cgi", default: false, help: "run as CGI server" }),
  row({
    kind: "value",
    flags: ["-b", "--bind"],
    metavar: "ADDRESS",
    key: "bind",
    default: undefined,
    help: "bind to this address (default: all interfaces)",
  }),
  row({
    kind: "value",
    flags: ["-d", "--directory"],
    metavar: "DIRECTORY",
    key: "directory",
    default: "",
    resolve: (value, given) => given ? value : Deno.cwd(),
    help: "serve this directory (default: current directory)",
  }),
  row({
    kind: "value",
    flags: ["-p", "--protocol"],
    metavar: "VERSION",
    key: "protocol",
    default: "HTTP/1.0",
    help: "conform to this HTTP version (default: HTTP/1.0)",
  }),
  row({
    kind: "value",
    flags: ["--tls-cert"],
    metavar: "PATH",
    key: "tls_cert",
    default: undefined,
    help: "path to the TLS certificate chain file",
  }),
  row({
    kind: "value",
    flags: ["--tls-key"],
    metavar: "PATH",
    key: "tls_key",
    default: undefined,
    requires: "--tls-cert",
    help: "path to the TLS key file",
  }),
  row({
    kind: "value",
    flags: ["--tls-password-file"],
    metavar: "PATH",
    key: "tls_password",
    default: undefined,
    requires: "--tls-cert",
    resolve: (path, given) => given && path !== undefined ? readPasswordFile(path) : undefined,
    help: "path to the password file for the TLS key",
  }),
  row({
    kind: "value",
    flags: ["--header-timeout"],
    metavar: "SECONDS",
    key: "header_timeout",
    default: DEFAULT_HEADER_TIMEOUT,
    parse: parseSeconds,
    server: "header_timeout",
    help: "drop a client that has not sent a request's line and headers within this time " +
      `(default: ${DEFAULT_HEADER_TIMEOUT}; 0: no limit)`,
  }),
  row({
    kind: "value",
    flags: ["--idle-timeout"],
    metavar: "SECONDS",
    key: "idle_timeout",
    default: DEFAULT_IDLE_TIMEOUT,
    parse: parseSeconds,
    server: "idle_timeout",
    help: "close a keep-alive connection that waits this long for its next request " +
      `(default: ${DEFAULT_IDLE_TIMEOUT}; 0: no limit)`,
  }),
  row({
    kind: "value",
    flags: ["--max-connections"],
    metavar: "N",
    key: "max_connections",
    default: DEFAULT_MAX_CONNECTIONS,
    parse: parseCount,
    server: "max_connections",
    help: "serve at most N connections at once; more wait to be accepted " +
      `(default: ${DEFAULT_MAX_CONNECTIONS})`,
  }),
  row({
    kind: "flag",
    flags: ["--etag"],
    key: "etag",
    default: false,
    help: "send entity tags with files and honour conditional requests against them " +
      "(byte ranges are served either way)",
  }),
  row({
    kind: "flag",
    flags: ["--upload"],
    key: "upload",
    default: false,
    help: "accept uploads: PUT to a file path, multipart/form-data POST to a directory " +
      "(stored atomically; an existing file is not replaced)",
  }),
  row({
    kind: "flag",
    flags: ["--overwrite"],
    key: "overwrite",
    default: false,
    requires: "--upload",
    help: "let uploads replace existing files",
  }),
  row({
    kind: "flag",
    flags: ["--mkdir"],
    key: "mkdir",
    default: false,
    requires: "--upload",
    help: "let PUT create missing directories",
  }),
  row({
    kind: "value",
    flags: ["--max-upload-size"],
    metavar: "SIZE",
    key: "max_upload_size",
    default: DEFAULT_MAX_UPLOAD_BYTES,
    parse: parseUploadSize,
    requires: "--upload",
    help: "refuse request bodies larger than SIZE bytes (K, M, G suffixes; default: 1G)",
  }),
  row({
    kind: "value",
    flags: ["--auth"],
    metavar: "USER:PASSWORD",
    key: "auth",
    default: [],
    repeat: true,
    parse: parseAuthSpec,
    help: "require HTTP Basic auth for every request (repeatable; USER:sha256:HEX gives " +
      "the password's SHA-256 instead)",
  }),
  row({
    kind: "value",
    flags: ["--upload-auth"],
    metavar: "USER:PASSWORD",
    key: "upload_auth",
    default: [],
    repeat: true,
    parse: parseAuthSpec,
    help: "require these credentials for uploads (PUT, POST) only (repeatable)",
  }),
  row({
    kind: "value",
    flags: ["-H", "--header"],
    metavar: "HEADER VALUE",
    key: "header",
    default: [],
    nargs: 2,
    repeat: true,
    help: "add a custom response header to file and listing answers (can be used " +
      "multiple times; as in Python 3.15)",
  }),
  row({
    kind: "flag",
    flags: ["--cors"],
    key: "cors",
    default: false,
    help: "send Access-Control-Allow-Origin: * and answer CORS preflight OPTIONS requests",
  }),
  row({
    kind: "value",
    flags: ["--cache-control"],
    metavar: "VALUE",
    key: "cache_control",
    default: null,
    help: "send this Cache-Control value with files (e.g. no-store, max-age=3600)",
  }),
  row({
    kind: "value",
    flags: ["--spa"],
    metavar: "FILE",
    key: "spa",
    default: null,
    nargs: "?",
    const: "index.html",
    help: "answer GET for a missing extensionless path from a browser with this page " +
      "(default: index.html)",
  }),
  row({
    kind: "value",
    flags: ["--error-page"],
    metavar: "CODE=FILE",
    key: "error_page",
    default: [],
    repeat: true,
    parse: parseErrorPage,
    help: "send this file (under the directory) as the body of CODE errors (can be used " +
      "multiple times)",
  }),
  row({
    kind: "flag",
    flags: ["--compress"],
    key: "compress",
    default: false,
    help: "serve precompressed siblings (a.js.br, a.js.zst, a.js.gz) to clients that accept " +
      "them",
  }),
  row({
    kind: "value",
    flags: ["--listing"],
    metavar: "STYLE",
    key: "listing",
    default: "python",
    parse: parseListingStyle,
    help: "directory listing page: python (Python's, the default) or rich (a sortable " +
      "table with sizes and dates)",
  }),
  row({
    kind: "flag",
    flags: ["--no-dotfiles"],
    key: "no_dotfiles",
    default: false,
    help: "hide names starting with '.' from listings and answer 404 for them",
  }),
  row({
    kind: "flag",
    flags: ["--no-follow-symlinks"],
    key: "no_follow_symlinks",
    default: false,
    help: "refuse every symlink (404, not listed)",
  }),
  row({
    kind: "flag",
    flags: ["--contain-symlinks"],
    key: "contain_symlinks",
    default: false,
    help: "follow a symlink only while its real path stays inside the served directory",
  }),
  row({
    kind: "value",
    flags: ["--workers"],
    metavar: "N",
    key: "workers",
    default: 1,
    parse: parseWorkers,
    help: "serve with N processes sharing the port (auto: one per core; default: 1; needs " +
      "--allow-run); one process serves, with a warning, off Linux or in a deno compile " +
      "binary built without --unstable-net",
  }),
  row({
    kind: "positional",
    flags: [],
    name: "port",
    optional: true,
    key: "port",
    default: DEFAULT_PORT,
    parse: parsePort,
    help: `bind to this port (default: ${DEFAULT_PORT})`,
  }),
];

/**
 * The parsed command line.
 *
 * @example
 * ```ts
 * import { type CliOptions, parseCli } from "./cli.ts";
 * import { assertEquals } from "./deps.ts";
 * const options: CliOptions = parseCli(["-b", "127.0.0.1", "-p", "HTTP/1.1", "8080"]);
 * assertEquals(options.port, 8080);
 * assertEquals(options.bind, "127.0.0.1");
 * assertEquals(options.protocol, "HTTP/1.1");
 * assertEquals(options.cgi, false);
 * ```
 */
export interface CliOptions {
  /** Port to bind (default 8000; 0 picks a free one). */
  port: number;
  /** Address to bind; undefined binds all interfaces (dual-stack where possible). */
  bind: string | undefined;
  /** Directory to serve. */
  directory: string;
  /** `protocol_version` of the handlers. */
  protocol: string;
  /** Run CGI scripts. */
  cgi: boolean;
  /** TLS certificate chain file: serve HTTPS. */
  tls_cert: string | undefined;
  /** TLS key file. */
  tls_key: string | undefined;
  /** Password of the TLS key, read from `--tls-password-file`. */
  tls_password: string | undefined;
  /** `--header-timeout`: the server's `header_timeout` (null: no limit). */
  header_timeout: number | null;
  /** `--idle-timeout`: the server's `idle_timeout` (null: no limit). */
  idle_timeout: number | null;
  /** `--max-connections`: the server's `max_connections`. */
  max_connections: number;
  /** `--etag`: file handlers send entity tags (`SimpleHTTPRequestHandler.etag`). */
  etag: boolean;
  /** `--upload`: accept PUT and form uploads. */
  upload: boolean;
  /** `--overwrite`: uploads may replace files. */
  overwrite: boolean;
  /** `--mkdir`: PUT may create directories. */
  mkdir: boolean;
  /** `--max-upload-size`: most bytes of a request body. */
  max_upload_size: number;
  /** `--auth`: `USER:PASSWORD` or `USER:sha256:HEX`, every request. */
  auth: string[];
  /** `--upload-auth`: the same, for uploads only. */
  upload_auth: string[];
  /** `-H NAME VALUE` pairs, in order (CPython 3.15). */
  header: [string, string][];
  /** `--cors`. */
  cors: boolean;
  /** `--cache-control VALUE`, or null. */
  cache_control: string | null;
  /** `--spa [FILE]`: the entry page, or null when off. */
  spa: string | null;
  /** `--error-page CODE=FILE` pairs, in order. */
  error_page: [number, string][];
  /** `--compress`. */
  compress: boolean;
  /** `--listing`: the HTML listing page. */
  listing: ListingStyle;
  /** `--no-dotfiles`: hide and refuse names starting with `.`. */
  no_dotfiles: boolean;
  /** `--no-follow-symlinks`: refuse every symlink. */
  no_follow_symlinks: boolean;
  /** `--contain-symlinks`: follow symlinks only inside the served directory. */
  contain_symlinks: boolean;
  /** `--workers`: processes sharing the port (1: this one alone). */
  workers: number;
  /** `-h` was given. */
  help: boolean;
}

/** Lowest and highest status an error page may be given for. */
const ERROR_PAGE_CODES = [400, 599] as const;

/** A `CODE=FILE` argument of `--error-page`. */
function parseErrorPage(text: string): [number, string] {
  const match = /^([0-9]{3})=(.+)$/s.exec(text);
  const code = match === null ? NaN : Number(match[1]);
  if (match === null || code < ERROR_PAGE_CODES[0] || code > ERROR_PAGE_CODES[1]) {
    throw new ArgumentValueError(`invalid CODE=FILE value (CODE 400-599): '${text}'`);
  }
  return [code, match[2]];
}

/**
 * The handler class with the web-app options of the command line set (the class itself when
 * none is given), after checking them.
 *
 * @throws {HeaderFieldError} A `-H` or `--cache-control` value is not a valid field.
 * @throws {StartupError} An error page cannot be read.
 */
function withWebAppOptions(
  HandlerClass: RequestHandlerClass,
  options: CliOptions,
): RequestHandlerClass {
  responseHeaderPairs(options.header);
  if (options.cache_control !== null) checkHeaderField("Cache-Control", options.cache_control);
  const pages: Record<number, string> = {};
  for (const [code, file] of options.error_page) {
    const path = file.startsWith("/") ? file : `${options.directory}/${file}`;
    try {
      if (!Deno.statSync(path).isFile) throw new Deno.errors.IsADirectory();
    } catch (error) {
      throw new StartupError(`cannot read error page: ${osErrorText(error, path)}`);
    }
    pages[code] = file;
  }
  const { cors, cache_control, spa, compress } = options;
  if (
    !cors && cache_control === null && spa === null && !compress && options.error_page.length === 0
  ) {
    return HandlerClass;
  }
  const Base = HandlerClass as unknown as typeof SimpleHTTPRequestHandler;
  return class extends Base {
    override cors = cors;
    override cache_control = cache_control;
    override spa = spa;
    override error_pages = pages;
    override compress = compress;
  } as unknown as RequestHandlerClass;
}

/** A `STYLE` argument of `--listing`. */
function parseListingStyle(text: string): ListingStyle {
  if (text === "python" || text === "rich") return text;
  throw new ArgumentValueError(`invalid choice: '${text}' (choose from 'python', 'rich')`);
}

/**
 * The handler class with the listing and path options applied (a subclass), or the class
 * itself when every option is at its default. `--no-follow-symlinks` wins over
 * `--contain-symlinks`.
 */
function withFileOptions(Handler: RequestHandlerClass, options: CliOptions): RequestHandlerClass {
  const symlinks: SymlinkPolicy = options.no_follow_symlinks
    ? "refuse"
    : options.contain_symlinks
    ? "contain"
    : "follow";
  if (options.listing === "python" && !options.no_dotfiles && symlinks === "follow") {
    return Handler;
  }
  const Base = Handler as unknown as typeof SimpleHTTPRequestHandler;
  return class extends Base {
    override listing = options.listing;
    override dotfiles = !options.no_dotfiles;
    override symlinks = symlinks;
  } as unknown as RequestHandlerClass;
}

/**
 * A `SECONDS` argument, as Python's `float()` reads it: non-negative and finite; 0 means no
 * limit (null).
 */
function parseSeconds(text: string): number | null {
  const trimmed = text.trim();
  const value = /^[+]?(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9]+)?$/
      .test(trimmed) && /[0-9]/.test(trimmed)
    ? Number(trimmed.replaceAll("_", ""))
    : NaN;
  if (!Number.isFinite(value) || value < 0) {
    throw new ArgumentValueError(`invalid non-negative seconds value: '${text}'`);
  }
  return value === 0 ? null : value;
}

/** An `N` argument: a positive integer, as Python's `int()` reads it. */
function parseCount(text: string): number {
  const trimmed = text.trim();
  const value = /^[+]?[0-9]+(?:_[0-9]+)*$/.test(trimmed)
    ? Number(trimmed.replaceAll("_", ""))
    : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ArgumentValueError(`invalid positive int value: '${text}'`);
  }
  return value;
}

/** Python's `int()` on a port argument: optional sign, digits, surrounding whitespace. */
function parsePort(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(trimmed)) {
    throw new ArgumentValueError(`invalid int value: '${text}'`);
  }
  return Number(trimmed.replaceAll("_", ""));
}

/** A `--max-upload-size` value: bytes, with an optional K/M/G suffix. */
function parseUploadSize(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === null) throw new ArgumentValueError(`invalid size value: '${text}'`);
  return bytes;
}

/** A `--auth` value: checked for its `USER:` part here, hashed when the server starts. */
function parseAuthSpec(text: string): string {
  if (text.indexOf(":") <= 0) {
    throw new ArgumentValueError(`expected USER:PASSWORD or USER:sha256:HEX, not '${text}'`);
  }
  return text;
}

/** The TLS key's password: the file's text, whitespace stripped. */
function readPasswordFile(path: string): string {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch (error) {
    throw new UsageError(`Failed to read TLS password file: ${osErrorText(error, path)}`);
  }
}

/**
 * Parses arguments as `python -m http.server`'s argparse parser does.
 *
 * @param args The arguments (without the program).
 * @returns The options (with `help` set, and nothing checked, when `-h` came first).
 * @throws {UsageError} Bad arguments (argparse's message).
 *
 * @example
 * ```ts
 * import { parseCli } from "./cli.ts";
 * parseCli(["-b", "127.0.0.1", "8080"]).port; // 8080
 * ```
 */
export function parseCli(args: string[]): CliOptions {
  return parseArguments(CLI_ARGUMENTS, args).options;
}

/** The server settings the options carry, for {@linkcode test}. */
function serverSettings(options: CliOptions): Pick<TestOptions, ServerSetting> {
  const settings: Partial<Record<ServerSetting, unknown>> = {};
  for (const row of CLI_ARGUMENTS) {
    if (row.server !== undefined) settings[row.server] = options[row.key];
  }
  return settings as Pick<TestOptions, ServerSetting>;
}

/** Python's `str(OSError)` shape for the common cases: `[Errno N] Text: 'path'`. */
function osErrorText(error: unknown, path?: string): string {
  const suffix = path === undefined ? "" : `: '${path}'`;
  if (error instanceof Deno.errors.NotFound) return `[Errno 2] No such file or directory${suffix}`;
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return `[Errno 13] Permission denied${suffix}`;
  }
  if (error instanceof Deno.errors.AddrInUse) return "[Errno 98] Address already in use";
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return "[Errno 99] Cannot assign requested address";
  }
  if (error instanceof Deno.errors.IsADirectory) return `[Errno 21] Is a directory${suffix}`;
  return error instanceof Error ? error.message : String(error);
}

/** A server class `test()` can construct: the HTTP servers, or the HTTPS ones with TLS. */
export type ServerConstructor = new (
  server_address: ClientAddress,
  RequestHandlerClass: RequestHandlerClass,
) => HTTPServer;

/** Extra settings of {@linkcode test} beyond Python's arguments. */
export interface TestOptions {
  /** Directory file handlers serve (Python's CLI passes `--directory` the same way). */
  directory?: string;
  /** Called once the server is listening (after the banner). */
  onListen?: (server: HTTPServer) => void;
  /** Stop when this signal aborts (as Ctrl-C does). */
  signal?: AbortSignal;
  /** Builds the HTTPS server when `tls_cert` is given (wired by the CLI). */
  httpsFactory?: (
    address: ClientAddress,
    Handler: RequestHandlerClass,
    tls: { certfile: string; keyfile?: string; password?: string; reuse_port?: boolean },
  ) => HTTPServer;
  /** The server's `header_timeout` in seconds (null: no limit; default: the server's). */
  header_timeout?: number | null;
  /** The server's `idle_timeout` in seconds (null: no limit; default: the server's). */
  idle_timeout?: number | null;
  /** The server's `max_connections` (default: the server's). */
  max_connections?: number;
  /** Bind with `allow_reuse_port` set, sharing the port with other workers (default false). */
  reuse_port?: boolean;
  /**
   * The server's `response_headers`, which `SimpleHTTPRequestHandler` adds to its 200 file
   * and listing answers (CPython 3.15's `test(..., response_headers=...)`).
   */
  response_headers?: ResponseHeaders | null;
}

function subclassWithProtocol(
  HandlerClass: RequestHandlerClass,
  protocol: string,
): RequestHandlerClass {
  const Base = HandlerClass as unknown as typeof BaseHTTPRequestHandler;
  return class extends Base {
    override protocol_version = protocol;
  } as unknown as RequestHandlerClass;
}

/** `--etag`: the file handler with `etag` on. */
function subclassWithEtag(HandlerClass: RequestHandlerClass): RequestHandlerClass {
  const Base = HandlerClass as unknown as typeof SimpleHTTPRequestHandler;
  return class extends Base {
    override etag = true;
  } as unknown as RequestHandlerClass;
}

function bindServer(
  make: (address: ClientAddress) => HTTPServer,
  bind: string | undefined,
  port: number,
): HTTPServer {
  if (bind !== undefined) return make([bind, port]);
  try {
    // Dual-stack, as Python's CLI does where getaddrinfo offers IPv6 first.
    return make(["::", port]);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) throw error;
    return make(["0.0.0.0", port]);
  }
}

/** {@linkcode bindServer}, with a bind failure as a {@linkcode StartupError} saying where. */
function bindOrExplain(
  make: (address: ClientAddress) => HTTPServer,
  bind: string | undefined,
  port: number,
): HTTPServer {
  try {
    return bindServer(make, bind, port);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const where = `${bind ?? "all interfaces"} port ${port}`;
    throw new StartupError(`cannot serve on ${where}: ${osErrorText(error)}`);
  }
}

/**
 * Runs a server until Ctrl-C or SIGTERM, as Python's `http.server.test()`: sets the
 * handler's `protocol_version`, binds (all interfaces when `bind` is omitted), prints the
 * banner, serves, and on a signal prints `Keyboard interrupt received, exiting.`, lets
 * responses in progress finish (at most {@linkcode SHUTDOWN_GRACE_MS}) and returns.
 *
 * @param HandlerClass The handler class.
 * @param ServerClass The server class.
 * @param protocol The HTTP version handlers speak.
 * @param port The port (0 picks one).
 * @param bind The address to bind.
 * @param tls_cert Certificate chain file: serve HTTPS.
 * @param tls_key Key file.
 * @param tls_password Key password.
 * @param options Directory, listen callback, stop signal.
 * @throws {StartupError} The address cannot be bound.
 *
 * @example
 * ```ts ignore
 * import { test } from "./cli.ts";
 * import { SimpleHTTPRequestHandler } from "./handlers/simple.ts";
 * await test(SimpleHTTPRequestHandler);
 * ```
 */
export async function test(
  HandlerClass: RequestHandlerClass = BaseHTTPRequestHandler,
  ServerClass: ServerConstructor = ThreadingHTTPServer,
  protocol: string = "HTTP/1.0",
  port: number = DEFAULT_PORT,
  bind?: string,
  tls_cert?: string,
  tls_key?: string,
  tls_password?: string,
  options: TestOptions = {},
): Promise<void> {
  const Handler = subclassWithProtocol(HandlerClass, protocol);
  const make = (address: ClientAddress): HTTPServer => {
    if (tls_cert !== undefined) {
      if (options.httpsFactory === undefined) {
        throw new StartupError("HTTPS support is unavailable (no HTTPS server class given)");
      }
      return options.httpsFactory(address, Handler, {
        certfile: tls_cert,
        keyfile: tls_key,
        password: tls_password,
        reuse_port: options.reuse_port,
      });
    }
    return new (options.reuse_port ? withReusePort(ServerClass) : ServerClass)(address, Handler);
  };
  const server = bindOrExplain(make, bind, port);
  if (options.directory !== undefined) server.directory = options.directory;
  if (options.header_timeout !== undefined) server.header_timeout = options.header_timeout;
  if (options.idle_timeout !== undefined) server.idle_timeout = options.idle_timeout;
  if (options.max_connections !== undefined) server.max_connections = options.max_connections;
  if (options.response_headers !== undefined) server.response_headers = options.response_headers;
  const [host, boundPort] = server.server_address;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const scheme = tls_cert !== undefined ? "HTTPS" : "HTTP";
  console.log(
    `Serving ${scheme} on ${host} port ${boundPort} (${scheme.toLowerCase()}://${urlHost}:${boundPort}/) ...`,
  );
  options.onListen?.(server);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log("\nKeyboard interrupt received, exiting.");
    // Stop accepting at once (new connections are refused), then let responses finish.
    server.shutdown();
    server.server_close();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, stop);
  options.signal?.addEventListener("abort", stop);
  try {
    const serving = server.serve_forever();
    // The accept is pending: the file server's one-time work of the first request (reading the
    // system mime.types, the first stat) is done while the first client is still on its way.
    if (Handler.prototype instanceof SimpleHTTPRequestHandler) defaultMimeTypes();
    await serving;
  } finally {
    for (const sig of signals) Deno.removeSignalListener(sig, stop);
    options.signal?.removeEventListener("abort", stop);
    server.server_close();
    await server.drain(SHUTDOWN_GRACE_MS);
  }
}

/**
 * Runs the command line and returns the exit status (it does not exit).
 *
 * @param args The arguments (without the program).
 * @returns 0 after a clean stop, 1 when serving could not start, 2 for bad arguments.
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const role = workerRole();
  if (role === "probe") return (await loadWorkers()).probeReusePort();
  let options: CliOptions;
  try {
    options = parseCli(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // The usage line is formatted only for an error, not on every start.
    const { formatUsage } = await import("./cli_help.ts");
    writeStderr(`${formatUsage(PROG, CLI_ARGUMENTS)}${PROG}: error: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    const { formatHelp } = await import("./cli_help.ts");
    await Deno.stdout.write(new TextEncoder().encode(formatHelp(PROG, CLI_ARGUMENTS)));
    return 0;
  }
  if (role !== null) options.port = role;
  if (options.port < 0 || options.port > 65535) {
    writeStderr(`${PROG}: error: port must be 0-65535, not ${options.port}\n`);
    return 1;
  }
  try {
    const info = Deno.statSync(options.directory);
    if (!info.isDirectory) throw new StartupError(`not a directory: '${options.directory}'`);
  } catch (error) {
    const message = error instanceof StartupError
      ? error.message
      : `cannot serve directory: ${osErrorText(error, options.directory)}`;
    writeStderr(`${PROG}: error: ${message}\n`);
    return 1;
  }
  if (
    options.upload &&
    Deno.permissions.querySync({ name: "write", path: options.directory }).state !== "granted"
  ) {
    writeStderr(`${PROG}: error: --upload needs --allow-write for '${options.directory}'\n`);
    return 1;
  }
  let Handler: RequestHandlerClass = SimpleHTTPRequestHandler;
  if (options.cgi) Handler = await loadCgiHandler();
  if (options.etag) Handler = subclassWithEtag(Handler);
  Handler = await withUploadsAndAuth(Handler, options);
  try {
    Handler = withWebAppOptions(Handler, options);
  } catch (error) {
    if (!(error instanceof HeaderFieldError || error instanceof StartupError)) throw error;
    writeStderr(`${PROG}: error: ${error.message}\n`);
    return error instanceof StartupError ? 1 : 2;
  }
  Handler = withFileOptions(Handler, options);
  let httpsFactory: TestOptions["httpsFactory"];
  if (options.tls_cert !== undefined) httpsFactory = await loadHttpsFactory();
  if (role === null && options.workers > 1) {
    const code = await runWorkers(options, args);
    if (code !== null) return code;
  }
  try {
    await test(
      Handler,
      ThreadingHTTPServer,
      options.protocol,
      options.port,
      options.bind,
      options.tls_cert,
      options.tls_key,
      options.tls_password,
      {
        directory: options.directory,
        httpsFactory,
        ...serverSettings(options),
        reuse_port: role !== null,
        signal: role !== null ? parentGoneSignal() : undefined,
        response_headers: options.header.length > 0 ? options.header : undefined,
      },
    );
  } catch (error) {
    if (!(error instanceof StartupError)) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      writeStderr(`${PROG}: error: ${text}\n`);
      return 1;
    }
    writeStderr(`${PROG}: error: ${error.message}\n`);
    return 1;
  }
  return 0;
}

async function loadCgiHandler(): Promise<RequestHandlerClass> {
  // Loaded only for --cgi, so plain runs never load the CGI machinery.
  const cgi = await import("./handlers/cgi.ts");
  return cgi.CGIHTTPRequestHandler as unknown as RequestHandlerClass;
}

/**
 * The handler class with `--upload` and `--auth`/`--upload-auth` applied (the class itself
 * when neither is given); warns when passwords would cross a network in clear text.
 */
async function withUploadsAndAuth(
  HandlerClass: RequestHandlerClass,
  options: CliOptions,
): Promise<RequestHandlerClass> {
  let Handler = HandlerClass as unknown as typeof SimpleHTTPRequestHandler;
  if (options.upload) {
    const settings = {
      overwrite: options.overwrite,
      mkdir: options.mkdir,
      maxBytes: options.max_upload_size,
      allowDotfiles: true,
    };
    Handler = class extends Handler {
      override upload_settings = settings;
    };
  }
  if (options.auth.length > 0 || options.upload_auth.length > 0) {
    // Loaded only with --auth, so plain runs never load node:crypto.
    const { BasicAuthGate, parseCredential } = await import("./handlers/auth.ts");
    const gate = new BasicAuthGate({
      readers: options.auth.map(parseCredential),
      writers: options.upload_auth.map(parseCredential),
    });
    Handler = class extends Handler {
      override access_control = gate;
    };
    if (options.tls_cert === undefined && !isLoopback(options.bind)) {
      writeStderr(
        `${PROG}: warning: --auth without TLS on ${options.bind ?? "all interfaces"}: ` +
          "passwords cross the network readable by anyone on the path (use --tls-cert, " +
          "or bind 127.0.0.1)\n",
      );
    }
  }
  return Handler as unknown as RequestHandlerClass;
}

/** Whether a `--bind` address only reaches this machine. */
function isLoopback(bind: string | undefined): boolean {
  if (bind === undefined) return false;
  return bind === "localhost" || bind === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bind);
}

async function loadHttpsFactory(): Promise<NonNullable<TestOptions["httpsFactory"]>> {
  // Loaded only for HTTPS, so plain runs never load node:crypto.
  const tls = await import("./tls_server.ts");
  return (address, Handler, { reuse_port, ...options }) => {
    const Server = reuse_port ? withReusePort(tls.ThreadingHTTPSServer) : tls.ThreadingHTTPSServer;
    try {
      return new Server(address, Handler, options);
    } catch (error) {
      if (error instanceof tls.TLSConfigurationError) throw new StartupError(error.message);
      throw error;
    }
  };
}

/**
 * `--workers N` above 1: checks the run permission, picks the port (a concrete one for port 0),
 * and supervises the workers until a signal.
 *
 * @returns The exit status, or null when the platform refuses and one process serves instead.
 */
async function runWorkers(options: CliOptions, args: string[]): Promise<number | null> {
  const {
    missingWorkerPermission,
    platformRefusal,
    reusePortRefusal,
    superviseWorkers,
    withoutWorkers,
    workerCommand,
  } = await loadWorkers();
  const platform = platformRefusal();
  if (platform !== null) {
    writeStderr(`${PROG}: warning: --workers: ${platform}; serving with one process\n`);
    return null;
  }
  const missing = missingWorkerPermission();
  if (missing !== null) {
    writeStderr(`${PROG}: error: --workers needs ${missing}\n`);
    return 1;
  }
  let port: number;
  try {
    const make = (address: ClientAddress) =>
      new ThreadingHTTPServer(address, BaseHTTPRequestHandler);
    const server = bindOrExplain(make, options.bind, options.port);
    port = server.server_port;
    server.server_close();
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    writeStderr(`${PROG}: error: ${error.message}\n`);
    return 1;
  }
  const hosts = options.bind === undefined ? ["[::]", "0.0.0.0"] : [
    options.bind.includes(":") ? `[${options.bind}]` : options.bind,
  ];
  const files = [options.directory, options.tls_cert, options.tls_key];
  const command = workerCommand(import.meta.url, withoutWorkers(args), {
    net: hosts.map((host) => `${host}:${port}`),
    read: files.filter((path) => path !== undefined),
    write: [options.directory],
    import: /^https?:$/.test(new URL(import.meta.url).protocol)
      ? [new URL(import.meta.url).host]
      : [],
  });
  const refusal = await reusePortRefusal(command);
  if (refusal !== null) {
    writeStderr(`${PROG}: warning: --workers: ${refusal}; serving with one process\n`);
    return null;
  }
  return await superviseWorkers(command, {
    count: options.workers,
    port,
    prog: PROG,
    print: (line) => console.log(line),
  });
}

function loadWorkers(): Promise<typeof import("./workers.ts")> {
  // Loaded only for --workers above 1 (and in its probe child): a plain start never loads it.
  return import("./workers.ts");
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
