// Serving a web app (#14): -H/response_headers (CPython 3.15), CORS, Cache-Control, the SPA
// fallback, error pages and precompressed siblings, through real clients (curl and Python's
// http.client) against an in-process server, plus the pure parsers they rest on. With none of
// the options on, the parity tests keep CPython's bytes.
import { assert, assertEquals, assertMatch, assertThrows } from "../deps.ts";

function assertFalse(condition: boolean, message?: string): void {
  assert(!condition, message);
}
import { HeaderFieldError } from "../errors.ts";
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { choosePrecompressed, responseHeaderPairs } from "../handlers/files/web_app.ts";
import { findPython313, startServer } from "./_helpers.ts";
import { Child } from "./_cli_process.ts";

Deno.test("response_headers: a mapping or pairs; a bad field is a HeaderFieldError", () => {
  assertEquals(responseHeaderPairs({ A: "1" }), [["A", "1"]]);
  assertEquals(responseHeaderPairs([["A", "1"], ["A", "2"]]), [["A", "1"], ["A", "2"]]);
  assertEquals(responseHeaderPairs(new Map([["B", "x"]])), [["B", "x"]]);
  assertThrows(() => responseHeaderPairs({ "Bad Name": "x" }), HeaderFieldError);
  assertThrows(() => responseHeaderPairs([["X", "a\r\nSet-Cookie: y"]]), HeaderFieldError);
  assertThrows(() => responseHeaderPairs([["X", "a\0"]]), HeaderFieldError);
});

