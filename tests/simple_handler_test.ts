// SimpleHTTPRequestHandler over real loopback sockets: the expectations of CPython's
// SimpleHTTPServerTestCase (spec §7.5, CPython 3.13.0 rules), written independently, plus
// traversal, symlinks, unreadable files, clients leaving mid-file and flat memory.
//
// Layout of every test: <outer>/secret.txt next to the served directory <outer>/www, which
// holds the `base_url` directory `tmpbase` with the file `test`.
import { assert, assertEquals, assertStringIncludes } from "../deps.ts";
import { fromLatin1, latin1, type RunningServer, text } from "./_helpers.ts";
import { header, RawClient, type RawResponse, readFirstLine } from "./_wire.ts";
import { type RecordingServer, startOurs } from "./_file_tree.ts";

const BASE = "tmpbase";
const NI = "We are the knights who say Ni!";
const SECRET = "S3CRET-CONTENT-OUTSIDE-THE-SERVED-DIRECTORY";
const IS_ROOT = Deno.uid() === 0;
const MiB = 1024 * 1024;

interface Served {
  outer: string;
  root: string;
  /** `<root>/tmpbase` */
  base: string;
  running: RunningServer<RecordingServer>;
  port: number;
}

/** Builds the layout, serves it, runs `fn`, and always cleans up. */
async function withServed(fn: (s: Served) => Promise<void>): Promise<void> {
  const outer = await Deno.realPath(await Deno.makeTempDir({ prefix: "httpserver-handler-" }));
  const root = `${outer}/www`;
  const base = `${root}/${BASE}`;
  await Deno.mkdir(base, { recursive: true });
  await Deno.writeTextFile(`${base}/test`, NI);
  await Deno.writeTextFile(`${outer}/secret.txt`, SECRET);
  const running = startOurs(root);
  try {
    await fn({ outer, root, base, running, port: running.port });
  } finally {
    await running.stop();
    await Deno.chmod(outer, 0o755).catch(() => {});
    await Deno.remove(outer, { recursive: true });
  }
}

/**
 * Python's `quote(name)` written independently of the code under test: UTF-8
 * percent-encoding of everything but ASCII letters, digits, `_.-~` and `/`.
 */
function pyQuote(name: string, safe = ""): string {
  let out = encodeURIComponent(name).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  ).replaceAll("%2F", "/");
  for (const c of safe) out = out.replaceAll(encodeURIComponent(c).replace("'", "%27"), c);
  return out;
}

/** `html.escape(text, quote=False)`, independently. */
function esc(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The body of a response as UTF-8 text. */
function bodyText(response: RawResponse): string {
  return text(latin1(response.body));
}

/**
 * One request on its own connection, with the checks CPython's suite makes on every answer:
 * an `HTTP/1.0` status line with a reason, `Connection` absent or `close`, and the server
 * closing the socket after the response with no extra bytes.
 */
async function request(
  port: number,
  target: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const method = options.method ?? "GET";
  const client = await RawClient.connect(port);
  try {
    let head = `${method} ${target} HTTP/1.0\r\n`;
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      head += `${name}: ${value}\r\n`;
    }
    await client.send(latin1(head + "\r\n"));
    const response = await client.readResponse({ head: method === "HEAD" });
    assert(response !== null, `no response to ${method} ${target}`);
    assert(response.statusLine.startsWith("HTTP/1.0 "), response.statusLine);
    assert(response.reason.length > 0, `empty reason: ${response.statusLine}`);
    const connection = header(response, "Connection");
    assert(connection === undefined || connection === "close", `Connection: ${connection}`);
    assert(await client.closedWithin(3_000), `${method} ${target}: connection left open`);
    return response;
  } finally {
    client.close();
  }
}

/** Sends `GET target` and expects the server to drop the connection without a byte. */
async function expectDropped(port: number, target: string): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    await client.send(`GET ${target} HTTP/1.0\r\n\r\n`);
    assertEquals(await client.readToEnd(3_000), "", `${target} was answered`);
  } finally {
    client.close();
  }
}

