/**
 * The one door to `npm:busboy`, the streaming `multipart/form-data` parser (Node's most used,
 * kept by the author of Node's `http` parser work): typed explicitly here so nothing else
 * imports npm. Bytes go in with {@linkcode MultipartParser.write}; each file part comes out as
 * an async stream of bytes while the body is still arriving, so a part is never held whole in
 * memory (`Request.formData()` holds the whole body: see bench/README.md).
 *
 * @module
 */
import busboyModule from "npm:busboy@1.6.0";
import { MultipartBodyError } from "../../errors.ts";

/**
 * Most parts one form may hold: a browser sends one per chosen file and field; a bound keeps
 * a body of empty parts from costing a temporary file each.
 */
export const MAX_MULTIPART_PARTS = 1000;
/** Most bytes of a plain field's value: fields are read and dropped, never stored. */
export const MAX_MULTIPART_FIELD_BYTES = 64 * 1024;
/** Bytes a part's stream buffers before the parser waits for the part to be written out. */
const PART_HIGH_WATER_MARK = 64 * 1024;

/** A file part as the parser hands it out. */
export interface MultipartFile {
  /** The form field's name. */
  fieldName: string;
  /** The `filename` parameter as sent (not yet made safe), or undefined. */
  filename: string | undefined;
  /** The part's `Content-Type`. */
  mimeType: string;
  /** The part's bytes, ending when the part does. Must be read to the end or skipped. */
  data: AsyncIterable<Uint8Array>;
  /** Drops the rest of the part without reading it. */
  skip(): void;
  /** Ends {@linkcode data} with an error (the upload failed elsewhere). */
  cancel(): void;
}

/** A streaming parser of one `multipart/form-data` body. */
export interface MultipartParser {
  /**
   * Feeds the next bytes of the body. The parser may keep a reference to them: pass bytes
   * that stay unchanged.
   *
   * @returns False when the caller should wait for {@linkcode drained} before feeding more.
   */
  write(bytes: Uint8Array): boolean;
  /** Resolves once the parser can take more bytes. */
  drained(): Promise<void>;
  /** Marks the end of the body. */
  end(): void;
  /** Stops parsing (after a failure elsewhere); part streams end with an error. */
  abort(reason: Error): void;
  /** Resolves once every part was handed out; rejects with a {@linkcode MultipartBodyError}. */
  readonly finished: Promise<void>;
}

// The slice of busboy's (untyped) API used here.
interface BusboyFileInfo {
  filename: string | undefined;
  mimeType: string;
}
interface BusboyFileStream extends AsyncIterable<Uint8Array> {
  resume(): void;
  destroy(error?: Error): void;
}
interface Busboy {
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(error?: Error): void;
  once(event: "drain" | "close", listener: () => void): void;
  once(event: "error", listener: (error: Error) => void): void;
  on(
    event: "file",
    listener: (name: string, stream: BusboyFileStream, info: BusboyFileInfo) => void,
  ): void;
  on(event: "field", listener: () => void): void;
}
type BusboyFactory = (config: {
  headers: Record<string, string>;
  highWaterMark?: number;
  fileHwm?: number;
  limits?: { parts?: number; fieldSize?: number };
}) => Busboy;

const busboy = busboyModule as unknown as BusboyFactory;

/**
 * Starts a parser for a body of the given `Content-Type`.
 *
 * @param contentType The request's `Content-Type` (with its `boundary`).
 * @param onFile Called for each file part, in order, as soon as its headers are parsed.
 * @returns The parser.
 * @throws {MultipartBodyError} The type is not `multipart/form-data` with a boundary.
 *
 * @example Parse a body held in memory
 * ```ts
 * import { createMultipartParser } from "./multipart_adapter.ts";
 * import { assertEquals } from "../../deps.ts";
 * const body = '--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n' +
 *   "\r\nhello\r\n--b--\r\n";
 * const saved: string[] = [];
 * const reads: Promise<void>[] = [];
 * const parser = createMultipartParser("multipart/form-data; boundary=b", (file) => {
 *   reads.push((async () => {
 *     let text = "";
 *     for await (const chunk of file.data) text += new TextDecoder().decode(chunk);
 *     saved.push(`${file.filename}=${text}`);
 *   })());
 * });
 * parser.write(new TextEncoder().encode(body));
 * parser.end();
 * await parser.finished;
 * await Promise.all(reads);
 * assertEquals(saved, ["a.txt=hello"]);
 * ```
 */
export function createMultipartParser(
  contentType: string,
  onFile: (file: MultipartFile) => void,
): MultipartParser {
  let parser: Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      highWaterMark: PART_HIGH_WATER_MARK,
      fileHwm: PART_HIGH_WATER_MARK,
      limits: { parts: MAX_MULTIPART_PARTS, fieldSize: MAX_MULTIPART_FIELD_BYTES },
    });
  } catch (error) {
    throw new MultipartBodyError(error instanceof Error ? error.message : String(error));
  }
  const finished = new Promise<void>((resolve, reject) => {
    parser.once("close", resolve);
    parser.once("error", (error) => reject(new MultipartBodyError(error.message)));
  });
  // Observed by the caller; a rejection nobody awaited yet must not end the process.
  finished.catch(() => {});
  parser.on("field", () => {});
  parser.on("file", (fieldName, stream, info) => {
    onFile({
      fieldName,
      filename: info.filename,
      mimeType: info.mimeType,
      data: stream,
      skip: () => stream.resume(),
      cancel: () => stream.destroy(new Error("upload cancelled")),
    });
  });
  return {
    write: (bytes) => parser.write(bytes),
    drained: () => new Promise<void>((resolve) => parser.once("drain", resolve)),
    end: () => parser.end(),
    abort: (reason) => parser.destroy(reason),
    finished,
  };
}
