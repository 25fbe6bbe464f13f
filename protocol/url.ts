/**
 * The parts of Python's `urllib.parse` and `posixpath` that CPython 3.13.0's
 * `http.server` uses, ported exactly: percent decoding and encoding (`unquote`/`quote`),
 * `posixpath.normpath`, and the `urlsplit`/`urlunsplit` pair behind the directory redirect.
 *
 * Strings are JavaScript strings. Python code points map to UTF-16 code units as usual, with one
 * unavoidable merge: a decoded lone high surrogate followed by a decoded lone low surrogate (two
 * code points in Python, from `%ED%A0%80%ED%B0%80`) reads as one astral character here.
 *
 * @example Decode a request path
 * ```ts
 * import { unquote } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(unquote("/a%20b/c.txt"), "/a b/c.txt");
 * ```
 *
 * @module
 */

/** Upper-case hexadecimal digits, as `quote` writes them. */
const HEX_UPPER = "0123456789ABCDEF";

/** Code points below this are ASCII. */
const ASCII_LIMIT = 0x80;

/** First and last UTF-16 surrogate code units. */
const SURROGATE_MIN = 0xd800;
const SURROGATE_MAX = 0xdfff;
const LOW_SURROGATE_MIN = 0xdc00;

/** Characters `urlsplit` strips from the start (WHATWG C0 control or space, U+0000-U+0020). */
const C0_CONTROL_OR_SPACE_MAX = 0x20;

/** Characters `urlsplit` deletes everywhere (`_UNSAFE_URL_BYTES_TO_REMOVE`). */
const UNSAFE_URL_CHARS_REGEXP = /[\t\r\n]/g;

/** Characters allowed in a scheme (`urllib.parse.scheme_chars`). */
const SCHEME_CHARS_REGEXP = /^[A-Za-z0-9+\-.]*$/;

/** A valid IPvFuture literal, `\Av[a-fA-F0-9]+\..+\Z` in Python (`.` excludes `\n`). */
const IPV_FUTURE_REGEXP = /^v[0-9A-Fa-f]+\.[^\n]+$/;

/** Schemes whose URLs get `//` back when rebuilt (`urllib.parse.uses_netloc`). */
const USES_NETLOC: ReadonlySet<string> = new Set([
  "",
  "ftp",
  "http",
  "gopher",
  "nntp",
  "telnet",
  "imap",
  "wais",
  "file",
  "mms",
  "https",
  "shttp",
  "snews",
  "prospero",
  "rtsp",
  "rtsps",
  "rtspu",
  "rsync",
  "svn",
  "svn+ssh",
  "sftp",
  "nfs",
  "git",
  "git+ssh",
  "ws",
  "wss",
  "itms-services",
]);

/** Number of 16-bit groups in an IPv6 address. */
const IPV6_HEXTET_COUNT = 8;
/** Longest hextet, in hex digits. */
const IPV6_HEXTET_MAX_DIGITS = 4;
/** Longest IPv4 octet, in decimal digits, and its largest value. */
const IPV4_OCTET_MAX_DIGITS = 3;
const IPV4_OCTET_MAX = 255;
const IPV4_OCTET_COUNT = 4;

/** The value of an ASCII hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Bytes `quote` leaves alone: `_ALWAYS_SAFE` (letters, digits, `_.-~`) plus the safe `/`. */
function isQuoteSafe(byte: number): boolean {
  return (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2e || byte === 0x2d ||
    byte === 0x7e || byte === 0x2f;
}

/** `str.encode("utf-8", "surrogatepass")`: lone surrogates become 3-byte sequences. */
function encodeUtf8SurrogatePass(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= SURROGATE_MIN && code < LOW_SURROGATE_MIN && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= LOW_SURROGATE_MIN && next <= SURROGATE_MAX) {
        code = 0x10000 + ((code - SURROGATE_MIN) << 10) + (next - LOW_SURROGATE_MIN);
        i++;
      }
    }
    if (code < 0x80) {
      bytes.push(code);
    } else if (code < 0x800) {
      bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    } else {
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
    }
  }
  return bytes;
}

