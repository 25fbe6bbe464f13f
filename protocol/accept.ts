/**
 * Content negotiation on the `Accept` request header (RFC 9110 section 12.5.1): media ranges with
 * q-values, the most specific matching range deciding an offer's quality.
 *
 * @example Pick JSON or HTML
 * ```ts
 * import { negotiateMediaType } from "./accept.ts";
 * import { assertEquals } from "../deps.ts";
 * const offers = ["text/html", "application/json"];
 * assertEquals(negotiateMediaType("application/json", offers), "application/json");
 * assertEquals(negotiateMediaType("text/html,*\/*;q=0.8", offers), "text/html");
 * assertEquals(negotiateMediaType(undefined, offers), "text/html");
 * ```
 *
 * @module
 */

/** One media range of an `Accept` header. */
export interface MediaRange {
  /** The type, lower-cased (`*` for any). */
  type: string;
  /** The subtype, lower-cased (`*` for any). */
  subtype: string;
  /** The quality, 0 to 1 (1 when absent or unreadable). */
  q: number;
  /** Parameters other than `q`, as `name=value` (lower-cased names), for specificity. */
  params: number;
}

/**
 * Media ranges read from one header: a longer header is cut here, so a hostile header costs
 * bounded work (real browsers send fewer than ten).
 */
export const MAX_MEDIA_RANGES = 64;

/** `1`, `0.5`, `0.` or `1.000`: RFC 9110's `qvalue`. */
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/** A `token` (RFC 9110 section 5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses an `Accept` header value into its media ranges, in order; malformed ranges are
 * skipped, an unreadable `q` counts as 1 (as most servers read it).
 *
 * @param header The header value (several `Accept` lines joined with `,`).
 * @returns The media ranges (at most {@linkcode MAX_MEDIA_RANGES}).
 *
 * @example
 * ```ts
 * import { parseAccept } from "./accept.ts";
 * import { assertEquals } from "../deps.ts";
 * assertEquals(parseAccept("text/*;q=0.5, application/json"), [
 *   { type: "text", subtype: "*", q: 0.5, params: 0 },
 *   { type: "application", subtype: "json", q: 1, params: 0 },
 * ]);
 * ```
 */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    if (ranges.length >= MAX_MEDIA_RANGES) break;
    const [mediaType, ...parameters] = part.split(";");
    const slash = mediaType.indexOf("/");
    if (slash < 0) continue;
    const type = mediaType.slice(0, slash).trim().toLowerCase();
    const subtype = mediaType.slice(slash + 1).trim().toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === "*" && subtype !== "*")) continue;
    let q = 1;
    let params = 0;
    for (const parameter of parameters) {
      const equals = parameter.indexOf("=");
      const name = (equals < 0 ? parameter : parameter.slice(0, equals)).trim().toLowerCase();
      if (name === "") continue;
      if (name === "q") {
        const value = parameter.slice(equals + 1).trim();
        if (QVALUE.test(value)) q = Number(value);
        // Parameters after q are accept-ext, not media type parameters.
        break;
      }
      params++;
    }
    ranges.push({ type, subtype, q, params });
  }
  return ranges;
}

/**
 * The quality the ranges give a media type: that of the most specific range that matches
 * (`type/subtype` with parameters, then `type/subtype`, then `type/*`, then `*\/*`); 0 when
 * none matches.
 *
 * @param ranges Parsed ranges.
 * @param mediaType A concrete `type/subtype`, lower case.
 * @returns The quality.
 */
export function qualityOf(ranges: readonly MediaRange[], mediaType: string): number {
  const slash = mediaType.indexOf("/");
  const type = mediaType.slice(0, slash);
  const subtype = mediaType.slice(slash + 1);
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    let specificity: number;
    if (range.type === type && range.subtype === subtype) specificity = 2 + range.params;
    else if (range.type === type && range.subtype === "*") specificity = 1;
    else if (range.type === "*") specificity = 0;
    else continue;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    }
  }
  return q;
}

/**
 * The offer the `Accept` header prefers: the highest quality wins, ties go to the earlier
 * offer, and the first offer answers a missing header, an empty one, or one that accepts
 * none of the offers (a server may ignore `Accept` rather than answer 406).
 *
 * @param header The `Accept` value, or undefined when absent.
 * @param offers Concrete media types, the default first, lower case.
 * @returns One of `offers`.
 */
export function negotiateMediaType(header: string | undefined, offers: readonly string[]): string {
  if (header === undefined || offers.length < 2) return offers[0];
  const ranges = parseAccept(header);
  if (ranges.length === 0) return offers[0];
  let chosen = offers[0];
  let bestQ = qualityOf(ranges, chosen);
  for (let i = 1; i < offers.length; i++) {
    const q = qualityOf(ranges, offers[i]);
    if (q > bestQ) {
      bestQ = q;
      chosen = offers[i];
    }
  }
  return chosen;
}
