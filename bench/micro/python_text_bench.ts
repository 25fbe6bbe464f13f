/**
 * Python's `%` formatting (protocol/python_text.ts `percentFormat`): the log line of every
 * request (a positional format, compiled once and kept) and the error page (named
 * placeholders, the general path).
 *
 * @module
 */
import { percentFormat } from "../../protocol/python_text.ts";
import { consume } from "./_sink.ts";

const LOG_ARGS = ["GET /index.html HTTP/1.1", "200", "-"];
const ERROR_PAGE =
  "<h1>Error response</h1><p>Error code: %(code)d</p><p>Message: %(message)s.</p>" +
  "<p>Error code explanation: %(code)s - %(explain)s.</p>";
const ERROR_ARGS = {
  code: 404,
  message: "File not found",
  explain: "Nothing matches the given URI",
};

Deno.bench("percent format: the request log line (compiled, positional)", {
  group: "percent",
  baseline: true,
}, () => {
  consume(percentFormat('"%s" %s %s', LOG_ARGS));
});

Deno.bench("percent format: the error log line (%d and %s)", { group: "percent" }, () => {
  consume(percentFormat("code %d, message %s", [404, "File not found"]));
});

Deno.bench("percent format: flags, width and precision", { group: "percent" }, () => {
  consume(percentFormat("%05d|%-6s|%.2s|%8.3f", [42, "left", "abc", 3.14159]));
});

Deno.bench("percent format: the error page (named placeholders)", { group: "percent" }, () => {
  consume(percentFormat(ERROR_PAGE, ERROR_ARGS));
});
