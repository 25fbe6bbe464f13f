/**
 * The `If-Modified-Since` decision of CPython 3.13.0's `SimpleHTTPRequestHandler.send_head`,
 * with the date parser it relies on (`email.utils.parsedate_to_datetime`, i.e.
 * `email._parseaddr._parsedate_tz` plus the `datetime` range checks) ported rule for rule,
 * lenient quirks included: RFC 850 and asctime forms, missing or unknown zones taken as UTC,
 * two-digit years, `.` as a time separator, Python `int()` syntax (`+5`, `1_0`).
 *
 * @example Decide a conditional GET
 * ```ts
 * import { isNotModified } from "./if_modified_since.ts";
 * import { assertEquals } from "../deps.ts";
 * const mtimeMs = Date.UTC(2024, 0, 1, 12, 0, 0, 750);
 * assertEquals(isNotModified("Mon, 01 Jan 2024 12:00:00 GMT", mtimeMs), true);
 * assertEquals(isNotModified("Mon, 01 Jan 2024 11:59:59 GMT", mtimeMs), false);
 * ```
 *
 * @module
 */

import { isPythonWhitespace, splitWhitespace } from "./python_text.ts";

/** A date `parsedate_to_datetime` accepted. */
export interface HttpDate {
  /** The instant, in whole seconds since the Unix epoch. */
  epochSeconds: number;
  /**
   * Whether `send_head` compares it: the zone was absent, unknown, `-0000`, or an offset of
   * zero (`GMT`, `UTC`, `UT`, `Z`, `+0000`), so the datetime's `tzinfo` is `timezone.utc`.
   */
  isUtc: boolean;
}

/** `_parseaddr._monthnames`: the index (mod 12) plus one is the month. */
const MONTH_NAMES: readonly string[] = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const MONTHS_PER_YEAR = 12;

/** `_parseaddr._daynames`. */
const DAY_NAMES: readonly string[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** `_parseaddr._timezones`, in `+hhmm or -hhmm` form. */
const ZONE_OFFSETS: Readonly<Record<string, number>> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  AST: -400,
  ADT: -300,
  EST: -500,
  EDT: -400,
  CST: -600,
  CDT: -500,
  MST: -700,
  MDT: -600,
  PST: -800,
  PDT: -700,
};

/** Two-digit years above this are 19xx, the rest 20xx (POSIX `%y`). */
const TWO_DIGIT_YEAR_PIVOT = 68;
const TWO_DIGIT_YEAR_LIMIT = 100;

/** `datetime` limits. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;
const HOURS_PER_DAY = 24;
const MINUTES_PER_HOUR = 60;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;

/** `sys.get_int_max_str_digits()` default: `int()` refuses longer digit strings. */
const INT_MAX_STR_DIGITS = 4300;

/** Digits that `str.isdigit()` accepts besides decimal digits (`Numeric_Type=Digit`, Unicode 15.1). */
const NON_DECIMAL_DIGIT_REGEXP =
  /^[\u00b2\u00b3\u00b9\u1369-\u1371\u19da\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u{10a40}-\u{10a43}\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]$/u;
const DECIMAL_DIGIT_REGEXP = /^\p{Nd}$/u;

/** The value of a decimal digit of any script (digits come in aligned runs of ten), or -1. */
function decimalValue(char: string): number {
  if (char >= "0" && char <= "9" && char.length === 1) return char.charCodeAt(0) - 0x30;
  if (!DECIMAL_DIGIT_REGEXP.test(char)) return -1;
  const code = char.codePointAt(0) ?? 0;
  let start = code;
  while (DECIMAL_DIGIT_REGEXP.test(String.fromCodePoint(start - 1))) start--;
  return (code - start) % 10;
}

/** Python's `str.isdigit()` for one character. */
function isDigit(char: string): boolean {
  return decimalValue(char) >= 0 || NON_DECIMAL_DIGIT_REGEXP.test(char);
}

/**
 * Python's `int(text)`: surrounding whitespace, a sign, decimal digits of any script with
 * single `_` between them. `null` where Python raises `ValueError`. Magnitudes past 2^53 lose
 * precision, which no range check below can notice.
 */
