// The small-file cache of SimpleHTTPRequestHandler: the rules of FileContentCache on their own
// (settle time, identity, budget), then over real sockets with curl: a settled file is served
// from memory (the cache holds it), and every kind of change to the file (rewrite of the same
// size within one second, truncation, rename over it, removal, a new modification time) is
// served fresh on the very next request, with CPython's headers.
import { assert, assertEquals } from "../deps.ts";
import {
  FILE_CACHE_ENTRY_BYTES,
  FILE_CACHE_SETTLE_MS,
  FileContentCache,
} from "../handlers/files/file_cache.ts";
import { fileStateFor } from "../handlers/files/server_file_state.ts";
import { MemoryConnection } from "../io/memory.ts";
import { QuietSimpleHandler, startOurs } from "./_file_tree.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Long enough for a file's change time to count as settled. */
const SETTLE_WAIT_MS = FILE_CACHE_SETTLE_MS + 1200;

/** One fixed, long-settled time for every fake identity. */
const OLD = Date.now() - 3_600_000;

function fakeInfo(overrides: Partial<Deno.FileInfo> = {}): Deno.FileInfo {
  const old = new Date(OLD);
  return {
    isFile: true,
    isDirectory: false,
    isSymlink: false,
    size: 3,
    mtime: old,
    atime: old,
    birthtime: old,
    ctime: old,
    dev: 1,
    ino: 42,
    mode: 0o644,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    blksize: 4096,
    blocks: 8,
    isBlockDevice: false,
    isCharDevice: false,
    isFifo: false,
    isSocket: false,
    ...overrides,
  };
}

Deno.test("file cache: a settled identity is cached and matched field by field", () => {
  const cache = new FileContentCache(1024, 512);
  const info = fakeInfo();
  assert(cache.put("/a", info, encoder.encode("abc"), Date.now()));
  assertEquals(decoder.decode(cache.get("/a", info) ?? new Uint8Array()), "abc");
  assertEquals(cache.byteLength, 3);
  const later = new Date(Date.now() - 1000);
  for (
    const changed of [
      { size: 4 },
      { ino: 43 },
      { dev: 2 },
      { mtime: later },
      { ctime: later },
    ]
  ) {
    assert(cache.put("/a", info, encoder.encode("abc"), Date.now()));
    assertEquals(cache.get("/a", fakeInfo(changed)), null, JSON.stringify(changed));
    // A mismatch drops the entry: the old identity no longer matches either.
    assertEquals(cache.get("/a", info), null);
    assertEquals(cache.byteLength, 0);
  }
});

Deno.test("file cache: refuses recent changes, unknown times, wrong sizes, big files", () => {
  const cache = new FileContentCache(1024, 8);
  const now = Date.now();
  const recent = new Date(now - FILE_CACHE_SETTLE_MS + 500);
  const bytes = encoder.encode("abc");
  assertEquals(cache.put("/a", fakeInfo({ ctime: recent }), bytes, now), false);
  assertEquals(cache.put("/a", fakeInfo({ mtime: recent }), bytes, now), false);
  assertEquals(cache.put("/a", fakeInfo({ ctime: null }), bytes, now), false);
  assertEquals(cache.put("/a", fakeInfo({ mtime: null }), bytes, now), false);
  assertEquals(cache.put("/a", fakeInfo({ size: 4 }), bytes, now), false);
  assertEquals(cache.put("/a", fakeInfo({ isFile: false }), bytes, now), false);
  assertEquals(cache.put("/a", fakeInfo({ size: 9 }), new Uint8Array(9), now), false);
  assertEquals(cache.byteLength, 0);
  // The same recent identity is accepted once the settle time has passed.
  assert(cache.put("/a", fakeInfo({ ctime: recent }), bytes, now + FILE_CACHE_SETTLE_MS));
});

Deno.test("file cache: the byte budget evicts the oldest entries first", () => {
  const cache = new FileContentCache(10, 4);
  const now = Date.now();
  for (const name of ["a", "b", "c"]) {
    assert(cache.put(`/${name}`, fakeInfo({ size: 4 }), new Uint8Array(4), now));
  }
  assertEquals(cache.byteLength, 8);
  assertEquals(cache.get("/a", fakeInfo({ size: 4 })), null);
  assert(cache.get("/b", fakeInfo({ size: 4 })) !== null);
  assert(cache.get("/c", fakeInfo({ size: 4 })) !== null);
  cache.clear();
  assertEquals(cache.byteLength, 0);
});

/** A handler class with a cache of its own, so a test can see what it holds. */
function handlerWithCache(cache: FileContentCache | null): RequestHandlerClass {
  class CachingHandler extends QuietSimpleHandler {
    override file_cache = cache;
  }
  return CachingHandler as unknown as RequestHandlerClass;
}

interface CurlAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

