// Differential tests: protocol/if_modified_since.ts against CPython 3.13.0's
// email.utils.parsedate_to_datetime and SimpleHTTPRequestHandler.send_head, in one subprocess.

import { assertEquals } from "../deps.ts";
import { isNotModified, parseHttpDate } from "../protocol/if_modified_since.ts";
import { pick, randomInt, runPython, seededRandom } from "./_python.ts";

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

const HAND_PICKED = [
  "",
  " ",
  ",",
  "Mon,",
  "Mon, 01 Jan 2024 00:00:00 GMT",
  "Sun, 06 Nov 1994 08:49:37 GMT",
  "Sunday, 06-Nov-94 08:49:37 GMT",
  "Sun Nov  6 08:49:37 1994",
  "Sun Nov  6 08:49:37 1994 +0100",
  "01 Jan 2024 00:00:00",
  "Jan 01 2024 00:00:00",
  "1 Jan 24 0:0:0",
  "Mon, 01 Jan 2024 00:00 GMT",
  "Mon, 01 Jan 2024 00.00.00 GMT",
  "Mon, 01 Jan 2024 00.00 GMT",
  "Mon, 01 Jan 2024 00.00.00.00 GMT",
  "Mon, 01 Jan 2024 0000 GMT",
  "Mon,01 Jan 2024 00:00:00 GMT",
  "Mon ,01 Jan 2024 00:00:00 GMT",
  "x,01 Jan 2024 00:00:00 GMT",
  "Mon, 01, Jan, 2024, 00:00:00, GMT",
  "Mon, 01 Jan 2024, 00:00:00 GMT",
  "Mon, 01 Jan , 00:00:00 GMT",
  "Mon, 01 Jan 2024 00:00:00,",
  "Mon, 01 Jan 2024 00:00:00 +0000",
  "Mon, 01 Jan 2024 00:00:00 -0000",
  "Mon, 01 Jan 2024 00:00:00 +0100",
  "Mon, 01 Jan 2024 00:00:00 -0100",
  "Mon, 01 Jan 2024 00:00:00+0100",
  "Mon, 01 Jan 2024 00:00:00-0100",
  "Mon, 01 Jan 2024 00:00:00-0000",
  "Mon, 01 Jan 2024 00:00:00 UT",
  "Mon, 01 Jan 2024 00:00:00 UTC",
  "Mon, 01 Jan 2024 00:00:00 Z",
  "Mon, 01 Jan 2024 00:00:00 z",
  "Mon, 01 Jan 2024 00:00:00 gmt",
  "Mon, 01 Jan 2024 00:00:00 EST",
  "Mon, 01 Jan 2024 00:00:00 PDT",
  "Mon, 01 Jan 2024 00:00:00 XYZ",
  "Mon, 01 Jan 2024 00:00:00 +2359",
  "Mon, 01 Jan 2024 00:00:00 -2359",
  "Mon, 01 Jan 2024 00:00:00 +2400",
  "Mon, 01 Jan 2024 00:00:00 +2360",
  "Mon, 01 Jan 2024 00:00:00 +0099",
  "Mon, 01 Jan 2024 00:00:00 +9",
  "Mon, 01 Jan 2024 00:00:00 0",
  "Mon, 01 Jan 2024 00:00:00 -0",
  "Mon, 01 Jan 2024 00:00:00 +00000000",
  "Mon, 01 Jan 2024 00:00:00 1_0",
  "Mon, 01 Jan 2024 00:00:00 +1_0",
  "Mon, 01 Jan 2024 00:00:00 1__0",
  "Mon, 01 Jan 2024 00:00:00 99999999999999999999999",
  "Mon, 01 Jan 2024 00:00:00 e\u017ft", // LONG S upper-cases to S: "EST".
  "Mon, 01 Jan 2024 00:00:00 \ufb06", // "st" ligature upper-cases to "ST".
  "Mon, 01 Jan 68 00:00:00 GMT",
  "Mon, 01 Jan 69 00:00:00 GMT",
  "Mon, 01 Jan 00 00:00:00 GMT",
  "Mon, 01 Jan 99 00:00:00 GMT",
  "Mon, 01 Jan 100 00:00:00 GMT",
  "Mon, 01 Jan -50 00:00:00 GMT",
  "Mon, 01 Jan -1950 00:00:00 GMT",
  "Mon, 01 Jan +2024 00:00:00 GMT",
  "Mon, 01 Jan 2_024 00:00:00 GMT",
  "Mon, 01 Jan 0001 00:00:00 GMT",
  "Mon, 01 Jan 0000 00:00:00 GMT",
  "Fri, 31 Dec 9999 23:59:59 GMT",
  "Fri, 31 Dec 9999 23:59:59 -2359",
  "Sat, 01 Jan 10000 00:00:00 GMT",
  "Sat, 29 Feb 2020 00:00:00 GMT",
  "Fri, 29 Feb 2019 00:00:00 GMT",
  "Thu, 29 Feb 1900 00:00:00 GMT",
  "Tue, 29 Feb 2000 00:00:00 GMT",
  "Mon, 00 Jan 2024 00:00:00 GMT",
  "Mon, 32 Jan 2024 00:00:00 GMT",
  "Mon, 31 Apr 2024 00:00:00 GMT",
  "Mon, 01 Jan 2024 24:00:00 GMT",
  "Mon, 01 Jan 2024 23:60:00 GMT",
  "Mon, 01 Jan 2024 23:59:60 GMT",
  "Mon, 01 Jan 2024 -1:00:00 GMT",
  "Mon, 01 Jan 2024 +1:00:00 GMT",
  "Mon, 01 Jan 2024 :: GMT",
  "Mon, 01 Jan 2024 1:2:3:4 GMT",
  "Mon, 01 January 2024 00:00:00 GMT",
  "Mon, 01 SEPTEMBER 2024 00:00:00 GMT",
  "Mon, 01 Sept 2024 00:00:00 GMT",
  "Mon, Jan 01 2024 00:00:00 GMT",
  "Mon, 2024 Jan 01 00:00:00 GMT",
  "Mon, 01 Jan 00:00:00 2024 GMT",
  "Mon, 01 Jan GMT 00:00:00 2024",
  "01-Jan-2024 00:00:00 GMT",
  "01-Jan-2024-x 00:00:00 GMT",
  "Monday, 01-Jan-24 00:00:00 GMT",
  `Mon, 01 Jan ${"0".repeat(4296)}2024 00:00:00 GMT`,
  `Mon, 01 Jan ${"0".repeat(4297)}2024 00:00:00 GMT`,
  `Mon, 01 Jan ${"0_".repeat(4296)}2024 00:00:00 GMT`,
  `Mon, 01 Jan 2024 00:00:00 -${"0".repeat(4301)}`,
  "Mon, 01 Jan \u0662\u0660\u0662\u0664 00:00:00 GMT", // Arabic-Indic digits.
  "Mon, 01 Jan \uff12\uff10\uff12\uff14 00:00:00 GMT", // Fullwidth digits.
  "Mon, 01 Jan \u{1d7d0}\u{1d7ce}\u{1d7d0}\u{1d7d2} 00:00:00 GMT", // Mathematical bold digits.
  "Mon, 01 Jan \u00b2\u2070\u00b2\u2074 00:00:00 GMT", // Superscripts: isdigit, not int.
  "Mon, \u0661 Jan 2024 \u0661:\u0662:\u0663 GMT",
  "Mon,\u00a001\u00a0Jan\u00a02024\u00a000:00:00\u00a0GMT",
  "Mon,\u008501\u0085Jan\u00852024\u008500:00:00\u0085GMT",
  "Mon,\u200b01 Jan 2024 00:00:00 GMT",
  "\tMon, 01 Jan 2024 00:00:00 GMT\r\n",
];

