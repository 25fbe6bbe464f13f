/**
 * The `--listing rich` page: a table of name, size (human, exact bytes in a `title`) and
 * modification time (ISO 8601, UTC), directories first, sortable through links in the column
 * headers (`?sort=size&order=desc`), a breadcrumb of the path, light and dark colours
 * (`color-scheme: light dark`), readable on a phone. No JavaScript, no external resources.
 *
 * Names are escaped exactly as CPython's listing escapes them: the link with `quote`, the
 * label with `html.escape(quote=False)`; a name never reaches an attribute unquoted.
 *
 * @example Render a page
 * ```ts
 * import { renderRichListing } from "./rich_listing.ts";
 * import { assertStringIncludes } from "../../deps.ts";
 * const page = [...renderRichListing("/docs/", "/docs/", [
 *   { name: "a&b.txt", isDirectory: false, isSymlink: false, size: 2048, mtime: 0 },
 * ], { sort: "name", order: "asc", json: false })].join("");
 * assertStringIncludes(page, `<a href="a%26b.txt">a&amp;b.txt</a>`);
 * assertStringIncludes(page, `<td class="size" title="2048 bytes">2.0 KiB</td>`);
 * ```
 *
 * @module
 */
import { htmlEscapeNoQuote } from "../../protocol/html.ts";
import { quote, unquote } from "../../protocol/url.ts";
import { LISTING_PIECE_ENTRIES } from "./directory_listing.ts";
import type { ListingEntry, ListingQuery, ListingSortKey } from "./listing_order.ts";

/** The page's style: system fonts, both colour schemes, a table that fits a phone. */
const STYLE =
  `:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;` +
  `--link:#0969da;--stripe:#f6f8fa}` +
  `@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;` +
  `--line:#3d444d;--link:#4493f8;--stripe:#151b23}}` +
  `body{margin:0 auto;max-width:60rem;padding:1rem;font:16px/1.45 system-ui,-apple-system,` +
  `"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}` +
  `h1{font-size:1.25rem;margin:.25rem 0 1rem;overflow-wrap:anywhere}` +
  `h1 a{color:var(--link);text-decoration:none}` +
  `table{width:100%;border-collapse:collapse}` +
  `th,td{padding:.4rem .5rem;text-align:left;border-bottom:1px solid var(--line)}` +
  `th a{color:var(--muted);text-decoration:none;font-weight:600}` +
  `tbody tr:nth-child(even){background:var(--stripe)}` +
  `td.name{overflow-wrap:anywhere;word-break:break-word}` +
  `td.name a{color:var(--link);text-decoration:none}td.name a:hover{text-decoration:underline}` +
  `.size,.mtime{white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums}` +
  `.size{text-align:right}` +
  `td.dir a{font-weight:600}` +
  `@media (max-width:40rem){body{padding:.5rem;font-size:15px}th,td{padding:.35rem .25rem}` +
  `.mtime{font-size:.8rem}.mtime .time{display:block}}`;

const COLUMNS: ReadonlyArray<[ListingSortKey, string, string]> = [
  ["name", "Name", "name"],
  ["size", "Size", "size"],
  ["mtime", "Modified", "mtime"],
];

/** Units of {@linkcode humanSize}, 1024 apart. */
const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * A size as people read it: bytes below 1 KiB, else one decimal in the largest unit (IEC).
 *
 * @param bytes A size in bytes.
 * @returns `"512 B"`, `"1.5 KiB"`, `"3.0 GiB"`.
 */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

/**
 * A modification time as ISO 8601 in UTC, to the second (`2026-12-05T19:08:15Z`).
 *
 * @param mtime Milliseconds since the epoch.
 * @returns The time.
 */
export function isoSeconds(mtime: number): string {
  const date = new Date(mtime);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 19) + "Z";
}

/**
 * The breadcrumb: one link per directory of the path, each a relative `../` chain (so no
 * request text reaches an attribute), labels decoded and escaped as CPython's title is.
 */