function assertListingTitle(response: RawResponse, decodedPath: string): void {
  assertEquals(response.status, 200, response.raw.slice(0, 300));
  const body = bodyText(response);
  assertStringIncludes(body, `<title>Directory listing for ${esc(decodedPath)}</title>`);
  assertStringIncludes(body, `<h1>Directory listing for ${esc(decodedPath)}</h1>`);
}

/** Lists the parent, follows the link to a file, and checks the label and the bytes. */
async function checkListedFile(s: Served, name: string): Promise<void> {
  const content = `content of ${name}`;
  await Deno.writeTextFile(`${s.base}/${name}`, content);
  const listing = bodyText(await request(s.port, `/${BASE}/`));
  const href = pyQuote(name);
  assertStringIncludes(listing, `href="${href}"`);
  assertStringIncludes(listing, `>${esc(name)}<`);
  const file = await request(s.port, `/${BASE}/${href}`);
  assertEquals(file.status, 200, `${name}: ${file.statusLine}`);
  assertEquals(bodyText(file), content);
}

/** Creates a directory, fetches its listing and finds it in the parent's listing. */
async function checkListedDirectory(s: Served, name: string, quoted = pyQuote(name)) {
  await Deno.mkdir(`${s.base}/${name}`);
  assertListingTitle(await request(s.port, `/${BASE}/${quoted}/`), `/${BASE}/${name}/`);
  const listing = bodyText(await request(s.port, `/${BASE}/`));
  assertStringIncludes(listing, `href="${pyQuote(name)}/"`);
  assertStringIncludes(listing, `>${esc(name)}/<`);
}

Deno.test("non-ASCII directory and file names are listed, linked and served", async () => {
  await withServed(async (s) => {
    await checkListedDirectory(s, "tmpæ-日本-😀.dir");
    await checkListedFile(s, "tmpæ-日本-😀.txt");
  });
});

Deno.test("a directory named U+FFFD is listed when requested as /%ff.dir/ (undecodable URL)", async () => {
  await withServed(async (s) => {
    await Deno.mkdir(`${s.base}/\ufffd.dir`);
    assertListingTitle(await request(s.port, `/${BASE}/%ff.dir/`), `/${BASE}/\ufffd.dir/`);
    await checkListedFile(s, "\ufffd.txt");
    // Raw undecodable names on disk (b'\xff') and surrogate names cannot be created through
    // Deno's string paths, so CPython's *_undecodable_filename/_unencodable_* cases are out.
  });
});

Deno.test("encoded surrogates never reach the U+FFFD file that Deno would substitute", async () => {
  await withServed(async (s) => {
    await Deno.mkdir(`${s.base}/\ufffd.dir`);
    await Deno.writeTextFile(`${s.base}/\ufffd.txt`, "replacement-char file");
    // U+DCFF is surrogate-escaped byte 0xFF in Python: a different (missing) name → 404.
    assertEquals((await request(s.port, `/${BASE}/%ED%B3%BF.dir/`)).status, 404);
    assertEquals((await request(s.port, `/${BASE}/%ED%B3%BF.txt`)).status, 404);
    // A lone high surrogate cannot be encoded: Python's open() raises, the connection drops.
    await expectDropped(s.port, `/${BASE}/%ED%A0%80.txt`);
    assertEquals(s.running.server.errors.length, 1);
    assert(s.running.server.errors[0] instanceof TypeError);
  });
});

const ESCAPE_NAMES = ["q?", "f#", "&amp;", "&amp", "<i>", '"dq"', "'sq'", "%A4", "%E2%82%AC"];

Deno.test("directories with names that need escaping: titles escaped, links quoted", async () => {
  await withServed(async (s) => {
    for (const name of ESCAPE_NAMES) {
      // Sent with & < > ' " unencoded, as CPython's test does.
      await checkListedDirectory(s, name + ".dir", pyQuote(name + ".dir", `&<>'"`));
    }
  });
});

Deno.test("files with names that need escaping are listed escaped and served by their link", async () => {
  await withServed(async (s) => {
    for (const name of ESCAPE_NAMES) await checkListedFile(s, name + ".txt");
  });
});

