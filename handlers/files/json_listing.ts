/**
 * The JSON listing: an array of `{name, type, size, mtime}` objects, `type` one of `file`,
 * `directory` or `symlink`, `size` in bytes (null for a directory or a broken link), `mtime`
 * as ISO 8601 in UTC, in the order the request asked for.
 *
 * @example
 * ```ts
 * import { renderJsonListing } from "./json_listing.ts";
 * import { assertEquals } from "../../deps.ts";
 * const text = [...renderJsonListing([
 *   { name: "a.txt", isDirectory: false, isSymlink: false, size: 3, mtime: 0 },
 * ])].join("");
 * assertEquals(JSON.parse(text), [
 *   { name: "a.txt", type: "file", size: 3, mtime: "1970-01-01T00:00:00Z" },
 * ]);
 * ```
 *
 * @module
 */
import { LISTING_PIECE_ENTRIES } from "./directory_listing.ts";
import type { ListingEntry } from "./listing_order.ts";
import { isoSeconds } from "./rich_listing.ts";

/** The media type of the JSON listing. */
export const JSON_LISTING_TYPE = "application/json";

/** What `type` says of an entry: a symlink is `symlink` whatever it points at. */
export function entryType(entry: ListingEntry): "file" | "directory" | "symlink" {
  if (entry.isSymlink) return "symlink";
  return entry.isDirectory ? "directory" : "file";
}

/**
 * The JSON text as pieces (one per {@linkcode LISTING_PIECE_ENTRIES} entries); joined they
 * are one JSON array. Names that are not valid Unicode (lone surrogates) come out as `\u`
 * escapes, which `JSON.stringify` writes for them.
 *
 * @param sorted The entries, in the order to list them.
 * @returns The pieces.
 */
export function* renderJsonListing(sorted: Iterable<ListingEntry>): Generator<string> {
  let piece = "[";
  let count = 0;
  let separator = "\n";
  for (const entry of sorted) {
    piece += separator + JSON.stringify({
      name: entry.name,
      type: entryType(entry),
      size: entry.isDirectory ? null : entry.size,
      mtime: isoSeconds(entry.mtime),
    });
    separator = ",\n";
    if (++count === LISTING_PIECE_ENTRIES) {
      yield piece;
      piece = "";
      count = 0;
    }
  }
  yield piece + (separator === "\n" ? "]\n" : "\n]\n");
}
