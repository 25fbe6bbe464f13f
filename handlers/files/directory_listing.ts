/**
 * The HTML page of CPython 3.13.0's `SimpleHTTPRequestHandler.list_directory`, byte for byte.
 *
 * Reading the directory is the caller's job; this module only orders the entries and renders
 * them. File names that are not valid UTF-8 on disk cannot match CPython: Deno hands them over
 * with U+FFFD in place of the bad bytes, where CPython keeps the bytes (`surrogateescape`) and
 * writes them back raw in the label and as `%ED%B2%xx`-style escapes in the link.
 *
 * @example Render a small listing
 * ```ts
 * import { renderDirectoryListing } from "./directory_listing.ts";
 * import { assertEquals } from "../../deps.ts";
 * const page = renderDirectoryListing("/", [
 *   { name: "sub", isDirectory: true, isSymlink: false },
 *   { name: "a.txt", isDirectory: false, isSymlink: false },
 * ]);
 * assertEquals(page.length, 255);
 * ```
 *
 * @module
 */

import { htmlEscapeNoQuote } from "../../protocol/html.ts";
import { quote } from "../../protocol/url.ts";

/** One directory entry, in `os.listdir` order. */
export interface DirectoryEntry {
  /** The file name. */
  name: string;
  /** `os.path.isdir(fullname)`: a directory, or a symlink that resolves to one. */
  isDirectory: boolean;
  /** `os.path.islink(fullname)`: a symbolic link, whether or not it resolves. */
  isSymlink: boolean;
}

/**
 * Code points whose lower-case mapping is newer than Unicode 15.1 (Python 3.13's `str.lower()`
 * leaves them alone; `String.prototype.toLowerCase` maps them). Python treats them as
 * unassigned, so they also end any final-sigma context, which splitting on them reproduces.
 */
const NEWER_THAN_PYTHON_CASE_REGEXP = /([\u1c89\ua7cb\ua7cc\ua7da\ua7dc\u{10d50}-\u{10d65}])/u;

/**
 * Python 3.13's `str.lower()`: the key CPython's listing sorts by.
 *
 * @param text A name.
 * @returns The name in lower case, as Python 3.13 lowers it.
 */
export function pythonLower(text: string): string {
  if (!NEWER_THAN_PYTHON_CASE_REGEXP.test(text)) return text.toLowerCase();
  return text.split(NEWER_THAN_PYTHON_CASE_REGEXP)
    .map((part, index) => index % 2 === 1 ? part : part.toLowerCase())
    .join("");
}

/** A UTF-16 surrogate: a name holding one does not sort by code unit as by code point. */
export const SURROGATE = /[\ud800-\udfff]/;

