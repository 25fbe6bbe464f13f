/**
 * Path translation of CPython 3.13.0's `SimpleHTTPRequestHandler`: `translate_path`, the
 * directory redirect target and the listing title, built on the `urllib.parse` port in
 * `protocol/url.ts`.
 *
 * @example Map a request path to a file
 * ```ts
 * import { translatePath } from "./url_path.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(translatePath("/a%20b/../c.txt?x=1", "/srv"), "/srv/c.txt");
 * ```
 *
 * @module
 */
import { htmlEscapeNoQuote } from "../../protocol/html.ts";
import { isPythonWhitespace } from "../../protocol/python_text.ts";
import { posixNormpath, unquote, urlsplit, urlunsplit } from "../../protocol/url.ts";

/** Python's `str.rstrip()` with no argument (Unicode whitespace). */
function rstripWhitespace(text: string): string {
  let end = text.length;
  while (end > 0 && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

/** `text.split(separator, 1)[0]`. */
function beforeFirst(text: string, separator: string): string {
  const index = text.indexOf(separator);
  return index < 0 ? text : text.slice(0, index);
}

/**
 * `SimpleHTTPRequestHandler.translate_path(path)` of CPython 3.13.0 on POSIX: drops the query
 * and fragment, notes a trailing `/` (after stripping trailing whitespace, before decoding),
 * decodes with {@linkcode unquote}, normalises with {@linkcode posixNormpath}, then appends each
 * non-empty segment other than `.` and `..` to `directory` (`os.path.join`), and finally puts
 * the trailing `/` back. Symlinks are not looked at.
 *
 * @param path The request target as received (`self.path`).
 * @param directory The served directory (`self.directory`).
 * @returns The file-system path.
 *
 * @example Traversal attempts stay inside the directory
 * ```ts
 * import { translatePath } from "./url_path.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(translatePath("/../../etc/passwd", "/srv"), "/srv/etc/passwd");
 * assertEquals(translatePath("/sub/..%2f..%2fa.txt", "/srv"), "/srv/a.txt");
 * assertEquals(translatePath("/sub/?q#f", "/srv"), "/srv/sub/");
 * assertEquals(translatePath("/sub%2f", "/srv"), "/srv/sub");
 * ```
 */
export function translatePath(path: string, directory: string): string {
  const withoutQuery = beforeFirst(beforeFirst(path, "?"), "#");
  const trailingSlash = rstripWhitespace(withoutQuery).endsWith("/");
  const words = posixNormpath(unquote(withoutQuery)).split("/");
  let result = directory;
  for (const word of words) {
    // `os.path.dirname(word)` is always empty here: words never contain "/".
    if (word === "" || word === "." || word === "..") continue;
    result = result === "" || result.endsWith("/") ? result + word : result + "/" + word;
  }
  return trailingSlash ? result + "/" : result;
}

/**
 * The `Location` of `send_head`'s `301` for a directory requested without a trailing slash:
 * `urlunsplit` of the target's parts with `/` appended to the path. `null` when the (still
 * encoded) path already ends with `/`, i.e. no redirect. CPython 3.13.0 does not treat `%2f` as
 * a slash here. Pass the target as `parse_request` left it: that already reduced a leading `//`
 * to `/` (otherwise `//sub` would read as a netloc and redirect to `//sub/`).
 *
 * @param requestPath The request target as received (`self.path`).
 * @returns The redirect target, or `null`.
 * @throws {SyntaxError} Where `urlsplit` raises `ValueError` (CPython then drops the connection).
 *
 * @example Query and fragment are kept
 * ```ts
 * import { directoryRedirectLocation } from "./url_path.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(directoryRedirectLocation("/sub?x=1#frag"), "/sub/?x=1#frag");
 * assertEquals(directoryRedirectLocation("https://pypi.org/sub"), "https://pypi.org/sub/");
 * assertEquals(directoryRedirectLocation("/sub/"), null);
 * ```
 */
export function directoryRedirectLocation(requestPath: string): string | null {
  const parts = urlsplit(requestPath);
  if (parts.path.endsWith("/")) return null;
  return urlunsplit({ ...parts, path: parts.path + "/" });
}

/**
 * The directory listing's title text in CPython 3.13.0: the whole request target (query and
 * fragment included) decoded with {@linkcode unquote} and escaped with
 * {@linkcode htmlEscapeNoQuote}.
 *
 * @param requestPath The request target as received (`self.path`).
 * @returns The escaped title path.
 *
 * @example Title text
 * ```ts
 * import { displayPath } from "./url_path.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(displayPath("/a%20%26%3Cb/?x=1"), "/a &amp;&lt;b/?x=1");
 * ```
 */
export function displayPath(requestPath: string): string {
  return htmlEscapeNoQuote(unquote(requestPath));
}
