/**
 * The request line, parsed exactly as CPython's `BaseHTTPRequestHandler.parse_request` does
 * before it reads headers. Pure: a string in, a description out.
 *
 * @example Parse a request line
 * ```ts
 * import { parseRequestLine } from "./request_line.ts";
 * const line = parseRequestLine("GET //a/b HTTP/1.1", "HTTP/1.1");
 * line?.path; // "/a/b"
 * ```
 *
 * @module
 */
import { BadRequestLineError, type ProtocolError, UnsupportedVersionError } from "../errors.ts";
import { pyRepr, splitWhitespace, stripLineEnds } from "./python_text.ts";

/** Longest major or minor version number accepted, in digits (CPython's rule). */
export const MAX_VERSION_DIGITS = 10;

/** What one request line says, and what CPython's parser decides about it. */
export interface RequestLine {
  /** The line with trailing CR/LF removed (`requestline`). */
  requestline: string;
  /** The method, case as sent; undefined when the line was rejected before it was read. */
  command?: string;
  /** The target as sent, with a leading run of `/` collapsed to one (CVE-2021-28861). */
  path?: string;
  /** The version token as sent, set only once it was accepted. */
  requestVersion?: string;
  /** True when the connection may persist (version >= 1.1 and protocol >= `HTTP/1.1`). */
  keepAlive: boolean;
  /** True for an HTTP/0.9 simple request (two words): no headers are read. */
  simple: boolean;
  /** The error CPython sends, if the line is rejected. */
  error?: ProtocolError;
}

/**
 * Parses the version token `HTTP/<major>.<minor>` by CPython's rules: two dot-separated
 * runs of at most ten ASCII digits each.
 *
 * @param token The last word of the request line.
 * @returns `[major, minor]`, or null when CPython answers 400.
 *
 * @example
 * ```ts
 * import { parseVersionToken } from "./request_line.ts";
 * parseVersionToken("HTTP/01.1"); // [1, 1]
 * parseVersionToken("HTTP/1"); // null
 * ```
 */
export function parseVersionToken(token: string): [number, number] | null {
  if (!token.startsWith("HTTP/")) return null;
  // Python's str.isdigit() also accepts other digit characters, but int() of the non-decimal
  // ones fails, so ASCII digits are the ones that pass both.
  const dot = token.indexOf(".", 5);
  if (dot < 0 || token.indexOf(".", dot + 1) >= 0) return null;
  const major = digitsValue(token, 5, dot);
  const minor = digitsValue(token, dot + 1, token.length);
  return major < 0 || minor < 0 ? null : [major, minor];
}

/** The value of `text[start:end]` as ASCII digits, or -1 when empty, too long or not digits. */
function digitsValue(text: string, start: number, end: number): number {
  if (end <= start || end - start > MAX_VERSION_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i) - 0x30;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

const HTTP_1_1: [number, number] = [1, 1];
const HTTP_1_0: [number, number] = [1, 0];

/**
 * The words of the usual request line, `METHOD SP target SP version` in printable ASCII with
 * single spaces, found with three `indexOf` calls; null for any other shape, which
 * `splitWhitespace` (Python's `str.split()`) then handles. Both give the same words whenever
 * this one answers.
 */
function splitPlainRequestLine(raw: string, length: number): string[] | null {
  // `raw` is the line as read, line end included, and `length` the length without it: the
  // scan reads the flat decoded string rather than the stripped copy, which V8 may keep as a
  // slice of it (where every `charCodeAt` first resolves the slice).
  const first = raw.indexOf(" ");
  if (first <= 0 || first >= length) return null;
  const second = raw.indexOf(" ", first + 1);
  if (second <= first + 1 || second >= length - 1) return null;
  const third = raw.indexOf(" ", second + 1);
  if (third >= 0 && third < length) return null;
  for (let i = 0; i < length; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0x7e || (code < 0x21 && code !== 0x20)) return null;
  }
  let version: string | undefined;
  if (length - second - 1 === 8) {
    if (raw.startsWith(HTTP_1_1_TOKEN, second + 1)) version = HTTP_1_1_TOKEN;
    else if (raw.startsWith(HTTP_1_0_TOKEN, second + 1)) version = HTTP_1_0_TOKEN;
  }
  return [
    commonMethod(raw, first) ?? raw.slice(0, first),
    raw.slice(first + 1, second),
    version ?? raw.slice(second + 1, length),
  ];
}

/**
 * Methods and versions returned as these very strings (not fresh copies of the line's
 * characters), so that later comparisons and the `do_<METHOD>` lookup find them by identity.
 */
const COMMON_METHODS: readonly string[] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"];
const HTTP_1_1_TOKEN = "HTTP/1.1";
const HTTP_1_0_TOKEN = "HTTP/1.0";

/** The common method the line starts with, if it is one and is `length` long. */
function commonMethod(raw: string, length: number): string | undefined {
  for (let i = 0; i < COMMON_METHODS.length; i++) {
    const method = COMMON_METHODS[i];
    if (method.length === length && raw.startsWith(method)) return method;
  }
  return undefined;
}

/**
 * Parses a request line (latin-1 decoded) as CPython 3.13 does.
 *
 * @param raw The line as read, line end included or not.
 * @param protocolVersion The handler's `protocol_version` (decides keep-alive).
 * @returns The parse, or null for a line with no words (CPython closes silently).
 *
 * @example A bad version token
 * ```ts
 * import { parseRequestLine } from "./request_line.ts";
 * parseRequestLine("GET / FUBAR", "HTTP/1.0")?.error?.reason; // "Bad request version ('FUBAR')"
 * ```
 */
export function parseRequestLine(raw: string, protocolVersion: string): RequestLine | null {
  const requestline = stripLineEnds(raw);
  const words = splitPlainRequestLine(raw, requestline.length) ?? splitWhitespace(requestline);
  if (words.length === 0) return null;
  // Every field present from the start: one object shape for every parse.
  const result: RequestLine = {
    requestline,
    command: undefined,
    path: undefined,
    requestVersion: undefined,
    keepAlive: false,
    simple: false,
    error: undefined,
  };
  if (words.length >= 3) {
    const version = words[words.length - 1];
    const number = version === "HTTP/1.1"
      ? HTTP_1_1
      : version === "HTTP/1.0"
      ? HTTP_1_0
      : parseVersionToken(version);
    if (number === null) {
      result.error = new BadRequestLineError(`Bad request version (${pyRepr(version)})`);
      return result;
    }
    const [major, minor] = number;
    if ((major > 1 || (major === 1 && minor >= 1)) && protocolVersion >= "HTTP/1.1") {
      result.keepAlive = true;
    }
    if (major >= 2) {
      result.error = new UnsupportedVersionError(version.slice(5));
      return result;
    }
    result.requestVersion = version;
  }
  if (words.length > 3) {
    result.error = new BadRequestLineError(`Bad request syntax (${pyRepr(requestline)})`);
    return result;
  }
  const [command, path] = words;
  if (words.length === 1) {
    result.error = new BadRequestLineError(`Bad request syntax (${pyRepr(requestline)})`);
    return result;
  }
  if (words.length === 2) {
    result.simple = true;
    result.keepAlive = false;
    if (command !== "GET") {
      result.error = new BadRequestLineError(`Bad HTTP/0.9 request type (${pyRepr(command)})`);
      return result;
    }
  }
  result.command = command;
  result.path = path.startsWith("//") ? "/" + path.replace(/^\/+/, "") : path;
  return result;
}