/**
 * `bytes.decode("utf-8", "surrogatepass")`: strict UTF-8, except that an encoded surrogate
 * (`ED A0..BF 80..BF`) decodes to a lone surrogate code unit. `null` where Python raises.
 */
function decodeUtf8SurrogatePass(bytes: Uint8Array): string | null {
  const units: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      units.push(lead);
      i++;
      continue;
    }
    let length = 0;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    }
    let valid = length > 0 && i + length <= bytes.length;
    if (valid) {
      valid = bytes[i + 1] >= low && bytes[i + 1] <= high;
      for (let k = 2; valid && k < length; k++) valid = (bytes[i + k] & 0xc0) === 0x80;
    }
    if (valid) {
      let code = lead & (0xff >> (length + 1));
      for (let k = 1; k < length; k++) code = (code << 6) | (bytes[i + k] & 0x3f);
      if (code >= 0x10000) {
        code -= 0x10000;
        units.push(SURROGATE_MIN + (code >> 10), LOW_SURROGATE_MIN + (code & 0x3ff));
      } else {
        units.push(code);
      }
      i += length;
      continue;
    }
    // The surrogatepass error handler: only an encoded surrogate at the error position helps.
    if (
      i + 3 <= bytes.length && (lead & 0xf0) === 0xe0 && (bytes[i + 1] & 0xc0) === 0x80 &&
      (bytes[i + 2] & 0xc0) === 0x80
    ) {
      const code = ((lead & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      if (code >= SURROGATE_MIN && code <= SURROGATE_MAX) {
        units.push(code);
        i += 3;
        continue;
      }
    }
    return null;
  }
  return codeUnitsToString(units);
}

/** Code units per `String.fromCharCode(...)` call, well below engine argument limits. */
const FROM_CHAR_CODE_CHUNK = 8192;

/** Builds a string from UTF-16 code units (lone surrogates kept). */
function codeUnitsToString(units: number[]): string {
  let out = "";
  for (let i = 0; i < units.length; i += FROM_CHAR_CODE_CHUNK) {
    out += String.fromCharCode(...units.slice(i, i + FROM_CHAR_CODE_CHUNK));
  }
  return out;
}

/** `bytes.decode("utf-8", "replace")`; the WHATWG decoder replaces the same maximal subparts. */
const REPLACE_DECODER = new TextDecoder("utf-8", { ignoreBOM: true });

/** `_unquote_impl` on a run of ASCII characters, then decoding. `null` if decoding fails. */
function unquoteAsciiRun(run: string, surrogatePass: boolean): string | null {
  if (!run.includes("%")) return run;
  const bytes = new Uint8Array(run.length);
  let length = 0;
  let nonAscii = false;
  for (let i = 0; i < run.length; i++) {
    const code = run.charCodeAt(i);
    if (code === 0x25 && i + 2 < run.length) {
      const hi = hexValue(run.charCodeAt(i + 1));
      const lo = hexValue(run.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const byte = (hi << 4) | lo;
        bytes[length++] = byte;
        if (byte >= ASCII_LIMIT) nonAscii = true;
        i += 2;
        continue;
      }
    }
    bytes[length++] = code;
  }
  const decoded = bytes.subarray(0, length);
  // Pure ASCII decodes the same under every error handler.
  if (!nonAscii || !surrogatePass) return REPLACE_DECODER.decode(decoded);
  return decodeUtf8SurrogatePass(decoded);
}

/**
 * `urllib.parse.unquote(text, errors=...)`: ASCII runs are percent-decoded to bytes and decoded
 * as UTF-8 one run at a time; non-ASCII characters pass through. `null` where Python raises.
 */
function unquoteWith(text: string, surrogatePass: boolean): string | null {
  if (!text.includes("%")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (j < text.length && text.charCodeAt(j) >= ASCII_LIMIT) j++;
    out += text.slice(i, j);
    i = j;
    while (j < text.length && text.charCodeAt(j) < ASCII_LIMIT) j++;
    if (j > i) {
      const decoded = unquoteAsciiRun(text.slice(i, j), surrogatePass);
      if (decoded === null) return null;
      out += decoded;
      i = j;
    }
  }
  return out;
}

