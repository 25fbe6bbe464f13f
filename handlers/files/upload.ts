/**
 * Uploads for `SimpleHTTPRequestHandler` (off unless `upload_settings` is set, `--upload` on
 * the command line): `PUT /dir/name` stores the body as that file, a `multipart/form-data`
 * `POST` to a directory URL stores every file part.
 *
 * What never happens: a partial or interleaved file under the final name. Every body goes to
 * a temporary file (`.upload-<uuid>.part`) in the target directory, is flushed with `fsync`
 * and only then linked (no overwrite: `link()` fails if the name exists, so two uploads to one
 * name give one complete file and one 409) or renamed (`--overwrite`: atomic replacement) into
 * place. A client that disconnects, stalls past {@linkcode UPLOAD_READ_TIMEOUT_MS}, passes
 * the size limit or a disk that fills leaves neither the file nor the temporary file behind.
 * Names are one safe path segment each (`protocol/upload_name.ts`) and the directory must
 * resolve (symlinks followed) inside the served one.
 *
 * @example Turn uploads on for a handler class
 * ```ts ignore
 * import { SimpleHTTPRequestHandler } from "../simple.ts";
 * import { DEFAULT_UPLOAD_SETTINGS } from "./upload.ts";
 * class Handler extends SimpleHTTPRequestHandler {
 *   override upload_settings = { ...DEFAULT_UPLOAD_SETTINGS, overwrite: true };
 * }
 * ```
 *
 * @module
 */
import { DEFAULT_MAX_UPLOAD_BYTES } from "../../constants.ts";
import {
  InsufficientStorageError,
  MultipartBodyError,
  ProtocolError,
  SocketTimeoutError,
  UploadIncompleteError,
} from "../../errors.ts";
import { BoundedBodyReader } from "../../io/body_reader.ts";
import { ChunkedBodyReader } from "../../io/chunked_body_reader.ts";
import { parseContentLength } from "../../protocol/content_length.ts";
import { entityTagListMatches, fileEntityTag, parseEntityTag } from "../../protocol/etag.ts";
import { unquote } from "../../protocol/url.ts";
import { formFileName, numberedName, uploadNameProblem } from "../../protocol/upload_name.ts";
import type { BaseHTTPRequestHandler } from "../base.ts";
import type { MultipartFileSink } from "./multipart_adapter.ts";

/** What uploads are allowed to do. */
export interface UploadSettings {
  /** Replace existing files (`--overwrite`): PUT answers 204, forms keep the sent name. */
  readonly overwrite: boolean;
  /** Create missing directories for PUT (`--mkdir`). */
  readonly mkdir: boolean;
  /** Most bytes of one request body (`--max-upload-size`). */
  readonly maxBytes: number;
  /** Accept names starting with `.` (false with `--no-dotfiles`). */
  readonly allowDotfiles: boolean;
}

// Kept in constants.ts so the command line reads it without loading this module.
export { DEFAULT_MAX_UPLOAD_BYTES };

/** Settings `--upload` starts from. */
export const DEFAULT_UPLOAD_SETTINGS: UploadSettings = {
  overwrite: false,
  mkdir: false,
  maxBytes: DEFAULT_MAX_UPLOAD_BYTES,
  allowDotfiles: true,
};

/**
 * Milliseconds one read of an upload body may wait when the handler sets no `timeout`: a
 * client that stalls this long is dropped and its temporary file removed.
 */
export const UPLOAD_READ_TIMEOUT_MS = 60_000;
/** Most `name (n).ext` names tried for one form file before answering 409. */
export const MAX_NUMBERED_NAMES = 1000;

const TEMP_PREFIX = ".upload-";
const TEMP_SUFFIX = ".part";
/** `ENOSPC` (28) and `EDQUOT` (122) as Deno reports them in an error's message. */
const NO_SPACE = /\(os error (?:28|122)\)/;

/** The parts of a request handler uploads use. */
export type UploadHandler =
  & Pick<
    BaseHTTPRequestHandler,
    | "command"
    | "path"
    | "headers"
    | "rfile"
    | "wfile"
    | "close_connection"
    | "timeout"
    | "send_response"
    | "send_header"
    | "end_headers"
    | "send_error"
    | "log_message"
  >
  & { readonly directory: string };

/** A request body read chunk by chunk (`BoundedBodyReader` or `ChunkedBodyReader`). */
interface RequestBody {
  peek(): Promise<Uint8Array>;
  consume(n: number): void;
  readonly complete: boolean;
}

/**
 * Answers a `PUT`: stores the body as the file the path names (201 new, 204 replaced with
 * `overwrite`; 409 when it exists, 412 when `If-Match`/`If-None-Match` fail).
 *
 * @param handler The request's handler.
 * @param settings What uploads may do.
 * @throws {SocketTimeoutError} The client stalled (the temporary file is already removed).
 */
