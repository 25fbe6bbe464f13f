/**
 * MIME type guessing the way CPython 3.13's `mimetypes.guess_file_type(path)` does it on POSIX,
 * plus `SimpleHTTPRequestHandler.guess_type`, which puts its own small `extensions_map` in front.
 *
 * The default database starts from the built-in table copied from `mimetypes.py` 3.13
 * (`_types_map_default`) and then reads every file of {@linkcode KNOWN_FILES} that exists, in
 * order, so later files override earlier ones and every file overrides the built-in table
 * (`MimeTypes.add_type` simply replaces the entry). Only the "strict" table is kept: the
 * non-standard `common_types` are never consulted by `guess_file_type`.
 *
 * Known differences from CPython, all on inputs nobody serves:
 * - A system file that is not valid UTF-8 makes CPython's `mimetypes.init()` raise (every request
 *   for a file would then fail); here it is decoded lossily (U+FFFD) and read anyway.
 * - A system file that exists but cannot be read raises in CPython; here it is skipped.
 * - Lower-casing uses `String.prototype.toLowerCase`, whose Unicode version (16+) is newer than
 *   Python 3.13's (15.1); the 27 code points that differ never occur in any table.
 *
 * @example Guess a few types
 * ```ts
 * import { guessType } from "./mime_types.ts";
 * import { assertEquals } from "./deps.ts";
 * assertEquals(guessType("/srv/index.html"), "text/html");
 * assertEquals(guessType("/srv/archive.tar.gz"), "application/gzip");
 * assertEquals(guessType("/srv/.bashrc"), "application/octet-stream");
 * ```
 *
 * @module
 */

import { isPythonWhitespace, splitWhitespace } from "./protocol/python_text.ts";

/**
 * The mime.types files CPython's `mimetypes.knownfiles` lists, in the order they are read
 * (the repeated entry is repeated in CPython too).
 */
export const KNOWN_FILES: readonly string[] = Object.freeze([
  "/etc/mime.types",
  "/etc/httpd/mime.types",
  "/etc/httpd/conf/mime.types",
  "/etc/apache/mime.types",
  "/etc/apache2/mime.types",
  "/usr/local/etc/httpd/conf/mime.types",
  "/usr/local/lib/netscape/mime.types",
  "/usr/local/etc/httpd/conf/mime.types",
  "/usr/local/etc/mime.types",
]);

/**
 * CPython 3.13's `mimetypes._suffix_map_default`: suffixes that stand for two suffixes. Keys are
 * matched against the lower-cased suffix.
 */
export const SUFFIX_MAP_DEFAULT: Readonly<Record<string, string>> = Object.freeze({
  ".svgz": ".svg.gz",
  ".tgz": ".tar.gz",
  ".taz": ".tar.gz",
  ".tz": ".tar.gz",
  ".tbz2": ".tar.bz2",
  ".txz": ".tar.xz",
});

/**
 * CPython 3.13's `mimetypes._encodings_map_default`: content-coding suffixes, matched
 * case-sensitively and stripped before the type lookup.
 */
export const ENCODINGS_MAP_DEFAULT: Readonly<Record<string, string>> = Object.freeze({
  ".gz": "gzip",
  ".Z": "compress",
  ".bz2": "bzip2",
  ".xz": "xz",
  ".br": "br",
});

