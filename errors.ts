/**
 * Every typed error of the package. Protocol errors carry the HTTP status and the `send_error`
 * message and explanation CPython answers with; those raised while reading a request's head
 * become a response in exactly one place (`BaseHTTPRequestHandler.parse_request`). The
 * others belong to a server (TLS files, handshakes), to CGI, or to reading a body; each
 * module that raises one re-exports it.
 *
 * @example Catch a protocol error
 * ```ts
 * import { ProtocolError, TooManyHeadersError } from "./errors.ts";
 * const err: ProtocolError = new TooManyHeadersError(100);
 * err.status; // 431
 * ```
 *
 * @module
 */
import { pyRepr } from "./protocol/python_text.ts";

/**
 * A request that cannot be parsed. `status` is the status CPython answers with, `reason` the
 * message of its `send_error` call and `explain` its explanation, if it gives one.
 *
 * @example Inspect a protocol error
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * const err = new ProtocolError(400, "Bad request syntax ('x')");
 * err.status; // 400
 * ```
 */
export class ProtocolError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The message given to `send_error` (also the status line's reason phrase). */
  readonly reason: string;
  /** The explanation given to `send_error`, or undefined for the status's default. */
  readonly explain: string | undefined;

  /**
   * Creates the instance.
   *
   * @param status The HTTP status of the answer.
   * @param reason The `send_error` message.
   * @param explain The `send_error` explanation, if not the status's default.
   */
  constructor(status: number, reason: string, explain?: string) {
    super(explain === undefined ? `${status} ${reason}` : `${status} ${reason}: ${explain}`);
    this.name = "ProtocolError";
    this.status = status;
    this.reason = reason;
    this.explain = explain;
  }
}

/**
 * A header line longer than the limit: CPython answers `431 Line too long`.
 *
 * @example
 * ```ts
 * import { LineTooLongError } from "./errors.ts";
 * new LineTooLongError(65536).explain; // "got more than 65536 bytes when reading header line"
 * ```
 */
export class LineTooLongError extends ProtocolError {
  /** The limit that was passed, in bytes. */
  readonly limit: number;
  /**
   * Creates the error.
   * @param limit The limit that was passed, in bytes.
   */
  constructor(limit: number) {
    super(431, "Line too long", `got more than ${limit} bytes when reading header line`);
    this.name = "LineTooLongError";
    this.limit = limit;
  }
}

/**
 * More header lines than the limit: CPython answers `431 Too many headers`.
 *
 * @example
 * ```ts
 * import { TooManyHeadersError } from "./errors.ts";
 * new TooManyHeadersError(100).explain; // "got more than 100 headers"
 * ```
 */
export class TooManyHeadersError extends ProtocolError {
  /** The limit that was passed, in lines. */
  readonly limit: number;
  /**
   * Creates the error.
   * @param limit The limit that was passed, in lines.
   */
  constructor(limit: number) {
    super(431, "Too many headers", `got more than ${limit} headers`);
    this.name = "TooManyHeadersError";
    this.limit = limit;
  }
}

/**
 * A malformed request line (bad version token, wrong word count, HTTP/0.9 with a method other
 * than GET): CPython answers `400`.
 *
 * @example
 * ```ts
 * import { BadRequestLineError } from "./errors.ts";
 * new BadRequestLineError("Bad request version ('FUBAR')").status; // 400
 * ```
 */
export class BadRequestLineError extends ProtocolError {
  /**
   * Creates the error.
   * @param reason The `send_error` message.
   */
  constructor(reason: string) {
    super(400, reason);
    this.name = "BadRequestLineError";
  }
}

/**
 * A request for HTTP/2.0 or later on this HTTP/1.x server: CPython answers `505`.
 *
 * @example
 * ```ts
 * import { UnsupportedVersionError } from "./errors.ts";
 * new UnsupportedVersionError("2.0").reason; // "Invalid HTTP version (2.0)"
 * ```
 */
