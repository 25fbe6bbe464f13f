// protocol/etag.ts: file tags, single-tag and list parsing, the two comparisons, and a seeded
// hostile corpus of If-Match / If-None-Match values.

import { assert, assertEquals } from "../deps.ts";
import {
  type EntityTag,
  type EntityTagList,
  entityTagListMatches,
  fileEntityTag,
  parseEntityTag,
  parseEntityTagList,
  strongMatch,
  weakMatch,
} from "../protocol/etag.ts";
import { pick, randomInt, seededRandom } from "./_python.ts";

const strong = (opaque: string): EntityTag => ({ weak: false, opaque });
const weak = (opaque: string): EntityTag => ({ weak: true, opaque });

Deno.test("fileEntityTag: nginx's shape with milliseconds", () => {
  assertEquals(fileEntityTag(0, 0), '"0-0"');
  assertEquals(fileEntityTag(1_700_000_000_000, 1024), '"18bcfe56800-400"');
  assertEquals(fileEntityTag(1_700_000_000_999.9, 1024), '"18bcfe56be7-400"');
  assertEquals(
    fileEntityTag(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    '"1fffffffffffff-1fffffffffffff"',
  );
  // A rewrite within the same second at the same size still changes the tag.
  assert(fileEntityTag(1_700_000_000_100, 10) !== fileEntityTag(1_700_000_000_200, 10));
  // Before the epoch: still a valid opaque tag.
  const before = fileEntityTag(-1500, 1);
  assertEquals(before, '"-5dc-1"');
  assertEquals(parseEntityTag(before), strong(before));
});

Deno.test("parseEntityTag: table", () => {
  const cases: [string, EntityTag | null][] = [
    ['"abc"', strong('"abc"')],
    ['""', strong('""')],
    ['W/"abc"', weak('"abc"')],
    [' \t"abc"\t ', strong('"abc"')],
    ['"a!#~\u0080\u00ff"', strong('"a!#~\u0080\u00ff"')],
    ["abc", null],
    ['w/"abc"', null],
    ['W/ "abc"', null],
    ['"abc', null],
    ['abc"', null],
    ['"a"b"', null],
    ['"a b"', null],
    ['"a\tb"', null],
    ['"a\u0000"', null],
    ['"a\u0100"', null],
    ['"a\u007f"', null],
    ['"a","b"', null],
    ["*", null],
    ["", null],
    ["W/", null],
    ['"', null],
  ];
  for (const [value, expected] of cases) {
    assertEquals(parseEntityTag(value), expected, JSON.stringify(value));
  }
});

Deno.test("parseEntityTagList: table", () => {
  const tags = (...list: EntityTag[]): EntityTagList => ({ kind: "tags", tags: list });
  const malformed: EntityTagList = { kind: "malformed" };
  const cases: [string, EntityTagList][] = [
    ["*", { kind: "any" }],
    [" * ", { kind: "any" }],
    ["**", malformed],
    ['*, "a"', malformed],
    ['"a", *', malformed],
    ["", tags()],
    ["  ", tags()],
    [",", tags()],
    [" , ,", tags()],
    ['"a"', tags(strong('"a"'))],
    ['"a","b"', tags(strong('"a"'), strong('"b"'))],
    ['"a" , W/"b" ,\t"c"', tags(strong('"a"'), weak('"b"'), strong('"c"'))],
    [',"a",,', tags(strong('"a"'))],
    ['"a" "b"', malformed],
    ['"a"b', malformed],
    ['"a", b', malformed],
    ['"a", "b', malformed],
    ['a, "b"', malformed],
    ['"a,b"', tags(strong('"a,b"'))],
    ['W/"a",w/"b"', malformed],
  ];
  for (const [value, expected] of cases) {
    assertEquals(parseEntityTagList(value), expected, JSON.stringify(value));
  }
});

Deno.test("strongMatch / weakMatch: RFC 9110 §8.8.3.2's table", () => {
  // ETag 1, ETag 2, strong, weak.
  const table: [EntityTag, EntityTag, boolean, boolean][] = [
    [weak('"1"'), weak('"1"'), false, true],
    [weak('"1"'), weak('"2"'), false, false],
    [weak('"1"'), strong('"1"'), false, true],
    [strong('"1"'), strong('"1"'), true, true],
  ];
  for (const [a, b, strongResult, weakResult] of table) {
    assertEquals(strongMatch(a, b), strongResult);
    assertEquals(strongMatch(b, a), strongResult);
    assertEquals(weakMatch(a, b), weakResult);
    assertEquals(weakMatch(b, a), weakResult);
  }
});

Deno.test("entityTagListMatches: table", () => {
  const current = strong('"v2"');
  const cases: [string, EntityTag | null, "strong" | "weak", boolean][] = [
    ["*", current, "strong", true],
    ["*", null, "strong", true],
    ["*", null, "weak", true],
    ['"v2"', current, "strong", true],
    ['"v1", "v2"', current, "strong", true],
    ['W/"v2"', current, "strong", false],
    ['W/"v2"', current, "weak", true],
    ['"v2"', weak('"v2"'), "strong", false],
    ['"v2"', weak('"v2"'), "weak", true],
    ['"v1"', current, "weak", false],
    ['"v2"', null, "strong", false],
    ['"v2"', null, "weak", false],
    ["", current, "strong", false],
    ['"v2", garbage', current, "strong", false],
    ['"v2", garbage', current, "weak", false],
    ['"V2"', current, "strong", false],
    ["v2", current, "weak", false],
  ];
  for (const [value, tag, comparison, expected] of cases) {
    assertEquals(
      entityTagListMatches(value, tag, comparison),
      expected,
      `${JSON.stringify(value)} ${comparison}`,
    );
  }
});

/** Generous for 2 shared cores under load: the corpus parses in well under a second. */
const CORPUS_TIME_LIMIT_MS = 5000;

Deno.test("parseEntityTagList: a seeded hostile corpus is answered within the time bound", () => {
  const random = seededRandom(0xe7a9);
  const pieces = [
    () => '"',
    () => "W/",
    () => "*",
    () => ",",
    () => " ".repeat(randomInt(random, 1, 2000)),
    () => '"x",'.repeat(randomInt(random, 1, 2000)),
    () => 'W/"' + "a".repeat(randomInt(random, 0, 2000)) + '"',
    () => String.fromCharCode(randomInt(random, 0, 255)),
    () => String.fromCodePoint(randomInt(random, 0x100, 0x10ffff)),
    () => "\ud800",
  ];
  const corpus = Array.from({ length: 2000 }, () => {
    let value = "";
    const count = randomInt(random, 1, 20);
    for (let i = 0; i < count; i++) value += pick(random, pieces)();
    return value;
  });
  corpus.push('"x",'.repeat(1 << 18), '"' + "a".repeat(1 << 20), " ".repeat(1 << 20) + "*");
  const current = strong('"x"');
  const started = performance.now();
  for (const value of corpus) {
    const list = parseEntityTagList(value);
    if (list.kind === "tags") {
      for (const tag of list.tags) assertEquals(parseEntityTag(tag.opaque), strong(tag.opaque));
    }
    entityTagListMatches(value, current, "strong");
    entityTagListMatches(value, null, "weak");
    parseEntityTag(value);
  }
  const elapsed = performance.now() - started;
  assert(elapsed < CORPUS_TIME_LIMIT_MS, `hostile corpus took ${elapsed.toFixed(0)} ms`);
});