function compareUnits(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Python's `str` ordering: by code point, not by UTF-16 code unit.
 *
 * @param a A string.
 * @param b Another.
 * @returns Negative, zero or positive.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** The UTF-16 code units of a lone surrogate that `surrogateescape` turns back into a byte. */
const ESCAPED_BYTE_MIN = 0xdc80;
const ESCAPED_BYTE_MAX = 0xdcff;

/**
 * `text.encode("utf-8", "surrogateescape")`: U+DC80-U+DCFF become the bytes 0x80-0xFF; any other
 * lone surrogate makes Python raise `UnicodeEncodeError`, here a `TypeError`.
 *
 * @param text The text.
 * @returns Its bytes.
 * @throws {TypeError} A lone surrogate outside U+DC80-U+DCFF.
 */
export function encodeSurrogateEscape(text: string): Uint8Array {
  if (text.isWellFormed()) return new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  let start = 0;
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    if (code < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (code < ESCAPED_BYTE_MIN || code > ESCAPED_BYTE_MAX) {
      throw new TypeError(
        `'utf-8' codec cannot encode character '\\u${code.toString(16)}': surrogates not allowed`,
      );
    }
    chunks.push(encoder.encode(text.slice(start, i)), Uint8Array.of(code - 0xdc00));
    start = i + 1;
  }
  chunks.push(encoder.encode(text.slice(start)));
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Entries in CPython 3.13.0's listing order: by Python's `name.lower()`, stable, in code-point
 * order.
 *
 * @param entries Anything with a `name`, in `os.listdir` order.
 * @returns A new, sorted array.
 *
 * @example Case-insensitive, stable
 * ```ts
 * import { sortLikePython } from "./directory_listing.ts";
 * import { assertEquals } from "../../deps.ts";
 * const names = sortLikePython([{ name: "b" }, { name: "B" }, { name: "a" }]).map((e) => e.name);
 * assertEquals(names, ["a", "b", "B"]);
 * ```
 */
export function sortLikePython<T extends { readonly name: string }>(entries: readonly T[]): T[] {
  const { keyed, compare } = pythonNameOrder(entries);
  return keyed.sort(compare).map(({ entry }) => entry);
}

/**
 * The pieces of {@linkcode sortLikePython}, for a caller that sorts in its own way (in
 * slices): each entry with its sort key, and the comparison of two keyed entries.
 *
 * @param entries Anything with a `name`.
 * @returns The keyed entries (in the given order) and the comparison.
 */
export function pythonNameOrder<T extends { readonly name: string }>(entries: readonly T[]): {
  keyed: Array<{ entry: T; key: string }>;
  compare: (a: { key: string }, b: { key: string }) => number;
} {
  // Without surrogates, UTF-16 order is code point order: plain comparison will do.
  const surrogates = entries.some((entry) => SURROGATE.test(entry.name));
  return {
    keyed: entries.map((entry) => ({ entry, key: pythonLower(entry.name) })),
    compare: surrogates ? (a, b) => compareCodePoints(a.key, b.key) : compareUnits,
  };
}

/**
 * Entries per piece of a listing page (CPython's, rich, JSON): a slice small enough to yield
 * between, and the unit the page is streamed in (a few KiB to a few tens of KiB).
 */
export const LISTING_PIECE_ENTRIES = 256;

/**
 * CPython 3.13.0's listing page as text pieces, for entries already in listing order: the
 * head, then one piece per {@linkcode LISTING_PIECE_ENTRIES} entries, then the tail. Joined,
 * they are the page's text; {@linkcode encodeSurrogateEscape} turns each into bytes.
 *
 * @param displayPath The escaped title path.
 * @param sorted The entries, in listing order ({@linkcode sortLikePython}).
 * @param extraHtml HTML placed after the closing rule, before `</body>` (empty: CPython's page).
 * @returns The pieces.
 */
export function* directoryListingPieces(
  displayPath: string,
  sorted: Iterable<DirectoryEntry>,
  extraHtml = "",
): Generator<string> {
  const title = `Directory listing for ${displayPath}`;
  yield "<!DOCTYPE HTML>\n" +
    '<html lang="en">\n' +
    "<head>\n" +
    '<meta charset="utf-8">\n' +
    `<title>${title}</title>\n</head>\n` +
    `<body>\n<h1>${title}</h1>\n` +
    "<hr>\n<ul>";
  let piece = "";
  let count = 0;
  for (const { name, isDirectory, isSymlink } of sorted) {
    const linkName = isDirectory ? name + "/" : name;
    const displayName = isSymlink ? name + "@" : linkName;
    piece += `\n<li><a href="${quote(linkName)}">${htmlEscapeNoQuote(displayName)}</a></li>`;
    if (++count === LISTING_PIECE_ENTRIES) {
      yield piece;
      piece = "";
      count = 0;
    }
  }
  yield piece + `\n</ul>\n<hr>\n${extraHtml}</body>\n</html>\n`;
}

/**
 * Renders CPython 3.13.0's directory listing page: entries sorted by Python's `name.lower()`
 * (stable, code-point order), a `/` after directories in both link and label, an `@` after
 * symlinks in the label only, links percent-encoded with `quote`, labels escaped (`& < >`),
 * lines joined with `\n` plus a final `\n`, encoded as UTF-8 (`surrogateescape`).
 *
 * The page is served as `text/html; charset=utf-8`.
 *
 * @param displayPath The already escaped title path, as `displayPath` in `handlers/files/url_path.ts`
 * computes it from the request target.
 * @param entries The directory's entries in `os.listdir` order (`.` and `..` excluded).
 * @param extraHtml HTML placed after the closing rule, before `</body>`: the hook for blocks
 * an option adds (an upload form); empty (the default) gives CPython's page.
 * @returns The page's bytes.
 * @throws {TypeError} If `displayPath` holds a lone surrogate outside U+DC80-U+DCFF, which
 * CPython cannot encode either (it then drops the connection).
 *
 * @example A symlink to a directory
 * ```ts
 * import { renderDirectoryListing } from "./directory_listing.ts";
 * import { assertStringIncludes } from "../../deps.ts";
 * const page = new TextDecoder().decode(renderDirectoryListing("/x/", [
 *   { name: "a b&c", isDirectory: true, isSymlink: true },
 * ]));
 * assertStringIncludes(page, `<li><a href="a%20b%26c/">a b&amp;c@</a></li>`);
 * ```
 */
export function renderDirectoryListing(
  displayPath: string,
  entries: readonly DirectoryEntry[],
  extraHtml = "",
): Uint8Array {
  let text = "";
  for (const piece of directoryListingPieces(displayPath, sortLikePython(entries), extraHtml)) {
    text += piece;
  }
  return encodeSurrogateEscape(text);
}
