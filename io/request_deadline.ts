/**
 * A per-connection deadline with one lazily re-armed timer: moving the deadline later (as
 * every request on a persistent connection does) costs a field write, not a new timer, so
 * the request-head and keep-alive limits add nothing to the per-request hot path.
 *
 * The timer is a {@linkcode CoreTimer} (the runtime's core timers, not the global
 * `setTimeout`, whose first use costs start-up about 15 ms): it does not keep the process
 * alive, and `stop` leaves nothing scheduled.
 *
 * @example Fire once the deadline passes
 * ```ts
 * import { RequestDeadline } from "./request_deadline.ts";
 * let fired = false;
 * const deadline = new RequestDeadline(() => fired = true);
 * deadline.set(performance.now() + 10);
 * await new Promise((resolve) => setTimeout(resolve, 30));
 * fired; // true
 * deadline.stop();
 * ```
 *
 * @module
 */
import { CoreTimer } from "./core_timer.ts";

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
 * deadline.set(performance.now() + 1000);
 * deadline.set(performance.now() + 5000);
 * deadline.clear();
 * deadline.stop();
 * ```
 */
export class RequestDeadline {
  readonly #onExpire: () => void;
  readonly #timer: CoreTimer;
  #deadline = Infinity;

  /**
   * Creates the deadline, unarmed.
   *
   * @param onExpire Called once when a deadline passes.
   */
  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
    this.#timer = new CoreTimer(this.#fire);
  }

  /** The deadline (ms on the `performance.now()` clock), or `Infinity` when none is set. */
  get at(): number {
    return this.#deadline;
  }

  /**
   * Sets the deadline.
   *
   * @param at Milliseconds on the `performance.now()` clock.
   */
  set(at: number): void {
    this.#deadline = at;
    // A later deadline is a field write: the timer fires at the earlier time and re-arms.
    if (at < this.#timer.due) this.#timer.start(at);
  }

  /** Removes the deadline (the timer, if armed, fires and does nothing). */
  clear(): void {
    this.#deadline = Infinity;
  }

  /** Removes the deadline and the timer: call when the connection ends. */
  stop(): void {
    this.#timer.cancel();
    this.#deadline = Infinity;
  }

  readonly #fire = (): void => {
    const deadline = this.#deadline;
    if (deadline === Infinity) return;
    if (performance.now() >= deadline) {
      this.#deadline = Infinity;
      this.#onExpire();
    } else {
      this.#timer.start(deadline);
    }
  };
}
