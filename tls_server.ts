/**
 * `HTTPSServer` and `ThreadingHTTPSServer` (CPython 3.14's HTTPS servers) on
 * `Deno.listenTls`, and {@linkcode loadCertChain}, the check they run on the certificate and
 * key files before they listen.
 *
 * As in Python, the certificate chain and the key are loaded when the server binds, so a
 * missing file, a bad certificate, a missing or mismatched key, or a wrong password fails the
 * constructor at once (here with a {@linkcode TLSConfigurationError} naming the file and the
 * problem, where Python raises `ssl.SSLError`). An encrypted key (PKCS#8
 * `ENCRYPTED PRIVATE KEY`, or a traditional `Proc-Type: 4,ENCRYPTED` RSA or EC key) is
 * decrypted with `password` through `node:crypto`; the password may be a string, bytes, or a
 * function returning either, as for Python's `SSLContext.load_cert_chain`.
 *
 * TLS handshakes run concurrently and apart from request handling: a connection reaches the
 * server's `process_request` only once its handshake has succeeded. A client that aborts the
 * handshake, sends plaintext, or says nothing costs its own connection only, even under the
 * one-connection-at-a-time `HTTPSServer`. (Python handshakes inside `accept()`, so there a
 * silent client stalls the whole server.) A handshake not completed within
 * `handshake_timeout` seconds is abandoned.
 *
 * Two limits come from Deno 2.9's TLS listener. A connection closed before its handshake
 * completed keeps its socket until the client sends something or closes (Deno finishes the
 * handshake in the background before it lets the socket go). And `TlsListener.unref()` has no
 * effect, so once a connection was accepted, an accept stays pending until `server_close()`:
 * a script that calls `handle_request()` must close the server (or use `await using`) to
 * exit, where an `HTTPServer` would exit anyway.
 *
 * Permissions: `--allow-net` for the address, `--allow-read` for the PEM files.
 *
 * @example Serve HTTPS with a certificate and its key
 * ```ts ignore
 * import { SimpleHTTPRequestHandler } from "./handlers/simple.ts";
 * import { ThreadingHTTPSServer } from "./tls_server.ts";
 *
 * const server = new ThreadingHTTPSServer(["", 8443], SimpleHTTPRequestHandler, {
 *   certfile: "cert.pem",
 *   keyfile: "key.pem",
 * });
 * await server.serve_forever();
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { HandshakeTimeoutError, TLSConfigurationError } from "./errors.ts";
import type { RequestHandlerClass } from "./handlers/base.ts";
import { writeStderr } from "./io/stderr.ts";
import { withTimeout } from "./io/timeout.ts";
import {
  type AcceptedConnection,
  HTTPServer,
  type ThreadingAttributes,
  ThreadingMixIn,
} from "./server.ts";
import type { ClientAddress } from "./types.ts";

export { TLSConfigurationError } from "./errors.ts";

/**
 * Seconds a client may take to complete its TLS handshake, by default
 * ({@linkcode HTTPSServer.handshake_timeout}): ample for a slow network, short enough that
 * silent clients do not hold handshake slots for long.
 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30;

/**
 * The password of an encrypted private key: text, bytes, or a function returning either
 * (called once, when the key is loaded), as Python's `load_cert_chain` takes it.
 */
export type TLSPassword = string | Uint8Array | (() => string | Uint8Array);

/**
 * A certificate chain and its private key, as PEM text `Deno.listenTls` accepts (the key
 * always unencrypted PKCS#8).
 *
 * @example
 * ```ts ignore
 * import { loadCertChain, type TLSCertifiedKey } from "./tls_server.ts";
 * const pair: TLSCertifiedKey = loadCertChain("cert.pem", "key.pem");
 * Deno.listenTls({ port: 8443, ...pair });
 * ```
 */
