/**
 * The body plan of a `206` with several ranges (RFC 9110 section 14.6, `multipart/byteranges`):
 * the literal bytes between the parts and the file spans they frame, with the exact
 * `Content-Length` known before a byte is sent, so the I/O layer can write the head and then
 * stream each span from the open file without reading it whole.
 *
 * The body is laid out as RFC 9110 section 14.6's example, each part's headers in its order:
 *
 * ```text
 * --BOUNDARY\r\n
 * Content-Type: text/plain\r\n
 * Content-Range: bytes 0-49/1000\r\n
 * \r\n
 * <bytes 0-49>\r\n
 * --BOUNDARY\r\n
 * Content-Type: text/plain\r\n
 * Content-Range: bytes 900-999/1000\r\n
 * \r\n
 * <bytes 900-999>\r\n
 * --BOUNDARY--\r\n
 * ```
 *
 * Go's `mime/multipart` writer emits the same bytes with the two part headers in the other
 * order (it sorts them); nginx emits these part headers but starts the body with an extra
 * `\r\n` (an empty preamble). A part's `Content-Type` line is left out when the type is empty,
 * as nginx does. The boundary is 30 random bytes in hex, as Go's.
 *
 * @example Plan a two-range answer
 * ```ts
 * import { planMultipartByteranges } from "./multipart_byteranges.ts";
 * import { assertEquals } from "../deps.ts";
 * const spans = [{ start: 0, length: 2 }, { start: 8, length: 2 }];
 * const plan = planMultipartByteranges(spans, 10, "text/plain", "B");
 * assertEquals(plan.contentType, "multipart/byteranges; boundary=B");
 * assertEquals(plan.segments.length, 5); // head, span, separator, span, close
 * assertEquals(plan.segments[1], { kind: "file", start: 0, length: 2 });
 * assertEquals(
 *   plan.contentLength,
 *   plan.segments.reduce((n, s) => n + (s.kind === "file" ? s.length : s.bytes.length), 0),
 * );
 * ```
 *
 * @module
 */

import { encodeLatin1 } from "./latin1.ts";
import { type ByteSpan, formatContentRange } from "./range.ts";

/**
 * Random bytes in a boundary (hex-encoded, 60 characters). Go's choice: 240 bits make a
 * collision with the file's content out of reach, well within RFC 2046's 70-character limit.
 */
export const BOUNDARY_RANDOM_BYTES = 30;

/** One piece of a planned body, in order. */
export type BodySegment =
  /** Literal bytes (part headers, separators, the closing delimiter). */
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  /** `length` bytes of the file from offset `start`. */
  | { readonly kind: "file"; readonly start: number; readonly length: number };

/** A `multipart/byteranges` body as the head and the I/O layer need it. */
export interface MultipartByterangesPlan {
  /** The boundary, without the leading `--`. */
  readonly boundary: string;
  /** The response's `Content-Type`: `multipart/byteranges; boundary=...`. */
  readonly contentType: string;
  /** The body's exact length in bytes, for `Content-Length`. */
  readonly contentLength: number;
  /** The body, in order: literal bytes and file spans alternating. */
  readonly segments: readonly BodySegment[];
}

/**
 * A fresh boundary: {@linkcode BOUNDARY_RANDOM_BYTES} bytes from `crypto.getRandomValues`,
 * in lower-case hex.
 *
 * @returns The boundary.
 *
 * @example
 * ```ts
 * import { randomBoundary } from "./multipart_byteranges.ts";
 * import { assertMatch } from "../deps.ts";
 * assertMatch(randomBoundary(), /^[0-9a-f]{60}$/);
 * ```
 */
export function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(BOUNDARY_RANDOM_BYTES));
  let hex = "";
  for (const byte of bytes) hex += (byte < 16 ? "0" : "") + byte.toString(16);
  return hex;
}

/**
 * Plans the body of a multi-range `206`: one part per span, in the order given (pass the
 * spans {@linkcode parseRangeHeader} or `decideContent` chose: sorted and disjoint).
 *
 * @param spans The spans, two or more for a meaningful multipart answer (one works too).
 * @param size The whole file's length, for each part's `Content-Range`.
 * @param partContentType The file's media type, repeated in each part; empty leaves the line
 *   out. It must not hold CR or LF.
 * @param boundary The boundary (a fresh random one by default; pass one only in tests).
 * @returns The plan.
 * @throws {RangeError} The content type or boundary holds a character above U+00FF.
 *
 * @example The literal bytes around one part
 * ```ts
 * import { planMultipartByteranges } from "./multipart_byteranges.ts";
 * import { assertEquals } from "../deps.ts";
 * const plan = planMultipartByteranges([{ start: 5, length: 5 }], 10, "", "xyz");
 * const text = plan.segments.map((s) =>
 *   s.kind === "bytes" ? new TextDecoder().decode(s.bytes) : `<${s.start}+${s.length}>`
 * ).join("");
 * assertEquals(text, "--xyz\r\nContent-Range: bytes 5-9/10\r\n\r\n<5+5>\r\n--xyz--\r\n");
 * assertEquals(plan.contentLength, text.length - "<5+5>".length + 5);
 * ```
 */
export function planMultipartByteranges(
  spans: readonly ByteSpan[],
  size: number,
  partContentType: string,
  boundary: string = randomBoundary(),
): MultipartByterangesPlan {
  const typeLine = partContentType === "" ? "" : "Content-Type: " + partContentType + "\r\n";
  const segments: BodySegment[] = [];
  let contentLength = 0;
  let delimiter = "--" + boundary + "\r\n";
  for (const span of spans) {
    const head = encodeLatin1(
      delimiter + typeLine + "Content-Range: " + formatContentRange(span, size) + "\r\n\r\n",
    );
    segments.push({ kind: "bytes", bytes: head });
    segments.push({ kind: "file", start: span.start, length: span.length });
    contentLength += head.length + span.length;
    delimiter = "\r\n--" + boundary + "\r\n";
  }
  const close = encodeLatin1((spans.length === 0 ? "" : "\r\n") + "--" + boundary + "--\r\n");
  segments.push({ kind: "bytes", bytes: close });
  contentLength += close.length;
  return {
    boundary,
    contentType: "multipart/byteranges; boundary=" + boundary,
    contentLength,
    segments,
  };
}
