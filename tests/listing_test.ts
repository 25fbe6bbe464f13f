/**
 * Issue #15: the rich listing (sort orders, escaping, breadcrumb), the JSON listing (read by
 * Python's `json` over `urllib`), `Accept` negotiation, `--no-dotfiles` and the symlink
 * policies (links to `/etc/passwd`, `/etc`, a sibling directory, inside the root, a loop),
 * and large listings streamed in pieces. The default HTML listing stays CPython's bytes.
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../deps.ts";
import { SimpleHTTPRequestHandler, type SymlinkPolicy } from "../handlers/simple.ts";
import { hasDotSegment } from "../handlers/files/path_policy.ts";
import { humanSize } from "../handlers/files/rich_listing.ts";
import {
  directoryListingPieces,
  LISTING_PIECE_ENTRIES,
  renderDirectoryListing,
  sortLikePython,
} from "../handlers/files/directory_listing.ts";
import { rawExchange, startServer } from "./_helpers.ts";
import { runPython, seededRandom } from "./_python.ts";
import { sortInSlices } from "../handlers/files/slice_sort.ts";
import {
  type ListingEntry,
  pythonOrderSteps,
  sortListing,
  sortListingInSlices,
} from "../handlers/files/listing_order.ts";
import { ListingEntries } from "../handlers/files/listing_entries.ts";
import { runSteps } from "../handlers/files/slice_sort.ts";
import { LISTING_INJECTION_NAMES } from "./_file_tree.ts";

const decoder = new TextDecoder();

/** A handler with the issue's options set. */
function handlerWith(options: {
  listing?: "python" | "rich";
  dotfiles?: boolean;
  symlinks?: SymlinkPolicy;
}) {
  return class extends SimpleHTTPRequestHandler {
    override listing = options.listing ?? "python";
    override dotfiles = options.dotfiles ?? true;
    override symlinks = options.symlinks ?? "follow";
    override file_cache = null;
    override log_message(): void {}
  };
}

/** GET over HTTP/1.0; returns status line, head and body text. */
async function get(port: number, target: string, headers: Record<string, string> = {}) {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const raw = decoder.decode(
    await rawExchange(port, `GET ${target} HTTP/1.0\r\n${lines}\r\n`, { timeoutMs: 10_000 }),
  );
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split);
  return { status: Number(head.slice(9, 12)), head, body: raw.slice(split + 4), raw };
}

/**
 * `root/outside/` (a sibling of the served directory, with a secret), `root/served/` with
 * files of known sizes and times, a dot-directory, dotfiles and symlinks of every kind.
 */
async function makeTree(): Promise<{ root: string; served: string }> {
  const root = await Deno.makeTempDir({ prefix: "httpserver_listing15_" });
  const served = `${root}/served`;
  await Deno.mkdir(`${root}/outside`);
  await Deno.writeTextFile(`${root}/outside/secret.txt`, "SIBLING-SECRET");
  await Deno.mkdir(`${served}/sub/deeper`, { recursive: true });
  await Deno.mkdir(`${served}/.git`);
  await Deno.mkdir(`${served}/Zdir`);
  await Deno.writeTextFile(`${served}/.git/config`, "GIT-SECRET");
  await Deno.writeTextFile(`${served}/.env`, "ENV-SECRET");
  await Deno.writeTextFile(`${served}/sub/.env`, "SUB-ENV-SECRET");
  await Deno.writeTextFile(`${served}/sub/inner.txt`, "inner\n");
  const files: Array<[string, number, number]> = [
    ["b.txt", 10, 3000],
    ["A.txt", 3000, 1000],
    ["c.bin", 2_500_000, 2000],
  ];
  for (const [name, size, seconds] of files) {
    await Deno.writeFile(`${served}/${name}`, new Uint8Array(size));
    await Deno.utime(`${served}/${name}`, seconds, seconds);
  }
  await Deno.symlink("/etc/passwd", `${served}/passwd`);
  await Deno.symlink("/etc", `${served}/etc`);
  await Deno.symlink("../outside", `${served}/sibling`);
  await Deno.symlink("sub", `${served}/inside`);
  await Deno.symlink("b.txt", `${served}/to-b.txt`);
  await Deno.symlink("loop", `${served}/loop`);
  return { root, served };
}

