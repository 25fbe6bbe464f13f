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
import { COPY_CHUNK_SIZE, MODULE_VERSION } from "../../constants.ts";
import type { WFile } from "../../io/wfile.ts";
import { DEFAULT_EXTENSIONS_MAP, guessType } from "../../mime_types.ts";
import { isNotModified } from "../../protocol/if_modified_since.ts";
import type { ByteConnection, ClientAddress, ServerInfo } from "../../types.ts";
import { BaseHTTPRequestHandler } from "../base.ts";
import { type DirectoryEntry, renderDirectoryListing } from "./directory_listing.ts";
import { FILE_CACHE_ENTRY_BYTES, FileContentCache } from "./file_cache.ts";
import { directoryRedirectLocation, displayPath, translatePath } from "./url_path.ts";

export { FileContentCache };

/**
 * What `send_head` returns for the caller to copy: an open file or an in-memory page.
 * (Python returns a file object; here anything with `read` and `close`.)
 *
 * @example
 * ```ts
 * import { type BodySource, BytesSource } from "./simple.ts";
 * import { assertEquals } from "../../deps.ts";
 * const source: BodySource = new BytesSource(new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(8);
 * assertEquals(await source.read(buf), 2);
 * assertEquals(await source.read(buf), null);
 * source.close();
 * ```
 */
export interface BodySource {
  /** Reads into `p`; the byte count, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Releases the source. */
  close(): void;
}

/**
 * An in-memory {@linkcode BodySource} (Python's `BytesIO`), e.g. a rendered listing.
 *
 * @example
 * ```ts
 * import { BytesSource } from "./simple.ts";
 * const source = new BytesSource(new Uint8Array([1, 2, 3]));
 * await source.read(new Uint8Array(2)); // 2
 * ```
 */
export class BytesSource implements BodySource {
  readonly #bytes: Uint8Array;
  #offset = 0;

  /**
   * Creates the source.
   *
   * @param bytes The content.
   */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The content. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Copies the next bytes into `p`. */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#offset >= this.#bytes.length) return Promise.resolve(null);
    const n = Math.min(p.length, this.#bytes.length - this.#offset);
    p.set(this.#bytes.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return Promise.resolve(n);
  }

  /** Nothing to release. */
  close(): void {}
}

/**
 * Options of {@linkcode SimpleHTTPRequestHandler} beyond Python's positional arguments.
 *
 * @example
 * ```ts
 * import type { SimpleHTTPRequestHandlerOptions } from "./simple.ts";
 * import { assertEquals } from "../../deps.ts";
 * const options: SimpleHTTPRequestHandlerOptions = { directory: "/srv/www" };
 * assertEquals(options.directory, "/srv/www");
 * ```
 */
export interface SimpleHTTPRequestHandlerOptions {
  /** The directory to serve (default: the server's `directory`, else the working directory). */
  directory?: string;
}

/**
 * A server that may name the directory its file handlers serve.
 *
 * @example
 * ```ts
 * import type { DirectoryServerInfo } from "./simple.ts";
 * import { assertEquals } from "../../deps.ts";
 * const server: DirectoryServerInfo = {
 *   server_address: ["127.0.0.1", 8000],
 *   server_name: "localhost",
 *   server_port: 8000,
 *   directory: "/srv/www",
 * };
 * assertEquals(server.directory, "/srv/www");
 * ```
 */
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
 * An open file with the size it had when its headers were sent. Copying stops at that size,
 * so the body always matches the `Content-Length` sent, even if the file grows meanwhile.
 *
 * @example
 * ```ts ignore
 * import { FileSource } from "./simple.ts";
 * const file = await Deno.open("README.md");
 * const source = new FileSource(file, (await file.stat()).size);
 * source.close();
 * ```
 */
export class FileSource implements BodySource {
  /** The open file. */
  readonly file: Deno.FsFile;
  /** Bytes to send. */
  readonly size: number;
  #remaining: number;
  #readSync = true;

