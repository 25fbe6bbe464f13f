/**
 * The `Range` request header for the `bytes` unit (RFC 9110 sections 14.1-14.2) read against a
 * representation's size, and the `Content-Range` values of the answer (section 14.4).
 *
 * {@linkcode parseRangeHeader} answers one of three things:
 * - **ignore** (serve `200` with the whole representation): the value is not a `bytes` range
 *   set. That covers an unknown unit (section 14.2 says an origin server MUST ignore it), anything the
 *   grammar rejects, a reversed `a-b` with `b < a` (section 14.1.1 calls it invalid, and section 14.2 lets a
 *   server ignore an invalid set), more than {@linkcode MAX_RANGES} range specs, a request
 *   whose satisfiable spans add up to more bytes than the representation holds (overlap or
 *   repetition: Go's `serveContent` and nginx both answer those with the whole file, which is
 *   never larger than what was asked for), and any range on an empty representation (there
 *   are no bytes to name, and `bytes 0--1/0` is not a `Content-Range`; Go does the same, so a
 *   client that adds `Range` to every request still gets its empty `200`).
 * - **unsatisfiable** (`416` with `Content-Range: bytes *\/SIZE`): a valid set where no spec
 *   is satisfiable: every `first-pos` is at or past the end and every suffix length is zero.
 * - **spans**: the satisfiable specs, each clamped to the end of the representation (`last-pos`
 *   past the end means "to the end", a suffix longer than the size means "all of it"), then
 *   sorted by start with overlapping or touching spans merged into one (section 14.2 and section 15.3.7.2 let
 *   a server coalesce, regardless of the order the specs came in). One span -> a single-part
 *   `206`; several -> `multipart/byteranges`. Unsatisfiable specs beside satisfiable ones are
 *   dropped (section 14.1.1).
 *
 * Syntax accepted: the unit name in any case, then `=` with no space before it; the set is a
 * comma list where spaces and tabs may surround the commas and the whole set, and empty list
 * elements (`bytes=,0-1,,2-3`) are skipped as RFC 9110 section 5.6.1 asks. A range spec itself is
 * `1*DIGIT "-" [1*DIGIT]` or `"-" 1*DIGIT` with nothing inside it; Go and nginx also accept
 * `0 - 9`, this module ignores such a header (a `200` is always a correct answer).
 *
 * Bounds: digits are read once, left to right, whatever their count; a number past 2^53 - 1
 * saturates (any real size is smaller), and two saturated numbers are compared by their
 * digits, so `a-b` with huge `a` and `b` is still told reversed or not without precision loss.
 * Work is linear in the header length and stops at the ({@linkcode MAX_RANGES} + 1)-th spec;
 * memory is at most {@linkcode MAX_RANGES} spans.
 *
 * @example Resume a download and seek a video
 * ```ts
 * import { formatContentRange, parseRangeHeader } from "./range.ts";
 * import { assertEquals } from "../deps.ts";
 * const selection = parseRangeHeader("bytes=500-", 1000);
 * assertEquals(selection, { kind: "spans", spans: [{ start: 500, length: 500 }] });
 * if (selection.kind === "spans") {
 *   assertEquals(formatContentRange(selection.spans[0], 1000), "bytes 500-999/1000");
 * }
 * assertEquals(parseRangeHeader("bytes=2000-", 1000).kind, "unsatisfiable");
 * assertEquals(parseRangeHeader("items=0-1", 1000).kind, "ignore");
 * ```
 *
 * @module
 */

/**
 * Most range specs one `Range` header may carry; above it the header is ignored (`200`).
 * Apache's `MaxRanges` default: media players and resuming clients send one, clients that
 * fetch scattered pieces a few dozen, and each multipart part costs about 150 bytes of
 * delimiter and headers, so a tiny-ranges request adds at most about 30 KiB of overhead.
 */
export const MAX_RANGES = 200;

/** A run of bytes of the representation: `length` bytes from offset `start`. */
export interface ByteSpan {
  /** Offset of the first byte. */
  readonly start: number;
  /** Number of bytes, at least 1. */
  readonly length: number;
}

