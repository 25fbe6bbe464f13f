/**
 * Timers that never touch the global `setTimeout`: {@linkcode CoreTimer}. In Deno 2.9 the
 * first global `setTimeout` (or `setImmediate`) loads the Node-compat timers layer, about
 * 15 ms of start-up spent inside the first request; `AbortSignal.timeout` runs on the
 * runtime's core timers and costs well under a millisecond the first time. Every
 * `CoreTimer` of the process shares one min-heap of due times and at most one pending
 * `AbortSignal.timeout` for its earliest entry, so (re)starting or cancelling a timer is a
 * heap update with no allocation and no call into the runtime unless the earliest due time
 * moves earlier.
 *
 * As with `setTimeout`, a started timer keeps the process alive until it runs or is
 * cancelled; once no timer is started, nothing is left scheduled.
 *
 * @module
 */

/** The longest delay a runtime timer takes (2^31 - 1 ms, about 24.8 days); later is re-armed. */
const MAX_TIMER_DELAY_MS = 0x7fffffff;

/** Every started timer, a binary min-heap on `due`; each knows its own slot. */
const heap: CoreTimer[] = [];
/**
 * The one live runtime timer: a timeout signal whose `abort` listener is {@linkcode fire}.
 * A listener refs the runtime timer (the process stays alive while a timer is pending, as
 * with `setTimeout`); removing it unrefs the timer, which then fires into nothing. That is
 * how a superseded runtime timer is let go (a signal cannot be cancelled), and how one is
 * parked while no timer is started: a timer started again for no sooner than the parked
 * signal fires takes it back with a listener instead of a new signal (one timed read after
 * another costs two listener calls, not a signal each).
 */
let armedSignal: AbortSignal | null = null;
/** When {@linkcode armedSignal} fires (ms since the epoch), or `Infinity` for none. */
let armedFor = Infinity;
/** Whether {@linkcode fire} listens on {@linkcode armedSignal} (false: parked, unref'd). */
let listening = false;

function less(a: CoreTimer, b: CoreTimer): boolean {
  return a.due < b.due;
}

function place(timer: CoreTimer, slot: number): void {
  heap[slot] = timer;
  timer.slot = slot;
}

function siftUp(timer: CoreTimer, slot: number): void {
  while (slot > 0) {
    const parentSlot = (slot - 1) >> 1;
    const parent = heap[parentSlot];
    if (!less(timer, parent)) break;
    place(parent, slot);
    slot = parentSlot;
  }
  place(timer, slot);
}

function siftDown(timer: CoreTimer, slot: number): void {
  const length = heap.length;
  for (;;) {
    let child = 2 * slot + 1;
    if (child >= length) break;
    const right = child + 1;
    if (right < length && less(heap[right], heap[child])) child = right;
    if (!less(heap[child], timer)) break;
    place(heap[child], slot);
    slot = child;
  }
  place(timer, slot);
}

function removeAt(slot: number): void {
  const last = heap.pop() as CoreTimer;
  if (slot < heap.length) {
    // The last entry fills the hole and moves whichever way restores the order.
    if (slot > 0 && less(last, heap[(slot - 1) >> 1])) siftUp(last, slot);
    else siftDown(last, slot);
  }
}

/** Parks the live runtime timer: it no longer runs anything or keeps the process alive. */
function park(): void {
  if (!listening) return;
  (armedSignal as AbortSignal).removeEventListener("abort", fire);
  listening = false;
}

/**
 * Makes the live runtime timer fire by the earliest entry's due time: keeps (or takes back)
 * the live one when it fires by then, else arms a new one; parks it when no entry is left.
 */
function arm(): void {
  if (heap.length === 0) {
    park();
    return;
  }
  const due = heap[0].due;
  if (armedSignal !== null) {
    if (armedSignal.aborted) {
      // It fired while parked.
      armedSignal = null;
      armedFor = Infinity;
      listening = false;
    } else if (due >= armedFor) {
      if (!listening) {
        armedSignal.addEventListener("abort", fire);
        listening = true;
      }
      return;
    } else {
      park();
    }
  }
  const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(1, Math.ceil(due - Date.now())));
  armedFor = due;
  armedSignal = AbortSignal.timeout(delay);
  armedSignal.addEventListener("abort", fire);
  listening = true;
}

