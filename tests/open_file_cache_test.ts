// The open-file cache that small range answers of large files read: its rules on their own
// (identity, leases, eviction, nothing kept without a connection), then over real loopback
// sockets: many concurrent clients asking random single and multi-range spans of one large
// file, each body checked against the file; and a file renamed over the served path (between
// requests and while clients keep asking), where every answer's validators and bytes must
// belong to one and the same version of the file.
import { assert, assertEquals } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { OPEN_FILES_MAX, OpenFileCache } from "../handlers/files/open_file_cache.ts";
import { fileStateFor } from "../handlers/files/server_file_state.ts";
import { type BodySource, FileSpanSource, SegmentsSource } from "../io/body_source.ts";
import type { WFile } from "../io/wfile.ts";
import { fileEntityTag } from "../protocol/etag.ts";
import { planMultipartByteranges } from "../protocol/multipart_byteranges.ts";
import { fromLatin1 } from "./_helpers.ts";
import { patternBytes, QuietSimpleHandler11, startOurs } from "./_file_tree.ts";
import { header, RawClient, type RawResponse } from "./_wire.ts";

class Tagged11 extends QuietSimpleHandler11 {
  override etag = true;
}
class Uncached11 extends QuietSimpleHandler11 {
  override file_cache = null;
}
/**
 * Copies through `read` in small chunks, sending each before the next read (Python's
 * `copyfileobj` shape): other connections' answers read the shared handle in between.
 */
class ChunkCopy11 extends QuietSimpleHandler11 {
  override async copyfile(source: BodySource, outputfile: WFile): Promise<void> {
    const buffer = new Uint8Array(3000);
    for (let n = await source.read(buffer); n !== null; n = await source.read(buffer)) {
      await outputfile.write(buffer.subarray(0, n));
      await outputfile.flush();
    }
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-open-files-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether `file` is still open (a stat of a closed file throws `BadResource`). */
function isOpen(file: Deno.FsFile): boolean {
  try {
    file.statSync();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.BadResource) return false;
    throw error;
  }
}

/** A deterministic generator for offsets and lengths (xorshift32). */
function randomFrom(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

Deno.test("open-file cache: a handle is shared while the path's stat matches it", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/big.bin`;
    await Deno.writeFile(path, patternBytes(100_000, 1));
    const cache = new OpenFileCache();
    // No connection yet: nothing is kept.
    const first = Deno.openSync(path);
    assertEquals(await cache.adopt(path, first, first.statSync()), null);
    cache.connectionOpened();
    const lease = await cache.adopt(path, first, first.statSync());
    assert(lease !== null);
    assertEquals(cache.size, 1);
    const again = cache.acquire(path, Deno.statSync(path));
    assert(again?.file === first, "the same handle for an unchanged file");
    lease.release();
    again.release();
    assert(isOpen(first), "an idle handle stays open while the server has connections");
    // Any change of identity misses: size, times, mode, inode.
    const info = Deno.statSync(path);
    for (
      const changed of [
        { ...info, size: info.size + 1 },
        { ...info, mtime: new Date(0) },
        { ...info, ctime: new Date(0) },
        { ...info, mode: (info.mode ?? 0) ^ 0o004 },
        { ...info, ino: (info.ino ?? 0) + 1 },
      ]
    ) {
      const fresh = Deno.openSync(path);
      const held = await cache.adopt(path, fresh, fresh.statSync());
      assert(held !== null);
      held.release();
      assertEquals(cache.acquire(path, changed), null);
      assert(!isOpen(fresh), "a stale idle handle is closed at once");
      assertEquals(cache.size, 0);
    }
    cache.connectionClosed();
  });
});

Deno.test("open-file cache: a stale handle in use is closed by its last user", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/big.bin`;
    await Deno.writeFile(path, patternBytes(100_000, 2));
    const cache = new OpenFileCache();
    cache.connectionOpened();
    const old = Deno.openSync(path);
    const reading = await cache.adopt(path, old, old.statSync());
    assert(reading !== null);
    // The file is replaced: the next request opens the new one, the old handle leaves.
    await Deno.writeFile(`${dir}/next`, patternBytes(100_000, 3));
    await Deno.rename(`${dir}/next`, path);
    assertEquals(cache.acquire(path, Deno.statSync(path)), null);
    const fresh = Deno.openSync(path);
    const next = await cache.adopt(path, fresh, fresh.statSync());
    assert(next !== null && next.file === fresh);
    assert(isOpen(old), "still read by a response");
    reading.release();
    assert(!isOpen(old), "closed with its last user");
    next.release();
    cache.connectionClosed();
    assert(!isOpen(fresh), "the last connection's end closes idle handles");
    assertEquals(cache.size, 0);
  });
});

