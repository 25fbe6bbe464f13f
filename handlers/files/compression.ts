/**
 * On-the-fly compression for `--compress` (ours): a compressible file above
 * {@linkcode COMPRESS_MIN_BYTES} is sent gzip- or brotli-coded to a client that accepts it.
 * Files up to {@linkcode COMPRESS_WHOLE_MAX_BYTES} are compressed whole with `node:zlib` and
 * the result kept, per server, in a {@linkcode CompressedCache} keyed by path, size, mtime and
 * coding, so repeat requests cost a lookup and go out with a known `Content-Length`. Larger
 * files stream through `CompressionStream("gzip")`: chunked to an HTTP/1.1 client, or
 * delimited by closing the connection for HTTP/1.0. No compressor is written here.
 *
 * @module
 */
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import {
  BytesSource,
  type ByteWriter,
  type CopyableSource,
  FileSource,
} from "../../io/body_source.ts";
import { ChunkedWriter } from "../../io/chunked_writer.ts";
import { WFile } from "../../io/wfile.ts";
import { chooseCoding, parseAcceptEncoding } from "../../protocol/accept_encoding.ts";
import { FILE_CACHE_SETTLE_MS } from "./file_cache.ts";
import { entityTagListMatches, fileEntityTag, parseEntityTag } from "../../protocol/etag.ts";
import { isNotModified } from "../../protocol/if_modified_since.ts";

/** The handler surface an on-the-fly answer goes through (`SimpleHTTPRequestHandler`). */
export interface CompressionResponder {
  /** The request headers. */
  readonly headers: { get(name: string): string | undefined };
  /** Set when the connection must close after this answer. */
  close_connection: boolean;
  /** Buffers the status line and the `Server` and `Date` headers. */
  send_response(code: number, message?: string): void;
  /** Buffers one header line. */
  send_header(keyword: string, value: string | number): void;
  /** Ends the header block and writes it. */
  end_headers(): Promise<void>;
  /** Sends an error answer. */
  send_error(code: number, message?: string, explain?: string): Promise<void>;
  /** An HTTP date for a time in seconds since the epoch. */
  date_time_string(timestamp?: number): string;
  /** Send an `ETag` (`--etag`): here one per coding, as the coded bytes differ. */
  readonly etag: boolean;
}

/**
 * The strong entity tag of a file's `coding` representation: the file's tag with the coding
 * added, so a cache never takes gzip bytes for brotli or identity ones (RFC 9110 §8.8.3).
 *
 * @param mtimeMs The file's modification time.
 * @param size The file's size.
 * @param coding The content coding.
 * @returns The quoted tag.
 *
 * @example
 * ```ts
 * import { codedEntityTag } from "./compression.ts";
 * codedEntityTag(0, 10, "gzip"); // '"0-a-gzip"'
 * ```
 */
export function codedEntityTag(mtimeMs: number, size: number, coding: string): string {
  return `${fileEntityTag(mtimeMs, size).slice(0, -1)}-${coding}"`;
}

/** Smallest file compressed on the fly: below it the coding's framing outweighs the saving. */
export const COMPRESS_MIN_BYTES = 1024;
/**
 * Largest file compressed whole (and cached): big enough for any script or stylesheet
 * bundle, small enough that one synchronous compression stays a few milliseconds.
 */
export const COMPRESS_WHOLE_MAX_BYTES = 1024 * 1024;
/** Memory one server's cache of compressed results may hold. */
export const COMPRESS_CACHE_BUDGET_BYTES = 32 * 1024 * 1024;
/**
 * Brotli quality for on-the-fly results: 5 compresses about as well as gzip -9 at gzip's
 * speed; 11 (the default) is for build steps, far too slow per request.
 */
const BROTLI_QUALITY = 5;
/** gzip level: zlib's default trade of speed and size. */
const GZIP_LEVEL = 6;

/** Types worth compressing: text, scripts, data and WebAssembly; not images or archives. */
const COMPRESSIBLE_TYPE =
  /^(?:text\/|application\/(?:javascript|ecmascript|json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|wasm|manifest\+json|x-javascript|typescript)|image\/svg\+xml)/i;

/**
 * Whether a file of this type is compressed on the fly.
 *
 * @param contentType The `Content-type` the file is sent with.
 * @returns True for text-like types and WebAssembly.
 *
 * @example
 * ```ts
 * import { isCompressible } from "./compression.ts";
 * isCompressible("text/javascript"); // true
 * isCompressible("image/png"); // false
 * ```
 */
export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE_TYPE.test(contentType);
}

