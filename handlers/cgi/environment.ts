/**
 * The pure half of `CGIHTTPRequestHandler`: no I/O, only request facts in and strings out.
 * CPython 3.13's `_url_collapse_path`, the `is_cgi` prefix scan, the split of the part after
 * the CGI directory into script, extra path and query, the `Authorization` → `AUTH_TYPE` and
 * `REMOTE_USER` variables (through `protocol/basic_auth.ts`), the CGI environment record, the script's
 * argument list, and `subprocess.list2cmdline` for the log.
 *
 * @example Collapse a path and build the environment of a request
 * ```ts
 * import { buildCgiEnv, findCgiDirectory, urlCollapsePath } from "./environment.ts";
 * import { HTTPMessage } from "../../headers.ts";
 * import { assertEquals } from "../../deps.ts";
 *
 * const collapsed = urlCollapsePath("/cgi-bin/../cgi-bin/env.sh/x?a=1");
 * assertEquals(collapsed, "/cgi-bin/env.sh/x?a=1");
 * assertEquals(findCgiDirectory(collapsed, ["/cgi-bin"]), ["/cgi-bin", "env.sh/x?a=1"]);
 *
 * const env = buildCgiEnv({ PATH: "/usr/bin" }, {
 *   serverSoftware: "SimpleHTTP/0.6 Deno/2",
 *   serverName: "localhost",
 *   serverProtocol: "HTTP/1.0",
 *   serverPort: 8000,
 *   method: "GET",
 *   pathInfo: "/x",
 *   pathTranslated: "/srv/x",
 *   scriptName: "/cgi-bin/env.sh",
 *   query: "a=1",
 *   remoteAddr: "127.0.0.1",
 *   headers: new HTTPMessage([["Cookie", "a=1"], ["Cookie", "b=2"]]),
 * });
 * assertEquals(env.HTTP_COOKIE, "a=1, b=2");
 * assertEquals(env.CONTENT_TYPE, "text/plain");
 * assertEquals(env.PATH, "/usr/bin");
 * ```
 *
 * @module
 */
import { CgiEnvironmentError, UrlCollapseError } from "../../errors.ts";
import { decodeBasicCredentials, splitAuthorization } from "../../protocol/basic_auth.ts";
import { unquoteReplace } from "../../protocol/url.ts";

export { CgiEnvironmentError, UrlCollapseError } from "../../errors.ts";

/**
 * `urllib.parse.unquote(text)` with its defaults (UTF-8, `errors="replace"`): runs of ASCII
 * characters are percent-decoded and decoded as UTF-8, invalid bytes becoming U+FFFD;
 * other characters pass through; malformed escapes stay as they are. This is the decoding
 * `_url_collapse_path` and `PATH_INFO` use (the file path mapping uses `surrogatepass`).
 *
 * @param text The percent-encoded text.
 * @returns The decoded text.
 *
 * @example
 * ```ts
 * import { urlUnquote } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(urlUnquote("/a%20b%2fc%zz"), "/a b/c%zz");
 * assertEquals(urlUnquote("%ED%A0%80"), "\ufffd\ufffd\ufffd");
 * ```
 */
export function urlUnquote(text: string): string {
  return unquoteReplace(text);
}

/** Python's `text.partition(separator)`. */
function partition(text: string, separator: string): [string, string, string] {
  const index = text.indexOf(separator);
  if (index < 0) return [text, "", ""];
  return [text.slice(0, index), separator, text.slice(index + separator.length)];
}

/**
 * CPython's `http.server._url_collapse_path(path)`: the query (from the first `?`) is set
 * aside, the rest percent-decoded ({@linkcode urlUnquote}), empty and `.` segments dropped and
 * `..` segments resolved; the result is `"/" + head + "/" + tail`, the query re-attached to
 * the tail. It always starts with `/`.
 *
 * @param path The request path (`self.path`).
 * @returns The collapsed path.
 * @throws {UrlCollapseError} A `..` would climb above the root (CPython's `IndexError`).
 *
 * @example CPython's test vectors
 * ```ts
 * import { urlCollapsePath } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(urlCollapsePath(""), "//");
 * assertEquals(urlCollapsePath("/a/b/c/../d/e/../../../../f"), "//f");
 * assertEquals(urlCollapsePath("/a/b/"), "/a/b/");
 * assertEquals(urlCollapsePath("./C:/"), "/C:/");
 * ```
 */
