/**
 * Timers that never touch the global `setTimeout`: {@linkcode CoreTimer}. In Deno 2.9 the
 * first global `setTimeout` (or `setImmediate`) loads the Node-compat timers layer, about
 * 15 ms of start-up spent inside the first request; `AbortSignal.timeout` runs on the
 * runtime's core timers and costs well under a millisecond the first time. Every
 * `CoreTimer` of the process shares one min-heap of due times and one live
 * `AbortSignal.timeout` for its earliest entry, so (re)starting or cancelling a timer is a
 * heap update with no allocation and no call into the runtime unless the earliest due time
 * moves earlier. A timeout signal costs more to fire than a `setTimeout` (an exception
 * object and an event: about 25 us against 8), which matters only for a tick armed every
 * millisecond under load: {@linkcode NextTurn} (`WFile`'s flush tick) starts on core timers
 * and moves to `setTimeout` once it has run often enough to pay for the Node timers layer.
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
 * The live runtime timer: a timeout signal whose `abort` listener is {@linkcode fire}, set to
 * go off by the earliest started timer's due time. A listener refs the runtime timer (the
 * process stays alive while a timer is started, as with `setTimeout`); removing it unrefs it.
 * A timeout signal cannot be cancelled, and every one costs its firing (an exception object
 * and an event), so a live signal that is no longer needed is not dropped but kept as the
 * {@linkcode spare}, unref'd, and taken back when the earliest due time is again no sooner
 * than it fires: the flush tick that comes and goes between long connection deadlines, or
 * one timed read after another, then costs a listener, not a signal.
 */
let live: AbortSignal | null = null;
/** When {@linkcode live} fires (`performance.now()` ms), or `Infinity` when there is none. */
let liveFor = Infinity;
/** The last live signal let go (unref'd, it may have fired since), or null. */
let spare: AbortSignal | null = null;
/** When {@linkcode spare} fires (ms on the `performance.now()` clock). */
let spareFor = Infinity;

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

/** Lets the live signal go (it no longer runs anything or keeps the process alive). */
function retire(): void {
  if (live === null) return;
  live.removeEventListener("abort", fire);
  spare = live;
  spareFor = liveFor;
  live = null;
  liveFor = Infinity;
}

/**
 * Makes a live signal go off by the earliest started timer's due time: keeps the live one,
 * or takes back the spare, when it fires by then, else arms a new one; with no timer
 * started, lets the live one go.
 */
function arm(): void {
  if (heap.length === 0) {
    retire();
    return;
  }
  const due = heap[0].due;
  if (live !== null) {
    if (liveFor <= due) return;
    retire();
  }
  if (spare !== null && !spare.aborted && spareFor <= due) {
    live = spare;
    liveFor = spareFor;
    spare = null;
    spareFor = Infinity;
    live.addEventListener("abort", fire);
    return;
  }
  const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(1, Math.ceil(due - performance.now())));
  liveFor = due;
  live = AbortSignal.timeout(delay);
  live.addEventListener("abort", fire);
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
  live = null;
  liveFor = Infinity;
  const now = performance.now();
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
      // As from a `setTimeout` callback: an uncaught error (the process ends unless an `error`
      // listener prevents it; then the other due timers still run).
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
 * timer.start(performance.now() + 5);
 * const cancelled = new CoreTimer(() => fired += 100);
 * cancelled.start(performance.now() + 5);
 * cancelled.cancel();
 * await new Promise((resolve) => setTimeout(resolve, 30));
 * fired; // 1
 * ```
 */
export class CoreTimer {
  /** When the timer comes due (`performance.now()` ms), or `Infinity` when not started. */
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
   * @param due Milliseconds on the `performance.now()` clock (monotonic, as `setTimeout` counts).
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
    if (due < liveFor) arm();
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
    if (heap.length === 0) retire();
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

/**
 * Turns a {@linkcode NextTurn} runs on core timers before it moves to the global `setTimeout`:
 * a process that has ticked this often is busy, its one-time 15 ms load of the Node timers
 * layer is amortized, and from then on each turn costs a third of a timeout signal's.
 */
const CORE_TURNS_BEFORE_SET_TIMEOUT = 1000;

/**
 * One callback run on the next timer turn (as `setTimeout(fn, 0)`), asked for again and again:
 * a flush tick. Its first {@link CORE_TURNS_BEFORE_SET_TIMEOUT} turns use a
 * {@linkcode CoreTimer}, so a server's first responses never load the Node timers layer; after
 * that it uses `setTimeout`, cheaper per turn under load. While asked for, it keeps the process
 * alive.
 *
 * @example Ask for a turn while none is pending
 * ```ts
 * import { NextTurn } from "./core_timer.ts";
 * let turns = 0;
 * const tick = new NextTurn(() => turns++);
 * if (!tick.pending) tick.schedule();
 * if (!tick.pending) tick.schedule(); // already pending: one turn
 * await new Promise((resolve) => setTimeout(resolve, 20));
 * turns; // 1
 * ```
 */
export class NextTurn {
  readonly #callback: () => void;
  readonly #core: CoreTimer;
  #turns = 0;
  #pending = false;

  /**
   * Creates the tick, not scheduled.
   *
   * @param callback Runs once per {@linkcode schedule}, on the next timer turn.
   */
  constructor(callback: () => void) {
    this.#callback = callback;
    this.#core = new CoreTimer(this.#run);
  }

  /** True between {@linkcode schedule} and the turn that runs the callback. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Runs the callback on the next timer turn (once, however often asked before it runs). */
  schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    if (this.#turns < CORE_TURNS_BEFORE_SET_TIMEOUT) {
      this.#turns++;
      this.#core.start(0);
    } else {
      setTimeout(this.#run, 0);
    }
  }

  readonly #run = (): void => {
    this.#pending = false;
    this.#callback();
  };
}
