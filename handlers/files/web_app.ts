/**
 * Serving a web app from `SimpleHTTPRequestHandler`, all off by default: extra response
 * headers (CPython 3.15's `response_headers` / `-H`), CORS, `Cache-Control` on files, a
 * single-page-app fallback, custom error pages and precompressed siblings (`a.js.br`,
 * `a.js.zst`, `a.js.gz`). The decisions live here; the handler asks them at the few points
 * where its answer can change.
 *
 * @module
 */
import { HeaderFieldError } from "../../errors.ts";
import { isFieldValue, isToken, parseTokenList } from "../../protocol/header_syntax.ts";
import { acceptsHtml, chooseCoding, parseAcceptEncoding } from "../../protocol/accept_encoding.ts";

/**
 * Extra response headers as CPython 3.15 takes them: a mapping (`{"Name": "value"}`) or a
 * sequence of `(name, value)` pairs (what `-H` collects; a name may then repeat).
 */
export type ResponseHeaders =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string>>;

/**
 * The pairs of a {@linkcode ResponseHeaders} value, each checked: the name a token, the value
 * a sendable field value.
 *
 * @param headers A mapping or a sequence of pairs.
 * @returns The pairs, in order.
 * @throws {HeaderFieldError} A name or value is not a valid field.
 *
 * @example
 * ```ts
 * import { responseHeaderPairs } from "./web_app.ts";
 * responseHeaderPairs({ "Cross-Origin-Opener-Policy": "same-origin" });
 * // [["Cross-Origin-Opener-Policy", "same-origin"]]
 * ```
 */
export function responseHeaderPairs(headers: ResponseHeaders): [string, string][] {
  const pairs: [string, string][] = [];
  const entries: Iterable<readonly [string, string]> =
    Symbol.iterator in headers && typeof headers !== "string"
      ? headers as Iterable<readonly [string, string]>
      : Object.entries(headers as Readonly<Record<string, string>>);
  for (const entry of entries) {
    const [name, value] = entry;
    checkHeaderField(String(name), String(value));
    pairs.push([String(name), String(value)]);
  }
  return pairs;
}

/**
 * Checks one configured header field.
 *
 * @param name The name.
 * @param value The value.
 * @throws {HeaderFieldError} The name is not a token or the value cannot be sent as given.
 *
 * @example
 * ```ts
 * import { checkHeaderField } from "./web_app.ts";
 * checkHeaderField("Cache-Control", "no-store"); // no error
 * ```
 */
export function checkHeaderField(name: string, value: string): void {
  if (!isToken(name)) throw new HeaderFieldError(name, value, "name");
  if (!isFieldValue(value)) throw new HeaderFieldError(name, value, "value");
}

/** Seconds a browser may keep a preflight answer (Chromium caps it at 7200). */
export const CORS_MAX_AGE_SECONDS = 7200;

/**
 * The extra headers of a CORS preflight answer (204): the methods the handler serves, the
 * request headers the client asked for (echoed only when they parse as a token list) and how
 * long to keep the answer. `Access-Control-Allow-Origin: *` is added with every answer
 * elsewhere; credentials are never allowed, since `*` and credentials exclude each other.
 *
 * @param methods The methods the handler serves.
 * @param requestedHeaders `Access-Control-Request-Headers`, if sent.
 * @returns Header pairs in sending order.
 *
 * @example
 * ```ts
 * import { preflightHeaders } from "./web_app.ts";
 * preflightHeaders(["GET", "HEAD", "OPTIONS"], "content-type")[1];
 * // ["Access-Control-Allow-Headers", "content-type"]
 * ```
 */
export function preflightHeaders(
  methods: readonly string[],
  requestedHeaders: string | undefined,
): [string, string][] {
  const pairs: [string, string][] = [["Access-Control-Allow-Methods", methods.join(", ")]];
  const requested = requestedHeaders === undefined ? null : parseTokenList(requestedHeaders);
  if (requested !== null && requested.length > 0) {
    pairs.push(["Access-Control-Allow-Headers", requested.join(", ")]);
  }
  pairs.push(["Access-Control-Max-Age", String(CORS_MAX_AGE_SECONDS)]);
  return pairs;
}