export function urlCollapsePath(path: string): string {
  const [rawPath, , query] = partition(path, "?");
  const pathParts = urlUnquote(rawPath).split("/");
  const headParts: string[] = [];
  for (const part of pathParts.slice(0, -1)) {
    if (part === "..") {
      if (headParts.length === 0) throw new UrlCollapseError(path);
      headParts.pop();
    } else if (part !== "" && part !== ".") {
      headParts.push(part);
    }
  }
  // `str.split` never returns an empty list, so there is always a tail.
  let tailPart = pathParts[pathParts.length - 1];
  if (tailPart === "..") {
    if (headParts.length === 0) throw new UrlCollapseError(path);
    headParts.pop();
    tailPart = "";
  } else if (tailPart === ".") {
    tailPart = "";
  }
  if (query !== "") tailPart = `${tailPart}?${query}`;
  return `/${headParts.join("/")}/${tailPart}`;
}

/**
 * `is_cgi()`'s scan: the shortest prefix of `collapsedPath` that ends at a `/` (after the
 * first character) and is listed in `cgiDirectories` wins.
 *
 * @param collapsedPath A result of {@linkcode urlCollapsePath}.
 * @param cgiDirectories The CGI directories (`/cgi-bin`, ...), compared exactly.
 * @returns `[directory, rest]` (Python's `cgi_info`; `rest` keeps the query), or null.
 *
 * @example
 * ```ts
 * import { findCgiDirectory } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(findCgiDirectory("/cgi-bin/a/b.py?x", ["/cgi-bin"]), ["/cgi-bin", "a/b.py?x"]);
 * assertEquals(findCgiDirectory("/cgi-bin", ["/cgi-bin"]), null);
 * assertEquals(findCgiDirectory("/static/x.py", ["/cgi-bin"]), null);
 * ```
 */
export function findCgiDirectory(
  collapsedPath: string,
  cgiDirectories: readonly string[],
): [dir: string, rest: string] | null {
  let dirSep = collapsedPath.indexOf("/", 1);
  while (dirSep > 0 && !cgiDirectories.includes(collapsedPath.slice(0, dirSep))) {
    dirSep = collapsedPath.indexOf("/", dirSep + 1);
  }
  if (dirSep <= 0) return null;
  return [collapsedPath.slice(0, dirSep), collapsedPath.slice(dirSep + 1)];
}

/**
 * What {@linkcode splitScriptPath} finds in the part after the script's directory.
 */
export interface ScriptPathParts {
  /** The script's file name (first segment). */
  script: string;
  /** The extra path after the script, starting with `/`, still percent-encoded; or `""`. */
  extraPath: string;
  /** Everything after the first `?`, verbatim (it may hold more `?`); or `""`. */
  query: string;
}

/**
 * `run_cgi()`'s split of `rest` (the part after the script's directory): the query at the
 * first `?`, then the script name up to the first `/`, the remainder being the extra path.
 *
 * @param rest The part after the directory.
 * @returns The parts.
 *
 * @example
 * ```ts
 * import { splitScriptPath } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(splitScriptPath("env.sh/extra/x%20y?a=b?c=d"), {
 *   script: "env.sh",
 *   extraPath: "/extra/x%20y",
 *   query: "a=b?c=d",
 * });
 * ```
 */
export function splitScriptPath(rest: string): ScriptPathParts {
  const [beforeQuery, , query] = partition(rest, "?");
  const slash = beforeQuery.indexOf("/");
  if (slash < 0) return { script: beforeQuery, extraPath: "", query };
  return { script: beforeQuery.slice(0, slash), extraPath: beforeQuery.slice(slash), query };
}

/**
 * What CPython takes from an `Authorization` header for the CGI environment: `AUTH_TYPE` when
 * the value has exactly two whitespace-separated words, and for `Basic` the user of a
 * base64-encoded ASCII `user:password` that splits into exactly two parts at `:`
 * (`REMOTE_USER`); undecodable credentials are silently ignored.
 *
 * @param authorization The header's value.
 * @returns The variables found (none, `AUTH_TYPE`, or both).
 *
 * @example
 * ```ts
 * import { authorizationVariables } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(authorizationVariables("Basic dXNlcjpwYXNz"), {
 *   AUTH_TYPE: "Basic",
 *   REMOTE_USER: "user",
 * });
 * assertEquals(authorizationVariables("Bearer abc"), { AUTH_TYPE: "Bearer" });
 * assertEquals(authorizationVariables("Basic"), {});
 * ```
 */
export function authorizationVariables(
  authorization: string,
): { AUTH_TYPE?: string; REMOTE_USER?: string } {
  const parts = splitAuthorization(authorization);
  if (parts === null) return {};
  const found: { AUTH_TYPE?: string; REMOTE_USER?: string } = { AUTH_TYPE: parts.scheme };
  if (parts.scheme.toLowerCase() !== "basic") return found;
  const credentials = decodeBasicCredentials(parts.token);
  // CPython splits at every `:` and wants exactly two parts: a password with `:` names no user.
  if (credentials !== null && !credentials.password.includes(":")) {
    found.REMOTE_USER = credentials.user;
  }
  return found;
}

