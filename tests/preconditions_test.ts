// protocol/preconditions.ts: the RFC 9110 §13.2.2 order, If-Range, the Range step, CPython's
// If-Modified-Since rule kept for requests without Range, and a hostile corpus.

import { assert, assertEquals } from "../deps.ts";
import { isNotModified } from "../protocol/if_modified_since.ts";
import {
  type ContentDecision,
  decideContent,
  type RepresentationFacts,
  type RequestHeaders,
} from "../protocol/preconditions.ts";
import { HTTPMessage } from "../headers.ts";
import { pick, randomInt, seededRandom } from "./_python.ts";

const LAST_MODIFIED_MS = Date.UTC(2024, 0, 1, 12, 0, 0, 500);
const AT = "Mon, 01 Jan 2024 12:00:00 GMT"; // Last-Modified.
const BEFORE = "Mon, 01 Jan 2024 11:59:59 GMT";
const AFTER = "Mon, 01 Jan 2024 12:00:01 GMT";
const ETAG = '"18cc5b7b1f4-64"';
const OTHER = '"18cc5b7b000-64"';

const WITH_TAG: RepresentationFacts = { size: 100, lastModifiedMs: LAST_MODIFIED_MS, etag: ETAG };
const NO_TAG: RepresentationFacts = { size: 100, lastModifiedMs: LAST_MODIFIED_MS, etag: null };

