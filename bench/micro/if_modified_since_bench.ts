/**
 * `If-Modified-Since` (protocol/if_modified_since.ts): CPython's `email.utils` date parser
 * and the 304 rule, in the three date forms RFC 9110 allows and a value it refuses.
 *
 * @module
 */
import { isNotModified, parseHttpDate } from "../../protocol/if_modified_since.ts";
import { consume } from "./_sink.ts";

const MTIME_MS = Date.UTC(1994, 10, 6, 8, 49, 37);

Deno.bench("if-modified-since: IMF-fixdate, the 304 decision", {
  group: "ims",
  baseline: true,
}, () => {
  consume(isNotModified("Sun, 06 Nov 1994 08:49:37 GMT", MTIME_MS));
});

Deno.bench("if-modified-since: parse IMF-fixdate", { group: "ims" }, () => {
  consume(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"));
});

Deno.bench("if-modified-since: parse RFC 850", { group: "ims" }, () => {
  consume(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
});

Deno.bench("if-modified-since: parse asctime", { group: "ims" }, () => {
  consume(parseHttpDate("Sun Nov  6 08:49:37 1994"));
});

Deno.bench("if-modified-since: refuse garbage", { group: "ims" }, () => {
  consume(parseHttpDate("not a date at all"));
});