const DAYS = ["Mon", "mon", "MON", "Sun,", "Thursday,", "Tue,", "Fri", "xyz,", "", "Mon ,", "M"];
const MONTHS = ["Jan", "jan", "JAN", "Feb", "Sep", "Sept", "December", "may", "xyz", "Mar,"];
const ZONES = [
  "GMT",
  "UTC",
  "UT",
  "Z",
  "gmt",
  "+0000",
  "-0000",
  "+0100",
  "-0500",
  "EST",
  "edt",
  "PDT",
  "XYZ",
  "",
  "+2359",
  "-2400",
  "+2400",
  "+0099",
  "+9",
  "0",
  "-0",
  "+00000000",
  "+1_0",
];
const SEPARATORS = [" ", "  ", "\t", "\u00a0", "\u0085", ", ", ","];

function randomYear(random: () => number): string {
  const roll = random();
  if (roll < 0.3) return pad2(randomInt(random, 0, 99));
  if (roll < 0.8) return String(randomInt(random, 1, 10000));
  return pick(random, ["-5", "+2024", "2_024", "0", "00001999", "\u0662\u0660\u0662\u0664", "x"]);
}

function randomTime(random: () => number): string {
  const h = pad2(randomInt(random, 0, 25));
  const m = pad2(randomInt(random, 0, 61));
  const s = pad2(randomInt(random, 0, 61));
  return pick(random, [
    `${h}:${m}:${s}`,
    `${h}:${m}:${s}`,
    `${h}:${m}`,
    `${h}.${m}.${s}`,
    `${h}.${m}`,
    `${h}:${m}:${s},`,
    `${h}:${m}:${s}:00`,
    `${h}${m}`,
    `${h}:${m}:${s}${pick(random, ["+0100", "-0100", "-0000"])}`,
  ]);
}