/** CPython 3.13's built-in strict type table, `mimetypes._types_map_default`, in source order. */
export const TYPES_MAP_DEFAULT: Readonly<Record<string, string>> = Object.freeze({
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".doc": "application/msword",
  ".dot": "application/msword",
  ".wiz": "application/msword",
  ".nq": "application/n-quads",
  ".nt": "application/n-triples",
  ".bin": "application/octet-stream",
  ".a": "application/octet-stream",
  ".dll": "application/octet-stream",
  ".exe": "application/octet-stream",
  ".o": "application/octet-stream",
  ".obj": "application/octet-stream",
  ".so": "application/octet-stream",
  ".oda": "application/oda",
  ".pdf": "application/pdf",
  ".p7c": "application/pkcs7-mime",
  ".ps": "application/postscript",
  ".ai": "application/postscript",
  ".eps": "application/postscript",
  ".trig": "application/trig",
  ".m3u": "application/vnd.apple.mpegurl",
  ".m3u8": "application/vnd.apple.mpegurl",
  ".xls": "application/vnd.ms-excel",
  ".xlb": "application/vnd.ms-excel",
  ".ppt": "application/vnd.ms-powerpoint",
  ".pot": "application/vnd.ms-powerpoint",
  ".ppa": "application/vnd.ms-powerpoint",
  ".pps": "application/vnd.ms-powerpoint",
  ".pwz": "application/vnd.ms-powerpoint",
  ".wasm": "application/wasm",
  ".bcpio": "application/x-bcpio",
  ".cpio": "application/x-cpio",
  ".csh": "application/x-csh",
  ".dvi": "application/x-dvi",
  ".gtar": "application/x-gtar",
  ".hdf": "application/x-hdf",
  ".h5": "application/x-hdf5",
  ".latex": "application/x-latex",
  ".mif": "application/x-mif",
  ".cdf": "application/x-netcdf",
  ".nc": "application/x-netcdf",
  ".p12": "application/x-pkcs12",
  ".pfx": "application/x-pkcs12",
  ".ram": "application/x-pn-realaudio",
  ".pyc": "application/x-python-code",
  ".pyo": "application/x-python-code",
  ".sh": "application/x-sh",
  ".shar": "application/x-shar",
  ".swf": "application/x-shockwave-flash",
  ".sv4cpio": "application/x-sv4cpio",
  ".sv4crc": "application/x-sv4crc",
  ".tar": "application/x-tar",
  ".tcl": "application/x-tcl",
  ".tex": "application/x-tex",
  ".texi": "application/x-texinfo",
  ".texinfo": "application/x-texinfo",
  ".roff": "application/x-troff",
  ".t": "application/x-troff",
  ".tr": "application/x-troff",
  ".man": "application/x-troff-man",
  ".me": "application/x-troff-me",
  ".ms": "application/x-troff-ms",
  ".ustar": "application/x-ustar",
  ".src": "application/x-wais-source",
  ".xsl": "application/xml",
  ".rdf": "application/xml",
  ".wsdl": "application/xml",
  ".xpdl": "application/xml",
  ".zip": "application/zip",
  ".3gp": "audio/3gpp",
  ".3gpp": "audio/3gpp",
  ".3g2": "audio/3gpp2",
  ".3gpp2": "audio/3gpp2",
  ".aac": "audio/aac",
  ".adts": "audio/aac",
  ".loas": "audio/aac",
  ".ass": "audio/aac",
  ".au": "audio/basic",
  ".snd": "audio/basic",
  ".mp3": "audio/mpeg",
  ".mp2": "audio/mpeg",
  ".opus": "audio/opus",
  ".aif": "audio/x-aiff",
  ".aifc": "audio/x-aiff",
  ".aiff": "audio/x-aiff",
  ".ra": "audio/x-pn-realaudio",
  ".wav": "audio/x-wav",
  ".avif": "image/avif",
  ".bmp": "image/bmp",
  ".gif": "image/gif",
  ".ief": "image/ief",
  ".jpg": "image/jpeg",
  ".jpe": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".heic": "image/heic",
  ".heif": "image/heif",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".tiff": "image/tiff",
  ".tif": "image/tiff",
  ".ico": "image/vnd.microsoft.icon",
  ".webp": "image/webp",
  ".ras": "image/x-cmu-raster",
  ".pnm": "image/x-portable-anymap",
  ".pbm": "image/x-portable-bitmap",
  ".pgm": "image/x-portable-graymap",
  ".ppm": "image/x-portable-pixmap",
  ".rgb": "image/x-rgb",
  ".xbm": "image/x-xbitmap",
  ".xpm": "image/x-xpixmap",
  ".xwd": "image/x-xwindowdump",
  ".eml": "message/rfc822",
  ".mht": "message/rfc822",
  ".mhtml": "message/rfc822",
  ".nws": "message/rfc822",
  ".css": "text/css",
  ".csv": "text/csv",
  ".html": "text/html",
  ".htm": "text/html",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".n3": "text/n3",
  ".txt": "text/plain",
  ".bat": "text/plain",
  ".c": "text/plain",
  ".h": "text/plain",
  ".ksh": "text/plain",
  ".pl": "text/plain",
  ".srt": "text/plain",
  ".rtx": "text/richtext",
  ".rtf": "text/rtf",
  ".tsv": "text/tab-separated-values",
  ".vtt": "text/vtt",
  ".py": "text/x-python",
  ".rst": "text/x-rst",
  ".etx": "text/x-setext",
  ".sgm": "text/x-sgml",
  ".sgml": "text/x-sgml",
  ".vcf": "text/x-vcard",
  ".xml": "text/xml",
  ".mp4": "video/mp4",
  ".mpeg": "video/mpeg",
  ".m1v": "video/mpeg",
  ".mpa": "video/mpeg",
  ".mpe": "video/mpeg",
  ".mpg": "video/mpeg",
  ".mov": "video/quicktime",
  ".qt": "video/quicktime",
  ".webm": "video/webm",
  ".avi": "video/x-msvideo",
  ".movie": "video/x-sgi-movie",
});

