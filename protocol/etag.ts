/**
 * Entity tags (RFC 9110 section 8.8.3): the strong tag a file gets from its metadata, the parsing of
 * one tag (`If-Range`, `ETag`) and of tag lists (`If-Match`, `If-None-Match`), and the strong
 * and weak comparisons of section 8.8.3.2.
 *
 * A file's tag is strong, `"<mtime ms hex>-<size hex>"`. nginx sends the same shape with the
 * modification time in whole seconds; milliseconds are used here because a strong tag promises
 * byte-for-byte identity (`If-Range` and `If-Match` rely on it), and a file rewritten at the
 * same size within one second would otherwise keep its tag. The tag still cannot see a
 * rewrite that keeps both size and millisecond timestamp (a copy that preserves times): every
 * metadata-derived tag shares that limit, and hashing the content would cost a read of the
 * whole file per change.
 *
 * Parsing never throws. A list that does not follow `"*" / #entity-tag` (RFC 9110 section 13.1.1)
 * as a whole is malformed and matches nothing, so a malformed `If-Match` fails and a malformed
 * `If-None-Match` lets the request through, as if no tag had matched. (Go's `checkIfMatch`
 * keeps whatever the tags before a malformed element decided; a value broken anywhere is
 * not trusted here, which can only turn a `304` into a `200` or a pass into a `412`.)
 *
 * @example Tag a file and answer a revalidation
 * ```ts
 * import { entityTagListMatches, fileEntityTag, parseEntityTag } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * const etag = fileEntityTag(1700000000123, 1024);
 * assertEquals(etag, '"18bcfe5687b-400"');
 * const current = parseEntityTag(etag);
 * assertEquals(entityTagListMatches(`W/${etag}, "other"`, current, "weak"), true);
 * assertEquals(entityTagListMatches(`W/${etag}`, current, "strong"), false);
 * ```
 *
 * @module
 */

/** An entity tag: its opaque part (quotes included) and whether it carried `W/`. */
export interface EntityTag {
  /** Whether the tag was weak (`W/"..."`). */
  readonly weak: boolean;
  /** The opaque tag with its double quotes, e.g. `"abc"`. */
  readonly opaque: string;
}

/** An `If-Match` / `If-None-Match` value read as RFC 9110 section 13.1.1 and section 13.1.2 define it. */
export type EntityTagList =
  /** `*`: any current representation. */
  | { readonly kind: "any" }
  /** A list of tags, possibly empty. */
  | { readonly kind: "tags"; readonly tags: readonly EntityTag[] }
  /** Not `"*" / #entity-tag`: matches nothing. */
  | { readonly kind: "malformed" };

/** How two tags are compared (RFC 9110 section 8.8.3.2). */
export type EntityTagComparison = "strong" | "weak";

const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const QUOTE = 0x22;
const EXCLAMATION = 0x21;
const HASH = 0x23;
const TILDE = 0x7e;
const OBS_TEXT_FIRST = 0x80;
const OBS_TEXT_LAST = 0xff;

const ANY: EntityTagList = Object.freeze({ kind: "any" });
const MALFORMED: EntityTagList = Object.freeze({ kind: "malformed" });

