/**
 * `SimpleHTTPRequestHandler`: serves files and directory listings from a directory, with
 * CPython 3.13's exact answers (301 for directories without a trailing slash, index pages,
 * listings, `If-Modified-Since` → 304, `404 File not found`), streaming file bodies so memory
 * stays flat whatever the file size.
 *
 * Permissions: `--allow-read` for the served directory (and `--allow-net` for the server).
 *
 * @example Serve a directory
 * ```ts ignore
 * import { SimpleHTTPRequestHandler, ThreadingHTTPServer } from "../../mod.ts";
 * const server = new ThreadingHTTPServer(["127.0.0.1", 8000], SimpleHTTPRequestHandler);
 * server.directory = "/srv/www";
 * await server.serve_forever();
 * ```
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { MODULE_VERSION } from "../../constants.ts";
import {
  type BodySource,
  BytesSource,
  copyBody,
  ScratchBuffer,
  StreamSource,
} from "../../io/body_source.ts";
import type { WFile } from "../../io/wfile.ts";
import { DEFAULT_EXTENSIONS_MAP, guessType } from "../../mime_types.ts";
import type { ByteConnection, ClientAddress, ServerInfo } from "../../types.ts";
import { BaseHTTPRequestHandler } from "../base.ts";
import { negotiateMediaType } from "../../protocol/accept.ts";
import {
  type DirectoryEntry,
  directoryListingPieces,
  encodeSurrogateEscape,
  LISTING_PIECE_ENTRIES,
  renderDirectoryListing,
} from "./directory_listing.ts";
import { JSON_LISTING_TYPE, renderJsonListing } from "./json_listing.ts";
import {
  type ListingEntry,
  listingQuery,
  sortLikePythonInSlices,
  sortListing,
  sortListingInSlices,
} from "./listing_order.ts";
import {
  hasDotSegment,
  symlinkAllowed,
  symlinkEntryAllowed,
  type SymlinkPolicy,
} from "./path_policy.ts";
import { renderRichListing } from "./rich_listing.ts";
import { FileContentCache } from "./file_cache.ts";
import { serveContent } from "./serve_content.ts";
import { directoryRedirectLocation, displayPath, translatePath } from "./url_path.ts";

export { FileContentCache };
export type { SymlinkPolicy };

/** Which HTML page lists a directory: CPython's (`python`) or the sortable table (`rich`). */
export type ListingStyle = "python" | "rich";
export {
  type BodySource,
  BytesSource,
  type ByteWriter,
  type CopyableSource,
  FileSource,
  FileSpanSource,
  ScratchBuffer,
} from "../../io/body_source.ts";

/** Options of {@linkcode SimpleHTTPRequestHandler} beyond Python's positional arguments. */
export interface SimpleHTTPRequestHandlerOptions {
  /** The directory to serve (default: the server's `directory`, else the working directory). */
  directory?: string;
}

/** A server that may name the directory its file handlers serve. */
export interface DirectoryServerInfo extends ServerInfo {
  /** The directory to serve. */
  directory?: string;
}

/** A lone UTF-16 surrogate (what `unquote(..., errors="surrogatepass")` can produce). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A lone surrogate that `surrogateescape` cannot encode (anything but U+DC80–U+DCFF). */
const UNENCODABLE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udc7f\udd00-\udfff]/;

/**
 * Why Python's `os` functions could not even try `path`: `"value"` where they raise
 * `ValueError` (a NUL byte, or a surrogate the file system encoding cannot encode), `"bytes"`
 * where the path names raw undecodable bytes (U+DC80–U+DCFF under `surrogateescape`), which
 * Deno cannot represent (it would replace the surrogate with U+FFFD and open another file);
 * null for an ordinary path.
 */
function unusablePath(path: string): "value" | "bytes" | null {
  if (path.includes("\0") || UNENCODABLE_SURROGATE.test(path)) return "value";
  return LONE_SURROGATE.test(path) ? "bytes" : null;
}

/**
 * `os.stat`, or null where `os.path.isdir`/`isfile` would answer False. A synchronous call,
 * like Python's: a stat of a local path costs microseconds, far less than a round trip
 * through Deno's blocking-task pool.
 */