/** Case-insensitive, as `HTTPMessage` is. */
function lookup(headers: Record<string, string>): RequestHeaders {
  const byName = new Map(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { get: (name) => byName.get(name.toLowerCase()) };
}

const FULL = { kind: "full", status: 200 };
const NOT_MODIFIED = { kind: "not-modified", status: 304 };
const FAILED = { kind: "precondition-failed", status: 412 };
const UNSATISFIABLE = { kind: "range-not-satisfiable", status: 416, contentRange: "bytes */100" };
function single(start: number, length: number): ContentDecision {
  return {
    kind: "single-range",
    status: 206,
    span: { start, length },
    contentRange: `bytes ${start}-${start + length - 1}/100`,
  };
}
function multiple(...pairs: [number, number][]): ContentDecision {
  return {
    kind: "multiple-ranges",
    status: 206,
    spans: pairs.map(([start, length]) => ({ start, length })),
  };
}

type Row = [
  name: string,
  method: string,
  headers: Record<string, string>,
  facts: RepresentationFacts,
  extended: boolean,
  expected: ContentDecision | typeof FULL,
];

const ROWS: Row[] = [
  // Nothing conditional.
  ["plain GET", "GET", {}, NO_TAG, false, FULL],
  ["plain GET, extended", "GET", {}, WITH_TAG, true, FULL],
  ["plain HEAD", "HEAD", {}, NO_TAG, false, FULL],

  // Python's evaluation (no Range, not extended).
  ["IMS at Last-Modified", "GET", { "If-Modified-Since": AT }, NO_TAG, false, NOT_MODIFIED],
  ["IMS after", "GET", { "If-Modified-Since": AFTER }, NO_TAG, false, NOT_MODIFIED],
  ["IMS before", "GET", { "If-Modified-Since": BEFORE }, NO_TAG, false, FULL],
  [
    "IMS hidden by INM",
    "GET",
    { "If-Modified-Since": AT, "If-None-Match": '"x"' },
    NO_TAG,
    false,
    FULL,
  ],
  [
    "IMS hidden by empty INM",
    "GET",
    { "If-Modified-Since": AT, "If-None-Match": "" },
    NO_TAG,
    false,
    FULL,
  ],
  [
    "IMS +0100 ignored",
    "GET",
    { "If-Modified-Since": "Mon, 01 Jan 2024 13:00:00 +0100" },
    NO_TAG,
    false,
    FULL,
  ],
  ["IMS garbage", "GET", { "If-Modified-Since": "yesterday" }, NO_TAG, false, FULL],
  ["If-Match ignored", "GET", { "If-Match": OTHER }, WITH_TAG, false, FULL],
  ["IUS ignored", "GET", { "If-Unmodified-Since": BEFORE }, NO_TAG, false, FULL],
  ["INM match ignored", "GET", { "If-None-Match": ETAG }, WITH_TAG, false, FULL],
  ["If-Range alone ignored", "GET", { "If-Range": OTHER }, WITH_TAG, false, FULL],

  // 1. If-Match.
  ["If-Match equal", "GET", { "If-Match": ETAG }, WITH_TAG, true, FULL],
  ["If-Match in list", "GET", { "If-Match": `${OTHER}, ${ETAG}` }, WITH_TAG, true, FULL],
  ["If-Match other", "GET", { "If-Match": OTHER }, WITH_TAG, true, FAILED],
  ["If-Match weak is never strong", "GET", { "If-Match": `W/${ETAG}` }, WITH_TAG, true, FAILED],
  ["If-Match *", "GET", { "If-Match": "*" }, WITH_TAG, true, FULL],
  ["If-Match * without tags", "GET", { "If-Match": "*" }, NO_TAG, true, FULL],
  ["If-Match list without tags", "GET", { "If-Match": ETAG }, NO_TAG, true, FAILED],
  ["If-Match malformed", "GET", { "If-Match": "nonsense" }, WITH_TAG, true, FAILED],
  ["If-Match empty", "GET", { "If-Match": "" }, WITH_TAG, true, FAILED],
  [
    "If-Match beats IUS",
    "GET",
    { "If-Match": ETAG, "If-Unmodified-Since": BEFORE },
    WITH_TAG,
    true,
    FULL,
  ],
  [
    "If-Match fails before INM",
    "GET",
    { "If-Match": OTHER, "If-None-Match": ETAG },
    WITH_TAG,
    true,
    FAILED,
  ],
  [
    "If-Match with Range, no flag",
    "GET",
    { "If-Match": OTHER, "Range": "bytes=0-0" },
    WITH_TAG,
    false,
    FAILED,
  ],

  // 2. If-Unmodified-Since.
  ["IUS at", "GET", { "If-Unmodified-Since": AT }, NO_TAG, true, FULL],
  ["IUS after", "GET", { "If-Unmodified-Since": AFTER }, NO_TAG, true, FULL],
  ["IUS before", "GET", { "If-Unmodified-Since": BEFORE }, NO_TAG, true, FAILED],
  ["IUS invalid ignored", "GET", { "If-Unmodified-Since": "not a date" }, NO_TAG, true, FULL],
  [
    "IUS +0100 ignored",
    "GET",
    { "If-Unmodified-Since": "Mon, 01 Jan 2024 11:00:00 +0100" },
    NO_TAG,
    true,
    FULL,
  ],
  [
    "IUS before with Range",
    "GET",
    { "If-Unmodified-Since": BEFORE, "Range": "bytes=0-0" },
    NO_TAG,
    false,
    FAILED,
  ],
  [
    "IUS at with Range",
    "GET",
    { "If-Unmodified-Since": AT, "Range": "bytes=0-0" },
    NO_TAG,
    false,
    single(0, 1),
  ],

  // 3. If-None-Match.
  ["INM equal", "GET", { "If-None-Match": ETAG }, WITH_TAG, true, NOT_MODIFIED],
  ["INM weak equal", "GET", { "If-None-Match": `W/${ETAG}` }, WITH_TAG, true, NOT_MODIFIED],
  ["INM in list", "HEAD", { "If-None-Match": `"a", ${ETAG}` }, WITH_TAG, true, NOT_MODIFIED],
  ["INM *", "GET", { "If-None-Match": "*" }, WITH_TAG, true, NOT_MODIFIED],
  ["INM other", "GET", { "If-None-Match": OTHER }, WITH_TAG, true, FULL],
  ["INM malformed", "GET", { "If-None-Match": ETAG + " x" }, WITH_TAG, true, FULL],
  ["INM match, POST", "POST", { "If-None-Match": ETAG }, WITH_TAG, true, FAILED],
  [
    "INM other hides IMS",
    "GET",
    { "If-None-Match": OTHER, "If-Modified-Since": AT },
    WITH_TAG,
    true,
    FULL,
  ],
  ["INM * without tags", "GET", { "If-None-Match": "*" }, NO_TAG, true, FULL],
  [
    "INM without tags hides IMS",
    "GET",
    { "If-None-Match": ETAG, "If-Modified-Since": AT },
    NO_TAG,
    true,
    FULL,
  ],
  [
    "INM match beats Range",
    "GET",
    { "If-None-Match": ETAG, "Range": "bytes=0-0" },
    WITH_TAG,
    false,
    NOT_MODIFIED,
  ],

  // 4. If-Modified-Since.
  ["IMS extended", "GET", { "If-Modified-Since": AT }, WITH_TAG, true, NOT_MODIFIED],
  ["IMS extended, before", "GET", { "If-Modified-Since": BEFORE }, WITH_TAG, true, FULL],
  ["IMS ignored for POST", "POST", { "If-Modified-Since": AT }, WITH_TAG, true, FULL],
  [
    "IMS with Range",
    "GET",
    { "If-Modified-Since": AT, "Range": "bytes=0-0" },
    NO_TAG,
    false,
    NOT_MODIFIED,
  ],
  [
    "IMS before with Range",
    "GET",
    { "If-Modified-Since": BEFORE, "Range": "bytes=0-0" },
    NO_TAG,
    false,
    single(0, 1),
  ],

  // 5. Range and If-Range.
  ["Range", "GET", { "Range": "bytes=10-19" }, NO_TAG, false, single(10, 10)],
  ["Range on HEAD", "HEAD", { "Range": "bytes=10-19" }, NO_TAG, false, single(10, 10)],
  ["Range on POST ignored", "POST", { "Range": "bytes=10-19" }, NO_TAG, false, FULL],
  ["Range multi", "GET", { "Range": "bytes=0-0,-1" }, NO_TAG, false, multiple([0, 1], [99, 1])],
  ["Range unsatisfiable", "GET", { "Range": "bytes=100-" }, NO_TAG, false, UNSATISFIABLE],
  ["Range invalid", "GET", { "Range": "bytes=9-1" }, NO_TAG, false, FULL],
  ["Range unknown unit", "GET", { "Range": "pages=1-2" }, NO_TAG, false, FULL],
  ["Range empty", "GET", { "Range": "" }, NO_TAG, false, FULL],
  [
    "If-Range tag equal",
    "GET",
    { "Range": "bytes=1-", "If-Range": ETAG },
    WITH_TAG,
    true,
    single(1, 99),
  ],
  [
    "If-Range tag with spaces",
    "GET",
    { "Range": "bytes=1-", "If-Range": ` ${ETAG} ` },
    WITH_TAG,
    false,
    single(1, 99),
  ],
  ["If-Range tag other", "GET", { "Range": "bytes=1-", "If-Range": OTHER }, WITH_TAG, true, FULL],
  [
    "If-Range weak tag",
    "GET",
    { "Range": "bytes=1-", "If-Range": `W/${ETAG}` },
    WITH_TAG,
    true,
    FULL,
  ],
  [
    "If-Range tag without tags",
    "GET",
    { "Range": "bytes=1-", "If-Range": ETAG },
    NO_TAG,
    false,
    FULL,
  ],
  [
    "If-Range malformed tag",
    "GET",
    { "Range": "bytes=1-", "If-Range": '"abc' },
    WITH_TAG,
    true,
    FULL,
  ],
  [
    "If-Range date equal",
    "GET",
    { "Range": "bytes=1-", "If-Range": AT },
    NO_TAG,
    false,
    single(1, 99),
  ],
  [
    "If-Range date equal, with tags",
    "GET",
    { "Range": "bytes=1-", "If-Range": AT },
    WITH_TAG,
    true,
    single(1, 99),
  ],
  [
    "If-Range date RFC 850",
    "GET",
    { "Range": "bytes=1-", "If-Range": "Monday, 01-Jan-24 12:00:00 GMT" },
    NO_TAG,
    false,
    single(1, 99),
  ],
  ["If-Range date before", "GET", { "Range": "bytes=1-", "If-Range": BEFORE }, NO_TAG, false, FULL],
  ["If-Range date after", "GET", { "Range": "bytes=1-", "If-Range": AFTER }, NO_TAG, false, FULL],
  [
    "If-Range date +0100",
    "GET",
    { "Range": "bytes=1-", "If-Range": "Mon, 01 Jan 2024 13:00:00 +0100" },
    NO_TAG,
    false,
    FULL,
  ],
  ["If-Range garbage", "GET", { "Range": "bytes=1-", "If-Range": "garbage" }, NO_TAG, false, FULL],
  ["If-Range empty", "GET", { "Range": "bytes=1-", "If-Range": "" }, NO_TAG, false, FULL],
  [
    "If-Range false beats 416",
    "GET",
    { "Range": "bytes=500-", "If-Range": BEFORE },
    NO_TAG,
    false,
    FULL,
  ],
  [
    "If-Range true, 416",
    "GET",
    { "Range": "bytes=500-", "If-Range": AT },
    NO_TAG,
    false,
    UNSATISFIABLE,
  ],
];

Deno.test("decideContent: table", () => {
  for (const [name, method, headers, facts, extended, expected] of ROWS) {
    assertEquals(decideContent(method, lookup(headers), facts, extended), expected, name);
  }
});

Deno.test("decideContent: an empty file is served whole whatever the Range", () => {
  const facts = { size: 0, lastModifiedMs: LAST_MODIFIED_MS, etag: null };
  for (const range of ["bytes=0-", "bytes=-1", "bytes=5-", "bytes=0-0,1-1"]) {
    assertEquals(decideContent("GET", lookup({ "Range": range }), facts, false), FULL, range);
  }
});

Deno.test("decideContent: a request without conditional headers allocates nothing", () => {
  const a = decideContent("GET", lookup({}), NO_TAG, false);
  const b = decideContent("HEAD", lookup({ "Accept": "*/*" }), WITH_TAG, true);
  assert(a === b, "the same frozen decision");
  assert(Object.isFrozen(a));
});

Deno.test("decideContent: only the headers a step needs are read", () => {
  const read: string[] = [];
  const spy = {
    get(name: string) {
      read.push(name);
      return undefined;
    },
  };
  decideContent("GET", spy, NO_TAG, false);
  assertEquals(read, ["range", "if-modified-since"]);
});

Deno.test("decideContent: the handler's HTTPMessage is the headers argument as it is", () => {
  const headers = new HTTPMessage([["RANGE", "bytes=0-0"], ["if-range", AT]]);
  assertEquals(decideContent("GET", headers, NO_TAG, false), single(0, 1));
});

// ---- Parity: CPython's rule, whatever else the request carries, when Range is absent. ----

const IMS_VALUES = [
  AT,
  BEFORE,
  AFTER,
  "Mon, 01 Jan 2024 12:00:00 +0000",
  "Mon, 01 Jan 2024 12:00:00 -0000",
  "Mon, 01 Jan 2024 13:00:00 +0100",
  "Monday, 01-Jan-24 12:00:00 GMT",
  "Mon Jan  1 12:00:00 2024",
  "01 Jan 2024 12:00",
  "Mon, 01 Jan 2024 12.00.00 GMT",
  "Mon, 32 Jan 2024 12:00:00 GMT",
  "",
  "garbage",
  "Mon, 01 Jan 2024 12:00:00 EST",
];
const TAG_VALUES = ["*", ETAG, OTHER, `W/${ETAG}`, "", "garbage", `${OTHER}, ${ETAG}`];

Deno.test("decideContent: CPython's answer for every request without Range, If-Match, IUS", () => {
  const random = seededRandom(0x13_2_2);
  for (let n = 0; n < 5000; n++) {
    const headers: Record<string, string> = {};
    if (random() < 0.8) headers["If-Modified-Since"] = pick(random, IMS_VALUES);
    if (random() < 0.4) headers["If-None-Match"] = pick(random, TAG_VALUES);
    if (random() < 0.2) headers["If-Range"] = pick(random, [...TAG_VALUES, AT]);
    if (random() < 0.2) headers["Accept-Encoding"] = "gzip";
    const mtime = LAST_MODIFIED_MS + randomInt(random, -2000, 2000);
    const python = headers["If-Modified-Since"] !== undefined &&
        headers["If-None-Match"] === undefined &&
        isNotModified(headers["If-Modified-Since"], mtime)
      ? NOT_MODIFIED
      : FULL;
    const method = pick(random, ["GET", "HEAD"]);
    const facts = { size: 100, lastModifiedMs: mtime, etag: null };
    const label = JSON.stringify(headers);
    // Without tags, both evaluations; with tags, Python's evaluation.
    assertEquals(decideContent(method, lookup(headers), facts, false), python, label);
    assertEquals(decideContent(method, lookup(headers), facts, true), python, label);
    // Python's evaluation also ignores If-Match and If-Unmodified-Since.
    if (random() < 0.5) headers["If-Match"] = pick(random, TAG_VALUES);
    if (random() < 0.5) headers["If-Unmodified-Since"] = pick(random, IMS_VALUES);
    const tagged = { ...facts, etag: ETAG };
    assertEquals(decideContent(method, lookup(headers), tagged, false), python, label);
  }
});

// ---- Hostile corpus. ----

/** Generous for 2 shared cores under load: the corpus decides in well under a second. */
const CORPUS_TIME_LIMIT_MS = 5000;

Deno.test("decideContent: a seeded hostile corpus is answered within the time bound", () => {
  const random = seededRandom(0xdec1de);
  const junk = () => {
    const pieces = [
      () => pick(random, IMS_VALUES),
      () => pick(random, TAG_VALUES),
      () => "bytes=" + "0-0,".repeat(randomInt(random, 1, 400)),
      () => "9".repeat(randomInt(random, 1, 3000)),
      () => " ".repeat(randomInt(random, 1, 3000)),
      () => String.fromCharCode(randomInt(random, 0, 255)),
      () => String.fromCodePoint(randomInt(random, 0x100, 0x10ffff)),
      () => '"',
      () => "W/",
      () => ",",
      () => "-",
    ];
    let value = "";
    for (let i = randomInt(random, 1, 12); i > 0; i--) value += pick(random, pieces)();
    return value;
  };
  const names = [
    "Range",
    "If-Range",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
  ];
  const started = performance.now();
  for (let n = 0; n < 3000; n++) {
    const headers: Record<string, string> = {};
    for (const name of names) if (random() < 0.5) headers[name] = junk();
    const size = pick(random, [0, 1, 100, Number.MAX_SAFE_INTEGER]);
    const facts = { size, lastModifiedMs: LAST_MODIFIED_MS, etag: random() < 0.5 ? ETAG : null };
    const decision = decideContent(
      pick(random, ["GET", "HEAD", "POST"]),
      lookup(headers),
      facts,
      random() < 0.5,
    );
    assert([200, 206, 304, 412, 416].includes(decision.status));
  }
  const elapsed = performance.now() - started;
  assert(elapsed < CORPUS_TIME_LIMIT_MS, `hostile corpus took ${elapsed.toFixed(0)} ms`);
});
