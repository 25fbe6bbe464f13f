/**
 * A full garbage collection on demand, without the user passing `--v8-flags=--expose-gc`.
 *
 * An idle Deno process runs no garbage collection: what a burst of connections left behind
 * (tens of MiB of V8 heap pages after thousands of connections) stays resident until the next
 * load. With `gc` exposed by the user, that function is used. Otherwise the Node way is taken,
 * which Deno implements for Node compatibility: `node:v8`'s `setFlagsFromString("--expose-gc")`
 * makes contexts created from then on get a `gc` function (Deno changes no V8 flag; the function
 * asks V8 for its low-memory collection, which compacts the heap and gives emptied pages back),
 * and `node:vm` creates such a context to take it from. The switch is turned off again at once.
 *
 * The native heap (glibc's arenas) keeps what closed connections freed in the runtime itself;
 * `trimNativeHeap` gives it back after each collection.
 *
 * Both modules are imported only on the first call (they load Deno's Node compatibility layer:
 * about 100 ms and 4-5 MiB the first time), so a server that never sees a burst never pays.
 *
 * @module
 */

/** A synchronous full collection. */
type Collector = () => void;

/** The collection the first call found (null: none is available), shared by later calls. */
let collector: Promise<Collector | null> | null = null;

/** The options a `gc` exposed by `--expose-gc` takes for a compacting, memory-returning run. */
const LAST_RESORT = { type: "major", execution: "sync", flavor: "last-resort" } as const;

/** The `gc` the user exposed (`--v8-flags=--expose-gc`), or undefined. */
function exposedGc(): ((options?: typeof LAST_RESORT) => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? gc as (options?: typeof LAST_RESORT) => void : undefined;
}

/** Takes a `gc` function from a new `node:vm` context, the expose switch on only meanwhile. */
async function vmCollector(): Promise<Collector | null> {
  try {
    const [v8, vm] = await Promise.all([import("node:v8"), import("node:vm")]);
    const lookup = "typeof gc === 'function' ? gc : undefined";
    let gc: unknown = vm.runInNewContext(lookup);
    if (typeof gc !== "function") {
      v8.setFlagsFromString("--expose-gc");
      try {
        gc = vm.runInNewContext(lookup);
      } finally {
        v8.setFlagsFromString("--no-expose-gc");
      }
    }
    return typeof gc === "function" ? gc as Collector : null;
  } catch {
    // No Node compatibility layer, or it refused: no collection on demand.
    return null;
  }
}

/**
 * Runs one full, compacting garbage collection that gives emptied heap pages back to the
 * system, then gives back the native heap memory freed meanwhile (`trimNativeHeap`). Meant
 * for rare moments (a server after a burst of connections has ended), never per request: it
 * stops the program for the collection (about 0.25 s for the 160 MiB heap that 10,000 closed
 * connections leave, more when much of the heap is still alive), and the first call without
 * `--expose-gc` also loads the modules it needs.
 *
 * @returns True when a collection ran; false when none can be asked for in this runtime.
 *
 * @example After a burst
 * ```ts
 * import { collectGarbage } from "./garbage_collection.ts";
 * await collectGarbage(); // true on Deno 2
 * ```
 */
export async function collectGarbage(): Promise<boolean> {
  const exposed = exposedGc();
  if (exposed !== undefined) {
    exposed(LAST_RESORT);
  } else {
    collector ??= vmCollector();
    const collect = await collector;
    if (collect === null) return false;
    collect();
  }
  await trimNativeHeap();
  return true;
}

/** The module of the worker `trimNativeHeap` starts: it only says it has loaded. */
const TRIM_WORKER_SOURCE = "data:application/javascript,postMessage(0)";
/** Milliseconds a trimming worker may take before it is given up (and terminated). */
const TRIM_WORKER_TIMEOUT_MS = 5_000;

/**
 * Asks glibc to give the system the native heap memory that freed connections left behind.
 *
 * What a connection costs natively (its socket resource, the runtime's buffers and futures) is
 * freed with it, but glibc keeps freed memory inside its arenas, where it stays resident (about
 * 20 MiB after 10,000 connections have closed). Deno calls `malloc_trim(0)` on Linux once a
 * worker has loaded its main module, and that call walks every arena of the process: a worker
 * whose module only says it has loaded is the way to reach it without FFI. The worker needs no
 * permission (a `data:` URL); it costs about 35 ms of a thread (a new isolate), which is why only
 * the rare collections (after a burst, or once many connections are open and idle) run it.
 * Elsewhere it gives nothing back and does no harm.
 *
 * @example After many connections have closed
 * ```ts
 * import { trimNativeHeap } from "./garbage_collection.ts";
 * await trimNativeHeap();
 * ```
 */
export async function trimNativeHeap(): Promise<void> {
  let worker: Worker;
  try {
    worker = new Worker(TRIM_WORKER_SOURCE, { type: "module" });
  } catch {
    return;
  }
  await new Promise<void>((done) => {
    const timer = setTimeout(done, TRIM_WORKER_TIMEOUT_MS);
    Deno.unrefTimer(timer);
    const finish = () => {
      clearTimeout(timer);
      done();
    };
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      finish();
    });
    worker.addEventListener("message", finish);
  });
  worker.terminate();
}
