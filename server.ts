/**
 * `HTTPServer` (one connection at a time, like Python's `TCPServer`) and
 * `ThreadingHTTPServer` (connections handled concurrently, like `ThreadingMixIn`), on
 * `Deno.listen`. The Python surface is kept: `serve_forever`, `shutdown`, `server_close`,
 * `handle_request`, `verify_request`, `process_request`, `finish_request`, `handle_error`,
 * `server_address`, `server_name`, `server_port`, ...
 *
 * Permissions: `--allow-net` for the address to bind.
 *
 * @example Serve on a free port, then stop
 * ```ts
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { ThreadingHTTPServer } from "./server.ts";
 *
 * await using server = new ThreadingHTTPServer(["127.0.0.1", 0], BaseHTTPRequestHandler);
 * const serving = server.serve_forever();
 * const response = await fetch(`http://127.0.0.1:${server.server_port}/`);
 * await response.body?.cancel();
 * response.status; // 501
 * await server.shutdown();
 * await serving;
 * ```
 *
 * @module
 */
import {
  DEFAULT_HEADER_TIMEOUT,
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_MAX_CONNECTIONS,
} from "./constants.ts";
import type {
  BaseHTTPRequestHandler,
  RequestHandlerClass,
  RequestLimitsInfo,
} from "./handlers/base.ts";
import { CoreTimer } from "./io/core_timer.ts";
import { requestActivity } from "./io/connection_clock.ts";
import { isDisconnect } from "./io/connection_errors.ts";
import { writeStderr } from "./io/stderr.ts";
import { withTimeout } from "./io/timeout.ts";
import type { ByteConnection, ClientAddress, ServerInfo } from "./types.ts";

/**
 * How long a closed connection keeps draining the client's unread input, in ms: time for
 * what the client already sent to arrive, so the close does not become a reset that destroys
 * the response it has not read yet.
 */
export const LINGER_TIMEOUT_MS = 2000;
/**
 * Most bytes drained from a closing connection before it is closed outright (1 MiB): bounds
 * the reading a client that keeps sending can cost.
 */
export const LINGER_MAX_BYTES = 1 << 20;
/**
 * Size of the one buffer every lingering close reads into, in bytes: what it reads is thrown
 * away, so all closing connections share it rather than hold one each.
 */
const LINGER_DRAIN_CHUNK = 16 * 1024;
const drainBuffer = new Uint8Array(LINGER_DRAIN_CHUNK);
/**
 * Fewest connections open at once that count as a burst, whose end asks for a garbage
 * collection (`release_memory_after_burst`): below it, what connections leave behind is small.
 */
const BURST_MIN_CONNECTIONS = 256;
/** A burst has ended once the connections open fall to its peak divided by this. */
const BURST_END_FRACTION = 8;
/** Milliseconds after a burst ends before the collection (it runs once the load is gone). */
const BURST_COLLECT_DELAY_MS = 1000;
/**
 * Fewest connections open at once for which an idle server asks for a collection while they
 * stay open (`release_memory_after_burst`): V8's young generation grows with the load that
 * opened them and stays grown (about 50 MiB after 10,000) until something collects.
 */
const IDLE_COLLECT_MIN_CONNECTIONS = BURST_MIN_CONNECTIONS;
/**
 * After a collection with connections open, the next one waits until the connections open
 * have grown this many times over: at most one per doubling, however long they stay.
 */
const IDLE_COLLECT_GROWTH = 2;
/**
 * Milliseconds without any request in progress or begun, in the whole process, before a
 * collection with connections open runs: long enough that a load has gone, not just paused.
 */
const IDLE_COLLECT_QUIET_MS = 500;
/** Milliseconds between two looks for that quiet moment, while a collection is due. */
const IDLE_COLLECT_CHECK_MS = 250;
/** A `Connection` header that carries the `close` option. */
const CONNECTION_CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
/** A `Connection` header that carries the `keep-alive` option. */
const CONNECTION_KEEP_ALIVE = /(?:^|,)[ \t]*keep-alive[ \t]*(?:,|$)/i;
/**
 * Default `request_queue_size` (Python's 5 loses bursts). `Deno.listen` takes no backlog: its
 * listening sockets always use 511 (capped by the kernel's `net.core.somaxconn`), whatever this
 * says; the HTTPS servers use it as their limit of concurrent TLS handshakes.
 */
export const DEFAULT_REQUEST_QUEUE_SIZE = 1024;

/** What `_handle_request_noblock` returns when there is nothing left to wait for. */
const RESOLVED: Promise<void> = Promise.resolve();