function statOrNull(path: string): Deno.FileInfo | null {
  if (unusablePath(path) !== null) return null;
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

/** A `stat` result and when it was started (`performance.now()`). */
interface RecentStat {
  readonly info: Deno.FileInfo | null;
  readonly startedAt: number;
}

/** Most paths whose latest `stat` is remembered (the map is emptied when full). */
const RECENT_STATS_MAX = 256;
const recentStats: Map<string, RecentStat> = new Map();

/**
 * `statOrNull(path)` for a request whose bytes had all arrived by `receivedAt`: the latest
 * stat of the path is reused when it started after that moment, so it saw the file as it was
 * at some time between the request's arrival and its answer, exactly what a fresh stat could
 * see (requests served in the same turn of the event loop share one stat).
 */
function statSince(path: string, receivedAt: number): Deno.FileInfo | null {
  const recent = recentStats.get(path);
  if (recent !== undefined && recent.startedAt > receivedAt) return recent.info;
  const startedAt = performance.now();
  const info = statOrNull(path);
  if (recentStats.size >= RECENT_STATS_MAX) recentStats.clear();
  recentStats.set(path, { info, startedAt });
  return info;
}

/**
 * Opens a resolved file for `serveContent`: null (404) where it cannot be opened or where the
 * path names raw bytes Deno cannot represent.
 *
 * @throws {TypeError} The path holds a NUL or an unencodable surrogate: Python's `open()`
 * raises `ValueError`, not `OSError`, and the connection is dropped unanswered.
 */
function openForReading(path: string): Deno.FsFile | null {
  const unusable = unusablePath(path);
  if (unusable === "value") {
    throw new TypeError(`path not representable on the file system: ${JSON.stringify(path)}`);
  }
  if (unusable === "bytes") return null;
  try {
    return Deno.openSync(path, { read: true });
  } catch {
    return null;
  }
}

/** `os.lstat`, or null where it fails. */
function lstatOrNull(path: string): Deno.FileInfo | null {
  if (unusablePath(path) !== null) return null;
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * Bytes of directory records (a directory's own `st_size`) up to which it is read with one
 * synchronous call: a few thousand entries, read in well under a millisecond; beyond, the
 * read goes to Deno's blocking pool so a huge directory does not stall other clients.
 */
const SYNC_READ_DIRECTORY_BYTES = 256 * 1024;

/**
 * Lets the event loop serve other connections: `setImmediate` runs after pending I/O, and
 * costs microseconds where a chain of `setTimeout(0)` is clamped to 4 ms a turn.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Encodes text pieces (UTF-8, `surrogateescape`), yielding between them, into one array. */
async function encodePieces(pieces: Iterable<string>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  let first = true;
  for (const piece of pieces) {
    if (!first) await nextTurn();
    first = false;
    const bytes = encodeSurrogateEscape(piece);
    parts.push(bytes);
    length += bytes.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `\r\n`, and the last chunk of a chunked body. */
const CRLF_BYTES = new Uint8Array([0x0d, 0x0a]);
const LAST_CHUNK_BYTES = new TextEncoder().encode("0\r\n\r\n");

/**
 * A stream of the pieces' bytes, each rendered only when the reader asks for it; with
 * `chunked`, each piece framed as one HTTP/1.1 chunk and the last chunk appended.
 */
function piecesStream(pieces: Iterator<string>, chunked: boolean): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.next();
      if (next.done) {
        if (chunked) controller.enqueue(LAST_CHUNK_BYTES);
        controller.close();
        return;
      }
      const bytes = encodeSurrogateEscape(next.value);
      if (bytes.length === 0) return;
      if (!chunked) {
        controller.enqueue(bytes);
        return;
      }
      const size = new TextEncoder().encode(bytes.length.toString(16) + "\r\n");
      const framed = new Uint8Array(size.length + bytes.length + 2);
      framed.set(size);
      framed.set(bytes, size.length);
      framed.set(CRLF_BYTES, size.length + bytes.length);
      controller.enqueue(framed);
    },
  }, { highWaterMark: 0 });
}

function joinPath(directory: string, name: string): string {
  return directory.endsWith("/") ? directory + name : `${directory}/${name}`;
}

/**
 * Serves GET and HEAD from a directory, as CPython's `SimpleHTTPRequestHandler`.
 *
 * @example Subclass to change the MIME table, as in Python
 * ```ts
 * import { SimpleHTTPRequestHandler } from "./simple.ts";
 * import { DEFAULT_EXTENSIONS_MAP } from "../../mime_types.ts";
 * class Handler extends SimpleHTTPRequestHandler {
 *   override extensions_map = { ...DEFAULT_EXTENSIONS_MAP, ".md": "text/markdown" };
 * }
 * void Handler;
 * ```
 */
export class SimpleHTTPRequestHandler extends BaseHTTPRequestHandler {
  /** `SimpleHTTP/0.6`: the first half of the `Server` header. */
  override server_version: string = `SimpleHTTP/${MODULE_VERSION}`;
  /** File names tried, in order, when a directory is requested. */
  index_pages: readonly string[] = ["index.html", "index.htm"];
  /** Extension → type overrides consulted before the system's MIME table. */
  extensions_map: Readonly<Record<string, string>> = { ...DEFAULT_EXTENSIONS_MAP };
  /** The directory served. */
  directory: string;
  /**
   * Contents of small files and directory listings, reused while a fresh `stat` shows the
   * file or directory unchanged (same inode, size, modification and change time); one cache
   * is shared by every handler by default. Set to null to read every file and directory from
   * disk on every request, as CPython does.
   */
  file_cache: FileContentCache | null = DEFAULT_FILE_CACHE;
  /**
   * The HTML listing: `python` (CPython's page, byte for byte) or `rich` (a table with sizes
   * and dates, sortable with `?sort=name|size|mtime&order=asc|desc`; `--listing rich`).
   */
  listing: ListingStyle = "python";
  /**
   * Answer a listing request with JSON when its `Accept` prefers `application/json` or its
   * query says `format=json` (requests CPython answers with HTML, so on by default).
   */
  json_listing: boolean = true;
  /**
   * Serve names starting with `.`; false (`--no-dotfiles`) leaves them out of listings and
   * answers 404 for any path with such a segment.
   */
  dotfiles: boolean = true;
  /**
   * Which symlinks are followed: `follow` (CPython), `contain` (only while the real path
   * stays inside `directory`; `--contain-symlinks`) or `refuse` (`--no-follow-symlinks`).
   * A refused link is answered 404 and left out of listings.
   */
  symlinks: SymlinkPolicy = "follow";

  /**
   * Creates the handler for one connection.
   *
   * @param request The connection.
   * @param client_address `(host, port)` of the client.
   * @param server The server.
   * @param options `directory` to serve.
   */
  constructor(
    request: ByteConnection,
    client_address: ClientAddress,
    server: ServerInfo,
    options: SimpleHTTPRequestHandlerOptions = {},
  ) {
    super(request, client_address, server);
    this.directory = options.directory ?? (server as DirectoryServerInfo).directory ??
      Deno.cwd();
  }

  /**
   * As in the base class; `rfile` also records when each read completes, so that requests
   * whose bytes had all arrived before a `stat` started can share its result.
   */
  override setup(): void | Promise<void> {
    const done = super.setup();
    this.rfile.trackFillTime = true;
    return done;
  }

  /** Serves a GET request: headers, then the file or listing. */
  async do_GET(): Promise<void> {
    const source = await this.send_head();
    if (source === null) return;
    try {
      await this.copyfile(source, this.wfile);
    } finally {
      source.close();
    }
  }

  /** Serves a HEAD request: the same headers as GET, no body. */
  async do_HEAD(): Promise<void> {
    const source = await this.send_head();
    source?.close();
  }

  /**
   * The part shared by GET and HEAD: sends the status and headers and returns what the body
   * is to be copied from, or null when there is no body to send. Resolves the path here (301
   * for a directory without a trailing slash, index page, listing, type); a file is answered
   * by `serveContent` (`If-Modified-Since`, framing headers, cached, whole or streamed body).
   */
  async send_head(): Promise<BodySource | null> {
    let path = this.translate_path(this.path);
    if (!this.#mayServe(path)) {
      await this.send_error(404, "File not found");
      return null;
    }
    let info = this.#stat(path);
    if (info?.isDirectory) {
      // Python's urlsplit may raise ValueError here (`http://[x/../../dir`): the error
      // propagates and the connection is dropped unanswered, as in CPython.
      const location = directoryRedirectLocation(this.path);
      if (location !== null) {
        this.send_response(301);
        this.send_header("Location", safeLocation(location));
        this.send_header("Content-Length", "0");
        await this.end_headers();
        return null;
      }
      let index: string | null = null;
      for (const name of this.index_pages) {
        const candidate = joinPath(path, name);
        const candidateInfo = statOrNull(candidate);
        if (candidateInfo?.isFile && this.#mayServeEntry(path, name, false)) {
          index = candidate;
          info = candidateInfo;
          break;
        }
      }
      if (index === null) return await this.list_directory(path);
      path = index;
    }
    const ctype = scriptTypeForDeno(path, this.guess_type(path), this.headers.get("User-Agent"));
    if (path.endsWith("/")) {
      await this.send_error(404, "File not found");
      return null;
    }
    return await serveContent(this, path, info, ctype, openForReading);
  }

  /**
   * Sends a listing of `path` (when there is no index page): 200 with CPython's HTML (or the
   * rich page, or JSON when asked for), or `404 No permission to list directory`.
   *
   * @param path The directory on disk.
   * @returns The page to copy, or null after an error.
   */
  async list_directory(path: string): Promise<BodySource | null> {
    const accept = this.json_listing ? this.headers.get("Accept") : undefined;
    const wantsJson = this.json_listing && this.path.includes("?")
      ? listingQuery(this.path).json
      : false;
    const json = wantsJson ||
      (accept !== undefined &&
        negotiateMediaType(accept, ["text/html", JSON_LISTING_TYPE]) === JSON_LISTING_TYPE);
    if (json || this.listing === "rich") return await this.#listWithDetails(path, json);
    const title = displayPath(this.path);
    const extraHtml = this.listing_extra_html(path);
    // A listing depends on the entries' names and types only (symlinks aside, see below), so
    // it is reused while the directory's own stat is unchanged. The key holds the title too.
    const plain = extraHtml === "" && this.dotfiles && this.symlinks === "follow";
    const cache = plain ? this.file_cache : null;
    const before = cache === null ? null : this.#stat(path);
    const key = `${path}\0${title}`;
    const cached = before === null ? null : (cache as FileContentCache).get(key, before);
    let page: Uint8Array;
    if (cached !== null) {
      page = cached;
    } else {
      const read = await this.#readEntries(path, false);
      if (read === null) {
        await this.send_error(404, "No permission to list directory");
        return null;
      }
      const { entries, symlinks } = read;
      page = entries.length <= LISTING_PIECE_ENTRIES
        ? renderDirectoryListing(title, entries, extraHtml)
        : await encodePieces(
          directoryListingPieces(
            title,
            await sortLikePythonInSlices(entries, nextTurn),
            extraHtml,
          ),
        );
      // A symlink's target can change type without the directory changing: not cached.
      if (before !== null && !symlinks) cache?.putDerived(key, before, page, Date.now());
    }
    this.send_response(200);
    this.send_header("Content-type", "text/html; charset=utf-8");
    this.send_header("Content-Length", String(page.length));
    await this.end_headers();
    return new BytesSource(page);
  }

  /**
   * HTML placed at the end of a listing page, before `</body>` (both the CPython and the
   * rich page): a hook for options that add a block (an upload form). Empty by default,
   * which keeps CPython's bytes.
   *
   * @param _path The directory on disk.
   * @returns HTML (already escaped).
   */
  listing_extra_html(_path: string): string {
    return "";
  }

  /** The rich HTML listing or the JSON one: entries with sizes and dates, sorted as asked. */
  async #listWithDetails(path: string, json: boolean): Promise<BodySource | null> {
    const read = await this.#readEntries(path, true);
    if (read === null) {
      await this.send_error(404, "No permission to list directory");
      return null;
    }
    const query = listingQuery(this.path);
    const entries = read.entries as ListingEntry[];
    const sorted = entries.length <= LISTING_PIECE_ENTRIES
      ? sortListing(entries, query)
      : await sortListingInSlices(entries, query, nextTurn);
    const pieces = json ? renderJsonListing(sorted) : renderRichListing(
      displayPath(this.path),
      this.path,
      sorted,
      query,
      this.listing_extra_html(path),
    );
    this.send_response(200);
    this.send_header(
      "Content-type",
      json ? JSON_LISTING_TYPE : "text/html; charset=utf-8",
    );
    if (this.json_listing) this.send_header("Vary", "Accept");
    if (sorted.length <= LISTING_PIECE_ENTRIES) {
      const page = await encodePieces(pieces);
      this.send_header("Content-Length", String(page.length));
      await this.end_headers();
      return new BytesSource(page);
    }
    // A large listing is streamed, a piece at a time as the client reads: the page is never
    // whole in memory. HTTP/1.1 frames it in chunks; an HTTP/1.0 client reads to the close.
    const chunked = this.request_version === "HTTP/1.1" && this.protocol_version === "HTTP/1.1";
    if (chunked) {
      this.send_header("Transfer-Encoding", "chunked");
    } else {
      this.send_header("Connection", "close");
      this.close_connection = true;
    }
    await this.end_headers();
    return new StreamSource(piecesStream(pieces, chunked));
  }

  /**
   * Reads a directory's entries, left out those the dotfile and symlink policies refuse;
   * with `details`, each with its size and modification time. A large directory is read
   * off the event loop and examined in slices, yielding between them, so other clients are
   * served meanwhile. Null when the directory cannot be read.
   */
  async #readEntries(
    path: string,
    details: boolean,
  ): Promise<{ entries: DirectoryEntry[] | ListingEntry[]; symlinks: boolean } | null> {
    let listed: Deno.DirEntry[];
    try {
      // One synchronous read for a small directory; a large one is read on Deno's blocking
      // pool (its own size says which, in bytes of directory records).
      const size = this.#stat(path)?.size ?? 0;
      listed = size <= SYNC_READ_DIRECTORY_BYTES
        ? [...Deno.readDirSync(path)]
        : await Array.fromAsync(Deno.readDir(path));
    } catch {
      return null;
    }
    const entries: ListingEntry[] = [];
    let symlinks = false;
    let examined = 0;
    for (const entry of listed) {
      if (++examined % LISTING_PIECE_ENTRIES === 0) await nextTurn();
      const name = entry.name;
      if (!this.dotfiles && name.startsWith(".")) continue;
      let isDirectory = entry.isDirectory;
      const full = joinPath(path, name);
      let size: number | null = null;
      let mtime = 0;
      if (entry.isSymlink) {
        if (!this.#mayServeEntry(path, name, true)) continue;
        symlinks = true;
        const target = statOrNull(full);
        isDirectory = target?.isDirectory ?? false;
        if (details) {
          if (target !== null) {
            size = target.size;
            mtime = target.mtime?.getTime() ?? 0;
          } else {
            mtime = lstatOrNull(full)?.mtime?.getTime() ?? 0;
          }
        }
      } else if (details) {
        const info = lstatOrNull(full);
        size = info?.size ?? null;
        mtime = info?.mtime?.getTime() ?? 0;
      }
      entries.push({ name, isDirectory, isSymlink: entry.isSymlink, size, mtime });
    }
    return { entries, symlinks };
  }

  /** The dotfile and symlink policies allow serving the translated `path`. */
  #mayServe(path: string): boolean {
    if (!this.dotfiles && hasDotSegment(this.path)) return false;
    return this.symlinks === "follow" || symlinkAllowed(path, this.directory, this.symlinks);
  }

  /** The policies allow the entry `name` of `directory` (known to be a symlink or not). */
  #mayServeEntry(directory: string, name: string, isSymlink: boolean): boolean {
    if (this.symlinks === "follow") return true;
    const full = joinPath(directory, name);
    if (!isSymlink && !(lstatOrNull(full)?.isSymlink ?? false)) return true;
    return symlinkEntryAllowed(full, this.directory, this.symlinks);
  }

  /**
   * Maps a URL path to a file path under `directory` (query and fragment cut, percent-decoded,
   * normalised, `.`/`..` and empty segments dropped). Symlinks inside the directory are
   * followed when the file is opened, as in CPython.
   *
   * @param path The request path.
   * @returns The file system path.
   */
  translate_path(path: string): string {
    return translatePath(path, this.directory);
  }

  /**
   * Copies a body source to the output (Python's `shutil.copyfileobj`): a source of this
   * module copies itself (bytes in one write, a file through a buffer kept for the
   * connection), anything else with `read` is read in chunks. Each chunk waits for the
   * socket, so memory stays flat and a slow client is never buffered for.
   *
   * @param source Where to read.
   * @param outputfile Where to write (normally `wfile`).
   */
  copyfile(source: BodySource, outputfile: WFile): Promise<void> {
    return copyBody(source, outputfile, this.#scratch) as Promise<void>;
  }

  /**
   * A stat of `path` as of this request (see `statSince`); with `file_cache` null, always a
   * fresh one, as CPython does.
   */
  #stat(path: string): Deno.FileInfo | null {
    return this.file_cache === null ? statOrNull(path) : statSince(path, this.rfile.lastFillAt);
  }

  /** The buffer `copyfile` streams large files through, kept for the connection's life. */
  readonly #scratch: ScratchBuffer = new ScratchBuffer();

  /**
   * The `Content-type` of a file: `extensions_map` first (exact, then lower-cased extension),
   * then the system MIME table as Python's `mimetypes` reads it, else
   * `application/octet-stream`.
   *
   * @param path A file path.
   * @returns The type.
   */
  guess_type(path: string): string {
    return guessType(path, this.extensions_map);
  }
}

