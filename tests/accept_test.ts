// protocol/accept.ts: the Accept header's media ranges, q-values and specificity, and which
// offered type a request prefers (how a listing request asks for JSON).
import { assertEquals } from "../deps.ts";
import {
  MAX_MEDIA_RANGES,
  negotiateMediaType,
  parseAccept,
  qualityOf,
} from "../protocol/accept.ts";

Deno.test("accept: q-values, specificity, ties to the first offer", () => {
  assertEquals(parseAccept("a/b;q=0.2;x=1, c/*, */*;q=0, bad, /x, x/"), [
    { type: "a", subtype: "b", q: 0.2, params: 0 },
    { type: "c", subtype: "*", q: 1, params: 0 },
    { type: "*", subtype: "*", q: 0, params: 0 },
  ]);
  const offers = ["text/html", "application/json"];
  const cases: Array<[string | undefined, string]> = [
    [undefined, "text/html"],
    ["", "text/html"],
    ["*/*", "text/html"],
    ["application/json", "application/json"],
    ["application/json, text/html", "text/html"],
    ["text/html;q=0.5, application/json", "application/json"],
    ["application/*", "application/json"],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"],
    ["application/json;q=0, */*", "text/html"],
    ["application/json;q=0.9, text/*;q=0.1", "application/json"],
    ["APPLICATION/JSON", "application/json"],
    ["text/plain", "text/html"],
  ];
  for (const [header, want] of cases) {
    assertEquals(negotiateMediaType(header, offers), want, String(header));
  }
  assertEquals(qualityOf(parseAccept("text/*;q=0.3, text/html;q=0.7"), "text/html"), 0.7);
});

Deno.test("accept: hostile headers are bounded and never throw", () => {
  const offers = ["text/html", "application/json"];
  const many = Array.from({ length: 10_000 }, (_, i) => `x/y${i}`).join(",") + ", application/json";
  assertEquals(parseAccept(many).length <= MAX_MEDIA_RANGES, true);
  for (
    const header of [
      ";".repeat(50_000),
      "application/json;q=" + "9".repeat(10_000),
      "application/json;q=-1",
      "application/json;q=NaN",
      "\u0000\u00ff/\u0000",
      "*/json",
    ]
  ) {
    const chosen = negotiateMediaType(header, offers);
    assertEquals(offers.includes(chosen), true, header.slice(0, 30));
  }
});