Deno.test("open-file cache: bounded; idle handles evicted first, none kept when all are busy", async () => {
  await withDir(async (dir) => {
    const cache = new OpenFileCache();
    cache.connectionOpened();
    const files: Deno.FsFile[] = [];
    const leases = [];
    for (let i = 0; i <= OPEN_FILES_MAX; i++) {
      const path = `${dir}/f${i}`;
      await Deno.writeTextFile(path, String(i));
      const file = Deno.openSync(path);
      files.push(file);
      const lease = await cache.adopt(path, file, file.statSync());
      if (i < OPEN_FILES_MAX) {
        assert(lease !== null);
        leases.push(lease);
      } else {
        assertEquals(lease, null, "every handle is in use: the new one is not kept");
        file.close();
      }
    }
    assertEquals(cache.size, OPEN_FILES_MAX);
    leases[3].release();
    const path = `${dir}/extra`;
    await Deno.writeTextFile(path, "x");
    const extra = Deno.openSync(path);
    const held = await cache.adopt(path, extra, extra.statSync());
    assert(held !== null, "an idle handle made room");
    assert(!isOpen(files[3]), "the idle one was closed");
    assertEquals(cache.size, OPEN_FILES_MAX);
    cache.clear();
    assertEquals(cache.size, 0);
    for (const [i, lease] of leases.entries()) {
      if (i === 3) continue;
      assert(isOpen(lease.file), "cleared while in use: closed by its user");
      lease.release();
      assert(!isOpen(lease.file));
    }
    held.release();
    assert(!isOpen(extra));
    cache.connectionClosed();
  });
});