export class UnsupportedVersionError extends ProtocolError {
  /**
   * Creates the error.
   * @param version The version number as sent, e.g. `2.0`.
   */
  constructor(version: string) {
    super(505, `Invalid HTTP version (${version})`);
    this.name = "UnsupportedVersionError";
  }
}

/**
 * A header name or value that would corrupt the response: it holds CR, LF or NUL (response
 * splitting), or a character that latin-1 cannot encode. CPython leaves this to the caller;
 * `send_header` refuses it here.
 *
 * @example
 * ```ts
 * import { HeaderValueError } from "./errors.ts";
 * new HeaderValueError("X-A", "a\r\nb").name; // "HeaderValueError"
 * ```
 */
export class HeaderValueError extends TypeError {
  /** The header name as given. */
  readonly header: string;
  /**
   * Creates the instance.
   *
   * @param header The header name as given.
   * @param value The offending name or value.
   */
  constructor(header: string, value: string) {
    super(
      `Cannot send header ${JSON.stringify(header)}: ${
        JSON.stringify(value)
      } holds CR, LF, NUL or a character outside latin-1`,
    );
    this.name = "HeaderValueError";
    this.header = header;
  }
}

/**
 * A read or write on the connection took longer than the handler's `timeout`
 * (Python's `TimeoutError('timed out')`).
 *
 * @example
 * ```ts
 * import { SocketTimeoutError } from "./errors.ts";
 * String(new SocketTimeoutError()); // "SocketTimeoutError: timed out"
 * ```
 */
export class SocketTimeoutError extends Error {
  /** Creates the error. */
  constructor() {
    super("timed out");
    this.name = "SocketTimeoutError";
  }
}

/**
 * The peer went away (reset, broken pipe, or the connection was closed under us). It ends
 * only that connection and is not logged as a server error.
 *
 * @example
 * ```ts
 * import { ClientDisconnectedError } from "./errors.ts";
 * new ClientDisconnectedError("reset").message; // "reset"
 * ```
 */
export class ClientDisconnectedError extends Error {
  /**
   * Creates the error.
   * @param message What happened.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClientDisconnectedError";
  }
}

/**
 * A request body longer than the reader's limit (`Content-Length` over `maxBytes`): answer
 * `413 Content Too Large` with `send_error(error.status, error.reason, error.explain)`. Raised
 * before any of the body is read.
 *
 * @example
 * ```ts
 * import { RequestBodyTooLargeError } from "./errors.ts";
 * const error = new RequestBodyTooLargeError(2048, 1024);
 * error.status; // 413
 * error.explain; // "Content-Length 2048 is more than the limit of 1024 bytes"
 * ```
 */
export class RequestBodyTooLargeError extends ProtocolError {
  /** The announced body length, in bytes. */
  readonly length: number;
  /** The limit it passed, in bytes. */
  readonly limit: number;

  /**
   * Creates the error.
   *
   * @param length The announced body length, in bytes.
   * @param limit The limit it passed, in bytes.
   */
  constructor(length: number, limit: number) {
    super(
      413,
      "Content Too Large",
      `Content-Length ${length} is more than the limit of ${limit} bytes`,
    );
    this.name = "RequestBodyTooLargeError";
    this.length = length;
    this.limit = limit;
  }
}

/**
 * The certificate or key files of an HTTPS server cannot be used: unreadable, empty, not
 * PEM, no key, a key that does not match the certificate, a wrong password, ... The message is
 * one line: the file, a colon, the problem.
 *
 * @example
 * ```ts
 * import { TLSConfigurationError } from "./errors.ts";
 * const error = new TLSConfigurationError("cert.pem", "the file is empty");
 * error.message; // "cert.pem: the file is empty"
 * error.file; // "cert.pem"
 * ```
 */
export class TLSConfigurationError extends Error {
  /** The file at fault. */
  readonly file: string;
  /** What is wrong with it. */
  readonly problem: string;

