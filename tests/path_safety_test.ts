/**
 * Path safety: a corpus of traversal spellings (plain, percent-encoded, doubly encoded,
 * overlong UTF-8, Unicode look-alikes, fullwidth dots, backslashes, `;` parameters,
 * absolute-form targets, NUL) never resolves outside the served directory, checked on
 * `translate_path` and over the wire with a secret file next to the served directory; no
 * redirect's `Location` is read by a browser as another host; and no file name can inject
 * markup into a directory listing.
 *
 * @module
 */
import { assert, assertEquals, normalize } from "../deps.ts";
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import { ThreadingHTTPServer } from "../server.ts";
import { fromLatin1, latin1, rawExchange, SOCKETLESS_SERVER } from "./_helpers.ts";
import { MemoryConnection } from "../io/memory.ts";
import { LISTING_INJECTION_NAMES } from "./_file_tree.ts";

const SECRET = "TOP-SECRET-7f3a9c";
/** Requests sent at once over the wire. */
const BATCH = 24;

class QuietFiles extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}

/** `root/secret.txt` (outside), `root/served/` (served) with `sub/`, `evil.com/`, a file. */
async function makeTree(): Promise<{ root: string; served: string }> {
  const root = await Deno.makeTempDir({ prefix: "httpserver_paths_" });
  const served = `${root}/served`;
  await Deno.mkdir(`${served}/sub/deeper`, { recursive: true });
  await Deno.mkdir(`${served}/evil.com`);
  await Deno.writeTextFile(`${root}/secret.txt`, SECRET);
  await Deno.writeTextFile(`${served}/public.txt`, "public\n");
  await Deno.writeTextFile(`${served}/sub/inner.txt`, "inner\n");
  return { root, served };
}

/** The traversal corpus, deduplicated; at least 200 spellings. */
function traversalCorpus(): string[] {
  const ups = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "%252e%252e",
    "%25252e%25252e",
    "%c0%ae%c0%ae",
    "%e0%80%ae%e0%80%ae",
    "%e2%80%a4%e2%80%a4",
    "%e2%80%a5",
    "%ef%bc%8e%ef%bc%8e",
    "\uff0e\uff0e",
    "%u002e%u002e",
    "..;",
    "..;x=1",
    "..%00",
    "..%20",
    "...",
    ". .",
  ];
  const seps = ["/", "%2f", "%2F", "\\", "%5c", "%5C", "%252f", "%c0%af", "%e2%88%95", "\uff0f"];
  const out = new Set<string>();
  for (const up of ups) {
    for (const sep of seps) {
      out.add(`/${up}${sep}secret.txt`);
      out.add(`/sub/${(up + sep).repeat(2)}secret.txt`);
    }
  }
  const prefixes = [
    "",
    "/",
    "//",
    "/\\",
    "\\",
    "\\\\",
    "/%5c",
    "/./",
    "/sub/../",
    "http://127.0.0.1",
    "http://127.0.0.1:1",
    "http://evil.com",
    "https://evil.com:443",
    "http:",
    "file://",
  ];
  const tails = [
    "../secret.txt",
    "..%2fsecret.txt",
    "../../../../../../../../secret.txt",
    "/../secret.txt",
    "%2e%2e/secret.txt",
    "../secret.txt%00",
    "../secret.txt%00.html",
    "../secret.txt;type=a",
    "../secret.txt?../secret.txt",
    "../secret.txt#frag",
  ];
  for (const prefix of prefixes) for (const tail of tails) out.add(prefix + tail);
  for (
    const extra of [
      "/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
      "/..%252f..%252fsecret.txt",
      "/sub/deeper/../../../secret.txt",
      "/sub/deeper/%2e%2e/%2e%2e/%2e%2e/secret.txt",
      "/sub\\..\\..\\secret.txt",
      "/..\x00/secret.txt",
      "/secret.txt\x00/../../secret.txt",
      "/;/../secret.txt",
      "/.;/../secret.txt",
      "/%3b/../secret.txt",
      "/served/../secret.txt",
      "/../served/../secret.txt",
      "/%ed%a0%80/../../secret.txt",
      "/%ff%fe/../../secret.txt",
      "/..%c1%9csecret.txt",
      "/..%c0%5csecret.txt",
      "/..%e0%80%afsecret.txt",
      "/%2e%2e%2f%2e%2e%5c%2e%2e%2fsecret.txt",
      "*",
      "..",
      "../",
      "/..",
    ]
  ) out.add(extra);
  return [...out];
}