export interface TLSCertifiedKey {
  /** The certificate chain: one or more `CERTIFICATE` PEM blocks, leaf first. */
  cert: string;
  /** The private key: one `PRIVATE KEY` (PKCS#8) PEM block. */
  key: string;
}

/**
 * Options of {@linkcode HTTPSServer}: Python's keyword-only arguments, and
 * `bind_and_activate`.
 */
export interface HTTPSServerOptions {
  /** PEM file with the certificate chain (leaf first), and the key when `keyfile` is omitted. */
  certfile: string;
  /** PEM file with the private key; omitted or null: the key is in `certfile`. */
  keyfile?: string | null;
  /** Password of an encrypted private key. */
  password?: TLSPassword | null;
  /** ALPN protocols to offer; omitted or null: `["http/1.1"]`. */
  alpn_protocols?: string[] | null;
  /** Bind and listen now (default true), as Python's `bind_and_activate`. */
  bind_and_activate?: boolean;
}

interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  label: string;
  /** The whole block, BEGIN to END line. */
  text: string;
  /** Whether RFC 1421 headers mark it encrypted (`Proc-Type: 4,ENCRYPTED`). */
  procTypeEncrypted: boolean;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]);
const KEY_LABELS = new Set([
  "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
  "DSA PRIVATE KEY",
]);

function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    blocks.push({
      label: match[1],
      text: `${match[0]}\n`,
      procTypeEncrypted: /^Proc-Type:\s*4\s*,\s*ENCRYPTED\s*$/m.test(match[2]),
    });
  }
  return blocks;
}