/** TypeScript file extensions Deno runs from a URL when they are served as TypeScript. */
const TYPESCRIPT_EXTENSIONS = /\.(?:ts|mts|cts|tsx)$/i;

/**
 * The type a TypeScript file is served with when Deno itself asks for it (its `User-Agent`
 * is `Deno/<version>`): `application/typescript`, because Debian's `/etc/mime.types` (and so
 * CPython) says `text/vnd.trolltech.linguist`, which `deno run <url>` refuses to run. Any
 * other client gets CPython's bytes: a request header Python ignores switches this on.
 */
function scriptTypeForDeno(path: string, ctype: string, userAgent: string | undefined): string {
  if (userAgent === undefined || !userAgent.startsWith("Deno/")) return ctype;
  if (!TYPESCRIPT_EXTENSIONS.test(path)) return ctype;
  return /\.tsx$/i.test(path) ? "text/tsx" : "application/typescript";
}

/** The small-file cache every `SimpleHTTPRequestHandler` shares unless told otherwise. */
const DEFAULT_FILE_CACHE = new FileContentCache();

/** A base for checking where a browser takes a redirect: any host that cannot be ours. */
const REDIRECT_PROBE_BASE = "http://redirect-probe.invalid/";

/**
 * A redirect target that no browser reads as another host. CPython collapses a leading `//`
 * but sends the rest as it is: `/\\host/`, `\\host/`, `\/host/` or `http:\\host/` (browsers read
 * a backslash as a slash) would send the browser elsewhere. Only such a target is changed
 * (CPython's bytes otherwise): its backslashes and a leading scheme's colon are
 * percent-encoded, which names the same resource on this server. An absolute-form request
 * target (`http://host/dir`) is answered as CPython does, with that URL: the host is the one
 * the client named itself (browsers send absolute form only to proxies).
 */
function safeLocation(location: string): string {
  if (staysOnHost(location) || ABSOLUTE_URL.test(location)) return location;
  const cut = location.search(/[?#]/);
  let path = cut < 0 ? location : location.slice(0, cut);
  const rest = cut < 0 ? "" : location.slice(cut);
  path = path.replaceAll("\\", "%5C").replace(/^([A-Za-z][A-Za-z0-9+.-]*):/, "$1%3A");
  return path + rest;
}

/** An absolute URL with an authority and no backslash before its query. */
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\\?#]*(?:[?#]|$)/;

function staysOnHost(location: string): boolean {
  try {
    return new URL(location, REDIRECT_PROBE_BASE).origin + "/" === REDIRECT_PROBE_BASE;
  } catch {
    return false;
  }
}
