/**
 * What a listing request asks for beyond CPython's page (`?sort=`, `?order=`, `?format=`) and
 * the order that gives: directories first, then by name (CPython's case-insensitive order),
 * size or modification time, ascending or descending.
 *
 * @example Sort by size, largest first
 * ```ts
 * import { listingQuery, sortListing } from "./listing_order.ts";
 * import { assertEquals } from "../../deps.ts";
 * const query = listingQuery("/dir/?sort=size&order=desc");
 * const entries = [
 *   { name: "small", isDirectory: false, isSymlink: false, size: 1, mtime: 0 },
 *   { name: "sub", isDirectory: true, isSymlink: false, size: null, mtime: 0 },
 *   { name: "big", isDirectory: false, isSymlink: false, size: 9, mtime: 0 },
 * ];
 * assertEquals(sortListing(entries, query).map((e) => e.name), ["sub", "big", "small"]);
 * ```
 *
 * @module
 */
import { unquote } from "../../protocol/url.ts";
import { type DirectoryEntry, pythonNameOrder, sortLikePython } from "./directory_listing.ts";
import { sortInSlices } from "./slice_sort.ts";

/** A directory entry with what the rich and JSON listings show. */
export interface ListingEntry extends DirectoryEntry {
  /** Bytes of the file (of a symlink's target); null for a directory or a broken link. */
  size: number | null;
  /** Modification time in milliseconds since the epoch (of a symlink's target if it resolves). */
  mtime: number;
}

/** The column a listing is sorted by. */
export type ListingSortKey = "name" | "size" | "mtime";

/** The direction of the sort. */
export type ListingSortOrder = "asc" | "desc";

/** The listing options a request's query asks for. */
export interface ListingQuery {
  /** `?sort=`: name (default), size or mtime. */
  sort: ListingSortKey;
  /** `?order=`: asc (default) or desc. */
  order: ListingSortOrder;
  /** `?format=json` was given. */
  json: boolean;
}

const SORT_KEYS: readonly string[] = ["name", "size", "mtime"];

/**
 * Reads `sort`, `order` and `format` from the request target's query (`application/x-www-form-
 * urlencoded`, the last value of a repeated name winning); unknown values fall back to the
 * defaults rather than failing.
 *
 * @param requestPath The request target (`self.path`).
 * @returns The options.
 */
export function listingQuery(requestPath: string): ListingQuery {
  const query: ListingQuery = { sort: "name", order: "asc", json: false };
  const start = requestPath.indexOf("?");
  if (start < 0) return query;
  const end = requestPath.indexOf("#", start);
  const text = requestPath.slice(start + 1, end < 0 ? undefined : end);
  for (const pair of text.split("&")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    const name = unquote(pair.slice(0, equals).replaceAll("+", " "));
    const value = unquote(pair.slice(equals + 1).replaceAll("+", " ")).toLowerCase();
    if (name === "sort" && SORT_KEYS.includes(value)) query.sort = value as ListingSortKey;
    else if (name === "order" && (value === "asc" || value === "desc")) query.order = value;
    else if (name === "format") query.json = value === "json";
  }
  return query;
}

/**
 * The entries in the order the query asks: directories (and symlinks to directories) first,
 * each group sorted by the key, ties broken by name; `desc` reverses the key's order within
 * each group.
 *
 * @param entries The entries, in any order.
 * @param query The sort key and order.
 * @returns A new, sorted array.
 */
export function sortListing<T extends ListingEntry>(
  entries: readonly T[],
  query: Pick<ListingQuery, "sort" | "order">,
): T[] {
  return orderByQuery(sortLikePython(entries), query, (items, compare) => items.sort(compare));
}

/**
 * {@linkcode sortListing} for a large listing: the same order, computed in slices with
 * `pause` awaited between them so other clients are served meanwhile.
 *
 * @param entries The entries, in any order.
 * @param query The sort key and order.
 * @param pause Awaited between slices.
 * @returns A new, sorted array.
 */
export async function sortListingInSlices<T extends ListingEntry>(
  entries: readonly T[],
  query: Pick<ListingQuery, "sort" | "order">,
  pause: () => Promise<void>,
): Promise<T[]> {
  const byName = await sortLikePythonInSlices(entries, pause);
  const sorter = <U>(items: U[], compare: (a: U, b: U) => number) =>
    sortInSlices(items, compare, pause);
  return await orderByQuery(byName, query, sorter);
}

/**
 * `sortLikePython` in slices, pausing between them.
 *
 * @param entries Anything with a `name`.
 * @param pause Awaited between slices.
 * @returns A new array in CPython's listing order.
 */
export async function sortLikePythonInSlices<T extends { readonly name: string }>(
  entries: readonly T[],
  pause: () => Promise<void>,
): Promise<T[]> {
  const { keyed, compare } = pythonNameOrder(entries);
  return (await sortInSlices(keyed, compare, pause)).map(({ entry }) => entry);
}

/** Directories first, then by the query's key (ties by name order), with a sort given. */
function orderByQuery<T extends ListingEntry, R extends T[] | Promise<T[]>>(
  byName: T[],
  query: Pick<ListingQuery, "sort" | "order">,
  sort: <U>(items: U[], compare: (a: U, b: U) => number) => U[] | Promise<U[]>,
): R {
  const descending = query.order === "desc";
  if (query.sort === "name") {
    // Already in order: split off the directories (stable), reverse each group if asked.
    const directories = byName.filter((entry) => entry.isDirectory);
    const files = byName.filter((entry) => !entry.isDirectory);
    if (descending) {
      directories.reverse();
      files.reverse();
    }
    return directories.concat(files) as R;
  }
  const sign = descending ? -1 : 1;
  const ranked = byName.map((entry, rank) => ({
    entry,
    rank,
    value: query.sort === "size" ? entry.size ?? -1 : entry.mtime,
  }));
  const sorted = sort(ranked, (a, b) => {
    if (a.entry.isDirectory !== b.entry.isDirectory) return a.entry.isDirectory ? -1 : 1;
    return sign * (a.value - b.value || a.rank - b.rank);
  });
  const unwrap = (items: typeof ranked) => items.map(({ entry }) => entry);
  return (Array.isArray(sorted) ? unwrap(sorted) : sorted.then(unwrap)) as R;
}
