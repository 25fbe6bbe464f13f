/**
 * HTTP Basic authentication for every request (`--auth USER:PASSWORD`, `--upload-auth` for
 * writes only): a {@linkcode BasicAuthGate} set as a handler's `access_control` answers
 * `401` with `WWW-Authenticate: Basic realm="...", charset="UTF-8"` until the client sends
 * credentials that match. Credentials are kept and compared as SHA-256 digests with
 * `timingSafeEqual`, every stored entry compared every time, so the time taken does not tell
 * how much of a user name or password was right. Failed attempts are logged.
 *
 * @example Require a password for everything
 * ```ts
 * import { BasicAuthGate, parseCredential } from "./auth.ts";
 * import { SimpleHTTPRequestHandler } from "./simple.ts";
 * const gate = new BasicAuthGate({ readers: [parseCredential("alice:s3cret")] });
 * class Handler extends SimpleHTTPRequestHandler {
 *   override access_control = gate;
 * }
 * void Handler;
 * ```
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ArgumentValueError } from "../errors.ts";
import { parseBasicAuthorization } from "../protocol/basic_auth.ts";
import { htmlEscapeNoQuote } from "../protocol/html.ts";
import { percentFormat } from "../protocol/python_text.ts";
import type { AccessControl, BaseHTTPRequestHandler } from "./base.ts";

/** The realm named in `WWW-Authenticate` unless another is given. */
export const DEFAULT_AUTH_REALM = "httpserver";
/** Methods that change files: `--upload-auth` guards these. */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  "PUT",
  "POST",
  "DELETE",
  "PATCH",
  "MKCOL",
  "MOVE",
  "COPY",
]);

const SHA256_HEX = /^sha256:([0-9A-Fa-f]{64})$/;
const encoder = new TextEncoder();

/** A user and the SHA-256 digests a presented user name and password are compared with. */
export interface Credential {
  /** The user name (for logs). */
  readonly user: string;
  /** SHA-256 of the user name's UTF-8 bytes. */
  readonly userDigest: Uint8Array;
  /** SHA-256 of the password's UTF-8 bytes. */
  readonly passwordDigest: Uint8Array;
}

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(encoder.encode(text)).digest());
}

/**
 * Reads a `--auth` value: `USER:PASSWORD`, or `USER:sha256:HEX` with the password's SHA-256
 * in hex (so the password need not sit in shell history: `printf %s 'pw' | sha256sum`). The
 * user name ends at the first `:` (RFC 7617); a password may hold `:`.
 *
 * @param spec The value.
 * @returns The credential.
 * @throws {ArgumentValueError} No `:`, or an empty user name.
 *
 * @example
 * ```ts
 * import { parseCredential } from "./auth.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseCredential("bob:pa:ss").user, "bob");
 * const hashed = parseCredential(
 *   "bob:sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
 * );
 * assertEquals(hashed.passwordDigest, parseCredential("bob:password").passwordDigest);
 * ```
 */
export function parseCredential(spec: string): Credential {
  const colon = spec.indexOf(":");
  if (colon <= 0) {
    throw new ArgumentValueError(`expected USER:PASSWORD or USER:sha256:HEX, not '${spec}'`);
  }
  const user = spec.slice(0, colon);
  const secret = spec.slice(colon + 1);
  const hex = SHA256_HEX.exec(secret);
  const passwordDigest = hex === null
    ? sha256(secret)
    : Uint8Array.from(hex[1].match(/../g) as string[], (pair) => parseInt(pair, 16));
  return { user, userDigest: sha256(user), passwordDigest };
}

/** Who may do what. */
export interface BasicAuthOptions {
  /** Credentials for every request; empty: reads need none. */
  readers?: readonly Credential[];
  /** Credentials for {@linkcode WRITE_METHODS}; empty: the readers' rule applies. */
  writers?: readonly Credential[];
  /** The realm in `WWW-Authenticate` (default {@linkcode DEFAULT_AUTH_REALM}). */
  realm?: string;
}

/** An `access_control` that asks for HTTP Basic credentials. */
export class BasicAuthGate implements AccessControl {
  readonly #readers: readonly Credential[];
  readonly #writers: readonly Credential[];
  readonly #challenge: string;

  /**
   * Creates the gate.
   *
   * @param options Credentials for reads and writes, and the realm.
   */
  constructor(options: BasicAuthOptions) {
    this.#readers = options.readers ?? [];
    this.#writers = options.writers ?? [];
    const realm = (options.realm ?? DEFAULT_AUTH_REALM).replace(/["\\]/g, "\\$&");
    this.#challenge = `Basic realm="${realm}", charset="UTF-8"`;
  }

  /**
   * Lets the request through when its method needs no credentials or it carries matching
   * ones; else logs the attempt, answers 401 and returns false.
   *
   * @param handler The request's handler, its head parsed.
   * @returns Whether the request may go on.
   */
  check(handler: BaseHTTPRequestHandler): boolean | Promise<boolean> {
    const writing = WRITE_METHODS.has(handler.command ?? "");
    const allowed = writing && this.#writers.length > 0 ? this.#writers : this.#readers;
    if (allowed.length === 0) return true;
    const header = handler.headers.get("Authorization");
    if (header === undefined) return this.#refuse(handler, "no credentials", null);
    const credentials = parseBasicAuthorization(header);
    if (credentials === null) return this.#refuse(handler, "malformed credentials", null);
    if (matches(credentials.user, credentials.password, allowed)) return true;
    return this.#refuse(handler, "wrong user or password", credentials.user);
  }

  async #refuse(
    handler: BaseHTTPRequestHandler,
    reason: string,
    user: string | null,
  ): Promise<false> {
    if (user !== null || reason === "malformed credentials") {
      handler.log_message(
        "authentication failed for %s: %s",
        user === null ? "-" : JSON.stringify(user),
        reason,
      );
    }
    const body = encoder.encode(percentFormat(handler.error_message_format, {
      code: 401,
      message: "Unauthorized",
      explain: htmlEscapeNoQuote("This server needs a user name and password."),
    }));
    // The request's body, if any, is never read: the connection cannot carry another one.
    handler.send_response(401);
    handler.send_header("WWW-Authenticate", this.#challenge);
    handler.send_header("Connection", "close");
    handler.send_header("Content-Type", handler.error_content_type);
    handler.send_header("Content-Length", String(body.length));
    await handler.end_headers();
    if (handler.command !== "HEAD") await handler.wfile.write(body);
    await handler.wfile.flush();
    return false;
  }
}

/** Whether any credential matches; every one is compared, each in constant time. */
function matches(user: string, password: string, allowed: readonly Credential[]): boolean {
  const userDigest = sha256(user);
  const passwordDigest = sha256(password);
  let found = 0;
  for (const credential of allowed) {
    const sameUser = timingSafeEqual(userDigest, credential.userDigest) ? 1 : 0;
    const samePassword = timingSafeEqual(passwordDigest, credential.passwordDigest) ? 1 : 0;
    found |= sameUser & samePassword;
  }
  return found === 1;
}