function readPem(file: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new TLSConfigurationError(file, "no such file", { cause: error });
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new TLSConfigurationError(file, "read access denied (grant --allow-read)", {
        cause: error,
      });
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new TLSConfigurationError(file, "is a directory, not a PEM file", { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new TLSConfigurationError(file, `cannot read the file (${oneLine(reason)})`, {
      cause: error,
    });
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function errorText(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

function resolvePassword(file: string, password: TLSPassword): string | Buffer {
  let value: unknown = password;
  if (typeof password === "function") {
    try {
      value = password();
    } catch (error) {
      throw new TLSConfigurationError(
        file,
        `the password callback failed (${errorText(error)})`,
        { cause: error },
      );
    }
  }
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new TLSConfigurationError(
    file,
    "the password callback must return a string or bytes",
  );
}

function loadKey(file: string, block: PemBlock, password: TLSPassword | null): KeyObject {
  const encrypted = block.label === "ENCRYPTED PRIVATE KEY" || block.procTypeEncrypted;
  if (encrypted && password === null) {
    throw new TLSConfigurationError(file, "the private key is encrypted and no password was given");
  }
  const passphrase = encrypted && password !== null ? resolvePassword(file, password) : undefined;
  try {
    return createPrivateKey({ key: block.text, format: "pem", passphrase });
  } catch (error) {
    if (encrypted) {
      // Nearly always a wrong password ("bad decrypt"); rarely one that decrypts to garbage.
      throw new TLSConfigurationError(
        file,
        "cannot decrypt the private key (wrong password?)",
        { cause: error },
      );
    }
    throw new TLSConfigurationError(
      file,
      `not a valid ${block.label} (${errorText(error)})`,
      { cause: error },
    );
  }
}

/**
 * Loads and checks a certificate chain and its private key, as Python's
 * `SSLContext.load_cert_chain(certfile, keyfile, password)`: every certificate must parse,
 * the key must decrypt (when encrypted) and must match the first certificate. Returns the
 * chain and the key as unencrypted PEM for `Deno.listenTls`.
 *
 * @param certfile PEM file with the chain, leaf first (and the key when `keyfile` is absent).
 * @param keyfile PEM file with the private key; null or omitted: taken from `certfile`.
 * @param password Password of an encrypted key.
 * @returns The chain and the key (PKCS#8).
 * @throws {TLSConfigurationError} When a file is unreadable or its content unusable.
 *
 * @example A missing file is reported by name
 * ```ts
 * import { loadCertChain, TLSConfigurationError } from "./tls_server.ts";
 * try {
 *   loadCertChain("/nonexistent/cert.pem");
 * } catch (error) {
 *   error instanceof TLSConfigurationError; // true
 *   (error as Error).message; // "/nonexistent/cert.pem: no such file"
 * }
 * ```
 *
 * @example Check the files before starting anything
 * ```ts ignore
 * import { loadCertChain, TLSConfigurationError } from "./tls_server.ts";
 * try {
 *   loadCertChain("cert.pem", "key.pem", () => Deno.env.get("KEY_PASSWORD") ?? "");
 * } catch (error) {
 *   if (error instanceof TLSConfigurationError) console.error(error.message);
 * }
 * ```
 */
export function loadCertChain(
  certfile: string,
  keyfile?: string | null,
  password?: TLSPassword | null,
): TLSCertifiedKey {
  const certText = readPem(certfile);
  if (certText.trim() === "") throw new TLSConfigurationError(certfile, "the file is empty");
  const certBlocks = pemBlocks(certText);
  const certificates = certBlocks.filter((block) => CERTIFICATE_LABELS.has(block.label));
  if (certificates.length === 0) {
    const holdsKey = certBlocks.some((block) => KEY_LABELS.has(block.label));
    throw new TLSConfigurationError(
      certfile,
      !holdsKey
        ? "no PEM certificate found"
        : keyfile === undefined || keyfile === null
        ? "no PEM certificate found, only a private key"
        : "no PEM certificate found, only a private key (are certfile and keyfile swapped?)",
    );
  }
  const parsed: X509Certificate[] = [];
  for (const [index, block] of certificates.entries()) {
    try {
      parsed.push(new X509Certificate(block.text));
    } catch (error) {
      throw new TLSConfigurationError(
        certfile,
        `certificate #${index + 1} is not a valid X.509 certificate (${errorText(error)})`,
        { cause: error },
      );
    }
  }

  const keySource = keyfile ?? certfile;
  const keyBlocks = keySource === certfile && keyfile !== certfile
    ? certBlocks
    : pemBlocks(readPem(keySource));
  const keys = keyBlocks.filter((block) => KEY_LABELS.has(block.label));
  if (keys.length === 0) {
    let problem = "no PEM private key found";
    if (keySource === certfile) {
      problem += " (pass keyfile, or append the key to the certificate file)";
    } else if (keyBlocks.some((block) => CERTIFICATE_LABELS.has(block.label))) {
      problem += ", only a certificate (are certfile and keyfile swapped?)";
    }
    throw new TLSConfigurationError(keySource, problem);
  }
  if (keys.length > 1) {
    throw new TLSConfigurationError(keySource, `${keys.length} private keys found; expected one`);
  }
  const key = loadKey(keySource, keys[0], password ?? null);
  let matches: boolean;
  try {
    matches = parsed[0].checkPrivateKey(key);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new TLSConfigurationError(
      keySource,
      `the private key does not match the certificate in ${certfile}`,
    );
  }
  let pkcs8: string;
  try {
    pkcs8 = String(key.export({ type: "pkcs8", format: "pem" }));
  } catch (error) {
    throw new TLSConfigurationError(
      keySource,
      `cannot convert the private key to PKCS#8 (${errorText(error)})`,
      { cause: error },
    );
  }
  return { cert: certificates.map((block) => block.text).join(""), key: pkcs8 };
}

/** What {@linkcode HandshakingListener} needs from its server. */
interface HandshakePolicy {
  /** Milliseconds a handshake may take, or null for no limit. */
  timeoutMs(): number | null;
  /** Most connections handshaking or waiting to be accepted at once. */
  limit(): number;
  /** Told about every failed handshake. */
  failed(error: unknown, client: ClientAddress): void;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

function addressOf(addr: Deno.Addr): ClientAddress {
  return "hostname" in addr ? [addr.hostname, addr.port] : ["", 0];
}

/**
 * A `Deno.TlsListener` whose `accept()` yields only connections that finished their TLS
 * handshake. `Deno.listenTls`'s own `accept()` returns as soon as the TCP connection is
 * accepted, and the handshake runs when the connection is first read or written: a server
 * that handles one connection at a time would then wait on a silent client's handshake.
 * Here every accepted connection handshakes in the background, concurrently, with a time
 * limit; failures are reported to the policy and cost only their own connection.
 */
class HandshakingListener implements Deno.Listener<Deno.TlsConn, Deno.NetAddr> {
  readonly #inner: Deno.TlsListener;
  readonly #policy: HandshakePolicy;
  readonly #ready: Deno.TlsConn[] = [];
  readonly #waiters: Array<{
    resolve: (conn: Deno.TlsConn) => void;
    reject: (error: Error) => void;
  }> = [];
  readonly #handshaking = new Set<Deno.TlsConn>();
  readonly #settling = new Set<Promise<void>>();
  #pump: Promise<void> | null = null;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(inner: Deno.TlsListener, policy: HandshakePolicy) {
    this.#inner = inner;
    this.#policy = policy;
  }

  get addr(): Deno.NetAddr {
    return this.#inner.addr;
  }

  /** Resolves once the background accept loop and every handshake have settled. */
  get closed(): Promise<void> {
    return this.#pump ?? Promise.resolve();
  }

  accept(): Promise<Deno.TlsConn> {
    const conn = this.#ready.shift();
    if (conn !== undefined) {
      this.#wakePump();
      return Promise.resolve(conn);
    }
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Listener is closed"));
    const waiting = new Promise<Deno.TlsConn>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    this.#pump ??= this.#run();
    this.#wakePump();
    return waiting;
  }

  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("Listener is closed");
    this.#closed = true;
    try {
      this.#inner.close();
    } catch {
      // Already closed.
    }
    for (const conn of this.#handshaking) closeQuietly(conn);
    for (const conn of this.#ready.splice(0)) closeQuietly(conn);
    this.#wakePump();
  }

  ref(): void {
    this.#inner.ref();
  }

  /** Has no effect on Deno 2.9's `TlsListener`, whose `accept()` ignores `unref()`. */
  unref(): void {
    this.#inner.unref();
  }

  async *[Symbol.asyncIterator](): AsyncIterableIterator<Deno.TlsConn> {
    while (true) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource) return;
        throw error;
      }
    }
  }

  [Symbol.dispose](): void {
    try {
      this.close();
    } catch {
      // Already closed.
    }
  }

  #wakePump(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#closed) {
        // Accept while someone waits in accept() (beyond that, the kernel's queue holds the
        // clients, as for HTTPServer), and within the limit of handshakes in progress.
        const busy = this.#handshaking.size + this.#ready.length >= this.#policy.limit();
        if (busy || this.#waiters.length === 0) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          continue;
        }
        let conn: Deno.TlsConn;
        try {
          conn = await this.#inner.accept();
        } catch (error) {
          if (this.#closed || error instanceof Deno.errors.BadResource) break;
          // Descriptors exhausted, a connection reset while queued, ...: keep accepting.
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        if (this.#closed) {
          closeQuietly(conn);
          break;
        }
        this.#handshake(conn);
      }
    } finally {
      this.#closed = true;
      await Promise.allSettled([...this.#settling]);
      for (const conn of this.#ready.splice(0)) closeQuietly(conn);
      const error = new Deno.errors.BadResource("Listener is closed");
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    }
  }

  #handshake(conn: Deno.TlsConn): void {
    this.#handshaking.add(conn);
    const settled = this.#completeHandshake(conn).then((error) => {
      this.#handshaking.delete(conn);
      if (error !== undefined || this.#closed) {
        closeQuietly(conn);
        if (error !== undefined && !this.#closed) this.#report(error, conn);
      } else {
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter.resolve(conn);
        else this.#ready.push(conn);
      }
      this.#wakePump();
    });
    this.#settling.add(settled);
    settled.finally(() => this.#settling.delete(settled));
  }

  /** Runs the handshake within the time limit; resolves to why it failed, or undefined. */
  async #completeHandshake(conn: Deno.TlsConn): Promise<Error | undefined> {
    const timeoutMs = this.#policy.timeoutMs();
    let timedOut = false;
    try {
      const handshake = conn.handshake();
      await withTimeout(handshake, timeoutMs, () => {
        timedOut = true;
        // Deno then releases the socket only when the client closes or misbehaves; the
        // handshake settles then.
        closeQuietly(conn);
        return handshake;
      });
      return undefined;
    } catch (error) {
      if (timedOut) return new HandshakeTimeoutError(timeoutMs ?? 0);
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  #report(error: Error, conn: Deno.TlsConn): void {
    let client: ClientAddress = ["", 0];
    try {
      client = addressOf(conn.remoteAddr);
    } catch {
      // Address unknown once closed.
    }
    try {
      this.#policy.failed(error, client);
    } catch (hookError) {
      writeStderr(`Exception in handle_handshake_error: ${errorText(hookError)}\n`);
    }
  }
}

/**
 * An HTTPS server that handles one connection at a time (CPython 3.14's `HTTPSServer`), on
 * `Deno.listenTls`. Handshakes run concurrently before a connection is handled, so a client
 * that stalls its handshake never holds up the others.
 *
 * @example Serve one request over TLS
 * ```ts ignore
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { HTTPSServer } from "./tls_server.ts";
 *
 * class Hello extends BaseHTTPRequestHandler {
 *   async do_GET() {
 *     this.send_response(200);
 *     this.send_header("Content-Length", "3");
 *     await this.end_headers();
 *     await this.wfile.write(new TextEncoder().encode("hi\n"));
 *   }
 * }
 *
 * await using server = new HTTPSServer(["127.0.0.1", 8443], Hello, {
 *   certfile: "combined.pem",
 *   password: "s3cret",
 * });
 * await server.handle_request();
 * ```
 *
 * @example Unusable files fail the constructor
 * ```ts
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { HTTPSServer, TLSConfigurationError } from "./tls_server.ts";
 * try {
 *   new HTTPSServer(["127.0.0.1", 0], BaseHTTPRequestHandler, { certfile: "/nonexistent.pem" });
 * } catch (error) {
 *   error instanceof TLSConfigurationError; // true
 * }
 * ```
 */
export class HTTPSServer extends HTTPServer {
  /** PEM file with the certificate chain (and the key when `keyfile` is null). */
  certfile: string;
  /** PEM file with the private key, or null when it is in `certfile`. */
  keyfile: string | null;
  /** Password of an encrypted private key, or null. */
  password: TLSPassword | null;
  /** ALPN protocols offered to clients (default `["http/1.1"]`). */
  alpn_protocols: string[];
  /**
   * Seconds a client may take to complete its TLS handshake before its connection is dropped;
   * null: no limit. (Not in Python, where a handshake runs inside `accept()`.)
   */
  handshake_timeout: number | null = DEFAULT_HANDSHAKE_TIMEOUT;

  #listener: HandshakingListener | null = null;

  /**
   * Creates the server and, unless `bind_and_activate` is false, loads the certificate chain
   * and key and listens at once.
   *
   * @param server_address `(host, port)`; port 0 picks a free port.
   * @param RequestHandlerClass The handler class.
   * @param options The certificate and key files, password, ALPN protocols.
   * @throws {TLSConfigurationError} When the certificate or key cannot be used.
   */
  constructor(
    server_address: ClientAddress,
    RequestHandlerClass: RequestHandlerClass,
    options: HTTPSServerOptions,
  ) {
    // Fields of this class are set only after the base constructor returns: bind afterwards.
    super(server_address, RequestHandlerClass, false);
    this.certfile = options.certfile;
    this.keyfile = options.keyfile ?? null;
    this.password = options.password ?? null;
    this.alpn_protocols = options.alpn_protocols ?? ["http/1.1"];
    if (options.bind_and_activate ?? true) {
      try {
        this.server_bind();
        this.server_activate();
      } catch (error) {
        this.server_close();
        throw error;
      }
    }
  }

  /** Loads the certificate chain and key, then listens with `Deno.listenTls`. */
  protected override listen(hostname: string, port: number): Deno.Listener<AcceptedConnection> {
    const { cert, key } = loadCertChain(this.certfile, this.keyfile, this.password);
    let inner: Deno.TlsListener;
    try {
      inner = Deno.listenTls({
        hostname,
        port,
        transport: "tcp",
        cert,
        key,
        alpnProtocols: this.alpn_protocols,
        ...(this.allow_reuse_port ? { reusePort: true } : {}),
      });
    } catch (error) {
      // Deno's TLS library rejects what loadCertChain let through: still a configuration error.
      if (
        error instanceof Deno.errors.InvalidData ||
        (error instanceof Error && error.constructor === Error)
      ) {
        throw new TLSConfigurationError(
          this.keyfile ?? this.certfile,
          `rejected by the TLS library (${errorText(error)})`,
          { cause: error },
        );
      }
      throw error;
    }
    this.#listener = new HandshakingListener(inner, {
      timeoutMs: () => this.handshake_timeout === null ? null : this.handshake_timeout * 1000,
      limit: () => Math.max(1, this.request_queue_size),
      failed: (error, client) => this.handle_handshake_error(error, client),
    });
    return this.#listener;
  }

  /**
   * Called when a client's TLS handshake fails or times out; the connection is already
   * closed. Does nothing by default, as Python drops such connections silently.
   *
   * @param _error Why the handshake failed.
   * @param _client_address The client.
   */
  handle_handshake_error(_error: unknown, _client_address: ClientAddress): void {}

  /** Stops serving, waits for handlers and handshakes in progress, and closes the socket. */
  override async [Symbol.asyncDispose](): Promise<void> {
    await super[Symbol.asyncDispose]();
    await this.#listener?.closed;
  }
}

