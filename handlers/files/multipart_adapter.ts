/**
 * The one door to `npm:busboy`, the streaming `multipart/form-data` parser (Node's most used,
 * kept by the author of Node's `http` parser work): typed explicitly here so nothing else
 * imports npm. Bytes go in with {@linkcode MultipartParser.write}; each file part's bytes come
 * out through the {@linkcode MultipartFileSink} the caller returns for it, while the body is
 * still arriving, so a part is never held whole in memory (`Request.formData()` holds the
 * whole body: see bench/README.md).
 *
 * Nothing is queued between the parser and the sinks: busboy hands out views of the bytes
 * given to `write()`, and each view reaches its sink before `write()` returns. The caller can
 * therefore pass its read buffer itself and reuse it right after: no copy per chunk (copies
 * are external memory V8 frees only at its next collection, so RSS would grow with the
 * upload's size) and no stream queue behind the file writes.
 *
 * @module
 */
import busboyModule from "npm:busboy@1.6.0";
import { MultipartBodyError, ProtocolError } from "../../errors.ts";

/**
 * Most parts one form may hold: a browser sends one per chosen file and field; a bound keeps
 * a body of empty parts from costing a temporary file each.
 */
export const MAX_MULTIPART_PARTS = 1000;
/** Most bytes of a plain field's value: fields are read and dropped, never stored. */
export const MAX_MULTIPART_FIELD_BYTES = 64 * 1024;

/** A file part's headers, as the parser hands them out. */
export interface MultipartFileInfo {
  /** The form field's name. */
  fieldName: string;
  /** The `filename` parameter as sent (not yet made safe), or undefined. */
  filename: string | undefined;
  /** The part's `Content-Type`. */
  mimeType: string;
}

/**
 * Where one file part's bytes go. Called synchronously from inside
 * {@linkcode MultipartParser.write}; a method that throws fails the parse (that `write()`
 * throws the error, the rest of the part is dropped).
 */
export interface MultipartFileSink {
  /**
   * Takes the part's next bytes: a view valid only during the call. Copy what is kept with
   * `Uint8Array.from`: the view is a Node `Buffer`, whose `slice()` is another view.
   */
  write(bytes: Uint8Array): void;
  /** The part ended; every byte of it went to {@linkcode write}. */
  end(): void;
}

/** A streaming parser of one `multipart/form-data` body. */
export interface MultipartParser {
  /**
   * Parses the next bytes of the body, handing file bytes to their sinks before it returns;
   * keeps no reference to `bytes` afterwards, so the caller may reuse them.
   *
   * @throws {MultipartBodyError} The body is malformed.
   * @throws {unknown} What a sink or `onFile` threw.
   */
  write(bytes: Uint8Array): void;
  /** Marks the end of the body. */
  end(): void;
  /** Stops parsing (after a failure elsewhere); no sink is called any more. */
  abort(reason: Error): void;
  /** Resolves once every part was handed out; rejects with a {@linkcode MultipartBodyError}. */
  readonly finished: Promise<void>;
}

// The slice of busboy's (untyped) API used here.
interface BusboyFileInfo {
  filename: string | undefined;
  mimeType: string;
}
interface BusboyFileStream {
  push(chunk: Uint8Array | null): boolean;
  resume(): void;
  on(event: "error", listener: (error: Error) => void): void;
}
interface Busboy {
  readonly writableLength: number;
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(error?: Error): void;
  once(event: "close", listener: () => void): void;
  on(
    event: "file",
    listener: (name: string, stream: BusboyFileStream, info: BusboyFileInfo) => void,
  ): void;
  on(event: "field", listener: () => void): void;
  on(event: "error", listener: (error: Error) => void): void;
}
type BusboyFactory = (config: {
  headers: Record<string, string>;
  limits?: { parts?: number; fieldSize?: number };
}) => Busboy;

const busboy = busboyModule as unknown as BusboyFactory;

/**
 * Starts a parser for a body of the given `Content-Type`.
 *
 * @param contentType The request's `Content-Type` (with its `boundary`).
 * @param onFile Called for each file part, in order, as soon as its headers are parsed: the
 * sink for its bytes, or null to drop them. A throw fails the parse like a sink's.
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
 * const parser = createMultipartParser("multipart/form-data; boundary=b", (file) => {
 *   let text = "";
 *   return {
 *     write: (bytes) => text += new TextDecoder().decode(bytes, { stream: true }),
 *     end: () => saved.push(`${file.filename}=${text}`),
 *   };
 * });
 * parser.write(new TextEncoder().encode(body));
 * parser.end();
 * await parser.finished;
 * assertEquals(saved, ["a.txt=hello"]);
 * ```
 */
export function createMultipartParser(
  contentType: string,
  onFile: (file: MultipartFileInfo) => MultipartFileSink | null,
): MultipartParser {
  let parser: Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      limits: { parts: MAX_MULTIPART_PARTS, fieldSize: MAX_MULTIPART_FIELD_BYTES },
    });
  } catch (error) {
    throw new MultipartBodyError(error instanceof Error ? error.message : String(error));
  }
  // The first error busboy reported (it may report more; each needs a listener).
  let parseError: MultipartBodyError | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    parser.once("close", resolve);
    parser.on("error", (error) => {
      parseError ??= new MultipartBodyError(error.message);
      reject(parseError);
    });
  });
  // Observed by the caller; a rejection nobody awaited yet must not end the process.
  finished.catch(() => {});
  // The first error a sink or onFile threw, rethrown by the write() it happened in; no sink
  // is called after it.
  let sinkError: { error: unknown } | null = null;
  let aborted = false;
  parser.on("field", () => {});
  parser.on("file", (fieldName, stream, info) => {
    let sink: MultipartFileSink | null = null;
    if (!aborted && sinkError === null) {
      try {
        sink = onFile({ fieldName, filename: info.filename, mimeType: info.mimeType });
      } catch (error) {
        sinkError = { error };
      }
    }
    // busboy pushes views of the written bytes into this Readable; taking them at push()
    // hands each to the sink at once instead of queueing it in the stream (where it would
    // keep the caller's buffer alive). Only the end goes through, so that the stream ends
    // and busboy counts the part as done.
    const push = stream.push.bind(stream);
    stream.push = (chunk) => {
      const current = sink;
      if (chunk === null) sink = null;
      if (current !== null && !aborted && sinkError === null) {
        try {
          if (chunk === null) current.end();
          else current.write(chunk);
        } catch (error) {
          sinkError = { error };
        }
      }
      return chunk === null ? push(null) : true;
    };
    // A body cut off inside the part (or an abort) destroys the stream with an error; the
    // caller learns of it from write(), end() or finished. Unheard, it would end the process.
    stream.on("error", () => sink = null);
    stream.resume();
  });
  const throwFailure = () => {
    if (sinkError !== null) throw sinkError.error;
    if (parseError !== null) throw parseError;
  };
  return {
    write: (bytes) => {
      throwFailure();
      parser.write(bytes);
      throwFailure();
      // busboy's write runs synchronously (no sink ever asks it to wait): if it ever queued
      // the bytes instead, the caller's buffer could change under it.
      if (parser.writableLength !== 0 && !aborted) {
        throw new ProtocolError(500, "Internal Server Error", "the parser kept bytes it was given");
      }
    },
    end: () => {
      parser.end();
      throwFailure();
    },
    abort: (reason) => {
      aborted = true;
      parser.destroy(reason);
    },
    finished,
  };
}
