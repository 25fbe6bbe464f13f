/**
 * The one decision a file response needs before its head is written: given the request
 * method, its headers and the file's facts (size, modification time, entity tag), answer
 * `412`, `304`, `200` with the whole file, `206` with one span or several, or `416`.
 *
 * Two evaluations, chosen per request:
 * - **Python's** (CPython 3.13 `SimpleHTTPRequestHandler.send_head`), used when `extended` is
 *   false and the request carries no `Range`: `304` when `If-Modified-Since` is present,
 *   `If-None-Match` absent and {@linkcode isNotModified} says so (CPython's date parser and
 *   quirks); everything else is `200`. `If-Match`, `If-Unmodified-Since` and the value of
 *   `If-None-Match` are not looked at, so such a request gets Python's bytes exactly.
 * - **RFC 9110 section 13.2.2**, used when `extended` is true or the request carries `Range` (a
 *   ranged request gets new behaviour anyway, and serving a span of a file that changed under
 *   an `If-Match` or `If-Unmodified-Since` would hand the client corrupt data):
 *   1. `If-Match` present: false (strong comparison; `*` is true) -> `412`.
 *   2. Else `If-Unmodified-Since` present and a valid UTC date: file modified after it -> `412`.
 *   3. `If-None-Match` present: a tag matches (weak comparison) -> `304` for GET and HEAD, `412`
 *      for other methods.
 *   4. Else, for GET and HEAD, `If-Modified-Since` -> `304` by CPython's rule, as above.
 *   5. GET or HEAD with `Range`: `If-Range` absent or true -> {@linkcode parseRangeHeader}
 *      decides `206`, `416` or `200`; `If-Range` false -> `200`.
 *
 * Without entity tags (`etag` null, Python's default): an `If-Match` list cannot match, so it
 * fails (`412`), while `If-Match: *` holds for the existing file; `If-None-Match` never
 * matches, `*` included, and only hides `If-Modified-Since` as in CPython, so a request
 * without `Range`, `If-Match` and `If-Unmodified-Since` is answered as CPython answers it in
 * both evaluations. (`If-None-Match: *` asks "only if it does not exist"; honouring it on GET
 * without tags would turn Python's `200` into a `304`.)
 *
 * `If-Range` (RFC 9110 section 13.1.5) holds when it is a strong entity tag equal to the current one
 * (a weak tag, or any tag when the file has none, never holds), or an HTTP-date in UTC whose
 * second equals the file's `Last-Modified` second exactly. A value that starts with `"` or
 * `W/` is a tag; anything else is read as a date with CPython's parser.
 *
 * @example A resumed download whose validator still holds
 * ```ts
 * import { decideContent } from "./preconditions.ts";
 * import { assertEquals } from "../deps.ts";
 * const headers = new Headers({
 *   "Range": "bytes=1000-",
 *   "If-Range": "Tue, 14 Nov 2023 22:13:20 GMT",
 * });
 * const facts = { size: 4096, lastModifiedMs: 1700000000500, etag: null };
 * const request = { get: (name: string) => headers.get(name) ?? undefined };
 * const decision = decideContent("GET", request, facts, false);
 * assertEquals(decision, {
 *   kind: "single-range",
 *   status: 206,
 *   span: { start: 1000, length: 3096 },
 *   contentRange: "bytes 1000-4095/4096",
 * });
 * ```
 *
 * @module
 */

import { type EntityTag, entityTagListMatches, parseEntityTag, strongMatch } from "./etag.ts";
import { isNotModified, parseHttpDate } from "./if_modified_since.ts";
import {
  type ByteSpan,
  formatContentRange,
  formatUnsatisfiedContentRange,
  parseRangeHeader,
} from "./range.ts";

/** What the decision needs to know about the file. */
export interface RepresentationFacts {
  /** Length in bytes, a non-negative safe integer. */
  readonly size: number;
  /** Modification time in milliseconds since the epoch (`Last-Modified` is its second). */
  readonly lastModifiedMs: number;
  /** The `ETag` the response carries (quotes included), or null when tags are off. */
  readonly etag: string | null;
}

/**
 * The request's headers, read by name in any case: the first value, or `undefined` when the
 * request lacks it. The handler's `HTTPMessage` (`this.headers`) fits as it is, so no wrapper
 * is allocated per request; names are asked for in lower case, which case-folds for free.
 */
export interface RequestHeaders {
  /** The first value of the named header, or `undefined`. */
  get(name: string): string | undefined;
}

/** How to answer a GET or HEAD of a file. */
export type ContentDecision =
  /** `200` with the whole file. */
  | { readonly kind: "full"; readonly status: 200 }
  /** `304` with the validators and no body. */
  | { readonly kind: "not-modified"; readonly status: 304 }
  /** `412 Precondition Failed`. */
  | { readonly kind: "precondition-failed"; readonly status: 412 }
  /** `416` with this `Content-Range` (`bytes *\/SIZE`). */
  | {
    readonly kind: "range-not-satisfiable";
    readonly status: 416;
    readonly contentRange: string;
  }
  /** `206` with one span, its `Content-Range` in the head. */
  | {
    readonly kind: "single-range";
    readonly status: 206;
    readonly span: ByteSpan;
    readonly contentRange: string;
  }
  /** `206` with a `multipart/byteranges` body of these spans (sorted, disjoint, two or more). */
  | {
    readonly kind: "multiple-ranges";
    readonly status: 206;
    readonly spans: readonly ByteSpan[];
  };