Deno.test("listing titles keep the query and fragment of the URL (CPython 3.13.0)", async () => {
  await withServed(async (s) => {
    assertListingTitle(await request(s.port, `/${BASE}/?x=123`), `/${BASE}/?x=123`);
    assertListingTitle(await request(s.port, `/${BASE}/#123`), `/${BASE}/#123`);
    assertListingTitle(await request(s.port, `/${BASE}/?x=%bb`), `/${BASE}/?x=\ufffd`);
    assertListingTitle(
      await request(s.port, `/${BASE}/?x=<b>&y=1`),
      `/${BASE}/?x=<b>&y=1`,
    );
  });
});

Deno.test("directory redirects never point to another host (CVE-2021-28861)", async () => {
  await withServed(async (s) => {
    await Deno.mkdir(`${s.base}/existing_directory`);
    const url = `/python.org/..%2f..%2f..%2f..%2f..%2f../%0a%0d/../${BASE}/existing_directory`;
    for (const slashes of ["", "/", "//"]) {
      const response = await request(s.port, slashes + url);
      assertEquals(response.status, 301, slashes + url);
      assertEquals(header(response, "Location"), url + "/");
      assert(!header(response, "Location")?.startsWith("//"));
    }
    const absolute = await request(s.port, "https://pypi.org" + url);
    assertEquals(absolute.status, 301);
    assertEquals(header(absolute, "Location"), "https://pypi.org" + url + "/");
  });
});

Deno.test("a leading backslash directory redirects to /%5C..., never /\\host (documented deviation)", async () => {
  await withServed(async (s) => {
    await Deno.mkdir(`${s.root}/\\evil.example`);
    const response = await request(s.port, "/\\evil.example");
    assertEquals(response.status, 301);
    assertEquals(header(response, "Location"), "/%5Cevil.example/");
    const withQuery = await request(s.port, "/\\evil.example?a=\\b#c\\d");
    assertEquals(header(withQuery, "Location"), "/%5Cevil.example/?a=\\b#c\\d");
    // The new location names the same directory.
    assertListingTitle(await request(s.port, "/%5Cevil.example/"), "/\\evil.example/");
  });
});

Deno.test("GET: files, directories, redirects, %2f (3.13.0 rules), index pages and 404s", async () => {
  await withServed(async (s) => {
    const ok = async (target: string, body?: string) => {
      const r = await request(s.port, target);
      assertEquals(r.status, 200, `${target}: ${r.statusLine}`);
      if (body !== undefined) assertEquals(bodyText(r), body, target);
      return r;
    };
    const status = async (target: string, code: number) => {
      const r = await request(s.port, target);
      assertEquals(r.status, code, `${target}: ${r.statusLine}`);
      return r;
    };
    const redirect = async (target: string, location: string) => {
      const r = await status(target, 301);
      assertEquals(header(r, "Location"), location, target);
      assertEquals(header(r, "Content-Length"), "0");
      assertEquals(r.body, "");
    };
    await ok(`/${BASE}/test`, NI);
    await status(`/${BASE}/test/`, 404);
    // 3.13.0 decides the trailing slash before decoding: a trailing %2f is not a slash.
    await ok(`/${BASE}/test%2f`, NI);
    await ok(`/${BASE}/test%2F`, NI);
    await ok(`/${BASE}/`);
    await redirect(`/${BASE}%2f`, `/${BASE}%2f/`);
    await redirect(`/${BASE}%2F`, `/${BASE}%2F/`);
    await redirect(`/${BASE}`, `/${BASE}/`);
    await ok(`/${BASE}/?hi=2`);
    await redirect(`/${BASE}?hi=1`, `/${BASE}/?hi=1`);
    await redirect(`/${BASE}#frag`, `/${BASE}/#frag`);
    await status("/ThisDoesNotExist", 404);
    await status("/ThisDoesNotExist/", 404);
    const notFound = await status("/ThisDoesNotExist", 404);
    assertEquals(notFound.reason, "File not found");
    // A directory named index.html is not an index page.
    await Deno.mkdir(`${s.base}/spam/index.html`, { recursive: true });
    assertListingTitle(await ok(`/${BASE}/spam/`), `/${BASE}/spam/`);
    // An index file replaces the listing.
    await Deno.writeTextFile(`${s.base}/index.html`, "Dummy index file\r\n");
    const index = await ok(`/${BASE}/`, "Dummy index file\r\n");
    assertEquals(header(index, "Content-type"), "text/html");
    assert(header(index, "Last-Modified") !== undefined);
    await Deno.remove(`${s.base}/index.html`);
    await Deno.writeTextFile(`${s.base}/index.htm`, "htm index");
    await ok(`/${BASE}/`, "htm index");
  });
});