async function curl(url: string, ...extra: string[]): Promise<CurlAnswer> {
  const output = await new Deno.Command("curl", {
    args: ["-s", "-i", "--max-time", "10", ...extra, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, decoder.decode(output.stderr));
  const raw = decoder.decode(output.stdout);
  const split = raw.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = raw.slice(0, split).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: raw.slice(split + 4) };
}

async function withCachingServer(
  fn: (root: string, base: string, cache: FileContentCache) => Promise<void>,
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "httpserver-cache-" }));
  const cache = new FileContentCache();
  const running = startOurs(root, handlerWithCache(cache));
  try {
    await fn(root, running.base, cache);
  } finally {
    await running.stop();
    await Deno.remove(root, { recursive: true });
  }
}

function httpDate(date: Date): string {
  return date.toUTCString();
}

Deno.test("file cache: a settled file is served from memory with the same headers", async () => {
  await withCachingServer(async (root, base, cache) => {
    await Deno.writeTextFile(`${root}/page.html`, "<p>cached</p>");
    const mtime = Deno.statSync(`${root}/page.html`).mtime as Date;
    // Just written: served, and not cached (its change time is too recent).
    const fresh = await curl(`${base}/page.html`);
    assertEquals(fresh.body, "<p>cached</p>");
    assertEquals(cache.byteLength, 0);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));
    const first = await curl(`${base}/page.html`);
    assertEquals(cache.byteLength, "<p>cached</p>".length);
    const second = await curl(`${base}/page.html`);
    for (const answer of [fresh, first, second]) {
      assertEquals(answer.status, 200);
      assertEquals(answer.body, "<p>cached</p>");
      assertEquals(answer.headers.get("content-type"), "text/html");
      assertEquals(answer.headers.get("content-length"), "13");
      assertEquals(answer.headers.get("last-modified"), httpDate(mtime));
    }
    // If-Modified-Since on a cached file: 304 with no body, as from disk.
    const notModified = await curl(
      `${base}/page.html`,
      "-H",
      `If-Modified-Since: ${httpDate(mtime)}`,
    );
    assertEquals(notModified.status, 304);
    assertEquals(notModified.body, "");
    const head = await curl(`${base}/page.html`, "-I");
    assertEquals(head.status, 200);
    assertEquals(head.headers.get("content-length"), "13");
    assertEquals(head.body, "");
  });
});

Deno.test("file cache: every change to a cached file is served on the next request", async () => {
  await withCachingServer(async (root, base, cache) => {
    const names = ["same-size.txt", "truncated.txt", "renamed.txt", "removed.txt", "touched.txt"];
    for (const name of names) await Deno.writeTextFile(`${root}/${name}`, "version-1");
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));
    for (const name of names) assertEquals((await curl(`${base}/${name}`)).body, "version-1");
    assertEquals(cache.byteLength, names.length * "version-1".length);

    // Same size, same second, in place (same inode): the change time moves.
    const file = await Deno.open(`${root}/same-size.txt`, { write: true });
    await file.write(encoder.encode("VERSION-2"));
    file.close();
    assertEquals((await curl(`${base}/same-size.txt`)).body, "VERSION-2");

    await Deno.truncate(`${root}/truncated.txt`, 3);
    const truncated = await curl(`${base}/truncated.txt`);
    assertEquals([truncated.body, truncated.headers.get("content-length")], ["ver", "3"]);

    await Deno.writeTextFile(`${root}/next.tmp`, "version-3");
    await Deno.rename(`${root}/next.tmp`, `${root}/renamed.txt`);
    assertEquals((await curl(`${base}/renamed.txt`)).body, "version-3");

    await Deno.remove(`${root}/removed.txt`);
    assertEquals((await curl(`${base}/removed.txt`)).status, 404);

    // Only the modification time changes: a new Last-Modified at once.
    const past = new Date("2001-02-03T04:05:06Z");
    await Deno.utime(`${root}/touched.txt`, past, past);
    const touched = await curl(`${base}/touched.txt`);
    assertEquals(touched.headers.get("last-modified"), httpDate(past));
    assertEquals(touched.body, "version-1");
  });
});