/** `do_<METHOD>` names found on each handler class, by class. */
const methodsByClass = new WeakMap<object, readonly string[]>();

/**
 * The methods a handler object serves: every `do_<METHOD>` on its prototype chain, GET and
 * HEAD first.
 *
 * @param handler A handler instance.
 * @returns Method names.
 *
 * @example
 * ```ts
 * import { servedMethods } from "./web_app.ts";
 * class H {
 *   do_GET() {}
 *   do_HEAD() {}
 * }
 * servedMethods(new H()); // ["GET", "HEAD"]
 * ```
 */
export function servedMethods(handler: object): readonly string[] {
  const proto = Object.getPrototypeOf(handler) as object;
  let methods = methodsByClass.get(proto);
  if (methods === undefined) {
    const found = new Set<string>();
    for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p)) {
      for (const name of Object.getOwnPropertyNames(p)) {
        if (name.startsWith("do_") && isToken(name.slice(3))) found.add(name.slice(3));
      }
    }
    const order = ["GET", "HEAD"];
    methods = [
      ...order.filter((m) => found.has(m)),
      ...[...found].filter((m) => !order.includes(m)).sort(),
    ];
    methodsByClass.set(proto, methods);
  }
  return methods;
}

/**
 * Whether a request for a missing path gets the single-page app's entry page: a GET or HEAD
 * whose last path segment has no extension (`/users/42`, not `/app.js`), from a client that
 * asks for HTML.
 *
 * @param command The method.
 * @param urlPath The request path (query and fragment allowed).
 * @param accept The `Accept` header.
 * @returns True when the entry page answers.
 *
 * @example
 * ```ts
 * import { isSpaRoute } from "./web_app.ts";
 * isSpaRoute("GET", "/users/42?tab=1", "text/html"); // true
 * isSpaRoute("GET", "/app.js", "text/html"); // false
 * ```
 */
export function isSpaRoute(command: string, urlPath: string, accept: string | undefined): boolean {
  if (command !== "GET" && command !== "HEAD") return false;
  const cut = urlPath.search(/[?#]/);
  const path = cut < 0 ? urlPath : urlPath.slice(0, cut);
  const last = path.slice(path.lastIndexOf("/") + 1);
  return !last.includes(".") && acceptsHtml(accept);
}

/** Precompressed siblings tried, preferred first: coding and file suffix. */
export const PRECOMPRESSED: readonly (readonly [string, string])[] = [
  ["br", ".br"],
  ["zstd", ".zst"],
  ["gzip", ".gz"],
];

/** A precompressed sibling chosen for a file. */
export interface Precompressed {
  /** The content coding (`br`, `zstd`, `gzip`). */
  readonly coding: string;
  /** The sibling's path. */
  readonly path: string;
  /** The sibling's `stat`. */
  readonly info: Deno.FileInfo;
}

/**
 * The precompressed sibling of `path` to send: among the siblings that exist as files, the
 * one the client's `Accept-Encoding` weighs highest (ties go to br, then zstd, then gzip);
 * null for the file itself. The sibling is sent as it is on disk, never decoded or checked.
 *
 * @param path The file asked for.
 * @param acceptEncoding The `Accept-Encoding` header.
 * @param stat `stat` of a path, null when it is missing.
 * @returns The sibling, or null.
 *
 * @example
 * ```ts ignore
 * import { choosePrecompressed } from "./web_app.ts";
 * choosePrecompressed("/srv/app.js", "gzip, br", (p) => Deno.statSync(p));
 * ```
 */
export function choosePrecompressed(
  path: string,
  acceptEncoding: string | undefined,
  stat: (path: string) => Deno.FileInfo | null,
): Precompressed | null {
  if (acceptEncoding === undefined) return null;
  const accepted = parseAcceptEncoding(acceptEncoding);
  const found = new Map<string, Deno.FileInfo>();
  for (const [coding, suffix] of PRECOMPRESSED) {
    const info = stat(path + suffix);
    if (info?.isFile) found.set(coding, info);
  }
  if (found.size === 0) return null;
  const coding = chooseCoding(accepted, [...found.keys()]);
  if (coding === null) return null;
  const suffix = PRECOMPRESSED.find(([c]) => c === coding)![1];
  return { coding, path: path + suffix, info: found.get(coding)! };
}
