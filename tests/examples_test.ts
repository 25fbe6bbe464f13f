// The ported http.server examples (examples/*.ts), driven over real loopback sockets by curl
// (as the tutorials do) and by CPython 3.13's http.client, and started as scripts.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { HTTPServer } from "../server.ts";
import { ConcurrentHandler } from "../examples/concurrent_handler.ts";
import { ErrorHandler } from "../examples/error_handler.ts";
import { GetHandler, splitTarget } from "../examples/get_handler.ts";
import { LastModifiedHandler } from "../examples/last_modified.ts";
import { PostHandler } from "../examples/post_form_handler.ts";
import { findPython313, startServer } from "./_helpers.ts";
import { readFirstLine } from "./_wire.ts";

const decoder = new TextDecoder();
const python = findPython313();
const noPython = python === null;
if (noPython) console.warn("CPython 3.13 not found (pyenv): the http.client tests are skipped");

/** Log lines of the handlers under test, instead of stderr. */
const logLines: string[] = [];
function quiet<T extends RequestHandlerClass>(Handler: T): RequestHandlerClass {
  const Base = Handler as unknown as RequestHandlerClass;
  return class extends Base {
    override log_writer = (line: string) => {
      logLines.push(line);
    };
  };
}

interface CurlResult {
  status: string;
  headers: Map<string, string>;
  body: string;
}