/**
 * Percent-decodes a URL path the way `SimpleHTTPRequestHandler` does:
 * `urllib.parse.unquote(text, errors="surrogatepass")`, and when that raises (invalid UTF-8),
 * `urllib.parse.unquote(text)`, which puts one U+FFFD per maximal invalid subpart. Encoded
 * surrogates (`%ED%A0%80`) become lone surrogate code units. Malformed escapes stay as they are.
 *
 * @param text The percent-encoded text.
 * @returns The decoded text.
 *
 * @example Decode
 * ```ts
 * import { unquote } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(unquote("/caf%C3%A9%20%zz"), "/caf\u00e9 %zz");
 * assertEquals(unquote("/%ff.dir/"), "/\ufffd.dir/");
 * assertEquals(unquote("/%ED%A0%80"), "/\ud800");
 * ```
 */
export function unquote(text: string): string {
  // The "replace" pass never fails; `?? text` only satisfies the type checker.
  return unquoteWith(text, true) ?? unquoteWith(text, false) ?? text;
}

/**
 * `urllib.parse.unquote(text)` with its defaults (UTF-8, `errors="replace"`): ASCII runs are
 * percent-decoded and decoded as UTF-8, invalid bytes becoming U+FFFD; other characters pass
 * through; malformed escapes stay as they are.
 *
 * @param text The percent-encoded text.
 * @returns The decoded text.
 *
 * @example Decode
 * ```ts
 * import { unquoteReplace } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(unquoteReplace("/a%20b%2fc%zz"), "/a b/c%zz");
 * assertEquals(unquoteReplace("%ED%A0%80"), "\ufffd\ufffd\ufffd");
 * ```
 */
export function unquoteReplace(text: string): string {
  // The "replace" pass never fails; `?? text` only satisfies the type checker.
  return unquoteWith(text, false) ?? text;
}

/**
 * `urllib.parse.quote(text, errors="surrogatepass")` with the default safe `/`: UTF-8 bytes
 * other than ASCII letters, digits, `_.-~` and `/` become `%XX` (upper-case hex). Lone
 * surrogates are encoded as their 3-byte form.
 *
 * @param text The text to encode.
 * @returns The percent-encoded text.
 *
 * @example Encode a file name
 * ```ts
 * import { quote } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(quote("b&<i> \u00e9.txt"), "b%26%3Ci%3E%20%C3%A9.txt");
 * assertEquals(quote("dir/~x_y-z"), "dir/~x_y-z");
 * ```
 */
export function quote(text: string): string {
  let out = "";
  for (const byte of encodeUtf8SurrogatePass(text)) {
    out += isQuoteSafe(byte)
      ? String.fromCharCode(byte)
      : "%" + HEX_UPPER[byte >> 4] + HEX_UPPER[byte & 0x0f];
  }
  return out;
}

/**
 * `posixpath.normpath`: collapses repeated `/`, drops `.` segments and resolves `..`
 * lexically (never above an absolute root). Exactly two leading slashes are kept (POSIX leaves
 * their meaning to the implementation); one or three or more become one. `""` becomes `"."`.
 *
 * @param path A POSIX path.
 * @returns The normalised path.
 *
 * @example Normalise
 * ```ts
 * import { posixNormpath } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(posixNormpath("/a/./b/../../../c/"), "/c");
 * assertEquals(posixNormpath("//a"), "//a");
 * assertEquals(posixNormpath("///a"), "/a");
 * assertEquals(posixNormpath("../x/.."), "..");
 * assertEquals(posixNormpath(""), ".");
 * ```
 */