  /**
   * Creates the source.
   *
   * @param file The open file.
   * @param size Bytes to send.
   */
  constructor(file: Deno.FsFile, size: number) {
    this.file = file;
    this.size = size;
    this.#remaining = size;
  }

  /**
   * Reads the next bytes into `p`; null once `size` bytes were read or at end of file.
   * Reads are synchronous (a page-cache copy, without a hop through Deno's blocking-task
   * pool) while each takes under {@linkcode SYNC_READ_LIMIT_MS}; after a slower one (a cold
   * or slow disk) the rest of the file is read asynchronously, so other connections are not
   * held up.
   */
  async read(p: Uint8Array): Promise<number | null> {
    if (this.#remaining <= 0) return null;
    const target = p.length > this.#remaining ? p.subarray(0, this.#remaining) : p;
    let n: number | null;
    if (this.#readSync) {
      const started = performance.now();
      n = this.file.readSync(target);
      if (performance.now() - started > SYNC_READ_LIMIT_MS) this.#readSync = false;
    } else {
      n = await this.file.read(target);
    }
    if (n === null) return null;
    this.#remaining -= n;
    return n;
  }

  /** Reads the whole (small) body at once, synchronously. */
  readAllSync(): Uint8Array {
    const out = new Uint8Array(this.#remaining);
    let offset = 0;
    while (offset < out.length) {
      const n = this.file.readSync(out.subarray(offset));
      if (n === null || n === 0) break;
      offset += n;
    }
    this.#remaining = 0;
    return offset === out.length ? out : out.subarray(0, offset);
  }

  /** Closes the file. */
  close(): void {
    this.file.close();
  }
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
   * is to be copied from, or null when there is no body to send.
   */
  async send_head(): Promise<BodySource | null> {
    let path = this.translate_path(this.path);
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
        if (candidateInfo?.isFile) {
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
    const cache = this.file_cache;
    if (cache !== null && info?.isFile) {
      // A small file unchanged since it was read: one stat instead of open, fstat and read.
      const cached = cache.get(path, info);
      if (cached !== null) {
        const answer = await this.#sendFileHead(ctype, info.size, info.mtime?.getTime() ?? 0);
        return answer ? new BytesSource(cached) : null;
      }
    }
    const unusable = unusablePath(path);
    if (unusable === "value") {
      // Python's open() raises ValueError, not OSError: the connection is dropped unanswered.
      throw new TypeError(`path not representable on the file system: ${JSON.stringify(path)}`);
    }
    let file: Deno.FsFile;
    try {
      if (unusable === "bytes") throw new Deno.errors.NotFound(path);
      file = Deno.openSync(path, { read: true });
    } catch {
      await this.send_error(404, "File not found");
      return null;
    }
    let source: FileSource | null = null;
    try {
      const stat = file.statSync();
      if (!stat.isFile) {
        // Python's open() fails on a directory (a race with the check above).
        file.close();
        await this.send_error(404, "File not found");
        return null;
      }
      source = new FileSource(file, stat.size);
      if (!(await this.#sendFileHead(ctype, stat.size, stat.mtime?.getTime() ?? 0))) {
        source.close();
        return null;
      }
      if (stat.size > SMALL_FILE_SIZE) return source;
      // A small file is read whole now (one synchronous read of the page cache) and leaves
      // with the headers in one write.
      const bytes = source.readAllSync();
      source.close();
      if (bytes.length < stat.size) {
        // The file shrank since its size was sent: end the response with the connection.
        this.close_connection = true;
      } else {
        cache?.put(path, stat, bytes, Date.now());
      }
      return new BytesSource(bytes);
    } catch (error) {
      if (source === null) file.close();
      else source.close();
      throw error;
    }
  }

  /**
   * Sends a file's status and headers: `304` when `If-Modified-Since` allows (CPython's rules;
   * ignored when `If-None-Match` is present), else `200` with type, length and
   * `Last-Modified`.
   *
   * @returns True when the body is to follow.
   */
  async #sendFileHead(ctype: string, size: number, mtimeMs: number): Promise<boolean> {
    const ims = this.headers.get("If-Modified-Since");
    if (ims !== undefined && !this.headers.has("If-None-Match") && isNotModified(ims, mtimeMs)) {
      this.send_response(304);
      await this.end_headers();
      return false;
    }
    this.send_response(200);
    this.send_header("Content-type", ctype);
    this.send_header("Content-Length", String(size));
    this.send_header("Last-Modified", this.date_time_string(Math.floor(mtimeMs / 1000)));
    await this.end_headers();
    return true;
  }

  /**
   * Sends a listing of `path` (when there is no index page): 200 with CPython's HTML, or
   * `404 No permission to list directory`.
   *
   * @param path The directory on disk.
   * @returns The page to copy, or null after an error.
   */
  async list_directory(path: string): Promise<BodySource | null> {
    const title = displayPath(this.path);
    // A listing depends on the entries' names and types only (symlinks aside, see below), so
    // it is reused while the directory's own stat is unchanged. The key holds the title too.
    const cache = this.file_cache;
    const before = cache === null ? null : this.#stat(path);
    const key = `${path}\0${title}`;
    const cached = before === null ? null : (cache as FileContentCache).get(key, before);
    let page: Uint8Array;
    if (cached !== null) {
      page = cached;
    } else {
      const entries: DirectoryEntry[] = [];
      let symlinks = false;
      try {
        // One synchronous directory read instead of an async call per entry.
        for (const entry of Deno.readDirSync(path)) {
          let isDirectory = entry.isDirectory;
          if (entry.isSymlink) {
            symlinks = true;
            isDirectory = statOrNull(joinPath(path, entry.name))?.isDirectory ?? false;
          }
          entries.push({ name: entry.name, isDirectory, isSymlink: entry.isSymlink });
        }
      } catch {
        await this.send_error(404, "No permission to list directory");
        return null;
      }
      page = renderDirectoryListing(title, entries);
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
   * Copies a body source to the output in chunks (Python's `shutil.copyfileobj`); each chunk
   * waits for the socket, so memory stays flat and a slow client is never buffered for.
   *
   * @param source Where to read.
   * @param outputfile Where to write (normally `wfile`).
   */
  async copyfile(source: BodySource, outputfile: WFile): Promise<void> {
    if (source instanceof BytesSource) {
      await outputfile.write(source.bytes);
      return;
    }
    if (source instanceof FileSource && source.size <= SMALL_FILE_SIZE) {
      // A small file: one synchronous read, and it leaves with the headers in one write.
      await outputfile.write(source.readAllSync());
      return;
    }
    const size = source instanceof FileSource ? source.size : COPY_CHUNK_SIZE;
    // The writer copies or sends each chunk before it resolves, so one buffer serves all, and
    // the connection keeps it for its next large file (no garbage per download).
    const length = Math.max(1, Math.min(size, COPY_CHUNK_SIZE));
    let buffer = this.#copyBuffer;
    if (buffer === null || buffer.length < length) {
      buffer = this.#copyBuffer = new Uint8Array(length);
    }
    while (true) {
      const n = await source.read(buffer);
      if (n === null || n === 0) break;
      await outputfile.write(buffer.subarray(0, n));
    }
  }

  /**
   * A stat of `path` as of this request (see `statSince`); with `file_cache` null, always a
   * fresh one, as CPython does.
   */
  #stat(path: string): Deno.FileInfo | null {
    return this.file_cache === null ? statOrNull(path) : statSince(path, this.rfile.lastFillAt);
  }

  /** The buffer `copyfile` streams large files through, kept for the connection's life. */
  #copyBuffer: Uint8Array | null = null;

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

/**
 * A synchronous file read slower than this (milliseconds) switches the rest of that file to
 * asynchronous reads: the disk is not serving from its cache, and the event loop must not wait.
 */
const SYNC_READ_LIMIT_MS = 2;

/** Files up to this size are read in one synchronous call (a page-cache copy). */
const SMALL_FILE_SIZE = FILE_CACHE_ENTRY_BYTES;

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