Deno.test({
  name: IS_ROOT
    ? "an unlistable directory (mode 000) gives 404 — SKIPPED: running as root, which can list it"
    : "an unlistable directory (mode 000) gives 404 No permission to list directory",
  ignore: IS_ROOT,
  async fn() {
    await withServed(async (s) => {
      await Deno.mkdir(`${s.base}/locked`);
      await Deno.chmod(`${s.base}/locked`, 0);
      try {
        const r = await request(s.port, `/${BASE}/locked/`);
        assertEquals(r.status, 404);
        assertEquals(r.reason, "No permission to list directory");
      } finally {
        await Deno.chmod(`${s.base}/locked`, 0o755);
      }
    });
  },
});

Deno.test({
  name: IS_ROOT
    ? "an unreadable file (mode 000) gives 404 — SKIPPED: running as root, which can read it"
    : "an unreadable file (mode 000) gives 404 File not found",
  ignore: IS_ROOT,
  async fn() {
    await withServed(async (s) => {
      await Deno.writeTextFile(`${s.base}/locked.txt`, "locked");
      await Deno.chmod(`${s.base}/locked.txt`, 0);
      const r = await request(s.port, `/${BASE}/locked.txt`);
      assertEquals(r.status, 404);
      assertEquals(r.reason, "File not found");
    });
  },
});

Deno.test("files that cannot be opened (a socket, a broken symlink) give 404 File not found", async () => {
  await withServed(async (s) => {
    const socketPath = `${s.base}/unix.sock`;
    const listener = Deno.listen({ transport: "unix", path: socketPath });
    try {
      await Deno.symlink("nowhere", `${s.base}/broken`);
      for (const target of [`/${BASE}/unix.sock`, `/${BASE}/broken`]) {
        const r = await request(s.port, target);
        assertEquals(r.status, 404, target);
        assertEquals(r.reason, "File not found");
      }
      // Both still appear in the listing, as in Python.
      const listing = bodyText(await request(s.port, `/${BASE}/`));
      assertStringIncludes(listing, `href="unix.sock">unix.sock<`);
      assertStringIncludes(listing, `href="broken">broken@<`);
    } finally {
      listener.close();
    }
  });
});

Deno.test("HEAD sends the GET headers (length 30, application/octet-stream) and no body", async () => {
  await withServed(async (s) => {
    const r = await request(s.port, `/${BASE}/test`, { method: "HEAD" });
    assertEquals(r.status, 200);
    assertEquals(header(r, "content-length"), "30");
    assertEquals(header(r, "content-type"), "application/octet-stream");
    assertEquals(r.body, "");
  });
});

Deno.test("browser cache: If-Modified-Since at or after the mtime gives 304, earlier or with If-None-Match 200", async () => {
  await withServed(async (s) => {
    const first = await request(s.port, `/${BASE}/test`);
    const lastModified = header(first, "Last-Modified") as string;
    const at = Date.parse(lastModified);
    const notModified = await request(s.port, `/${BASE}/test`, {
      headers: { "If-Modified-Since": lastModified },
    });
    assertEquals(notModified.status, 304);
    assertEquals(notModified.headers.map(([n]) => n), ["Server", "Date"]);
    assertEquals(notModified.body, "");
    const later = await request(s.port, `/${BASE}/test`, {
      headers: { "If-Modified-Since": new Date(at + 3600_000).toUTCString() },
    });
    assertEquals(later.status, 304);
    const changed = await request(s.port, `/${BASE}/test`, {
      headers: { "If-Modified-Since": new Date(at - 365 * 86400_000).toUTCString() },
    });
    assertEquals(changed.status, 200);
    assertEquals(bodyText(changed), NI);
    const withEtag = await request(s.port, `/${BASE}/test`, {
      headers: { "If-Modified-Since": lastModified, "If-None-Match": "*" },
    });
    assertEquals(withEtag.status, 200);
    assertEquals(bodyText(withEtag), NI);
  });
});