  /**
   * Creates the instance.
   *
   * @param file The file at fault.
   * @param problem What is wrong with it (one line).
   * @param options `cause`: the underlying error, if any.
   */
  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
    this.name = "TLSConfigurationError";
    this.file = file;
    this.problem = problem;
  }
}

/**
 * A TLS handshake not completed within the HTTPS server's `handshake_timeout`, as reported to
 * `handle_handshake_error` (a `Deno.errors.TimedOut`, named so).
 *
 * @example
 * ```ts
 * import { HandshakeTimeoutError } from "./errors.ts";
 * new HandshakeTimeoutError(30000) instanceof Deno.errors.TimedOut; // true
 * ```
 */
export class HandshakeTimeoutError extends Deno.errors.TimedOut {
  /**
   * Creates the error.
   *
   * @param ms The time limit that passed, in milliseconds.
   */
  constructor(ms: number) {
    super(`TLS handshake not completed within ${ms} ms`);
    this.name = "TimedOut";
  }
}

/**
 * Too many `..` segments in a CGI path: what CPython's `_url_collapse_path` reports with an
 * `IndexError` ("pop from empty list"). The error escapes the handler, so the server logs it
 * and drops the connection without an answer, as CPython does.
 *
 * @example
 * ```ts
 * import { UrlCollapseError } from "./errors.ts";
 * import { urlCollapsePath } from "./handlers/cgi/environment.ts";
 * import { assertThrows } from "./deps.ts";
 * assertThrows(() => urlCollapsePath(".."), UrlCollapseError);
 * ```
 */
export class UrlCollapseError extends RangeError {
  /** The path that climbed above the root. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The path given to `urlCollapsePath`.
   */
  constructor(path: string) {
    super(`pop from empty list: '..' climbs above the root in ${JSON.stringify(path)}`);
    this.name = "UrlCollapseError";
    this.path = path;
  }
}

/**
 * A CGI environment variable holds a NUL character, which no process environment can carry.
 * CPython fails the same way (`ValueError: embedded null byte`) before it answers, so the
 * connection is dropped without a response.
 *
 * @example
 * ```ts
 * import { CgiEnvironmentError } from "./errors.ts";
 * import { checkCgiEnv } from "./handlers/cgi/environment.ts";
 * import { assertThrows } from "./deps.ts";
 * assertThrows(() => checkCgiEnv({ HTTP_USER_AGENT: "a\0b" }), CgiEnvironmentError);
 * ```
 */
export class CgiEnvironmentError extends TypeError {
  /** The variable at fault. */
  readonly variable: string;

  /**
   * Creates the error.
   *
   * @param variable The variable's name.
   */
  constructor(variable: string) {
    super(`embedded null byte in the CGI environment variable ${variable}`);
    this.name = "CgiEnvironmentError";
    this.variable = variable;
  }
}

/**
 * A script that the kernel cannot execute itself (no `#!` line, not a binary): `execve`'s
 * ENOEXEC, which CPython's child reports before exiting with status 127.
 *
 * @example
 * ```ts
 * import { ExecFormatError } from "./errors.ts";
 * new ExecFormatError("/srv/cgi-bin/x").message; // "[Errno 8] Exec format error: '/srv/cgi-bin/x'"
 * ```
 */
export class ExecFormatError extends Error {
  /** The file. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The file that cannot be executed.
   */
  constructor(path: string) {
    super(`[Errno 8] Exec format error: ${pyRepr(path)}`);
    this.name = "ExecFormatError";
    this.path = path;
  }
}

/** A chunked response body was written to after its last chunk was sent (`close()`). */
export class ChunkedBodyClosedError extends Error {
  /** Creates the error. */
  constructor() {
    super("chunked body already closed");
    this.name = "ChunkedBodyClosedError";
  }
}

/**
 * A command-line error: the caller prints the usage and `<prog>: error: <message>` on stderr
 * and exits with status 2 (argparse's code).
 */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, in argparse's words.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Thrown by an argument's `parse` for a text it does not accept; the parser reports it as
 * `argument <name>: <message>` (argparse's `ArgumentTypeError`).
 */
export class ArgumentValueError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the value, e.g. `invalid int value: 'abc'`.
   */
  constructor(message: string) {
    super(message);
    this.name = "ArgumentValueError";
  }
}

