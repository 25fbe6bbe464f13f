/**
 * The few pieces of Python's string behaviour that reach the wire or the log: `str.split()`
 * on whitespace, `repr()` of a string, and `%` formatting.
 *
 * @example Format like Python
 * ```ts
 * import { percentFormat, pyRepr } from "./python_text.ts";
 * percentFormat("Bad request version (%s)", [pyRepr("FUBAR")]); // "Bad request version ('FUBAR')"
 * ```
 *
 * @module
 */

/**
 * Whether a code point is whitespace for Python's `str.split()` (latin-1 range and beyond).
 *
 * @example
 * ```ts
 * import { isPythonWhitespace } from "./python_text.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(isPythonWhitespace(0x20), true);
 * assertEquals(isPythonWhitespace(0xa0), true);
 * assertEquals(isPythonWhitespace(0x41), false);
 * ```
 */
export function isPythonWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c;
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/**
 * Python's `str.split()` with no separator: splits on runs of whitespace and drops empty words.
 *
 * @param text The string.
 * @returns The words.
 *
 * @example
 * ```ts
 * import { splitWhitespace } from "./python_text.ts";
 * splitWhitespace("  GET\t/ HTTP/1.0 "); // ["GET", "/", "HTTP/1.0"]
 * ```
 */
export function splitWhitespace(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPythonWhitespace(text.charCodeAt(i))) {
      if (start >= 0) {
        words.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) words.push(text.slice(start));
  return words;
}

/**
 * Python's `text.rstrip('\r\n')`: removes any run of CR and LF characters at the end.
 *
 * @param text The string.
 * @returns It without trailing line ends.
 *
 * @example
 * ```ts
 * import { stripLineEnds } from "./python_text.ts";
 * stripLineEnds("GET / HTTP/1.0\r\n\n"); // "GET / HTTP/1.0"
 * ```
 */
export function stripLineEnds(text: string): string {
  let end = text.length;
  while (end > 0) {
    const code = text.charCodeAt(end - 1);
    if (code !== 0x0a && code !== 0x0d) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** Whether Python's `str.isprintable()` holds for one code point (exact for U+0000-U+00FF). */
function isPrintable(code: number): boolean {
  if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) return false;
  if (code >= 0xd800 && code <= 0xdfff) return false;
  if (code === 0x2028 || code === 0x2029 || (code >= 0x200b && code <= 0x200f)) return false;
  if (code >= 0x202a && code <= 0x202e) return false;
  if (code >= 0x2060 && code <= 0x206f) return false;
  return code !== 0xfeff && !(code >= 0xfff9 && code <= 0xfffb);
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/**
 * Python's `repr()` of a string: single quotes unless the text holds `'` and no `"`,
 * backslash escapes for quotes, `\\`, `\t`, `\n`, `\r` and non-printable characters.
 *
 * @param text The string.
 * @returns Its Python representation.
 *
 * @example
 * ```ts
 * import { pyRepr } from "./python_text.ts";
 * pyRepr("it's"); // "\"it's\""
 * ```
 */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (isPrintable(code)) out += ch;
    else if (code <= 0xff) out += "\\x" + hex(code, 2);
    else if (code <= 0xffff) out += "\\u" + hex(code, 4);
    else out += "\\U" + hex(code, 8);
  }
  return out + quote;
}

/** A value Python's `%` operator can format here. */
export type FormatValue = string | number | bigint | boolean | null | undefined | {
  toString(): string;
};

function formatOne(spec: string, value: FormatValue, modifiers = ""): string {
  let text: string;
  let numeric = false;
  switch (spec) {
    case "d":
    case "i":
      text = typeof value === "number" ? String(Math.trunc(value)) : String(value);
      numeric = typeof value === "number" || typeof value === "bigint";
      break;
    case "f":
      numeric = typeof value === "number";
      text = numeric ? pyFixed(value as number, 6) : String(value);
      break;
    case "r":
      text = typeof value === "string" ? pyRepr(value) : String(value);
      break;
    default:
      text = String(value);
  }
  return modifiers === "" ? text : applyModifiers(text, spec, numeric, value, modifiers);
}

/**
 * `value` with `digits` decimals as Python's `%f` writes it: like `toFixed`, except that an
 * exact tie rounds to even (Python: `"%.0f" % 2.5` is `2`; `toFixed` gives `3`).
 */
function pyFixed(value: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = Math.abs(value) * scale;
  if (Number.isFinite(scaled) && scaled % 1 === 0.5 && Math.floor(scaled) % 2 === 0) {
    return (Math.sign(value) * Math.floor(scaled) / scale).toFixed(digits);
  }
  return value.toFixed(digits);
}