function breadcrumb(requestPath: string): string {
  const cut = requestPath.search(/[?#]/);
  const path = cut < 0 ? requestPath : requestPath.slice(0, cut);
  const segments = path.split("/").filter((segment) => segment !== "");
  const depth = segments.length;
  const parts = [`<a href="${depth === 0 ? "./" : "../".repeat(depth)}">/</a>`];
  segments.forEach((segment, index) => {
    const up = depth - index - 1;
    const href = up === 0 ? "./" : "../".repeat(up);
    parts.push(`<a href="${href}">${htmlEscapeNoQuote(unquote(segment))}</a>/`);
  });
  return parts.join("");
}

/** A column header: a link sorting by this column, ascending unless it already is. */
function columnHeader(key: ListingSortKey, label: string, className: string, query: ListingQuery) {
  const active = query.sort === key;
  const order = active && query.order === "asc" ? "desc" : "asc";
  const arrow = active ? (query.order === "asc" ? " ↑" : " ↓") : "";
  const sorted = active ? ` aria-sort="${query.order === "asc" ? "ascending" : "descending"}"` : "";
  return `<th class="${className}"${sorted}><a href="?sort=${key}&amp;order=${order}">` +
    `${label}${arrow}</a></th>`;
}

/**
 * The rich listing page as text pieces: the head, then one piece per
 * {@linkcode LISTING_PIECE_ENTRIES} rows, then the tail. Joined and encoded as UTF-8
 * (`surrogateescape`), they are the page.
 *
 * @param displayPath The escaped title path (`displayPath` of `url_path.ts`).
 * @param requestPath The request target, for the breadcrumb.
 * @param sorted The entries in display order (`sortListing`).
 * @param query The sort in effect, for the header links.
 * @param extraHtml HTML placed after the table: the hook for blocks an option adds (an upload
 * form).
 * @returns The pieces.
 */
export function* renderRichListing(
  displayPath: string,
  requestPath: string,
  sorted: Iterable<ListingEntry>,
  query: ListingQuery,
  extraHtml = "",
): Generator<string> {
  const headers = COLUMNS.map(([key, label, className]) =>
    columnHeader(key, label, className, query)
  ).join("");
  yield "<!DOCTYPE html>\n" +
    '<html lang="en">\n' +
    "<head>\n" +
    '<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="color-scheme" content="light dark">\n' +
    `<title>Directory listing for ${displayPath}</title>\n` +
    `<style>${STYLE}</style>\n` +
    "</head>\n" +
    "<body>\n" +
    `<h1>Directory listing for <span class="crumbs">${breadcrumb(requestPath)}</span></h1>\n` +
    `<table>\n<thead><tr>${headers}</tr></thead>\n<tbody>`;
  let piece = "";
  let count = 0;
  let listed = 0;
  for (const { name, isDirectory, isSymlink, size, mtime } of sorted) {
    listed++;
    const linkName = isDirectory ? name + "/" : name;
    const displayName = isSymlink ? name + "@" : linkName;
    const sizeCell = isDirectory || size === null
      ? '<td class="size">—</td>'
      : `<td class="size" title="${size} bytes">${humanSize(size)}</td>`;
    const iso = isoSeconds(mtime);
    const [day, time] = iso === "" ? ["", ""] : [iso.slice(0, 10), iso.slice(11)];
    piece += `\n<tr><td class="${isDirectory ? "name dir" : "name"}">` +
      `<a href="${quote(linkName)}">${htmlEscapeNoQuote(displayName)}</a></td>${sizeCell}` +
      `<td class="mtime"><time datetime="${iso}">${day} <span class="time">${time}</span>` +
      `</time></td></tr>`;
    if (++count === LISTING_PIECE_ENTRIES) {
      yield piece;
      piece = "";
      count = 0;
    }
  }
  const empty = listed === 0 ? '\n<tr><td colspan="3">(empty)</td></tr>' : "";
  yield `${piece}${empty}\n</tbody>\n</table>\n${extraHtml}</body>\n</html>\n`;
}
