/**
 * The upload form added to directory listings when uploads are on (`--upload`): a
 * `multipart/form-data` form posting to the listed directory itself, which
 * `SimpleHTTPRequestHandler.listing_extra_html` places before the page's `</body>`. Without
 * uploads the listing is left as CPython renders it.
 *
 * @module
 */

/** The form: a multiple-file input named `files` and a submit button. */
export const UPLOAD_FORM_HTML: string =
  '<form method="post" enctype="multipart/form-data" class="upload">\n' +
  '<input type="file" name="files" multiple required>\n' +
  '<button type="submit">Upload</button>\n' +
  "</form>\n<hr>\n";
