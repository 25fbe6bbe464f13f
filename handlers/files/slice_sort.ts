/**
 * Long work on a listing cut into steps, so a very large listing does not hold the event
 * loop: a step function is a generator that yields between slices of its work; a driver
 * either runs it straight through ({@linkcode runSteps}) or pauses for other connections at
 * its yields ({@linkcode runStepsPaced}, at most once per {@linkcode TURN_BUDGET_MS}).
 *
 * The sort ({@linkcode sortSteps}) is stable: runs of {@linkcode SORT_SLICE} items are sorted
 * with the built-in (stable) sort, then merged pairwise, yielding after every slice's worth of
 * merged items. Any stable sort gives the same order for the same comparison, so the result is
 * exactly `Array.prototype.sort`'s.
 *
 * @example
 * ```ts
 * import { sortInSlices } from "./slice_sort.ts";
 * import { assertEquals } from "../../deps.ts";
 * const sorted = await sortInSlices([3, 1, 2], (a, b) => a - b, () => Promise.resolve(), 2);
 * assertEquals(sorted, [1, 2, 3]);
 * ```
 *
 * @module
 */

/** Items sorted or merged between two yields: well under a millisecond of comparisons. */
export const SORT_SLICE = 2048;

/**
 * Milliseconds of listing work between two pauses for other connections: another client
 * waits about this long (plus its own answer) while a large listing is built.
 */
export const TURN_BUDGET_MS = 10;

/**
 * Calls of {@linkcode TurnPacer.tick} per clock read: `performance.now()` costs 0.1-0.3 us,
 * and a listing of 1,000 entries checked at every entry would spend a tenth of its time there.
 */
export const TICKS_PER_CLOCK_READ = 32;

/** Work that yields between slices and returns a `T` at the end. */
export type Steps<T> = Generator<void, T, void>;

/**
 * Pauses for other connections once the budget of work since the last pause is spent.
 *
 * @example
 * ```ts
 * import { TurnPacer } from "./slice_sort.ts";
 * const pacer = new TurnPacer(() => new Promise((resolve) => setTimeout(resolve, 0)));
 * for (let i = 0; i < 1000; i++) {
 *   if (pacer.tick()) await pacer.pause();
 * }
 * ```
 */
export class TurnPacer {
  readonly #pause: () => Promise<void>;
  readonly #budgetMs: number;
  #deadline: number;
  #ticks = 0;

  /**
   * Starts the first budget now.
   *
   * @param pause Lets other connections run (one turn of the event loop).
   * @param budgetMs Milliseconds of work between pauses.
   */
  constructor(pause: () => Promise<void>, budgetMs: number = TURN_BUDGET_MS) {
    this.#pause = pause;
    this.#budgetMs = budgetMs;
    this.#deadline = performance.now() + budgetMs;
  }

  /** The budget is spent: the caller should `await pause()`. */
  due(): boolean {
    return performance.now() >= this.#deadline;
  }

  /**
   * {@linkcode due} for a loop over small items (directory entries): reads the clock only every
   * {@linkcode TICKS_PER_CLOCK_READ} calls, since a clock read costs about as much as the item.
   */
  tick(): boolean {
    if (++this.#ticks < TICKS_PER_CLOCK_READ) return false;
    this.#ticks = 0;
    return this.due();
  }

  /** Pauses, then starts a new budget. */
  async pause(): Promise<void> {
    await this.#pause();
    this.#deadline = performance.now() + this.#budgetMs;
  }
}

/**
 * Runs steps straight through (for small inputs, where pausing would only add latency).
 *
 * @param steps The work.
 * @returns Its result.
 */
export function runSteps<T>(steps: Steps<T>): T {
  while (true) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs steps, pausing at a yield whenever the pacer's budget is spent.
 *
 * @param steps The work.
 * @param pacer Says when to pause.
 * @returns Its result.
 */
export async function runStepsPaced<T>(steps: Steps<T>, pacer: TurnPacer): Promise<T> {
  while (true) {
    const step = steps.next();
    if (step.done) return step.value;
    if (pacer.due()) await pacer.pause();
  }
}

/**
 * Sorts a copy of `items`, stable, pausing at every slice (a driver for tests and callers
 * without a time budget).
 *
 * @param items The items.
 * @param compare The comparison (negative, zero, positive).
 * @param pause Awaited between slices (lets other work run).
 * @param slice Items per slice.
 * @returns A new sorted array.
 */
export async function sortInSlices<T>(
  items: readonly T[],
  compare: (a: T, b: T) => number,
  pause: () => Promise<void>,
  slice: number = SORT_SLICE,
): Promise<T[]> {
  const steps = sortSteps(items, compare, slice);
  while (true) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

/**
 * A stable sort of a copy of `items` as steps, yielding after every `slice` items sorted or
 * merged.
 *
 * @param items The items.
 * @param compare The comparison (negative, zero, positive).
 * @param slice Items per slice.
 * @returns The steps, whose result is a new sorted array.
 */
export function* sortSteps<T>(
  items: readonly T[],
  compare: (a: T, b: T) => number,
  slice: number = SORT_SLICE,
): Steps<T[]> {
  let source: T[] = [];
  for (let start = 0; start < items.length; start += slice) {
    const run = items.slice(start, start + slice).sort(compare);
    for (const item of run) source.push(item);
    if (start + slice < items.length) yield;
  }
  let target: T[] = new Array(source.length);
  let budget = slice;
  for (let width = slice; width < source.length; width *= 2) {
    for (let left = 0; left < source.length; left += 2 * width) {
      const middle = Math.min(left + width, source.length);
      const right = Math.min(left + 2 * width, source.length);
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        // Ties take the left run first: stable.
        target[k++] = compare(source[j], source[i]) < 0 ? source[j++] : source[i++];
        if (--budget === 0) {
          budget = slice;
          yield;
        }
      }
      while (i < middle) target[k++] = source[i++];
      while (j < right) target[k++] = source[j++];
    }
    [source, target] = [target, source];
  }
  return source;
}
