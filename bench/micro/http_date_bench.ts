/**
 * HTTP and log dates (protocol/http_date.ts): each formatter keeps the last second it
 * formatted, so the `Date` header costs a comparison within a second; the misses show what a
 * new second (or a different file's `Last-Modified`) costs.
 *
 * @module
 */
import { currentHttpDate, formatHttpDate, formatLogDate } from "../../protocol/http_date.ts";
import { consume } from "./_sink.ts";

const FIXED_MS = Date.UTC(2026, 10, 22, 3, 37, 1);
let second = 0;

Deno.bench("http date: the current time (memo hit)", { group: "http_date", baseline: true }, () => {
  consume(currentHttpDate());
});

Deno.bench("http date: the same Last-Modified again (memo hit)", { group: "http_date" }, () => {
  consume(formatHttpDate(FIXED_MS));
});

Deno.bench("http date: a new second every call (memo miss)", { group: "http_date" }, () => {
  consume(formatHttpDate(FIXED_MS + 1000 * (second++ % 100_000)));
});

Deno.bench("log date: a new second every call (memo miss, local time)", {
  group: "http_date",
}, () => {
  consume(formatLogDate(FIXED_MS + 1000 * (second++ % 100_000)));
});