Deno.test("FileSpanSource.shared: positions before every read; close releases once", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/f.bin`;
    const bytes = patternBytes(200_000, 4);
    await Deno.writeFile(path, bytes);
    const file = Deno.openSync(path);
    let releases = 0;
    const lease = {
      file,
      readAt(p: Uint8Array, position: number): number {
        file.seekSync(position, Deno.SeekMode.Start);
        return file.readSync(p) ?? 0;
      },
      release: () => releases++,
    };
    const a = FileSpanSource.shared(lease, 1000, 5000);
    const b = FileSpanSource.shared(lease, 150_000, 5000);
    const bufA = new Uint8Array(1000);
    const bufB = new Uint8Array(1000);
    const gotA: number[] = [];
    const gotB: number[] = [];
    // Interleaved reads of one handle, each moving it elsewhere.
    for (let i = 0; i < 5; i++) {
      assertEquals(await a.read(bufA), 1000);
      gotA.push(...bufA);
      assertEquals(await b.read(bufB), 1000);
      gotB.push(...bufB);
    }
    assertEquals(await a.read(bufA), null);
    assertEquals(new Uint8Array(gotA), bytes.subarray(1000, 6000));
    assertEquals(new Uint8Array(gotB), bytes.subarray(150_000, 155_000));
    a.close();
    a.close();
    b.close();
    assertEquals(releases, 2);
    assert(isOpen(file), "a shared file is never closed by its reader");
    const segments = new SegmentsSource(
      planMultipartByteranges([{ start: 0, length: 10 }, { start: 9000, length: 10 }], 200_000, "")
        .segments,
      lease,
    );
    segments.close();
    segments.close();
    assertEquals(releases, 3);
    assert(isOpen(file));
    file.close();
  });
});

/** The body a 206 for `spans` of `bytes` must carry, given the answer's own boundary. */
function expectedBody(
  response: RawResponse,
  bytes: Uint8Array,
  spans: readonly { start: number; length: number }[],
): string {
  if (spans.length === 1) {
    return fromLatin1(bytes.subarray(spans[0].start, spans[0].start + spans[0].length));
  }
  const boundary = /boundary=(\S+)/.exec(header(response, "Content-Type") ?? "")?.[1] ?? "";
  const plan = planMultipartByteranges(spans, bytes.length, "application/octet-stream", boundary);
  let body = "";
  for (const segment of plan.segments) {
    body += fromLatin1(
      segment.kind === "bytes"
        ? segment.bytes
        : bytes.subarray(segment.start, segment.start + segment.length),
    );
  }
  return body;
}

/** Random, sorted, disjoint and non-adjacent spans (1 to 3), small and sometimes large. */
function randomSpans(random: (n: number) => number, size: number) {
  const count = 1 + random(3);
  const spans = [];
  let from = 0;
  for (let i = 0; i < count && from < size - 2; i++) {
    const room = Math.floor((size - from) / (count - i));
    const start = from + random(Math.max(1, room - 2));
    const longest = random(10) === 0 ? 200_000 : 1 + random(16 * 1024);
    const length = Math.max(1, Math.min(longest, size - start - 1));
    spans.push({ start, length });
    from = start + length + 1;
  }
  return spans;
}

function rangeHeader(spans: readonly { start: number; length: number }[]): string {
  return "bytes=" + spans.map((s) => `${s.start}-${s.start + s.length - 1}`).join(",");
}

for (
  const [name, Handler] of [
    ["copyTo", QuietSimpleHandler11],
    ["a read loop that sends each chunk", ChunkCopy11],
  ] as const
) {
  Deno.test(`open-file cache: concurrent clients get the exact bytes of random ranges (${name})`, async () => {
    await withDir(async (dir) => {
      const size = 8 * 1024 * 1024 + 5;
      const bytes = patternBytes(size, 7);
      await Deno.writeFile(`${dir}/big.bin`, bytes);
      const running = startOurs(dir, Handler as unknown as RequestHandlerClass);
      const openFiles = fileStateFor(running.server).openFiles;
      let seenOpen = 0;
      try {
        const clients = 16;
        const perClient = 30;
        await Promise.all(Array.from({ length: clients }, async (_, c) => {
          const random = randomFrom(1000 + c);
          const client = await RawClient.connect(running.port);
          try {
            for (let i = 0; i < perClient; i++) {
              const spans = randomSpans(random, size);
              // Pipeline a second request now and then: the handle is read back to back.
              await client.send(
                `GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: ${rangeHeader(spans)}\r\n\r\n`,
              );
              const response = await client.readResponse();
              assert(response !== null);
              assertEquals(response.status, 206, response.statusLine);
              if (spans.length === 1) {
                const { start, length } = spans[0];
                assertEquals(
                  header(response, "Content-Range"),
                  `bytes ${start}-${start + length - 1}/${size}`,
                );
              }
              assert(
                response.body === expectedBody(response, bytes, spans),
                `client ${c} request ${i}: other bytes for ${rangeHeader(spans)}`,
              );
              seenOpen = Math.max(seenOpen, openFiles.size);
            }
          } finally {
            client.close();
          }
        }));
        assertEquals(running.server.errors, []);
      } finally {
        await running.stop();
      }
      assertEquals(seenOpen, 1, "one shared handle served every small range");
      assertEquals(openFiles.size, 0, "closed once the server had no connection left");
    });
  });
}

Deno.test("open-file cache: off with file_cache null", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/big.bin`, patternBytes(300_000, 8));
    const running = startOurs(dir, Uncached11 as unknown as RequestHandlerClass);
    const client = await RawClient.connect(running.port);
    try {
      for (let i = 0; i < 3; i++) {
        await client.send("GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199\r\n\r\n");
        const response = await client.readResponse();
        assertEquals(response?.status, 206);
        assertEquals(fileStateFor(running.server).openFiles.size, 0);
      }
    } finally {
      client.close();
      await running.stop();
    }
  });
});

/** One version of the served file: its bytes and the validators they must come with. */
interface Version {
  bytes: Uint8Array;
  etag: string;
  lastModified: string;
}