/** A connection accepted by a server: a TCP connection, or TLS for the HTTPS servers. */
export type AcceptedConnection = Deno.Conn | Deno.TlsConn;

function hostOf(addr: Deno.Addr): string {
  return "hostname" in addr ? addr.hostname : "";
}

function portOf(addr: Deno.Addr): number {
  return "port" in addr ? addr.port : 0;
}

function isLoopbackOrAny(host: string): string | null {
  if (host === "127.0.0.1" || host === "::1" || host === "localhost") return "localhost";
  return null;
}

/**
 * Python's `socket.getfqdn(host)` as far as it can be known without DNS: loopback
 * addresses are `localhost`, the wildcard address is this machine's host name when
 * `--allow-sys` grants it, anything else is returned as given.
 *
 * @param host A bound host.
 * @returns Its name.
 *
 * @example
 * ```ts
 * import { getfqdn } from "./server.ts";
 * getfqdn("127.0.0.1"); // "localhost"
 * ```
 */
export function getfqdn(host: string): string {
  const loopback = isLoopbackOrAny(host);
  if (loopback !== null) return loopback;
  if (host === "0.0.0.0" || host === "::" || host === "") {
    try {
      const state = Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state;
      if (state === "granted") return Deno.hostname();
    } catch {
      // No permission API answer: keep the address.
    }
  }
  return host;
}

/**
 * Whether a connection whose handler has ended can be closed at once without a lingering
 * close: the client has said it sends nothing more (it closed, it asked for `close`, or it
 * spoke HTTP/1.0 or 0.9 without keep-alive), nothing it sent is left unread in `rfile`, and
 * its last request declared no body (which may still be on its way). Closing with unread
 * input would make the kernel answer with a reset that can destroy the response; in every
 * other case the server drains first (as nginx's `lingering_close on`).
 *
 * @param handler The handler that ran on the connection.
 * @returns True when a plain close is safe.
 */
export function closesCleanly(handler: BaseHTTPRequestHandler): boolean {
  const rfile = handler.rfile as BaseHTTPRequestHandler["rfile"] | undefined;
  if (rfile === undefined || rfile.buffered > 0) return false;
  if (rfile.atEof) return true;
  if (handler.command === null) return false;
  const headers = handler.headers;
  const length = headers.get("Content-Length");
  if ((length !== undefined && length.trim() !== "0") || headers.get("Transfer-Encoding")) {
    return false;
  }
  const connection = headers.get("Connection") ?? "";
  if (CONNECTION_CLOSE.test(connection)) return true;
  const version = handler.request_version;
  return (version === "HTTP/1.0" || version === "HTTP/0.9") &&
    !CONNECTION_KEEP_ALIVE.test(connection);
}

/**
 * Milliseconds between two checks of the lingering connections' deadlines: a connection lingers
 * up to this much longer than `LINGER_TIMEOUT_MS`, and one timer serves them all.
 */
const LINGER_SWEEP_MS = 500;
/** Connections draining in a lingering close, with the time (ms) they are closed regardless. */
const lingering = new Map<ByteConnection, number>();

/** Closes the lingering connections past their deadline (their pending read then fails). */
function sweepLingering(): void {
  const now = performance.now();
  for (const [conn, deadline] of lingering) {
    if (deadline > now) continue;
    lingering.delete(conn);
    closeQuietly(conn);
  }
  if (lingering.size > 0) lingerSweep.start(now + LINGER_SWEEP_MS);
}

/**
 * The one timer of every lingering close. A core timer, not `setTimeout`: the first global
 * `setTimeout` loads Deno's Node timers layer (about 15 ms), which the first connection of most
 * clients (those that do not ask to close) would otherwise pay just after its answer. It runs
 * only while connections linger, whose pending reads keep the process alive meanwhile anyway.
 */
const lingerSweep = new CoreTimer(sweepLingering);

function closeQuietly(conn: ByteConnection): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/**
 * Half-closes a connection, drains what the client still sends for a while, then closes. The
 * deadline is kept by one timer shared by every lingering connection, not one per connection.
 */
async function lingeringClose(conn: ByteConnection): Promise<void> {
  try {
    await conn.closeWrite?.();
  } catch {
    // Already gone.
  }
  const now = performance.now();
  lingering.set(conn, now + LINGER_TIMEOUT_MS);
  if (!lingerSweep.pending) lingerSweep.start(now + LINGER_SWEEP_MS);
  let drained = 0;
  try {
    while (drained < LINGER_MAX_BYTES) {
      const n = await conn.read(drainBuffer);
      if (n === null || n === 0) break;
      drained += n;
    }
  } catch {
    // Reset, or closed by the sweep: nothing more to drain.
  } finally {
    if (lingering.delete(conn)) closeQuietly(conn);
    if (lingering.size === 0) lingerSweep.cancel();
  }
}