export async function handlePut(handler: UploadHandler, settings: UploadSettings): Promise<void> {
  await answering(handler, () => put(handler, settings));
}

/**
 * Answers a `multipart/form-data` `POST` to a directory: stores every file part, a taken name
 * becoming `name (1).ext` unless `overwrite`; 303 back to the listing for a browser (its
 * `Accept` names `text/html`), else 201 with the stored names, one a line.
 *
 * @param handler The request's handler.
 * @param settings What uploads may do.
 * @throws {SocketTimeoutError} The client stalled (the temporary files are already removed).
 */
export async function handleFormPost(
  handler: UploadHandler,
  settings: UploadSettings,
): Promise<void> {
  await answering(handler, () => formPost(handler, settings));
}

/** Runs an upload, with a read timeout, answering its refusals with `send_error`. */
async function answering(handler: UploadHandler, upload: () => Promise<void>): Promise<void> {
  const rfile = handler.rfile;
  const previousTimeout = rfile.timeoutMs;
  if (previousTimeout === null) rfile.timeoutMs = UPLOAD_READ_TIMEOUT_MS;
  try {
    await upload();
  } catch (error) {
    if (error instanceof ProtocolError) {
      // The rest of the body is unread: the connection cannot carry another request.
      handler.close_connection = true;
      await handler.send_error(error.status, error.reason, error.explain);
      return;
    }
    if (error instanceof UploadIncompleteError) {
      handler.log_message("upload of %s not stored: %s", handler.path, error.message);
      handler.close_connection = true;
      return;
    }
    if (error instanceof SocketTimeoutError) {
      handler.log_message("upload of %s not stored: the client stalled", handler.path);
    }
    throw error;
  } finally {
    rfile.timeoutMs = previousTimeout;
  }
}

