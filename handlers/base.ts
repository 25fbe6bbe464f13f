/**
 * `BaseHTTPRequestHandler`: parses HTTP/1.x requests from `rfile` and dispatches them to
 * `do_<METHOD>()` methods, with the whole Python surface (`send_response`, `send_header`,
 * `end_headers`, `send_error`, logging, ...). Byte for byte, it answers as CPython 3.13 does.
 *
 * Differences from Python, all forced by the platform: methods that do I/O return promises
 * (`await this.end_headers()`, `await this.wfile.write(...)`, `await this.rfile.read(n)`),
 * while `send_response`, `send_response_only` and `send_header` only buffer and stay
 * synchronous; the handler is constructed first and then run (TypeScript constructors
 * cannot await), which the server does for you.
 *
 * @example A handler that answers GET
 * ```ts ignore
 * import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "../mod.ts";
 *
 * class Hello extends BaseHTTPRequestHandler {
 *   async do_GET() {
 *     const body = new TextEncoder().encode("Hello\n");
 *     this.send_response(200);
 *     this.send_header("Content-Type", "text/plain");
 *     this.send_header("Content-Length", String(body.length));
 *     await this.end_headers();
 *     await this.wfile.write(body);
 *   }
 * }
 * const server = new ThreadingHTTPServer(["127.0.0.1", 8000], Hello);
 * await server.serve_forever();
 * ```
 *
 * @module
 */
import {
  DEFAULT_ERROR_CONTENT_TYPE,
  DEFAULT_ERROR_MESSAGE,
  MAX_HEADERS,
  MAX_LINE_LENGTH,
  MODULE_VERSION,
} from "../constants.ts";
import { ClientDisconnectedError, ProtocolError, SocketTimeoutError } from "../errors.ts";
import { HTTPMessage } from "../headers.ts";
import { ConnectionClock } from "../io/connection_clock.ts";
import { RESOLVED_WAIT, RFile } from "../io/rfile.ts";
import { writeLogLine, writeStderr } from "../io/stderr.ts";
import { WFile } from "../io/wfile.ts";
import type { HeaderPair } from "../protocol/header_block.ts";
import { HeadReader, type HeadReadResult, NEED_MORE } from "../protocol/head_reader.ts";
import {
  currentHttpDate,
  formatHttpDate,
  formatLogDate,
  MONTH_NAMES,
  WEEKDAY_NAMES,
} from "../protocol/http_date.ts";
import { htmlEscapeNoQuote } from "../protocol/html.ts";
import { decodeLatin1, encodeLatin1 } from "../protocol/latin1.ts";
import { scrubLogMessage } from "../protocol/log_scrub.ts";
import { type FormatValue, percentFormat, pyRepr, stripLineEnds } from "../protocol/python_text.ts";
import {
  appendHeadLines,
  HeaderLineCache,
  joinLines,
  ResponseHeadEncoder,
} from "../protocol/header_lines.ts";
import { parseRequestLine } from "../protocol/request_line.ts";
import { ResponseHead } from "../protocol/response_head.ts";
import { responses, type StatusText } from "../status.ts";
import type { ByteConnection, ClientAddress, ServerInfo } from "../types.ts";

const RESOLVED: Promise<void> = Promise.resolve();
const CONNECTION_LENGTH = "connection".length;
const encoder = new TextEncoder();
/** `WFile`'s own `write`: when a handler's `wfile` has it, header lines skip the join. */
const WFILE_WRITE = WFile.prototype.write;
/** Most methods whose `do_<METHOD>` name is kept (further ones are built per request). */
const MAX_DISPATCH_NAMES = 64;
/**
 * `command -> "do_" + command`. The same name object each time lets V8 find the method by a
 * key it has already resolved, instead of building, hashing and looking up a new string.
 */
const dispatchNames = new Map<string, string>();

/** The handler property that serves `command`: `do_<command>`. */
function dispatchName(command: string): string {
  let name = dispatchNames.get(command);
  if (name === undefined) {
    name = "do_" + command;
    if (dispatchNames.size < MAX_DISPATCH_NAMES) dispatchNames.set(command, name);
  }
  return name;
}

/** Status and header lines, encoded once and shared by every handler. */
const HEADER_LINES = new HeaderLineCache();

/** A new array of the head's encoded lines (the blank line too once `ended`). */
function headLinesOf(head: ResponseHead, ended: boolean): Uint8Array[] {
  return appendHeadLines(HEADER_LINES, head, ended, []);
}