/**
 * An HTTP server that handles one connection at a time (Python's `HTTPServer`).
 *
 * @example
 * ```ts
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { HTTPServer } from "./server.ts";
 * const server = new HTTPServer(["127.0.0.1", 0], BaseHTTPRequestHandler);
 * server.server_port > 0; // true
 * server.server_close();
 * ```
 */
export class HTTPServer implements ServerInfo, RequestLimitsInfo, AsyncDisposable {
  /** Reuse the address of a recently closed server (Deno always does). */
  allow_reuse_address: boolean = true;
  /**
   * Share the port with other sockets (`SO_REUSEPORT`, which `Deno.listen` offers only with
   * `--unstable-net`); off, as in CPython 3.14. Read when binding.
   */
  allow_reuse_port: boolean = false;
  /** Accept queue length (the kernel's own queue is used; kept for porting). */
  request_queue_size: number = DEFAULT_REQUEST_QUEUE_SIZE;
  /** Seconds `handle_request()` waits for a connection; null waits forever. */
  timeout: number | null = null;
  /**
   * Seconds a client has to send a request's line and headers: counted from the accept for a
   * connection's first request, from the first byte for later ones. A client still sending
   * then is dropped without a response and one line is logged (`Request timed out: ...`).
   * Only reading requests is timed: bodies and responses are not (see the handler's
   * `timeout` for a per-read and per-write limit). null: no limit. Not in Python.
   */
  header_timeout: number | null = DEFAULT_HEADER_TIMEOUT;
  /**
   * Seconds a persistent connection may stay silent between a response and the next
   * request before it is closed (quietly). null: no limit. Not in Python.
   */
  idle_timeout: number | null = DEFAULT_IDLE_TIMEOUT;
  /**
   * Most connections handled at once. At the limit the server stops accepting: further
   * connections wait in the kernel's accept queue (they are not refused, and no response
   * is spent on them) until a connection ends. `HTTPServer` handles one at a time anyway.
   * Not in Python.
   */
  max_connections: number = DEFAULT_MAX_CONNECTIONS;
  /** `(host, port)` bound; the real port after binding to port 0. */
  server_address: ClientAddress;
  /** The handler class constructed for each connection. */
  RequestHandlerClass: RequestHandlerClass;
  /** The bound host's name. */
  server_name: string = "";
  /** The bound port. */
  server_port: number = 0;
  /**
   * The directory that file-serving handlers (`SimpleHTTPRequestHandler`,
   * `CGIHTTPRequestHandler`) serve when they are not given one; unset means the working
   * directory. (Python passes it to each handler with `functools.partial`.)
   */
  directory: string | undefined = undefined;
  /**
   * Headers `SimpleHTTPRequestHandler` adds to its 200 file and listing answers when it is
   * not given its own (CPython 3.15's `HTTPServer(..., response_headers=...)`): a mapping or
   * `(name, value)` pairs; null: none.
   */
  response_headers: Iterable<readonly [string, string]> | Readonly<Record<string, string>> | null =
    null;
  /** The listening socket, once bound. */
  socket: Deno.Listener<AcceptedConnection> | null = null;

  #shutdownRequested = false;
  #serving: Promise<void> | null = null;
  #stopServing: (() => void) | null = null;
  #pendingAccept: Promise<AcceptedConnection> | null = null;
  /** Counts `serve_forever` calls: a loop left waiting on an accept by `shutdown` is stale. */
  #generation = 0;
  /** The generation of the loop waiting on an accept right now (0: none). */
  #parkedGeneration = 0;
  /** Connections being handled, for `server_close` and graceful shutdown. */
  protected readonly activeRequests: Set<Promise<void>> = new Set();
  /** The handlers running, for graceful shutdown. */
  readonly #handlers: Set<BaseHTTPRequestHandler> = new Set();
  /**
   * Connections whose handler ended with nothing left to drain (see `closesCleanly`), found by
   * the base `finish_request` when a subclass overrides it, until `runRequest` ends.
   */
  readonly #cleanCloses: WeakSet<AcceptedConnection> = new WeakSet();
  /** Resolves the wait of an accept loop held at `max_connections`. */
  #slotFreed: (() => void) | null = null;
  #draining = false;