export function posixNormpath(path: string): string {
  if (path === "") return ".";
  let root = "";
  if (path[0] === "/") root = path[1] === "/" && path[2] !== "/" ? "//" : "/";
  const kept: string[] = [];
  for (const segment of path.slice(root.length).split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== ".." || (root === "" && kept.length === 0) || kept.at(-1) === "..") {
      kept.push(segment);
    } else if (kept.length > 0) {
      kept.pop();
    }
  }
  return root + kept.join("/") || ".";
}

/** The five parts of a URL as `urllib.parse.urlsplit` returns them. */
export interface SplitUrl {
  /** Lower-cased scheme, or `""`. */
  scheme: string;
  /** Authority after `//`, or `""`. */
  netloc: string;
  /** The path, still percent-encoded. */
  path: string;
  /** After the first `?` (without it), or `""`. */
  query: string;
  /** After the first `#` (without it), or `""`. */
  fragment: string;
}

/** `ipaddress.IPv4Address(text)` succeeds. */
function isIPv4Address(text: string): boolean {
  if (text.includes("/")) return false;
  const octets = text.split(".");
  if (octets.length !== IPV4_OCTET_COUNT) return false;
  return octets.every((octet) =>
    /^[0-9]+$/.test(octet) && octet.length <= IPV4_OCTET_MAX_DIGITS &&
    (octet === "0" || octet[0] !== "0") && Number(octet) <= IPV4_OCTET_MAX
  );
}

/** `ipaddress._BaseV6._parse_hextet` succeeds. */
function isHextet(text: string): boolean {
  return /^[0-9A-Fa-f]+$/.test(text) && text.length <= IPV6_HEXTET_MAX_DIGITS;
}

/** `ipaddress.IPv6Address(text)` succeeds (CPython 3.13.0 rules, scope id included). */
function isIPv6Address(text: string): boolean {
  if (text.includes("/")) return false;
  const percent = text.indexOf("%");
  let address = text;
  if (percent >= 0) {
    const scope = text.slice(percent + 1);
    if (scope === "" || scope.includes("%")) return false;
    address = text.slice(0, percent);
  }
  if (address === "") return false;
  const parts = address.split(":");
  if (parts.length < 3) return false;
  if (parts[parts.length - 1].includes(".")) {
    if (!isIPv4Address(parts.pop() ?? "")) return false;
    parts.push("0", "0"); // Two valid hextets stand in for the IPv4 suffix.
  }
  if (parts.length > IPV6_HEXTET_COUNT + 1) return false;
  let skipIndex = -1;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] !== "") continue;
    if (skipIndex >= 0) return false;
    skipIndex = i;
  }
  let partsHi: number;
  let partsLo: number;
  if (skipIndex >= 0) {
    partsHi = skipIndex;
    partsLo = parts.length - skipIndex - 1;
    if (parts[0] === "" && --partsHi > 0) return false;
    if (parts[parts.length - 1] === "" && --partsLo > 0) return false;
    if (IPV6_HEXTET_COUNT - (partsHi + partsLo) < 1) return false;
  } else {
    if (parts.length !== IPV6_HEXTET_COUNT) return false;
    if (parts[0] === "" || parts[parts.length - 1] === "") return false;
    partsHi = parts.length;
    partsLo = 0;
  }
  return parts.slice(0, partsHi).every(isHextet) &&
    parts.slice(parts.length - partsLo).every(isHextet);
}

/** `urllib.parse._check_bracketed_host`. */
/** `text.split(separator, 1)[0]`. */
function beforeFirst(text: string, separator: string): string {
  const index = text.indexOf(separator);
  return index < 0 ? text : text.slice(0, index);
}

function checkBracketedHost(host: string): void {
  if (host.startsWith("v")) {
    if (!IPV_FUTURE_REGEXP.test(host)) throw new SyntaxError("IPvFuture address is invalid");
  } else if (isIPv4Address(host)) {
    throw new SyntaxError("An IPv4 address cannot be in brackets");
  } else if (!isIPv6Address(host)) {
    throw new SyntaxError(`'${host}' does not appear to be an IPv4 or IPv6 address`);
  }
}

