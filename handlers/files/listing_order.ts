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
import {
  compareCodePoints,
  type DirectoryEntry,
  pythonLower,
  sortLikePython,
  SURROGATE,
} from "./directory_listing.ts";
import { ListingEntries } from "./listing_entries.ts";
import { runStepsPaced, sortSteps, type Steps, TurnPacer } from "./slice_sort.ts";

/** Names lowered between two yields of {@linkcode pythonOrderSteps}, less one (a mask). */
const KEY_SLICE_MASK = 1023;

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
  return orderByQuery(sortLikePython(entries), query);
}

/**
 * CPython's listing order of a directory's entries held as columns: their positions, sorted
 * by Python's `name.lower()` (stable, code-point order), as steps (see `slice_sort.ts`).
 *
 * @param names The names, in `os.listdir` order.
 * @returns The steps, whose result is the positions in listing order.
 */
export function* pythonOrderSteps(names: readonly string[]): Steps<Uint32Array> {
  const keys: string[] = new Array(names.length);
  let surrogates = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const key = pythonLower(name);
    // V8 returns a new string even when lowering changes nothing: keep the name's own then.
    keys[i] = key === name ? name : key;
    if (!surrogates && SURROGATE.test(name)) surrogates = true;
    if ((i & KEY_SLICE_MASK) === KEY_SLICE_MASK) yield;
  }
  const positions: number[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) positions[i] = i;
  yield;
  // Without surrogates, UTF-16 order is code point order: plain comparison will do.
  const compare = surrogates
    ? (a: number, b: number) => compareCodePoints(keys[a], keys[b])
    : (a: number, b: number) => keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0;
  return Uint32Array.from(yield* sortSteps(positions, compare));
}

/**
 * The order a listing query asks for, of a directory's entries held as columns, as steps:
 * the same order as {@linkcode sortListing} (directories first, then by the key, ties in
 * name order, `desc` reversing both), as positions.
 *
 * @param entries The entries (with details for a size or time sort).
 * @param query The sort key and order.
 * @returns The steps, whose result is the positions in display order.
 */
export function* listingOrderSteps(
  entries: ListingEntries,
  query: Pick<ListingQuery, "sort" | "order">,
): Steps<Uint32Array> {
  const byName = yield* pythonOrderSteps(entries.names);
  const count = byName.length;
  const descending = query.order === "desc";
  if (query.sort === "name") {
    // Already in order: directories first (stable), each group reversed if asked.
    const order = new Uint32Array(count);
    let directories = 0;
    for (let i = 0; i < count; i++) if (entries.isDirectory(byName[i])) directories++;
    let nextDirectory = descending ? directories - 1 : 0;
    let nextFile = descending ? count - 1 : directories;
    for (let i = 0; i < count; i++) {
      const position = byName[i];
      if (entries.isDirectory(position)) {
        order[nextDirectory] = position;
        nextDirectory += descending ? -1 : 1;
      } else {
        order[nextFile] = position;
        nextFile += descending ? -1 : 1;
      }
    }
    return order;
  }
  const rank = new Uint32Array(count);
  for (let i = 0; i < count; i++) rank[byName[i]] = i;
  const bySize = query.sort === "size";
  const value = (position: number) =>
    bySize ? entries.size(position) ?? -1 : entries.mtime(position);
  const sign = descending ? -1 : 1;
  const positions = Array.from(byName);
  yield;
  const sorted = yield* sortSteps(positions, (a, b) => {
    const directory = entries.isDirectory(a);
    if (directory !== entries.isDirectory(b)) return directory ? -1 : 1;
    return sign * (value(a) - value(b) || rank[a] - rank[b]);
  });
  return Uint32Array.from(sorted);
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
  const order = await runStepsPaced(
    listingOrderSteps(ListingEntries.of(entries, true), query),
    new TurnPacer(pause, 0),
  );
  return Array.from(order, (position) => entries[position]);
}

/** Directories first, then by the query's key (ties by name order). */
function orderByQuery<T extends ListingEntry>(
  byName: T[],
  query: Pick<ListingQuery, "sort" | "order">,
): T[] {
  const descending = query.order === "desc";
  if (query.sort === "name") {
    // Already in order: split off the directories (stable), reverse each group if asked.
    const directories = byName.filter((entry) => entry.isDirectory);
    const files = byName.filter((entry) => !entry.isDirectory);
    if (descending) {
      directories.reverse();
      files.reverse();
    }
    return directories.concat(files);
  }
  const sign = descending ? -1 : 1;
  const ranked = byName.map((entry, rank) => ({
    entry,
    rank,
    value: query.sort === "size" ? entry.size ?? -1 : entry.mtime,
  }));
  ranked.sort((a, b) => {
    if (a.entry.isDirectory !== b.entry.isDirectory) return a.entry.isDirectory ? -1 : 1;
    return sign * (a.value - b.value || a.rank - b.rank);
  });
  return ranked.map(({ entry }) => entry);
}