  /**
   * Creates the server and, unless told otherwise, binds and listens at once.
   *
   * @param server_address `(host, port)`; port 0 picks a free port.
   * @param RequestHandlerClass The handler class.
   * @param bind_and_activate Bind now (default true).
   */
  constructor(
    server_address: ClientAddress,
    RequestHandlerClass: RequestHandlerClass,
    bind_and_activate: boolean = true,
  ) {
    this.server_address = [server_address[0], server_address[1]];
    this.RequestHandlerClass = RequestHandlerClass;
    if (bind_and_activate) {
      try {
        this.server_bind();
        this.server_activate();
      } catch (error) {
        this.server_close();
        throw error;
      }
    }
  }

  /** Opens the listening socket (`Deno.listen`). Subclasses override for TLS. */
  protected listen(hostname: string, port: number): Deno.Listener<AcceptedConnection> {
    if (this.allow_reuse_port) {
      return Deno.listen({ hostname, port, transport: "tcp", reusePort: true });
    }
    return Deno.listen({ hostname, port, transport: "tcp" });
  }

  /** Binds the socket and records `server_address`, `server_name` and `server_port`. */
  server_bind(): void {
    const [host, port] = this.server_address;
    this.socket = this.listen(host === "" ? "0.0.0.0" : host, port);
    const addr = this.socket.addr;
    this.server_address = [hostOf(addr), portOf(addr)];
    this.server_name = getfqdn(this.server_address[0]);
    this.server_port = this.server_address[1];
  }

  /** Starts listening (`Deno.listen` already does; kept for porting). */
  server_activate(): void {}

  /**
   * Closes the listening socket. Returns nothing here; a threading server whose
   * `daemon_threads` is false returns a promise that settles once its connections have ended
   * (Python's `block_on_close`).
   */
  server_close(): void | Promise<void> {
    try {
      this.socket?.close();
    } catch {
      // Already closed.
    }
  }

  /** The listening socket's descriptor id (Deno's resource id is not exposed: -1). */
  fileno(): number {
    return -1;
  }