/**
 * `SimpleHTTPRequestHandler.extensions_map` of CPython 3.13: consulted before `mimetypes`, so
 * compressed files are served as the compressed type (no `Content-Encoding` is ever sent).
 */
export const DEFAULT_EXTENSIONS_MAP: Readonly<Record<string, string>> = Object.freeze({
  ".gz": "application/gzip",
  ".Z": "application/octet-stream",
  ".bz2": "application/x-bzip2",
  ".xz": "application/x-xz",
});

/** The type `guess_type` falls back to when nothing matches. */
const FALLBACK_TYPE = "application/octet-stream";

/** Line boundaries of Python's `readline()` on a file opened in text mode (universal newlines). */
const UNIVERSAL_NEWLINE_REGEXP = /\r\n|\r|\n/;

/**
 * `posixpath.splitext`: splits off the last `.suffix` of the last path segment. Leading dots of
 * the file name do not start a suffix, so `.bashrc` and `..` have none.
 *
 * @param path A POSIX path.
 * @returns `[root, ext]` with `root + ext === path`; `ext` is `""` or starts with `.`.
 *
 * @example Split suffixes
 * ```ts
 * import { splitext } from "./mime_types.ts";
 * import { assertEquals } from "./deps.ts";
 * assertEquals(splitext("/a/b.tar.gz"), ["/a/b.tar", ".gz"]);
 * assertEquals(splitext("/a/.bashrc"), ["/a/.bashrc", ""]);
 * assertEquals(splitext("/a.d/file"), ["/a.d/file", ""]);
 * ```
 */
export function splitext(path: string): [string, string] {
  const sepIndex = path.lastIndexOf("/");
  const dotIndex = path.lastIndexOf(".");
  if (dotIndex > sepIndex) {
    for (let i = sepIndex + 1; i < dotIndex; i++) {
      if (path[i] !== ".") return [path.slice(0, dotIndex), path.slice(dotIndex)];
    }
  }
  return [path, ""];
}

/**
 * A MIME-type database: CPython's `mimetypes.MimeTypes`, strict table only.
 *
 * @example Add entries from mime.types text and guess
 * ```ts
 * import { MimeTypes } from "./mime_types.ts";
 * import { assertEquals } from "./deps.ts";
 * const db = new MimeTypes();
 * db.readMimeTypesText("text/x-custom  foo bar # comment\n");
 * assertEquals(db.guessFileType("a.FOO"), "text/x-custom");
 * assertEquals(db.guessFileType("page.html"), "text/html");
 * ```
 */
export class MimeTypes {
  /**
   * Types added ({@linkcode addType}) or parsed over the built-in table, which is looked up
   * itself where this holds no entry: nothing copies it into a map on the first guess.
   */
  #types = new Map<string, string>();
  /**
   * Texts read but not yet parsed, oldest first: they override {@linkcode #types}. A server
   * asks for a handful of suffixes, so each is looked up in the texts when first asked for
   * (a native search) rather than the whole file parsed up front (about 10 ms of cold code,
   * on the path to the first response).
   */
  #pending: string[] = [];
  /** Answers already found in {@linkcode #pending}, by lower-cased suffix. */
  #found = new Map<string, string | null>();

  /** Creates a database holding the built-in table {@linkcode TYPES_MAP_DEFAULT}. */
  constructor() {}

