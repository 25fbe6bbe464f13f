/**
 * A directory's entries for a listing, kept as columns rather than one object per entry: the
 * names in one array, the flags in a byte array, sizes and modification times in float
 * arrays. A listing of 100,000 entries then holds its names plus 17 bytes an entry (9 without
 * details) instead of a `Deno.DirEntry` or `Deno.FileInfo` object each (several hundred bytes);
 * the renderers read it through {@linkcode ListingEntries.inOrder}, one short-lived object at
 * a time.
 *
 * @example Collect and read back
 * ```ts
 * import { ListingEntries } from "./listing_entries.ts";
 * import { assertEquals } from "../../deps.ts";
 * const entries = new ListingEntries(true);
 * entries.push("b.txt", false, false, 3, 1000);
 * entries.push("sub", true, false, null, 2000);
 * assertEquals([...entries.inOrder([1, 0])].map((entry) => entry.name), ["sub", "b.txt"]);
 * assertEquals(entries.size(1), null);
 * ```
 *
 * @module
 */
import type { DirectoryEntry } from "./directory_listing.ts";
import type { ListingEntry } from "./listing_order.ts";

/** Entries the columns hold before they first grow (then they double). */
const INITIAL_CAPACITY = 64;

const DIRECTORY = 1;
const SYMLINK = 2;

/** A directory's entries as columns, in the order they were added (`os.listdir` order). */
export class ListingEntries {
  /** The file names, in the order added. */
  readonly names: string[] = [];
  /** Whether sizes and modification times are kept (the rich and JSON listings). */
  readonly details: boolean;
  #flags = new Uint8Array(INITIAL_CAPACITY);
  #sizes: Float64Array;
  #mtimes: Float64Array;

  /**
   * Creates an empty set of columns.
   *
   * @param details Keep each entry's size and modification time.
   */
  constructor(details: boolean) {
    this.details = details;
    const capacity = details ? INITIAL_CAPACITY : 0;
    this.#sizes = new Float64Array(capacity);
    this.#mtimes = new Float64Array(capacity);
  }

  /**
   * Columns holding the given entries (in that order).
   *
   * @param entries Entries as objects; with `size` and `mtime` when `details`.
   * @param details Keep sizes and modification times.
   * @returns The columns.
   */
  static of(
    entries: readonly (DirectoryEntry | ListingEntry)[],
    details: boolean,
  ): ListingEntries {
    const columns = new ListingEntries(details);
    for (const entry of entries) {
      const listing = entry as Partial<ListingEntry>;
      columns.push(
        entry.name,
        entry.isDirectory,
        entry.isSymlink,
        listing.size ?? null,
        listing.mtime ?? 0,
      );
    }
    return columns;
  }

  /** How many entries there are. */
  get length(): number {
    return this.names.length;
  }

  /**
   * Adds an entry.
   *
   * @param name The file name.
   * @param isDirectory A directory, or a symlink that resolves to one.
   * @param isSymlink A symbolic link.
   * @param size Bytes (null: a directory or a broken link); kept only with `details`.
   * @param mtime Milliseconds since the epoch; kept only with `details`.
   */
  push(
    name: string,
    isDirectory: boolean,
    isSymlink: boolean,
    size: number | null = null,
    mtime = 0,
  ): void {
    const index = this.names.length;
    if (index === this.#flags.length) this.#grow();
    this.names.push(name);
    this.#flags[index] = (isDirectory ? DIRECTORY : 0) | (isSymlink ? SYMLINK : 0);
    if (this.details) {
      this.#sizes[index] = size ?? Number.NaN;
      this.#mtimes[index] = mtime;
    }
  }

  /** Entry `index` is a directory (or a symlink to one). */
  isDirectory(index: number): boolean {
    return (this.#flags[index] & DIRECTORY) !== 0;
  }

  /** Entry `index` is a symbolic link. */
  isSymlink(index: number): boolean {
    return (this.#flags[index] & SYMLINK) !== 0;
  }

  /** Entry `index`'s size in bytes; null for a directory, a broken link or without details. */
  size(index: number): number | null {
    const size = this.details ? this.#sizes[index] : Number.NaN;
    return Number.isNaN(size) ? null : size;
  }

  /** Entry `index`'s modification time in milliseconds since the epoch (0 without details). */
  mtime(index: number): number {
    return this.details ? this.#mtimes[index] : 0;
  }

  /**
   * Entry `index` as an object (a new one each call).
   *
   * @param index The entry's position, in the order added.
   * @returns The entry.
   */
  entry(index: number): ListingEntry {
    return {
      name: this.names[index],
      isDirectory: this.isDirectory(index),
      isSymlink: this.isSymlink(index),
      size: this.size(index),
      mtime: this.mtime(index),
    };
  }

  /**
   * The entries at the given positions, one new object at a time (nothing is kept).
   *
   * @param order Positions, in the order to visit them.
   * @returns The entries.
   */
  *inOrder(order: ArrayLike<number>): Generator<ListingEntry> {
    for (let i = 0; i < order.length; i++) yield this.entry(order[i]);
  }

  #grow(): void {
    const capacity = this.#flags.length * 2;
    const flags = new Uint8Array(capacity);
    flags.set(this.#flags);
    this.#flags = flags;
    if (!this.details) return;
    const sizes = new Float64Array(capacity);
    sizes.set(this.#sizes);
    this.#sizes = sizes;
    const mtimes = new Float64Array(capacity);
    mtimes.set(this.#mtimes);
    this.#mtimes = mtimes;
  }
}