const FULL: ContentDecision = Object.freeze({ kind: "full", status: 200 });
const NOT_MODIFIED: ContentDecision = Object.freeze({ kind: "not-modified", status: 304 });
const PRECONDITION_FAILED: ContentDecision = Object.freeze({
  kind: "precondition-failed",
  status: 412,
});

const MILLISECONDS_PER_SECOND = 1000;

/** `Last-Modified`'s instant: the modification time truncated to whole seconds. */
function lastModifiedSecond(lastModifiedMs: number): number {
  return Math.floor(lastModifiedMs / MILLISECONDS_PER_SECOND);
}

/** Whether the request method reads the representation (`Range` and `304` apply). */
function isRead(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

/**
 * `If-Unmodified-Since` (RFC 9110 section 13.1.4): false when the file changed after the date. An
 * invalid date, or one outside UTC (not an HTTP-date), is ignored (true).
 */
function unmodifiedSince(value: string, lastModifiedMs: number): boolean {
  const date = parseHttpDate(value);
  if (date === null || !date.isUtc) return true;
  return lastModifiedSecond(lastModifiedMs) <= date.epochSeconds;
}

/** `If-Range` (RFC 9110 section 13.1.5); see the module doc. */
function ifRangeHolds(value: string, current: EntityTag | null, lastModifiedMs: number): boolean {
  let first = 0;
  while (value[first] === " " || value[first] === "\t") first++;
  if (value.startsWith('"', first) || value.startsWith("W/", first)) {
    const tag = parseEntityTag(value);
    return tag !== null && current !== null && strongMatch(tag, current);
  }
  const date = parseHttpDate(value);
  return date !== null && date.isUtc && date.epochSeconds === lastModifiedSecond(lastModifiedMs);
}

/** The `Range` step, once the preconditions hold. */
function decideRange(range: string, size: number): ContentDecision {
  const selection = parseRangeHeader(range, size);
  switch (selection.kind) {
    case "ignore":
      return FULL;
    case "unsatisfiable":
      return {
        kind: "range-not-satisfiable",
        status: 416,
        contentRange: formatUnsatisfiedContentRange(size),
      };
    case "spans": {
      const spans = selection.spans;
      if (spans.length === 1) {
        return {
          kind: "single-range",
          status: 206,
          span: spans[0],
          contentRange: formatContentRange(spans[0], size),
        };
      }
      return { kind: "multiple-ranges", status: 206, spans };
    }
  }
}

/**
 * Decides the status of a file response and the spans to send; see the module doc for the
 * rules. Never throws on any header value. A request without conditional or range headers
 * gets a shared constant (no allocation).
 *
 * @param method The request method (`GET` or `HEAD` for files; any other only meets
 *   `If-Match`, `If-Unmodified-Since` and `If-None-Match`).
 * @param headers The request's headers (`this.headers`).
 * @param facts The file's size, modification time and entity tag.
 * @param extended RFC 9110 evaluation for every request (`If-Match`,
 *   `If-Unmodified-Since`, `If-None-Match` compared); false keeps CPython's evaluation for
 *   requests without `Range`.
 * @returns The decision.
 *
 * @example Revalidation with a tag, and a failed `If-Match`
 * ```ts
 * import { decideContent } from "./preconditions.ts";
 * import { assertEquals } from "../deps.ts";
 * const facts = { size: 10, lastModifiedMs: 0, etag: '"1-a"' };
 * const lookup = (headers: Record<string, string>) => ({ get: (name: string) => headers[name] });
 * assertEquals(
 *   decideContent("GET", lookup({ "if-none-match": 'W/"1-a"' }), facts, true).status,
 *   304,
 * );
 * assertEquals(decideContent("GET", lookup({ "if-match": '"0-a"' }), facts, true).status, 412);
 * // Python's evaluation does not look at If-Match.
 * assertEquals(decideContent("GET", lookup({ "if-match": '"0-a"' }), facts, false).status, 200);
 * ```
 */
export function decideContent(
  method: string,
  headers: RequestHeaders,
  facts: RepresentationFacts,
  extended: boolean,
): ContentDecision {
  const read = isRead(method);
  const range = read ? headers.get("range") : undefined;
  if (!extended && range === undefined) {
    const ims = headers.get("if-modified-since");
    if (
      ims !== undefined && headers.get("if-none-match") === undefined &&
      isNotModified(ims, facts.lastModifiedMs)
    ) {
      return NOT_MODIFIED;
    }
    return FULL;
  }

  const current = facts.etag === null ? null : parseEntityTag(facts.etag);
  const ifMatch = headers.get("if-match");
  if (ifMatch !== undefined) {
    if (!entityTagListMatches(ifMatch, current, "strong")) return PRECONDITION_FAILED;
  } else {
    const ius = headers.get("if-unmodified-since");
    if (ius !== undefined && !unmodifiedSince(ius, facts.lastModifiedMs)) {
      return PRECONDITION_FAILED;
    }
  }

  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== undefined) {
    if (current !== null && entityTagListMatches(ifNoneMatch, current, "weak")) {
      return read ? NOT_MODIFIED : PRECONDITION_FAILED;
    }
  } else if (read) {
    const ims = headers.get("if-modified-since");
    if (ims !== undefined && isNotModified(ims, facts.lastModifiedMs)) return NOT_MODIFIED;
  }

  if (range === undefined) return FULL;
  const ifRange = headers.get("if-range");
  if (ifRange !== undefined && !ifRangeHolds(ifRange, current, facts.lastModifiedMs)) {
    return FULL;
  }
  return decideRange(range, facts.size);
}
