/**
 * ISO-8859-1 (latin-1) conversion, as CPython decodes request lines and headers and encodes
 * status lines and headers. (The WHATWG `TextDecoder("latin1")` is windows-1252, which maps
 * 0x80-0x9F differently, so it is not used.)
 *
 * @example Round trip
 * ```ts
 * import { decodeLatin1, encodeLatin1 } from "./latin1.ts";
 * decodeLatin1(encodeLatin1("D\u00e4ngerous")); // "D\u00e4ngerous"
 * ```
 *
 * @module
 */

/** Code units per `String.fromCharCode` call, well under engines' argument limits. */
const DECODE_CHUNK = 8192;

/**
 * Decodes bytes as latin-1: each byte becomes the code point of the same value.
 *
 * @param bytes The bytes.
 * @param start First index (default 0).
 * @param end Index after the last (default `bytes.length`).
 * @returns The decoded string.
 *
 * @example
 * ```ts
 * import { decodeLatin1 } from "./latin1.ts";
 * decodeLatin1(new Uint8Array([0x47, 0xe9])); // "G\u00e9"
 * ```
 */
export function decodeLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // One flat string (a per-character concatenation would build a rope that every later
  // charCodeAt has to flatten first).
  if (end - start <= DECODE_CHUNK) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let out = "";
  for (let i = start; i < end; i += DECODE_CHUNK) {
    const stop = Math.min(end, i + DECODE_CHUNK);
    out += String.fromCharCode.apply(null, bytes.subarray(i, stop) as unknown as number[]);
  }
  return out;
}

/**
 * Encodes a string as latin-1, or returns null when a character is above U+00FF (Python's
 * `encode('latin-1', 'strict')` would raise).
 *
 * @param text The string.
 * @returns The bytes, or null.
 *
 * @example
 * ```ts
 * import { tryEncodeLatin1 } from "./latin1.ts";
 * tryEncodeLatin1("\u20ac"); // null
 * ```
 */
export function tryEncodeLatin1(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return null;
    out[i] = code;
  }
  return out;
}

/**
 * Encodes a string as latin-1.
 *
 * @param text The string.
 * @returns The bytes.
 * @throws {RangeError} A character is above U+00FF.
 *
 * @example
 * ```ts
 * import { encodeLatin1 } from "./latin1.ts";
 * encodeLatin1("\u00e9"); // Uint8Array [0xe9]
 * ```
 */
export function encodeLatin1(text: string): Uint8Array {
  const out = tryEncodeLatin1(text);
  if (out === null) throw new RangeError("String holds a character that latin-1 cannot encode");
  return out;
}
