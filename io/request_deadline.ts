/**
 * A per-connection deadline with one lazily re-armed timer: moving the deadline later (as
 * every request on a persistent connection does) costs a field write, not a new timer, so
 * the request-head and keep-alive limits add nothing to the per-request hot path.
 *
 * @example Fire once the deadline passes
 * ```ts
 * import { RequestDeadline } from "./request_deadline.ts";
 * let fired = false;
 * const deadline = new RequestDeadline(() => fired = true);
 * deadline.set(Date.now() + 10);
 * await new Promise((resolve) => setTimeout(resolve, 30));
 * fired; // true
 * deadline.stop();
 * ```
 *
 * @module
 */

/** The longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_DELAY_MS = 0x7fffffff;

/**
 * Calls `onExpire` once when the current deadline passes. The timer is armed for the
 * earliest deadline asked for; when it fires early (the deadline moved later) it re-arms
 * for the rest.
 *
 * @example Move a deadline later, then clear it
 * ```ts
 * import { RequestDeadline } from "./request_deadline.ts";
 * const deadline = new RequestDeadline(() => {
 *   throw new Error("not reached");
 * });
 * deadline.set(Date.now() + 1000);
 * deadline.set(Date.now() + 5000);
 * deadline.clear();
 * deadline.stop();
 * ```
 */
export class RequestDeadline {
  readonly #onExpire: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #armedAt = Infinity;
  #deadline = Infinity;

  /**
   * Creates the deadline, unarmed.
   *
   * @param onExpire Called once when a deadline passes.
   */
  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /** The deadline in ms since the epoch, or `Infinity` when none is set. */
  get at(): number {
    return this.#deadline;
  }

  /**
   * Sets the deadline.
   *
   * @param at Milliseconds since the epoch.
   */
  set(at: number): void {
    this.#deadline = at;
    if (at < this.#armedAt) {
      clearTimeout(this.#timer);
      this.#arm(at);
    }
  }

  /** Removes the deadline (the timer, if armed, fires and does nothing). */
  clear(): void {
    this.#deadline = Infinity;
  }

  /** Removes the deadline and the timer: call when the connection ends. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    this.#deadline = Infinity;
  }

  #arm(at: number): void {
    this.#armedAt = at;
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, at - Date.now()));
    this.#timer = setTimeout(this.#fire, delay);
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const deadline = this.#deadline;
    if (deadline === Infinity) return;
    if (Date.now() >= deadline) {
      this.#deadline = Infinity;
      this.#onExpire();
    } else {
      this.#arm(deadline);
    }
  };
}
