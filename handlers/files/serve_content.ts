/**
 * `serveContent`: answers for a file that `send_head` has resolved (path, stat, type, a way
 * to open it), in the shape of Go's `http.serveContent`: validators, the precondition
 * decision, framing headers and the choice of body source live here; path resolution,
 * redirects, index pages and listings stay in `send_head`.
 *
 * The decision is a {@linkcode ContentDecision} value. Today it follows CPython 3.13 exactly
 * (`If-Modified-Since` → 304 unless `If-None-Match` is present, else 200); pure decision
 * functions for `Range`, `If-Range`, `If-Match`, `If-Unmodified-Since` and ETags (kept in
 * `protocol/`, as `isNotModified` is) plug into {@linkcode decideContent}.
 *
 * @module
 */
import { type BodySource, BytesSource, FileSource } from "../../io/body_source.ts";
import { isNotModified } from "../../protocol/if_modified_since.ts";
import { FILE_CACHE_ENTRY_BYTES, type FileContentCache } from "./file_cache.ts";

/** `length` bytes of a representation from byte `start` (one part of a 206 answer). */
export interface ByteSpan {
  /** Offset of the first byte. */
  readonly start: number;
  /** Bytes in the span (at least one). */
  readonly length: number;
}

/** 200: the whole representation follows. */
export interface FullContent {
  /** The status. */
  readonly status: 200;
}

/**
 * 206: the given spans follow, one as a single part (`Content-Range`), several as
 * `multipart/byteranges`.
 */
export interface PartialContent {
  /** The status. */
  readonly status: 206;
  /** The spans to send, in order. */
  readonly spans: readonly ByteSpan[];
}

/** 304, 412 or 416: a head (and for 412/416 an error page), never the file. */
export interface NoContent {
  /**
   * 304 Not Modified (the client's copy is current), 412 Precondition Failed (`If-Match`,
   * `If-Unmodified-Since`), 416 Range Not Satisfiable (no requested span overlaps the file).
   */
  readonly status: 304 | 412 | 416;
}

/** What to answer for a file, decided from the request's conditional headers and the file. */
export type ContentDecision = FullContent | PartialContent | NoContent;

/** The decision to send the whole file (shared: deciding allocates nothing). */
export const FULL_CONTENT: FullContent = Object.freeze({ status: 200 });
/** The decision to answer 304 Not Modified. */
export const NOT_MODIFIED: NoContent = Object.freeze({ status: 304 });
/** The decision to answer 412 Precondition Failed. */
export const PRECONDITION_FAILED: NoContent = Object.freeze({ status: 412 });
/** The decision to answer 416 Range Not Satisfiable. */
export const RANGE_NOT_SATISFIABLE: NoContent = Object.freeze({ status: 416 });

/** The request headers a decision reads (an `HTTPMessage`). */
export interface ConditionalRequest {
  /**
   * The first value of a header, or undefined.
   *
   * @param name The header name, any case.
   */
  get(name: string): string | undefined;
  /**
   * Whether a header is present.
   *
   * @param name The header name, any case.
   */
  has(name: string): boolean;
}

/**
 * The decision for a file as `stat` describes it: CPython 3.13's rule, 304 when
 * `If-Modified-Since` parses as a UTC date not before the modification time (whole seconds)
 * and no `If-None-Match` is present, else 200.
 *
 * @param request The request headers.
 * @param info The file's `stat` (size, modification time).
 * @returns One of the shared decision values.
 *
 * @example
 * ```ts
 * import { decideContent, NOT_MODIFIED } from "./serve_content.ts";
 * import { HTTPMessage } from "../../headers.ts";
 * import { assertEquals } from "../../deps.ts";
 * const path = await Deno.makeTempFile();
 * const later = new Date(Date.now() + 60_000).toUTCString();
 * const request = new HTTPMessage([["If-Modified-Since", later]]);
 * assertEquals(decideContent(request, Deno.statSync(path)), NOT_MODIFIED);
 * await Deno.remove(path);
 * ```
 */
export function decideContent(request: ConditionalRequest, info: Deno.FileInfo): ContentDecision {
  const ims = request.get("If-Modified-Since");
  if (ims !== undefined && !request.has("If-None-Match") && isNotModified(ims, mtimeOf(info))) {
    return NOT_MODIFIED;
  }
  return FULL_CONTENT;
}

/**
 * The handler surface `serveContent` answers through (`SimpleHTTPRequestHandler`), so that
 * a subclass's overrides of these methods apply to file answers too.
 */
