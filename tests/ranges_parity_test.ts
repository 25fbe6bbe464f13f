// Differential test of issue #13's parity rule against CPython 3.13.0's `python -m http.server`:
// the same request list goes to both servers over loopback, and without `--etag` every request
// without `Range` gets CPython's exact bytes (Date and Server masked), conditional headers
// included; only requests that carry `Range` may differ, and each of those is listed with the
// status it now gets (a `Range` that is ignored, or that loses to a precondition CPython also
// evaluates, still gets CPython's bytes).
import { assert, assertEquals } from "../deps.ts";
import { findPython313, fromLatin1, latin1, maskVolatileHeaders, readAll } from "./_helpers.ts";
import { patternBytes, startOurs, startPython } from "./_file_tree.ts";

/** Milliseconds a server may take to answer and close. */
const EXCHANGE_TIMEOUT_MS = 8_000;
const MTIME = new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 250));
const LAST_MODIFIED = "Mon, 06 May 2024 07:08:09 GMT";
const STALE = "Sun, 05 May 2024 07:08:09 GMT";

interface Case {
  request: string;
  /** null: CPython's bytes exactly; a status: what we answer instead (Range only). */
  ours: number | null;
}

function req(target: string, headers: Record<string, string> = {}, method = "GET"): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `${method} ${target} HTTP/1.0\r\n${lines}\r\n`;
}

const CASES: Case[] = [
  // No Range: CPython's bytes, whatever the conditional headers say.
  { request: req("/a.txt"), ours: null },
  { request: req("/a.txt", {}, "HEAD"), ours: null },
  { request: req("/big.bin"), ours: null },
  { request: req("/a.txt", { "If-Modified-Since": LAST_MODIFIED }), ours: null },
  { request: req("/a.txt", { "If-Modified-Since": STALE }), ours: null },
  {
    request: req("/a.txt", { "If-Modified-Since": LAST_MODIFIED, "If-None-Match": "*" }),
    ours: null,
  },
  { request: req("/a.txt", { "If-Match": '"nope"' }), ours: null },
  { request: req("/a.txt", { "If-Unmodified-Since": STALE }), ours: null },
  { request: req("/a.txt", { "If-None-Match": '"x"' }), ours: null },
  { request: req("/a.txt", { "If-Range": LAST_MODIFIED }), ours: null },
  { request: req("/a.txt", { "Accept-Ranges": "bytes" }), ours: null },
  { request: req("/sub/"), ours: null },
  { request: req("/sub"), ours: null },
  { request: req("/missing.txt"), ours: null },
  // Range that is ignored, or not reached: CPython's bytes too.
  { request: req("/a.txt", { Range: "bytes=5-1" }), ours: null },
  { request: req("/a.txt", { Range: "items=0-1" }), ours: null },
  { request: req("/a.txt", { Range: "bytes=abc" }), ours: null },
  { request: req("/a.txt", { Range: "bytes=0-,0-" }), ours: null },
  { request: req("/a.txt", { Range: "bytes=0-9", "If-Range": STALE }), ours: null },
  { request: req("/a.txt", { Range: "bytes=0-9", "If-Range": '"tag"' }), ours: null },
  {
    request: req("/a.txt", { Range: "bytes=0-9", "If-Modified-Since": LAST_MODIFIED }),
    ours: null,
  },
  { request: req("/sub/", { Range: "bytes=0-9" }), ours: null },
  { request: req("/missing.txt", { Range: "bytes=0-9" }), ours: null },
  { request: req("/empty.txt", { Range: "bytes=0-9" }), ours: null },
  // Range that is answered: the only changes.
  { request: req("/a.txt", { Range: "bytes=0-9" }), ours: 206 },
  { request: req("/a.txt", { Range: "bytes=0-9" }, "HEAD"), ours: 206 },
  { request: req("/a.txt", { Range: "bytes=-9" }), ours: 206 },
  { request: req("/big.bin", { Range: "bytes=100000-" }), ours: 206 },
  { request: req("/a.txt", { Range: "bytes=0-9,20-29" }), ours: 206 },
  { request: req("/a.txt", { Range: "bytes=0-9", "If-Range": LAST_MODIFIED }), ours: 206 },
  { request: req("/a.txt", { Range: "bytes=99999-" }), ours: 416 },
  { request: req("/a.txt", { Range: "bytes=0-9", "If-Match": '"nope"' }), ours: 412 },
  { request: req("/a.txt", { Range: "bytes=0-9", "If-Unmodified-Since": STALE }), ours: 412 },
];

async function exchange(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = latin1(request);
    let offset = 0;
    while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    return maskVolatileHeaders(fromLatin1(await readAll(conn, EXCHANGE_TIMEOUT_MS)));
  } finally {
    conn.close();
  }
}

const NO_PYTHON = findPython313() === null ? " — SKIPPED: CPython 3.13 is not installed" : "";

Deno.test({
  name: `ranges parity: only requests carrying Range change, as listed${NO_PYTHON}`,
  ignore: NO_PYTHON !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "httpserver-ranges-parity-" });
    await Deno.writeFile(`${dir}/a.txt`, new TextEncoder().encode("0123456789".repeat(50)));
    await Deno.writeFile(`${dir}/big.bin`, patternBytes(1024 * 1024, 3));
    await Deno.writeFile(`${dir}/empty.txt`, new Uint8Array(0));
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(`${dir}/sub/x.txt`, "x");
    for (const name of ["a.txt", "big.bin", "empty.txt"]) {
      await Deno.utime(`${dir}/${name}`, MTIME, MTIME);
    }
    const python = await startPython(dir);
    assert(python !== null);
    const ours = startOurs(dir);
    try {
      for (const { request, ours: expected } of CASES) {
        const theirs = await exchange(python.port, request);
        const mine = await exchange(ours.port, request);
        const label = JSON.stringify(request);
        if (expected === null) {
          assertEquals(mine, theirs, label);
        } else {
          assert(theirs.startsWith("HTTP/1.0 200 OK\r\n"), label);
          assert(mine.startsWith(`HTTP/1.0 ${expected} `), `${label}: ${mine.slice(0, 40)}`);
        }
      }
    } finally {
      await ours.stop();
      await python.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
