// Byte ranges, ETags and preconditions through SimpleHTTPRequestHandler over real loopback
// sockets: 206 single (small cached, small uncached, large streamed), multipart/byteranges
// parsed back part by part, 416 with `bytes */SIZE` on a kept-alive connection, 412, 304 with
// the tag, If-Range, HEAD with GET's head, and what is never ranged (listings, errors, a
// subclass's own send_head source).
import { assert, assertEquals, assertMatch } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { BytesSource } from "../io/body_source.ts";
import type { BodySource } from "../io/body_source.ts";
import { fromLatin1 } from "./_helpers.ts";
import { patternBytes, QuietSimpleHandler11, startOurs } from "./_file_tree.ts";
import { header, RawClient, type RawResponse } from "./_wire.ts";

const SMALL = patternBytes(10_000, 11);
const LARGE = patternBytes(3 * 1024 * 1024 + 17, 12);
const MTIME = new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 250));
const LAST_MODIFIED = "Mon, 06 May 2024 07:08:09 GMT";

class Uncached11 extends QuietSimpleHandler11 {
  override file_cache = null;
}
class Tagged11 extends QuietSimpleHandler11 {
  override etag = true;
}

async function withTree(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-ranges-" });
  try {
    await Deno.writeFile(`${dir}/small.txt`, SMALL);
    await Deno.writeFile(`${dir}/large.bin`, LARGE);
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(`${dir}/sub/a.txt`, "a");
    for (const name of ["small.txt", "large.bin"]) await Deno.utime(`${dir}/${name}`, MTIME, MTIME);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Sends requests on one kept-alive connection and reads the answers. */
async function ask(
  dir: string,
  Handler: RequestHandlerClass,
  requests: readonly string[],
): Promise<RawResponse[]> {
  const running = startOurs(dir, Handler);
  const client = await RawClient.connect(running.port);
  try {
    const out: RawResponse[] = [];
    for (const request of requests) {
      await client.send(request);
      const response = await client.readResponse({ head: request.startsWith("HEAD ") });
      assert(response !== null, `no answer to ${JSON.stringify(request)}`);
      out.push(response);
    }
    return out;
  } finally {
    client.close();
    await running.stop();
  }
}

function get(target: string, headers: Record<string, string> = {}, method = "GET"): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `${method} ${target} HTTP/1.1\r\nHost: x\r\n${lines}\r\n`;
}

function bytesOf(body: string): Uint8Array {
  const out = new Uint8Array(body.length);
  for (let i = 0; i < body.length; i++) out[i] = body.charCodeAt(i);
  return out;
}

/** The parts of a multipart/byteranges body, checked against RFC 9110 §14.6's layout. */
function parseMultipart(response: RawResponse): { range: string; type?: string; body: string }[] {
  const type = header(response, "Content-type") ?? "";
  const match = /^multipart\/byteranges; boundary=([0-9a-f]{60})$/.exec(type);
  assert(match !== null, type);
  const boundary = match[1];
  const body = response.body;
  assert(body.endsWith(`\r\n--${boundary}--\r\n`), "closing delimiter");
  const inner = body.slice(0, -`\r\n--${boundary}--\r\n`.length);
  assert(inner.startsWith(`--${boundary}\r\n`));
  return inner.slice(`--${boundary}\r\n`.length).split(`\r\n--${boundary}\r\n`).map((part) => {
    const end = part.indexOf("\r\n\r\n");
    const fields = new Map(
      part.slice(0, end).split("\r\n").map((line) => {
        const colon = line.indexOf(":");
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    return {
      range: fields.get("content-range") ?? "",
      type: fields.get("content-type"),
      body: part.slice(end + 4),
    };
  });
}

for (
  const [label, Handler] of [
    ["cached", QuietSimpleHandler11],
    ["uncached", Uncached11],
  ] as const
) {
  Deno.test(`ranges (${label}): single spans of a small and a large file`, async () => {
    await withTree(async (dir) => {
      const cases: [string, string, Uint8Array, number][] = [
        ["/small.txt", "bytes=0-99", SMALL, 0],
        ["/small.txt", "bytes=9990-", SMALL, 9990],
        ["/small.txt", "bytes=-5", SMALL, SMALL.length - 5],
        ["/small.txt", "BYTES=100-199999", SMALL, 100],
        ["/large.bin", "bytes=1000-2023", LARGE, 1000],
        ["/large.bin", "bytes=0-0", LARGE, 0],
        ["/large.bin", "bytes=-1048576", LARGE, LARGE.length - 1048576],
        ["/large.bin", "bytes=1048576-", LARGE, 1048576],
      ];
      const responses = await ask(dir, Handler, cases.map(([t, r]) => get(t, { Range: r })));
      cases.forEach(([target, range, file, start], i) => {
        const response = responses[i];
        const what = `${target} ${range}`;
        assertEquals(response.status, 206, what);
        const body = bytesOf(response.body);
        assertEquals(body, file.subarray(start, start + body.length), what);
        const last = start + body.length - 1;
        assertEquals(header(response, "Content-Range"), `bytes ${start}-${last}/${file.length}`);
        assertEquals(header(response, "Content-Length"), String(body.length));
        assertEquals(header(response, "Last-Modified"), LAST_MODIFIED);
        assertEquals(header(response, "ETag"), undefined, "no tag without etag");
        assertEquals(header(response, "Accept-Ranges"), undefined);
      });
      assertEquals(responses[3].body.length, SMALL.length - 100);
    });
  });

  Deno.test(`ranges (${label}): several spans as multipart/byteranges`, async () => {
    await withTree(async (dir) => {
      const [small, large, merged] = await ask(dir, Handler, [
        get("/small.txt", { Range: "bytes=0-99,200-299,-10" }),
        get("/large.bin", { Range: "bytes=2000000-2000099, 5-9" }),
        get("/small.txt", { Range: "bytes=0-9,10-19" }),
      ]);
      assertEquals(small.status, 206);
      assertEquals(Number(header(small, "Content-Length")), small.body.length);
      const smallParts = parseMultipart(small);
      assertEquals(smallParts.map((p) => p.range), [
        "bytes 0-99/10000",
        "bytes 200-299/10000",
        "bytes 9990-9999/10000",
      ]);
      assertEquals(smallParts.map((p) => p.type), ["text/plain", "text/plain", "text/plain"]);
      assertEquals(bytesOf(smallParts[1].body), SMALL.subarray(200, 300));
      assertEquals(bytesOf(smallParts[2].body), SMALL.subarray(9990));

      const largeParts = parseMultipart(large);
      assertEquals(largeParts.map((p) => p.range), [
        `bytes 5-9/${LARGE.length}`,
        `bytes 2000000-2000099/${LARGE.length}`,
      ]);
      assertEquals(bytesOf(largeParts[0].body), LARGE.subarray(5, 10));
      assertEquals(bytesOf(largeParts[1].body), LARGE.subarray(2000000, 2000100));

      // Adjacent spans are coalesced into one part: a single-part 206.
      assertEquals(merged.status, 206);
      assertEquals(header(merged, "Content-Range"), "bytes 0-19/10000");
    });
  });

  Deno.test(`ranges (${label}): 416, ignored ranges, preconditions and If-Range`, async () => {
    await withTree(async (dir) => {
      const stale = "Sun, 05 May 2024 07:08:09 GMT";
      const responses = await ask(dir, Handler, [
        get("/small.txt", { Range: "bytes=10000-" }),
        get("/large.bin", { Range: "bytes=99999999-" }),
        get("/small.txt", { Range: "bytes=5-1" }), // reversed: ignored
        get("/small.txt", { Range: "items=0-1" }), // unknown unit: ignored
        get("/small.txt", { Range: "bytes=0-1", "If-Range": LAST_MODIFIED }),
        get("/small.txt", { Range: "bytes=0-1", "If-Range": stale }),
        get("/small.txt", { Range: "bytes=0-1", "If-Range": '"some-tag"' }),
        get("/small.txt", { Range: "bytes=0-1", "If-Unmodified-Since": stale }),
      ]);
      assertEquals(responses.map((r) => r.status), [416, 416, 200, 200, 206, 200, 200, 412]);
      assertEquals(header(responses[0], "Content-Range"), "bytes */10000");
      assertEquals(header(responses[1], "Content-Range"), `bytes */${LARGE.length}`);
      assertEquals(header(responses[0], "Connection"), undefined, "416 keeps the connection");
      assertMatch(responses[0].body, /Error code: 416/);
      assertEquals(bytesOf(responses[2].body), SMALL);
      assertEquals(header(responses[2], "Content-Range"), undefined);
      assertEquals(responses[5].body.length, SMALL.length);
    });
  });
}

Deno.test("ranges: HEAD answers with GET's head", async () => {
  await withTree(async (dir) => {
    const mask = (r: RawResponse) =>
      r.raw.slice(0, r.raw.indexOf("\r\n\r\n")).replace(/^Date: .*$/m, "Date: -")
        .replace(/boundary=[0-9a-f]+/, "boundary=-");
    for (const Handler of [QuietSimpleHandler11, Tagged11]) {
      for (
        const range of ["bytes=0-99", "bytes=1-2,8-9", "bytes=20000-", "bytes=x", "bytes=-3"]
      ) {
        for (const target of ["/small.txt", "/large.bin"]) {
          const [got, head] = await ask(dir, Handler, [
            get(target, { Range: range }),
            get(target, { Range: range }, "HEAD"),
          ]);
          assertEquals(mask(head), mask(got), `${target} ${range}`);
        }
      }
    }
  });
});

Deno.test("ranges with etag: ETag and Accept-Ranges on 200/206/304, tags compared", async () => {
  await withTree(async (dir) => {
    const tag = `"${MTIME.getTime().toString(16)}-${SMALL.length.toString(16)}"`;
    const responses = await ask(dir, Tagged11, [
      get("/small.txt"),
      get("/small.txt", { Range: "bytes=0-9" }),
      get("/small.txt", { "If-None-Match": `W/${tag}` }),
      get("/small.txt", { Range: "bytes=0-9", "If-Range": tag }),
      get("/small.txt", { Range: "bytes=0-9", "If-Range": `W/${tag}` }),
      get("/small.txt", { "If-Match": tag, Range: "bytes=0-9,20-29" }),
      get("/small.txt", { "If-None-Match": '"other"', "If-Modified-Since": LAST_MODIFIED }),
      get("/small.txt", { "If-Match": '"other"' }), // send_error: the connection closes
    ]);
    assertEquals(responses.map((r) => r.status), [200, 206, 304, 206, 200, 206, 200, 412]);
    for (const i of [0, 1, 2, 3, 5]) {
      assertEquals(header(responses[i], "ETag"), tag, String(i));
      assertEquals(header(responses[i], "Accept-Ranges"), "bytes", String(i));
    }
    assertEquals(header(responses[2], "Last-Modified"), undefined);
  });
});

Deno.test("ranges: listings, errors and a subclass's own send_head source are never ranged", async () => {
  await withTree(async (dir) => {
    class OwnHead extends QuietSimpleHandler11 {
      override async send_head(): Promise<BodySource | null> {
        if (this.path !== "/own") return super.send_head();
        const body = new TextEncoder().encode("0123456789");
        this.send_response(200);
        this.send_header("Content-Length", String(body.length));
        await this.end_headers();
        return new BytesSource(body);
      }
    }
    const [listing, own, missing] = await ask(dir, OwnHead, [
      get("/sub/", { Range: "bytes=0-3" }),
      get("/own", { Range: "bytes=0-3" }),
      get("/none.txt", { Range: "bytes=0-3" }),
    ]);
    assertEquals(listing.status, 200);
    assertMatch(listing.body, /^<!DOCTYPE HTML>/);
    assertEquals(missing.status, 404);
    assertEquals(own.status, 200);
    assertEquals(own.body, "0123456789");
  });
});

Deno.test("ranges: an empty file is served whole whatever the Range", async () => {
  await withTree(async (dir) => {
    await Deno.writeFile(`${dir}/empty`, new Uint8Array(0));
    const [response] = await ask(dir, QuietSimpleHandler11, [get("/empty", { Range: "bytes=0-" })]);
    assertEquals(response.status, 200);
    assertEquals(header(response, "Content-Length"), "0");
    assertEquals(fromLatin1(new Uint8Array(0)), response.body);
  });
});