export interface ContentResponder {
  /** The request headers. */
  readonly headers: ConditionalRequest;
  /** Set when the connection must close after this answer. */
  close_connection: boolean;
  /** Contents of small files, or null to read every file from disk. */
  readonly file_cache: FileContentCache | null;
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
}

/**
 * Opens a resolved file for reading: the file, null where it cannot be opened (answered
 * `404 File not found`), or a thrown error where the path cannot be tried at all (the
 * connection is then dropped unanswered).
 */
export type FileOpener = (path: string) => Deno.FsFile | null;

/**
 * Files up to this size are read whole with their head and leave with it in one write; the
 * cache holds files up to the same size, so every such read can fill it.
 */
const SMALL_FILE_SIZE = FILE_CACHE_ENTRY_BYTES;

/**
 * Answers for a resolved file: sends the status and headers and returns what the body is to
 * be copied from, or null when no body follows. A file in `file_cache` whose `stat` still
 * matches is answered from memory; otherwise it is opened, and a small one is read whole
 * (and cached), a large one streamed. A file that shrank after its `Content-Length` was sent
 * ends the response with the connection.
 *
 * @param responder The handler.
 * @param path The file's path on disk.
 * @param info `stat` of `path` as of this request, or null when it could not be taken.
 * @param contentType The `Content-type` to send.
 * @param open How to open `path`.
 * @returns The body source, or null.
 * @throws Whatever `open` throws for a path that cannot be tried.
 */
export async function serveContent(
  responder: ContentResponder,
  path: string,
  info: Deno.FileInfo | null,
  contentType: string,
  open: FileOpener,
): Promise<BodySource | null> {
  const cache = responder.file_cache;
  if (cache !== null && info !== null && info.isFile) {
    // A small file unchanged since it was read: one stat instead of open, fstat and read.
    const cached = cache.get(path, info);
    if (cached !== null) {
      const decision = decideContent(responder.headers, info);
      if (decision.status !== 200 && decision.status !== 206) {
        await sendWithoutContent(responder, decision);
        return null;
      }
      await sendFullHead(responder, contentType, info);
      return new BytesSource(cached);
    }
  }
  const file = open(path);
  if (file === null) {
    await responder.send_error(404, "File not found");
    return null;
  }
  let stat: Deno.FileInfo;
  try {
    stat = file.statSync();
  } catch (error) {
    file.close();
    throw error;
  }
  if (!stat.isFile) {
    // Python's open() fails on a directory (a race with the check in send_head).
    file.close();
    await responder.send_error(404, "File not found");
    return null;
  }
  const source = new FileSource(file, stat.size);
  let streamed = false;
  try {
    const decision = decideContent(responder.headers, stat);
    if (decision.status !== 200 && decision.status !== 206) {
      await sendWithoutContent(responder, decision);
      return null;
    }
    await sendFullHead(responder, contentType, stat);
    if (stat.size > SMALL_FILE_SIZE) {
      streamed = true;
      return source;
    }
    // A small file is read whole now (one synchronous read of the page cache) and leaves
    // with the headers in one write.
    const bytes = source.readAllSync();
    if (bytes.length < stat.size) {
      // The file shrank since its size was sent: end the response with the connection.
      responder.close_connection = true;
    } else {
      cache?.put(path, stat, bytes, Date.now());
    }
    return new BytesSource(bytes);
  } finally {
    if (!streamed) source.close();
  }
}

/**
 * The head of a 200 (a 206 decision is answered so too until span framing exists: a server
 * may always ignore `Range`): type, length and the validators, in CPython's order.
 */
function sendFullHead(
  responder: ContentResponder,
  contentType: string,
  info: Deno.FileInfo,
): Promise<void> {
  responder.send_response(200);
  responder.send_header("Content-type", contentType);
  responder.send_header("Content-Length", String(info.size));
  sendValidators(responder, info);
  return responder.end_headers();
}

/**
 * The file's validators: `Last-Modified` (whole seconds), as CPython sends; an `ETag` would
 * follow it here.
 */
function sendValidators(responder: ContentResponder, info: Deno.FileInfo): void {
  responder.send_header(
    "Last-Modified",
    responder.date_time_string(Math.floor(mtimeOf(info) / 1000)),
  );
}

/** A 304 with CPython's bare head (no validators), or a 412/416 error answer. */
function sendWithoutContent(responder: ContentResponder, decision: NoContent): Promise<void> {
  if (decision.status !== 304) return responder.send_error(decision.status);
  responder.send_response(304);
  return responder.end_headers();
}

/** The modification time in milliseconds since the epoch (0 where the platform gives none). */
function mtimeOf(info: Deno.FileInfo): number {
  return info.mtime?.getTime() ?? 0;
}