const MODIFIERS = /^([-#0 +]*)(\d*)(?:\.(\d+))?$/;

/** Python's conversion flags, minimum width and precision applied to a formatted value. */
function applyModifiers(
  text: string,
  spec: string,
  numeric: boolean,
  value: FormatValue,
  modifiers: string,
): string {
  const [, flags, widthText, precisionText] = MODIFIERS.exec(modifiers) ?? ["", "", "", undefined];
  const width = widthText === "" ? 0 : Number(widthText);
  const precision = precisionText === undefined ? null : Number(precisionText);
  let sign = "";
  let digits = text;
  if (numeric) {
    if (spec === "f" && precision !== null) digits = pyFixed(value as number, precision);
    if (digits.startsWith("-")) {
      sign = "-";
      digits = digits.slice(1);
    } else if (flags.includes("+")) {
      sign = "+";
    } else if (flags.includes(" ")) {
      sign = " ";
    }
    if (spec !== "f" && precision !== null) digits = digits.padStart(precision, "0");
  } else if (precision !== null && (spec === "s" || spec === "r")) {
    digits = digits.slice(0, precision);
  }
  const body = sign + digits;
  if (body.length >= width) return body;
  if (flags.includes("-")) return body.padEnd(width, " ");
  if (numeric && flags.includes("0")) return sign + digits.padStart(width - sign.length, "0");
  return body.padStart(width, " ");
}

const FORMAT_PATTERN = /%(?:\(([^)]*)\))?([-#0 +]*\d*(?:\.\d+)?)([sdirf%])/g;

/**
 * Python's `format % args`: `%s`, `%d`, `%i`, `%r`, `%f` and `%%`, with positional
 * arguments (an array) or named ones (`%(name)s` with a record), as in
 * `error_message_format` and `log_message`.
 *
 * @param format The format string.
 * @param args Positional values, or a record for named placeholders.
 * @returns The formatted string.
 *
 * @example
 * ```ts
 * import { percentFormat } from "./python_text.ts";
 * percentFormat("<p>%(code)d</p>", { code: 404 }); // "<p>404</p>"
 * ```
 */
export function percentFormat(
  format: string,
  args: readonly FormatValue[] | Readonly<Record<string, FormatValue>>,
): string {
  if (Array.isArray(args)) {
    const compiled = compiledPositionalFormat(format);
    if (compiled !== null) {
      const { literals, specs, modifiers } = compiled;
      let out = literals[0];
      for (let i = 0; i < specs.length; i++) {
        out += formatOne(specs[i], args[i], modifiers[i]) + literals[i + 1];
      }
      return out;
    }
  }
  let index = 0;
  return format.replace(FORMAT_PATTERN, (_all, name: string | undefined, flags, spec: string) => {
    if (spec === "%") return "%";
    let value: FormatValue;
    if (name !== undefined) {
      value = Array.isArray(args) ? undefined : (args as Record<string, FormatValue>)[name];
    } else {
      value = Array.isArray(args) ? args[index++] : undefined;
    }
    return formatOne(spec, value, flags);
  });
}

/** A positional format split once: `literals[i]` precedes placeholder `specs[i]`. */
interface CompiledFormat {
  readonly literals: readonly string[];
  readonly specs: readonly string[];
  /** Flags, width and precision of each placeholder (mostly empty). */
  readonly modifiers: readonly string[];
}

/** Formats seen so far (log formats are a handful of constants), at most this many. */
const COMPILED_FORMATS_MAX = 64;
const compiledFormats: Map<string, CompiledFormat | null> = new Map();

/**
 * `format` split at its placeholders when every one is positional (`%s`, `%5d`, `%%`, ...);
 * null when it names its arguments (the general path handles those).
 */
function compiledPositionalFormat(format: string): CompiledFormat | null {
  const known = compiledFormats.get(format);
  if (known !== undefined) return known;
  const literals: string[] = [];
  const specs: string[] = [];
  const modifiers: string[] = [];
  let literal = "";
  let last = 0;
  let compiled: CompiledFormat | null = { literals, specs, modifiers };
  for (const match of format.matchAll(FORMAT_PATTERN)) {
    const [all, name, flags, spec] = match;
    literal += format.slice(last, match.index);
    last = (match.index as number) + all.length;
    if (spec === "%" && name === undefined && flags === "") {
      literal += "%";
      continue;
    }
    if (name !== undefined) {
      compiled = null;
      break;
    }
    literals.push(literal);
    specs.push(spec);
    modifiers.push(flags);
    literal = "";
  }
  if (compiled !== null) literals.push(literal + format.slice(last));
  if (compiledFormats.size >= COMPILED_FORMATS_MAX) compiledFormats.clear();
  compiledFormats.set(format, compiled);
  return compiled;
}