function isInside(path: string, dir: string): boolean {
  const normal = normalize(path);
  return normal === dir || normal === `${dir}/` || normal.startsWith(`${dir}/`);
}

function translate(target: string, served: string): string {
  const handler = new QuietFiles(new MemoryConnection(""), ["127.0.0.1", 1], SOCKETLESS_SERVER, {
    directory: served,
  });
  return handler.translate_path(target);
}

async function get(port: number, target: string): Promise<string> {
  return fromLatin1(await rawExchange(port, `GET ${target} HTTP/1.0\r\n\r\n`, { timeoutMs: 5000 }));
}

async function withServer(
  served: string,
  body: (port: number) => Promise<void>,
  Handler: typeof QuietFiles = QuietFiles,
): Promise<void> {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler);
  server.directory = served;
  // A request the port of Python cannot answer (a NUL in a path) is dropped: keep quiet.
  server.handle_error = () => {};
  const serving = server.serve_forever();
  try {
    await body(server.server_port);
  } finally {
    await server.shutdown();
    await serving;
    await server[Symbol.asyncDispose]();
  }
}

Deno.test("path safety: no traversal spelling resolves outside the served directory", async () => {
  const { root, served } = await makeTree();
  const corpus = traversalCorpus();
  try {
    assert(corpus.length >= 200, `only ${corpus.length} spellings`);
    // translate_path never leaves the directory.
    const outside = corpus.filter((target) => !isInside(translate(target, served), served));
    assertEquals(outside, [], `${outside.length} spellings translate outside`);
    // Over the wire, the secret next to the served directory never comes back.
    await withServer(served, async (port) => {
      const leaks: string[] = [];
      const statuses = new Map<string, number>();
      for (let i = 0; i < corpus.length; i += BATCH) {
        await Promise.all(
          corpus.slice(i, i + BATCH).map(async (target) => {
            const raw = await get(port, target);
            const status = raw.slice(0, 12);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (raw.includes(SECRET)) leaks.push(`${JSON.stringify(target)} -> ${status}`);
          }),
        );
      }
      assertEquals(leaks, [], `${leaks.length} of ${corpus.length} spellings leaked`);
      // Controls: the detector sees the secret when it is served, and climbing that stays
      // inside the directory works.
      const parent = new ThreadingHTTPServer(["127.0.0.1", 0], QuietFiles);
      parent.directory = root;
      const parentServing = parent.serve_forever();
      try {
        assert((await get(parent.server_port, "/served/../secret.txt")).includes(SECRET));
      } finally {
        await parent.shutdown();
        await parentServing;
        await parent[Symbol.asyncDispose]();
      }
      assert((await get(port, "/sub/deeper/%2e%2e/inner.txt")).endsWith("\r\n\r\ninner\n"));
      assert((await get(port, "/x/..%2f..%2fpublic.txt")).endsWith("\r\n\r\npublic\n"));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("path safety: the corpus with --no-dotfiles and each symlink policy", async () => {
  const { root, served } = await makeTree();
  // A link out of the tree must not undo the policies: the corpus runs past it too.
  await Deno.symlink("..", `${served}/up`);
  const corpus = traversalCorpus();
  const extra = ["/up/secret.txt", "/up/served/up/secret.txt", "/%75p/secret.txt"];
  try {
    for (const symlinks of ["contain", "refuse"] as const) {
      class Guarded extends QuietFiles {
        override dotfiles = false;
        override symlinks = symlinks;
      }
      await withServer(served, async (port) => {
        const leaks: string[] = [];
        const targets = [...corpus, ...extra];
        for (let i = 0; i < targets.length; i += BATCH) {
          await Promise.all(
            targets.slice(i, i + BATCH).map(async (target) => {
              const raw = await get(port, target);
              if (raw.includes(SECRET)) leaks.push(`${symlinks} ${JSON.stringify(target)}`);
            }),
          );
        }
        assertEquals(leaks, []);
        assert((await get(port, "/sub/deeper/%2e%2e/inner.txt")).endsWith("\r\n\r\ninner\n"));
      }, Guarded);
    }
    // Control: without a policy the link does lead out.
    await withServer(served, async (port) => {
      assert((await get(port, "/up/secret.txt")).includes(SECRET));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Targets that name an existing directory without its trailing slash: each gets a 301. */
function redirectTargets(): string[] {
  const starts = [
    "//evil.com/",
    "///evil.com/",
    "////evil.com/",
    "/\\evil.com/",
    "/\\\\evil.com/",
    "\\/evil.com/",
    "\\\\evil.com/",
    "\\evil.com/",
    "/%5Cevil.com/",
    "/%5cevil.com/",
    "/%2F/evil.com/",
    "/%2f%2fevil.com/",
    "%2F%2Fevil.com/",
    "/%09/evil.com/",
    "/.//evil.com/",
    "/./\\evil.com/",
    "/\\/evil.com/",
    "\\\\\\evil.com/",
    "/%E3%80%81/evil.com/",
    "/\uff0f\uff0fevil.com/",
    "http://evil.com/",
    "http://127.0.0.1//evil.com/",
    "http:\\\\evil.com/",
    "//127.0.0.1@evil.com/",
  ];
  const climbs = ["..%2f", "%2e%2e%2f", "..%2f..%2f..%2f", "%2e%2e/", "../", "..%5c"];
  const out = new Set<string>();
  for (const start of starts) {
    for (const climb of climbs) {
      out.add(`${start}${climb}sub`);
      out.add(`${start}${climb}sub?next=//evil.com/`);
    }
  }
  for (const extra of ["//evil.com", "/evil.com", "//evil.com/..", "/\\evil.com", "\\/evil.com"]) {
    out.add(extra);
  }
  return [...out];
}

Deno.test("path safety: no redirect Location is read by a browser as another host", async () => {
  const { root, served } = await makeTree();
  try {
    await withServer(served, async (port) => {
      const base = `http://127.0.0.1:${port}/`;
      const bad: string[] = [];
      let redirects = 0;
      const targets = redirectTargets();
      for (let i = 0; i < targets.length; i += BATCH) {
        await Promise.all(
          targets.slice(i, i + BATCH).map(async (target) => {
            const raw = await get(port, target);
            const location = /^Location: (.*)$/m.exec(raw.split("\r\n\r\n")[0])?.[1]?.replace(
              /\r$/,
              "",
            );
            if (location === undefined) return;
            redirects++;
            let host: string;
            try {
              host = new URL(location, base).host;
            } catch {
              host = "<invalid URL>";
            }
            // An absolute-form target is answered with its own URL, as CPython does: the host
            // is the one the client named (browsers send absolute form only to proxies).
            const named = /^[a-z]+:\/\/[^\\]*$/i.test(target) ? new URL(target).host : null;
            if (host !== `127.0.0.1:${port}` && host !== named) {
              bad.push(`${JSON.stringify(target)} -> Location: ${location} (host ${host})`);
            }
          }),
        );
      }
      assertEquals(bad, [], `${bad.length} redirects leave the host`);
      // The corpus does reach the redirect (the check is not vacuous).
      assert(redirects >= 100, `only ${redirects} of ${targets.length} targets redirected`);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("path safety: a file name never injects markup into a listing", async () => {
  const root = await Deno.makeTempDir({ prefix: "httpserver_listing_" });
  await Deno.mkdir(`${root}/hostile`);
  await Deno.mkdir(`${root}/empty`);
  for (const name of LISTING_INJECTION_NAMES) {
    if (name === "dir<b>") await Deno.mkdir(`${root}/hostile/${name}`);
    else await Deno.writeTextFile(`${root}/hostile/${name}`, "x");
  }
  try {
    await withServer(root, async (port) => {
      const empty = (await get(port, "/empty/")).split("\r\n\r\n")[1];
      const raw = await get(port, "/hostile/");
      assert(raw.startsWith("HTTP/1.0 200 OK"), raw.slice(0, 80));
      const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
      const entries = [...body.matchAll(/<li><a href="([^"<>]*)">([^<>]*)<\/a><\/li>/g)];
      assertEquals(entries.length, LISTING_INJECTION_NAMES.length, body);
      // Nothing but the skeleton and four tags per entry: no name added a tag.
      const tags = (text: string) => (text.match(/</g) ?? []).length;
      assertEquals(tags(body), tags(empty) + 4 * LISTING_INJECTION_NAMES.length);
      const names = new Set<string>();
      for (const [, href, text] of entries) {
        assert(/^[A-Za-z0-9%._~\/-]*$/.test(href), `raw characters in href ${href}`);
        const name = decodeURIComponent(href).replace(/\/$/, "");
        names.add(name);
        const shown = text.replace(/@$/, "").replace(/\/$/, "")
          .replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
        assertEquals(shown, name);
      }
      assertEquals([...names].sort(), [...LISTING_INJECTION_NAMES].sort());
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("path safety: the corpus helper keeps latin-1 targets sendable", () => {
  for (const target of traversalCorpus()) {
    assertEquals(fromLatin1(latin1(target)).length, target.length);
  }
});