  /**
   * Maps an extension (with its leading dot, case kept) to a type, replacing any earlier
   * mapping, like `MimeTypes.add_type(type, ext, strict=True)`.
   *
   * @param type The MIME type, e.g. `text/plain`.
   * @param ext The extension, e.g. `.txt`.
   *
   * @example Override a built-in entry
   * ```ts
   * import { MimeTypes } from "./mime_types.ts";
   * import { assertEquals } from "./deps.ts";
   * const db = new MimeTypes();
   * db.addType("application/javascript", ".js");
   * assertEquals(db.guessFileType("app.js"), "application/javascript");
   * ```
   */
  addType(type: string, ext: string): void {
    if (this.#pending.length > 0) this.#parsePending();
    this.#types.set(ext, type);
  }

  /**
   * Reads the text of a mime.types file like `MimeTypes.readfp`: on each line (split at
   * `\n`, `\r\n` or `\r`), words are separated by Python whitespace, a word starting with `#`
   * ends the line, the first word is the type and every other word an extension.
   *
   * @param text The file's content.
   *
   * @example Later lines override earlier ones
   * ```ts
   * import { MimeTypes } from "./mime_types.ts";
   * import { assertEquals } from "./deps.ts";
   * const db = new MimeTypes();
   * db.readMimeTypesText("a/one x\n# b/two y\nc/three x");
   * assertEquals(db.guessFileType("f.x"), "c/three");
   * assertEquals(db.guessFileType("f.y"), null);
   * ```
   */
  readMimeTypesText(text: string): void {
    this.#pending.push(text);
    this.#found.clear();
  }

  /** Parses the pending texts into the table, in order (before an `addType` overrides). */
  #parsePending(): void {
    const texts = this.#pending;
    this.#pending = [];
    this.#found.clear();
    for (const text of texts) this.#parseText(text);
  }

  #parseText(text: string): void {
    for (const line of text.split(UNIVERSAL_NEWLINE_REGEXP)) {
      const words = splitWhitespace(line);
      const comment = words.findIndex((word) => word[0] === "#");
      if (comment >= 0) words.length = comment;
      if (words.length === 0) continue;
      const [type, ...suffixes] = words;
      for (const suffix of suffixes) this.addType(type, "." + suffix);
    }
  }

  /**
   * Reads a mime.types file if it is a regular file (symlinks followed), like `init()` does
   * for each of {@linkcode KNOWN_FILES}. Missing, unreadable or unpermitted files (no
   * `--allow-read`) are skipped silently. The text is decoded as UTF-8, lossily.
   *
   * @param path The file to read.
   * @returns Whether the file was read.
   *
   * @example A missing file is skipped
   * ```ts
   * import { MimeTypes } from "./mime_types.ts";
   * import { assertEquals } from "./deps.ts";
   * assertEquals(new MimeTypes().readFile("/nonexistent/mime.types"), false);
   * ```
   */
  readFile(path: string): boolean {
    let bytes: Uint8Array;
    try {
      if (!Deno.statSync(path).isFile) return false;
      bytes = Deno.readFileSync(path);
    } catch {
      // Missing, not permitted (Deno.errors.NotCapable / PermissionDenied), or unreadable.
      return false;
    }
    // Python opens the file with encoding="utf-8", which keeps a byte-order mark as U+FEFF.
    this.readMimeTypesText(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
    return true;
  }

  /**
   * `MimeTypes.guess_file_type(path)[0]` (strict): rewrites suffixes through
   * {@linkcode SUFFIX_MAP_DEFAULT} (lower-cased match), strips one encoding suffix of
   * {@linkcode ENCODINGS_MAP_DEFAULT} (exact match), then looks the lower-cased suffix up.
   *
   * @param path A POSIX path or file name.
   * @returns The type, or `null` when the suffix is unknown or absent.
   *
   * @example Encodings are looked through
   * ```ts
   * import { MimeTypes } from "./mime_types.ts";
   * import { assertEquals } from "./deps.ts";
   * const db = new MimeTypes();
   * assertEquals(db.guessFileType("x.tar.gz"), "application/x-tar");
   * assertEquals(db.guessFileType("x.svgz"), "image/svg+xml");
   * assertEquals(db.guessFileType("x.gz"), null);
   * ```
   */
  guessFileType(path: string): string | null {
    let [base, ext] = splitext(path);
    let rewrite: string | undefined;
    while ((rewrite = lookup(SUFFIX_MAP_DEFAULT, ext.toLowerCase())) !== undefined) {
      [base, ext] = splitext(base + rewrite);
    }
    if (lookup(ENCODINGS_MAP_DEFAULT, ext) !== undefined) [base, ext] = splitext(base);
    const key = ext.toLowerCase();
    if (this.#pending.length > 0) {
      let type = this.#found.get(key);
      if (type === undefined) {
        type = this.#findPending(key);
        this.#found.set(key, type);
      }
      if (type !== null) return type;
    }
    return this.#types.get(key) ?? lookup(TYPES_MAP_DEFAULT, key) ?? null;
  }

  /** The type the pending texts give `key` (`.suffix`): the last line naming it wins. */
  #findPending(key: string): string | null {
    const suffix = key.slice(1);
    if (key[0] !== "." || suffix === "") return null;
    for (let t = this.#pending.length - 1; t >= 0; t--) {
      const type = lastTypeOfSuffix(this.#pending[t], suffix);
      if (type !== null) return type;
    }
    return null;
  }
}

