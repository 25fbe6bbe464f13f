/**
 * What the file handlers of one server share: the small-file cache, the open handles of
 * large files that range answers read, and the memo of recent `stat` results. Both decide which bytes a client gets, so each server has its own: two
 * servers in one process (tests, a program serving two trees) never see each other's entries,
 * and clearing one server's cache touches no other.
 *
 * @module
 */
import { FileContentCache } from "./file_cache.ts";
import { OpenFileCache } from "./open_file_cache.ts";

/** A `stat` result and when it was started (`performance.now()`). */
interface RecentStat {
  readonly info: Deno.FileInfo | null;
  readonly startedAt: number;
}

/**
 * Most paths whose latest `stat` is remembered: enough for the files a busy page pulls in at
 * once; the map is emptied when full, so a scan of many paths costs nothing extra.
 */
const RECENT_STATS_MAX = 256;

/**
 * The latest `stat` of recently requested paths, reused by requests that had fully arrived
 * before that `stat` started.
 *
 * @example Requests that arrived before a stat share it
 * ```ts
 * import { RecentStats } from "./server_file_state.ts";
 * let stats = 0;
 * const statPath = () => (stats++, null);
 * const recent = new RecentStats();
 * const arrived = performance.now();
 * recent.stat("/srv/a.txt", arrived, statPath);
 * recent.stat("/srv/a.txt", arrived, statPath);
 * stats; // 1
 * ```
 */
export class RecentStats {
  readonly #entries: Map<string, RecentStat> = new Map();

  /**
   * `statPath(path)` for a request whose bytes had all arrived by `receivedAt`: the latest
   * stat of the path is reused when it started after that moment, so it saw the file as it
   * was at some time between the request's arrival and its answer, exactly what a fresh stat
   * could see (requests served in the same turn of the event loop share one stat).
   *
   * @param path The file-system path.
   * @param receivedAt When the request's last byte had arrived (`performance.now()`).
   * @param statPath Takes a fresh stat (null where the path does not exist).
   * @returns The stat, fresh or shared.
   */
  stat(
    path: string,
    receivedAt: number,
    statPath: (path: string) => Deno.FileInfo | null,
  ): Deno.FileInfo | null {
    const recent = this.#entries.get(path);
    if (recent !== undefined && recent.startedAt > receivedAt) return recent.info;
    const startedAt = performance.now();
    const info = statPath(path);
    if (this.#entries.size >= RECENT_STATS_MAX) this.#entries.clear();
    this.#entries.set(path, { info, startedAt });
    return info;
  }
}

/** The caches one server's file handlers share. */
export interface ServerFileState {
  /** Small files and listings (the default `file_cache` of the server's handlers). */
  readonly fileCache: FileContentCache;
  /** Recent `stat` results. */
  readonly recentStats: RecentStats;
  /** Open handles of large files, for small range answers. */
  readonly openFiles: OpenFileCache;
}

const STATES: WeakMap<object, ServerFileState> = new WeakMap();

/**
 * The file-serving state of `server`, created on first use and dropped with the server.
 *
 * @param server The server object handlers are given.
 * @returns Its state (the same object on every call).
 *
 * @example One state per server
 * ```ts
 * import { fileStateFor } from "./server_file_state.ts";
 * const a = {};
 * fileStateFor(a) === fileStateFor(a); // true
 * fileStateFor(a) === fileStateFor({}); // false
 * ```
 */
export function fileStateFor(server: object): ServerFileState {
  let state = STATES.get(server);
  if (state === undefined) {
    state = {
      fileCache: new FileContentCache(),
      recentStats: new RecentStats(),
      openFiles: new OpenFileCache(),
    };
    STATES.set(server, state);
  }
  return state;
}
