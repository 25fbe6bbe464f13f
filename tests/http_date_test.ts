// Tests of protocol/http_date.ts against CPython 3.13.0: formatHttpDate vs
// `email.utils.formatdate(t, usegmt=True)` (what `date_time_string` sends) from year 1 to 9999,
// and formatLogDate vs `log_date_time_string` in several time zones across DST changes. Both
// formatters remember the last second: the inputs revisit seconds out of order to catch a stale
// answer.
import { assert, assertEquals, assertMatch } from "../deps.ts";
import {
  currentHttpDate,
  formatHttpDate,
  formatLogDate,
  MONTH_NAMES,
  WEEKDAY_NAMES,
} from "../protocol/http_date.ts";
import { randomInt, runPython, seededRandom } from "./_python.ts";

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the range of Python's datetime. */
const YEAR_1 = -62135596800000;
const YEAR_9999_END = 253402300799999;

const HAND_PICKED_MS = [
  0,
  1,
  999,
  1000,
  1999,
  -1,
  -999,
  -1000,
  -1001,
  784111777000, // RFC 9110's example
  784111777999,
  951782400000, // 2000-02-29
  4107542400000, // 2100-02-28: not a leap year
  4107628800000,
  -2203891200000, // 1900-03-01
  2147483647000, // 2038-01-19T03:14:07Z
  2147483648000,
  -30610224000000, // 1000-01-01
  -30610224000001, // 0999-12-31T23:59:59.999Z: four-digit year
  YEAR_1,
  YEAR_1 + 86_399_999,
  YEAR_9999_END,
  YEAR_9999_END - 999,
];

Deno.test("formatHttpDate() agrees with email.utils.formatdate(usegmt=True), years 1 to 9999", async () => {
  const random = seededRandom(0x64617465);
  const inputs = [...HAND_PICKED_MS];
  for (let i = 0; i < 1500; i++) {
    const roll = random();
    const ms = roll < 0.5
      ? randomInt(random, 0, 4102444800000) // 1970-2100
      : roll < 0.9
      ? randomInt(random, YEAR_1, YEAR_9999_END)
      : randomInt(random, -5000, 5000);
    inputs.push(ms);
    // The same second again, out of order, and the second before it.
    if (random() < 0.2) inputs.push(ms - (ms % 1000) + 500, ms - 1000);
  }
  const expected = await runPython<string[]>(
    `
import email.utils
print(json.dumps([email.utils.formatdate(ms / 1000, usegmt=True) for ms in json.loads(sys.stdin.read())]))
`,
    inputs,
  );
  for (const [i, ms] of inputs.entries()) {
    assertEquals(formatHttpDate(ms), expected[i], `formatHttpDate(${ms})`);
  }
});

Deno.test("formatHttpDate() drops fractions of a second toward the past", () => {
  assertEquals(formatHttpDate(999), "Thu, 01 Jan 1970 00:00:00 GMT");
  assertEquals(formatHttpDate(1000), "Thu, 01 Jan 1970 00:00:01 GMT");
  assertEquals(formatHttpDate(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
  assertEquals(formatHttpDate(0.5), "Thu, 01 Jan 1970 00:00:00 GMT");
  assertEquals(formatHttpDate(-0.5), "Wed, 31 Dec 1969 23:59:59 GMT");
});

Deno.test("the name tables are Python's weekdayname and monthname", () => {
  assertEquals(WEEKDAY_NAMES, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
  assertEquals(MONTH_NAMES, [
    null,
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ]);
});

Deno.test("currentHttpDate() is the current second as an IMF-fixdate", () => {
  const before = Math.floor(Date.now() / 1000) * 1000;
  const now = currentHttpDate();
  const after = Date.now();
  assertMatch(now, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
  const parsed = Date.parse(now);
  assert(parsed >= before && parsed <= after, `${now} not between ${before} and ${after}`);
});

/** Zones with DST, half- and quarter-hour offsets, the southern hemisphere, and none at all. */
const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "America/St_Johns",
  "Etc/GMT+5",
];

/** Instants around DST changes (the gap and the repeated hour) and other edges. */
const LOG_HAND_PICKED_MS = [
  0,
  -1,
  1615705199000, // 2021-03-14T06:59:59Z: New York springs forward
  1615705200000,
  1636264799000, // 2021-11-07T05:59:59Z: New York falls back
  1636264800000,
  1636268400000,
  1616893199000, // 2021-03-28T00:59:59Z: Europe
  1616893200000,
  1635641999000,
  1635642000000,
  1617463800000, // Lord Howe's half-hour change, 2021-04-03T15:00Z
  1617465599999,
  951782400000,
  2147483647000,
  4102444799000,
];

Deno.test("formatLogDate() agrees with log_date_time_string in several time zones", async () => {
  const random = seededRandom(0x6c6f6764);
  const inputs = [...LOG_HAND_PICKED_MS];
  for (let i = 0; i < 300; i++) inputs.push(randomInt(random, 0, 4102444800000));
  const expected = await runPython<string[][]>(
    `
import http.server, os, time
handler = object.__new__(http.server.BaseHTTPRequestHandler)
data = json.loads(sys.stdin.read())
out = []
for zone in data["zones"]:
    os.environ["TZ"] = zone
    time.tzset()
    stamps = []
    for ms in data["ms"]:
        time.time = lambda ms=ms: ms / 1000  # log_date_time_string reads time.time()
        stamps.append(handler.log_date_time_string())
    out.append(stamps)
print(json.dumps(out))
`,
    { zones: ZONES, ms: inputs },
  );
  const saved = Deno.env.get("TZ");
  try {
    for (const [z, zone] of ZONES.entries()) {
      Deno.env.set("TZ", zone);
      // A second no input has, so the remembered stamp of the last zone is not reused.
      formatLogDate(-86_400_000 - z * 1000);
      for (const [i, ms] of inputs.entries()) {
        assertEquals(formatLogDate(ms), expected[z][i], `${zone}: formatLogDate(${ms})`);
      }
    }
  } finally {
    if (saved === undefined) Deno.env.delete("TZ");
    else Deno.env.set("TZ", saved);
  }
});