  #accept(): Promise<AcceptedConnection> {
    if (this.socket === null) return Promise.reject(new Deno.errors.BadResource("not bound"));
    // Every caller awaits (or attaches to) the promise at once, so a failure is never
    // unhandled; no `catch` of its own per connection.
    return this.#pendingAccept ??= this.socket.accept();
  }

  /** Accepts one connection (Python `get_request`), returning it with the client's address. */
  async get_request(): Promise<[AcceptedConnection, ClientAddress]> {
    const conn = await this.#accept();
    this.#pendingAccept = null;
    const remote = conn.remoteAddr;
    return [conn, [hostOf(remote), portOf(remote)]];
  }

  /**
   * Handles connections until `shutdown()` is called. `poll_interval` is accepted for
   * porting; waiting here is event-driven.
   *
   * @param _poll_interval Ignored.
   */
  async serve_forever(_poll_interval: number = 0.5): Promise<void> {
    this.#shutdownRequested = false;
    this.#draining = false;
    const generation = ++this.#generation;
    // `shutdown` ends the wait for a connection without a promise raced against every
    // accept: it settles `stopped` when the loop is parked on an accept (the loop, stale
    // from then on, leaves the connection that accept brings for the next serve or for
    // disposal); a loop busy with a connection (`HTTPServer`) sees the request when it is
    // done, as Python's loop does.
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => stop = resolve);
    this.#stopServing = () => {
      if (this.#parkedGeneration === generation) stop();
      this.#slotFreed?.();
    };
    const loop = this.#acceptLoop(generation);
    const serving = Promise.race([loop, stopped]);
    this.#serving = serving;
    try {
      await serving;
    } finally {
      if (this.#generation === generation) {
        this.#serving = null;
        this.#stopServing = null;
      }
    }
  }

  /** The accept loop of one `serve_forever` call (`generation`). */
  async #acceptLoop(generation: number): Promise<void> {
    while (!this.#shutdownRequested && this.#generation === generation) {
      if (this.activeRequests.size >= Math.max(1, this.max_connections)) {
        // At the limit: leave further connections in the kernel's accept queue until a
        // connection ends (or shutdown, which calls `#slotFreed` too).
        await new Promise<void>((resolve) => this.#slotFreed = resolve);
        this.#slotFreed = null;
        continue;
      }
      let conn: AcceptedConnection;
      this.#parkedGeneration = generation;
      try {
        conn = await this.#accept();
      } catch (error) {
        if (this.#generation !== generation) break;
        this.#parkedGeneration = 0;
        this.#pendingAccept = null;
        if (error instanceof Deno.errors.BadResource || this.#shutdownRequested) break;
        if (isDisconnect(error)) continue;
        // A TLS handshake that failed, descriptors exhausted, ...: keep serving.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      // Stale or stopped: the connection stays pending for the next serve or for disposal.
      if (this.#shutdownRequested || this.#generation !== generation) break;
      this.#parkedGeneration = 0;
      this.#pendingAccept = null;
      this.service_actions();
      const handled = this._handle_request_noblock(conn);
      // The threading server returns at once: no turn of the event loop for it.
      if (handled !== RESOLVED) await handled;
    }
  }

  /** Called once per loop of `serve_forever` (Python hook); does nothing by default. */
  service_actions(): void {}

  /** Stops `serve_forever` and resolves once it has returned. */
  async shutdown(): Promise<void> {
    this.#shutdownRequested = true;
    this.#stopServing?.();
    if (this.#serving !== null) await this.#serving;
  }

  /**
   * Waits for one connection and handles it; after `timeout` seconds without one, calls
   * `handle_timeout()` instead.
   */
  async handle_request(): Promise<void> {
    const accepted = this.#accept();
    if (this.timeout === null) {
      const conn = await accepted;
      this.#pendingAccept = null;
      await this._handle_request_noblock(conn);
      return;
    }
    const next = await withTimeout(accepted, this.timeout * 1000, () => null);
    if (next === null) {
      this.handle_timeout();
      return;
    }
    this.#pendingAccept = null;
    await this._handle_request_noblock(next);
  }

  /** Called when `handle_request()` times out; does nothing by default. */
  handle_timeout(): void {}

  /**
   * Verifies and processes one accepted connection. Returns the settled promise
   * {@linkcode RESOLVED} when nothing is left to wait for (the threading server started the
   * connection as its own task), so the accept loop takes the next one without a turn of the
   * event loop.
   */
  _handle_request_noblock(conn: AcceptedConnection): Promise<void> {
    const remote = conn.remoteAddr;
    const client: ClientAddress = [hostOf(remote), portOf(remote)];
    let verified: boolean | Promise<boolean>;
    try {
      verified = this.verify_request(conn, client);
    } catch (error) {
      this.handle_error(conn, client, error);
      verified = false;
    }
    if (verified === true) return this.process_request(conn, client);
    if (verified === false) {
      this.shutdown_request(conn);
      return RESOLVED;
    }
    return this.#verifiedThenProcess(verified, conn, client);
  }

  /** `_handle_request_noblock` once an asynchronous `verify_request` has answered. */
  async #verifiedThenProcess(
    verified: Promise<boolean>,
    conn: AcceptedConnection,
    client: ClientAddress,
  ): Promise<void> {
    let accepted = false;
    try {
      accepted = await verified;
    } catch (error) {
      this.handle_error(conn, client, error);
    }
    if (accepted) {
      await this.process_request(conn, client);
    } else {
      this.shutdown_request(conn);
    }
  }

  /** Return false to refuse a connection; true by default. */
  verify_request(
    _request: AcceptedConnection,
    _client_address: ClientAddress,
  ): boolean | Promise<boolean> {
    return true;
  }

  /** Handles one connection to the end, then closes it (the threading server overrides). */
  async process_request(request: AcceptedConnection, client_address: ClientAddress): Promise<void> {
    await this.trackRequest(this.runRequest(request, client_address));
  }

  /**
   * Counts a connection in progress until `done` settles (for `max_connections`, `drain`
   * and disposal). Subclasses that start connections themselves pass them here.
   *
   * @param done Settles when the connection has ended.
   * @returns `done`, settled the same way, once it is no longer counted.
   */
  protected trackRequest(done: Promise<void>): Promise<void> {
    this.#track(done);
    // `then` rather than `finally`, which allocates two closures and two more promises.
    const untrack = () => this.#untrack(done);
    return done.then(untrack, (error) => {
      untrack();
      throw error;
    });
  }

  /**
   * Runs a connection as a task of its own (`runRequest`), counted until it ends, and returns
   * at once: the threading servers' `process_request`. What it throws has been through
   * `handle_error` already and goes no further (a thread's end in Python).
   *
   * @param request The connection.
   * @param client_address `(host, port)` of the client.
   */
  protected startRequest(request: AcceptedConnection, client_address: ClientAddress): void {
    const done = this.runRequest(request, client_address);
    this.#track(done);
    const untrack = () => this.#untrack(done);
    done.then(untrack, untrack);
  }

  /** Counts a connection in progress. */
  #track(done: Promise<void>): void {
    this.activeRequests.add(done);
    const open = this.activeRequests.size;
    if (open > this.#peakConnections) {
      this.#peakConnections = open;
      if (open >= this.#idleCollectAt && this.#quietCheck === undefined) this.#watchForQuiet();
    }
  }

  /** A connection counted by `trackRequest` has ended. */
  #untrack(done: Promise<void>): void {
    this.activeRequests.delete(done);
    this.#slotFreed?.();
    if (
      this.#peakConnections >= BURST_MIN_CONNECTIONS &&
      this.activeRequests.size * BURST_END_FRACTION <= this.#peakConnections
    ) {
      this.#burstEnded();
    }
  }

  /**
   * Give the memory a burst of connections left behind back to the system once the burst has
   * ended (true, the default): one full, compacting garbage collection shortly after the
   * connections open fall to an eighth of a peak of at least 256 (see `collectGarbage` in
   * `io/garbage_collection.ts`). Idle, V8 collects nothing, so without it that memory stays
   * resident until the next load. Also one collection while many connections stay open (at
   * least 256, then each time they have doubled), once the process has served nothing for
   * half a second: what the load that opened them left in V8's young generation goes back.
   * Each collection is followed by a trim of the native heap (`trimNativeHeap`: on Linux, what
   * closed connections freed in the runtime itself stays resident in glibc's arenas until then).
   * False: never ask for a collection. Not in Python.
   */
  release_memory_after_burst: boolean = true;
  /** Most connections open at once since the last burst ended. */
  #peakConnections = 0;
  /** The collection scheduled after a burst, until it runs. */
  #collection: ReturnType<typeof setTimeout> | undefined;

  #burstEnded(): void {
    this.#peakConnections = this.activeRequests.size;
    this.#idleCollectAt = IDLE_COLLECT_MIN_CONNECTIONS;
    if (!this.release_memory_after_burst || this.#collection !== undefined) return;
    this.#collection = setTimeout(() => {
      this.#collection = undefined;
      collectGarbageLater();
    }, BURST_COLLECT_DELAY_MS);
    Deno.unrefTimer(this.#collection as unknown as number);
  }

  /**
   * Connections open at which the next collection with connections open is due: many
   * connections opened by a load that has gone leave V8's young generation grown (about 5 KiB
   * per connection at 10,000) although the connections themselves hold far less.
   */
  #idleCollectAt = IDLE_COLLECT_MIN_CONNECTIONS;
  /** The timer that waits for a quiet moment to run that collection, while one is due. */
  #quietCheck: ReturnType<typeof setTimeout> | undefined;
  /** `requestActivity.begun` at the last quiet check. */
  #begunAtCheck = -1;
  /** `performance.now()` when a quiet check last saw a request in progress or begun. */
  #lastBusyAt = 0;

  /**
   * Waits for a moment when the process serves nothing (no request in progress, none begun
   * for `IDLE_COLLECT_QUIET_MS`), then collects once with the connections still open: the
   * pause then delays no answer, only a request that arrives during it.
   */
  #watchForQuiet(): void {
    if (!this.release_memory_after_burst) return;
    this.#begunAtCheck = requestActivity.begun;
    this.#lastBusyAt = performance.now();
    this.#nextQuietCheck();
  }

  #nextQuietCheck(): void {
    this.#quietCheck = setTimeout(this.#checkQuiet, IDLE_COLLECT_CHECK_MS);
    Deno.unrefTimer(this.#quietCheck as unknown as number);
  }

  readonly #checkQuiet = (): void => {
    this.#quietCheck = undefined;
    const open = this.activeRequests.size;
    // Fallen back below the mark: the burst's end (or the next growth) takes it from here.
    if (open < this.#idleCollectAt || !this.release_memory_after_burst) return;
    const now = performance.now();
    if (requestActivity.inProgress > 0 || requestActivity.begun !== this.#begunAtCheck) {
      this.#begunAtCheck = requestActivity.begun;
      this.#lastBusyAt = now;
    }
    if (now - this.#lastBusyAt < IDLE_COLLECT_QUIET_MS) {
      this.#nextQuietCheck();
      return;
    }
    this.#idleCollectAt = open * IDLE_COLLECT_GROWTH;
    collectGarbageLater();
  };

  /** Runs `finish_request`, reports errors through `handle_error`, and closes. */
  protected async runRequest(
    request: AcceptedConnection,
    client_address: ClientAddress,
  ): Promise<void> {
    let clean = false;
    try {
      if (this.finish_request === BASE_FINISH_REQUEST) {
        // `finish_request` inlined while not overridden: one async call less per connection.
        const handler = this.#startHandler(request, client_address);
        try {
          await handler.run();
          clean = closesCleanly(handler) && !("handshake" in request);
        } finally {
          this.#handlers.delete(handler);
        }
      } else {
        await this.finish_request(request, client_address);
        // What an overridden `finish_request` found, through the base one.
        clean = this.#cleanCloses.delete(request);
      }
    } catch (error) {
      if (!isDisconnect(error)) this.handle_error(request, client_address, error);
    } finally {
      this.#closingCleanly = clean ? request : null;
      this.shutdown_request(request);
      this.#closingCleanly = null;
    }
  }

  /** Constructs the handler for a connection and runs it. */
  async finish_request(request: AcceptedConnection, client_address: ClientAddress): Promise<void> {
    const handler = this.#startHandler(request, client_address);
    try {
      await handler.run();
      this.#noteCleanClose(handler, request);
    } finally {
      this.#handlers.delete(handler);
    }
  }

  /** Constructs a connection's handler and counts it as running. */
  #startHandler(
    request: AcceptedConnection,
    client_address: ClientAddress,
  ): BaseHTTPRequestHandler {
    const handler: BaseHTTPRequestHandler = new this.RequestHandlerClass(
      request,
      client_address,
      this,
    );
    this.#handlers.add(handler);
    if (this.#draining) handler.close_when_idle();
    return handler;
  }

  /** After a handler ended: whether `shutdown_request` may close its connection at once. */
  #noteCleanClose(handler: BaseHTTPRequestHandler, request: AcceptedConnection): void {
    if (closesCleanly(handler) && !("handshake" in request)) this.#cleanCloses.add(request);
  }

  /**
   * The connection `runRequest` is ending that can close at once (see `closesCleanly`), while
   * it calls `shutdown_request`: a field, not a set that grows and shrinks (and reallocates)
   * with every connection.
   */
  #closingCleanly: AcceptedConnection | null = null;

  /**
   * Ends a connection: closes it at once when the client sends nothing more (see
   * {@linkcode closesCleanly}); otherwise half-closes, drains briefly what the client still
   * sends, and closes, so that unread input does not turn the close into a reset.
   */
  shutdown_request(request: AcceptedConnection): void {
    if (this.#closingCleanly === request) {
      this.#closingCleanly = null;
      this.close_request(request);
      return;
    }
    lingeringClose(request);
  }

  /** Closes a connection at once. */
  close_request(request: AcceptedConnection): void {
    try {
      request.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * Reports an error raised while handling a connection: a traceback block on stderr, as
   * Python prints it. The connection is dropped and the server keeps serving.
   */
  handle_error(_request: AcceptedConnection, client_address: ClientAddress, error?: unknown): void {
    const trace = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    writeStderr(
      `${"-".repeat(40)}\nException occurred during processing of request from ('${
        client_address[0]
      }', ${client_address[1]})\n${trace}\n${"-".repeat(40)}\n`,
    );
  }

  /**
   * Ends persistent connections gracefully: each one closes once no request is in progress
   * (at once when it is waiting for a request, after its current response otherwise).
   * Called by {@linkcode drain} and on disposal.
   */
  close_idle_connections(): void {
    this.#draining = true;
    for (const handler of this.#handlers) handler.close_when_idle();
  }

  /**
   * Graceful shutdown, after `shutdown()`: lets the responses in progress finish, at most
   * `timeoutMs` milliseconds, then closes the connections still open. Persistent connections
   * close after their current response; idle ones at once.
   *
   * @param timeoutMs The longest wait.
   * @returns True when every connection ended in time.
   *
   * @example
   * ```ts
   * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
   * import { ThreadingHTTPServer } from "./server.ts";
   * const server = new ThreadingHTTPServer(["127.0.0.1", 0], BaseHTTPRequestHandler);
   * server.server_close();
   * await server.drain(1000); // true
   * ```
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.close_idle_connections();
    if (this.activeRequests.size === 0) return true;
    const settled = Promise.allSettled([...this.activeRequests]).then(() => true);
    const ended = await withTimeout(settled, timeoutMs, () => false);
    if (!ended) {
      // Out of time: close what is left (their handlers then end on a failed read or write).
      for (const handler of this.#handlers) {
        this.close_request(handler.request as AcceptedConnection);
      }
    }
    return ended;
  }

  /** Stops serving, waits for handlers in progress, and closes the socket. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
    const pendingAccept = this.#pendingAccept;
    this.#pendingAccept = null;
    this.server_close();
    // Deno releases the port only once the accept still waiting on the closed listener has
    // settled; wait for it, so that the port is free when disposal resolves (as after
    // Python's server_close). A connection it accepted at the last moment is closed unserved.
    if (pendingAccept !== null) {
      await pendingAccept.then((conn) => this.close_request(conn), () => {});
    }
    this.close_idle_connections();
    await Promise.allSettled([...this.activeRequests]);
  }
}

/** The attributes {@linkcode ThreadingMixIn} adds (Python's `socketserver.ThreadingMixIn`). */
export interface ThreadingAttributes {
  /**
   * Python's flag, true by default: connections are not waited for when the server closes.
   * False (with `block_on_close`): `server_close()` returns a promise that settles once every
   * connection in progress has ended, as Python's `server_close` joins non-daemon threads.
   */
  daemon_threads: boolean;
  /** Whether `server_close` waits for connections in progress when `daemon_threads` is false. */
  block_on_close: boolean;
}

/**
 * Python's `socketserver.ThreadingMixIn` for any server class: `process_request` starts the
 * connection as its own task and returns at once; `server_close` waits for those tasks when
 * `daemon_threads` is false and `block_on_close` true. The returned class keeps the base's
 * constructor and members (it is how both {@linkcode ThreadingHTTPServer} and the HTTPS
 * servers' `ThreadingHTTPSServer` are made).
 *
 * @param Base A server class.
 * @returns The class with the threading behaviour.
 *
 * @example A threading variant of your own server class
 * ```ts
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { HTTPServer, ThreadingMixIn } from "./server.ts";
 * class CountingServer extends HTTPServer {
 *   accepted = 0;
 *   override service_actions() {
 *     this.accepted++;
 *   }
 * }
 * const server = new (ThreadingMixIn(CountingServer))(["127.0.0.1", 0], BaseHTTPRequestHandler);
 * server.daemon_threads; // true
 * server.server_close();
 * ```
 */
export function ThreadingMixIn<Args extends unknown[], Server extends HTTPServer>(
  Base: new (...args: Args) => Server,
): new (...args: Args) => Server & ThreadingAttributes {
  // A mixin over a generic base must take `any[]` arguments: extend the base as the plain
  // server class instead and restore the exact constructor type on the way out.
  const Plain = Base as unknown as typeof HTTPServer;
  class Threading extends Plain implements ThreadingAttributes {
    daemon_threads: boolean = true;
    block_on_close: boolean = true;

    override process_request(
      request: AcceptedConnection,
      client_address: ClientAddress,
    ): Promise<void> {
      this.startRequest(request, client_address);
      return RESOLVED;
    }

    override server_close(): void | Promise<void> {
      super.server_close();
      if (this.daemon_threads || !this.block_on_close) return;
      return Promise.allSettled([...this.activeRequests]).then(() => {});
    }
  }
  return Threading as unknown as new (...args: Args) => Server & ThreadingAttributes;
}

/** {@linkcode HTTPServer} with {@linkcode ThreadingMixIn} applied. */
export const ThreadingHTTPServerBase: new (
  ...args: ConstructorParameters<typeof HTTPServer>
) => HTTPServer & ThreadingAttributes = ThreadingMixIn(HTTPServer);

/**
 * An HTTP server that handles each connection concurrently (Python's
 * `ThreadingHTTPServer`): one task per connection instead of one thread.
 *
 * @example
 * ```ts
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { ThreadingHTTPServer } from "./server.ts";
 * const server = new ThreadingHTTPServer(["127.0.0.1", 0], BaseHTTPRequestHandler);
 * server.daemon_threads; // true
 * server.server_close();
 * ```
 */
export class ThreadingHTTPServer extends ThreadingHTTPServerBase {}

/** One full collection (`collectGarbage`), its module loaded on first use: a start never compiles it. */
function collectGarbageLater(): void {
  import("./io/garbage_collection.ts")
    .then(({ collectGarbage }) => collectGarbage()).catch(() => {});
}

/** `HTTPServer`'s own `finish_request`: while a server has it, `runRequest` runs it inline. */
const BASE_FINISH_REQUEST = HTTPServer.prototype.finish_request;
