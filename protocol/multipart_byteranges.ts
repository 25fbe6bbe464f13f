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

import { decodeLatin1, encodeLatin1 } from "./latin1.ts";
import type { ByteSpan } from "./range.ts";

/**
 * Random bytes in a boundary (hex-encoded, 60 characters). Go's choice: 240 bits make a
 * collision with the file's content out of reach, well within RFC 2046's 70-character limit.
 */
export const BOUNDARY_RANDOM_BYTES = 30;

/**
 * Boundaries' worth of random bytes drawn from `crypto.getRandomValues` at once: one call of
 * the random source per this many answers instead of one each (every byte is still used
 * once).
 */
const BOUNDARIES_PER_DRAW = 64;

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

/** Random bytes not yet used, drawn {@linkcode BOUNDARIES_PER_DRAW} boundaries at a time. */
const randomPool = new Uint8Array(BOUNDARY_RANDOM_BYTES * BOUNDARIES_PER_DRAW);
let randomUsed = randomPool.length;
/** The hex digits of one boundary, decoded into a string at once. */
const hexDigits = new Uint8Array(BOUNDARY_RANDOM_BYTES * 2);
/** Character codes of `0`-`9`, `a`-`f`. */
const HEX = new Uint8Array([...("0123456789abcdef")].map((c) => c.charCodeAt(0)));

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
  if (randomUsed + BOUNDARY_RANDOM_BYTES > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomUsed = 0;
  }
  for (let i = 0; i < BOUNDARY_RANDOM_BYTES; i++) {
    const byte = randomPool[randomUsed + i];
    hexDigits[2 * i] = HEX[byte >> 4];
    hexDigits[2 * i + 1] = HEX[byte & 15];
  }
  // Used bytes are wiped: no later reader of the pool can learn a boundary sent before.
  randomPool.fill(0, randomUsed, randomUsed + BOUNDARY_RANDOM_BYTES);
  randomUsed += BOUNDARY_RANDOM_BYTES;
  return decodeLatin1(hexDigits);
}

const CRLF = "\r\n";
const CONTENT_TYPE = "Content-Type: ";
const CONTENT_RANGE = "Content-Range: bytes ";

/** The last part `Content-Type` line encoded (files of one type are asked for in a row). */
let typeLineFor = "";
let typeLineBytes: Uint8Array = new Uint8Array(0);

/** `Content-Type: TYPE\r\n` in latin-1 (empty for an empty type). */
function typeLine(partContentType: string): Uint8Array {
  if (partContentType !== typeLineFor) {
    typeLineBytes = partContentType === ""
      ? new Uint8Array(0)
      : encodeLatin1(CONTENT_TYPE + partContentType + CRLF);
    typeLineFor = partContentType;
  }
  return typeLineBytes;
}

/** Decimal digits of a non-negative integer below 2^53. */
function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** Writes the text's character codes (every one at most U+00FF) at `offset`; the new offset. */
function putText(out: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[offset++] = text.charCodeAt(i);
  return offset;
}

/** Writes `n` in decimal at `offset` (`digits` wide); the new offset. */
function putNumber(out: Uint8Array, offset: number, n: number, digits: number): number {
  for (let i = offset + digits - 1; i >= offset; i--) {
    out[i] = 0x30 + n % 10;
    n = Math.floor(n / 10);
  }
  return offset + digits;
}

/**
 * Plans the body of a multi-range `206`: one part per span, in the order given (pass the
 * spans {@linkcode parseRangeHeader} or `decideContent` chose: sorted and disjoint). The
 * literal pieces are written into one array (each segment a view of it), without an
 * intermediate string per part.
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
  const type = typeLine(partContentType);
  for (let i = 0; i < boundary.length; i++) {
    if (boundary.charCodeAt(i) > 0xff) {
      throw new RangeError("String holds a character that latin-1 cannot encode");
    }
  }
  const sizeDigits = digitCount(size);
  // Per part: [CRLF] "--" boundary CRLF type "Content-Range: bytes " a "-" b "/" size CRLF CRLF.
  const fixed = 2 + boundary.length + 2 + type.length + CONTENT_RANGE.length + 2 + sizeDigits + 4;
  let literal = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    literal += (i === 0 ? 0 : 2) + fixed + digitCount(span.start) +
      digitCount(span.start + span.length - 1);
  }
  const closeLength = (spans.length === 0 ? 0 : 2) + 2 + boundary.length + 4;
  const bytes = new Uint8Array(literal + closeLength);
  const segments: BodySegment[] = [];
  let contentLength = 0;
  let offset = 0;
  for (let i = 0; i < spans.length; i++) {
    const { start, length } = spans[i];
    const end = start + length - 1;
    const from = offset;
    if (i > 0) offset = putText(bytes, offset, CRLF);
    offset = putText(bytes, offset, "--");
    offset = putText(bytes, offset, boundary);
    offset = putText(bytes, offset, CRLF);
    bytes.set(type, offset);
    offset += type.length;
    offset = putText(bytes, offset, CONTENT_RANGE);
    offset = putNumber(bytes, offset, start, digitCount(start));
    bytes[offset++] = 0x2d; // -
    offset = putNumber(bytes, offset, end, digitCount(end));
    bytes[offset++] = 0x2f; // /
    offset = putNumber(bytes, offset, size, sizeDigits);
    offset = putText(bytes, offset, CRLF + CRLF);
    segments.push({ kind: "bytes", bytes: bytes.subarray(from, offset) });
    segments.push({ kind: "file", start, length });
    contentLength += offset - from + length;
  }
  const from = offset;
  if (spans.length > 0) offset = putText(bytes, offset, CRLF);
  offset = putText(bytes, offset, "--");
  offset = putText(bytes, offset, boundary);
  offset = putText(bytes, offset, "--" + CRLF);
  segments.push({ kind: "bytes", bytes: bytes.subarray(from, offset) });
  contentLength += offset - from;
  return {
    boundary,
    contentType: "multipart/byteranges; boundary=" + boundary,
    contentLength,
    segments,
  };
}
