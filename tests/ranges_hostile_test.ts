// Malformed and hostile Range / If-* values over a real socket: a seeded corpus (numbers past
// 2^53, thousands of ranges, negative, reversed and empty spans, broken tags and dates, long
// lists) goes to the server on kept-alive connections, with tags off and on. Every request
// gets a well-framed answer of an expected status (the next answer on the connection parses,
// so each Content-Length matched its body), no handler error is recorded, and the whole run
// stays within a time bound.
import { assert, assertEquals } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { MAX_RANGES } from "../protocol/range.ts";
import { pick, randomInt, seededRandom } from "./_python.ts";
import { patternBytes, QuietSimpleHandler11, startOurs } from "./_file_tree.ts";
import { header, RawClient } from "./_wire.ts";

/** The whole corpus must be answered within this many milliseconds (both modes). */
const CORPUS_TIME_LIMIT_MS = 60_000;
/** Longest header value generated: under the 64 KiB line limit CPython enforces. */
const MAX_VALUE_LENGTH = 60_000;
const FILE_SIZE = 200_000;
const CORPUS_SIZE = 400;

class Tagged11 extends QuietSimpleHandler11 {
  override etag = true;
}

const HUGE = "9".repeat(40);
const FIXED_RANGES: string[] = [
  "",
  "bytes",
  "bytes=",
  "bytes=,",
  "bytes= , ,",
  "bytes=-",
  "bytes=--5",
  "bytes=-0",
  "bytes=5-1",
  "bytes=-5-",
  "bytes=5--1",
  "bytes=-1-2",
  "bytes=0-0,-0",
  "bytes=1 - 2",
  "bytes=1-2 3-4",
  `bytes=${HUGE}-`,
  `bytes=0-${HUGE}`,
  `bytes=-${HUGE}`,
  `bytes=${HUGE}-${HUGE}8`,
  `bytes=${HUGE}9-${HUGE}`,
  `bytes=9007199254740993-9007199254740992`,
  `bytes=0-9007199254740993`,
  "bytes=" + "0".repeat(50_000) + "1-2",
  "bytes=" + Array.from({ length: 5_000 }, () => "0-0").join(","),
  "bytes=" + Array.from({ length: MAX_RANGES }, (_, i) => `${i * 10}-${i * 10}`).join(","),
  "bytes=" + Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10}`).join(","),
  "bytes=" + Array.from({ length: 3_000 }, (_, i) => `${i}-${FILE_SIZE}`).join(","),
  "bytes=" + Array.from({ length: 8_000 }, () => ",").join(""),
  "BYTES=0-1",
  "bytes=\xff-\x80",
  "bytes=0-1,\t2-3 ,",
  "bytes=300000-",
  "bytes=-300000",
];

const FIXED_CONDITIONS: [string, string][] = [
  ["If-Match", ""],
  ["If-Match", "*, *"],
  ["If-Match", 'W/"'],
  ["If-Match", '"' + "a".repeat(50_000) + '"'],
  ["If-Match", Array.from({ length: 5_000 }, (_, i) => `"${i}"`).join(",")],
  ["If-None-Match", Array.from({ length: 5_000 }, (_, i) => `W/"${i}"`).join(", ")],
  ["If-None-Match", '"unterminated'],
  ["If-None-Match", "*"],
  ["If-Range", 'W/"x"'],
  ["If-Range", '"x'],
  ["If-Range", "Mon, 32 Foo 99999 99:99:99 GMT"],
  ["If-Range", "x".repeat(50_000)],
  ["If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"],
  ["If-Unmodified-Since", `Mon, 01 Jan ${HUGE} 00:00:00 GMT`],
  ["If-Modified-Since", `Mon, 01 Jan ${HUGE} 00:00:00 GMT`],
  ["If-Modified-Since", "-1"],
];

/** One random Range value: pieces of valid and broken syntax glued together. */
function randomRange(random: () => number): string {
  const pieces = [
    () => String(randomInt(random, 0, FILE_SIZE * 2)),
    () => HUGE.slice(0, randomInt(random, 1, HUGE.length)),
    () => "-",
    () => ",",
    () => " ",
    () => "\t",
    () => "=",
    () => "x",
    () => `${randomInt(random, 0, FILE_SIZE)}-${randomInt(random, 0, FILE_SIZE)}`,
    () => `-${randomInt(random, 0, FILE_SIZE * 2)}`,
  ];
  let value = pick(random, ["bytes=", "Bytes=", "bytes =", "", "items="]);
  const count = random() < 0.1 ? randomInt(random, 200, 4_000) : randomInt(random, 1, 12);
  for (let i = 0; i < count && value.length < MAX_VALUE_LENGTH; i++) {
    value += pick(random, pieces)();
  }
  return value;
}

/** The corpus: the fixed values, then seeded random requests mixing Range and If-*. */
function corpus(): [string, string][][] {
  const random = seededRandom(0x13);
  const requests: [string, string][][] = [];
  for (const range of FIXED_RANGES) requests.push([["Range", range]]);
  for (const condition of FIXED_CONDITIONS) {
    requests.push([condition]);
    requests.push([condition, ["Range", "bytes=0-9,100-109"]]);
  }
  while (requests.length < CORPUS_SIZE) {
    const headers: [string, string][] = [["Range", randomRange(random)]];
    if (random() < 0.5) headers.push(pick(random, FIXED_CONDITIONS));
    if (random() < 0.2) {
      headers.push(["If-Range", pick(random, ['"a"', "Mon, 01 Jan 2024 00:00:00 GMT"])]);
    }
    requests.push(headers);
  }
  return requests;
}

async function runCorpus(dir: string, Handler: RequestHandlerClass): Promise<Map<number, number>> {
  const running = startOurs(dir, Handler);
  const statuses = new Map<number, number>();
  let client = await RawClient.connect(running.port);
  try {
    for (const headers of corpus()) {
      const method = headers.length % 3 === 0 ? "HEAD" : "GET";
      const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join("");
      const request = `${method} /file.bin HTTP/1.1\r\nHost: x\r\n${lines}\r\n`;
      await client.send(request);
      const response = await client.readResponse({ head: method === "HEAD" });
      assert(response !== null, `no answer to ${JSON.stringify(request.slice(0, 200))}`);
      assert(
        [200, 206, 304, 412, 416].includes(response.status),
        `${response.statusLine} for ${JSON.stringify(request.slice(0, 200))}`,
      );
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (method === "GET" && response.status === 206) {
        assertEquals(Number(header(response, "Content-Length")), response.body.length);
      }
      if (header(response, "Connection") === "close") {
        client.close();
        client = await RawClient.connect(running.port);
      }
    }
    assertEquals(running.server.errors, []);
    return statuses;
  } finally {
    client.close();
    await running.stop();
  }
}

Deno.test("hostile Range and If-* values are all answered, in bounded time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-ranges-hostile-" });
  try {
    await Deno.writeFile(`${dir}/file.bin`, patternBytes(FILE_SIZE, 21));
    const started = performance.now();
    const plain = await runCorpus(dir, QuietSimpleHandler11 as unknown as RequestHandlerClass);
    const tagged = await runCorpus(dir, Tagged11 as unknown as RequestHandlerClass);
    const elapsed = performance.now() - started;
    assert(elapsed < CORPUS_TIME_LIMIT_MS, `${elapsed} ms`);
    // The corpus reaches every kind of answer.
    for (const statuses of [plain, tagged]) {
      for (const status of [200, 206, 412, 416]) assert(statuses.has(status), `${status}`);
    }
    assert(tagged.has(304));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
