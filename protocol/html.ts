/**
 * HTML escaping as Python's `html.escape` does it.
 *
 * @module
 */

/**
 * `html.escape(text, quote=False)`: escapes `&`, `<` and `>` only.
 *
 * @param text Plain text.
 * @returns HTML text.
 *
 * @example Quotes stay
 * ```ts
 * import { htmlEscapeNoQuote } from "./html.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(htmlEscapeNoQuote(`<a href="x">&</a>`), `&lt;a href="x"&gt;&amp;&lt;/a&gt;`);
 * ```
 */
export function htmlEscapeNoQuote(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