function randomDateValue(random: () => number): string {
  const day = pick(random, DAYS);
  const dd = random() < 0.9 ? pad2(randomInt(random, 0, 32)) : pick(random, ["1,", "-1", "x"]);
  const month = pick(random, MONTHS);
  const year = randomYear(random);
  const time = randomTime(random);
  const zone = pick(random, ZONES);
  const sep = () => random() < 0.85 ? " " : pick(random, SEPARATORS);
  switch (randomInt(random, 0, 4)) {
    case 0:
      return [day, dd, month, year, time, zone].join(" ");
    case 1:
      return `${day}${sep()}${dd}-${month}-${year}${sep()}${time}${sep()}${zone}`;
    case 2:
      return [day, month, dd, time, year].join(" ");
    case 3: {
      const tokens = [day, dd, month, year, time, zone];
      for (let i = tokens.length - 1; i > 0; i--) {
        const j = randomInt(random, 0, i);
        [tokens[i], tokens[j]] = [tokens[j], tokens[i]];
      }
      return tokens.slice(0, randomInt(random, 1, tokens.length)).join(sep());
    }
    default:
      return [day, dd, month, year, time, zone].map((t) => t + sep()).join("").trimEnd();
  }
}

/** mtimes around an instant: a second before, just before, on it, within it, a second after. */
function mtimesAround(epochSeconds: number): number[] {
  const ms = epochSeconds * 1000;
  return [ms - 1000, ms - 1, ms, ms + 999, ms + 1000];
}

const NANOSECONDS_PER_MILLISECOND = 1_000_000n;

/** Keeps nanosecond mtimes inside the signed 64-bit range `os.utime(ns=...)` accepts. */
const MAX_UTIME_SECONDS = 9e9;