/** Runs curl with `-i` and splits its output into status line, headers and body. */
async function curl(...args: string[]): Promise<CurlResult> {
  const out = await new Deno.Command("curl", {
    args: ["-s", "-i", "--max-time", "10", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, `curl ${args.join(" ")} failed: ${decoder.decode(out.stderr)}`);
  const raw = decoder.decode(out.stdout);
  const split = raw.indexOf("\r\n\r\n");
  assert(split > 0, `no header block in ${JSON.stringify(raw)}`);
  const [status, ...lines] = raw.slice(0, split).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status, headers, body: raw.slice(split + 4) };
}

interface PyResponse {
  version: number;
  status: number;
  reason: string;
  headers: [string, string][];
  body: string;
  started: number;
  finished: number;
}

/** CPython's http.client: one request, or several at once from threads. */
const CLIENT_SCRIPT = `
import http.client, json, sys, threading, time, uuid
spec = json.loads(sys.argv[1])

def one():
    conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=10)
    headers = dict(spec.get("headers", {}))
    body = None
    if "fields" in spec or "files" in spec:
        boundary = "pyboundary" + uuid.uuid4().hex
        parts = []
        for name, value in spec.get("fields", []):
            parts.append(('--%s\\r\\nContent-Disposition: form-data; name="%s"\\r\\n\\r\\n%s\\r\\n'
                          % (boundary, name, value)).encode("utf-8"))
        for name, filename, content in spec.get("files", []):
            parts.append(('--%s\\r\\nContent-Disposition: form-data; name="%s"; filename="%s"\\r\\n'
                          'Content-Type: application/octet-stream\\r\\n\\r\\n'
                          % (boundary, name, filename)).encode("utf-8")
                         + content.encode("utf-8") + b"\\r\\n")
        body = b"".join(parts) + ("--%s--\\r\\n" % boundary).encode("ascii")
        headers["Content-Type"] = "multipart/form-data; boundary=" + boundary
    started = time.monotonic()
    conn.request(spec.get("method", "GET"), spec["path"], body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    finished = time.monotonic()
    conn.close()
    return {"version": r.version, "status": r.status, "reason": r.reason,
            "headers": r.getheaders(), "body": data.decode("utf-8"),
            "started": started, "finished": finished}

results = [None] * spec.get("parallel", 1)
def run(i):
    results[i] = one()
threads = [threading.Thread(target=run, args=(i,)) for i in range(len(results))]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
`;

async function httpClient(spec: Record<string, unknown>): Promise<PyResponse[]> {
  const out = await new Deno.Command(python as string, {
    args: ["-c", CLIENT_SCRIPT, JSON.stringify(spec)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, `http.client failed: ${decoder.decode(out.stderr)}`);
  return JSON.parse(decoder.decode(out.stdout));
}

function pyHeader(response: PyResponse, name: string): string | undefined {
  return response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** The GET handler's body with the client's port replaced by `PORT`. */
function getHandlerBody(body: string, clientPort: RegExp = /\('127\.0\.0\.1', \d+\)/): string {
  return body.replace(clientPort, "('127.0.0.1', PORT)");
}

// --- get_handler.ts ---------------------------------------------------------------------

Deno.test("splitTarget() splits like urllib.parse.urlparse", () => {
  assertEquals(splitTarget("/a/b?x=1&y=2#f"), ["/a/b", "x=1&y=2"]);
  assertEquals(splitTarget("/a#f?x"), ["/a", ""]);
  assertEquals(splitTarget("http://host:8/p?q"), ["/p", "q"]);
  assertEquals(splitTarget("/"), ["/", ""]);
});

Deno.test("get_handler echoes client values, server values and headers to curl", async () => {
  const running = startServer(quiet(GetHandler));
  try {
    const r = await curl(`${running.base}/a/b?x=1&y=2#frag`, "-H", "X-Test: hello");
    assertEquals(r.status, "HTTP/1.0 200 OK");
    assertEquals(r.headers.get("content-type"), "text/plain; charset=utf-8");
    assertEquals(r.headers.get("content-length"), undefined);
    const ua = r.body.match(/User-Agent=(curl\/[^\r]+)/)?.[1];
    assert(ua !== undefined, r.body);
    assertEquals(
      getHandlerBody(r.body),
      [
        "CLIENT VALUES:",
        "client_address=('127.0.0.1', PORT) (127.0.0.1)",
        "command=GET",
        "path=/a/b?x=1&y=2",
        "real path=/a/b",
        "query=x=1&y=2",
        "request_version=HTTP/1.1",
        "",
        "SERVER VALUES:",
        "server_version=BaseHTTP/0.6",
        `sys_version=Deno/${Deno.version.deno}`,
        "protocol_version=HTTP/1.0",
        "",
        "HEADERS RECEIVED:",
        "Accept=*/*",
        `Host=127.0.0.1:${running.port}`,
        `User-Agent=${ua}`,
        "X-Test=hello",
        "",
      ].join("\r\n"),
    );
  } finally {
    await running.stop();
  }
});

Deno.test({
  name: "get_handler answers CPython's http.client, collapsing a leading //",
  ignore: noPython,
  async fn() {
    const running = startServer(quiet(GetHandler));
    try {
      const [r] = await httpClient({
        port: running.port,
        path: "//x//y?q=%20a#top",
        headers: { "X-Zeta": "z", "X-Alpha": "a" },
      });
      assertEquals([r.version, r.status, r.reason], [10, 200, "OK"]);
      assertEquals(pyHeader(r, "Content-Type"), "text/plain; charset=utf-8");
      const lines = r.body.split("\r\n");
      assertEquals(lines.slice(2, 7), [
        "command=GET",
        "path=/x//y?q=%20a#top",
        "real path=/x//y",
        "query=q=%20a",
        "request_version=HTTP/1.1",
      ]);
      const headerLines = lines.slice(lines.indexOf("HEADERS RECEIVED:") + 1, -1);
      assertEquals(headerLines, [
        "Accept-Encoding=identity",
        `Host=127.0.0.1:${running.port}`,
        "X-Alpha=a",
        "X-Zeta=z",
      ]);
    } finally {
      await running.stop();
    }
  },
});

// --- post_form_handler.ts ---------------------------------------------------------------

Deno.test("post_form_handler describes a curl -F upload and fields", async () => {
  const running = startServer(quiet(PostHandler));
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/x.txt`;
    const content = "hello upload\n".repeat(37);
    await Deno.writeTextFile(file, content);
    const r = await curl(
      "-F",
      `datafile=@${file}`,
      "-F",
      "name=x",
      "-F",
      "foo=bar baz",
      `${running.base}/upload?a=1`,
    );
    assertEquals(r.status, "HTTP/1.0 200 OK");
    assertEquals(r.headers.get("content-type"), "text/plain; charset=utf-8");
    const lines = r.body.split("\n");
    assertMatch(lines[0], /^Client: \('127\.0\.0\.1', \d+\)$/);
    assertMatch(lines[1], /^User-agent: curl\/\S+$/);
    assertEquals(lines.slice(2), [
      "Path: /upload?a=1",
      "Form data:",
      `\tUploaded datafile as 'x.txt' (${content.length} bytes)`,
      "\tname=x",
      "\tfoo=bar baz",
      "",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await running.stop();
  }
});

Deno.test("post_form_handler parses a URL-encoded body from curl -d", async () => {
  const running = startServer(quiet(PostHandler));
  try {
    const r = await curl("-d", "a=1&b=%C3%A9t%C3%A9&a=2", `${running.base}/`);
    assertEquals(r.status, "HTTP/1.0 200 OK");
    assertEquals(r.body.split("\n").slice(3), ["Form data:", "\ta=1", "\tb=été", "\ta=2", ""]);
  } finally {
    await running.stop();
  }
});

Deno.test("post_form_handler answers 400 when the form cannot be parsed", async () => {
  const running = startServer(quiet(PostHandler));
  try {
    const r = await curl(
      "-H",
      "Content-Type: multipart/form-data; boundary=nope",
      "--data-binary",
      "not multipart at all",
      `${running.base}/`,
    );
    assertMatch(r.status, /^HTTP\/1\.0 400 Cannot parse the form$/);
  } finally {
    await running.stop();
  }
});

Deno.test({
  name: "post_form_handler describes a multipart form from CPython's http.client",
  ignore: noPython,
  async fn() {
    const running = startServer(quiet(PostHandler));
    try {
      const [r] = await httpClient({
        port: running.port,
        method: "POST",
        path: "/form",
        fields: [["name", "dhellmann"], ["foo", "bar"]],
        files: [["datafile", "notes.txt", "é\n".repeat(10)]],
      });
      assertEquals([r.status, r.reason], [200, "OK"]);
      const lines = r.body.split("\n");
      assertMatch(lines[0], /^Client: \('127\.0\.0\.1', \d+\)$/);
      assertEquals(lines.slice(1), [
        // http.client sends no User-Agent, so Python's handler prints None too.
        "User-agent: None",
        "Path: /form",
        "Form data:",
        "\tname=dhellmann",
        "\tfoo=bar",
        "\tUploaded datafile as 'notes.txt' (30 bytes)",
        "",
      ]);
    } finally {
      await running.stop();
    }
  },
});

// --- concurrent_handler.ts --------------------------------------------------------------

/** Records when each do_GET ran, on the server side. */
function timedConcurrent(intervals: [number, number][]): RequestHandlerClass {
  return class extends (quiet(ConcurrentHandler) as unknown as typeof ConcurrentHandler) {
    override async do_GET(): Promise<void> {
      const start = performance.now();
      await super.do_GET();
      intervals.push([start, performance.now()]);
    }
  };
}

function overlaps(intervals: [number, number][]): boolean {
  const [[s1, e1], [s2, e2]] = intervals;
  return Math.max(s1, s2) < Math.min(e1, e2);
}

Deno.test("concurrent_handler: two slow curl requests overlap on a ThreadingHTTPServer", async () => {
  const intervals: [number, number][] = [];
  const running = startServer(timedConcurrent(intervals));
  try {
    const started = performance.now();
    const [a, b] = await Promise.all([
      curl(`${running.base}/?delay=600`),
      curl(`${running.base}/?delay=600`),
    ]);
    const elapsed = performance.now() - started;
    for (const r of [a, b]) {
      assertEquals(r.status, "HTTP/1.0 200 OK");
      assertMatch(r.body, /^Task-\d+\n$/);
    }
    assert(a.body !== b.body, `both answered by ${a.body}`);
    assertEquals(intervals.length, 2);
    assert(overlaps(intervals), `handlers ran one after the other: ${JSON.stringify(intervals)}`);
    // One after the other they would need at least 1200 ms.
    assert(elapsed < 1190, `two 600 ms requests took ${elapsed.toFixed(0)} ms`);
  } finally {
    await running.stop();
  }
});

Deno.test("concurrent_handler: the same requests do not overlap on HTTPServer", async () => {
  const intervals: [number, number][] = [];
  const running = startServer(timedConcurrent(intervals), HTTPServer);
  try {
    await Promise.all([curl(`${running.base}/?delay=150`), curl(`${running.base}/?delay=150`)]);
    assertEquals(intervals.length, 2);
    assert(!overlaps(intervals), `HTTPServer ran two at once: ${JSON.stringify(intervals)}`);
  } finally {
    await running.stop();
  }
});

Deno.test({
  name: "concurrent_handler: two slow http.client requests from two threads overlap",
  ignore: noPython,
  async fn() {
    const intervals: [number, number][] = [];
    const running = startServer(timedConcurrent(intervals));
    try {
      const results = await httpClient({ port: running.port, path: "/?delay=400", parallel: 2 });
      assertEquals(results.map((r) => r.status), [200, 200]);
      const names = results.map((r) => r.body);
      for (const name of names) assertMatch(name, /^Task-\d+\n$/);
      assert(names[0] !== names[1], `both answered by ${names[0]}`);
      // Client-side: each took the delay, and they were in flight at the same time.
      const clientIntervals = results.map((r): [number, number] => [r.started, r.finished]);
      assert(overlaps(clientIntervals), JSON.stringify(clientIntervals));
      assert(overlaps(intervals), `handlers ran one after the other: ${JSON.stringify(intervals)}`);
    } finally {
      await running.stop();
    }
  },
});

// --- error_handler.ts -------------------------------------------------------------------

function assertErrorPage404(body: string): void {
  assertStringIncludes(body, "<p>Error code: 404</p>");
  assertStringIncludes(body, "<p>Message: Not Found.</p>");
  assertStringIncludes(body, "<p>Error code explanation: 404 - Nothing matches the given URI.</p>");
  assert(body.startsWith("<!DOCTYPE HTML>\n") && body.endsWith("</html>\n"), body);
}

Deno.test("error_handler answers curl with the 404 error page", async () => {
  const running = startServer(quiet(ErrorHandler));
  try {
    const r = await curl(`${running.base}/anything`);
    assertEquals(r.status, "HTTP/1.0 404 Not Found");
    assertEquals(r.headers.get("connection"), "close");
    assertEquals(r.headers.get("content-type"), "text/html;charset=utf-8");
    assertEquals(Number(r.headers.get("content-length")), new TextEncoder().encode(r.body).length);
    assertErrorPage404(r.body);
    const head = await curl("-I", `${running.base}/`);
    assertEquals(head.status, "HTTP/1.0 501 Unsupported method ('HEAD')");
  } finally {
    await running.stop();
  }
});

Deno.test({
  name: "error_handler answers CPython's http.client with 404",
  ignore: noPython,
  async fn() {
    const running = startServer(quiet(ErrorHandler));
    try {
      const [r] = await httpClient({ port: running.port, path: "/x" });
      assertEquals([r.version, r.status, r.reason], [10, 404, "Not Found"]);
      assertEquals(pyHeader(r, "Content-Length"), String(r.body.length));
      assertErrorPage404(r.body);
    } finally {
      await running.stop();
    }
  },
});

// --- last_modified.ts -------------------------------------------------------------------

const lastModifiedFile = new URL("../examples/last_modified.ts", import.meta.url).pathname;

function expectedLastModified(): string {
  const mtime = Deno.statSync(lastModifiedFile).mtime;
  assert(mtime !== null);
  // Date#toUTCString has exactly email.utils.formatdate(usegmt=True)'s format.
  return new Date(Math.floor(mtime.getTime() / 1000) * 1000).toUTCString();
}

Deno.test("last_modified sends the file's mtime to curl and ignores If-Modified-Since", async () => {
  const running = startServer(quiet(LastModifiedHandler));
  try {
    const r = await curl(`${running.base}/`);
    assertEquals(r.status, "HTTP/1.0 200 OK");
    assertEquals(r.headers.get("last-modified"), expectedLastModified());
    assertEquals(r.body, "Response body\n");
    const again = await curl("-H", `If-Modified-Since: ${expectedLastModified()}`, running.base);
    assertEquals(again.status, "HTTP/1.0 200 OK");
    assertEquals(again.body, "Response body\n");
  } finally {
    await running.stop();
  }
});

Deno.test({
  name: "last_modified sends the file's mtime to CPython's http.client, ignoring If-Modified-Since",
  ignore: noPython,
  async fn() {
    const running = startServer(quiet(LastModifiedHandler));
    try {
      const [r] = await httpClient({
        port: running.port,
        path: "/",
        headers: { "If-Modified-Since": "Sun, 06 Nov 2050 08:49:37 GMT" },
      });
      assertEquals([r.status, r.body], [200, "Response body\n"]);
      assertEquals(pyHeader(r, "Last-Modified"), expectedLastModified());
    } finally {
      await running.stop();
    }
  },
});

// --- every example as a script ----------------------------------------------------------

const SCRIPTS: [file: string, path: string, check: (status: string, body: string) => void][] = [
  ["get_handler.ts", "/?x=1", (s, b) => {
    assertEquals(s, "HTTP/1.0 200 OK");
    assertStringIncludes(b, "query=x=1");
  }],
  ["post_form_handler.ts", "/", (s) => assertEquals(s, "HTTP/1.0 501 Unsupported method ('GET')")],
  ["concurrent_handler.ts", "/?delay=0", (s, b) => {
    assertEquals(s, "HTTP/1.0 200 OK");
    assertEquals(b, "Task-1\n");
  }],
  ["error_handler.ts", "/", (s) => assertEquals(s, "HTTP/1.0 404 Not Found")],
  ["last_modified.ts", "/", (s, b) => {
    assertEquals(s, "HTTP/1.0 200 OK");
    assertEquals(b, "Response body\n");
  }],
];

for (const [file, path, check] of SCRIPTS) {
  Deno.test(`examples/${file} runs with --allow-net only and serves on the port given`, async () => {
    const script = new URL(`../examples/${file}`, import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--no-prompt", script, "0"],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const stderrText = new Response(child.stderr).text();
    try {
      const banner = await readFirstLine(child.stdout, 20_000);
      const port = banner.match(/^Serving on http:\/\/127\.0\.0\.1:(\d+)\/ /)?.[1];
      assert(port !== undefined, `no banner: ${JSON.stringify(banner)}`);
      const r = await curl(`http://127.0.0.1:${port}${path}`);
      check(r.status, r.body);
    } finally {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
    }
    // The request was logged to stderr, Python's log format.
    assertMatch(await stderrText, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/\S* HTTP\/1\.1" \d{3} -$/m);
  });
}

Deno.test("the handlers under test logged each request through log_writer", () => {
  assert(logLines.length > 0);
  for (const line of logLines) assertMatch(line, /^127\.0\.0\.1 - - \[[^\]]+\] .*\n$/);
});