async function withServer(
  served: string,
  Handler: ReturnType<typeof handlerWith>,
  body: (port: number) => Promise<void>,
) {
  const running = startServer(Handler);
  running.server.directory = served;
  try {
    await body(running.port);
  } finally {
    await running.stop();
  }
}

Deno.test("rich listing: sizes are shown in binary units", () => {
  assertEquals(humanSize(1023), "1023 B");
  assertEquals(humanSize(2_500_000), "2.4 MiB");
});

Deno.test("listing: CPython's page rendered in pieces is the same text", () => {
  const entries = Array.from({ length: 2345 }, (_, i) => ({
    name: `N${(i * 7919) % 2345}<&>`,
    isDirectory: i % 5 === 0,
    isSymlink: i % 11 === 0,
  }));
  const whole = decoder.decode(renderDirectoryListing("/d/", entries, "<p>x</p>\n"));
  const pieces = [...directoryListingPieces("/d/", sortLikePython(entries), "<p>x</p>\n")];
  // One piece per LISTING_PIECE_ENTRIES entries (the head joined to the first), then the tail.
  assertEquals(pieces.length, 1 + Math.ceil(entries.length / LISTING_PIECE_ENTRIES));
  assertEquals(pieces.join(""), whole);
  assert(whole.endsWith("</ul>\n<hr>\n<p>x</p>\n</body>\n</html>\n"));
});

Deno.test("listing: the sort in slices gives the built-in stable sort's order", async () => {
  const random = seededRandom(15);
  let pauses = 0;
  const pause = () => {
    pauses++;
    return Promise.resolve();
  };
  for (const length of [0, 1, 7, 8, 9, 100, 1000]) {
    const items = Array.from({ length }, (_, i) => ({ v: Math.floor(random() * 10), i }));
    const want = [...items].sort((a, b) => a.v - b.v);
    assertEquals(await sortInSlices(items, (a, b) => a.v - b.v, pause, 7), want);
  }
  assert(pauses > 100);
  const names = ["a", "B", "b", "A", "ß", "ss", "Z", "é", "E"];
  const entries: ListingEntry[] = Array.from({ length: 5000 }, (_, i) => ({
    name: `${names[i % names.length]}${Math.floor(random() * 50)}`,
    isDirectory: random() < 0.2,
    isSymlink: random() < 0.1,
    size: random() < 0.1 ? null : Math.floor(random() * 20),
    mtime: Math.floor(random() * 30) * 1000,
  }));
  for (const sort of ["name", "size", "mtime"] as const) {
    for (const order of ["asc", "desc"] as const) {
      assertEquals(
        await sortListingInSlices(entries, { sort, order }, pause),
        sortListing(entries, { sort, order }),
        `${sort} ${order}`,
      );
    }
  }
});