/** Whether two line arrays hold the same line arrays in the same order. */
function sameLines(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `sys_version`'s default, made once (`version_string` then compares one string object). */
const SYS_VERSION = `Deno/${Deno.version.deno}`;

/** The last `version_string()` result and the two parts it was made of. */
let lastVersion = { server: "", sys: "", text: " " };

/**
 * A server that limits how long clients take over request heads and keep-alive pauses (the
 * server classes of this package are; a plain {@linkcode ServerInfo} sets no limits).
 */
export interface RequestLimitsInfo extends ServerInfo {
  /**
   * Seconds a client has to send a request's line and headers (from the connection's accept
   * for its first request, from the first byte for later ones); null: no limit.
   */
  header_timeout?: number | null;
  /** Seconds a persistent connection may stay silent between requests; null: no limit. */
  idle_timeout?: number | null;
}

/**
 * The constructor of a request handler class, as servers take it.
 *
 * @example
 * ```ts
 * import { BaseHTTPRequestHandler, type RequestHandlerClass } from "./base.ts";
 * import { assertEquals } from "../deps.ts";
 * const Handler: RequestHandlerClass = BaseHTTPRequestHandler;
 * assertEquals(Handler.name, "BaseHTTPRequestHandler");
 * ```
 */
export type RequestHandlerClass<H extends BaseHTTPRequestHandler = BaseHTTPRequestHandler> = new (
  request: ByteConnection,
  client_address: ClientAddress,
  server: ServerInfo,
) => H;

/** Python's `sys.stderr.write`: the one stderr writer, public from this module too. */
export { writeStderr };

/** Fresh pair arrays, for a `MessageClass` that might keep and change the ones it gets. */
function copyPairs(pairs: readonly HeaderPair[]): [string, string][] {
  return pairs.map((pair): [string, string] => [pair[0], pair[1]]);
}

/** A gate every request passes before its `do_*` method (see `access_control`). */
export interface AccessControl {
  /**
   * Lets the request through (true), or answers it itself (a 401, sent and flushed) and
   * stops it (false).
   */
  check(handler: BaseHTTPRequestHandler): boolean | Promise<boolean>;
}

/**
 * The base request handler. Subclass it and add `do_GET`, `do_POST`, ... methods.
 *
 * @example Answer a socketless request (as CPython's own tests do)
 * ```ts
 * import { BaseHTTPRequestHandler } from "./base.ts";
 * import { MemoryConnection } from "../io/memory.ts";
 *
 * class Handler extends BaseHTTPRequestHandler {
 *   override log_message() {}
 * }
 * const conn = new MemoryConnection("POST / HTTP/1.0\r\n\r\n");
 * const handler = new Handler(conn, ["127.0.0.1", 1], {
 *   server_address: ["127.0.0.1", 80], server_name: "localhost", server_port: 80,
 * });
 * await handler.run();
 * new TextDecoder().decode(conn.output()).split("\r\n")[0];
 * // "HTTP/1.0 501 Unsupported method ('POST')"
 * ```
 */
export class BaseHTTPRequestHandler {
  // Python's class attributes, kept on the prototype (see the end of this module): a class
  // field would be set on every handler object, one per connection. A subclass field or an
  // assignment to an instance still overrides them.
  /** Second half of the `Server` header (`Python/3.x.y` in CPython). */
  declare sys_version: string;
  /** First half of the `Server` header. */
  declare server_version: string;
  /** The `send_error` body template (Python `%(code)d`, `%(message)s`, `%(explain)s`). */
  declare error_message_format: string;
  /** `Content-Type` of `send_error` bodies. */
  declare error_content_type: string;
  /** The version written in every status line; `HTTP/1.1` turns keep-alive on. */
  declare protocol_version: string;
  /** The version assumed until a request line names one (decides body-only errors). */
  declare default_request_version: string;
  /** The header container class. */
  declare MessageClass: new (pairs?: Iterable<[string, string]>) => HTTPMessage;
  /** `code -> [phrase, explanation]`, the defaults of status lines and error pages. */
  declare responses: Readonly<Record<number, StatusText>>;
  /** English weekday abbreviations, Monday first. */
  declare weekdayname: readonly string[];
  /** English month abbreviations, index 1 = January. */
  declare monthname: readonly (string | null)[];
  /** Seconds a single read or write may wait before the connection is dropped; null = none. */
  declare timeout: number | null;
  /**
   * Set TCP_NODELAY on the connection. CPython's default is false; here it is true because
   * `wfile` already coalesces small writes, so Nagle's algorithm would only add latency.
   */
  declare disable_nagle_algorithm: boolean;
  /**
   * Where log lines go (not in Python, which writes to `sys.stderr`): stderr by default, the
   * lines of one event-loop turn in one write (`writeLogLine` in io/stderr.ts);
   * replace it to capture or redirect the log without overriding `log_message`.
   */
  declare log_writer: (line: string) => void;
  /** Longest request or header line in bytes (CPython's 65536). */
  declare max_line_length: number;
  /** Most header lines, counting the blank line (CPython's 100). */
  declare max_headers: number;

  /** The connection (Python's socket). */
  readonly request: ByteConnection;
  /** `(host, port)` of the client. */
  readonly client_address: ClientAddress;
  /** The server that runs this handler. */
  readonly server: ServerInfo;
  /** The buffered reader of the request. */
  rfile!: RFile;
  /** The writer of the response. */
  wfile!: WFile;
  /** Set to end the connection after the current request. */
  close_connection: boolean = true;
  /**
   * Checked on every request once its head is parsed, before any `do_*` method runs
   * (`--auth`, `handlers/auth.ts`); null, the default, lets every request through.
   */
  access_control: AccessControl | null = null;
  /** The request line as read, line end included. */
  /** The request line as latin-1 text (the bytes of `raw_requestline`, one char each). */
  #rawRequestline = "";

  /** The request line as read, line end included (bytes; kept as latin-1 text inside). */
  get raw_requestline(): Uint8Array {
    return encodeLatin1(this.#rawRequestline);
  }

  set raw_requestline(bytes: Uint8Array) {
    this.#rawRequestline = decodeLatin1(bytes);
  }
  /** The request line without its line end. */
  requestline: string = "";
  /** The method; null until a request line was parsed. */
  command: string | null = null;
  /** The request target as sent (leading `//` collapsed), query and fragment included. */
  path: string = "";
  /** The request's version token, or the default. */
  request_version: string = "";
  /** The request headers, or null until a request was parsed (see `headers`). */
  #headers: HTTPMessage | null = null;

  /**
   * The request headers (empty until a request was parsed). Made on first use: every parsed
   * request sets its own, so a connection that serves one request never needs an empty one.
   */
  get headers(): HTTPMessage {
    return this.#headers ??= new HTTPMessage();
  }

  set headers(headers: HTTPMessage) {
    this.#headers = headers;
  }

  /** Deadlines and shutdown: drops the connection when the client is too slow. */
  readonly #clock: ConnectionClock = new ConnectionClock((lateHead) => this.#drop(lateHead));
  /** Reads the request heads of this connection (and reuses a repeated header block's parse). */
  #headReader: HeadReader | null = null;

  /**
   * Stores the connection; the server then calls {@linkcode run}.
   *
   * @param request The connection.
   * @param client_address `(host, port)` of the client.
   * @param server The server.
   */
  constructor(request: ByteConnection, client_address: ClientAddress, server: ServerInfo) {
    this.request = request;
    this.client_address = client_address;
    this.server = server;
  }

  /** The connection (Python's `self.connection`, the same object as `request`). */
  get connection(): ByteConnection {
    return this.request;
  }

  /**
   * Runs `setup()`, `handle()` and `finish()`: what Python does in the constructor. A peer
   * that goes away ends the run quietly; any other error is thrown to the server.
   */
  async run(): Promise<void> {
    // `setup()` is synchronous unless a subclass makes it wait: no turn of the event loop then.
    const setUp = this.setup();
    if (setUp !== undefined) await setUp;
    let handled = false;
    try {
      if (this.handle === BASE_HANDLE) {
        // `handle()` inlined while not overridden: one async call less per connection. While
        // `handle_one_request` is not overridden either, the wait for a request's first bytes
        // happens here, so a connection waiting for its next request holds this one
        // suspended call, not `handle_one_request`'s as well.
        this.close_connection = true;
        const ownHandleOne = this.handle_one_request === BASE_HANDLE_ONE_REQUEST;
        do {
          if (ownHandleOne && this.rfile.buffered === 0) {
            this.#clock.beginRequest();
            this.#requestBegun = true;
            try {
              // At the end of the input `handle_one_request` reads the empty line and stops.
              await this.rfile.fillBuffer();
            } catch (error) {
              if (!(error instanceof SocketTimeoutError)) throw error;
              this.#requestBegun = false;
              this.#timedOut();
              break;
            }
          }
          await this.handle_one_request();
        } while (!this.close_connection && !this.#clock.closing);
      } else {
        await this.handle();
      }
      handled = true;
    } catch (error) {
      if (!(error instanceof ClientDisconnectedError)) throw error;
      this.close_connection = true;
    } finally {
      this.#clock.stop();
      const wfile = this.wfile;
      if (
        handled && this.finish === BASE_FINISH && wfile.pendingBytes === 0 && !wfile.holdsBuffer
      ) {
        // `finish()` inline while not overridden and nothing is left to send (the last
        // request's flush has completed): no async call and no wait for an empty flush.
        this.rfile.release();
      } else {
        await this.finish();
      }
    }
  }

  /** Creates `rfile` and `wfile` and applies `timeout` and `disable_nagle_algorithm`. */
  setup(): void | Promise<void> {
    this.request_version = this.default_request_version;
    this.rfile = new RFile(this.request);
    this.wfile = new WFile(this.request);
    // Set before the connection's second write (Nagle's algorithm only delays a later one).
    this.wfile.noDelayFromSecondSend = this.disable_nagle_algorithm;
    const wfile = this.wfile;
    this.rfile.beforeWait = () => wfile.pendingBytes > 0 ? wfile.flush() : RESOLVED_WAIT;
    if (this.timeout !== null) {
      this.rfile.timeoutMs = this.timeout * 1000;
      this.wfile.timeoutMs = this.timeout * 1000;
    }
    const limits = this.server as RequestLimitsInfo;
    this.#clock.accepted(this.rfile, limits.header_timeout, limits.idle_timeout);
  }

  /** Sends what is left in `wfile` and returns its buffers; a peer that has gone away is ignored. */
  async finish(): Promise<void> {
    try {
      await this.wfile.flush();
    } catch {
      this.wfile.discard();
    }
    this.rfile.release();
  }

  /**
   * Handles requests until `close_connection` is set (or the server is shutting down, see
   * {@linkcode close_when_idle}).
   */
  async handle(): Promise<void> {
    this.close_connection = true;
    await this.handle_one_request();
    while (!this.close_connection && !this.#clock.closing) await this.handle_one_request();
  }

  /**
   * Ends the connection as soon as no request is in progress (not in Python; servers call it
   * on shutdown): at once when it waits for a request, after the current response otherwise.
   * A connection that has sent nothing yet gets a moment to start its request.
   */
  close_when_idle(): void {
    this.#clock.closeWhenIdle();
  }

  /**
   * Closes the connection under a pending read: the read fails and the handler ends. Called
   * by the clock; `lateHead`: a request head took longer than `header_timeout` (logged).
   */
  #drop(lateHead: boolean): void {
    if (lateHead) {
      this.log_error(
        "Request timed out: no complete request head within %s seconds (%d bytes received)",
        String((this.#clock.headerTimeoutMs ?? 0) / 1000),
        this.rfile.bytesReceived,
      );
    }
    this.close_connection = true;
    try {
      this.request.close();
    } catch {
      // Already closed.
    }
  }

  /** `run` has started the clock of the request `handle_one_request` reads next. */
  #requestBegun = false;

  /** A read or write of the request timed out: logged, and the connection closes. */
  #timedOut(): void {
    this.log_error("Request timed out: %s", "TimeoutError('timed out')");
    this.wfile.discard();
    this.close_connection = true;
  }

  /** Reads one request line, parses the request and dispatches it to `do_<command>`. */
  async handle_one_request(): Promise<void> {
    try {
      if (this.#requestBegun) this.#requestBegun = false;
      else this.#clock.beginRequest();
      const limit = this.max_line_length + 1;
      this.#rawRequestline = this.rfile.readlineBufferedLatin1(limit) ??
        await this.rfile.readlineLatin1(limit);
      if (this.#rawRequestline.length > this.max_line_length) {
        this.#clock.headEnded();
        this.requestline = "";
        this.request_version = "";
        this.command = "";
        await this.send_error(414);
        return;
      }
      if (this.#rawRequestline.length === 0) {
        this.close_connection = true;
        return;
      }
      let parsed = this.parse_request();
      if (typeof parsed !== "boolean") parsed = await parsed;
      this.#clock.headEnded();
      if (!parsed) return;
      if (this.access_control !== null && !(await this.access_control.check(this))) return;
      const command = this.command as string;
      const method = (this as unknown as Record<string, unknown>)[dispatchName(command)];
      if (typeof method !== "function") {
        await this.send_error(501, `Unsupported method (${pyRepr(command)})`);
        return;
      }
      await (method as () => unknown).call(this);
      await this.wfile.flush();
    } catch (error) {
      if (!(error instanceof SocketTimeoutError)) throw error;
      this.#timedOut();
    }
  }

  /**
   * Parses the request line and headers already in `raw_requestline` and `rfile`, setting
   * `command`, `path`, `request_version`, `headers` and `close_connection`. On failure the
   * error response has been sent.
   *
   * @returns True when the request can be dispatched (a promise of it when the answer needs
   *   I/O: more header bytes, an error response, or `100 Continue`; `await` covers both).
   */
  parse_request(): boolean | Promise<boolean> {
    this.command = null;
    this.request_version = this.default_request_version;
    this.close_connection = true;
    const line = parseRequestLine(this.#rawRequestline, this.protocol_version);
    if (line === null) {
      this.requestline = stripLineEnds(this.#rawRequestline);
      return false;
    }
    this.requestline = line.requestline;
    if (line.keepAlive) this.close_connection = false;
    if (line.requestVersion !== undefined) this.request_version = line.requestVersion;
    if (line.simple) this.close_connection = true;
    if (line.error !== undefined) {
      return this.#refuse(line.error.status, line.error.reason, line.error.explain);
    }
    this.command = line.command as string;
    this.path = line.path as string;
    if (line.simple) {
      // HTTP/0.9 simple request: no headers follow (CPython gh-70765; 3.13.0 still waited).
      this.headers = new this.MessageClass();
      return this.#afterHeaders();
    }
    // One call when the whole header block is buffered (the usual case); else read on.
    const reader = this.#headReader ??= new HeadReader();
    const head = reader.read(this.rfile.peek(), this.max_line_length, this.max_headers);
    this.rfile.consume(reader.consumed);
    if (head === NEED_MORE) return this.#readHeadThenFinish(reader);
    return this.#afterHead(head);
  }

  /** Sends the error response of a refused request; resolves to false. */
  async #refuse(status: number, reason?: string, explain?: string): Promise<boolean> {
    await this.send_error(status, reason, explain);
    return false;
  }

  /** `parse_request` for a header block that is not all buffered yet: read on, ask again. */
  async #readHeadThenFinish(reader: HeadReader): Promise<boolean> {
    let head: HeadReadResult = NEED_MORE;
    while (head === NEED_MORE) {
      const more = await this.rfile.fillBuffer();
      head = reader.read(this.rfile.peek(), this.max_line_length, this.max_headers, !more);
      this.rfile.consume(reader.consumed);
    }
    return this.#afterHead(head);
  }

  /** `parse_request` once the head reader has answered: the headers, or the refusal. */
  #afterHead(head: Exclude<HeadReadResult, typeof NEED_MORE>): boolean | Promise<boolean> {
    if (head instanceof ProtocolError) return this.#refuse(head.status, head.reason, head.explain);
    // The pairs may be shared with the next request's parse: `HTTPMessage` copies them,
    // another MessageClass might keep and change them.
    this.headers = new this.MessageClass(
      this.MessageClass === HTTPMessage ? head : copyPairs(head),
    );
    return this.#afterHeaders();
  }

  /** The end of `parse_request`: `Connection` and `Expect: 100-continue`. */
  #afterHeaders(): boolean | Promise<boolean> {
    const conntype = this.headers.get("Connection", "").toLowerCase();
    if (conntype === "close") {
      this.close_connection = true;
    } else if (conntype === "keep-alive" && this.protocol_version >= "HTTP/1.1") {
      this.close_connection = false;
    }
    const expect = this.headers.get("Expect", "").toLowerCase();
    if (
      expect === "100-continue" && this.protocol_version >= "HTTP/1.1" &&
      this.request_version >= "HTTP/1.1"
    ) {
      return this.handle_expect_100();
    }
    return true;
  }

  /**
   * Answers `Expect: 100-continue`: sends `100 Continue` and returns true. Override to
   * refuse (send an error and return false; the method is then not called). With an
   * `access_control` gate, a request it refuses gets its answer instead of `100 Continue`,
   * so a client never sends a body that will not be read.
   */
  async handle_expect_100(): Promise<boolean> {
    if (this.access_control !== null && !(await this.access_control.check(this))) return false;
    this.send_response_only(100);
    await this.end_headers();
    await this.wfile.flush();
    return true;
  }

  /**
   * Sends a complete error response: status line with `message` as reason, `Server`, `Date`,
   * `Connection: close`, and (except for 1xx, 204, 205, 304 and HEAD) an HTML page.
   *
   * @param code The status.
   * @param message The reason phrase and page message (default: the status's phrase).
   * @param explain The page's explanation (default: the status's description).
   */
  async send_error(code: number, message?: string, explain?: string): Promise<void> {
    const [shortText, longText] = this.responses[code] ?? ["???", "???"];
    const reason = message ?? shortText;
    const explanation = explain ?? longText;
    this.log_error("code %d, message %s", code, reason);
    this.send_response(code, reason);
    this.send_header("Connection", "close");
    let body: Uint8Array | null = null;
    if (code >= 200 && code !== 204 && code !== 205 && code !== 304) {
      const content = percentFormat(this.error_message_format, {
        code,
        message: htmlEscapeNoQuote(reason),
        explain: htmlEscapeNoQuote(explanation),
      });
      body = encoder.encode(content);
      this.send_header("Content-Type", this.error_content_type);
      this.send_header("Content-Length", String(body.length));
    }
    await this.end_headers();
    if (this.command !== "HEAD" && body !== null && body.length > 0) await this.wfile.write(body);
  }

  /** The response head being built (see {@linkcode response_head}). */
  readonly #responseHead = new ResponseHead();
  /** Whether `end_headers()` completed the head (a flush alone sends no blank line). */
  #responseHeadEnded = false;
  /**
   * The head as encoded lines, once a subclass used `_headers_buffer` (null otherwise); while
   * not null, every status and header line is also appended here.
   */
  #headerLines: Uint8Array[] | null = null;
  /**
   * What `#headerLines` held as this handler built it, to tell whether a subclass changed it;
   * null when the lines are what goes out (assigned by a subclass, or an order that only lines
   * can hold).
   */
  #headerLinesAsBuilt: Uint8Array[] | null = null;
  /** This connection's head encoder, which keeps the block while responses repeat it. */
  #responseHeadEncoder: ResponseHeadEncoder | null = null;

  /**
   * The response head being built: the status line and header fields that
   * `send_response`/`send_header` recorded, held as values until `end_headers()` (or
   * `flush_headers()`) encodes and writes them, then emptied for the next response. A
   * subclass or a later stage may ask it (`has("Content-Length")`) and change it
   * (`delete`, `set`, `append`) before the head is written. Empty for HTTP/0.9 requests,
   * which get no head.
   */
  get response_head(): ResponseHead {
    return this.#responseHead;
  }

  /**
   * Python's list of buffered status and header lines, as latin-1 bytes (each line with its
   * CRLF). Reading it builds the lines from {@linkcode response_head}; from then on until the
   * head is written, `send_response_only`, `send_header` and `end_headers` also append to this
   * array. If a subclass changes the array (appends, replaces, removes lines) or assigns a new
   * one, the lines go out exactly as it holds them and later changes to `response_head` are
   * not sent; a subclass that only reads it changes nothing. The line arrays may be shared
   * between responses: replace entries, never change their bytes.
   */
  get _headers_buffer(): Uint8Array[] {
    if (this.#headerLines === null) {
      const lines = headLinesOf(this.#responseHead, this.#responseHeadEnded);
      this.#headerLines = lines;
      this.#headerLinesAsBuilt = lines.slice();
    }
    return this.#headerLines;
  }

  set _headers_buffer(lines: Uint8Array[]) {
    this.#headerLines = lines;
    this.#headerLinesAsBuilt = null;
    this.#responseHead.clear();
    this.#responseHeadEnded = false;
  }

  /**
   * Logs the request and buffers the status line plus `Server` and `Date` headers.
   *
   * @param code The status.
   * @param message The reason phrase (default: the status's phrase).
   */
  send_response(code: number, message?: string): void {
    this.log_request(code);
    this.send_response_only(code, message);
    this.send_header("Server", this.version_string());
    this.send_header("Date", this.date_time_string());
  }

  /**
   * Records the status line in {@linkcode response_head} (nothing for HTTP/0.9 requests).
   *
   * @param code The status.
   * @param message The reason phrase (default: the status's phrase, or empty if unknown).
   * @throws {HeaderValueError} The reason or `protocol_version` holds CR, LF, NUL or a
   * non-latin-1 character.
   */
  send_response_only(code: number, message?: string): void {
    if (this.request_version === "HTTP/0.9") return;
    const reason = message ?? this.responses[code]?.[0] ?? "";
    const status = Math.trunc(code);
    const head = this.#responseHead;
    // A second status line, or one after fields, keeps its place only as lines (as in Python).
    if (!head.isEmpty || this.#responseHeadEnded) this.#keepHeadAsLines();
    if (this.#headerLines !== null) {
      this.#addLine(HEADER_LINES.statusLine(this.protocol_version, status, reason));
    }
    head.setStatus(this.protocol_version, status, reason);
  }

  /**
   * Records one header field in {@linkcode response_head} (nothing for HTTP/0.9 requests). A
   * `Connection: close` or `keep-alive` header also sets `close_connection`.
   *
   * @param keyword The header name.
   * @param value The value.
   * @throws {HeaderValueError} The name or value holds CR, LF, NUL or a non-latin-1 character.
   */
  send_header(keyword: string, value: string | number): void {
    const text = typeof value === "string" ? value : String(value);
    if (this.request_version !== "HTTP/0.9") {
      if (this.#responseHeadEnded) this.#keepHeadAsLines();
      if (this.#headerLines !== null) this.#addLine(HEADER_LINES.headerLine(keyword, text));
      this.#responseHead.append(keyword, text);
    }
    if (keyword.length === CONNECTION_LENGTH && keyword.toLowerCase() === "connection") {
      const lower = text.toLowerCase();
      if (lower === "close") this.close_connection = true;
      else if (lower === "keep-alive") this.close_connection = false;
    }
  }

  /** Ends the header block and writes it (nothing for HTTP/0.9 requests). */
  end_headers(): Promise<void> {
    if (this.request_version === "HTTP/0.9") return RESOLVED;
    if (this.#responseHeadEnded) this.#keepHeadAsLines();
    if (this.#headerLines !== null) this.#addLine(HEADER_LINES.endOfHeaders());
    this.#responseHeadEnded = true;
    return this.flush_headers();
  }

  /**
   * Encodes the head recorded so far (with its blank line after `end_headers()`), writes it
   * in one write and empties it.
   */
  flush_headers(): Promise<void> {
    const head = this.#responseHead;
    const ended = this.#responseHeadEnded;
    const lines = this.#headerLines;
    this.#responseHeadEnded = false;
    if (lines !== null) {
      const asBuilt = this.#headerLinesAsBuilt;
      this.#headerLines = null;
      this.#headerLinesAsBuilt = null;
      if (asBuilt === null || !sameLines(lines, asBuilt)) {
        head.clear();
        return lines.length === 0 ? RESOLVED : this.#writeHeadLines(lines);
      }
    }
    if (!ended && head.isEmpty) return RESOLVED;
    const encoder = this.#responseHeadEncoder ??= new ResponseHeadEncoder(HEADER_LINES);
    const wfile = this.wfile;
    let written: Promise<unknown>;
    if (wfile.write === WFILE_WRITE) {
      const block = encoder.repeatedBlock(head, ended);
      written = block !== null ? wfile.write(block) : wfile.writeChunks(encoder.lines(head, ended));
    } else {
      written = this.#writeHeadLines(encoder.lines(head, ended));
    }
    head.clear();
    return written as Promise<void>;
  }

  /**
   * From now on this response's head goes out as lines (see `_headers_buffer`): for what
   * values cannot hold, a second status line or lines after the blank one.
   */
  #keepHeadAsLines(): void {
    this.#headerLines ??= headLinesOf(this.#responseHead, this.#responseHeadEnded);
    this.#headerLinesAsBuilt = null;
  }

  /** Appends a line to `_headers_buffer` (and to the copy that tells whether it changed). */
  #addLine(line: Uint8Array): void {
    (this.#headerLines as Uint8Array[]).push(line);
    this.#headerLinesAsBuilt?.push(line);
  }

  /** Writes lines in one write (a `wfile` with a `write` of its own gets them joined). */
  #writeHeadLines(lines: readonly Uint8Array[]): Promise<void> {
    const wfile = this.wfile;
    const written = wfile.write === WFILE_WRITE
      ? wfile.writeChunks(lines)
      : wfile.write(joinLines(lines));
    return written as Promise<unknown> as Promise<void>;
  }

  /**
   * Logs an accepted request: `"<requestline>" <code> <size>`.
   *
   * @param code The status, or `-`.
   * @param size The size, or `-`.
   */
  log_request(code: number | string = "-", size: number | string = "-"): void {
    if (this.log_message === BASE_LOG_MESSAGE) {
      // `'"%s" %s %s' % (requestline, code, size)` is the three strings joined: one line per
      // request without parsing the format.
      this.#logLine(`"${this.requestline}" ${code} ${size}`);
      return;
    }
    this.log_message('"%s" %s %s', this.requestline, String(code), String(size));
  }

  /** Logs an error; by default the same as {@linkcode log_message}. */
  log_error(format: string, ...args: FormatValue[]): void {
    this.log_message(format, ...args);
  }

  /**
   * Writes `<address> - - [<local time>] <message>` to stderr, the message formatted with
   * Python `%` rules and its control characters escaped. Override to silence or redirect.
   */
  log_message(format: string, ...args: FormatValue[]): void {
    this.#logLine(percentFormat(format, args));
  }

  /** Writes one log line: `<address> - - [<local time>] <message, scrubbed>`. */
  #logLine(message: string): void {
    this.log_writer(
      `${this.address_string()} - - [${this.log_date_time_string()}] ${scrubLogMessage(message)}\n`,
    );
  }

  /** `server_version + " " + sys_version`: the `Server` header. */
  version_string(): string {
    const server = this.server_version;
    const sys = this.sys_version;
    // One string object while both parts stay the same: the `Server` line is then found in
    // the line cache by a hash the string already carries.
    if (server !== lastVersion.server || sys !== lastVersion.sys) {
      lastVersion = { server, sys, text: `${server} ${sys}` };
    }
    return lastVersion.text;
  }

  /**
   * A time as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
   *
   * @param timestamp Seconds since the epoch, as in Python; default now.
   */
  date_time_string(timestamp?: number): string {
    return timestamp === undefined ? currentHttpDate() : formatHttpDate(timestamp * 1000);
  }

  /** The current local time for log lines (`22/Nov/2026 01:33:24`). */
  log_date_time_string(): string {
    return formatLogDate(Date.now());
  }

  /** The client's host, as logged. */
  address_string(): string {
    return this.client_address[0];
  }
}

/** The base class's own `log_message`: while a handler has it, `log_request` skips the format. */
const BASE_LOG_MESSAGE = BaseHTTPRequestHandler.prototype.log_message;
/** The base class's own `handle`: while a handler has it, `run` runs its loop inline. */
const BASE_HANDLE = BaseHTTPRequestHandler.prototype.handle;
/** The base class's own `handle_one_request`: while a handler has it, `run` waits for requests. */
const BASE_HANDLE_ONE_REQUEST = BaseHTTPRequestHandler.prototype.handle_one_request;
/** The base class's own `finish`: while a handler has it, `run` may skip an empty flush. */
const BASE_FINISH = BaseHTTPRequestHandler.prototype.finish;

/** The defaults of the class attributes `BaseHTTPRequestHandler` declares, as in Python. */
const BASE_PROTOTYPE = BaseHTTPRequestHandler.prototype;
BASE_PROTOTYPE.sys_version = SYS_VERSION;
BASE_PROTOTYPE.server_version = `BaseHTTP/${MODULE_VERSION}`;
BASE_PROTOTYPE.error_message_format = DEFAULT_ERROR_MESSAGE;
BASE_PROTOTYPE.error_content_type = DEFAULT_ERROR_CONTENT_TYPE;
BASE_PROTOTYPE.protocol_version = "HTTP/1.0";
BASE_PROTOTYPE.default_request_version = "HTTP/0.9";
BASE_PROTOTYPE.MessageClass = HTTPMessage;
BASE_PROTOTYPE.responses = responses;
BASE_PROTOTYPE.weekdayname = WEEKDAY_NAMES;
BASE_PROTOTYPE.monthname = MONTH_NAMES;
BASE_PROTOTYPE.timeout = null;
BASE_PROTOTYPE.disable_nagle_algorithm = true;
BASE_PROTOTYPE.log_writer = writeLogLine;
BASE_PROTOTYPE.max_line_length = MAX_LINE_LENGTH;
BASE_PROTOTYPE.max_headers = MAX_HEADERS;