/** A served tree: an app, a precompressed bundle, a truncated .gz, error and entry pages. */
async function makeSite(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-webapp-" });
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>app</title>");
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeTextFile(`${dir}/404.html`, "<p>custom not found</p>");
  const js = "console.log('hello');\n".repeat(2000);
  await Deno.writeTextFile(`${dir}/app.js`, js);
  const gz = new Uint8Array(
    await new Response(
      new Blob([js]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  await Deno.writeFile(`${dir}/app.js.gz`, gz);
  await Deno.writeTextFile(`${dir}/t.js`, "x");
  await Deno.writeFile(`${dir}/t.js.gz`, gz.subarray(0, 10));
  return dir;
}

/** `curl -si` output (head and body) for `url` with extra arguments. */
async function curl(url: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: ["-si", "--max-time", "10", ...args, url],
    stdout: "piped",
  }).output();
  return new TextDecoder("latin1").decode(out.stdout);
}

/** The head of a `curl -si` answer, lines without CR. */
function head(response: string): string[] {
  return response.split("\r\n\r\n")[0].split("\r\n");
}

function handlerWith(settings: Partial<SimpleHTTPRequestHandler>): RequestHandlerClass {
  return class extends SimpleHTTPRequestHandler {
    constructor(...args: ConstructorParameters<typeof SimpleHTTPRequestHandler>) {
      super(...args);
      Object.assign(this, settings);
    }
    override log_message(): void {}
  } as unknown as RequestHandlerClass;
}

Deno.test("web app over curl: headers, CORS, Cache-Control, SPA, error page, siblings", async () => {
  const dir = await makeSite();
  const running = startServer(handlerWith({
    cors: true,
    cache_control: "no-store",
    spa: "index.html",
    error_pages: { 404: "404.html" },
    compress: true,
  }));
  running.server.directory = dir;
  running.server.response_headers = [
    ["Cross-Origin-Opener-Policy", "same-origin"],
    ["Cross-Origin-Embedder-Policy", "require-corp"],
  ];
  const base = running.base;
  try {
    // A 200 file answer: CPython's headers, then -H's, then ours.
    const file = head(await curl(`${base}/index.html`));
    assertEquals(file[0], "HTTP/1.0 200 OK");
    assertEquals(file.slice(3), [
      "Content-type: text/html",
      "Content-Length: 33",
      file[5],
      "Cross-Origin-Opener-Policy: same-origin",
      "Cross-Origin-Embedder-Policy: require-corp",
      "Cache-Control: no-store",
      "Vary: Accept-Encoding",
      "Access-Control-Allow-Origin: *",
    ]);
    // A listing gets -H's headers; a 301 gets only CORS.
    const listing = head(await curl(`${base}/sub/`));
    assert(listing.includes("Cross-Origin-Opener-Policy: same-origin"));
    assertFalse(listing.some((l) => l.startsWith("Cache-Control")));
    const redirect = head(await curl(`${base}/sub`));
    assertEquals(redirect[0], "HTTP/1.0 301 Moved Permanently");
    assertFalse(redirect.some((l) => l.startsWith("Cross-Origin")));
    assert(redirect.includes("Access-Control-Allow-Origin: *"));
    // 304: Cache-Control and Vary, not -H's headers.
    const later = new Date(Date.now() + 3600_000).toUTCString();
    const notModified = head(await curl(`${base}/index.html`, "-H", `If-Modified-Since: ${later}`));
    assertEquals(notModified[0], "HTTP/1.0 304 Not Modified");
    assert(notModified.includes("Cache-Control: no-store"));
    assertFalse(notModified.some((l) => l.startsWith("Cross-Origin")));
    // Preflight.
    const preflight = head(
      await curl(
        `${base}/app.js`,
        "-X",
        "OPTIONS",
        "-H",
        "Origin: http://other.test:1",
        "-H",
        "Access-Control-Request-Method: GET",
        "-H",
        "Access-Control-Request-Headers: x-token, content-type",
      ),
    );
    assertEquals(preflight[0], "HTTP/1.0 204 No Content");
    assertEquals(preflight.slice(3), [
      "Access-Control-Allow-Methods: GET, HEAD, OPTIONS",
      "Access-Control-Allow-Headers: x-token, content-type",
      "Access-Control-Max-Age: 7200",
      "Access-Control-Allow-Origin: *",
    ]);
    assertFalse(preflight.some((l) => /credentials/i.test(l)));
    // A malformed Origin or request-header list breaks nothing.
    const odd = head(
      await curl(
        `${base}/x`,
        "-X",
        "OPTIONS",
        "-H",
        "Origin: \x7f\xff%%",
        "-H",
        "Access-Control-Request-Method: GET",
        "-H",
        "Access-Control-Request-Headers: a b, (c)",
      ),
    );
    assertEquals(odd[0], "HTTP/1.0 204 No Content");
    assertFalse(odd.some((l) => l.startsWith("Access-Control-Allow-Headers")));
    // SPA: a client-side route from a browser; a missing asset stays 404 (custom page).
    const route = await curl(`${base}/users/42?tab=1`, "-H", "Accept: text/html");
    assertEquals(head(route)[0], "HTTP/1.0 200 OK");
    assert(route.endsWith("<!doctype html><title>app</title>"));
    const asset = await curl(`${base}/missing.js`, "-H", "Accept: text/html");
    assertEquals(head(asset)[0], "HTTP/1.0 404 File not found");
    assert(asset.endsWith("<p>custom not found</p>"));
    assert(head(asset).includes("Access-Control-Allow-Origin: *"));
    assertEquals(head(await curl(`${base}/users/42`))[0], "HTTP/1.0 404 File not found");
    // Precompressed sibling: curl --compressed decodes it to the original.
    const js = await Deno.readTextFile(`${dir}/app.js`);
    const decoded = await curl(`${base}/app.js`, "--compressed");
    assert(head(decoded).includes("Content-Encoding: gzip"));
    assert(head(decoded).includes("Content-type: text/javascript"));
    assert(decoded.endsWith(js));
    const refused = head(await curl(`${base}/app.js`, "-H", "Accept-Encoding: gzip;q=0"));
    assertFalse(refused.some((l) => l.startsWith("Content-Encoding")));
    assert(refused.includes("Vary: Accept-Encoding"));
    assert(refused.includes(`Content-Length: ${js.length}`));
    // Range: answered on the identity representation.
    const ranged = head(
      await curl(`${base}/app.js`, "-H", "Accept-Encoding: gzip", "-H", "Range: bytes=0-3"),
    );
    assertFalse(ranged.some((l) => l.startsWith("Content-Encoding")));
    // HEAD agrees with GET.
    const gzHead = head(await curl(`${base}/app.js`, "-I", "-H", "Accept-Encoding: gzip"));
    const gzGet = head(await curl(`${base}/app.js`, "-H", "Accept-Encoding: gzip"));
    assertEquals(
      gzHead.filter((l) => !l.startsWith("Date")),
      gzGet.filter((l) => !l.startsWith("Date")),
    );
    // A truncated .gz sibling is sent as it is.
    const truncated = await curl(`${base}/t.js`, "-H", "Accept-Encoding: gzip");
    assert(head(truncated).includes("Content-Length: 10"));
    assert(head(truncated).includes("Content-Encoding: gzip"));
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("web app: without the options, OPTIONS is Python's 501 and no header is added", async () => {
  const dir = await makeSite();
  const running = startServer(handlerWith({}));
  running.server.directory = dir;
  try {
    const options = await curl(`${running.base}/`, "-X", "OPTIONS");
    assertMatch(options, /^HTTP\/1\.0 501 Unsupported method \('OPTIONS'\)\r\n/);
    const file = head(await curl(`${running.base}/app.js`, "-H", "Accept-Encoding: gzip"));
    assertEquals(file.length, 6);
    assertFalse(file.some((l) => /^(Vary|Content-Encoding|Access-Control)/.test(l)));
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("web app: Python's http.client sees -H headers and the preflight", async () => {
  const python = findPython313();
  if (python === null) return;
  const dir = await makeSite();
  const running = startServer(handlerWith({ cors: true, response_headers: { "X-From": "py" } }));
  running.server.directory = dir;
  try {
    const script = `
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", ${running.port})
c.request("GET", "/index.html")
r = c.getresponse(); r.read()
print(r.status, r.getheader("X-From"), r.getheader("Access-Control-Allow-Origin"))
c = http.client.HTTPConnection("127.0.0.1", ${running.port})
c.request("OPTIONS", "/", headers={"Origin": "http://a.test", "Access-Control-Request-Method": "PUT"})
r = c.getresponse(); r.read()
print(r.status, r.getheader("Access-Control-Allow-Methods"))
`;
    const out = await new Deno.Command(python, { args: ["-c", script], stdout: "piped" }).output();
    assertEquals(new TextDecoder().decode(out.stdout), "200 py *\n204 GET, HEAD, OPTIONS\n");
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("web app: precompressed choice from stat alone", () => {
  const files = new Set(["/a.js.br", "/a.js.gz"]);
  const stat = (p: string) => files.has(p) ? ({ isFile: true } as Deno.FileInfo) : null;
  assertEquals(choosePrecompressed("/a.js", "gzip, br", stat)?.coding, "br");
  assertEquals(choosePrecompressed("/a.js", "gzip, br;q=0.5", stat)?.path, "/a.js.gz");
  assertEquals(choosePrecompressed("/a.js", "zstd", stat), null);
  assertEquals(choosePrecompressed("/a.js", undefined, stat), null);
});

Deno.test("cli: a bad -H or --cache-control is one line on stderr and exit 2", async () => {
  for (
    const [args, line] of [
      [["-H", "Bad Name", "x", "0"], "cli.ts: error: invalid header name: 'Bad Name'\n"],
      [["-H", "X", "a\x01", "0"], 'cli.ts: error: invalid value for header X: "a\\u0001"\n'],
      [
        ["--cache-control", " x", "0"],
        'cli.ts: error: invalid value for header Cache-Control: " x"\n',
      ],
    ] as const
  ) {
    const child = Child.cli(args);
    const done = await child.finished();
    assertEquals([done.code, done.stderr], [2, line]);
  }
});

Deno.test("compression: on the fly, br/gzip whole with a length, large gzip chunked, cached per server", async () => {
  const dir = await makeSite();
  const css = Array.from({ length: 6000 }, (_, i) => `.c${i}{color:#${(i * 7919) % 4096}}\n`)
    .join("");
  await Deno.writeTextFile(`${dir}/big.css`, css);
  const written = Date.now();
  const large = Array.from({ length: 120_000 }, (_, i) => `line ${i} ${i % 7}\n`).join("");
  await Deno.writeTextFile(`${dir}/large.txt`, large);
  await Deno.writeFile(`${dir}/pic.png`, new Uint8Array(5000));
  await Deno.writeTextFile(`${dir}/tiny.css`, "a{}");
  const Handler = class
    extends (handlerWith({ compress: true }) as unknown as typeof SimpleHTTPRequestHandler) {
    override protocol_version = "HTTP/1.1";
  } as unknown as RequestHandlerClass;
  const running = startServer(Handler);
  running.server.directory = dir;
  const base = running.base;
  try {
    for (const coding of ["br", "gzip"]) {
      const response = await curl(
        `${base}/big.css`,
        "--compressed",
        "-H",
        `Accept-Encoding: ${coding}`,
      );
      assert(head(response).includes(`Content-Encoding: ${coding}`), coding);
      assert(head(response).some((l) => /^Content-Length: \d+$/.test(l)));
      assert(response.endsWith(css), coding);
    }
    // If-Modified-Since: CPython's bare 304, with Vary.
    const later = new Date(Date.now() + 3600_000).toUTCString();
    const fresh = head(
      await curl(
        `${base}/big.css`,
        "-H",
        "Accept-Encoding: br",
        "-H",
        `If-Modified-Since: ${later}`,
      ),
    );
    assertEquals(fresh[0], "HTTP/1.1 304 Not Modified");
    assert(fresh.includes("Vary: Accept-Encoding"));
    assertFalse(fresh.some((l) => l.startsWith("Content-Encoding")));
    // Not compressed: images, tiny files, identity-only clients.
    for (
      const [path, accept] of [["/pic.png", "gzip"], ["/tiny.css", "gzip"], [
        "/big.css",
        "identity",
      ]]
    ) {
      const lines = head(await curl(`${base}${path}`, "-H", `Accept-Encoding: ${accept}`));
      assertFalse(lines.some((l) => l.startsWith("Content-Encoding")), path);
      assert(lines.includes("Vary: Accept-Encoding"), path);
    }
    // A large file streams gzip, chunked on HTTP/1.1, and the connection stays usable.
    const python = findPython313();
    if (python !== null) {
      const script = `
import http.client, zlib
c = http.client.HTTPConnection("127.0.0.1", ${running.port})
for path in ("/large.txt", "/big.css", "/large.txt"):
    c.request("GET", path, headers={"Accept-Encoding": "gzip"})
    r = c.getresponse()
    body = zlib.decompress(r.read(), 31)
    print(r.status, r.getheader("Content-Encoding"), r.getheader("Transfer-Encoding"), len(body))
`;
      const out = await new Deno.Command(python, { args: ["-c", script], stdout: "piped" })
        .output();
      assertEquals(
        new TextDecoder().decode(out.stdout),
        `200 gzip chunked ${large.length}\n200 gzip None ${css.length}\n200 gzip chunked ${large.length}\n`,
      );
    }
    // Cached per server, keyed by path, size, mtime and coding, once the file has settled
    // (its mtime and ctime 3 s old, as the file cache's racy rule).
    const { compressedCacheFor } = await import("../handlers/files/compression.ts");
    assertEquals(compressedCacheFor(running.server).bytes, 0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, written + 3100 - Date.now())));
    assert((await curl(`${base}/big.css`, "--compressed")).endsWith(css));
    assert(compressedCacheFor(running.server).bytes > 0);
    assertEquals(compressedCacheFor({}).bytes, 0);
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compression cache: keys and the byte budget", async () => {
  const { CompressedCache } = await import("../handlers/files/compression.ts");
  const cache = new CompressedCache(10);
  cache.put("/a", 1, 1, "gzip", new Uint8Array(6));
  cache.put("/b", 1, 1, "gzip", new Uint8Array(4));
  assertEquals(cache.bytes, 10);
  assertEquals(cache.get("/a", 1, 1, "br"), null);
  assert(cache.get("/a", 1, 1, "gzip") !== null); // now the most recently used
  cache.put("/c", 1, 1, "gzip", new Uint8Array(3));
  assertEquals(cache.get("/b", 1, 1, "gzip"), null);
  assert(cache.get("/a", 1, 1, "gzip") !== null);
  cache.put("/huge", 1, 1, "gzip", new Uint8Array(11));
  assertEquals(cache.get("/huge", 1, 1, "gzip"), null);
  assert(cache.bytes <= 10);
});

Deno.test("response_headers: the 3.15 handler call ports (options keyword), a listing gets them", async () => {
  const { MemoryConnection } = await import("../io/memory.ts");
  const { SOCKETLESS_SERVER } = await import("./_helpers.ts");
  const dir = await makeSite();
  try {
    const ask = async (path: string, headers: ResponseHeadersArg) => {
      const conn = new MemoryConnection(new TextEncoder().encode(`GET ${path} HTTP/1.0\r\n\r\n`));
      const handler = new (class extends SimpleHTTPRequestHandler {
        override log_message(): void {}
      })(conn, ["127.0.0.1", 1], SOCKETLESS_SERVER, { directory: dir, response_headers: headers });
      await handler.run();
      return new TextDecoder("latin1").decode(conn.output()).split("\r\n\r\n")[0].split("\r\n");
    };
    const listing = await ask("/sub/", [["X-One", "1"], ["X-One", "2"]]);
    assertEquals(listing.slice(-2), ["X-One: 1", "X-One: 2"]);
    const missing = await ask("/nope", { "X-One": "1" });
    assertFalse(missing.some((l) => l.startsWith("X-One")));
    // An invalid field fails the request before any byte of a head is written.
    const bad = new MemoryConnection(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
    const handler = new (class extends SimpleHTTPRequestHandler {
      override log_message(): void {}
    })(bad, ["127.0.0.1", 1], SOCKETLESS_SERVER, {
      directory: dir,
      response_headers: { "A B": "x" },
    });
    let thrown: unknown = null;
    try {
      await handler.run();
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof HeaderFieldError, String(thrown));
    assertEquals(bad.output().length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

type ResponseHeadersArg = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

Deno.test("compression with --etag: each coding has its own ETag, and If-None-Match gets 304", async () => {
  const dir = await makeSite();
  const css = Array.from({ length: 3000 }, (_, i) => `.e${i}{margin:${i}px}\n`).join("");
  await Deno.writeTextFile(`${dir}/app.css`, css);
  const running = startServer(handlerWith({ compress: true, etag: true }));
  running.server.directory = dir;
  try {
    const tags = new Map<string, string>();
    for (const coding of ["br", "gzip", "identity"]) {
      const lines = head(await curl(`${running.base}/app.css`, "-H", `Accept-Encoding: ${coding}`));
      const tag = lines.find((l) => l.startsWith("ETag: "))?.slice("ETag: ".length);
      assert(tag !== undefined, `${coding}: ${lines.join(" | ")}`);
      tags.set(coding, tag);
    }
    assertEquals(new Set(tags.values()).size, 3, [...tags.values()].join(" "));
    assert(tags.get("gzip")?.endsWith('-gzip"'));
    const cached = head(
      await curl(
        `${running.base}/app.css`,
        "-H",
        "Accept-Encoding: gzip",
        "-H",
        `If-None-Match: W/${tags.get("gzip")}`,
      ),
    );
    assertEquals(cached[0], "HTTP/1.0 304 Not Modified");
    assert(cached.includes(`ETag: ${tags.get("gzip")}`), cached.join(" | "));
    // Another coding's tag does not match this representation.
    const other = head(
      await curl(
        `${running.base}/app.css`,
        "-H",
        "Accept-Encoding: gzip",
        "-H",
        `If-None-Match: ${tags.get("br")}`,
      ),
    );
    assertEquals(other[0], "HTTP/1.0 200 OK");
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