Deno.test("listing: the order by position is CPython's, astral names and lone surrogates too", () => {
  const random = seededRandom(7);
  const alphabet = ["a", "B", "\u{1F600}", "\uFF21", "\udc80", "\ud800", "\u0130", "Σ", "ς", "z"];
  const names = Array.from(
    { length: 3000 },
    () =>
      Array.from(
        { length: 1 + Math.floor(random() * 4) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join(""),
  );
  const order = runSteps(pythonOrderSteps(names));
  assertEquals(
    Array.from(order, (position) => names[position]),
    sortLikePython(names.map((name) => ({ name }))).map(({ name }) => name),
  );
});

Deno.test("listing: entries as columns give back what was put in", () => {
  const entries: ListingEntry[] = [
    { name: "a", isDirectory: false, isSymlink: false, size: 0, mtime: 5 },
    { name: "b", isDirectory: true, isSymlink: true, size: null, mtime: 0 },
    { name: "c", isDirectory: false, isSymlink: true, size: 2 ** 40, mtime: -1000 },
  ];
  const columns = ListingEntries.of(
    [...entries, ...Array.from({ length: 200 }, (_, i) => ({ ...entries[i % 3], name: `n${i}` }))],
    true,
  );
  assertEquals(columns.length, 203);
  assertEquals([...columns.inOrder([0, 1, 2])], entries);
  assertEquals(columns.entry(202), { ...entries[199 % 3], name: "n199" });
  const plain = ListingEntries.of(entries, false);
  assertEquals(plain.size(0), null);
  assertEquals(plain.mtime(0), 0);
  assert(plain.isDirectory(1) && plain.isSymlink(1) && !plain.isDirectory(2));
});

Deno.test("dotfiles: decided on decoded, normalised segments", () => {
  const hidden = [
    "/.git/config",
    "/a/.env",
    "/%2egit/config",
    "/%2Egit/",
    "/sub/../.env",
    "/x/%2e%2e/.env",
    "/.env?x",
    "//.env",
    "/a/..%2f.env",
    "/...",
  ];
  for (const path of hidden) assert(hasDotSegment(path), path);
  for (const path of ["/", "/a.b/c", "/a/b.txt?x=.y", "/a/./b", "/a/../b", "/%2e%2e/b", "/x#.y"]) {
    assert(!hasDotSegment(path), path);
  }
});

Deno.test("listing: the default HTML is CPython's, Accept: text/html changes nothing", async () => {
  const { root, served } = await makeTree();
  try {
    await withServer(served, handlerWith({}), async (port) => {
      const plain = await get(port, "/sub/");
      const browser = await get(port, "/sub/", {
        Accept: "text/html,application/xhtml+xml,*/*;q=0.8",
      });
      assertEquals(plain.body, browser.body);
      assert(!/^Vary:/im.test(plain.head) && !/^Vary:/im.test(browser.head), plain.head);
      assertStringIncludes(plain.body, '<li><a href="inner.txt">inner.txt</a></li>');
      // The default serves dotfiles and follows every symlink, as CPython.
      assertEquals((await get(port, "/.git/config")).body, "GIT-SECRET");
      assertEquals((await get(port, "/sibling/secret.txt")).body, "SIBLING-SECRET");
      assertStringIncludes((await get(port, "/passwd")).body, "root:");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("listing: JSON through Python's urllib and json, sorted as asked", async () => {
  const { root, served } = await makeTree();
  try {
    await withServer(served, handlerWith({}), async (port) => {
      const base = `http://127.0.0.1:${port}`;
      const result = await runPython<{
        accept: { type: string; vary: string; items: Array<Record<string, unknown>> };
        format: { items: Array<Record<string, unknown>> };
        bySize: string[];
        byMtime: string[];
        byNameDesc: string[];
      }>(
        `
import json, sys, urllib.request
base = json.load(sys.stdin)["base"]
def fetch(path, headers={}):
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as r:
        return r.headers, json.loads(r.read().decode("utf-8"))
h, items = fetch("/", {"Accept": "application/json"})
_, fmt = fetch("/?format=json")
names = lambda q: [e["name"] for e in fetch("/?format=json&" + q)[1]]
print(json.dumps({
    "accept": {"type": h["Content-Type"], "vary": h["Vary"], "items": items},
    "format": {"items": fmt},
    "bySize": names("sort=size&order=desc"),
    "byMtime": names("sort=mtime"),
    "byNameDesc": names("sort=name&order=desc"),
}))
`,
        { base },
      );
      assertEquals(result.accept.type, "application/json");
      assertEquals(result.accept.vary, "Accept");
      assertEquals(result.accept.items, result.format.items);
      const byName = Object.fromEntries(result.accept.items.map((e) => [e.name, e]));
      assertEquals(byName["A.txt"], {
        name: "A.txt",
        type: "file",
        size: 3000,
        mtime: "1970-01-01T00:16:40Z",
      });
      assertEquals(byName["sub"].type, "directory");
      assertEquals(byName["sub"].size, null);
      assertEquals(byName["passwd"].type, "symlink");
      assertEquals(byName["loop"], { ...byName["loop"], type: "symlink", size: null });
      // Directories (and links to them) first, then files; names in CPython's order.
      const names = result.accept.items.map((e) => e.name);
      assertEquals(names, [
        ".git",
        "etc",
        "inside",
        "sibling",
        "sub",
        "Zdir",
        ".env",
        "A.txt",
        "b.txt",
        "c.bin",
        "loop",
        "passwd",
        "to-b.txt",
      ]);
      assertEquals(result.byNameDesc, [
        "Zdir",
        "sub",
        "sibling",
        "inside",
        "etc",
        ".git",
        "to-b.txt",
        "passwd",
        "loop",
        "c.bin",
        "b.txt",
        "A.txt",
        ".env",
      ]);
      const files = (list: string[]) => list.filter((n) => ["A.txt", "b.txt", "c.bin"].includes(n));
      assertEquals(files(result.bySize), ["c.bin", "A.txt", "b.txt"]);
      assertEquals(files(result.byMtime), ["A.txt", "c.bin", "b.txt"]);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** The rows of a rich page: [href, label, size title or null]. */
function richRows(body: string): Array<[string, string, string | null]> {
  return [...body.matchAll(
    /<tr><td class="name(?: dir)?"><a href="([^"<>]*)">([^<>]*)<\/a><\/td><td class="size"(?: title="(\d+) bytes")?>/g,
  )].map(([, href, label, size]) => [href, label, size ?? null]);
}

Deno.test("listing: the rich page sorts, links its headers, shows sizes and dates", async () => {
  const { root, served } = await makeTree();
  try {
    await withServer(served, handlerWith({ listing: "rich" }), async (port) => {
      const page = await get(port, "/");
      assertEquals(page.status, 200);
      assertStringIncludes(page.head, "Content-type: text/html; charset=utf-8");
      assertStringIncludes(page.head, "Vary: Accept");
      assertStringIncludes(page.body, "color-scheme:light dark");
      assertStringIncludes(page.body, 'name="viewport"');
      assert(!/<script|src=|url\(|@import/i.test(page.body), "external resource or script");
      assertStringIncludes(page.body, '<a href="?sort=name&amp;order=desc">Name ↑</a>');
      assertStringIncludes(page.body, '<a href="?sort=size&amp;order=asc">Size</a>');
      assertStringIncludes(page.body, '<a href="?sort=mtime&amp;order=asc">Modified</a>');
      const rows = richRows(page.body);
      assertEquals(rows.map(([href]) => href), [
        ".git/",
        "etc/",
        "inside/",
        "sibling/",
        "sub/",
        "Zdir/",
        ".env",
        "A.txt",
        "b.txt",
        "c.bin",
        "loop",
        "passwd",
        "to-b.txt",
      ]);
      assertEquals(rows.find(([href]) => href === "c.bin"), ["c.bin", "c.bin", "2500000"]);
      assertEquals(rows.find(([href]) => href === "etc/")?.[1], "etc@");
      assertStringIncludes(page.body, "2.4 MiB");
      assertStringIncludes(page.body, '<time datetime="1970-01-01T00:33:20Z">1970-01-01');

      const bySize = await get(port, "/?sort=size&order=desc");
      assertStringIncludes(bySize.body, '<a href="?sort=size&amp;order=asc">Size ↓</a>');
      const sizes = richRows(bySize.body).map(([href]) => href)
        .filter((href) => ["A.txt", "b.txt", "c.bin"].includes(href));
      assertEquals(sizes, ["c.bin", "A.txt", "b.txt"]);
      const byMtime = richRows((await get(port, "/?sort=mtime&order=desc")).body)
        .map(([href]) => href).filter((href) => ["A.txt", "b.txt", "c.bin"].includes(href));
      assertEquals(byMtime, ["b.txt", "c.bin", "A.txt"]);

      // The breadcrumb links up with relative paths only.
      const deep = await get(port, "/sub/deeper/");
      assertStringIncludes(
        deep.body,
        '<a href="../../">/</a><a href="../">sub</a>/<a href="./">deeper</a>/',
      );
      assertStringIncludes(deep.body, '<tr><td colspan="3">(empty)</td></tr>');
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("listing: a file name never injects markup into the rich page", async () => {
  const root = await Deno.makeTempDir({ prefix: "httpserver_rich_inject_" });
  await Deno.mkdir(`${root}/hostile`);
  await Deno.mkdir(`${root}/empty`);
  await Deno.mkdir(`${root}/<b>&"x"`);
  for (const name of LISTING_INJECTION_NAMES) {
    if (name === "dir<b>") await Deno.mkdir(`${root}/hostile/${name}`);
    else await Deno.writeTextFile(`${root}/hostile/${name}`, "x");
  }
  try {
    await withServer(root, handlerWith({ listing: "rich" }), async (port) => {
      const empty = (await get(port, "/empty/")).body;
      const body = (await get(port, "/hostile/")).body;
      const rows = richRows(body);
      assertEquals(rows.length, LISTING_INJECTION_NAMES.length, body);
      // Nothing but the skeleton and a fixed number of tags per row: no name added a tag.
      const tags = (text: string) => (text.match(/</g) ?? []).length;
      const emptyRow = '<tr><td colspan="3">(empty)</td></tr>';
      const perRow = (tags(body) - (tags(empty) - tags(emptyRow))) / LISTING_INJECTION_NAMES.length;
      assertEquals(perRow, 14);
      const names = new Set<string>();
      for (const [href, label] of rows) {
        assert(/^[A-Za-z0-9%._~\/-]*$/.test(href), `raw characters in href ${href}`);
        const name = decodeURIComponent(href).replace(/\/$/, "");
        names.add(name);
        const shown = label.replace(/@$/, "").replace(/\/$/, "")
          .replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
        assertEquals(shown, name);
      }
      assertEquals([...names].sort(), [...LISTING_INJECTION_NAMES].sort());
      // A hostile directory name in the title and breadcrumb is escaped too.
      const titled = (await get(port, "/%3Cb%3E%26%22x%22/")).body;
      assertStringIncludes(titled, '<title>Directory listing for /&lt;b&gt;&amp;"x"/</title>');
      assertStringIncludes(titled, '<a href="./">&lt;b&gt;&amp;"x"</a>/');
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--no-dotfiles: 404 at any depth and spelling, left out of listings", async () => {
  const { root, served } = await makeTree();
  try {
    for (const listing of ["python", "rich"] as const) {
      await withServer(served, handlerWith({ listing, dotfiles: false }), async (port) => {
        for (
          const target of [
            "/.git/config",
            "/.git/",
            "/.git",
            "/.env",
            "/sub/.env",
            "/%2egit/config",
            "/%2Egit/config",
            "/sub/../.env",
            "/sub/%2e%2e/.env",
            "/./.env",
            "//.env",
            "/.env?x=1",
            "/sub/..%2f.env",
          ]
        ) {
          const response = await get(port, target);
          assertEquals(response.status, 404, `${listing} ${target}`);
          assert(!response.body.includes("SECRET"), target);
        }
        const listingBody = (await get(port, "/")).body;
        assert(!listingBody.includes(".git") && !listingBody.includes(".env"), listingBody);
        assert(!(await get(port, "/sub/")).body.includes(".env"));
        const json = JSON.parse((await get(port, "/?format=json")).body) as Array<{
          name: string;
        }>;
        assert(json.every((entry) => !entry.name.startsWith(".")));
        assertEquals((await get(port, "/sub/inner.txt")).body, "inner\n");
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("symlinks: contain follows links inside only; refuse follows none", async () => {
  const { root, served } = await makeTree();
  const expectations: Record<SymlinkPolicy, Record<string, number>> = {
    follow: {
      "/passwd": 200,
      "/etc/passwd": 200,
      "/sibling/secret.txt": 200,
      "/inside/inner.txt": 200,
      "/to-b.txt": 200,
      "/loop": 404,
      "/sub/inner.txt": 200,
    },
    contain: {
      "/passwd": 404,
      "/etc/passwd": 404,
      "/etc/": 404,
      "/sibling/secret.txt": 404,
      "/sibling/": 404,
      "/inside/inner.txt": 200,
      "/inside/": 200,
      "/to-b.txt": 200,
      "/loop": 404,
      "/sub/inner.txt": 200,
    },
    refuse: {
      "/passwd": 404,
      "/etc/passwd": 404,
      "/sibling/secret.txt": 404,
      "/inside/inner.txt": 404,
      "/inside/": 404,
      "/to-b.txt": 404,
      "/loop": 404,
      "/sub/inner.txt": 200,
      "/b.txt": 200,
    },
  };
  const listed: Record<SymlinkPolicy, string[]> = {
    follow: ["etc", "inside", "loop", "passwd", "sibling", "to-b.txt"],
    contain: ["inside", "to-b.txt"],
    refuse: [],
  };
  try {
    for (const policy of ["follow", "contain", "refuse"] as const) {
      await withServer(served, handlerWith({ symlinks: policy }), async (port) => {
        for (const [target, status] of Object.entries(expectations[policy])) {
          const response = await get(port, target);
          assertEquals(response.status, status, `${policy} ${target}`);
          if (policy !== "follow") {
            assert(!/root:|SIBLING-SECRET/.test(response.body), `${policy} ${target}`);
          }
        }
        const json = JSON.parse((await get(port, "/?format=json")).body) as Array<{
          name: string;
          type: string;
        }>;
        const links = json.filter((entry) => entry.type === "symlink").map((entry) => entry.name);
        assertEquals(links.sort(), listed[policy], policy);
        const html = (await get(port, "/")).body;
        for (const name of ["etc", "passwd", "sibling", "loop"]) {
          assertEquals(html.includes(`href="${name}`), policy === "follow", `${policy} ${name}`);
        }
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("symlinks: an index page that links outside is not served under contain", async () => {
  const root = await Deno.makeTempDir({ prefix: "httpserver_index_link_" });
  try {
    await Deno.writeTextFile(`${root}/secret.html`, "OUTSIDE-INDEX");
    await Deno.mkdir(`${root}/served/site`, { recursive: true });
    await Deno.symlink(`${root}/secret.html`, `${root}/served/site/index.html`);
    await withServer(`${root}/served`, handlerWith({ symlinks: "contain" }), async (port) => {
      const response = await get(port, "/site/");
      assertEquals(response.status, 200);
      assert(!response.body.includes("OUTSIDE-INDEX"), response.body);
      assert(!response.body.includes("index.html"), response.body);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("listing: a large directory streams (HTTP/1.1 chunked, HTTP/1.0 to the close)", async () => {
  const root = await Deno.makeTempDir({ prefix: "httpserver_large_listing_" });
  const count = 2500;
  try {
    for (let i = 0; i < count; i++) Deno.writeFileSync(`${root}/f${i}.txt`, new Uint8Array(i % 7));
    class Rich11 extends handlerWith({ listing: "rich" }) {
      override protocol_version = "HTTP/1.1";
    }
    await withServer(root, Rich11, async (port) => {
      const old = await get(port, "/?format=json");
      assert(!/^Content-Length:/im.test(old.head), old.head);
      assertStringIncludes(old.head, "Connection: close");
      const items = JSON.parse(old.body) as Array<{ name: string }>;
      assertEquals(items.length, count);
      assertEquals(items[0].name, "f0.txt");
      const raw = decoder.decode(
        await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      );
      const split = raw.indexOf("\r\n\r\n");
      assertStringIncludes(raw.slice(0, split), "Transfer-Encoding: chunked");
      // Undo the chunked framing.
      let rest = raw.slice(split + 4);
      let body = "";
      while (true) {
        const lineEnd = rest.indexOf("\r\n");
        const size = parseInt(rest.slice(0, lineEnd), 16);
        if (size === 0) break;
        const bytes = new TextEncoder().encode(rest.slice(lineEnd + 2));
        const chunk = decoder.decode(bytes.subarray(0, size));
        body += chunk;
        rest = rest.slice(lineEnd + 2 + chunk.length + 2);
      }
      assertEquals(richRows(body).length, count);
      assert(body.endsWith("</html>\n"));
    });
    // The Python page is still one body with its length, the same bytes as a small render.
    await withServer(root, handlerWith({}), async (port) => {
      const page = await get(port, "/");
      const length = Number(/^Content-Length: (\d+)$/m.exec(page.head)?.[1]);
      assertEquals(new TextEncoder().encode(page.body).length, length);
      assertEquals(page.body.match(/<li>/g)?.length, count);
      assert(page.body.startsWith("<!DOCTYPE HTML>\n") && page.body.endsWith("</html>\n"));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * Small requests on one keep-alive connection, one after another, until `done` resolves:
 * how many were answered meanwhile and the slowest of them in milliseconds.
 */
async function smallRequestsUntil(port: number, done: Promise<unknown>) {
  let finished = false;
  done.finally(() => finished = true);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = new TextEncoder().encode("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  const buffer = new Uint8Array(4096);
  const waits: number[] = [];
  try {
    while (!finished) {
      const start = performance.now();
      await conn.write(request);
      let text = "";
      while (!text.endsWith("\r\n\r\nsmall\n")) {
        const n = await conn.read(buffer);
        if (n === null) throw new Error("the small request's connection closed");
        text += decoder.decode(buffer.subarray(0, n));
      }
      waits.push(performance.now() - start);
    }
  } finally {
    conn.close();
  }
  return { answered: waits.length, slowest: Math.max(0, ...waits) };
}

Deno.test("listing: another client is answered while 20,000 entries are listed", async () => {
  const root = await Deno.makeTempDir({ prefix: "httpserver_big_listing_" });
  const count = 20_000;
  try {
    await Deno.mkdir(`${root}/big`);
    Deno.writeTextFileSync(`${root}/small.txt`, "small\n");
    // Mixed case and sizes: the order is Python's `name.lower()`, not the code units'.
    const names = Array.from(
      { length: count },
      (_, i) => `${i % 3 ? "f" : "F"}${(i * 7919) % count}`,
    );
    for (const [i, name] of names.entries()) {
      Deno.writeFileSync(`${root}/big/${name}`, new Uint8Array(i % 5));
    }
    const byName = sortLikePython(names.map((name) => ({ name }))).map(({ name }) => name);
    class Keep11 extends handlerWith({}) {
      override protocol_version = "HTTP/1.1";
    }
    await withServer(root, Keep11, async (port) => {
      // CPython's page: one body with its Content-Length, counted before it is streamed.
      const started = performance.now();
      const listing = get(port, "/big/");
      const small = await smallRequestsUntil(port, listing);
      const page = await listing;
      const elapsed = performance.now() - started;
      const length = Number(/^Content-Length: (\d+)$/m.exec(page.head)?.[1]);
      assertEquals(new TextEncoder().encode(page.body).length, length);
      const listed = [...page.body.matchAll(/<li><a href="[^"]*">([^<]*)<\/a><\/li>/g)]
        .map((match) => match[1]);
      assertEquals(listed, byName);
      assert(page.body.endsWith("</ul>\n<hr>\n</body>\n</html>\n"));
      // Served between the listing's slices, not after it: a listing that held the loop (or
      // paused without letting sockets be polled) answers them only at its end.
      assert(small.answered >= 3, `${small.answered} small answers in ${elapsed} ms`);
      assert(small.slowest < elapsed / 2, `slowest ${small.slowest} ms of ${elapsed} ms`);
      // Over HTTP/1.1 the connection stays usable after the counted page: the next answer
      // starts right after its Content-Length.
      const twice = decoder.decode(
        await rawExchange(
          port,
          "GET /big/ HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          { timeoutMs: 20_000 },
        ),
      );
      const headEnd = twice.indexOf("\r\n\r\n") + 4;
      const pageLength = Number(/^Content-Length: (\d+)$/m.exec(twice.slice(0, headEnd))?.[1]);
      assertEquals(twice.slice(headEnd, headEnd + pageLength), page.body);
      assert(twice.slice(headEnd + pageLength).startsWith("HTTP/1.1 200 OK\r\n"));
      assert(twice.endsWith("\r\n\r\nsmall\n"));
      // The JSON listing, streamed in chunks: complete, sorted by size descending.
      const json = get(port, "/big/?format=json&sort=size&order=desc");
      const duringJson = await smallRequestsUntil(port, json);
      const items = JSON.parse((await json).body) as Array<{ name: string; size: number }>;
      assertEquals(items.length, count);
      const size = new Map(names.map((name, i) => [name, i % 5]));
      const rank = new Map(byName.map((name, i) => [name, i]));
      const bySize = [...byName].sort((a, b) =>
        size.get(b)! - size.get(a)! || rank.get(b)! - rank.get(a)!
      );
      assertEquals(items.map(({ name }) => name), bySize);
      assertEquals(items[0].size, 4);
      assert(duringJson.answered >= 3, `${duringJson.answered} small answers during JSON`);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