/** Python's `str.isascii()`. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= ASCII_LIMIT) return false;
  return true;
}

/** `urllib.parse._checknetloc`: reject hosts that NFKC-normalise into URL delimiters. */
function checkNetloc(netloc: string): void {
  if (isAscii(netloc)) return;
  const stripped = netloc.replace(/[@:#?]/g, "");
  const normalized = stripped.normalize("NFKC");
  if (stripped === normalized) return;
  if (/[/?#@:]/.test(normalized)) {
    throw new SyntaxError(
      `netloc '${netloc}' contains invalid characters under NFKC normalization`,
    );
  }
}

/**
 * `urllib.parse.urlsplit(url)` of CPython 3.13.0: strips leading C0 controls and spaces,
 * deletes tab/CR/LF, takes a scheme when the text before the first `:` starts with an ASCII
 * letter and has only scheme characters (so `a:b` has scheme `a`), a netloc after `//`, then
 * the fragment and the query.
 *
 * @param url The URL or request target.
 * @returns Its parts.
 * @throws {SyntaxError} Where Python raises `ValueError`: unbalanced `[`/`]` in the netloc, a
 * bracketed host that is not IPv6 or IPvFuture, a netloc that NFKC-normalises into delimiters.
 *
 * @example Split an absolute-form target
 * ```ts
 * import { urlsplit } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(urlsplit("HTTPS://pypi.org/x?q#f"), {
 *   scheme: "https",
 *   netloc: "pypi.org",
 *   path: "/x",
 *   query: "q",
 *   fragment: "f",
 * });
 * assertEquals(urlsplit("a:b").scheme, "a");
 * ```
 */
export function urlsplit(url: string): SplitUrl {
  let start = 0;
  while (start < url.length && url.charCodeAt(start) <= C0_CONTROL_OR_SPACE_MAX) start++;
  let rest = url.slice(start).replace(UNSAFE_URL_CHARS_REGEXP, "");
  let scheme = "";
  let netloc = "";
  let query = "";
  let fragment = "";
  const colon = rest.indexOf(":");
  if (colon > 0 && /^[A-Za-z]/.test(rest) && SCHEME_CHARS_REGEXP.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  if (rest.startsWith("//")) {
    let end = rest.length;
    for (const delimiter of ["/", "?", "#"]) {
      const index = rest.indexOf(delimiter, 2);
      if (index >= 0) end = Math.min(end, index);
    }
    netloc = rest.slice(2, end);
    rest = rest.slice(end);
    const open = netloc.includes("[");
    const close = netloc.includes("]");
    if (open !== close) throw new SyntaxError("Invalid IPv6 URL");
    if (open && close) checkBracketedHost(beforeFirst(netloc.slice(netloc.indexOf("[") + 1), "]"));
  }
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf("?");
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  checkNetloc(netloc);
  return { scheme, netloc, path: rest, query, fragment };
}

/**
 * `urllib.parse.urlunsplit(parts)` of CPython 3.13.0: the inverse of {@linkcode urlsplit} up to
 * empty `?`/`#` delimiters, which are dropped.
 *
 * @param parts The five parts.
 * @returns The URL.
 *
 * @example Rebuild
 * ```ts
 * import { urlunsplit } from "./url.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(
 *   urlunsplit({ scheme: "https", netloc: "pypi.org", path: "x/", query: "", fragment: "f" }),
 *   "https://pypi.org/x/#f",
 * );
 * ```
 */
export function urlunsplit(parts: SplitUrl): string {
  const { scheme, netloc, query, fragment } = parts;
  let url = parts.path;
  if (netloc !== "") {
    if (url !== "" && url[0] !== "/") url = "/" + url;
    url = "//" + netloc + url;
  } else if (url.startsWith("//")) {
    url = "//" + url;
  } else if (scheme !== "" && USES_NETLOC.has(scheme) && (url === "" || url[0] === "/")) {
    url = "//" + url;
  }
  if (scheme !== "") url = scheme + ":" + url;
  if (query !== "") url += "?" + query;
  if (fragment !== "") url += "#" + fragment;
  return url;
}
