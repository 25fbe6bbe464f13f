/**
 * Dates as `BaseHTTPRequestHandler` writes them: the RFC 9110 IMF-fixdate of `Date` and
 * `Last-Modified` (`email.utils.formatdate(usegmt=True)`), and the local-time stamp of log
 * lines (`log_date_time_string`).
 *
 * @example
 * ```ts
 * import { formatHttpDate } from "./http_date.ts";
 * formatHttpDate(784111777000); // "Sun, 06 Nov 1994 08:49:37 GMT"
 * ```
 *
 * @module
 */

/** English weekday abbreviations, Monday first (`weekdayname`). */
export const WEEKDAY_NAMES: readonly string[] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/** English month abbreviations, index 1 = January (`monthname`). */
export const MONTH_NAMES: readonly (string | null)[] = [
  null,
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/**
 * Formats a time as `Www, DD Mon YYYY HH:MM:SS GMT`.
 *
 * @param epochMs Milliseconds since the epoch; fractions of a second are dropped.
 * @returns The date.
 *
 * @example
 * ```ts
 * import { formatHttpDate } from "./http_date.ts";
 * formatHttpDate(0); // "Thu, 01 Jan 1970 00:00:00 GMT"
 * ```
 */
export function formatHttpDate(epochMs: number): string {
  return lastModifiedDate(epochMs);
}

/**
 * Wraps a formatter of whole seconds so that each second is formatted once: the last second
 * and its text are kept (dates repeat: the current time, a file's `Last-Modified`).
 */
function memoBySecond(format: (second: number) => string): (epochMs: number) => string {
  let lastSecond = Number.NaN;
  let last = "";
  return (epochMs) => {
    const second = Math.floor(epochMs / 1000);
    if (second !== lastSecond) {
      last = format(second);
      lastSecond = second;
    }
    return last;
  };
}

function httpDateOfSecond(second: number): string {
  const d = new Date(second * 1000);
  const weekday = WEEKDAY_NAMES[(d.getUTCDay() + 6) % 7];
  return `${weekday}, ${pad2(d.getUTCDate())} ${MONTH_NAMES[d.getUTCMonth() + 1]} ${
    String(d.getUTCFullYear()).padStart(4, "0")
  } ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

function logDateOfSecond(second: number): string {
  const d = new Date(second * 1000);
  return `${pad2(d.getDate())}/${MONTH_NAMES[d.getMonth() + 1]}/${
    String(d.getFullYear()).padStart(4, "0")
  } ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Dates of files (`Last-Modified`), of the current time, and of log lines: one memo each. */
const lastModifiedDate = memoBySecond(httpDateOfSecond);
const nowHttpDate = memoBySecond(httpDateOfSecond);
const logDate = memoBySecond(logDateOfSecond);

/**
 * The current time as an HTTP date, computed at most once per second.
 *
 * @returns The date.
 *
 * @example
 * ```ts
 * import { currentHttpDate } from "./http_date.ts";
 * currentHttpDate().endsWith(" GMT"); // true
 * ```
 */
export function currentHttpDate(): string {
  return nowHttpDate(Date.now());
}

/**
 * Formats a time in local time as `DD/Mon/YYYY HH:MM:SS` (`log_date_time_string`).
 *
 * @param epochMs Milliseconds since the epoch.
 * @returns The stamp.
 *
 * @example
 * ```ts
 * import { formatLogDate } from "./http_date.ts";
 * formatLogDate(Date.now()).length; // 20
 * ```
 */
export function formatLogDate(epochMs: number): string {
  return logDate(epochMs);
}
