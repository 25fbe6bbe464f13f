/**
 * The upload form added to directory listings when uploads are on (`--upload`): a
 * `multipart/form-data` form posting to the listed directory itself, placed before the
 * page's last `</body>`. Without uploads the listing is left as CPython renders it.
 *
 * @module
 */

/** The form: a multiple-file input named `files` and a submit button. */
export const UPLOAD_FORM_HTML: string =
  '<form method="post" enctype="multipart/form-data" class="upload">\n' +
  '<input type="file" name="files" multiple required>\n' +
  '<button type="submit">Upload</button>\n' +
  "</form>\n<hr>\n";

const encoder = new TextEncoder();
const BODY_END = encoder.encode("</body>");

/**
 * A listing page with the upload form inserted before its last `</body>` (appended when the
 * page has none).
 *
 * @param page The listing's UTF-8 bytes.
 * @returns The page with the form.
 *
 * @example
 * ```ts
 * import { withUploadForm } from "./upload_form.ts";
 * import { assertStringIncludes } from "../../deps.ts";
 * const page = withUploadForm(new TextEncoder().encode("<body>\n<hr>\n</body>\n"));
 * assertStringIncludes(new TextDecoder().decode(page), 'name="files" multiple');
 * ```
 */
export function withUploadForm(page: Uint8Array): Uint8Array {
  // Listing bytes may hold undecodable names (surrogateescape): search bytes, not text.
  const at = lastIndexOf(page, BODY_END);
  const form = encoder.encode(UPLOAD_FORM_HTML);
  const cut = at < 0 ? page.length : at;
  return concat(page.subarray(0, cut), form, page.subarray(cut));
}

function lastIndexOf(bytes: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = bytes.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}