Deno.test("methods other than GET and HEAD get 501 Unsupported method", async () => {
  await withServed(async (s) => {
    for (const method of ["FOO", "custom", "GETs", "POST", "PUT", "DELETE", "OPTIONS", "get"]) {
      const r = await request(s.port, `/${BASE}/test`, { method });
      assertEquals(r.status, 501, method);
      assertEquals(r.reason, `Unsupported method ('${method}')`);
    }
  });
});

Deno.test("Last-Modified is the file's mtime in whole seconds as an HTTP date", async () => {
  await withServed(async (s) => {
    await Deno.utime(`${s.base}/test`, 1234567890.75, 1234567890.75);
    const r = await request(s.port, `/${BASE}/test`);
    assertEquals(header(r, "Last-Modified"), "Fri, 13 Feb 2009 23:31:30 GMT");
    const mtime = (await Deno.stat(`${s.base}/test`)).mtime as Date;
    assertEquals(
      header(r, "Last-Modified"),
      new Date(Math.floor(mtime.getTime() / 1000) * 1000).toUTCString(),
    );
  });
});

Deno.test("request targets without a leading slash are served and redirected relatively", async () => {
  await withServed(async (s) => {
    assertEquals(bodyText(await request(s.port, `${BASE}/test`)), NI);
    assertEquals((await request(s.port, `${BASE}/test/`)).status, 404);
    assertEquals((await request(s.port, `${BASE}/`)).status, 200);
    assertEquals(header(await request(s.port, BASE), "Location"), `${BASE}/`);
    assertEquals((await request(s.port, `${BASE}/?hi=2`)).status, 200);
    const r = await request(s.port, `${BASE}?hi=1`);
    assertEquals(r.status, 301);
    assertEquals(header(r, "Location"), `${BASE}/?hi=1`);
  });
});

Deno.test("symlinks inside the directory are followed, even to files and directories outside", async () => {
  await withServed(async (s) => {
    await Deno.writeTextFile(`${s.outer}/outside.txt`, "outside, linked on purpose");
    await Deno.mkdir(`${s.outer}/outdir`);
    await Deno.writeTextFile(`${s.outer}/outdir/o.txt`, "o");
    await Deno.symlink(`${s.outer}/outside.txt`, `${s.base}/out-link.txt`);
    await Deno.symlink("../../outdir", `${s.base}/out-dir`);
    const file = await request(s.port, `/${BASE}/out-link.txt`);
    assertEquals(bodyText(file), "outside, linked on purpose");
    assertEquals(header(file, "Content-type"), "text/plain");
    assertListingTitle(await request(s.port, `/${BASE}/out-dir/`), `/${BASE}/out-dir/`);
    assertEquals(bodyText(await request(s.port, `/${BASE}/out-dir/o.txt`)), "o");
    const listing = bodyText(await request(s.port, `/${BASE}/`));
    assertStringIncludes(listing, `<a href="out-link.txt">out-link.txt@</a>`);
    assertStringIncludes(listing, `<a href="out-dir/">out-dir@</a>`);
  });
});

/** Request targets that try to climb out of the served directory, bounded and deduplicated. */
function traversalTargets(): string[] {
  const ups = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "%c0%ae%c0%ae",
    "%252e%252e",
    "...",
    "..;",
  ];
  const seps = ["/", "%2f", "%2F", "\\", "%5c", "%5C", "%c0%af", "//", "/./", "%00/"];
  const prefixes = ["/", "//", "///", `/${BASE}/`, "", "http://127.0.0.1/", "https://pypi.org/"];
  const out = new Set<string>();
  for (const up of ups) {
    for (const sep of seps) {
      const climb = (up + sep).repeat(4);
      out.add(`/${climb}secret.txt`);
      out.add(`/${BASE}/${climb}secret.txt`);
    }
  }
  for (const prefix of prefixes) {
    out.add(`${prefix}../secret.txt`);
    out.add(`${prefix}..%2fsecret.txt`);
    out.add(`${prefix}../../../../../../etc/passwd`);
    out.add(`${prefix}../`);
    out.add(`${prefix}..`);
  }
  for (
    const t of [
      "/../secret.txt%00.txt",
      "/..%00/secret.txt",
      "/%2e%2e%2fsecret.txt?x=/../secret.txt",
      "/x/../../secret.txt#../",
      "/..%2f..%2f..%2fetc%2fpasswd",
      "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
      "/..%252f..%252fsecret.txt",
      "/\\..\\secret.txt",
      "/..\\..\\secret.txt",
      "/.../secret.txt",
      "/%2e%2e%5csecret.txt",
      "file:///etc/passwd",
      "file:/../secret.txt",
      "/%ED%A0%80/../../secret.txt",
      `/${BASE}/test/../../../secret.txt`,
      "/www/../secret.txt",
      "/..%c0%afsecret.txt",
      "/..%e0%80%afsecret.txt",
      "/%uff0e%uff0e/secret.txt",
      "/\uff0e\uff0e/secret.txt",
      "/..%09/secret.txt",
      "/..%20/secret.txt",
      "/ ../secret.txt",
      "http://[x/../../secret.txt",
      "http://[x/../../",
    ]
  ) out.add(t);
  return [...out];
}

