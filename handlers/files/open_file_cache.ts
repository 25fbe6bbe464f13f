/**
 * Open handles of files too large for the content cache, shared by the small range answers of
 * one server: a random 1 KiB range of a large file then costs one `stat` of the path (shared
 * by the server's `stat` memo) and one read, instead of `open` + `fstat` + seek + read +
 * `close`.
 *
 * A handle is used for a request only while a `stat` of the path taken as of that request
 * shows the very file it was opened on, unchanged: the same device and inode (an inode cannot
 * be reused while this handle keeps it open, so the pair names one file) and the same size,
 * modification time, change time, mode, owner and group. A file renamed over the path, or
 * written, truncated or `chmod`ed in place, fails that check; the stale handle leaves the
 * cache at once and is closed when the last response reading it ends. The validators a
 * response sends come from that same `stat`, so old content never goes out with new
 * validators, nor new content with old ones. (Bytes written in place while a response reads
 * are read as they are, exactly as through a freshly opened file.)
 *
 * Nothing stays open while the server has no connection: handlers report their connections
 * (`connectionOpened`, `connectionClosed`), every idle handle is closed when the last one
 * ends, and no handle is kept while there is none (a handler driven without `run()`).
 *
 * @example A handle is reused while the path's stat matches, and closed when unused
 * ```ts
 * import { OpenFileCache } from "./open_file_cache.ts";
 * import { assert, assertEquals } from "../../deps.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "0123456789");
 * const cache = new OpenFileCache();
 * cache.connectionOpened();
 * const file = Deno.openSync(path);
 * const lease = await cache.adopt(path, file, file.statSync());
 * assert(lease !== null);
 * lease.release();
 * const again = cache.acquire(path, Deno.statSync(path));
 * assert(again?.file === file);
 * again.release();
 * cache.connectionClosed(); // the last connection: the idle handle is closed
 * assertEquals(cache.size, 0);
 * await Deno.remove(path);
 * ```
 *
 * @module
 */
import type { FileLease } from "../../io/body_source.ts";

/** `node:fs`, for its positioned read (`pread`: one system call where `FsFile` needs two). */
type NodeFs = typeof import("node:fs");

/** `node:fs` once loaded; loaded with the first handle kept, so plain serving never loads it. */
let nodeFs: NodeFs | null = null;
let nodeFsLoading: Promise<void> | null = null;

/** Loads `node:fs` once; on failure, reads stay a seek and a read of the `FsFile`. */
function loadNodeFs(): Promise<void> {
  return nodeFsLoading ??= import("node:fs").then((module) => {
    nodeFs = module;
  }, () => {});
}

/**
 * Most files one server keeps open for range answers: the large files a site's clients seek
 * in at once (media, archives), while leaving nearly all of the process's descriptors to
 * connections.
 */
export const OPEN_FILES_MAX = 32;

/** One open file, as it was when opened, and how many responses read it now. */
class OpenFileEntry implements FileLease {
  readonly path: string;
  readonly file: Deno.FsFile;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly mode: number | null;
  readonly uid: number | null;
  readonly gid: number | null;
  /**
   * A second descriptor of the same file for positioned reads (`node:fs`), or -1 where
   * `node:fs` is not loaded or the path no longer named this file when it was opened.
   */
  readonly #fd: number;
  /** Responses holding the handle. */
  users = 0;
  /** Still the cache's entry for its path (false once stale, evicted or cleared). */
  current = true;
  /** Called when the last user lets go. */
  readonly #onIdle: (entry: OpenFileEntry) => void;

  constructor(
    path: string,
    file: Deno.FsFile,
    info: IdentifiedFileInfo,
    onIdle: (entry: OpenFileEntry) => void,
  ) {
    this.path = path;
    this.file = file;
    this.#onIdle = onIdle;
    this.dev = info.dev;
    this.ino = info.ino;
    this.size = info.size;
    this.mtimeMs = info.mtime.getTime();
    this.ctimeMs = info.ctime.getTime();
    this.mode = info.mode;
    this.uid = info.uid;
    this.gid = info.gid;
    this.#fd = nodeFs === null ? -1 : openSameFile(nodeFs, path, this.dev, this.ino);
  }