/** {@linkcode HTTPSServer} with {@linkcode ThreadingMixIn} applied. */
export const ThreadingHTTPSServerBase: new (
  ...args: ConstructorParameters<typeof HTTPSServer>
) => HTTPSServer & ThreadingAttributes = ThreadingMixIn(HTTPSServer);

/**
 * An HTTPS server that handles each connection concurrently (CPython 3.14's
 * `ThreadingHTTPSServer`): {@linkcode ThreadingMixIn} on an `HTTPSServer`, as
 * `ThreadingHTTPServer` is on an `HTTPServer`.
 *
 * @example
 * ```ts ignore
 * import { SimpleHTTPRequestHandler } from "./handlers/simple.ts";
 * import { ThreadingHTTPSServer } from "./tls_server.ts";
 * const server = new ThreadingHTTPSServer(["", 8443], SimpleHTTPRequestHandler, {
 *   certfile: "cert.pem",
 *   keyfile: "key.pem",
 * });
 * await server.serve_forever();
 * ```
 *
 * @example Constructed without binding
 * ```ts
 * import { BaseHTTPRequestHandler } from "./handlers/base.ts";
 * import { ThreadingHTTPSServer } from "./tls_server.ts";
 * const server = new ThreadingHTTPSServer(["127.0.0.1", 0], BaseHTTPRequestHandler, {
 *   certfile: "cert.pem",
 *   bind_and_activate: false,
 * });
 * server.alpn_protocols; // ["http/1.1"]
 * server.daemon_threads; // true
 * ```
 */
export class ThreadingHTTPSServer extends ThreadingHTTPSServerBase {}
