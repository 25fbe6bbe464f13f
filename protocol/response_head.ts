/**
 * A response head as values: the status line (version, code, reason) and the header fields in
 * the order they were added, until the handler encodes them in `end_headers()`. Later stages
 * ask and change it by name (is `Content-Length` set? drop it, add `Vary`) without decoding
 * bytes. Every text is checked as it comes in: CR, LF or NUL would split the response and a
 * character beyond latin-1 has no byte, so either is refused with a
 * {@linkcode HeaderValueError} at the call that adds it.
 *
 * @module
 */
import { HeaderValueError } from "../errors.ts";

/**
 * Whether text may not be sent in a status or header line: it holds CR, LF or NUL, or a
 * character beyond latin-1.
 *
 * @param text A header name, value or reason phrase.
 * @returns True when the text may not be sent.
 *
 * @example
 * ```ts
 * import { isUnsendableHeaderText } from "./response_head.ts";
 * isUnsendableHeaderText("a\r\nSet-Cookie: x=1"); // true
 * isUnsendableHeaderText("text/html; charset=utf-8"); // false
 * ```
 */
export function isUnsendableHeaderText(text: string): boolean {
  // A loop, not a regular expression: header texts are short and this runs per header sent.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0 || c > 0xff) return true;
  }
  return false;
}

