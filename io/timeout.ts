/**
 * One way to race a promise against a timer: {@linkcode withTimeout}. The timer is always
 * cleared once the race is decided, and what a timeout means is the caller's: a sentinel
 * value, a typed error, or an action followed by a further wait. The timer is a
 * {@linkcode CoreTimer} (not the global `setTimeout`, whose first use loads the Node timers
 * layer): a timed socket read or TLS handshake on the first connection costs no start-up.
 *
 * @module
 */
import { SocketTimeoutError } from "../errors.ts";
import { CoreTimer } from "./core_timer.ts";

/**
 * Settles as `pending` if it settles within `ms` milliseconds; otherwise as `onTimeout()`
 * does: its return value (a sentinel such as `null` or `false`), the error it throws (a typed
 * error such as `SocketTimeoutError`), or the promise it returns (to act, e.g. close a
 * connection, and then keep waiting for `pending`). With `ms` null there is no timer and
 * `pending` itself is returned. A rejection of `pending` after the timeout is handled here,
 * so it is never reported as unhandled.
 *
 * @param pending The operation.
 * @param ms Milliseconds to wait, or null for no limit.
 * @param onTimeout Called once when the time is up, before `pending` has settled.
 * @returns `pending`'s outcome, or `onTimeout`'s.
 *
 * @example A sentinel on timeout
 * ```ts
 * import { withTimeout } from "./timeout.ts";
 * const never = new Promise<string>(() => {});
 * await withTimeout(never, 10, () => "timeout"); // "timeout"
 * await withTimeout(Promise.resolve("done"), 10, () => "timeout"); // "done"
 * ```
 *
 * @example A typed error on timeout
 * ```ts
 * import { withTimeout } from "./timeout.ts";
 * import { SocketTimeoutError } from "../errors.ts";
import { CoreTimer } from "./core_timer.ts";
 * import { assertRejects } from "../deps.ts";
 * await assertRejects(
 *   () => withTimeout(new Promise<number>(() => {}), 10, () => {
 *     throw new SocketTimeoutError();
 *   }),
 *   SocketTimeoutError,
 * );
 * ```
 */
export function withTimeout<T, U>(
  pending: Promise<T>,
  ms: number | null,
  onTimeout: () => U | PromiseLike<U>,
): Promise<T | U> {
  if (ms === null) return pending;
  return new Promise<T | U>((resolve, reject) => {
    const timer = new CoreTimer(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    });
    timer.start(performance.now() + ms);
    pending.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (error) => {
        timer.cancel();
        reject(error);
      },
    );
  });
}

/**
 * The `onTimeout` of a socket read or write: fails it with {@linkcode SocketTimeoutError}, as
 * Python's `socket.timeout` does.
 */
export function throwSocketTimeout(): never {
  throw new SocketTimeoutError();
}
