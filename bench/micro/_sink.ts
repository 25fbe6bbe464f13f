/**
 * A place for benchmarked results to go, so the optimiser cannot drop the work that made them.
 *
 * @module
 */

let count = 0;

/**
 * Keeps a result alive (counts it).
 *
 * @param value Anything a benchmarked call returned.
 */
export function consume(value: unknown): void {
  if (value !== undefined) count++;
}

/**
 * How many results were kept (read it after the run, so `consume` has an observer).
 *
 * @returns The count.
 */
export function consumed(): number {
  return count;
}
