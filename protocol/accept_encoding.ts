/**
 * `Accept-Encoding` (RFC 9110 section 12.5.3) and the HTML test of `Accept`, parsed leniently: an
 * element that does not parse is skipped, never an error, so a malformed header can only
 * mean "identity".
 *
 * @module
 */
import { isToken } from "./header_syntax.ts";

/** A `qvalue`: `0`, `1` or a decimal with up to three places (RFC 9110 section 12.4.2). */
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/** The weight of each coding a client named, and of `*` if it named it. */
export interface AcceptedEncodings {
  /** Lower-cased coding name -> weight (0 to 1); the highest one wins when repeated. */
  readonly weights: ReadonlyMap<string, number>;
  /** The weight of `*`, or null when absent. */
  readonly any: number | null;
}

/**
 * Parses an `Accept-Encoding` value: `coding[;q=w], ...`. Elements that are not a token with
 * an optional valid `q` parameter are skipped.
 *
 * @param value The header value (undefined when absent).
 * @returns The weights.
 *
 * @example
 * ```ts
 * import { parseAcceptEncoding } from "./accept_encoding.ts";
 * parseAcceptEncoding("gzip;q=0.5, br").weights.get("br"); // 1
 * ```
 */
export function parseAcceptEncoding(value: string | undefined): AcceptedEncodings {
  const weights = new Map<string, number>();
  let any: number | null = null;
  if (value === undefined) return { weights, any };
  for (const element of value.split(",")) {
    const params = element.split(";");
    const coding = params[0].trim().toLowerCase();
    if (!isToken(coding)) continue;
    let q = 1;
    let valid = true;
    for (let i = 1; i < params.length; i++) {
      const param = params[i].trim();
      const eq = param.indexOf("=");
      if (eq < 0) {
        valid = false;
        break;
      }
      if (param.slice(0, eq).trim().toLowerCase() !== "q") continue;
      const text = param.slice(eq + 1).trim();
      if (!QVALUE.test(text)) {
        valid = false;
        break;
      }
      q = Number(text);
    }
    if (!valid) continue;
    if (coding === "*") any = Math.max(any ?? 0, q);
    else weights.set(coding, Math.max(weights.get(coding) ?? 0, q));
  }
  return { weights, any };
}

/**
 * The weight a client gives `coding`: its own entry, else `*`'s, else 0.
 *
 * @param accepted What {@linkcode parseAcceptEncoding} returned.
 * @param coding A lower-case coding name (`br`, `zstd`, `gzip`).
 * @returns The weight; 0 refuses the coding.
 *
 * @example
 * ```ts
 * import { codingWeight, parseAcceptEncoding } from "./accept_encoding.ts";
 * codingWeight(parseAcceptEncoding("*;q=0.1, gzip;q=0"), "gzip"); // 0
 * ```
 */
export function codingWeight(accepted: AcceptedEncodings, coding: string): number {
  // `x-gzip` is an alias of `gzip` (RFC 9110 section 8.4.1.3).
  const own = accepted.weights.get(coding) ??
    (coding === "gzip" ? accepted.weights.get("x-gzip") : undefined);
  return own ?? accepted.any ?? 0;
}

/**
 * The coding to send among `available` (in the server's order of preference): the one the
 * client weighs highest, ties going to the earlier; null when none has a weight above 0.
 *
 * @param accepted The client's weights.
 * @param available Codings the server can send, preferred first.
 * @returns The chosen coding, or null for identity.
 *
 * @example
 * ```ts
 * import { chooseCoding, parseAcceptEncoding } from "./accept_encoding.ts";
 * chooseCoding(parseAcceptEncoding("gzip, br;q=0.9"), ["br", "gzip"]); // "gzip"
 * ```
 */
export function chooseCoding(
  accepted: AcceptedEncodings,
  available: readonly string[],
): string | null {
  let best: string | null = null;
  let bestWeight = 0;
  for (const coding of available) {
    const weight = codingWeight(accepted, coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * Whether an `Accept` value names HTML (`text/html` or `application/xhtml+xml`) with a weight
 * above 0. `*\/*` alone does not count: scripts and `fetch()` send it for anything.
 *
 * @param value The `Accept` header (undefined when absent).
 * @returns True when the client asks for a page.
 *
 * @example
 * ```ts
 * import { acceptsHtml } from "./accept_encoding.ts";
 * acceptsHtml("text/html,application/xhtml+xml;q=0.9,*\/*;q=0.8"); // true
 * acceptsHtml("*\/*"); // false
 * ```
 */
export function acceptsHtml(value: string | undefined): boolean {
  if (value === undefined) return false;
  for (const element of value.split(",")) {
    const params = element.split(";");
    const type = params[0].trim().toLowerCase();
    if (type !== "text/html" && type !== "application/xhtml+xml") continue;
    let q = 1;
    for (let i = 1; i < params.length; i++) {
      const [name, text] = params[i].split("=", 2).map((s) => s.trim());
      if (name.toLowerCase() === "q" && text !== undefined) {
        q = QVALUE.test(text) ? Number(text) : 0;
      }
    }
    if (q > 0) return true;
  }
  return false;
}