  readAt(p: Uint8Array, position: number): number {
    if (this.#fd >= 0) return (nodeFs as NodeFs).readSync(this.#fd, p, 0, p.length, position);
    this.file.seekSync(position, Deno.SeekMode.Start);
    return this.file.readSync(p) ?? 0;
  }

  /** Closes the file (both descriptors). */
  close(): void {
    this.file.close();
    if (this.#fd >= 0) (nodeFs as NodeFs).closeSync(this.#fd);
  }

  /** Whether `info` describes this very file, unchanged since it was opened. */
  matches(info: Deno.FileInfo): boolean {
    return this.ino === info.ino && this.dev === info.dev && this.size === info.size &&
      this.mtimeMs === info.mtime?.getTime() && this.ctimeMs === info.ctime?.getTime() &&
      this.mode === info.mode && this.uid === info.uid && this.gid === info.gid;
  }

  release(): void {
    if (--this.users === 0) this.#onIdle(this);
  }
}

/**
 * A descriptor of `path` opened with `node:fs` when it names the file `dev`/`ino` (the open
 * `FsFile`), else -1.
 */
function openSameFile(fs: NodeFs, path: string, dev: number, ino: number): number {
  let fd = -1;
  try {
    fd = fs.openSync(path, "r");
    const stat = fs.fstatSync(fd);
    if (stat.dev === dev && stat.ino === ino) return fd;
  } catch {
    // Not openable now (removed, replaced by something unreadable): the FsFile serves.
  }
  if (fd >= 0) fs.closeSync(fd);
  return -1;
}

/** A `stat` result with the fields an entry's identity needs. */
type IdentifiedFileInfo = Deno.FileInfo & { ino: number; mtime: Date; ctime: Date };

/** Whether `info` carries an identity (not on platforms without inodes or change times). */
function identified(info: Deno.FileInfo): info is IdentifiedFileInfo {
  return info.isFile && info.ino !== null && info.mtime !== null && info.ctime !== null;
}

/**
 * Open files by path, each used while the path's `stat` shows it unchanged, counted by the
 * responses reading it. See the module documentation for the rules.
 */
export class OpenFileCache {
  readonly #entries: Map<string, OpenFileEntry> = new Map();
  #connections = 0;

  /** Files held open now (in use or idle, stale ones in use excluded). */
  get size(): number {
    return this.#entries.size;
  }

  /** A connection of the server started: handles may be kept from now on. */
  connectionOpened(): void {
    this.#connections++;
  }

  /** A connection ended; after the last one, every idle handle is closed. */
  connectionClosed(): void {
    if (this.#connections > 0) this.#connections--;
    if (this.#connections === 0) this.#closeIdle();
  }

  /**
   * The open file of `path` when `info` (a `stat` of the path as of this request) shows it
   * unchanged, held until {@linkcode FileLease.release}; otherwise null (a stale handle leaves
   * the cache).
   *
   * @param path The file's path.
   * @param info A `stat` of `path` as of this request.
   * @returns The held file, or null.
   */
  acquire(path: string, info: Deno.FileInfo): FileLease | null {
    const entry = this.#entries.get(path);
    if (entry === undefined) return null;
    if (!entry.matches(info)) {
      this.#retire(path, entry);
      return null;
    }
    entry.users++;
    return entry;
  }

  /**
   * Takes `file`, freshly opened on `path`, into the cache, held by the caller until
   * {@linkcode FileLease.release}; from then on the cache closes it. Refused (null: the caller
   * keeps the file and closes it) while the server has no connection, when `info` carries no
   * identity, or when {@linkcode OPEN_FILES_MAX} handles are all in use.
   *
   * @param path The file's path.
   * @param file The open file.
   * @param info `fstat` of `file`.
   * @returns The held file, or null.
   */
  async adopt(path: string, file: Deno.FsFile, info: Deno.FileInfo): Promise<FileLease | null> {
    if (this.#connections === 0 || !identified(info)) return null;
    if (nodeFs === null) {
      await loadNodeFs();
      if (this.#connections === 0) return null;
    }
    const previous = this.#entries.get(path);
    if (previous !== undefined) this.#retire(path, previous);
    if (this.#entries.size >= OPEN_FILES_MAX && !this.#evictIdle()) return null;
    const entry = new OpenFileEntry(path, file, info, this.#idle);
    entry.users = 1;
    this.#entries.set(path, entry);
    return entry;
  }

  /** Drops every entry: idle handles are closed now, the others when their last user ends. */
  clear(): void {
    for (const [path, entry] of this.#entries) this.#retire(path, entry);
  }

  /**
   * The last response reading `entry` ended: a stale entry is closed, and so is any entry
   * while the server has no connection.
   */
  readonly #idle = (entry: OpenFileEntry): void => {
    if (!entry.current) {
      entry.close();
    } else if (this.#connections === 0) {
      this.#retire(entry.path, entry);
    }
  };

  /** Takes `entry` out of the cache; closed now if idle, else by its last user. */
  #retire(path: string, entry: OpenFileEntry): void {
    this.#entries.delete(path);
    entry.current = false;
    if (entry.users === 0) entry.close();
  }

  /** Closes the oldest idle entry; false when every entry is in use. */
  #evictIdle(): boolean {
    for (const [path, entry] of this.#entries) {
      if (entry.users === 0) {
        this.#retire(path, entry);
        return true;
      }
    }
    return false;
  }

  #closeIdle(): void {
    for (const [path, entry] of this.#entries) {
      if (entry.users === 0) this.#retire(path, entry);
    }
  }
}
