// protocol/accept_encoding.ts: which content coding a client accepts (q-values, q=0, *), and
// whether it asks for HTML; malformed parts are skipped, never thrown on.
import { assert, assertEquals } from "../deps.ts";
import {
  acceptsHtml,
  chooseCoding,
  codingWeight,
  parseAcceptEncoding,
} from "../protocol/accept_encoding.ts";

function assertFalse(condition: boolean, message?: string): void {
  assert(!condition, message);
}

Deno.test("accept-encoding: q-values, q=0 refuses, * and malformed elements", () => {
  const a = parseAcceptEncoding("gzip;q=0.5, br, zstd;q=0");
  assertEquals(chooseCoding(a, ["br", "zstd", "gzip"]), "br");
  assertEquals(chooseCoding(a, ["zstd"]), null);
  assertEquals(chooseCoding(parseAcceptEncoding("gzip, br;q=0.9"), ["br", "gzip"]), "gzip");
  assertEquals(chooseCoding(parseAcceptEncoding("*;q=0.2, gzip;q=0"), ["br", "gzip"]), "br");
  assertEquals(chooseCoding(parseAcceptEncoding("identity"), ["gzip"]), null);
  assertEquals(chooseCoding(parseAcceptEncoding("x-gzip"), ["gzip"]), "gzip");
  // Malformed elements are skipped; the rest still count.
  for (const bad of ["gzip;q=2", "gzip;q=abc", "gzip;;", "g zip", ";;;,,,", "gzip;q", "\u0100"]) {
    assertEquals(chooseCoding(parseAcceptEncoding(bad), ["gzip"]), null, bad);
  }
  assertEquals(chooseCoding(parseAcceptEncoding("gzip;q=abc, br"), ["gzip", "br"]), "br");
  assertEquals(chooseCoding(parseAcceptEncoding(undefined), ["gzip"]), null);
});

Deno.test("accept: HTML asked for explicitly, not by */* alone", () => {
  assert(acceptsHtml("text/html,application/xhtml+xml,*/*;q=0.8"));
  assert(acceptsHtml("application/xhtml+xml"));
  assertFalse(acceptsHtml("*/*"));
  assertFalse(acceptsHtml("text/html;q=0"));
  assertFalse(acceptsHtml(undefined));
  assertFalse(acceptsHtml("text/html;q=bogus"));
});

Deno.test("accept-encoding: weights by coding, identity and case", () => {
  const accepted = parseAcceptEncoding("GZIP;Q=0.5, Br");
  assertEquals(codingWeight(accepted, "gzip"), 0.5);
  assertEquals(codingWeight(accepted, "br"), 1);
  assertEquals(codingWeight(accepted, "zstd"), 0);
  assertEquals(chooseCoding(parseAcceptEncoding("gzip;q=1.001"), ["gzip"]), null);
  assertEquals(chooseCoding(parseAcceptEncoding("gzip;q=0.001"), ["gzip"]), "gzip");
  for (const hostile of [",".repeat(10_000), "gzip;" + "q=1;".repeat(5_000), "\u0000gzip"]) {
    assertEquals(chooseCoding(parseAcceptEncoding(hostile), ["gzip"]), null, hostile.slice(0, 20));
  }
});
