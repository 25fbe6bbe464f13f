/**
 * `HTTPMessage`: the request headers a handler sees as `this.headers`, with the Python
 * surface of `http.client.HTTPMessage` (`get`, `get_all`, `keys`, `items`, ...).
 *
 * @example Read headers
 * ```ts
 * import { HTTPMessage } from "./headers.ts";
 * const headers = new HTTPMessage([["Accept", "text/html"], ["accept", "text/plain"]]);
 * headers.get("ACCEPT"); // "text/html"
 * headers.get_all("accept"); // ["text/html", "text/plain"]
 * ```
 *
 * @module
 */
import type { HeaderPair } from "./protocol/header_block.ts";

/**
 * An ordered, case-insensitive, case-preserving, multi-valued header container. Lookups
 * return the first value, as Python's `email.message.Message` does.
 *
 * @example
 * ```ts
 * import { HTTPMessage } from "./headers.ts";
 * const h = new HTTPMessage([["Content-Type", "text/html; charset=UTF-8"]]);
 * h.get_content_type(); // "text/html"
 * h.get_content_charset(); // "utf-8"
 * ```
 */
export class HTTPMessage implements Iterable<string> {
  readonly #names: string[] = [];
  readonly #lowerNames: string[] = [];
  readonly #values: string[] = [];

  /**
   * Creates the container.
   *
   * @param pairs Headers in the order received.
   */
  constructor(pairs: Iterable<HeaderPair> = []) {
    if (Array.isArray(pairs)) {
      // The parser's array: indexed, without the iterator protocol.
      for (let i = 0; i < pairs.length; i++) this.append(pairs[i][0], pairs[i][1]);
    } else {
      for (const [name, value] of pairs) this.append(name, value);
    }
  }

  /**
   * Adds a header at the end, keeping any earlier one of the same name
   * (Python's `msg[name] = value`).
   */
  append(name: string, value: string): void {
    this.#names.push(name);
    this.#lowerNames.push(name.toLowerCase());
    this.#values.push(value);
  }

  #indexOf(name: string): number {
    const lower = name.toLowerCase();
    return this.#lowerNames.indexOf(lower);
  }

  /**
   * The first value of a header, or `failobj` when absent (Python `get(name, failobj=None)`).
   *
   * @param name Header name, any case.
   * @param failobj What to return when the header is absent.
   */
  get(name: string): string | undefined;
  /** The first value of a header, or `failobj` when absent. */
  get<T>(name: string, failobj: T): string | T;
  get<T>(name: string, failobj?: T): string | T | undefined {
    const index = this.#indexOf(name);
    return index < 0 ? failobj : this.#values[index];
  }

  /**
   * Every value of a header in order, or `failobj` when absent (Python `get_all`).
   *
   * @param name Header name, any case.
   * @param failobj What to return when the header is absent.
   */
  get_all(name: string): string[] | undefined;
  /** Every value of a header in order, or `failobj` when absent. */
  get_all<T>(name: string, failobj: T): string[] | T;
  get_all<T>(name: string, failobj?: T): string[] | T | undefined {
    const lower = name.toLowerCase();
    const found: string[] = [];
    for (let i = 0; i < this.#lowerNames.length; i++) {
      if (this.#lowerNames[i] === lower) found.push(this.#values[i]);
    }
    return found.length === 0 ? failobj : found;
  }

  /** Whether a header is present (Python `name in msg`). */
  has(name: string): boolean {
    return this.#indexOf(name) >= 0;
  }

  /** Header names in order, as sent (duplicates repeated). */
  keys(): string[] {
    return [...this.#names];
  }

  /** Header values in order. */
  values(): string[] {
    return [...this.#values];
  }

  /** `[name, value]` pairs in order. */
  items(): HeaderPair[] {
    return this.#names.map((name, i) => [name, this.#values[i]]);
  }

  /** Number of header lines (Python `len(msg)`). */
  get length(): number {
    return this.#names.length;
  }

  /** Iterates over header names, as Python's `iter(msg)` does. */
  [Symbol.iterator](): Iterator<string> {
    return this.#names[Symbol.iterator]();
  }

  /**
   * The media type of `Content-Type`, lower-cased; `text/plain` when absent or malformed
   * (Python `get_content_type`).
   */
  get_content_type(): string {
    const value = this.get("content-type");
    if (value === undefined) return "text/plain";
    const ctype = value.split(";", 1)[0].trim().toLowerCase();
    return ctype.split("/").length === 2 ? ctype : "text/plain";
  }

  /** The main type of {@linkcode get_content_type}, e.g. `text`. */
  get_content_maintype(): string {
    return this.get_content_type().split("/")[0];
  }

  /** The subtype of {@linkcode get_content_type}, e.g. `plain`. */
  get_content_subtype(): string {
    return this.get_content_type().split("/")[1];
  }

  /**
   * A parameter of `Content-Type` (Python `get_param`), unquoted; `failobj` when absent.
   *
   * @param param Parameter name, any case.
   * @param failobj What to return when the parameter is absent.
   */
  get_param<T = undefined>(param: string, failobj?: T): string | T | undefined {
    const value = this.get("content-type");
    if (value === undefined) return failobj;
    const wanted = param.toLowerCase();
    for (const part of value.split(";").slice(1)) {
      const eq = part.indexOf("=");
      if (eq < 0) continue;
      if (part.slice(0, eq).trim().toLowerCase() !== wanted) continue;
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
        v = v.slice(1, -1).replace(/\\(.)/g, "$1");
      }
      return v;
    }
    return failobj;
  }

  /**
   * The `charset` parameter of `Content-Type`, lower-cased (Python `get_content_charset`).
   *
   * @param failobj What to return when there is none.
   */
  get_content_charset<T = undefined>(failobj?: T): string | T | undefined {
    const charset = this.get_param("charset");
    return charset === undefined ? failobj : charset.toLowerCase();
  }

  /** The headers as a block: `Name: value` lines ending in LF, then a blank line. */
  toString(): string {
    let out = "";
    for (let i = 0; i < this.#names.length; i++) out += `${this.#names[i]}: ${this.#values[i]}\n`;
    return out + "\n";
  }

  /** The headers as a Web `Headers` object (values joined by the platform's rules). */
  toHeaders(): Headers {
    const headers = new Headers();
    for (let i = 0; i < this.#names.length; i++) {
      try {
        headers.append(this.#names[i], this.#values[i]);
      } catch {
        // A name or value the Fetch standard refuses is left out.
      }
    }
    return headers;
  }
}