/** Writes version `i` beside `path` and renames it over `path`. */
async function replaceWith(path: string, i: number, sameShape: boolean): Promise<Version> {
  // Distinct sizes and times identify a version by its validators; `sameShape` keeps both,
  // so only the inode (and change time) tells the versions apart.
  const size = sameShape ? 200_000 : 200_000 + 1000 * i;
  const mtime = sameShape ? new Date(Date.UTC(2024, 0, 1)) : new Date(Date.UTC(2024, 0, 1 + i));
  const bytes = patternBytes(size, 100 + i);
  const temp = `${path}.${i}.tmp`;
  await Deno.writeFile(temp, bytes);
  await Deno.utime(temp, mtime, mtime);
  await Deno.rename(temp, path);
  return { bytes, etag: fileEntityTag(mtime.getTime(), size), lastModified: mtime.toUTCString() };
}

/** Asks for `spans` and returns which version answered, failing on any mixed answer. */
async function askVersion(
  client: RawClient,
  versions: readonly Version[],
  spans: readonly { start: number; length: number }[],
): Promise<number> {
  await client.send(`GET /f.bin HTTP/1.1\r\nHost: x\r\nRange: ${rangeHeader(spans)}\r\n\r\n`);
  const response = await client.readResponse();
  assert(response !== null);
  assertEquals(response.status, 206, response.statusLine);
  const etag = header(response, "ETag");
  const matching = versions.flatMap((v, i) => v.etag === etag ? [i] : []);
  assert(matching.length > 0, `an unknown tag ${etag}`);
  const found = matching.find((i) =>
    response.body === expectedBody(response, versions[i].bytes, spans) &&
    header(response, "Last-Modified") === versions[i].lastModified
  );
  assert(found !== undefined, `the body is not the bytes of the version its validators name`);
  return found;
}

Deno.test("open-file cache: a file renamed over the path is served new on the next request", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/f.bin`;
    for (const sameShape of [false, true]) {
      const running = startOurs(dir, Tagged11 as unknown as RequestHandlerClass);
      const client = await RawClient.connect(running.port);
      try {
        const versions: Version[] = [];
        for (let i = 0; i < 6; i++) {
          versions.push(await replaceWith(path, i, sameShape));
          const spanSets = [
            [{ start: 70_000, length: 1024 }],
            [{ start: 5, length: 10 }, { start: 150_000, length: 2000 }],
          ];
          for (const spans of spanSets) {
            // With `sameShape` every version has the same validators: the bytes alone tell.
            assertEquals(await askVersion(client, versions, spans), i, "the version renamed in");
          }
        }
      } finally {
        client.close();
        await running.stop();
      }
    }
  });
});

Deno.test("open-file cache: renames while clients keep asking never mix versions", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/f.bin`;
    const versions: Version[] = [await replaceWith(path, 0, false)];
    const running = startOurs(dir, Tagged11 as unknown as RequestHandlerClass);
    let writing = true;
    const seen = new Set<number>();
    try {
      const writer = (async () => {
        for (let i = 1; i < 40; i++) {
          // Known before it can be served: the list is read by the clients.
          const size = 200_000 + 1000 * i;
          const mtime = new Date(Date.UTC(2024, 0, 1 + i));
          versions.push({
            bytes: patternBytes(size, 100 + i),
            etag: fileEntityTag(mtime.getTime(), size),
            lastModified: mtime.toUTCString(),
          });
          await replaceWith(path, i, false);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        writing = false;
      })();
      await Promise.all(Array.from({ length: 12 }, async (_, c) => {
        const random = randomFrom(77 + c);
        const client = await RawClient.connect(running.port);
        try {
          while (writing) {
            const start = random(190_000);
            const spans = random(4) === 0
              ? [{ start: 0, length: 100 }, { start: start + 200, length: 1 + random(4000) }]
              : [{ start, length: 1 + random(8000) }];
            seen.add(await askVersion(client, versions, spans));
          }
        } finally {
          client.close();
        }
      }));
      await writer;
      assertEquals(running.server.errors, []);
    } finally {
      writing = false;
      await running.stop();
    }
    assert(seen.size > 5, `answers came from ${seen.size} versions only`);
  });
});