Deno.test("file cache: null turns it off, and files past the entry size are never held", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "httpserver-cache-" }));
  const shared = new FileContentCache();
  const off = startOurs(root, handlerWithCache(null));
  const on = startOurs(root, handlerWithCache(shared));
  try {
    await Deno.writeTextFile(`${root}/small.txt`, "small");
    await Deno.writeFile(`${root}/big.bin`, new Uint8Array(FILE_CACHE_ENTRY_BYTES + 1));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));
    assertEquals((await curl(`${off.base}/small.txt`)).body, "small");
    assertEquals(shared.byteLength, 0);
    const big = await curl(`${on.base}/big.bin`);
    assertEquals(big.headers.get("content-length"), String(FILE_CACHE_ENTRY_BYTES + 1));
    assertEquals(shared.byteLength, 0);
    assertEquals((await curl(`${on.base}/small.txt`)).body, "small");
    assertEquals(shared.byteLength, 5);
  } finally {
    await off.stop();
    await on.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("file cache: a settled listing is reused until an entry changes; symlinks opt out", async () => {
  await withCachingServer(async (root, base, cache) => {
    await Deno.mkdir(`${root}/plain`);
    await Deno.mkdir(`${root}/linked`);
    for (const name of ["a.txt", "b.txt"]) {
      await Deno.writeTextFile(`${root}/plain/${name}`, name);
      await Deno.writeTextFile(`${root}/linked/${name}`, name);
    }
    await Deno.symlink(`${root}/plain`, `${root}/linked/to-plain`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));

    const first = await curl(`${base}/plain/`);
    assertEquals(first.status, 200);
    const page = first.body;
    assertEquals(cache.byteLength, encoder.encode(page).length);
    const again = await curl(`${base}/plain/`);
    assertEquals([again.body, again.headers.get("content-length")], [
      page,
      first.headers.get("content-length"),
    ]);

    // A new entry changes the directory: listed on the very next request.
    await Deno.writeTextFile(`${root}/plain/c.txt`, "c");
    const added = await curl(`${base}/plain/`);
    assert(added.body.includes('<a href="c.txt">c.txt</a>'), added.body);
    // A rename too.
    await Deno.rename(`${root}/plain/a.txt`, `${root}/plain/z.txt`);
    const renamed = await curl(`${base}/plain/`);
    assert(renamed.body.includes("z.txt") && !renamed.body.includes("a.txt"), renamed.body);

    // A directory holding a symlink is listed fresh every time (its target may change type).
    const cachedBefore = cache.byteLength;
    const linked = await curl(`${base}/linked/`);
    assert(linked.body.includes('<a href="to-plain/">to-plain@</a>'), linked.body);
    assertEquals(cache.byteLength, cachedBefore);
    await Deno.remove(`${root}/plain`, { recursive: true });
    await Deno.writeTextFile(`${root}/plain`, "now a file");
    const retargeted = await curl(`${base}/linked/`);
    assert(retargeted.body.includes('<a href="to-plain">to-plain@</a>'), retargeted.body);
  });
});

Deno.test("file cache: under concurrent load, a write is seen by the next request", async () => {
  await withCachingServer(async (root, base, cache) => {
    // Settled and cached files, each then rewritten while other clients keep requesting it:
    // a stat another request took before the write must not serve the cached old bytes.
    const FILES = 12;
    const name = (k: number) => `hot${String(k).padStart(2, "0")}.txt`;
    for (let k = 0; k < FILES; k++) await Deno.writeTextFile(`${root}/${name(k)}`, "old!");
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));
    for (let k = 0; k < FILES; k++) await (await fetch(`${base}/${name(k)}`)).arrayBuffer();
    assertEquals(cache.byteLength, FILES * 4);
    let current = 0;
    let stop = false;
    const deadline = Date.now() + 20_000;
    // Background clients, bounded in count and time.
    const loaders = Array.from({ length: 4 }, async () => {
      let served = 0;
      while (!stop && served < 20_000 && Date.now() < deadline) {
        // A request that meets a rewrite half done (truncated, not yet written) may get a
        // short body, as from CPython: only the requests made after a write are checked.
        try {
          await (await fetch(`${base}/${name(current)}`)).arrayBuffer();
        } catch {
          // The short body of a request that raced a rewrite.
        }
        served++;
      }
      return served;
    });
    try {
      for (let k = 0; k < FILES; k++) {
        current = k;
        await new Promise((resolve) => setTimeout(resolve, 20));
        await Deno.writeTextFile(`${root}/${name(k)}`, "new!");
        // An in-process client, so the request follows the write within a fraction of a ms.
        const answer = await fetch(`${base}/${name(k)}`);
        assertEquals(await answer.text(), "new!", `write to ${name(k)} not seen`);
      }
    } finally {
      stop = true;
    }
    const served = await Promise.all(loaders);
    assert(served.every((n) => n > 0), `background load ran: ${served}`);
  });
});

Deno.test("file cache: each server has its own cache and stat memo, shared by its handlers", () => {
  const serverInfo = (port: number) => ({
    server_address: ["127.0.0.1", port] as [string, number],
    server_name: "localhost",
    server_port: port,
  });
  const first = serverInfo(1);
  const second = serverInfo(2);
  const handler = (server: ReturnType<typeof serverInfo>) =>
    new QuietSimpleHandler(new MemoryConnection(""), ["127.0.0.1", 9], server, {
      directory: "/",
    });
  const a1 = handler(first);
  const a2 = handler(first);
  const b = handler(second);
  assert(a1.file_cache !== null && b.file_cache !== null);
  assert(a1.file_cache === a2.file_cache, "handlers of one server share its cache");
  assert(a1.file_cache !== b.file_cache, "another server has a cache of its own");
  assert(a1.file_cache === fileStateFor(first).fileCache);
  assert(fileStateFor(first).recentStats !== fileStateFor(second).recentStats);
  // What one server caches, the other does not see.
  assert(a1.file_cache.put("/a", fakeInfo(), encoder.encode("abc"), Date.now()));
  assertEquals(b.file_cache.get("/a", fakeInfo()), null);
  assert(a2.file_cache?.get("/a", fakeInfo()) !== null);
});