/**
 * A failure to start serving (bind, directory): one line on stderr, exit status 1.
 */
export class StartupError extends Error {
  /**
   * Creates the error.
   *
   * @param message What failed.
   */
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/**
 * A chunked request body that breaks RFC 9112's framing (a bad chunk size line, a missing
 * CRLF after a chunk, an over-long trailer): answered `400 Bad chunked body`.
 */
export class ChunkedBodyError extends ProtocolError {
  /**
   * Creates the error.
   *
   * @param explain What is wrong with the framing.
   */
  constructor(explain: string) {
    super(400, "Bad chunked body", explain);
    this.name = "ChunkedBodyError";
  }
}

/**
 * A request body without a `Content-Length` that grew past the upload limit while it was
 * read (chunked): answered 413 and the reading stops there.
 */
export class UploadLimitExceededError extends ProtocolError {
  /** The limit passed, in bytes. */
  readonly limit: number;

  /**
   * Creates the error.
   *
   * @param limit The limit passed, in bytes.
   */
  constructor(limit: number) {
    super(413, "Content Too Large", `the request body is more than the limit of ${limit} bytes`);
    this.name = "UploadLimitExceededError";
    this.limit = limit;
  }
}

/**
 * The client stopped sending an upload before its end (closed or reset the connection): the
 * partial file is removed and nothing is answered.
 */
export class UploadIncompleteError extends Error {
  /** Bytes received before the connection ended. */
  readonly received: number;

  /**
   * Creates the error.
   *
   * @param received Bytes received before the connection ended.
   */
  constructor(received: number) {
    super(`upload ended after ${received} bytes, before the end of the body`);
    this.name = "UploadIncompleteError";
    this.received = received;
  }
}

/**
 * A `multipart/form-data` body the parser refused (no boundary, broken framing, too many
 * parts): answered `400 Bad multipart body`.
 */
export class MultipartBodyError extends ProtocolError {
  /**
   * Creates the error.
   *
   * @param explain What the parser reported.
   */
  constructor(explain: string) {
    super(400, "Bad multipart body", explain);
    this.name = "MultipartBodyError";
  }
}

/**
 * The file system ran out of space (`ENOSPC`) or quota (`EDQUOT`) while an upload was
 * written: answered `507 Insufficient Storage`, the partial file removed.
 */
export class InsufficientStorageError extends ProtocolError {
  /**
   * Creates the error.
   *
   * @param cause The file system's error.
   */
  constructor(cause: unknown) {
    super(507, "Insufficient Storage", "no space left on the server's disk");
    this.name = "InsufficientStorageError";
    this.cause = cause;
  }
}

/**
 * A response header given in configuration (`-H`, `response_headers`, `--cache-control`)
 * that is not a valid field: the name is not a token, or the value holds CR, LF, NUL, another
 * control character, leading or trailing whitespace, or a character outside latin-1. Raised
 * before serving starts, so no response carries it.
 *
 * @example
 * ```ts
 * import { HeaderFieldError } from "./errors.ts";
 * new HeaderFieldError("Bad Name", "x").message; // "invalid header name: 'Bad Name'"
 * ```
 */
export class HeaderFieldError extends TypeError {
  /** The header name as given. */
  readonly header: string;
  /**
   * Creates the error.
   *
   * @param header The header name as given.
   * @param value The value as given.
   * @param part Which of the two is invalid (default: the name).
   */
  constructor(header: string, value: string, part: "name" | "value" = "name") {
    super(
      part === "name"
        ? `invalid header name: ${JSON.stringify(header).replace(/^"|"$/g, "'")}`
        : `invalid value for header ${header}: ${JSON.stringify(value)}`,
    );
    this.name = "HeaderFieldError";
    this.header = header;
  }
}