/** What a `Range` header asks of a representation of a given size. */
export type RangeSelection =
  /** Serve the whole representation with `200`, as if there were no `Range`. */
  | { readonly kind: "ignore" }
  /** Answer `416` with `Content-Range: bytes *\/SIZE`. */
  | { readonly kind: "unsatisfiable" }
  /** Answer `206` with these spans: sorted, disjoint, not touching, never empty. */
  | { readonly kind: "spans"; readonly spans: readonly ByteSpan[] };

const IGNORE: RangeSelection = Object.freeze({ kind: "ignore" });
const UNSATISFIABLE: RangeSelection = Object.freeze({ kind: "unsatisfiable" });

const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const HYPHEN = 0x2d;
const EQUALS = 0x3d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Characters of the `bytes` unit name, lower case (the name is case-insensitive, section 14.1). */
const BYTES_UNIT = "bytes";

/** Setting it turns an ASCII capital into its small letter (and leaves small letters alone). */
const ASCII_LOWER_CASE_BIT = 0x20;

function isOws(code: number): boolean {
  return code === SPACE || code === TAB;
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/**
 * The value of the digits at `text[from, to)` (all ASCII digits), saturated to `Infinity` past
 * `Number.MAX_SAFE_INTEGER`.
 */
function readDecimal(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    value = value * 10 + (text.charCodeAt(i) - DIGIT_0);
    if (value > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return value;
}

/** Where the significant digits of `text[from, to)` start (the last digit at the latest). */
function significantFrom(text: string, from: number, to: number): number {
  let i = from;
  while (i < to - 1 && text.charCodeAt(i) === DIGIT_0) i++;
  return i;
}

/**
 * Whether the digits at `text[aFrom, aTo)` (value `a`) name a smaller number than those at
 * `text[bFrom, bTo)` (value `b`), exact even when both values saturated.
 */
function decimalLess(
  text: string,
  a: number,
  aFrom: number,
  aTo: number,
  b: number,
  bFrom: number,
  bTo: number,
): boolean {
  if (a !== Infinity || b !== Infinity) return a < b;
  const aStart = significantFrom(text, aFrom, aTo);
  const bStart = significantFrom(text, bFrom, bTo);
  const aDigits = aTo - aStart;
  const bDigits = bTo - bStart;
  if (aDigits !== bDigits) return aDigits < bDigits;
  for (let i = 0; i < aDigits; i++) {
    const difference = text.charCodeAt(aStart + i) - text.charCodeAt(bStart + i);
    if (difference !== 0) return difference < 0;
  }
  return false;
}

/** The end (exclusive) of the run of digits starting at `from`. */
function skipDigits(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads a `Range` header value against a representation of `size` bytes; see the module
 * documentation for the rules. Never throws: any string gets an answer, in time linear in
 * its length.
 *
 * @param value The `Range` field value (one header line's value).
 * @param size The representation's length in bytes, a non-negative safe integer (any other
 *   value gets `ignore`).
 * @returns What to send: the whole representation, `416`, or the spans for a `206`.
 *
 * @example Several ranges: sorted and coalesced
 * ```ts
 * import { parseRangeHeader } from "./range.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseRangeHeader("bytes=-10, 0-9, 5-19", 100), {
 *   kind: "spans",
 *   spans: [{ start: 0, length: 20 }, { start: 90, length: 10 }],
 * });
 * // Overlap that asks for more than the file holds: the whole file instead.
 * assertEquals(parseRangeHeader("bytes=0-,0-", 100).kind, "ignore");
 * ```
 */
export function parseRangeHeader(value: string, size: number): RangeSelection {
  if (!Number.isSafeInteger(size) || size < 0) return IGNORE;
  let end = value.length;
  let i = 0;
  while (i < end && isOws(value.charCodeAt(i))) i++;
  while (end > i && isOws(value.charCodeAt(end - 1))) end--;

  // range-unit "=": only "bytes", in any case, is known; any other unit is ignored too.
  if (end - i <= BYTES_UNIT.length || value.charCodeAt(i + BYTES_UNIT.length) !== EQUALS) {
    return IGNORE;
  }
  for (let k = 0; k < BYTES_UNIT.length; k++) {
    if ((value.charCodeAt(i + k) | ASCII_LOWER_CASE_BIT) !== BYTES_UNIT.charCodeAt(k)) {
      return IGNORE;
    }
  }
  i += BYTES_UNIT.length + 1;

  const spans: ByteSpan[] = [];
  let specs = 0;
  let requested = 0;
  while (i < end) {
    while (i < end && isOws(value.charCodeAt(i))) i++;
    if (i >= end) break;
    if (value.charCodeAt(i) === COMMA) { // An empty list element.
      i++;
      continue;
    }
    if (++specs > MAX_RANGES) return IGNORE;

    let span: ByteSpan | null;
    if (value.charCodeAt(i) === HYPHEN) {
      // suffix-range = "-" suffix-length
      const digitsEnd = skipDigits(value, i + 1, end);
      if (digitsEnd === i + 1) return IGNORE;
      const suffix = readDecimal(value, i + 1, digitsEnd);
      span = suffix === 0 ? null : {
        start: suffix >= size ? 0 : size - suffix,
        length: suffix >= size ? size : suffix,
      };
      i = digitsEnd;
    } else {
      // int-range = first-pos "-" [ last-pos ]
      const firstEnd = skipDigits(value, i, end);
      if (firstEnd === i || firstEnd >= end || value.charCodeAt(firstEnd) !== HYPHEN) {
        return IGNORE;
      }
      const first = readDecimal(value, i, firstEnd);
      const lastEnd = skipDigits(value, firstEnd + 1, end);
      let lastPos = Infinity; // No last-pos: to the end.
      if (lastEnd > firstEnd + 1) {
        lastPos = readDecimal(value, firstEnd + 1, lastEnd);
        if (decimalLess(value, lastPos, firstEnd + 1, lastEnd, first, i, firstEnd)) {
          return IGNORE; // Reversed: invalid (section 14.1.1).
        }
      }
      span = first >= size
        ? null
        : { start: first, length: Math.min(lastPos, size - 1) - first + 1 };
      i = lastEnd;
    }
    if (span !== null) {
      spans.push(span);
      requested += span.length;
    }
    // After a spec: OWS, then a comma or the end.
    while (i < end && isOws(value.charCodeAt(i))) i++;
    if (i < end) {
      if (value.charCodeAt(i) !== COMMA) return IGNORE;
      i++;
    }
  }
  if (specs === 0) return IGNORE; // 1#range-spec: at least one.
  if (size === 0) return IGNORE;
  if (spans.length === 0) return UNSATISFIABLE;
  if (requested > size) return IGNORE;
  return { kind: "spans", spans: coalesce(spans) };
}

/** Sorts spans by start and merges those that overlap or touch. */
function coalesce(spans: ByteSpan[]): readonly ByteSpan[] {
  if (spans.length === 1) return spans;
  spans.sort((a, b) => a.start - b.start);
  const merged: ByteSpan[] = [];
  let start = spans[0].start;
  let stop = start + spans[0].length;
  for (let k = 1; k < spans.length; k++) {
    const span = spans[k];
    if (span.start <= stop) {
      stop = Math.max(stop, span.start + span.length);
    } else {
      merged.push({ start, length: stop - start });
      start = span.start;
      stop = start + span.length;
    }
  }
  merged.push({ start, length: stop - start });
  return merged;
}

/**
 * The `Content-Range` value of a `206` part: `bytes FIRST-LAST/SIZE`.
 *
 * @param span The bytes sent.
 * @param size The whole representation's length.
 * @returns The field value.
 *
 * @example
 * ```ts
 * import { formatContentRange } from "./range.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(formatContentRange({ start: 0, length: 1 }, 10), "bytes 0-0/10");
 * ```
 */
export function formatContentRange(span: ByteSpan, size: number): string {
  return "bytes " + span.start + "-" + (span.start + span.length - 1) + "/" + size;
}

/**
 * The `Content-Range` value of a `416`: `bytes *\/SIZE` (RFC 9110 section 14.4).
 *
 * @param size The representation's length.
 * @returns The field value.
 *
 * @example
 * ```ts
 * import { formatUnsatisfiedContentRange } from "./range.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(formatUnsatisfiedContentRange(10), "bytes *\/10");
 * ```
 */
export function formatUnsatisfiedContentRange(size: number): string {
  return "bytes */" + size;
}