/**
 * The coding to compress a file with on the fly, or null to send it as it is: the file must
 * be compressible and at least {@linkcode COMPRESS_MIN_BYTES}; brotli is offered for files
 * compressed whole, gzip for all.
 *
 * @param contentType The file's type.
 * @param size The file's size.
 * @param acceptEncoding The client's `Accept-Encoding`.
 * @returns `br`, `gzip` or null.
 *
 * @example
 * ```ts
 * import { onTheFlyCoding } from "./compression.ts";
 * onTheFlyCoding("text/css", 50_000, "gzip, deflate, br"); // "br"
 * ```
 */
export function onTheFlyCoding(
  contentType: string,
  size: number,
  acceptEncoding: string | undefined,
): string | null {
  if (acceptEncoding === undefined || size < COMPRESS_MIN_BYTES) return null;
  if (!isCompressible(contentType)) return null;
  const offered = size <= COMPRESS_WHOLE_MAX_BYTES ? ["br", "gzip"] : ["gzip"];
  return chooseCoding(parseAcceptEncoding(acceptEncoding), offered);
}

/**
 * Compressed results within a byte budget, the least recently used dropped first. A result is
 * found only for the same path, size, modification time and coding.
 *
 * @example
 * ```ts
 * import { CompressedCache } from "./compression.ts";
 * const cache = new CompressedCache(1024);
 * cache.put("/a.js", 10, 1, "gzip", new Uint8Array(5));
 * cache.get("/a.js", 10, 1, "gzip")?.length; // 5
 * cache.get("/a.js", 11, 1, "gzip"); // null
 * ```
 */
export class CompressedCache {
  readonly #entries = new Map<string, Uint8Array>();
  readonly #budget: number;
  #bytes = 0;

  /**
   * Creates an empty cache.
   *
   * @param budget Bytes the results may hold together.
   */
  constructor(budget: number = COMPRESS_CACHE_BUDGET_BYTES) {
    this.#budget = budget;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The result for this file version and coding, or null.
   *
   * @param path The file's path.
   * @param size Its size.
   * @param mtime Its modification time (ms).
   * @param coding The coding.
   * @returns The compressed bytes, or null.
   */
  get(path: string, size: number, mtime: number, coding: string): Uint8Array | null {
    const key = `${coding}\0${size}\0${mtime}\0${path}`;
    const bytes = this.#entries.get(key);
    if (bytes === undefined) return null;
    this.#entries.delete(key);
    this.#entries.set(key, bytes);
    return bytes;
  }

  /**
   * Keeps a result, dropping the least recently used ones to stay within the budget (a
   * result larger than the whole budget is not kept).
   *
   * @param path The file's path.
   * @param size Its size.
   * @param mtime Its modification time (ms).
   * @param coding The coding.
   * @param bytes The compressed bytes.
   */
  put(path: string, size: number, mtime: number, coding: string, bytes: Uint8Array): void {
    if (bytes.length > this.#budget) return;
    const key = `${coding}\0${size}\0${mtime}\0${path}`;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#bytes -= old.length;
    this.#entries.delete(key);
    for (const [oldest, value] of this.#entries) {
      if (this.#bytes + bytes.length <= this.#budget) break;
      this.#entries.delete(oldest);
      this.#bytes -= value.length;
    }
    this.#entries.set(key, bytes);
    this.#bytes += bytes.length;
  }
}

/** One cache per server (handlers of different servers never share results). */
const cachesByServer = new WeakMap<object, CompressedCache>();

/**
 * The compressed-result cache of a server.
 *
 * @param server The handler's `server`.
 * @returns Its cache, created on first use.
 *
 * @example
 * ```ts
 * import { compressedCacheFor } from "./compression.ts";
 * const server = {};
 * compressedCacheFor(server) === compressedCacheFor(server); // true
 * ```
 */
export function compressedCacheFor(server: object): CompressedCache {
  let cache = cachesByServer.get(server);
  if (cache === undefined) {
    cache = new CompressedCache();
    cachesByServer.set(server, cache);
  }
  return cache;
}

/**
 * Compresses bytes whole with `node:zlib`.
 *
 * @param bytes The identity bytes.
 * @param coding `br` or `gzip`.
 * @returns The coded bytes.
 *
 * @example
 * ```ts
 * import { compressWhole } from "./compression.ts";
 * compressWhole(new TextEncoder().encode("a".repeat(1000)), "gzip").length < 100; // true
 * ```
 */
export function compressWhole(bytes: Uint8Array, coding: string): Uint8Array {
  const out = coding === "br"
    ? brotliCompressSync(bytes, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    })
    : gzipSync(bytes, { level: GZIP_LEVEL });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A file streamed through `CompressionStream`, written chunked (HTTP/1.1) or as it comes
 * (HTTP/1.0, the connection then closes to end the body).
 */
class CompressedStreamSource implements CopyableSource {
  readonly #file: FileSource;
  readonly #coding: string;
  readonly #chunked: boolean;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;

  constructor(file: FileSource, coding: string, chunked: boolean) {
    this.#file = file;
    this.#coding = coding;
    this.#chunked = chunked;
  }

  #stream(): ReadableStreamDefaultReader<Uint8Array> {
    if (this.#reader === null) {
      const file = this.#file;
      const input = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const buffer = new Uint8Array(64 * 1024);
          const n = await file.read(buffer);
          if (n === null) controller.close();
          else controller.enqueue(buffer.subarray(0, n));
        },
      });
      const format = (this.#coding === "br" ? "brotli" : "gzip") as CompressionFormat;
      const coder = new CompressionStream(format) as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >;
      this.#reader = input.pipeThrough(coder).getReader();
    }
    return this.#reader;
  }

