/**
 * `serveContent`: answers for a file that `send_head` has resolved (path, stat, type, a way
 * to open it), in the shape of Go's `http.serveContent`: validators, the precondition
 * decision, framing headers and the choice of body source live here; path resolution,
 * redirects, index pages and listings stay in `send_head`.
 *
 * The decision is `protocol/preconditions.ts`'s {@linkcode decideContent}: with `etag` off
 * (Python's default) a request without `Range` is answered exactly as CPython 3.13 answers it
 * (`If-Modified-Since` -> bare 304 unless `If-None-Match` is present, else 200); a request with
 * `Range`, or any request with `etag` on, is evaluated as RFC 9110 section 13.2.2 orders it. The
 * answers:
 * - 200: `Content-type`, `Content-Length`, `Last-Modified` (and with `etag`: `ETag`,
 *   `Accept-Ranges: bytes`), the whole file.
 * - 206 with one span: the same head with `Content-Range` after the type, `Content-Length` of
 *   the span, the span streamed from the file (or cut from the cached bytes).
 * - 206 with several spans: `multipart/byteranges` with a random boundary, its exact length
 *   planned first, the parts streamed piece by piece.
 * - 304: CPython's bare head (with `etag`: `ETag` and `Accept-Ranges` too).
 * - 412: `send_error(412)`.
 * - 416: `Content-Range: bytes *\/SIZE` and the handler's error page (kept alive, unlike
 *   `send_error`: a resuming client often asks again on the same connection).
 *
 * HEAD gets the head GET gets (the caller drops the body source).
 *
 * @module
 */
import {
  type BodySource,
  BytesSource,
  type FileLease,
  FileSource,
  FileSpanSource,
  SegmentsSource,
  WHOLE_READ_BYTES,
} from "../../io/body_source.ts";
import { htmlEscapeNoQuote } from "../../protocol/html.ts";
import type {
  ContentDecision,
  RepresentationFacts,
  RequestHeaders,
} from "../../protocol/preconditions.ts";
import { type FormatValue, percentFormat } from "../../protocol/python_text.ts";
import type { StatusText } from "../../status.ts";
import { FILE_CACHE_ENTRY_BYTES, type FileContentCache } from "./file_cache.ts";
import type { OpenFileCache } from "./open_file_cache.ts";

/**
 * The handler surface `serveContent` answers through (`SimpleHTTPRequestHandler`), so that
 * a subclass's overrides of these methods apply to file answers too.
 */