async function put(handler: UploadHandler, settings: UploadSettings): Promise<void> {
  const { directory, name } = resolveUploadPath(handler.directory, handler.path, settings);
  if (name === "") throw new ProtocolError(405, "Method Not Allowed", "PUT needs a file name");
  const target = joinPath(directory, name);
  const before = lstatOrNull(target);
  if (before?.isDirectory) throw new ProtocolError(409, "Conflict", "a directory has that name");
  if (preconditionFails(handler, before)) throw new ProtocolError(412, "Precondition Failed");
  if (before !== null && !settings.overwrite) {
    throw new ProtocolError(409, "Conflict", "the file exists (the server does not overwrite)");
  }
  const body = openBody(handler, settings);
  const temp = tempPath(directory);
  // `If-None-Match: *` asks for create-only even where replacing is allowed: link, never rename.
  const replace = settings.overwrite && handler.headers.get("If-None-Match")?.trim() !== "*";
  try {
    await receive(temp, body);
    if (replace) {
      if (preconditionFails(handler, lstatOrNull(target))) {
        throw new ProtocolError(412, "Precondition Failed");
      }
      Deno.renameSync(temp, target);
    } else if (!linkNoReplace(temp, target)) {
      throw handler.headers.get("If-None-Match") !== undefined
        ? new ProtocolError(412, "Precondition Failed")
        : new ProtocolError(409, "Conflict", "the file was created by another upload");
    }
  } finally {
    removeQuietly(temp);
  }
  syncDirectory(directory);
  if (before === null) {
    handler.send_response(201);
    handler.send_header("Location", handler.path.split(/[?#]/, 1)[0]);
    handler.send_header("Content-Length", "0");
  } else {
    handler.send_response(204);
  }
  await handler.end_headers();
}

async function formPost(handler: UploadHandler, settings: UploadSettings): Promise<void> {
  const contentType = handler.headers.get("Content-Type") ?? "";
  if (!/^\s*multipart\/form-data\s*;/i.test(contentType)) {
    throw new ProtocolError(415, "Unsupported Media Type", "send multipart/form-data");
  }
  const { directory, name } = resolveUploadPath(handler.directory, handler.path, {
    ...settings,
    mkdir: false,
  });
  const target = name === "" ? directory : joinPath(directory, name);
  if (name !== "" && !lstatOrNull(target)?.isDirectory) {
    throw new ProtocolError(405, "Method Not Allowed", "POST files to a directory");
  }
  const body = openBody(handler, settings);
  const { createMultipartParser } = await import("./multipart_adapter.ts");
  const parts: FormPart[] = [];
  const parser = createMultipartParser(contentType, (file) => {
    if (file.filename === undefined || file.filename === "") return null;
    const safe = formFileName(file.filename, settings.allowDotfiles);
    if (safe === null) {
      throw new ProtocolError(
        400,
        "Bad file name",
        `refused name ${JSON.stringify(file.filename)}`,
      );
    }
    const part = new FormPart(tempPath(target), safe);
    parts.push(part);
    return part;
  });
  const saved: string[] = [];
  try {
    // Parsed and written to the parts' files before write() returns, so the read buffer is
    // handed over as it is: no copy, nothing queued (memory stays flat).
    await pumpBody(body, (chunk) => parser.write(chunk));
    parser.end();
    await parser.finished;
    if (!parts.every((part) => part.flushed)) {
      throw new MultipartBodyError("a file part did not end");
    }
    for (const part of parts) saved.push(commitFormFile(part.temp, target, part.name, settings));
  } catch (error) {
    parser.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    for (const part of parts) part.discard();
  }
  if (saved.length === 0) {
    throw new ProtocolError(400, "No file to store", "the form holds no file part with a name");
  }
  syncDirectory(target);
  handler.log_message("stored %s", saved.join(", "));
  if ((handler.headers.get("Accept") ?? "").includes("text/html")) {
    handler.send_response(303);
    handler.send_header("Location", handler.path.split(/[?#]/, 1)[0]);
    handler.send_header("Content-Length", "0");
    await handler.end_headers();
    return;
  }
  const text = new TextEncoder().encode(saved.map((saved) => saved + "\n").join(""));
  handler.send_response(201);
  handler.send_header("Content-Type", "text/plain; charset=utf-8");
  handler.send_header("Content-Length", String(text.length));
  await handler.end_headers();
  if (handler.command !== "HEAD") await handler.wfile.write(text);
}

/** Stores one form file under `name`, or `name (n).ext` when taken; returns the name used. */
function commitFormFile(
  temp: string,
  directory: string,
  name: string,
  settings: UploadSettings,
): string {
  if (settings.overwrite) {
    Deno.renameSync(temp, joinPath(directory, name));
    return name;
  }
  for (let n = 0; n < MAX_NUMBERED_NAMES; n++) {
    const candidate = numberedName(name, n);
    if (linkNoReplace(temp, joinPath(directory, candidate))) return candidate;
  }
  throw new ProtocolError(409, "Conflict", `too many files named like ${JSON.stringify(name)}`);
}

/** The directory (real path, inside the served one) and last segment a request path names. */
function resolveUploadPath(
  root: string,
  urlPath: string,
  settings: UploadSettings,
): { directory: string; name: string } {
  const path = urlPath.split(/[?#]/, 1)[0];
  if (!path.startsWith("/")) throw new ProtocolError(400, "Bad upload path");
  const segments = path.slice(1).split("/").map(unquote);
  const name = segments.pop() as string;
  for (const segment of [...segments, ...(name === "" ? [] : [name])]) {
    const problem = uploadNameProblem(segment, settings.allowDotfiles);
    if (problem !== null) {
      throw new ProtocolError(400, "Bad upload path", `${JSON.stringify(segment)} ${problem}`);
    }
  }
  const rootReal = Deno.realPathSync(root);
  let directory = rootReal;
  for (const segment of segments) {
    directory = joinPath(directory, segment);
    const info = statOrNull(directory);
    if (info === null && settings.mkdir) {
      try {
        Deno.mkdirSync(directory);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    } else if (info === null) {
      // RFC 4918 §9.7.1: a PUT whose parent collection is missing is a conflict.
      throw new ProtocolError(409, "Conflict", "the directory does not exist");
    } else if (!info.isDirectory) {
      throw new ProtocolError(409, "Conflict", `${JSON.stringify(segment)} is not a directory`);
    }
  }
  const real = Deno.realPathSync(directory);
  if (real !== rootReal && !real.startsWith(rootReal.endsWith("/") ? rootReal : rootReal + "/")) {
    throw new ProtocolError(403, "Forbidden", "the directory is outside the served one");
  }
  return { directory: real, name };
}

/** Whether `If-Match` or `If-None-Match` refuse the upload, given the current file. */
function preconditionFails(handler: UploadHandler, current: Deno.FileInfo | null): boolean {
  const tag = current === null || current.isDirectory
    ? null
    : parseEntityTag(fileEntityTag(current.mtime?.getTime() ?? 0, current.size));
  const ifMatch = handler.headers.get("If-Match");
  if (ifMatch !== undefined && (tag === null || !entityTagListMatches(ifMatch, tag, "strong"))) {
    return true;
  }
  const ifNoneMatch = handler.headers.get("If-None-Match");
  return ifNoneMatch !== undefined && current !== null &&
    entityTagListMatches(ifNoneMatch, tag, "weak");
}

/** The body reader for the request's framing: chunked, or `Content-Length` (else 411). */
function openBody(handler: UploadHandler, settings: UploadSettings): RequestBody {
  const transferEncoding = handler.headers.get("Transfer-Encoding");
  if (transferEncoding !== undefined) {
    if (transferEncoding.trim().toLowerCase() !== "chunked") {
      throw new ProtocolError(501, "Not Implemented", "only chunked transfer coding is read");
    }
    return new ChunkedBodyReader(handler.rfile, { maxBytes: settings.maxBytes });
  }
  const value = handler.headers.get("Content-Length");
  if (value === undefined) throw new ProtocolError(411, "Length Required");
  const length = parseContentLength(value.trim());
  if (length === null) throw new ProtocolError(400, "Bad Content-Length");
  // Throws RequestBodyTooLargeError (413) before a byte is read.
  return new BoundedBodyReader(handler.rfile, length, { maxBytes: settings.maxBytes });
}

/**
 * Hands every chunk of the body to `take`, in order, straight from the read buffer (a chunk
 * is valid only until `take` returns); throws {@linkcode UploadIncompleteError} when the
 * client stops before the body's end.
 */
async function pumpBody(body: RequestBody, take: (chunk: Uint8Array) => void): Promise<void> {
  let received = 0;
  for (;;) {
    const chunk = await body.peek();
    if (chunk.length === 0) {
      if (body.complete) return;
      throw new UploadIncompleteError(received);
    }
    take(chunk);
    body.consume(chunk.length);
    received += chunk.length;
  }
}

/** Writes the body to a new temporary file and flushes it to disk; removes it on failure. */
async function receive(temp: string, body: RequestBody): Promise<void> {
  const file = createTemp(temp);
  let done = false;
  try {
    await pumpBody(body, (chunk) => writeAll(file, chunk));
    syncFile(file);
    done = true;
  } finally {
    file.close();
    if (!done) removeQuietly(temp);
  }
}

/**
 * A form file part's temporary file, written synchronously from the parser's views and
 * flushed when the part ends.
 */
class FormPart implements MultipartFileSink {
  readonly #file: Deno.FsFile;
  #open = true;
  #flushed = false;

  /** Creates the temporary file. */
  constructor(readonly temp: string, readonly name: string) {
    this.#file = createTemp(temp);
  }

  write(bytes: Uint8Array): void {
    writeAll(this.#file, bytes);
  }

  end(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      syncFile(this.#file);
      this.#flushed = true;
    } finally {
      this.#file.close();
    }
  }

  /** Whether the part ended and its bytes are on disk: only then may it be stored. */
  get flushed(): boolean {
    return this.#flushed;
  }

  /** Closes the file if still open and removes the temporary name (stored or not). */
  discard(): void {
    if (this.#open) this.#file.close();
    this.#open = false;
    removeQuietly(this.temp);
  }
}

function createTemp(temp: string): Deno.FsFile {
  try {
    return Deno.openSync(temp, { write: true, createNew: true });
  } catch (error) {
    throw storageError(error);
  }
}

/**
 * Writes all of `bytes`. Synchronous: a write to the page cache takes microseconds, less than
 * a hop through Deno's blocking-task pool.
 */
function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  try {
    let offset = 0;
    while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
  } catch (error) {
    throw storageError(error);
  }
}

function syncFile(file: Deno.FsFile): void {
  try {
    file.syncSync();
  } catch (error) {
    throw storageError(error);
  }
}

/** A full disk or quota as {@linkcode InsufficientStorageError}; other errors unchanged. */
function storageError(error: unknown): unknown {
  return error instanceof Error && NO_SPACE.test(error.message)
    ? new InsufficientStorageError(error)
    : error;
}

/**
 * Gives the complete temporary file its final name unless the name exists: `link()` fails
 * atomically when it does. Where the file system has no hard links, the name is claimed with
 * an exclusive create and the file renamed over it.
 *
 * @returns False when the name is taken.
 */
function linkNoReplace(temp: string, target: string): boolean {
  try {
    Deno.linkSync(temp, target);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    if (
      !(error instanceof Deno.errors.PermissionDenied) &&
      !(error instanceof Deno.errors.NotSupported)
    ) {
      throw storageError(error);
    }
  }
  try {
    Deno.openSync(target, { write: true, createNew: true }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw storageError(error);
  }
  Deno.renameSync(temp, target);
  return true;
}

/** Flushes a directory's entries (the new name) to disk; best effort. */
function syncDirectory(directory: string): void {
  try {
    const handle = Deno.openSync(directory, { read: true });
    try {
      handle.syncSync();
    } finally {
      handle.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the file itself is already on disk.
  }
}

function tempPath(directory: string): string {
  return joinPath(directory, `${TEMP_PREFIX}${crypto.randomUUID()}${TEMP_SUFFIX}`);
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already linked and removed, renamed into place, or never created.
  }
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

function joinPath(directory: string, name: string): string {
  return directory.endsWith("/") ? directory + name : `${directory}/${name}`;
}
