/**
 * `parseRequestLine` (protocol/request_line.ts): the line every request starts with, as the
 * handler's hot path sees it (latin-1 text, line end included).
 *
 * @module
 */
import { parseRequestLine } from "../../protocol/request_line.ts";
import { consume } from "./_sink.ts";

const WRK_LINE = "GET / HTTP/1.1\r\n";
const BROWSER_LINE = "GET /static/app/main.3f9a2c.js?v=12 HTTP/1.1\r\n";
const RARE_METHOD_LINE = "PROPFIND /dav/folder/ HTTP/1.1\r\n";
const EXTRA_SPACES_LINE = "GET  /a  HTTP/1.1\r\n";
const BAD_VERSION_LINE = "GET / HTTP/1.x\r\n";

Deno.bench("request line: wrk's GET / HTTP/1.1", { group: "request_line", baseline: true }, () => {
  consume(parseRequestLine(WRK_LINE, "HTTP/1.1"));
});

Deno.bench("request line: a browser's asset path with a query", { group: "request_line" }, () => {
  consume(parseRequestLine(BROWSER_LINE, "HTTP/1.1"));
});

Deno.bench("request line: a method outside the shared strings", { group: "request_line" }, () => {
  consume(parseRequestLine(RARE_METHOD_LINE, "HTTP/1.1"));
});

Deno.bench("request line: runs of spaces (general split)", { group: "request_line" }, () => {
  consume(parseRequestLine(EXTRA_SPACES_LINE, "HTTP/1.1"));
});

Deno.bench("request line: a bad version (400)", { group: "request_line" }, () => {
  consume(parseRequestLine(BAD_VERSION_LINE, "HTTP/1.1"));
});