function isOws(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** `etagc = %x21 / %x23-7E / obs-text`. */
function isEtagChar(code: number): boolean {
  return code === EXCLAMATION || (code >= HASH && code <= TILDE) ||
    (code >= OBS_TEXT_FIRST && code <= OBS_TEXT_LAST);
}

/**
 * Reads one `entity-tag` at `text[from]`; returns the tag and the index after it, or null.
 */
function scanEntityTag(
  text: string,
  from: number,
  end: number,
): { tag: EntityTag; next: number } | null {
  let i = from;
  let weak = false;
  if (text.startsWith("W/", i)) {
    weak = true;
    i += 2;
  }
  if (i >= end || text.charCodeAt(i) !== QUOTE) return null;
  const open = i++;
  while (i < end && isEtagChar(text.charCodeAt(i))) i++;
  if (i >= end || text.charCodeAt(i) !== QUOTE) return null;
  return { tag: { weak, opaque: text.slice(open, i + 1) }, next: i + 1 };
}

/**
 * Builds the strong tag of a file from its modification time and size:
 * `"<mtime ms hex>-<size hex>"` (nginx's shape, with milliseconds; see the module doc).
 *
 * @param mtimeMs Modification time in milliseconds since the epoch (fractions dropped).
 * @param size Length in bytes.
 * @returns The `ETag` field value, quotes included.
 *
 * @example
 * ```ts
 * import { fileEntityTag } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(fileEntityTag(0, 0), '"0-0"');
 * assertEquals(fileEntityTag(1000.9, 255), '"3e8-ff"');
 * ```
 */
export function fileEntityTag(mtimeMs: number, size: number): string {
  return '"' + Math.floor(mtimeMs).toString(16) + "-" + size.toString(16) + '"';
}

/**
 * Parses a value that should hold exactly one entity tag (an `ETag` or an `If-Range` that
 * starts with `"` or `W/`), surrounding spaces and tabs allowed.
 *
 * @param value The field value.
 * @returns The tag, or null when the value is anything else.
 *
 * @example
 * ```ts
 * import { parseEntityTag } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseEntityTag(' W/"v1" '), { weak: true, opaque: '"v1"' });
 * assertEquals(parseEntityTag('"a" "b"'), null);
 * assertEquals(parseEntityTag("v1"), null);
 * ```
 */
export function parseEntityTag(value: string): EntityTag | null {
  let i = 0;
  let end = value.length;
  while (i < end && isOws(value.charCodeAt(i))) i++;
  while (end > i && isOws(value.charCodeAt(end - 1))) end--;
  const scanned = scanEntityTag(value, i, end);
  return scanned !== null && scanned.next === end ? scanned.tag : null;
}

/**
 * Parses an `If-Match` or `If-None-Match` value: `*`, or a comma list of entity tags where
 * spaces and tabs may surround the commas and empty elements are skipped (RFC 9110 section 5.6.1).
 * Anything else is `malformed`. Never throws; linear in the value's length.
 *
 * @param value The field value.
 * @returns `any`, the tags, or `malformed`.
 *
 * @example
 * ```ts
 * import { parseEntityTagList } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseEntityTagList(" * "), { kind: "any" });
 * assertEquals(parseEntityTagList('"a", W/"b",'), {
 *   kind: "tags",
 *   tags: [{ weak: false, opaque: '"a"' }, { weak: true, opaque: '"b"' }],
 * });
 * assertEquals(parseEntityTagList('"a", *'), { kind: "malformed" });
 * ```
 */
export function parseEntityTagList(value: string): EntityTagList {
  let i = 0;
  let end = value.length;
  while (i < end && isOws(value.charCodeAt(i))) i++;
  while (end > i && isOws(value.charCodeAt(end - 1))) end--;
  if (end - i === 1 && value[i] === "*") return ANY;
  const tags: EntityTag[] = [];
  while (i < end) {
    const code = value.charCodeAt(i);
    if (isOws(code)) {
      i++;
      continue;
    }
    if (code === COMMA) {
      i++;
      continue;
    }
    const scanned = scanEntityTag(value, i, end);
    if (scanned === null) return MALFORMED;
    tags.push(scanned.tag);
    i = scanned.next;
    while (i < end && isOws(value.charCodeAt(i))) i++;
    if (i < end && value.charCodeAt(i) !== COMMA) return MALFORMED;
  }
  return { kind: "tags", tags };
}

/**
 * Strong comparison (RFC 9110 section 8.8.3.2): neither tag is weak and the opaque tags are equal.
 *
 * @param a One tag.
 * @param b The other.
 * @returns Whether they match.
 *
 * @example
 * ```ts
 * import { strongMatch } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(strongMatch({ weak: false, opaque: '"1"' }, { weak: false, opaque: '"1"' }), true);
 * assertEquals(strongMatch({ weak: true, opaque: '"1"' }, { weak: false, opaque: '"1"' }), false);
 * ```
 */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/**
 * Weak comparison (RFC 9110 section 8.8.3.2): the opaque tags are equal, weakness ignored.
 *
 * @param a One tag.
 * @param b The other.
 * @returns Whether they match.
 *
 * @example
 * ```ts
 * import { weakMatch } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(weakMatch({ weak: true, opaque: '"1"' }, { weak: false, opaque: '"1"' }), true);
 * assertEquals(weakMatch({ weak: true, opaque: '"1"' }, { weak: true, opaque: '"2"' }), false);
 * ```
 */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/**
 * Whether an `If-Match` / `If-None-Match` value matches the current representation: `*`
 * matches whenever there is one (the caller serves an existing file, so always), a list
 * matches when one of its tags compares equal to `current`, a malformed value never matches,
 * and no list matches when the representation has no tag (`current` null).
 *
 * @param value The field value.
 * @param current The representation's tag, or null when it has none.
 * @param comparison `strong` for `If-Match`, `weak` for `If-None-Match`.
 * @returns Whether the value matches.
 *
 * @example
 * ```ts
 * import { entityTagListMatches } from "./etag.ts";
 * import { assertEquals } from "../deps.ts";
 * const current = { weak: false, opaque: '"v2"' };
 * assertEquals(entityTagListMatches('"v1", "v2"', current, "strong"), true);
 * assertEquals(entityTagListMatches("*", null, "strong"), true);
 * assertEquals(entityTagListMatches('"v2', current, "weak"), false);
 * ```
 */
export function entityTagListMatches(
  value: string,
  current: EntityTag | null,
  comparison: EntityTagComparison,
): boolean {
  const list = parseEntityTagList(value);
  if (list.kind === "any") return true;
  if (list.kind === "malformed" || current === null) return false;
  const match = comparison === "strong" ? strongMatch : weakMatch;
  return list.tags.some((tag) => match(tag, current));
}
