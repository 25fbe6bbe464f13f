/**
 * Upload names and sizes: which path segments an upload may create (one safe segment, never a
 * way out of the served directory), what a form's file name is reduced to, the `name (1).ext`
 * names tried when a form upload's name is taken, and `--max-upload-size` values with K/M/G
 * suffixes. Pure: text in, values out.
 *
 * @example Check a name
 * ```ts
 * import { uploadNameProblem } from "./upload_name.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(uploadNameProblem("report.pdf"), null);
 * assertEquals(uploadNameProblem(".."), "names a parent directory");
 * assertEquals(uploadNameProblem("a/b"), "holds a slash or backslash");
 * ```
 *
 * @module
 */

/** Most UTF-8 bytes of a name: Linux's `NAME_MAX` (255), which most file systems share. */
export const MAX_UPLOAD_NAME_BYTES = 255;

// deno-lint-ignore no-control-regex -- control characters are exactly what it finds.
const CONTROL = /[\x00-\x1f\x7f]/;
const encoder = new TextEncoder();

/**
 * Why `name` cannot be one path segment of an upload, or null when it can: it must be
 * non-empty, not `.` or `..`, hold no `/`, `\`, NUL or control character nor a lone
 * surrogate (bytes that are not UTF-8), fit
 * {@linkcode MAX_UPLOAD_NAME_BYTES}, and (unless `allowDotfiles`) not start with a dot.
 *
 * @param name A decoded path segment or file name.
 * @param allowDotfiles Whether names starting with `.` are allowed (default true).
 * @returns The reason it is refused, or null.
 *
 * @example
 * ```ts
 * import { uploadNameProblem } from "./upload_name.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(uploadNameProblem(".env", false), "starts with a dot");
 * assertEquals(uploadNameProblem("tab\there"), "holds a control character");
 * ```
 */
export function uploadNameProblem(name: string, allowDotfiles = true): string | null {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return "names a parent directory";
  if (name.includes("/") || name.includes("\\")) return "holds a slash or backslash";
  if (CONTROL.test(name)) return "holds a control character";
  if (!name.isWellFormed()) return "is not valid UTF-8";
  if (!allowDotfiles && name.startsWith(".")) return "starts with a dot";
  if (encoder.encode(name).length > MAX_UPLOAD_NAME_BYTES) return "is too long";
  return null;
}

/**
 * The name a form's file part is saved as: the last segment of what the browser sent (old
 * browsers send a whole `C:\path\name`), or null when that segment is not a safe name.
 *
 * @param filename The part's `filename` parameter.
 * @param allowDotfiles Whether names starting with `.` are allowed.
 * @returns The name, or null.
 *
 * @example
 * ```ts
 * import { formFileName } from "./upload_name.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(formFileName("C:\\Users\\me\\photo.jpg"), "photo.jpg");
 * assertEquals(formFileName("../../etc/passwd"), "passwd");
 * assertEquals(formFileName("dir/.."), null);
 * ```
 */
export function formFileName(filename: string, allowDotfiles = true): string | null {
  const name = filename.slice(Math.max(filename.lastIndexOf("/"), filename.lastIndexOf("\\")) + 1);
  return uploadNameProblem(name, allowDotfiles) === null ? name : null;
}

/**
 * The `n`th name tried when `name` is taken: `name (n).ext` (the extension kept, as browsers
 * name a second download), `name` itself for n = 0.
 *
 * @param name A safe name.
 * @param n The attempt, 0 for the name itself.
 * @returns The candidate.
 *
 * @example
 * ```ts
 * import { numberedName } from "./upload_name.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(numberedName("photo.jpg", 1), "photo (1).jpg");
 * assertEquals(numberedName("archive.tar.gz", 2), "archive.tar (2).gz");
 * assertEquals(numberedName(".bashrc", 1), ".bashrc (1)");
 * assertEquals(numberedName("README", 3), "README (3)");
 * ```
 */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/**
 * A byte count as `--max-upload-size` takes it: digits with an optional binary suffix
 * (`K`, `M`, `G`, `T`, any case, optionally followed by `B` or `iB`).
 *
 * @param text The argument.
 * @returns The bytes, or null when the text is not a size.
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./upload_name.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseByteSize("1G"), 1073741824);
 * assertEquals(parseByteSize("512k"), 524288);
 * assertEquals(parseByteSize("10MiB"), 10485760);
 * assertEquals(parseByteSize("1.5G"), null);
 * ```
 */
export function parseByteSize(text: string): number | null {
  const match = /^\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (match === null) return null;
  const value = Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()];
  return Number.isSafeInteger(value) ? value : null;
}