/**
 * The request headers as {@linkcode buildCgiEnv} reads them (an `HTTPMessage` fits).
 */
export interface CgiHeaderSource {
  /** The first value of a header, or undefined. */
  get(name: string): string | undefined;
  /** Every value of a header, or undefined when absent. */
  get_all(name: string): string[] | undefined;
  /** The media type of `Content-Type` (`text/plain` when absent). */
  get_content_type(): string;
}

/**
 * The facts of one request that make its CGI environment.
 */
export interface CgiRequestFacts {
  /** `SERVER_SOFTWARE`: the handler's `version_string()`. */
  serverSoftware: string;
  /** `SERVER_NAME`: the server's `server_name`. */
  serverName: string;
  /** `SERVER_PROTOCOL`: the handler's `protocol_version` (not the request's). */
  serverProtocol: string;
  /** `SERVER_PORT`. */
  serverPort: number;
  /** `REQUEST_METHOD`. */
  method: string;
  /** `PATH_INFO`: the extra path, already decoded with {@linkcode urlUnquote}. */
  pathInfo: string;
  /** `PATH_TRANSLATED`: `translate_path(pathInfo)`. */
  pathTranslated: string;
  /** `SCRIPT_NAME`: directory + `/` + script. */
  scriptName: string;
  /** `QUERY_STRING`, verbatim. */
  query: string;
  /** `REMOTE_ADDR`: the client's host. */
  remoteAddr: string;
  /** The request headers. */
  headers: CgiHeaderSource;
}

/** Variables that get an empty value when neither the request nor the base environment set them. */
const FORCED_EMPTY_DEFAULTS: readonly string[] = [
  "QUERY_STRING",
  "REMOTE_HOST",
  "CONTENT_LENGTH",
  "HTTP_USER_AGENT",
  "HTTP_COOKIE",
  "HTTP_REFERER",
];

/**
 * The environment of a CGI script, as CPython 3.13's `run_cgi` builds it: a copy of `base`
 * (the server's own environment) plus `SERVER_SOFTWARE`, `SERVER_NAME`, `GATEWAY_INTERFACE`,
 * `SERVER_PROTOCOL`, `SERVER_PORT`, `REQUEST_METHOD`, `PATH_INFO`, `PATH_TRANSLATED`,
 * `SCRIPT_NAME`, `QUERY_STRING`, `REMOTE_ADDR`, `AUTH_TYPE`/`REMOTE_USER` (from
 * `Authorization`), `CONTENT_TYPE` (`text/plain` when absent), `CONTENT_LENGTH`,
 * `HTTP_REFERER`, `HTTP_ACCEPT` (all `Accept` headers joined with `,`), `HTTP_USER_AGENT` and
 * `HTTP_COOKIE` (non-empty `Cookie` headers joined with `, `). `QUERY_STRING`, `REMOTE_HOST`,
 * `CONTENT_LENGTH`, `HTTP_USER_AGENT`, `HTTP_COOKIE` and `HTTP_REFERER` default to `""`
 * unless already set (by the request or by `base`). No other `HTTP_*` variable is made.
 *
 * @param base The environment to start from; it is not modified.
 * @param facts The request.
 * @returns A new record.
 *
 * @example Basic credentials give REMOTE_USER
 * ```ts
 * import { buildCgiEnv } from "./environment.ts";
 * import { HTTPMessage } from "../../headers.ts";
 * import { assertEquals } from "../../deps.ts";
 * const env = buildCgiEnv({}, {
 *   serverSoftware: "x", serverName: "localhost", serverProtocol: "HTTP/1.0", serverPort: 80,
 *   method: "POST", pathInfo: "", pathTranslated: "/srv", scriptName: "/cgi-bin/a.sh",
 *   query: "", remoteAddr: "127.0.0.1",
 *   headers: new HTTPMessage([["Authorization", "Basic dXNlcjpwYXNz"], ["Accept", "a"], ["Accept", "b"]]),
 * });
 * assertEquals([env.REMOTE_USER, env.HTTP_ACCEPT, env.REMOTE_HOST], ["user", "a,b", ""]);
 * ```
 */
