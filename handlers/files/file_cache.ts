/**
 * A bounded in-memory cache of small files' contents, checked against a fresh `stat` on every
 * use, so a hit costs one `stat` instead of `open` + `fstat` + `read` + `close`.
 *
 * A hit requires the same device, inode, size, modification time and change time as when
 * the bytes were read. Every write, truncation, `chmod`, `utimes` or rename sets the change
 * time to the current clock, which no user can set back; so once a file's change time is
 * older than {@linkcode FILE_CACHE_SETTLE_MS} at the moment its identity is taken, any later
 * change is seen by the next `stat`. Files changed more recently than that (whose change
 * time could still repeat within the file system's timestamp resolution) are never cached:
 * the same rule as git's "racy" index entries.
 *
 * @example
 * ```ts
 * import { FileContentCache } from "./file_cache.ts";
 * import { assertEquals } from "../../deps.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * const old = new Date(Date.now() - 60_000);
 * await Deno.utime(path, old, old);
 * const cache = new FileContentCache(1024, 100);
 * const info = Deno.statSync(path);
 * // The change time is now (utime just set it): too recent to cache.
 * assertEquals(cache.put(path, info, new Uint8Array(5), Date.now()), false);
 * assertEquals(cache.get(path, info), null);
 * // Seen from later on, the same identity is settled.
 * assertEquals(cache.put(path, info, new Uint8Array(5), Date.now() + 60_000), true);
 * assertEquals(cache.get(path, Deno.statSync(path))?.length, 5);
 * await Deno.remove(path);
 * ```
 *
 * @module
 */

/**
 * How long after its last change a file's identity is trusted (milliseconds). Change times
 * come with one-second resolution here (and two on some file systems): a file changed again
 * within the same tick would otherwise look unchanged.
 */
export const FILE_CACHE_SETTLE_MS = 3000;

/** Total bytes of file content the default cache holds. */
export const FILE_CACHE_BYTES = 4 * 1024 * 1024;

/** Largest file the default cache holds (bytes); larger files are streamed from disk. */
export const FILE_CACHE_ENTRY_BYTES = 64 * 1024;

interface CachedFile {
  readonly dev: number;
  readonly ino: number | null;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly bytes: Uint8Array;
}

function timeOf(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

/**
 * Contents of small regular files by path, each valid while its `stat` identity holds.
 * Oldest entries go first when the byte budget is reached.
 *
 * @example
 * ```ts
 * import { FileContentCache } from "./file_cache.ts";
 * const cache = new FileContentCache(1024 * 1024, 64 * 1024);
 * cache.byteLength; // 0
 * ```
 */
export class FileContentCache {
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  readonly #entries: Map<string, CachedFile> = new Map();
  #bytes = 0;

  /**
   * Creates an empty cache.
   *
   * @param maxBytes Total content bytes held at most.
   * @param maxEntryBytes Largest file held.
   */
  constructor(maxBytes: number = FILE_CACHE_BYTES, maxEntryBytes: number = FILE_CACHE_ENTRY_BYTES) {
    this.#maxBytes = maxBytes;
    this.#maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
  }

  /** Content bytes held now. */
  get byteLength(): number {
    return this.#bytes;
  }

  /**
   * Whether a file of this size may be cached at all.
   *
   * @param size The file's size.
   * @returns True when it fits an entry.
   */
  accepts(size: number): boolean {
    return size <= this.#maxEntryBytes;
  }

  /**
   * The cached content of `path` if `info` (a `stat` taken now) still matches the identity
   * it was read under; otherwise null (and a stale entry is dropped).
   *
   * @param path The file's path, as it was cached.
   * @param info A fresh `stat` of `path`.
   * @returns The bytes, or null.
   */
  get(path: string, info: Deno.FileInfo): Uint8Array | null {
    const entry = this.#entries.get(path);
    if (entry === undefined) return null;
    if (
      entry.size === info.size && entry.ino === info.ino && entry.dev === info.dev &&
      entry.mtimeMs === timeOf(info.mtime) && entry.ctimeMs === timeOf(info.ctime)
    ) {
      return entry.bytes;
    }
    this.#drop(path, entry);
    return null;
  }

  /**
   * Caches `bytes` as the content of `path` under `info`, the identity taken (from the open
   * file) before the bytes were read. Refused when the file changed too recently, when a
   * time is unknown, when the size does not match, or when it does not fit.
   *
   * @param path The file's path.
   * @param info `fstat` of the open file, taken before reading it.
   * @param bytes The whole content.
   * @param now The current time (milliseconds since the epoch).
   * @returns True when cached.
   */
  put(path: string, info: Deno.FileInfo, bytes: Uint8Array, now: number): boolean {
    if (!info.isFile || bytes.length !== info.size) return false;
    return this.#store(path, info, bytes, now);
  }

  /**
   * Caches `bytes` made from a directory's entries (a listing page) under `key`, valid while
   * the directory keeps the identity `info` had before its entries were read. Adding,
   * removing or renaming an entry changes the directory's modification and change times;
   * what the caller derives from more than the entry names and types (a symlink's target)
   * must not be cached.
   *
   * @param key What the page is for (directory and anything else it depends on).
   * @param info `stat` of the directory, taken before its entries were read.
   * @param bytes The page.
   * @param now The current time (milliseconds since the epoch).
   * @returns True when cached.
   */
  putDerived(key: string, info: Deno.FileInfo, bytes: Uint8Array, now: number): boolean {
    if (!info.isDirectory) return false;
    return this.#store(key, info, bytes, now);
  }

  #store(path: string, info: Deno.FileInfo, bytes: Uint8Array, now: number): boolean {
    const mtimeMs = timeOf(info.mtime);
    const ctimeMs = timeOf(info.ctime);
    if (
      mtimeMs === null || ctimeMs === null || !this.accepts(bytes.length) ||
      Math.max(mtimeMs, ctimeMs) > now - FILE_CACHE_SETTLE_MS
    ) {
      return false;
    }
    const previous = this.#entries.get(path);
    if (previous !== undefined) this.#drop(path, previous);
    while (this.#bytes + bytes.length > this.#maxBytes) {
      const oldest = this.#entries.entries().next();
      if (oldest.done) break;
      this.#drop(oldest.value[0], oldest.value[1]);
    }
    this.#entries.set(path, {
      dev: info.dev,
      ino: info.ino,
      size: info.size,
      mtimeMs,
      ctimeMs,
      bytes,
    });
    this.#bytes += bytes.length;
    return true;
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(path: string, entry: CachedFile): void {
    this.#entries.delete(path);
    this.#bytes -= entry.bytes.length;
  }
}
