/**
 * `SimpleHTTPRequestHandler`: serves files and directory listings from a directory, with
 * CPython 3.13's exact answers (301 for directories without a trailing slash, index pages,
 * listings, `If-Modified-Since` -> 304, `404 File not found`), streaming file bodies so memory
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
import type { ListingEntries } from "./listing_entries.ts";
import type { Steps, TurnPacer } from "./slice_sort.ts";
import {
  hasDotSegment,
  symlinkAllowed,
  symlinkEntryAllowed,
  type SymlinkPolicy,
} from "./path_policy.ts";
import { FileContentCache } from "./file_cache.ts";
import type { OpenFileCache } from "./open_file_cache.ts";
import { fileStateFor, type RecentStats } from "./server_file_state.ts";
import { serveContent } from "./serve_content.ts";
import type { UploadSettings } from "./upload.ts";
export type { UploadSettings } from "./upload.ts";
import { UPLOAD_FORM_HTML } from "./upload_form.ts";
import { directoryRedirectLocation, displayPath, translatePath } from "./url_path.ts";
import {
  choosePrecompressed,
  isSpaRoute,
  preflightHeaders,
  responseHeaderPairs,
  type ResponseHeaders,
  servedMethods,
} from "./web_app.ts";

export { FileContentCache };
export type { ResponseHeaders };
export { responseHeaderPairs } from "./web_app.ts";
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
  SegmentsSource,
} from "../../io/body_source.ts";

/** Options of {@linkcode SimpleHTTPRequestHandler} beyond Python's positional arguments. */
export interface SimpleHTTPRequestHandlerOptions {
  /** The directory to serve (default: the server's `directory`, else the working directory). */
  directory?: string;
  /** Sets {@linkcode SimpleHTTPRequestHandler.etag} (default: the server's `etag`, else off). */
  etag?: boolean;
  /**
   * Headers added to every 200 file and listing answer (CPython 3.15's `response_headers=`
   * keyword; default: the server's `response_headers`).
   */
  response_headers?: ResponseHeaders | null;
}

/** A server that may name the directory its file handlers serve. */
export interface DirectoryServerInfo extends ServerInfo {
  /** The directory to serve. */
  directory?: string;
  /** Whether file handlers send entity tags (`SimpleHTTPRequestHandler.etag`). */
  etag?: boolean;
  /** Headers for every 200 file and listing answer (CPython 3.15's `response_headers`). */
  response_headers?: ResponseHeaders | null;
}

/** Which answer `end_headers` is ending, for the headers that only some answers get. */
const enum Answer {
  /** Any other answer (errors, redirects, preflights). */
  Other,
  /** A file's answer from `serveContent` (200, 206, 304 or an error). */
  File,
  /** A directory listing. */
  Listing,
}

/** A lone UTF-16 surrogate (what `unquote(..., errors="surrogatepass")` can produce). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A lone surrogate that `surrogateescape` cannot encode (anything but U+DC80-U+DCFF). */
const UNENCODABLE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udc7f\udd00-\udfff]/;

/**
 * Why Python's `os` functions could not even try `path`: `"value"` where they raise
 * `ValueError` (a NUL byte, or a surrogate the file system encoding cannot encode), `"bytes"`
 * where the path names raw undecodable bytes (U+DC80-U+DCFF under `surrogateescape`), which
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
 * Lets the event loop serve other connections: a zero-delay timer, so the runtime parks and
 * polls its sockets. A `setImmediate` or `MessageChannel` turn is cheaper (microseconds against
 * a millisecond or two) but does not poll them: behind a listing pausing that way, another
 * client's request waited up to a second though timers kept firing. A core timer
 * (`AbortSignal.timeout`) does not bring up Node's timers layer as the global `setTimeout` does.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    AbortSignal.timeout(0).addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * Entries up to which CPython's page is built whole (and may then be cached): at most a few
 * MiB even with the longest names. Beyond, the page is never whole in memory: its length is
 * counted in a first pass over the pieces and the pieces are rendered again as they are sent.
 */
const WHOLE_PAGE_ENTRIES = 4096;