function pythonInt(text: string): number | null {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  let sign = 1;
  if (text[start] === "+" || text[start] === "-") {
    if (text[start] === "-") sign = -1;
    start++;
  }
  let value = 0;
  let digits = 0;
  let previousUnderscore = true; // No leading underscore.
  for (const char of text.slice(start, end)) {
    if (char === "_") {
      if (previousUnderscore) return null;
      previousUnderscore = true;
      continue;
    }
    const digit = decimalValue(char);
    if (digit < 0) return null;
    value = value * 10 + digit;
    digits++;
    previousUnderscore = false;
  }
  if (digits === 0 || previousUnderscore || digits > INT_MAX_STR_DIGITS) return null;
  return sign * value;
}

/** Python's `a // b` and `a % b` for a positive divisor. */
function floorDivMod(a: number, b: number): [number, number] {
  const quotient = Math.floor(a / b);
  return [quotient, a - quotient * b];
}

/** `email._parseaddr._parsedate_tz`: `[yy, mm, dd, hh, mm, ss, offsetSeconds | null]`. */
type DateTuple = [number, number, number, number, number, number, number | null];

/** `_parsedate_tz(data)`; `null` where it returns `None` or raises. */
function parsedateTz(data: string): DateTuple | null {
  let words = splitWhitespace(data);
  if (words.length === 0) return null;
  // The folding whitespace after the day-of-week comma is optional.
  if (words[0].endsWith(",") || DAY_NAMES.includes(words[0].toLowerCase())) {
    words.shift();
  } else {
    const comma = words[0].lastIndexOf(",");
    if (comma >= 0) words[0] = words[0].slice(comma + 1);
  }
  if (words.length === 3) { // RFC 850: dd-mon-yy hh:mm:ss zone
    const stuff = words[0].split("-");
    if (stuff.length === 3) words = [...stuff, ...words.slice(1)];
  }
  if (words.length === 4) {
    const last = words[3];
    let sign = last.indexOf("+");
    if (sign === -1) sign = last.indexOf("-");
    if (sign > 0) words.splice(3, 1, last.slice(0, sign), last.slice(sign));
    else words.push(""); // Dummy zone.
  }
  if (words.length < 5) return null;
  let [dd, mm, yy, tm, tz] = words;
  if (dd === "" || mm === "" || yy === "") return null;
  mm = mm.toLowerCase();
  if (!MONTH_NAMES.includes(mm)) {
    [dd, mm] = [mm, dd.toLowerCase()];
    if (!MONTH_NAMES.includes(mm)) return null;
  }
  let month = MONTH_NAMES.indexOf(mm) + 1;
  if (month > MONTHS_PER_YEAR) month -= MONTHS_PER_YEAR;
  if (dd.endsWith(",")) dd = dd.slice(0, -1);
  if (yy.indexOf(":") > 0) [yy, tm] = [tm, yy];
  if (yy === "") return null; // `yy[-1]` raises IndexError.
  if (yy.endsWith(",")) {
    yy = yy.slice(0, -1);
    if (yy === "") return null;
  }
  if (!isDigit(String.fromCodePoint(yy.codePointAt(0) ?? 0))) [yy, tz] = [tz, yy];
  if (tm === "") return null; // `tm[-1]` raises IndexError.
  if (tm.endsWith(",")) tm = tm.slice(0, -1);
  let time = tm.split(":");
  let [thh, tmm, tss] = ["", "", "0"];
  if (time.length === 2) {
    [thh, tmm] = time;
  } else if (time.length === 3) {
    [thh, tmm, tss] = time;
  } else if (time.length === 1 && time[0].includes(".")) {
    // Some non-compliant mailers use "." to separate time elements.
    time = time[0].split(".");
    if (time.length === 2) [thh, tmm] = time;
    else if (time.length === 3) [thh, tmm, tss] = time;
    else return null;
  } else {
    return null;
  }
  const fields = [yy, dd, thh, tmm, tss].map(pythonInt);
  if (fields.some((field) => field === null)) return null;
  let [year, day, hour, minute, second] = fields as number[];
  if (year < TWO_DIGIT_YEAR_LIMIT) year += year > TWO_DIGIT_YEAR_PIVOT ? 1900 : 2000;
  const zone = tz.toUpperCase();
  let offset: number | null = null;
  if (Object.hasOwn(ZONE_OFFSETS, zone)) {
    offset = ZONE_OFFSETS[zone];
  } else {
    offset = pythonInt(zone);
    if (offset === 0 && zone.startsWith("-")) offset = null; // -0000: UTC, source unknown.
  }
  if (offset) {
    const sign = offset < 0 ? -1 : 1;
    const [hours, minutes] = floorDivMod(Math.abs(offset), 100);
    offset = sign * (hours * SECONDS_PER_HOUR + minutes * SECONDS_PER_MINUTE);
  }
  return [year, month, day, hour, minute, second, offset];
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (any year, unlike `Date.UTC`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * `email.utils.parsedate_to_datetime(value)` as `send_head` uses it. `null` where Python raises
 * `TypeError`, `IndexError`, `OverflowError` or `ValueError` (the header is then ignored):
 * unparsable text, a field out of `datetime`'s range (year 1-9999, real day of month, hour
 * 0-23, minute and second 0-59), or an offset of a day or more.
 *
 * @param value The header value.
 * @returns The instant and whether its zone counts as UTC, or `null`.
 *
 * @example Zones
 * ```ts
 * import { parseHttpDate } from "./if_modified_since.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), {
 *   epochSeconds: 784111777,
 *   isUtc: true,
 * });
 * assertEquals(parseHttpDate("Sunday, 06-Nov-94 08:49:37 +0100"), {
 *   epochSeconds: 784108177,
 *   isUtc: false,
 * });
 * assertEquals(parseHttpDate("Sun Nov  6 08:49:37 1994")?.isUtc, true);
 * assertEquals(parseHttpDate("Sun, 31 Nov 1994 08:49:37 GMT"), null);
 * ```
 */
export function parseHttpDate(value: string): HttpDate | null {
  const parsed = parsedateTz(value);
  if (parsed === null) return null;
  const [year, month, day, hour, minute, second, offset] = parsed;
  if (offset !== null && Math.abs(offset) >= SECONDS_PER_DAY) return null;
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  const monthDays = DAYS_IN_MONTH[month - 1] + (month === 2 && isLeapYear(year) ? 1 : 0);
  if (day < 1 || day > monthDays) return null;
  if (hour < 0 || hour >= HOURS_PER_DAY) return null;
  if (minute < 0 || minute >= MINUTES_PER_HOUR) return null;
  if (second < 0 || second >= SECONDS_PER_MINUTE) return null;
  const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * SECONDS_PER_HOUR +
    minute * SECONDS_PER_MINUTE + second;
  return { epochSeconds: local - (offset ?? 0), isUtc: !offset };
}

/**
 * `send_head`'s rule for answering `304 Not Modified` (call it only when the request has
 * `If-Modified-Since` and no `If-None-Match`): the header parses, its zone counts as UTC, and
 * the file's modification time, truncated to whole seconds, is not after it.
 *
 * @param ifModifiedSince The `If-Modified-Since` header value.
 * @param mtimeMs The file's modification time in milliseconds since the epoch.
 * @returns Whether to answer 304.
 *
 * @example Offsets other than zero are ignored
 * ```ts
 * import { isNotModified } from "./if_modified_since.ts";
 * import { assertEquals } from "../deps.ts";
 * const mtimeMs = Date.UTC(2024, 0, 1);
 * assertEquals(isNotModified("Mon, 01 Jan 2024 00:00:00 +0000", mtimeMs), true);
 * assertEquals(isNotModified("Mon, 01 Jan 2024 01:00:00 +0100", mtimeMs), false);
 * assertEquals(isNotModified("not a date", mtimeMs), false);
 * ```
 */
export function isNotModified(ifModifiedSince: string, mtimeMs: number): boolean {
  const date = parseHttpDate(ifModifiedSince);
  if (date === null || !date.isUtc) return false;
  return Math.floor(mtimeMs / 1000) <= date.epochSeconds;
}