export function buildCgiEnv(
  base: Readonly<Record<string, string>>,
  facts: CgiRequestFacts,
): Record<string, string> {
  const env: Record<string, string> = { ...base };
  const headers = facts.headers;
  env.SERVER_SOFTWARE = facts.serverSoftware;
  env.SERVER_NAME = facts.serverName;
  env.GATEWAY_INTERFACE = "CGI/1.1";
  env.SERVER_PROTOCOL = facts.serverProtocol;
  env.SERVER_PORT = String(facts.serverPort);
  env.REQUEST_METHOD = facts.method;
  env.PATH_INFO = facts.pathInfo;
  env.PATH_TRANSLATED = facts.pathTranslated;
  env.SCRIPT_NAME = facts.scriptName;
  env.QUERY_STRING = facts.query;
  env.REMOTE_ADDR = facts.remoteAddr;
  const authorization = headers.get("authorization");
  if (authorization) Object.assign(env, authorizationVariables(authorization));
  const contentType = headers.get("content-type");
  env.CONTENT_TYPE = contentType === undefined ? headers.get_content_type() : contentType;
  const length = headers.get("content-length");
  if (length) env.CONTENT_LENGTH = length;
  const referer = headers.get("referer");
  if (referer) env.HTTP_REFERER = referer;
  env.HTTP_ACCEPT = (headers.get_all("accept") ?? []).join(",");
  const userAgent = headers.get("user-agent");
  if (userAgent) env.HTTP_USER_AGENT = userAgent;
  const cookie = (headers.get_all("cookie") ?? []).filter((value) => value !== "").join(", ");
  if (cookie) env.HTTP_COOKIE = cookie;
  for (const name of FORCED_EMPTY_DEFAULTS) {
    if (!Object.hasOwn(env, name)) env[name] = "";
  }
  return env;
}

/**
 * Checks that every name and value of an environment can be given to a process.
 *
 * @param env The environment.
 * @throws {CgiEnvironmentError} A name or value holds a NUL character.
 *
 * @example
 * ```ts
 * import { checkCgiEnv } from "./environment.ts";
 * checkCgiEnv({ QUERY_STRING: "a=1" });
 * ```
 */
export function checkCgiEnv(env: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(env)) {
    if (name.includes("\0") || value.includes("\0")) throw new CgiEnvironmentError(name);
  }
}

/**
 * The arguments a CGI script gets after its own name. A query without `=` is an ISINDEX
 * query and is passed as one argument: with `+` turned into spaces on the fork path (Unix;
 * no percent-decoding, as in CPython 3.13.0), verbatim on the subprocess path. An empty
 * query counts as one without `=`, so the fork path passes one empty argument then.
 *
 * @param query The raw query.
 * @param forkPath True for the Unix (fork) behaviour, false for the subprocess one.
 * @returns Zero or one extra argument.
 *
 * @example
 * ```ts
 * import { cgiScriptArguments } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(cgiScriptArguments("kw+x%41", true), ["kw x%41"]);
 * assertEquals(cgiScriptArguments("a=1", true), []);
 * assertEquals(cgiScriptArguments("kw+x", false), ["kw+x"]);
 * ```
 */
export function cgiScriptArguments(query: string, forkPath: boolean): string[] {
  const argument = forkPath ? query.replaceAll("+", " ") : query;
  return argument.includes("=") ? [] : [argument];
}

/**
 * Python's `subprocess.list2cmdline`: a command line as the Windows C runtime parses it,
 * used by CPython to log the command of the subprocess path.
 *
 * @param args The arguments.
 * @returns The command line.
 *
 * @example
 * ```ts
 * import { list2cmdline } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(list2cmdline(["python", "-u", "a b.py", ""]), 'python -u "a b.py" ""');
 * assertEquals(list2cmdline(['a"b', "c\\"]), 'a\\"b c\\');
 * ```
 */
export function list2cmdline(args: readonly string[]): string {
  const result: string[] = [];
  for (const arg of args) {
    let out = "";
    let backslashes = "";
    const needQuote = arg.includes(" ") || arg.includes("\t") || arg === "";
    if (needQuote) out += '"';
    for (const ch of arg) {
      if (ch === "\\") {
        backslashes += ch;
      } else if (ch === '"') {
        out += "\\".repeat(backslashes.length * 2) + '\\"';
        backslashes = "";
      } else {
        out += backslashes + ch;
        backslashes = "";
      }
    }
    out += backslashes;
    if (needQuote) out += backslashes + '"';
    result.push(out);
  }
  return result.join(" ");
}

/**
 * Python's `"%#x" % value`: `0x1f`, `-0x9`, `0x0`.
 *
 * @param value An integer.
 * @returns Its alternate-form hexadecimal text.
 *
 * @example
 * ```ts
 * import { pythonHex } from "./environment.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(pythonHex(-9), "-0x9");
 * assertEquals(pythonHex(256), "0x100");
 * ```
 */
export function pythonHex(value: number): string {
  const magnitude = Math.abs(Math.trunc(value)).toString(16);
  return value < 0 ? `-0x${magnitude}` : `0x${magnitude}`;
}