Deno.test("no spelling of a path traversal serves anything outside the served directory", async () => {
  await withServed(async (s) => {
    const targets = traversalTargets();
    assert(targets.length >= 60, `${targets.length} targets`);
    const leaks: string[] = [];
    const statuses = new Map<number, number>();
    const batch = 16;
    for (let i = 0; i < targets.length; i += batch) {
      await Promise.all(
        targets.slice(i, i + batch).map(async (target) => {
          const client = await RawClient.connect(s.port);
          try {
            await client.send(latin1(`GET ${target} HTTP/1.0\r\n\r\n`));
            const all = await client.readToEnd(5_000);
            const code = Number(/^HTTP\/1\.0 (\d{3})/.exec(all)?.[1] ?? 0);
            statuses.set(code, (statuses.get(code) ?? 0) + 1);
            if (
              all.includes(SECRET) || all.includes("root:x:0:0") ||
              all.includes('href="secret.txt"') ||
              all.includes('href="www/"')
            ) {
              leaks.push(`${target} → ${all.split("\r\n")[0]}`);
            }
          } finally {
            client.close();
          }
        }),
      );
    }
    assertEquals(leaks, [], `${leaks.length} of ${targets.length} targets leaked`);
    // Control: the same tricks that stay inside the directory do work (the test can see).
    assertEquals(bodyText(await request(s.port, `/x/..%2f..%2f${BASE}/%2e%2e/${BASE}/test`)), NI);
    assertEquals(bodyText(await request(s.port, `//x/../${BASE}/test`)), NI);
    // Only 404s, listings of the root (climbing stops there) and redirects to it, drops (0) and
    // a 400 for the target with a space.
    for (const code of statuses.keys()) {
      assert([0, 200, 301, 400, 404].includes(code), `status ${code}`);
    }
  });
});

/** Connects, sends a GET and reads the response, counting bytes instead of keeping them. */
async function countDownload(
  port: number,
  target: string,
  options: { stopAfter?: number; onChunk?: () => void } = {},
): Promise<{ total: number; head: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let total = 0;
  let head = "";
  try {
    await conn.write(latin1(`GET ${target} HTTP/1.0\r\n\r\n`));
    const buf = new Uint8Array(256 * 1024);
    // Bounded: at most one read per byte of a 1 GiB transfer would be absurd; the EOF ends it.
    for (let reads = 0; reads < 1_000_000; reads++) {
      const n = await conn.read(buf);
      if (n === null) break;
      if (head.length < 512) head += fromLatin1(buf.subarray(0, Math.min(n, 512)));
      total += n;
      options.onChunk?.();
      if (options.stopAfter !== undefined && total >= options.stopAfter) break;
    }
  } finally {
    conn.close();
  }
  return { total, head };
}