/** The slot of a timer taken off the heap to run in this turn (cancelling it sets -1). */
const RUNNING = -2;
/** The timers come due in the current turn, reused from turn to turn. */
const dueNow: CoreTimer[] = [];

/**
 * The live runtime timer went off: runs every timer due by now, then re-arms. The
 * due ones are taken off the heap first, so a callback that starts a timer for "now" (its own
 * or another's) schedules it for the next turn, as `setTimeout(fn, 0)` would.
 */
function fire(): void {
  armedSignal = null;
  armedFor = Infinity;
  listening = false;
  const now = Date.now();
  while (heap.length > 0 && heap[0].due <= now) {
    const timer = heap[0];
    removeAt(0);
    timer.slot = RUNNING;
    timer.due = Infinity;
    dueNow.push(timer);
  }
  for (let i = 0; i < dueNow.length; i++) {
    const timer = dueNow[i];
    if (timer.slot !== RUNNING) continue; // cancelled or restarted by an earlier callback
    timer.slot = -1;
    try {
      timer.callback();
    } catch (error) {
      // As a throwing `setTimeout` callback: reported, and the other timers still run.
      reportError(error);
    }
  }
  dueNow.length = 0;
  arm();
}

/**
 * A reusable one-shot timer on the runtime's core timers: {@linkcode start} it for a time,
 * move it, {@linkcode cancel} it; its callback runs once each time it comes due. One object
 * serves a connection's whole life, so re-arming allocates nothing. While started it keeps
 * the process alive, as a `setTimeout` does.
 *
 * @example A timer that fires once, and one cancelled before its time
 * ```ts
 * import { CoreTimer } from "./core_timer.ts";
 * let fired = 0;
 * const timer = new CoreTimer(() => fired++);
 * timer.start(Date.now() + 5);
 * const cancelled = new CoreTimer(() => fired += 100);
 * cancelled.start(Date.now() + 5);
 * cancelled.cancel();
 * await new Promise((resolve) => setTimeout(resolve, 30));
 * fired; // 1
 * ```
 */
export class CoreTimer {
  /** When the timer comes due (ms since the epoch), or `Infinity` when it is not started. */
  due = Infinity;
  /** Its slot in the shared heap, -1 when not started, -2 while about to run (internal). */
  slot = -1;
  /** Runs when the timer comes due (internal; set by the constructor). */
  readonly callback: () => void;

  /**
   * Creates the timer, not started.
   *
   * @param callback Runs each time the timer comes due (after `start`); a throw is reported
   *   as an uncaught error, as from a `setTimeout` callback.
   */
  constructor(callback: () => void) {
    this.callback = callback;
  }

  /** True while the timer is started and has not yet run. */
  get pending(): boolean {
    return this.slot >= 0;
  }

  /**
   * Starts the timer, or moves it if already started: its callback runs once at or after
   * `due` (never sooner than the runtime's next timer turn, as `setTimeout(fn, 0)`).
   *
   * @param due Milliseconds since the epoch.
   */
  start(due: number): void {
    if (due !== due) due = 0; // NaN: as `setTimeout` takes it, at once
    const slot = this.slot;
    const earlier = due < this.due;
    this.due = due;
    if (slot < 0) {
      heap.push(this); // a RUNNING timer is off the heap: it is started anew
      siftUp(this, heap.length - 1);
    } else if (earlier) {
      siftUp(this, slot);
    } else {
      siftDown(this, slot);
    }
    if (due < armedFor || !listening) arm();
  }

  /** Stops the timer (nothing happens if it is not started). */
  cancel(): void {
    const slot = this.slot;
    if (slot < 0) {
      this.slot = -1; // a RUNNING timer does not run
      return;
    }
    removeAt(slot);
    this.slot = -1;
    this.due = Infinity;
    if (heap.length === 0) park();
  }
}

/**
 * How many {@linkcode CoreTimer}s are started and not yet run, in the whole process: a test's
 * check that a closed server left none behind (the test sanitizers do not count them).
 *
 * @returns The count.
 */
export function pendingCoreTimers(): number {
  return heap.length;
}
