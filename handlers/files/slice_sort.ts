/**
 * A stable sort that pauses between slices of work, so sorting a very large listing does not
 * hold the event loop for the whole sort: runs of {@linkcode SORT_SLICE} items are sorted with
 * the built-in (stable) sort, then merged pairwise, pausing after every slice's worth of
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

/** Items sorted or merged between two pauses: about a millisecond of comparisons. */
export const SORT_SLICE = 2048;

/**
 * Sorts a copy of `items`, stable, pausing between slices.
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
  let source: T[] = [];
  for (let start = 0; start < items.length; start += slice) {
    const run = items.slice(start, start + slice).sort(compare);
    for (const item of run) source.push(item);
    if (start + slice < items.length) await pause();
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
          await pause();
        }
      }
      while (i < middle) target[k++] = source[i++];
      while (j < right) target[k++] = source[j++];
    }
    [source, target] = [target, source];
  }
  return source;
}
