/**
 * Stand-in for `@std/html/unstable-html`, which `npm:deno-std@1.4.0` does not ship: an `html`
 * template tag that interpolates its values and drops the source indentation (each line
 * trimmed, blank lines removed), so a listing page is about the size std's tag makes.
 *
 * @module
 */
/**
 * The `html` tag of `http/file_server.js`'s directory page.
 *
 * @param strings The literal parts.
 * @param values The interpolated values.
 * @returns The page text.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += String(values[i]) + strings[i + 1];
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "").join("\n");
}