  async read(p: Uint8Array): Promise<number | null> {
    // Unframed reads, for a `copyfile` override that reads the source itself.
    const { done, value } = await this.#stream().read();
    if (done) return null;
    const n = Math.min(value.length, p.length);
    p.set(value.subarray(0, n));
    return n;
  }

  async copyTo(writer: ByteWriter): Promise<void> {
    const reader = this.#stream();
    const chunked = this.#chunked && writer instanceof WFile ? new ChunkedWriter(writer) : null;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length === 0) continue;
      if (chunked !== null) await chunked.write(value);
      else await writer.write(value);
    }
    await chunked?.close();
  }

  close(): void {
    this.#reader?.cancel().catch(() => {});
    this.#file.close();
  }
}

/**
 * Answers for a file compressed on the fly: CPython's `If-Modified-Since` decision (304), then
 * 200 with the original's type and `Last-Modified` and the
 * coded body (`Content-Encoding` and `Vary` are added by the handler's `end_headers`).
 *
 * @param responder The handler.
 * @param path The file.
 * @param info Its `stat`.
 * @param contentType The original's type.
 * @param coding `br` or `gzip`, from {@linkcode onTheFlyCoding}.
 * @param cache The server's results.
 * @param chunked Whether a streamed body may use chunked framing (an HTTP/1.1 exchange).
 * @returns The body source, or null when no body follows.
 */
export async function serveCompressed(
  responder: CompressionResponder,
  path: string,
  info: Deno.FileInfo,
  contentType: string,
  coding: string,
  cache: CompressedCache,
  chunked: boolean,
): Promise<BodySourceOrNull> {
  const mtime = info.mtime?.getTime() ?? 0;
  const etag = responder.etag ? codedEntityTag(mtime, info.size, coding) : null;
  // CPython's rule, as `serveContent` applies it: If-Modified-Since → 304 unless
  // If-None-Match is present; with ETags on, If-None-Match (weak comparison) decides.
  const ims = responder.headers.get("If-Modified-Since");
  const inm = responder.headers.get("If-None-Match");
  const notModified = inm !== undefined
    ? etag !== null && entityTagListMatches(inm, parseEntityTag(etag), "weak")
    : ims !== undefined && isNotModified(ims, mtime);
  if (notModified) {
    responder.send_response(304);
    if (etag !== null) responder.send_header("ETag", etag);
    await responder.end_headers();
    return null;
  }
  const lastModified = responder.date_time_string(Math.floor(mtime / 1000));
  if (info.size <= COMPRESS_WHOLE_MAX_BYTES) {
    let bytes = cache.get(path, info.size, mtime, coding);
    if (bytes === null) {
      let identity: Uint8Array;
      try {
        identity = Deno.readFileSync(path);
      } catch {
        await responder.send_error(404, "File not found");
        return null;
      }
      bytes = compressWhole(identity, coding);
      // Kept only if the file did not change while it was read, and only once its mtime has
      // settled (git's racy rule, as the file cache): a write within the same mtime tick that
      // keeps the size would otherwise leave a stale result under the same key.
      const ctime = info.ctime?.getTime() ?? mtime;
      const settled = Date.now() - Math.max(mtime, ctime) >= FILE_CACHE_SETTLE_MS;
      if (identity.length === info.size && settled) {
        cache.put(path, info.size, mtime, coding, bytes);
      }
    }
    responder.send_response(200);
    responder.send_header("Content-type", contentType);
    responder.send_header("Content-Length", String(bytes.length));
    responder.send_header("Last-Modified", lastModified);
    if (etag !== null) responder.send_header("ETag", etag);
    await responder.end_headers();
    return new BytesSource(bytes);
  }
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    await responder.send_error(404, "File not found");
    return null;
  }
  responder.send_response(200);
  responder.send_header("Content-type", contentType);
  if (chunked) responder.send_header("Transfer-Encoding", "chunked");
  else responder.close_connection = true;
  responder.send_header("Last-Modified", lastModified);
  if (etag !== null) responder.send_header("ETag", etag);
  await responder.end_headers();
  return new CompressedStreamSource(new FileSource(file, info.size), coding, chunked);
}

/** What `serveCompressed` returns. */
type BodySourceOrNull = CopyableSource | null;