/** A pacer for a listing of `count` entries; null for a small one, done in one go. */
function listingPacer(count: number): TurnPacer | null {
  return count <= listing!.LISTING_PIECE_ENTRIES ? null : new listing!.TurnPacer(nextTurn);
}

/** Runs steps in one go without a pacer, else pausing as the pacer says. */
async function runListingSteps<T>(steps: Steps<T>, pacer: TurnPacer | null): Promise<T> {
  return pacer === null ? listing!.runSteps(steps) : await listing!.runStepsPaced(steps, pacer);
}

/** Bytes of text pieces encoded as UTF-8 (`surrogateescape`), pausing as the pacer says. */
async function countPieceBytes(pieces: Iterable<string>, pacer: TurnPacer): Promise<number> {
  let length = 0;
  for (const piece of pieces) {
    if (pacer.due()) await pacer.pause();
    length += listing!.encodeSurrogateEscape(piece).length;
  }
  return length;
}

/** Encodes text pieces (UTF-8, `surrogateescape`) into one array, pausing as the pacer says. */
async function encodePieces(
  pieces: Iterable<string>,
  pacer: TurnPacer | null,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (pacer?.due()) await pacer.pause();
    const bytes = listing!.encodeSurrogateEscape(piece);
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
  const pacer = new listing!.TurnPacer(nextTurn);
  return new ReadableStream<Uint8Array>({
    // A fast client takes each piece at once (the writer stages it without waiting), so
    // without pauses the whole page would be rendered in one turn of the loop.
    async pull(controller) {
      if (pacer.due()) await pacer.pause();
      const next = pieces.next();
      if (next.done) {
        if (chunked) controller.enqueue(LAST_CHUNK_BYTES);
        controller.close();
        return;
      }
      const bytes = listing!.encodeSurrogateEscape(next.value);
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
  /** Extension -> type overrides consulted before the system's MIME table. */
  extensions_map: Readonly<Record<string, string>> = { ...DEFAULT_EXTENSIONS_MAP };
  /** The directory served. */
  directory: string;
  /**
   * Contents of small files and directory listings, reused while a fresh `stat` shows the
   * file or directory unchanged (same inode, size, modification and change time); by default
   * one cache per server, shared by its handlers. Set to null to read every file and
   * directory from disk on every request, as CPython does (null also stops range answers from
   * reading large files through the server's open-file cache).
   */
  file_cache: FileContentCache | null;
  /** The server's memo of recent `stat` results. */
  readonly #recentStats: RecentStats;
  /** The server's open handles of large files (used while `file_cache` is on). */
  readonly #openFiles: OpenFileCache;
  /**
   * Send a strong `ETag` (`"<mtime ms hex>-<size hex>"`) and `Accept-Ranges: bytes` with file
   * answers (200, 206, 304) and evaluate `If-Match`, `If-Unmodified-Since`, `If-None-Match`
   * and `If-Range` against it (RFC 9110). Off by default: Python sends neither header, and
   * then only a request carrying `Range` is answered differently from Python (`--etag`).
   */
  etag = false;
  /**
   * Uploads (`--upload`, `handlers/files/upload.ts`): null, the default, answers PUT and POST
   * `501 Unsupported method` as CPython does and lists directories without a form.
   */
  upload_settings: UploadSettings | null = null;
  /**
   * Headers added, after CPython's own, to every 200 answer with a file or a listing: a
   * mapping or `(name, value)` pairs (CPython 3.15's `response_headers`; `-H NAME VALUE`).
   * null: none.
   */
  response_headers: ResponseHeaders | null = null;
  /**
   * CORS (ours): `Access-Control-Allow-Origin: *` on every answer and preflight `OPTIONS`
   * answered 204; when false, `OPTIONS` gets Python's 501.
   */
  cors: boolean = false;
  /** `Cache-Control` value for file answers (200, 206, 304); null: none (ours). */
  cache_control: string | null = null;
  /**
   * The single-page app's entry page, a path under `directory` (`index.html`): a GET or HEAD
   * for a missing extensionless path from a client that accepts HTML gets it with 200.
   * null: off (ours).
   */
  spa: string | null = null;
  /**
   * Status -> page file (under `directory` unless absolute) whose bytes `send_error` sends,
   * with the error's status, instead of the HTML template (ours).
   */
  error_pages: Readonly<Record<number, string>> = {};
  /**
   * Serve precompressed siblings (`a.js.br`, `a.js.zst`, `a.js.gz`) to clients that accept
   * that coding, else compress text-like files on the fly (gzip, brotli; see
   * `compression.ts`), with `Vary: Accept-Encoding` on every file answer (ours). Range
   * requests get the identity representation.
   */
  compress: boolean = false;
  /** The answer `end_headers` will end (set around file and listing answers). */
  #answer: Answer = Answer.Other;
  /** The content coding of the file being answered, or null for identity. */
  #coding: string | null = null;
  /** `response_headers` as checked pairs, once used. */
  #extraHeaders: [string, string][] | null = null;
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
   * @param options `directory` to serve, `etag`.
   */
  constructor(
    request: ByteConnection,
    client_address: ClientAddress,
    server: ServerInfo,
    options: SimpleHTTPRequestHandlerOptions = {},
  ) {
    super(request, client_address, server);
    const state = fileStateFor(server);
    this.file_cache = state.fileCache;
    this.#recentStats = state.recentStats;
    this.#openFiles = state.openFiles;
    this.directory = options.directory ?? (server as DirectoryServerInfo).directory ??
      Deno.cwd();
    this.etag = options.etag ?? (server as DirectoryServerInfo).etag ?? this.etag;
    const headers = options.response_headers ?? (server as DirectoryServerInfo).response_headers;
    if (headers !== undefined && headers !== null) this.response_headers = headers;
  }

  /**
   * As in the base class; `rfile` also records when each read completes, so that requests
   * whose bytes had all arrived before a `stat` started can share its result.
   */
  override setup(): void | Promise<void> {
    const done = super.setup();
    this.rfile.trackFillTime = true;
    this.#openFiles.connectionOpened();
    return done;
  }

  /** As in the base class; the server's idle open files are closed after its last connection. */
  override async finish(): Promise<void> {
    try {
      await super.finish();
    } finally {
      this.#openFiles.connectionClosed();
    }
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

  /** Stores the body as a file when uploads are on (`upload_settings`), else CPython's 501. */
  async do_PUT(): Promise<void> {
    if (this.upload_settings === null) return await this.send_error(501, UNSUPPORTED_PUT);
    const { handlePut } = await import("./upload.ts");
    await handlePut(this, this.upload_settings);
  }

  /** Stores a form's files when uploads are on (`upload_settings`), else CPython's 501. */
  async do_POST(): Promise<void> {
    if (this.upload_settings === null) return await this.send_error(501, UNSUPPORTED_POST);
    const { handleFormPost } = await import("./upload.ts");
    await handleFormPost(this, this.upload_settings);
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
   * by `serveContent` (preconditions, ranges, framing headers, cached or streamed body).
   */
  async send_head(): Promise<BodySource | null> {
    if (this.response_headers !== null) {
      // Checked before any header is recorded: a bad configured field fails the request
      // whole (HeaderFieldError) instead of leaving half a head.
      this.#extraHeaders ??= responseHeaderPairs(this.response_headers);
    }
    let path = this.translate_path(this.path);
    if (!this.#mayServe(path)) {
      await this.send_error(404, "File not found");
      return null;
    }
    let info = this.#stat(path);
    if (
      info === null && this.spa !== null &&
      isSpaRoute(this.command ?? "", this.path, this.headers.get("Accept"))
    ) {
      const entry = this.translate_path("/" + this.spa);
      const entryInfo = statOrNull(entry);
      if (entryInfo?.isFile) {
        path = entry;
        info = entryInfo;
      }
    }
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
    this.#answer = Answer.File;
    try {
      if (this.compress && info?.isFile && !this.headers.has("Range")) {
        // Ranges are answered on the identity representation.
        const sibling = choosePrecompressed(path, this.headers.get("Accept-Encoding"), statOrNull);
        if (sibling !== null) {
          this.#coding = sibling.coding;
          return await serveContent(this, sibling.path, sibling.info, ctype, openForReading);
        }
        const compression = await loadCompression();
        const coding = compression.onTheFlyCoding(
          ctype,
          info.size,
          this.headers.get("Accept-Encoding"),
        );
        if (coding !== null) {
          this.#coding = coding;
          const chunked = this.request_version === "HTTP/1.1" &&
            this.protocol_version >= "HTTP/1.1";
          const cache = compression.compressedCacheFor(this.server);
          return await compression.serveCompressed(this, path, info, ctype, coding, cache, chunked);
        }
      }
      const openFiles = this.file_cache === null ? null : this.#openFiles;
      return await serveContent(this, path, info, ctype, openForReading, openFiles);
    } finally {
      this.#answer = Answer.Other;
      this.#coding = null;
    }
  }

  /**
   * As in the base class; adds the headers of the features switched on (`cors`,
   * `response_headers`, `cache_control`, `compress`) to the answers they apply to.
   */
  override end_headers(): Promise<void> {
    if (this.cors || this.#answer !== Answer.Other) this.#addWebAppHeaders();
    return super.end_headers();
  }

  #addWebAppHeaders(): void {
    const code = this.response_head.code;
    if (code < 200) return;
    const answer = this.#answer;
    if (answer !== Answer.Other && code === 200 && this.response_headers !== null) {
      this.#extraHeaders ??= responseHeaderPairs(this.response_headers);
      for (const [name, value] of this.#extraHeaders) this.send_header(name, value);
    }
    if (answer === Answer.File && (code === 200 || code === 206 || code === 304)) {
      if (this.cache_control !== null) this.send_header("Cache-Control", this.cache_control);
      if (this.compress) {
        if (this.#coding !== null && code === 200) {
          this.send_header("Content-Encoding", this.#coding);
        }
        this.send_header("Vary", "Accept-Encoding");
      }
    }
    if (this.cors) this.send_header("Access-Control-Allow-Origin", "*");
  }

  /** Whether `method` is this class's upload method, which answers 501 without uploads. */
  #answersOnlyWithUploads(method: string): boolean {
    if (method === "PUT") return this.do_PUT === SimpleHTTPRequestHandler.prototype.do_PUT;
    if (method === "POST") return this.do_POST === SimpleHTTPRequestHandler.prototype.do_POST;
    return false;
  }

  /**
   * With `cors`: answers a CORS preflight (`Origin` and `Access-Control-Request-Method`) 204
   * with the methods served, the request headers asked for and a max age, and any other
   * `OPTIONS` 204 with `Allow`. Without it: Python's `501 Unsupported method ('OPTIONS')`.
   */
  async do_OPTIONS(): Promise<void> {
    if (!this.cors) {
      await this.send_error(501, "Unsupported method ('OPTIONS')");
      return;
    }
    // This class's PUT and POST answer 501 while uploads are off: not offered then (a
    // subclass's own, CGI's POST for one, still are).
    const methods = this.upload_settings === null
      ? servedMethods(this).filter((method) => !this.#answersOnlyWithUploads(method))
      : servedMethods(this);
    this.send_response(204);
    if (this.headers.has("Origin") && this.headers.has("Access-Control-Request-Method")) {
      const requested = this.headers.get("Access-Control-Request-Headers");
      for (const [name, value] of preflightHeaders(methods, requested)) {
        this.send_header(name, value);
      }
    } else {
      this.send_header("Allow", methods.join(", "));
    }
    await this.end_headers();
  }

  /**
   * As in the base class, except for a status in `error_pages`: that file's bytes, its type
   * from `guess_type`, with the error's status line and `Connection: close` (the template
   * answer when the file cannot be read).
   *
   * @param code The status.
   * @param message The reason phrase.
   * @param explain The template's explanation.
   */
  override async send_error(code: number, message?: string, explain?: string): Promise<void> {
    const page = this.error_pages[code];
    if (page === undefined) return await super.send_error(code, message, explain);
    const file = page.startsWith("/") ? page : joinPath(this.directory, page);
    let body: Uint8Array;
    try {
      body = Deno.readFileSync(file);
    } catch {
      return await super.send_error(code, message, explain);
    }
    const reason = message ?? this.responses[code]?.[0] ?? "???";
    this.log_error("code %d, message %s", code, reason);
    this.send_response(code, reason);
    this.send_header("Connection", "close");
    const withBody = code >= 200 && code !== 204 && code !== 205 && code !== 304;
    if (withBody) {
      this.send_header("Content-Type", this.guess_type(file));
      this.send_header("Content-Length", String(body.length));
    }
    await this.end_headers();
    if (this.command !== "HEAD" && withBody && body.length > 0) await this.wfile.write(body);
  }

  /**
   * Sends a listing of `path` (when there is no index page): 200 with CPython's HTML (or the
   * rich page, or JSON when asked for), or `404 No permission to list directory`.
   *
   * @param path The directory on disk.
   * @returns The page to copy, or null after an error.
   */
  async list_directory(path: string): Promise<BodySource | null> {
    if (listing === null) await loadListingParts();
    const accept = this.json_listing ? this.headers.get("Accept") : undefined;
    const wantsJson = this.json_listing && this.path.includes("?")
      ? listing!.listingQuery(this.path).json
      : false;
    const jsonType = accept === undefined ? "" : (await loadJsonListing()).JSON_LISTING_TYPE;
    const json = wantsJson ||
      (accept !== undefined &&
        listing!.negotiateMediaType(accept, ["text/html", jsonType]) === jsonType);
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
      const pacer = listingPacer(entries.length);
      const order = await runListingSteps(listing!.pythonOrderSteps(entries.names), pacer);
      const pieces = () =>
        listing!.directoryListingPieces(title, entries.inOrder(order), extraHtml);
      if (pacer !== null && entries.length > WHOLE_PAGE_ENTRIES) {
        // CPython sends the length of the page it built whole; here it is counted first and
        // the page rendered again while it is sent: memory stays with the entries' columns.
        const length = await countPieceBytes(pieces(), pacer);
        await this.#sendListingHead(length);
        return new StreamSource(piecesStream(pieces(), false));
      }
      page = await encodePieces(pieces(), pacer);
      // A symlink's target can change type without the directory changing: not cached.
      if (before !== null && !symlinks) cache?.putDerived(key, before, page, Date.now());
    }
    await this.#sendListingHead(page.length);
    return new BytesSource(page);
  }

  /** The head of a 200 with CPython's listing page of `length` bytes. */
  async #sendListingHead(length: number): Promise<void> {
    this.send_response(200);
    this.send_header("Content-type", "text/html; charset=utf-8");
    this.send_header("Content-Length", String(length));
    this.#answer = Answer.Listing;
    try {
      await this.end_headers();
    } finally {
      this.#answer = Answer.Other;
    }
  }

  /**
   * HTML placed at the end of a listing page, before `</body>` (both the CPython and the
   * rich page): a hook for options that add a block. Empty by default, which keeps CPython's
   * bytes; with uploads on, the upload form.
   *
   * @param _path The directory on disk.
   * @returns HTML (already escaped).
   */
  listing_extra_html(_path: string): string {
    return this.upload_settings === null ? "" : UPLOAD_FORM_HTML;
  }

  /** The rich HTML listing or the JSON one: entries with sizes and dates, sorted as asked. */
  async #listWithDetails(path: string, json: boolean): Promise<BodySource | null> {
    const read = await this.#readEntries(path, true);
    if (read === null) {
      await this.send_error(404, "No permission to list directory");
      return null;
    }
    const query = listing!.listingQuery(this.path);
    const { entries } = read;
    const pacer = listingPacer(entries.length);
    const sorted = entries.inOrder(
      await runListingSteps(listing!.listingOrderSteps(entries, query), pacer),
    );
    const { JSON_LISTING_TYPE, renderJsonListing } = await loadJsonListing();
    const { renderRichListing } = await loadRichListing();
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
    if (pacer === null) {
      const page = await encodePieces(pieces, null);
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
   * Reads a directory's entries into columns, left out those the dotfile and symlink
   * policies refuse; with `details`, each with its size and modification time. A large
   * directory is read as a stream and examined as it arrives, pausing for other clients
   * whenever a turn's budget is spent; no `Deno.DirEntry` or `Deno.FileInfo` is kept. Null
   * when the directory cannot be read.
   */
  async #readEntries(
    path: string,
    details: boolean,
  ): Promise<{ entries: ListingEntries; symlinks: boolean } | null> {
    const entries = new listing!.ListingEntries(details);
    let symlinks = false;
    // The `stat`s of a few thousand entries can take longer than a turn: paced on both paths.
    const pacer = new listing!.TurnPacer(nextTurn);
    try {
      // One synchronous read for a small directory; a large one is read as a stream (its own
      // size says which, in bytes of directory records).
      const size = this.#stat(path)?.size ?? 0;
      if (size <= SYNC_READ_DIRECTORY_BYTES) {
        for (const entry of Deno.readDirSync(path)) {
          if (this.#addEntry(entries, path, entry)) symlinks = true;
          if (pacer.tick()) await pacer.pause();
        }
      } else {
        for await (const entry of Deno.readDir(path)) {
          if (this.#addEntry(entries, path, entry)) symlinks = true;
          if (pacer.tick()) await pacer.pause();
        }
      }
    } catch {
      return null;
    }
    return { entries, symlinks };
  }

  /**
   * Adds `entry` of the directory `path` to the columns unless a policy refuses it (sizes and
   * times looked up when the columns keep them); true when it is a listed symlink.
   */
  #addEntry(entries: ListingEntries, path: string, entry: Deno.DirEntry): boolean {
    const name = entry.name;
    if (!this.dotfiles && name.startsWith(".")) return false;
    let isDirectory = entry.isDirectory;
    const full = joinPath(path, name);
    let size: number | null = null;
    let mtime = 0;
    if (entry.isSymlink) {
      if (!this.#mayServeEntry(path, name, true)) return false;
      const target = statOrNull(full);
      isDirectory = target?.isDirectory ?? false;
      if (entries.details) {
        if (target !== null) {
          size = target.size;
          mtime = target.mtime?.getTime() ?? 0;
        } else {
          mtime = lstatOrNull(full)?.mtime?.getTime() ?? 0;
        }
      }
    } else if (entries.details) {
      const info = lstatOrNull(full);
      size = info?.size ?? null;
      mtime = info?.mtime?.getTime() ?? 0;
    }
    entries.push(name, isDirectory, entry.isSymlink, size, mtime);
    return entry.isSymlink;
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
   * A stat of `path` as of this request (see `RecentStats`); with `file_cache` null, always a
   * fresh one, as CPython does.
   */
  #stat(path: string): Deno.FileInfo | null {
    return this.file_cache === null
      ? statOrNull(path)
      : this.#recentStats.stat(path, this.rfile.lastFillAt, statOrNull);
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

/** What CPython answers a PUT or POST it has no method for (the base class's words). */
const UNSUPPORTED_PUT = "Unsupported method ('PUT')";
const UNSUPPORTED_POST = "Unsupported method ('POST')";

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
 * The listing modules (`listing_parts.ts`), set by the first {@linkcode loadListingParts}:
 * `list_directory` loads them before any listing code above runs, so a plain file GET never
 * compiles them (the start to the first file served is shorter).
 */
let listing: typeof import("./listing_parts.ts") | null = null;
let listingPartsModule: Promise<typeof import("./listing_parts.ts")> | null = null;

function loadListingParts(): Promise<typeof import("./listing_parts.ts")> {
  return listingPartsModule ??= import("./listing_parts.ts").then((module) => listing = module);
}

/** `json_listing.ts`, loaded on the first JSON-capable listing (not needed to serve files). */
let jsonListingModule: Promise<typeof import("./json_listing.ts")> | null = null;

function loadJsonListing(): Promise<typeof import("./json_listing.ts")> {
  return jsonListingModule ??= import("./json_listing.ts");
}

/** `rich_listing.ts`, loaded on the first rich or JSON listing (not needed to serve files). */
let richListingModule: Promise<typeof import("./rich_listing.ts")> | null = null;

function loadRichListing(): Promise<typeof import("./rich_listing.ts")> {
  return richListingModule ??= import("./rich_listing.ts");
}

/** `compression.ts`, loaded on the first `compress` answer (plain runs never load `node:zlib`). */
let compressionModule: Promise<typeof import("./compression.ts")> | null = null;

function loadCompression(): Promise<typeof import("./compression.ts")> {
  return compressionModule ??= import("./compression.ts");
}

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