/** Whether two header names are the same name (header names ignore case). */
function sameName(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

/**
 * A response's status line and header fields, held as strings. Fields keep their order and
 * may repeat (`Set-Cookie`); name lookups ignore case; names are sent as given.
 *
 * @example Record, ask and change a head
 * ```ts
 * import { ResponseHead } from "./response_head.ts";
 * const head = new ResponseHead();
 * head.setStatus("HTTP/1.1", 200, "OK");
 * head.append("Content-Type", "text/plain");
 * head.append("Content-Length", "5");
 * head.has("content-length"); // true
 * head.delete("Content-Length"); // 1
 * head.set("Vary", "Accept-Encoding");
 * [...head]; // [["Content-Type", "text/plain"], ["Vary", "Accept-Encoding"]]
 * ```
 */
export class ResponseHead {
  // Parallel arrays, reused from one response to the next: no object per field, and no new
  // backing store per response (`length = 0` would drop it). Slots past `#size` are stale.
  readonly #names: string[] = [];
  readonly #values: string[] = [];
  #size = 0;
  #hasStatus = false;
  #version = "";
  #code = 0;
  #reason = "";
  /** The last version and reason that passed the check (kept across `clear`). */
  #checkedVersion = "";
  #checkedReason = "";

  /** Whether a status line was set. */
  get hasStatus(): boolean {
    return this.#hasStatus;
  }

  /** The status line's protocol version (e.g. `HTTP/1.1`); empty without a status. */
  get version(): string {
    return this.#version;
  }

  /** The status code; 0 without a status. */
  get code(): number {
    return this.#code;
  }

  /** The reason phrase; empty without a status. */
  get reason(): string {
    return this.#reason;
  }

  /** How many header fields the head holds. */
  get size(): number {
    return this.#size;
  }

  /** Whether the head holds neither a status line nor a field. */
  get isEmpty(): boolean {
    return !this.#hasStatus && this.#size === 0;
  }

  /**
   * Sets (or replaces) the status line.
   *
   * @param version The protocol version, e.g. `HTTP/1.0`.
   * @param code The status code (an integer).
   * @param reason The reason phrase (may be empty).
   * @throws {HeaderValueError} The version or reason holds CR, LF, NUL or a non-latin-1
   * character.
   */
  setStatus(version: string, code: number, reason: string): void {
    // The texts of the previous status line on this head (the usual case) passed already.
    if (reason !== this.#checkedReason) {
      if (isUnsendableHeaderText(reason)) throw new HeaderValueError("status line", reason);
      this.#checkedReason = reason;
    }
    if (version !== this.#checkedVersion) {
      // The version is the handler's own setting; it is checked like header text.
      if (isUnsendableHeaderText(version)) throw new HeaderValueError("status line", version);
      this.#checkedVersion = version;
    }
    this.#hasStatus = true;
    this.#version = version;
    this.#code = code;
    this.#reason = reason;
  }

  /**
   * The name of the field at `index` (0 <= index < {@linkcode size}), as given.
   *
   * @param index The field's position.
   * @returns The name.
   */
  nameAt(index: number): string {
    return this.#names[index];
  }

  /**
   * The value of the field at `index` (0 <= index < {@linkcode size}).
   *
   * @param index The field's position.
   * @returns The value.
   */
  valueAt(index: number): string {
    return this.#values[index];
  }

  /**
   * Adds a field after the others (a repeated name adds another line).
   *
   * @param name The header name.
   * @param value The value.
   * @throws {HeaderValueError} The name or value holds CR, LF, NUL or a non-latin-1 character.
   */
  append(name: string, value: string): void {
    const size = this.#size;
    // Every text these arrays hold (stale slots past `#size` included) passed the check, so a
    // text equal to the one in its slot (the same header of the previous response on this
    // head, the usual case) is known to be sendable: one comparison instead of a scan.
    if (
      (name !== this.#names[size] && isUnsendableHeaderText(name)) ||
      (value !== this.#values[size] && isUnsendableHeaderText(value))
    ) {
      throw new HeaderValueError(name, value);
    }
    this.#names[size] = name;
    this.#values[size] = value;
    this.#size = size + 1;
  }

  /**
   * Gives `name` exactly one field with `value`: the first field of that name keeps its place
   * (and its spelling) and takes the value, any others go; without one, the field is appended.
   *
   * @param name The header name.
   * @param value The value.
   * @throws {HeaderValueError} The name or value holds CR, LF, NUL or a non-latin-1 character.
   */
  set(name: string, value: string): void {
    const first = this.indexOf(name);
    if (first < 0) return this.append(name, value);
    if (isUnsendableHeaderText(value)) throw new HeaderValueError(name, value);
    this.#values[first] = value;
    this.#deleteFrom(name, first + 1);
  }

  /**
   * Whether a field of this name is present.
   *
   * @param name The header name (any case).
   * @returns True when present.
   */
  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /**
   * The first value of a field.
   *
   * @param name The header name (any case).
   * @returns The value, or null when absent.
   */
  get(name: string): string | null {
    const index = this.indexOf(name);
    return index < 0 ? null : this.#values[index];
  }

  /**
   * Every value of a field, in order.
   *
   * @param name The header name (any case).
   * @returns The values (empty when absent).
   */
  getAll(name: string): string[] {
    const found: string[] = [];
    for (let i = 0; i < this.#size; i++) {
      if (sameName(this.#names[i], name)) found.push(this.#values[i]);
    }
    return found;
  }

  /**
   * The position of the first field of this name.
   *
   * @param name The header name (any case).
   * @returns The index, or -1 when absent.
   */
  indexOf(name: string): number {
    const names = this.#names;
    for (let i = 0; i < this.#size; i++) if (sameName(names[i], name)) return i;
    return -1;
  }

  /**
   * Removes every field of this name.
   *
   * @param name The header name (any case).
   * @returns How many fields were removed.
   */
  delete(name: string): number {
    return this.#deleteFrom(name, 0);
  }

  #deleteFrom(name: string, start: number): number {
    const names = this.#names;
    const values = this.#values;
    const size = this.#size;
    let kept = start;
    for (let i = start; i < size; i++) {
      if (sameName(names[i], name)) continue;
      names[kept] = names[i];
      values[kept] = values[i];
      kept++;
    }
    this.#size = kept;
    return size - kept;
  }

  /** Forgets the status line and every field (the arrays are kept for the next response). */
  clear(): void {
    this.#hasStatus = false;
    this.#version = "";
    this.#code = 0;
    this.#reason = "";
    this.#size = 0;
  }

  /**
   * Whether `other` holds the same status line and the same fields in the same order
   * (names compared as given: they are sent as given).
   *
   * @param other Another head.
   * @returns True when both would encode to the same bytes.
   */
  sameAs(other: ResponseHead): boolean {
    const names = this.#names;
    const values = this.#values;
    const otherNames = other.#names;
    const otherValues = other.#values;
    const size = this.#size;
    if (!this.#sameStatusAndSize(other)) return false;
    for (let i = 0; i < size; i++) {
      if (names[i] !== otherNames[i] || values[i] !== otherValues[i]) return false;
    }
    return true;
  }

  /**
   * Whether `other` holds the same status line and the same field names in the same order
   * (values may differ): a head whose encoding differs from the other's only inside lines.
   *
   * @param other Another head.
   * @returns True when status and names match.
   */
  sameShapeAs(other: ResponseHead): boolean {
    const names = this.#names;
    const otherNames = other.#names;
    const size = this.#size;
    if (!this.#sameStatusAndSize(other)) return false;
    for (let i = 0; i < size; i++) if (names[i] !== otherNames[i]) return false;
    return true;
  }
  /** Whether `other` has the same status line and as many fields. */
  #sameStatusAndSize(other: ResponseHead): boolean {
    return this.#size === other.#size && this.#hasStatus === other.#hasStatus &&
      this.#code === other.#code && this.#reason === other.#reason &&
      this.#version === other.#version;
  }

  /**
   * Makes this head a copy of `other` (reusing this head's arrays).
   *
   * @param other The head to copy.
   */
  copyFrom(other: ResponseHead): void {
    this.#hasStatus = other.#hasStatus;
    this.#version = other.#version;
    this.#code = other.#code;
    this.#reason = other.#reason;
    const count = other.#size;
    this.#size = count;
    for (let i = 0; i < count; i++) {
      this.#names[i] = other.#names[i];
      this.#values[i] = other.#values[i];
    }
  }

  /**
   * The fields as `[name, value]` pairs, in order.
   *
   * @returns An iterator over copies of the fields.
   */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#size; i++) yield [this.#names[i], this.#values[i]];
  }
}