/**
 * The type of the last line of a mime.types text that lists `suffix` as an extension (what
 * parsing the whole text line by line would leave for it), or null.
 */
function lastTypeOfSuffix(text: string, suffix: string): string | null {
  for (let at = text.lastIndexOf(suffix); at > 0; at = text.lastIndexOf(suffix, at - 1)) {
    const before = text.charCodeAt(at - 1);
    const after = at + suffix.length;
    // A whole word after the line's first one: whitespace (not a line end) before it.
    if (before === LF || before === CR || !isPythonWhitespace(before)) continue;
    if (after < text.length && !isPythonWhitespace(text.charCodeAt(after))) continue;
    const start = Math.max(text.lastIndexOf("\n", at), text.lastIndexOf("\r", at)) + 1;
    let end = text.length;
    const lf = text.indexOf("\n", at);
    const cr = text.indexOf("\r", at);
    if (lf >= 0) end = lf;
    if (cr >= 0 && cr < end) end = cr;
    const words = splitWhitespace(text.slice(start, end));
    const comment = words.findIndex((word) => word[0] === "#");
    if (comment >= 0) words.length = comment;
    if (words.indexOf(suffix, 1) > 0) return words[0];
  }
  return null;
}

const LF = 0x0a;
const CR = 0x0d;

/** An own-property lookup, so that keys such as `__proto__` never reach the prototype. */
function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

let defaultDatabase: MimeTypes | undefined;

/**
 * The process-wide database `mimetypes.guess_file_type` uses: the built-in table plus every
 * readable file of {@linkcode KNOWN_FILES}, loaded synchronously on first use.
 *
 * @returns The shared database (created once).
 *
 * @example Share one database
 * ```ts
 * import { defaultMimeTypes } from "./mime_types.ts";
 * import { assertEquals } from "./deps.ts";
 * assertEquals(defaultMimeTypes() === defaultMimeTypes(), true);
 * ```
 */
export function defaultMimeTypes(): MimeTypes {
  if (defaultDatabase === undefined) {
    const database = new MimeTypes();
    for (const file of KNOWN_FILES) database.readFile(file);
    defaultDatabase = database;
  }
  return defaultDatabase;
}

/**
 * `mimetypes.guess_file_type(path)[0]` with the default database ({@linkcode defaultMimeTypes}).
 *
 * @param path A POSIX path or file name.
 * @returns The type, or `null` when unknown.
 *
 * @example Guess from the system tables
 * ```ts
 * import { guessFileType } from "./mime_types.ts";
 * import { assertEquals } from "./deps.ts";
 * assertEquals(guessFileType("style.CSS"), "text/css");
 * assertEquals(guessFileType("README"), null);
 * ```
 */
export function guessFileType(path: string): string | null {
  return defaultMimeTypes().guessFileType(path);
}

/**
 * `SimpleHTTPRequestHandler.guess_type(path)` of CPython 3.13: the suffix (`posixpath.splitext`)
 * is looked up in `extensionsMap` as-is, then lower-cased; then {@linkcode guessFileType};
 * otherwise `application/octet-stream`.
 *
 * @param path The file-system path about to be served.
 * @param extensionsMap The handler's `extensions_map`.
 * @returns The value for the `Content-type` header.
 *
 * @example The handler's table wins over mimetypes
 * ```ts
 * import { guessType } from "./mime_types.ts";
 * import { assertEquals } from "./deps.ts";
 * assertEquals(guessType("/srv/a.tar.gz"), "application/gzip");
 * assertEquals(guessType("/srv/a.tgz"), "application/x-tar");
 * assertEquals(guessType("/srv/a.md", { ".md": "text/plain" }), "text/plain");
 * assertEquals(guessType("/srv/noext"), "application/octet-stream");
 * ```
 */
export function guessType(
  path: string,
  extensionsMap: Readonly<Record<string, string>> = DEFAULT_EXTENSIONS_MAP,
): string {
  const ext = splitext(path)[1];
  return lookup(extensionsMap, ext) ?? lookup(extensionsMap, ext.toLowerCase()) ??
    guessFileType(path) ?? FALLBACK_TYPE;
}