Deno.test("parseHttpDate() and isNotModified() agree with CPython 3.13.0", async () => {
  const random = seededRandom(0x696d73);
  const values = [...HAND_PICKED, ...Array.from({ length: 1500 }, () => randomDateValue(random))];
  const parsed = values.map(parseHttpDate);
  const conditional: Array<[string, number]> = [];
  for (const [i, value] of values.entries()) {
    const date = parsed[i];
    const instant = date !== null && Math.abs(date.epochSeconds) < MAX_UTIME_SECONDS
      ? date.epochSeconds
      : 1_700_000_000;
    for (const mtimeMs of mtimesAround(instant)) conditional.push([value, mtimeMs]);
  }
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f`, "x");
    const expected = await runPython<{
      parsed: Array<[number, boolean] | null | string>;
      notModified: Array<[boolean, string]>;
    }>(
      `
import datetime, email.utils, os
from http.server import SimpleHTTPRequestHandler
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
data = json.loads(sys.stdin.buffer.read())

def parse(value):
    try:
        ims = email.utils.parsedate_to_datetime(value)
    except (TypeError, IndexError, OverflowError, ValueError):
        return None
    except Exception as error:  # send_head would not catch it: report it.
        return type(error).__name__
    if ims.tzinfo is None:
        ims = ims.replace(tzinfo=datetime.timezone.utc)
    return [(ims - EPOCH) // datetime.timedelta(seconds=1), ims.tzinfo is datetime.timezone.utc]

handler = object.__new__(SimpleHTTPRequestHandler)
handler.directory = data['directory']
handler.path = '/f'
codes = []
handler.send_response = lambda code, message=None: codes.append(int(code))
handler.send_header = lambda *args: None
handler.end_headers = lambda: None
not_modified = []
for value, mtime_ms in data['conditional']:
    ns = int(mtime_ms) * 1_000_000
    path = os.path.join(data['directory'], 'f')
    os.utime(path, ns=(ns, ns))
    handler.headers = {'If-Modified-Since': value}
    codes.clear()
    f = handler.send_head()
    if f:
        f.close()
    # The file system may clamp the time (ext4 without large inodes: to 32-bit seconds).
    not_modified.append([codes == [304], str(os.stat(path).st_mtime_ns)])
print(json.dumps({'parsed': [parse(v) for v in data['values']], 'notModified': not_modified}))
`,
      { directory: dir, values, conditional },
    );
    let accepted = 0;
    for (const [i, value] of values.entries()) {
      const want = expected.parsed[i];
      const got = parsed[i];
      assertEquals<[number, boolean] | null | string>(
        got === null ? null : [got.epochSeconds, got.isUtc],
        want,
        `parseHttpDate(${JSON.stringify(value.slice(0, 80))})`,
      );
      if (got !== null) accepted++;
    }
    for (const [i, [value]] of conditional.entries()) {
      const [want, mtimeNs] = expected.notModified[i];
      const mtimeMs = Number(BigInt(mtimeNs) / NANOSECONDS_PER_MILLISECOND);
      assertEquals(
        isNotModified(value, mtimeMs),
        want,
        `isNotModified(${JSON.stringify(value.slice(0, 80))}, ${mtimeMs})`,
      );
    }
    // The generator must exercise both outcomes in earnest.
    assertEquals(
      accepted > values.length / 10 && accepted < values.length * 9 / 10,
      true,
      `${accepted} of ${values.length} accepted`,
    );
    const hits = expected.notModified.filter(([hit]) => hit).length;
    assertEquals(hits > conditional.length / 10, true, `${hits} 304s`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isNotModified() follows the spec's send_head examples", () => {
  const mtimeMs = Date.UTC(2024, 5, 1, 12, 0, 0, 500);
  const lastModified = "Sat, 01 Jun 2024 12:00:00 GMT";
  assertEquals(isNotModified(lastModified, mtimeMs), true);
  assertEquals(isNotModified("Sat, 01 Jun 2024 13:00:00 GMT", mtimeMs), true);
  assertEquals(isNotModified("Thu, 01 Jun 2023 12:00:00 GMT", mtimeMs), false);
  assertEquals(isNotModified("Sat, 01 Jun 2024 12:00:00 -0000", mtimeMs), true);
  assertEquals(isNotModified("Sat, 01 Jun 2024 13:00:00 +0100", mtimeMs), false);
  assertEquals(isNotModified("Sat, 01 Jun 2024 12:00:00", mtimeMs), true);
});