Deno.test("a client leaving mid-way through a 64 MiB file costs only its own connection", async () => {
  await withServed(async (s) => {
    const size = 64 * MiB;
    const file = await Deno.open(`${s.base}/big64.bin`, { create: true, write: true });
    await file.truncate(size);
    file.close();
    const headLength = async () =>
      (await request(s.port, `/${BASE}/big64.bin`, { method: "HEAD" })).raw.length;
    const responseLength = size + await headLength();
    // Three clients quit early while one downloads everything at the same time.
    const [full, ...quitters] = await Promise.all([
      countDownload(s.port, `/${BASE}/big64.bin`),
      countDownload(s.port, `/${BASE}/big64.bin`, { stopAfter: 1 * MiB }),
      countDownload(s.port, `/${BASE}/big64.bin`, { stopAfter: 8 * MiB }),
      countDownload(s.port, `/${BASE}/big64.bin`, { stopAfter: 1 }),
    ]);
    assertEquals(full.total, responseLength);
    assertStringIncludes(full.head, `Content-Length: ${size}\r\n`);
    for (const q of quitters) assert(q.total < responseLength);
    // The server carries on; the departures were not reported as errors.
    assertEquals(bodyText(await request(s.port, `/${BASE}/test`)), NI);
    assertEquals((await countDownload(s.port, `/${BASE}/big64.bin`)).total, responseLength);
    assertEquals(s.running.server.errors, []);
  });
});

/** Resident set size of a process, in KiB, from /proc. */
async function rssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  assert(match !== null, "no VmRSS line");
  return Number(match[1]);
}

Deno.test({
  name: "memory stays flat while a child server streams a 256 MiB file (fast and stalled readers)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "httpserver-rss-" }));
    const size = 256 * MiB;
    const file = await Deno.open(`${dir}/huge.bin`, { create: true, write: true });
    await file.truncate(size);
    file.close();
    await Deno.writeTextFile(`${dir}/small.txt`, "small");
    const root = new URL("../", import.meta.url).href;
    const code = `
      import { SimpleHTTPRequestHandler } from "${root}handlers/simple.ts";
      import { ThreadingHTTPServer } from "${root}server.ts";
      class Quiet extends SimpleHTTPRequestHandler { override log_message(): void {} }
      const server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet);
      server.directory = ${JSON.stringify(dir)};
      console.log(server.server_port);
      await server.serve_forever();
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", code],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
      env: { NO_COLOR: "1" },
    }).spawn();
    const samples: number[] = [];
    let sampler: ReturnType<typeof setInterval> | undefined;
    try {
      const port = Number((await readFirstLine(child.stdout, 20_000)).trim());
      assert(Number.isInteger(port) && port > 0, "child did not start");
      // Warm up: code paths, buffers, one large transfer.
      await countDownload(port, "/small.txt");
      await countDownload(port, "/huge.bin", { stopAfter: 32 * MiB });
      await new Promise((r) => setTimeout(r, 200));
      const baseline = await rssKiB(child.pid);
      sampler = setInterval(() => {
        rssKiB(child.pid).then((v) => samples.push(v), () => {});
      }, 20);
      // A reader that stalls for a second: the server must wait, not read the file ahead.
      const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await stalled.write(latin1("GET /huge.bin HTTP/1.0\r\n\r\n"));
        await new Promise((r) => setTimeout(r, 1000));
        const buf = new Uint8Array(256 * 1024);
        let total = 0;
        for (let reads = 0; reads < 1_000_000; reads++) {
          const n = await stalled.read(buf);
          if (n === null) break;
          total += n;
        }
        assert(total > size, `stalled reader got ${total} bytes`);
      } finally {
        stalled.close();
      }
      // Two fast readers at once.
      const both = await Promise.all([
        countDownload(port, "/huge.bin"),
        countDownload(port, "/huge.bin"),
      ]);
      for (const d of both) assert(d.total > size, `fast reader got ${d.total} bytes`);
      clearInterval(sampler);
      sampler = undefined;
      samples.push(await rssKiB(child.pid));
      const peak = Math.max(...samples);
      const growthMiB = (peak - baseline) / 1024;
      console.log(
        `RSS baseline ${(baseline / 1024).toFixed(1)} MiB, peak ${(peak / 1024).toFixed(1)} MiB, ` +
          `growth ${growthMiB.toFixed(1)} MiB over ${samples.length} samples (3 × 256 MiB served)`,
      );
      assert(samples.length >= 10, `only ${samples.length} samples`);
      assert(growthMiB < 64, `RSS grew by ${growthMiB.toFixed(1)} MiB`);
    } finally {
      if (sampler !== undefined) clearInterval(sampler);
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
