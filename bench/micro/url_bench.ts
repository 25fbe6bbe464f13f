/**
 * The urllib port (protocol/url.ts): `unquote` of request paths (every file request) and
 * `quote` of file names (every listing entry).
 *
 * @module
 */
import { quote, unquote, urlsplit } from "../../protocol/url.ts";
import { consume } from "./_sink.ts";

Deno.bench("url: unquote a plain path", { group: "unquote", baseline: true }, () => {
  consume(unquote("/static/app/main.js"));
});

Deno.bench("url: unquote a path with escapes and UTF-8", { group: "unquote" }, () => {
  consume(unquote("/docs/caf%C3%A9%20menu/%E4%B8%AD%E6%96%87.txt"));
});

Deno.bench("url: unquote invalid UTF-8 and a malformed escape", { group: "unquote" }, () => {
  consume(unquote("/%ff.dir/%zz/%ED%A0%80"));
});

Deno.bench("url: quote a plain file name", { group: "quote", baseline: true }, () => {
  consume(quote("f0999.txt"));
});

Deno.bench("url: quote a name with spaces, markup and UTF-8", { group: "quote" }, () => {
  consume(quote("b&<i> café 中文.txt"));
});

Deno.bench("url: urlsplit a request target", { group: "split" }, () => {
  consume(urlsplit("/dir/sub?query=1#frag"));
});
