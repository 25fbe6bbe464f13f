// Differential check of protocol/preconditions.ts (and through it range.ts and
// multipart_byteranges.ts) against a real nginx: status, Content-Range and multipart bodies
// (modulo the boundary) for a list of Range / If-* requests on one file. nginx runs on
// 127.0.0.1 from a temporary prefix (its own config, pid and logs, `daemon off`) and is
// stopped at the end. Where the two differ by design, the case states nginx's answer and why.
// Skipped, with a message, when `nginx` is not installed.

import { assert, assertEquals } from "../deps.ts";
import { HTTPMessage } from "../headers.ts";
import { freePort, nginxMainConfig, waitForPort } from "./_helpers.ts";
import { planMultipartByteranges } from "../protocol/multipart_byteranges.ts";
import { type ContentDecision, decideContent } from "../protocol/preconditions.ts";

/** How long nginx gets to start listening before the test gives up. */
const NGINX_START_TIMEOUT_MS = 5000;
const FILE_SIZE = 1000;
const MTIME_SECONDS = 1_700_000_000;
const LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT";

function nginxInstalled(): boolean {
  try {
    return new Deno.Command("nginx", { args: ["-v"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const HAVE_NGINX = nginxInstalled();
if (!HAVE_NGINX) {
  console.log("range_nginx_test: nginx is not installed; the differential is skipped");
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

const latin1 = (bytes: Uint8Array) => {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
};

async function request(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = "GET",
) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    await conn.write(Uint8Array.from(head + "\r\n", (c) => c.charCodeAt(0)));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    const text = chunks.map(latin1).join("");
    const blank = text.indexOf("\r\n\r\n");
    const lines = text.slice(0, blank).split("\r\n");
    const answer: Answer = {
      status: Number(lines[0].split(" ")[1]),
      headers: new Map(),
      body: text.slice(blank + 4),
    };
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      answer.headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    return answer;
  } finally {
    conn.close();
  }
}

/** The answer nginx gave, in the shape of a decision (plus the multipart body check). */
function compare(
  label: string,
  nginx: Answer,
  decision: ContentDecision,
  file: Uint8Array,
): void {
  assertEquals(nginx.status, decision.status, label);
  switch (decision.kind) {
    case "range-not-satisfiable":
    case "single-range":
      assertEquals(nginx.headers.get("content-range"), decision.contentRange, label);
      if (decision.kind === "single-range") {
        const { start, length } = decision.span;
        assertEquals(nginx.body, latin1(file.subarray(start, start + length)), label);
      }
      break;
    case "multiple-ranges": {
      const type = nginx.headers.get("content-type") ?? "";
      const boundary = type.replace(/^multipart\/byteranges; boundary=/, "");
      assert(boundary !== type, `${label}: ${type}`);
      const plan = planMultipartByteranges(
        decision.spans,
        FILE_SIZE,
        "application/octet-stream",
        boundary,
      );
      let ours = "";
      for (const segment of plan.segments) {
        ours += segment.kind === "bytes"
          ? latin1(segment.bytes)
          : latin1(file.subarray(segment.start, segment.start + segment.length));
      }
      // nginx opens the body with an empty preamble line; the rest is the same bytes.
      assertEquals(nginx.body, "\r\n" + ours, label);
      assertEquals(Number(nginx.headers.get("content-length")), plan.contentLength + 2, label);
      break;
    }
    default:
      assert(!nginx.headers.has("content-range"), label);
  }
}

/** Requests both answer alike: [headers, extended]. */
const SAME: [Record<string, string>, boolean][] = [
  [{ Range: "bytes=0-0" }, false],
  [{ Range: "bytes=0-99" }, false],
  [{ Range: "bytes=0-999" }, false],
  [{ Range: "bytes=0-5000" }, false],
  [{ Range: "bytes=500-" }, false],
  [{ Range: "bytes=999-" }, false],
  [{ Range: "bytes=-1" }, false],
  [{ Range: "bytes=-1000" }, false],
  [{ Range: "bytes=-5000" }, false],
  [{ Range: "bytes=1000-" }, false],
  [{ Range: "bytes=1000-2000" }, false],
  [{ Range: "bytes=-0" }, false],
  [{ Range: "bytes=1000-,-0" }, false],
  [{ Range: "BYTES=0-1" }, false],
  [{ Range: "Bytes=1-2" }, false],
  [{ Range: "bytes= 0-1" }, false],
  [{ Range: "bytes=0-1 , 5-6" }, false],
  [{ Range: "bytes=0-1,5-6" }, false],
  [{ Range: "bytes=0-1,5-6,-10" }, false],
  [{ Range: "bytes=0-1,2000-" }, false],
  [{ Range: "bytes=0-,0-" }, false],
  [{ Range: "bytes=0-600,500-999" }, false],
  [{ Range: "bytes=" + Array.from({ length: 50 }, (_, i) => `${i * 10}-${i * 10 + 4}`) }, false],
  [{ Range: "items=0-1" }, false],
  [{ Range: "bytes" }, false],
  [{ Range: "0-1" }, false],
  // If-Range.
  [{ Range: "bytes=1-", "If-Range": LAST_MODIFIED }, false],
  [{ Range: "bytes=1-", "If-Range": "Tue, 14 Nov 2023 22:13:19 GMT" }, false],
  [{ Range: "bytes=1-", "If-Range": "Tue, 14 Nov 2023 22:13:21 GMT" }, false],
  [{ Range: "bytes=1-", "If-Range": "ETAG" }, true],
  [{ Range: "bytes=1-", "If-Range": "W/ETAG" }, true],
  [{ Range: "bytes=1-", "If-Range": '"other"' }, true],
  [{ Range: "bytes=1-", "If-Range": "garbage" }, true],
  // Preconditions (nginx configured with `if_modified_since before`, CPython's rule).
  [{ "If-Match": "ETAG" }, true],
  [{ "If-Match": '"other"' }, true],
  [{ "If-Match": "*" }, true],
  [{ "If-Match": '"other", ETAG' }, true],
  [{ "If-None-Match": "ETAG" }, true],
  [{ "If-None-Match": "W/ETAG" }, true],
  [{ "If-None-Match": '"other"' }, true],
  [{ "If-None-Match": "*" }, true],
  [{ "If-Unmodified-Since": LAST_MODIFIED }, true],
  [{ "If-Unmodified-Since": "Tue, 14 Nov 2023 22:13:19 GMT" }, true],
  [{ "If-Modified-Since": LAST_MODIFIED }, true],
  [{ "If-Modified-Since": "Tue, 14 Nov 2023 22:13:19 GMT" }, false],
  [{ "If-Modified-Since": LAST_MODIFIED, Range: "bytes=0-0" }, false],
  [{ "If-Match": '"other"', Range: "bytes=0-0" }, true],
  [{ "If-None-Match": "ETAG", Range: "bytes=0-0" }, true],
];

/** Requests answered differently by design: [headers, nginx's status, ours, why]. */
const DIFFERENT: [Record<string, string>, number, number, string][] = [
  [{ Range: "bytes=1-0" }, 416, 200, "reversed: invalid, ignored (RFC 9110 §14.1.1, §14.2)"],
  [{ Range: "bytes=abc" }, 416, 200, "a syntax error is ignored, not refused"],
  [{ Range: "bytes=-" }, 416, 200, "a syntax error is ignored, not refused"],
  [{ Range: "bytes=0-1," }, 416, 206, "an empty list element is allowed (§5.6.1)"],
  [{ Range: "bytes=0-1,,5-6" }, 416, 206, "an empty list element is allowed (§5.6.1)"],
  [{ Range: "bytes=0 - 1" }, 206, 200, "no whitespace inside a range spec"],
  [{ Range: "bytes=0-99999999999999999999" }, 416, 206, "numbers past 2^63 still clamp"],
  [{ Range: "bytes=0-9,10-19" }, 206, 206, "touching spans coalesce into one part"],
  [{ Range: "bytes=20-29,0-9" }, 206, 206, "parts are sent in offset order"],
  [
    { Range: "bytes=" + Array.from({ length: 201 }, (_, i) => `${i * 2}-${i * 2}`) },
    206,
    200,
    "more than MAX_RANGES specs: the whole file",
  ],
];

Deno.test({
  name: "range decisions against nginx",
  ignore: !HAVE_NGINX,
  async fn() {
    const prefix = await Deno.makeTempDir({ prefix: "range_nginx_" });
    const www = `${prefix}/www`;
    await Deno.mkdir(www);
    const file = new Uint8Array(FILE_SIZE);
    crypto.getRandomValues(file);
    await Deno.writeFile(`${www}/file.bin`, file);
    await Deno.utime(`${www}/file.bin`, MTIME_SECONDS, MTIME_SECONDS);
    await Deno.writeFile(`${www}/empty.bin`, new Uint8Array(0));

    const port = freePort();
    await Deno.writeTextFile(
      `${prefix}/nginx.conf`,
      nginxMainConfig(
        prefix,
        `  types { }
  default_type application/octet-stream;
  if_modified_since before;
  server {
    listen 127.0.0.1:${port};
    root ${www};
  }`,
      ),
    );
    const nginx = new Deno.Command("nginx", {
      args: ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", `${prefix}/error.log`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      await waitForPort(port, "127.0.0.1", NGINX_START_TIMEOUT_MS);
      const plain = await request(port, "/file.bin", {});
      assertEquals(plain.status, 200);
      assertEquals(plain.headers.get("last-modified"), LAST_MODIFIED);
      const etag = plain.headers.get("etag") ?? "";
      assertEquals(etag, `"${MTIME_SECONDS.toString(16)}-${FILE_SIZE.toString(16)}"`);
      const facts = { size: FILE_SIZE, lastModifiedMs: MTIME_SECONDS * 1000, etag };
      const withTag = (headers: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name, value.replaceAll("ETAG", etag)]),
        );

      for (const [template, extended] of SAME) {
        const headers = withTag(template);
        const label = JSON.stringify(headers).slice(0, 200);
        const answer = await request(port, "/file.bin", headers);
        const decision = decideContent(
          "GET",
          new HTTPMessage(Object.entries(headers)),
          extended ? facts : { ...facts, etag: null },
          extended,
        );
        compare(label, answer, decision, file);
      }

      for (const [headers, nginxStatus, ourStatus, why] of DIFFERENT) {
        const label = `${JSON.stringify(headers).slice(0, 80)} (${why})`;
        const answer = await request(port, "/file.bin", headers);
        assertEquals(answer.status, nginxStatus, label);
        const decision = decideContent(
          "GET",
          new HTTPMessage(Object.entries(headers)),
          facts,
          false,
        );
        assertEquals(decision.status, ourStatus, label);
      }

      // HEAD: the same status and Content-Range as GET, no body.
      for (const range of ["bytes=0-9", "bytes=-5", "bytes=5000-", "bytes=0-1,5-6", "items=1-2"]) {
        const answer = await request(port, "/file.bin", { Range: range }, "HEAD");
        const decision = decideContent("HEAD", new HTTPMessage([["Range", range]]), facts, false);
        assertEquals(answer.status, decision.status, `HEAD ${range}`);
        assertEquals(answer.body, "");
        if (decision.kind === "single-range" || decision.kind === "range-not-satisfiable") {
          assertEquals(answer.headers.get("content-range"), decision.contentRange, `HEAD ${range}`);
        }
      }

      // An empty file: both serve it whole for a satisfiable-looking range; nginx refuses a
      // range that starts past its end, this module serves the empty whole (as Go does).
      const empty = { size: 0, lastModifiedMs: 0, etag: null };
      for (
        const [range, nginxStatus] of [["bytes=0-", 200], ["bytes=-5", 200], [
          "bytes=5-",
          416,
        ]] as const
      ) {
        const answer = await request(port, "/empty.bin", { Range: range });
        assertEquals(answer.status, nginxStatus, range);
        assertEquals(
          decideContent("GET", new HTTPMessage([["Range", range]]), empty, false)
            .status,
          200,
        );
      }
    } finally {
      nginx.kill("SIGTERM");
      const status = await nginx.status;
      await nginx.stderr.cancel();
      await Deno.remove(prefix, { recursive: true });
      assert(status.signal === "SIGTERM" || status.success, `nginx ended with ${status.code}`);
    }
  },
});
