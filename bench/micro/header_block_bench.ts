/**
 * The request header block (protocol/head_reader.ts, protocol/header_block.ts): reading a
 * whole head from the read buffer, parsing it, and the per-connection memo that answers a repeated block after one
 * comparison.
 *
 * @module
 */
import { HeaderBlockMemo, parseHeaderBlock } from "../../protocol/header_block.ts";
import { HeadReader } from "../../protocol/head_reader.ts";
import { decodeLatin1 } from "../../protocol/latin1.ts";
import { consume } from "./_sink.ts";

const encoder = new TextEncoder();

/** What wrk sends with every request. */
const WRK_BLOCK = encoder.encode("Host: 127.0.0.1:8000\r\n\r\n");
/** A browser's navigation request: a dozen headers, a cookie. */
const BROWSER_BLOCK = encoder.encode(
  [
    "Host: localhost:8000",
    "Connection: keep-alive",
    'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"',
    "sec-ch-ua-mobile: ?0",
    'sec-ch-ua-platform: "Linux"',
    "Upgrade-Insecure-Requests: 1",
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " +
    "Chrome/131.0.0.0 Safari/537.36",
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Sec-Fetch-Site: none",
    "Sec-Fetch-Mode: navigate",
    "Sec-Fetch-Dest: document",
    "Accept-Encoding: gzip, deflate, br, zstd",
    "Accept-Language: en-US,en;q=0.9",
    "Cookie: session=4f2a9c1e7b; theme=dark",
    "",
    "",
  ].join("\r\n"),
);
/** A folded (obsolete line-continuation) header. */
const FOLDED_BLOCK = encoder.encode("Host: a\r\nX-Long: one\r\n two\r\n\tthree\r\n\r\n");

const BROWSER_TEXT = decodeLatin1(BROWSER_BLOCK);
const browserMemo = new HeaderBlockMemo();
browserMemo.parse(BROWSER_BLOCK, BROWSER_BLOCK.length);

const headReader = new HeadReader();

Deno.bench("head reader: wrk's head, whole in the buffer", { group: "read_head" }, () => {
  consume(headReader.read(WRK_BLOCK, 65536, 100));
});

Deno.bench("head reader: a browser's head, whole in the buffer", { group: "read_head" }, () => {
  consume(headReader.read(BROWSER_BLOCK, 65536, 100));
});

Deno.bench("header block: decode and parse a browser's block", {
  group: "parse",
  baseline: true,
}, () => {
  consume(parseHeaderBlock(decodeLatin1(BROWSER_BLOCK)));
});

Deno.bench("header block: parse a browser's block (already text)", { group: "parse" }, () => {
  consume(parseHeaderBlock(BROWSER_TEXT));
});

Deno.bench("header block: a repeated browser block through the memo", { group: "parse" }, () => {
  consume(browserMemo.parse(BROWSER_BLOCK, BROWSER_BLOCK.length));
});

Deno.bench("header block: parse a folded block", { group: "parse" }, () => {
  consume(parseHeaderBlock(decodeLatin1(FOLDED_BLOCK)));
});
