// Real clients against SimpleHTTPRequestHandler on the shared fixture tree: curl (plain,
// HTTP/1.0, HEAD, --compressed, a Range header answered with 206, redirects),
// `wget -r -np` mirroring the tree (every fetched file compared byte for byte with the source),
// and CPython 3.13's urllib.request.
import { assert, assertEquals, assertStringIncludes } from "../deps.ts";
import { findPython313, type RunningServer } from "./_helpers.ts";
import {
  BIG_FILE_SIZE,
  buildFixtureTree,
  MIME_EXTENSIONS,
  ODD_FILE_NAMES,
  type RecordingServer,
  startOurs,
  walkFiles,
} from "./_file_tree.ts";

const decoder = new TextDecoder();

function hasTool(name: string): boolean {
  try {
    return new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const HAS_CURL = hasTool("curl");
const HAS_WGET = hasTool("wget");

interface Fixture {
  base: string;
  root: string;
  running: RunningServer<RecordingServer>;
  url: string;
  work: string;
}

async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const { base, root } = await buildFixtureTree();
  const work = `${base}/work`;
  await Deno.mkdir(work);
  const running = startOurs(root);
  try {
    await fn({ base, root, running, url: running.base, work });
    assertEquals(running.server.errors, []);
  } finally {
    await running.stop();
    await Deno.remove(base, { recursive: true });
  }
}

/** Runs a command to completion (killed after `timeoutMs`) and returns its output. */
async function run(
  cmd: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
  }, timeoutMs);
  try {
    const out = await child.output();
    return { code: out.code, stdout: out.stdout, stderr: decoder.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

interface CurlResult {
  code: number;
  /** Header lines of the last response, as curl dumped them. */
  head: string;
  body: Uint8Array;
  stderr: string;
}

async function curl(f: Fixture, args: string[], url: string): Promise<CurlResult> {
  const headFile = `${f.work}/curl-head`;
  const bodyFile = `${f.work}/curl-body`;
  await Deno.remove(bodyFile).catch(() => {});
  const out = await run("curl", ["-sS", "-D", headFile, "-o", bodyFile, ...args, url]);
  const head = await Deno.readTextFile(headFile).catch(() => "");
  const body = await Deno.readFile(bodyFile).catch(() => new Uint8Array(0));
  return { code: out.code, head, body, stderr: out.stderr };
}

function headerOf(head: string, name: string): string | undefined {
  const match = new RegExp(`^${name}: (.*)\\r$`, "mi").exec(head);
  return match?.[1];
}

Deno.test({
  name: "curl fetches files byte for byte, plain and with --http1.0",
  ignore: !HAS_CURL,
  async fn() {
    await withFixture(async (f) => {
      for (const extra of [[], ["--http1.0"], ["--http1.1"]]) {
        const r = await curl(f, extra, `${f.url}/big.bin`);
        assertEquals(r.code, 0, r.stderr);
        assert(r.head.startsWith("HTTP/1.0 200 OK\r\n"), r.head);
        assertEquals(headerOf(r.head, "Content-Length"), String(BIG_FILE_SIZE));
        assertEquals(headerOf(r.head, "Content-type"), "application/octet-stream");
        assertEquals(r.body, await Deno.readFile(`${f.root}/big.bin`));
      }
      for (const name of ODD_FILE_NAMES) {
        const r = await curl(f, [], `${f.url}/${encodeURIComponent(name)}`);
        assertEquals(r.code, 0, `${name}: ${r.stderr}`);
        assertEquals(r.body, await Deno.readFile(`${f.root}/${name}`), name);
      }
    });
  },
});

Deno.test({
  name: "curl -I gets the headers of GET and no body",
  ignore: !HAS_CURL,
  async fn() {
    await withFixture(async (f) => {
      const r = await curl(f, ["-I"], `${f.url}/a.txt`);
      assertEquals(r.code, 0, r.stderr);
      assert(r.head.startsWith("HTTP/1.0 200 OK\r\n"));
      assertEquals(headerOf(r.head, "Content-Length"), "6");
      assertEquals(headerOf(r.head, "Content-type"), "text/plain");
      assert(headerOf(r.head, "Last-Modified") !== undefined);
      // With -I curl writes the headers as the output: nothing follows them.
      assertEquals(decoder.decode(r.body), r.head);
      const dir = await curl(f, ["-I"], `${f.url}/sub/`);
      assertEquals(headerOf(dir.head, "Content-type"), "text/html; charset=utf-8");
      assertEquals(headerOf(dir.head, "Last-Modified"), undefined);
    });
  },
});

Deno.test({
  name:
    "no content coding: --compressed still gets identity bodies, .gz files are sent as they are",
  ignore: !HAS_CURL,
  async fn() {
    await withFixture(async (f) => {
      for (const extra of [[], ["--compressed"]]) {
        const text = await curl(f, extra, `${f.url}/a.txt`);
        assertEquals(decoder.decode(text.body), "hello\n");
        assertEquals(headerOf(text.head, "Content-Encoding"), undefined);
        const gz = await curl(f, extra, `${f.url}/mime/f.tar.gz`);
        assertEquals(headerOf(gz.head, "Content-type"), "application/gzip");
        assertEquals(headerOf(gz.head, "Content-Encoding"), undefined);
        assertEquals(gz.body, await Deno.readFile(`${f.root}/mime/f.tar.gz`));
      }
    });
  },
});

Deno.test({
  name: "curl -r: the span comes back as 206 (issue #13; CPython ignores Range)",
  ignore: !HAS_CURL,
  async fn() {
    await withFixture(async (f) => {
      const r = await curl(f, ["-r", "0-4"], `${f.url}/big.bin`);
      assertEquals(r.code, 0, r.stderr);
      assert(r.head.startsWith("HTTP/1.0 206 Partial Content\r\n"), r.head);
      assertEquals(headerOf(r.head, "Content-Range"), `bytes 0-4/${BIG_FILE_SIZE}`);
      assertEquals(headerOf(r.head, "Accept-Ranges"), undefined, "no Accept-Ranges without --etag");
      assertEquals(r.body.length, 5);
    });
  },
});

Deno.test({
  name: "curl -L follows the directory redirect to the listing; 404 and 501 reach curl",
  ignore: !HAS_CURL,
  async fn() {
    await withFixture(async (f) => {
      const r = await curl(f, ["-L"], `${f.url}/sp%20ace%20dir?x=1`);
      assertEquals(r.code, 0, r.stderr);
      assertStringIncludes(r.head, "HTTP/1.0 301 Moved Permanently\r\n");
      assertStringIncludes(r.head, "Location: /sp%20ace%20dir/?x=1\r\n");
      const page = decoder.decode(r.body);
      assertStringIncludes(page, "<title>Directory listing for /sp ace dir/?x=1</title>");
      assertStringIncludes(page, `<li><a href="in%20side.txt">in side.txt</a></li>`);
      const missing = await curl(f, ["-w", "%{http_code}"], `${f.url}/nope`);
      assertStringIncludes(missing.head, "HTTP/1.0 404 File not found\r\n");
      const post = await curl(f, ["-X", "POST", "-d", "x=1"], `${f.url}/a.txt`);
      assertStringIncludes(post.head, "HTTP/1.0 501 Unsupported method ('POST')\r\n");
    });
  },
});

/** Decodes a URL path the way the server maps it to a file (UTF-8 percent-decoding). */
function urlToRelative(url: string, base: string): string {
  return decodeURIComponent(url.slice(base.length + 1));
}

Deno.test({
  name: "wget -r -np mirrors the fixture tree; every mirrored file equals its source byte for byte",
  ignore: !HAS_WGET,
  async fn() {
    await withFixture(async (f) => {
      const mirror = `${f.work}/mirror`;
      // HTTP/1.0 answers without `Connection: close` make wget try to reuse the connection,
      // racing the server's FIN (CPython's server too): keep-alive off keeps the run short.
      const out = await run("wget", [
        "-r",
        "-np",
        "-nH",
        "-nv",
        "-l",
        "8",
        "--no-http-keep-alive",
        "-e",
        "robots=off",
        "-P",
        mirror,
        `${f.url}/`,
      ], 60_000);
      // Exit status 8: a server error response (the broken symlink's 404), which is expected.
      assertEquals(out.code, 8, out.stderr);
      const saved = new Map<string, string>();
      for (const line of out.stderr.split("\n")) {
        const m = /URL:(\S+) \[\d+(?:\/\d+)?\] -> "(.*)" \[\d+\]$/.exec(line);
        if (m !== null) saved.set(m[1], m[2]);
      }
      assert(saved.size >= 100, `only ${saved.size} files saved:\n${out.stderr}`);
      let listings = 0;
      let files = 0;
      const clobbered: string[] = [];
      for (const [url, path] of saved) {
        const relative = urlToRelative(url, f.url);
        if ((await Deno.stat(path)).isDirectory) {
          // wget saved the listing of spam/ as spam/index.html, then needed that name for the
          // directory spam/index.html/: a limit of the mirror's layout, not of the server.
          clobbered.push(relative);
          continue;
        }
        const mirrored = await Deno.readFile(path);
        if (relative === "" || relative.endsWith("/")) {
          const source = `${f.root}/${relative}`;
          const index = ["index.html", "index.htm"].find((name) => {
            try {
              return Deno.statSync(source + name).isFile;
            } catch {
              return false;
            }
          });
          if (index !== undefined) {
            assertEquals(mirrored, await Deno.readFile(source + index), url);
          } else {
            assertStringIncludes(decoder.decode(mirrored), "<title>Directory listing for ", url);
            listings++;
          }
        } else {
          assertEquals(mirrored, await Deno.readFile(`${f.root}/${relative}`), url);
          files++;
        }
      }
      assertEquals(clobbered, ["spam/"]);
      // Every regular file reachable through the listings was fetched (index pages hide the
      // rest of their directory; the broken symlink is a 404).
      const fetched = new Set([...saved.keys()].map((url) => urlToRelative(url, f.url)));
      for await (const path of walkFiles(f.root)) {
        const relative = path.slice(f.root.length + 1);
        if (relative.startsWith("withindex")) continue;
        assert(fetched.has(relative), `not mirrored: ${relative}`);
      }
      for (const ext of MIME_EXTENSIONS) assert(fetched.has(`mime/f${ext}`), `mime/f${ext}`);
      assert(fetched.has("linkdir/x.txt") && fetched.has("outside-link.txt"));
      assert(listings >= 10 && files >= 90, `${listings} listings, ${files} files`);
    });
  },
});

const URLLIB_SCRIPT = `
import base64, json, sys, urllib.error, urllib.request
out = []
for path in sys.argv[2:]:
    try:
        with urllib.request.urlopen(sys.argv[1] + path, timeout=20) as r:
            out.append({"status": r.status, "reason": r.reason, "url": r.geturl(),
                        "headers": r.getheaders(), "body": base64.b64encode(r.read()).decode()})
    except urllib.error.HTTPError as e:
        out.append({"status": e.code, "reason": e.reason, "url": e.url,
                    "headers": list(e.headers.items()), "body": base64.b64encode(e.read()).decode()})
print(json.dumps(out))
`;

interface UrllibResult {
  status: number;
  reason: string;
  url: string;
  headers: [string, string][];
  body: string;
}

function fromBase64(value: string): Uint8Array {
  return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
}

Deno.test({
  name: "CPython 3.13 urllib.request fetches a file, a listing (after the redirect) and a 404",
  ignore: findPython313() === null,
  async fn() {
    await withFixture(async (f) => {
      const python = findPython313() as string;
      const out = await run(python, [
        "-c",
        URLLIB_SCRIPT,
        f.url,
        "/big.bin",
        "/caf%C3%A9.txt",
        "/sub",
        "/",
        "/nope",
      ]);
      assertEquals(out.code, 0, out.stderr);
      const [big, cafe, sub, top, nope] = JSON.parse(decoder.decode(out.stdout)) as UrllibResult[];
      assertEquals(big.status, 200);
      assertEquals(fromBase64(big.body), await Deno.readFile(`${f.root}/big.bin`));
      assertEquals(
        decoder.decode(fromBase64(cafe.body)),
        await Deno.readTextFile(`${f.root}/café.txt`),
      );
      assertEquals(sub.status, 200);
      assertEquals(sub.url, `${f.url}/sub/`);
      const listing = decoder.decode(fromBase64(sub.body));
      assertStringIncludes(listing, `<li><a href="deeper/">deeper/</a></li>`);
      assertStringIncludes(listing, `<li><a href="x.txt">x.txt</a></li>`);
      assert(
        sub.headers.some(([n, v]) => n === "Content-type" && v === "text/html; charset=utf-8"),
      );
      const topPage = decoder.decode(fromBase64(top.body));
      assertStringIncludes(topPage, `<li><a href="b%26%3Ci%3E.txt">b&amp;&lt;i&gt;.txt</a></li>`);
      assertStringIncludes(topPage, `<li><a href="linkdir/">linkdir@</a></li>`);
      assertStringIncludes(topPage, `<li><a href="broken">broken@</a></li>`);
      assertEquals([nope.status, nope.reason], [404, "File not found"]);
    });
  },
});