export interface ContentResponder {
  /** The request method (`GET`, `HEAD`; null before a request line was read). */
  readonly command: string | null;
  /** The request headers. */
  readonly headers: RequestHeaders;
  /** Set when the connection must close after this answer. */
  close_connection: boolean;
  /** Contents of small files, or null to read every file from disk. */
  readonly file_cache: FileContentCache | null;
  /**
   * Send a strong `ETag` and `Accept-Ranges: bytes` with file answers and evaluate every
   * request's preconditions as RFC 9110 does (off: Python's answers, ranges aside).
   */
  readonly etag: boolean;
  /** The error page template (Python `%(code)d`, `%(message)s`, `%(explain)s`). */
  readonly error_message_format: string;
  /** `Content-Type` of error pages. */
  readonly error_content_type: string;
  /** Status -> reason phrase and explanation. */
  readonly responses: Readonly<Record<number, StatusText>>;
  /** Logs an error. */
  log_error(format: string, ...args: FormatValue[]): void;
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
 * Range answers reading at most this many bytes of a large file read them from the server's
 * shared open handle: each span then goes in one synchronous read, which a shared handle
 * needs (no other response may move it between the positioning and the read). Larger answers
 * open the file for themselves and may switch to asynchronous reads on a slow disk.
 */
const SHARED_READ_BYTES = WHOLE_READ_BYTES;

const encoder = new TextEncoder();

/**
 * The facts handed to `decideContent`, refilled for each request: the decision is synchronous
 * and keeps no reference to them, so one object serves every request without an allocation.
 */
const facts: { size: number; lastModifiedMs: number; etag: string | null } = {
  size: 0,
  lastModifiedMs: 0,
  etag: null,
};

/**
 * What decides a request that carries `Range` or `If-Modified-Since`, or any request with tags
 * on: the precondition and range logic and the entity tags (with `range.ts`,
 * `if_modified_since.ts`). Loaded by the first such request and kept here, so a server that
 * only ever answers plain GETs (and its start-up) never loads them, and later requests do not
 * wait.
 */
interface DecisionModules {
  readonly decideContent: typeof import("../../protocol/preconditions.ts").decideContent;
  readonly fileEntityTag: typeof import("../../protocol/etag.ts").fileEntityTag;
}
let decisionModules: DecisionModules | null = null;
let decisionModulesLoading: Promise<unknown> | null = null;

/** Loads the decision modules once (a failed load is tried again by the next request). */
function loadDecisionModules(): Promise<unknown> {
  return decisionModulesLoading ??= Promise.all([
    import("../../protocol/preconditions.ts"),
    import("../../protocol/etag.ts"),
  ]).then(([preconditions, etag]) => {
    decisionModules = {
      decideContent: preconditions.decideContent,
      fileEntityTag: etag.fileEntityTag,
    };
  }, (error) => {
    decisionModulesLoading = null;
    throw error;
  });
}

/** `multipart/byteranges` planning, loaded by the first multi-range answer. */
type MultipartModule = typeof import("../../protocol/multipart_byteranges.ts");
let multipartModule: MultipartModule | null = null;

function loadMultipartModule(): Promise<MultipartModule> {
  return import("../../protocol/multipart_byteranges.ts").then((module) => {
    return multipartModule = module;
  });
}

/** `decideContent`'s answer for Python's plain GET, before its module is loaded. */
const FULL: ContentDecision = Object.freeze({ kind: "full", status: 200 });

/**
 * Whether this request's answer depends on more than the file: `Range` on a GET or HEAD,
 * `If-Modified-Since`, or tags on (RFC 9110 evaluation of every request). Without any of them
 * `decideContent` answers `200` with the whole file (CPython's evaluation looks at nothing
 * else), so it is asked only while its module is not loaded yet.
 */
function needsDecision(responder: ContentResponder): boolean {
  if (responder.etag) return true;
  const headers = responder.headers;
  const method = responder.command;
  return (method === "GET" || method === "HEAD") && headers.get("range") !== undefined ||
    headers.get("if-modified-since") !== undefined;
}

/** The decision for this request and file (`etag` is the file's tag, or null). */
function decide(
  responder: ContentResponder,
  info: Deno.FileInfo,
  etag: string | null,
): ContentDecision {
  const modules = decisionModules;
  // Not loaded: `serveContent` found nothing to decide (`needsDecision`).
  if (modules === null) return FULL;
  const decideContent = modules.decideContent;
  facts.size = info.size;
  facts.lastModifiedMs = mtimeOf(info);
  facts.etag = etag;
  return decideContent(
    responder.command ?? "",
    responder.headers,
    facts as RepresentationFacts,
    responder.etag,
  );
}

/**
 * Answers for a resolved file: sends the status and headers and returns what the body is to
 * be copied from, or null when no body follows. A file in `file_cache` whose `stat` still
 * matches is answered from memory; otherwise it is opened, and a small one is read whole
 * (and cached), a large one streamed (the whole file or the chosen spans). A file that shrank
 * after its `Content-Length` was sent ends the response with the connection.
 *
 * @param responder The handler.
 * @param path The file's path on disk.
 * @param info `stat` of `path` as of this request, or null when it could not be taken.
 * @param contentType The `Content-type` to send.
 * @param open How to open `path`.
 * @param openFiles The server's open handles of large files, which small range answers read
 *   (and keep a freshly opened file in), or null to open the file for every answer.
 * @returns The body source, or null.
 * @throws Whatever `open` throws for a path that cannot be tried.
 */
export function serveContent(
  responder: ContentResponder,
  path: string,
  info: Deno.FileInfo | null,
  contentType: string,
  open: FileOpener,
  openFiles: OpenFileCache | null = null,
): Promise<BodySource | null> {
  if (decisionModules === null && needsDecision(responder)) {
    return loadDecisionModules().then(() =>
      serveContent(responder, path, info, contentType, open, openFiles)
    );
  }
  // The answers from memory and from a shared handle go straight to `answer`: one async step
  // per response on the paths a keep-alive client repeats.
  if (info !== null && info.isFile) {
    const cache = responder.file_cache;
    // A small file unchanged since it was read: one stat instead of open, fstat and read.
    const cached = cache !== null ? cache.get(path, info) : null;
    if (cached !== null) {
      const etag = entityTagOf(responder, info);
      const decision = decide(responder, info, etag);
      return answer(responder, decision, contentType, info, etag, cached, null, null);
    }
    if (openFiles !== null && info.size > SMALL_FILE_SIZE) {
      // A large file already open and unchanged: a small range is read from that handle.
      const lease = openFiles.acquire(path, info);
      if (lease !== null) {
        const etag = entityTagOf(responder, info);
        const decision = decide(responder, info, etag);
        if (readsFewBytes(decision)) {
          return answer(responder, decision, contentType, info, etag, null, lease.file, lease);
        }
        lease.release();
      }
    }
  }
  return serveFromDisk(responder, path, contentType, open, openFiles);
}

/** {@linkcode serveContent} for a file opened for this answer. */
async function serveFromDisk(
  responder: ContentResponder,
  path: string,
  contentType: string,
  open: FileOpener,
  openFiles: OpenFileCache | null,
): Promise<BodySource | null> {
  const file = open(path);
  if (file === null) {
    await responder.send_error(404, "File not found");
    return null;
  }
  let source: BodySource | null = null;
  let fileKept = false;
  try {
    const stat = file.statSync();
    if (!stat.isFile) {
      // Python's open() fails on a directory (a race with the check in send_head).
      await responder.send_error(404, "File not found");
      return null;
    }
    const etag = entityTagOf(responder, stat);
    const decision = decide(responder, stat, etag);
    if (stat.size > SMALL_FILE_SIZE && openFiles !== null && readsFewBytes(decision)) {
      // Kept open for the next ranges of this file; the cache closes it from now on.
      const lease = await openFiles.adopt(path, file, stat);
      if (lease !== null) {
        fileKept = true;
        return await answer(responder, decision, contentType, stat, etag, null, file, lease);
      }
    }
    if (stat.size > SMALL_FILE_SIZE || decision.status !== 200 && decision.status !== 206) {
      source = await answer(responder, decision, contentType, stat, etag, null, file, null);
      fileKept = source !== null && !(source instanceof BytesSource);
      return source;
    }
    // A small file is read whole now (one synchronous read of the page cache) and leaves
    // with the headers in one write; a range of it is cut from those bytes.
    const bytes = new FileSource(file, stat.size).readAllSync();
    if (bytes.length < stat.size) {
      // The file shrank since its size was taken: end the response with the connection.
      responder.close_connection = true;
    } else {
      responder.file_cache?.put(path, stat, bytes, Date.now());
    }
    return await answer(responder, decision, contentType, stat, etag, bytes, null, null);
  } finally {
    if (!fileKept) file.close();
  }
}

/** Whether the decision is a range answer that reads few enough bytes for a shared handle. */
function readsFewBytes(decision: ContentDecision): boolean {
  if (decision.kind === "single-range") return decision.span.length <= SHARED_READ_BYTES;
  if (decision.kind !== "multiple-ranges") return false;
  let total = 0;
  for (const span of decision.spans) total += span.length;
  return total <= SHARED_READ_BYTES;
}

/**
 * Sends the head the decision calls for and returns the body source (or null). The file's
 * bytes come from `bytes` (in memory), or from `file`, which is this answer's own when `lease`
 * is null, else shared with other answers: the lease then passes to the body source, or is
 * released here when none takes it (no body, or an error before it).
 */
async function answer(
  responder: ContentResponder,
  decision: ContentDecision,
  contentType: string,
  info: Deno.FileInfo,
  etag: string | null,
  bytes: Uint8Array | null,
  file: Deno.FsFile | null,
  lease: FileLease | null,
): Promise<BodySource | null> {
  let source: BodySource | null = null;
  try {
    switch (decision.kind) {
      case "full":
        responder.send_response(200);
        responder.send_header("Content-type", contentType);
        responder.send_header("Content-Length", String(info.size));
        sendValidators(responder, info, etag);
        await responder.end_headers();
        source = bytes !== null
          ? new BytesSource(bytes)
          : new FileSource(file as Deno.FsFile, info.size);
        break;
      case "single-range": {
        const { start, length } = decision.span;
        responder.send_response(206);
        responder.send_header("Content-type", contentType);
        responder.send_header("Content-Range", decision.contentRange);
        responder.send_header("Content-Length", String(length));
        sendValidators(responder, info, etag);
        await responder.end_headers();
        if (bytes !== null) {
          source = new BytesSource(bytes.subarray(start, start + length));
        } else if (lease !== null) {
          source = FileSpanSource.shared(lease, start, length);
        } else {
          source = new FileSpanSource(file as Deno.FsFile, start, length);
        }
        break;
      }
      case "multiple-ranges": {
        const multipart = multipartModule ?? await loadMultipartModule();
        const plan = multipart.planMultipartByteranges(decision.spans, info.size, contentType);
        responder.send_response(206);
        responder.send_header("Content-type", plan.contentType);
        responder.send_header("Content-Length", String(plan.contentLength));
        sendValidators(responder, info, etag);
        await responder.end_headers();
        source = new SegmentsSource(plan.segments, lease ?? file, bytes);
        break;
      }
      case "not-modified":
        // CPython's bare 304; with tags on, the tag (RFC 9110 section 15.4.5).
        responder.send_response(304);
        if (etag !== null) sendEntityTag(responder, etag);
        await responder.end_headers();
        break;
      case "precondition-failed":
        await responder.send_error(412);
        break;
      case "range-not-satisfiable":
        source = await sendRangeNotSatisfiable(responder, decision.contentRange);
        break;
    }
    return source;
  } finally {
    if (source === null) lease?.release();
  }
}

/**
 * The file's validators: `Last-Modified` (whole seconds), as CPython sends; with tags on,
 * `ETag` and `Accept-Ranges: bytes` after it.
 */
function sendValidators(
  responder: ContentResponder,
  info: Deno.FileInfo,
  etag: string | null,
): void {
  responder.send_header(
    "Last-Modified",
    responder.date_time_string(Math.floor(mtimeOf(info) / 1000)),
  );
  if (etag !== null) sendEntityTag(responder, etag);
}

function sendEntityTag(responder: ContentResponder, etag: string): void {
  responder.send_header("ETag", etag);
  responder.send_header("Accept-Ranges", "bytes");
}

/**
 * 416 with `Content-Range: bytes *\/SIZE` and the handler's error page, logged as
 * `send_error` logs; the page is returned as the body (HEAD drops it).
 */
async function sendRangeNotSatisfiable(
  responder: ContentResponder,
  contentRange: string,
): Promise<BodySource> {
  const [reason, explanation] = responder.responses[416] ?? ["???", "???"];
  responder.log_error("code %d, message %s", 416, reason);
  const page = encoder.encode(percentFormat(responder.error_message_format, {
    code: 416,
    message: htmlEscapeNoQuote(reason),
    explain: htmlEscapeNoQuote(explanation),
  }));
  responder.send_response(416, reason);
  responder.send_header("Content-Range", contentRange);
  responder.send_header("Content-Type", responder.error_content_type);
  responder.send_header("Content-Length", String(page.length));
  await responder.end_headers();
  return new BytesSource(page);
}

/** The file's strong entity tag when tags are on, else null. */
function entityTagOf(responder: ContentResponder, info: Deno.FileInfo): string | null {
  // Tags on: `serveContent` loaded the decision modules first (`needsDecision`).
  return responder.etag && decisionModules !== null
    ? decisionModules.fileEntityTag(mtimeOf(info), info.size)
    : null;
}

/** The modification time in milliseconds since the epoch (0 where the platform gives none). */
function mtimeOf(info: Deno.FileInfo): number {
  return info.mtime?.getTime() ?? 0;
}
