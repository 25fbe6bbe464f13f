// Modules loaded on first use (listings, uploads, compression, the range and precondition logic,
// CGI, TLS, ...) are imported with literal `import()`s. Deno builds the graph of a literal
// `import()` before the first line runs and grants its loading then; a module named at run time
// (an `import()` of a variable) is checked against the permissions when it loads, so a server
// run with `--allow-read=DIR` of the served directory alone would fail its first listing or
// range with "Requires read access to .../protocol/preconditions.ts". `deno compile` and
// `deno cache` also see only literal imports.
import { assertEquals, assertStringIncludes } from "../deps.ts";
import { freePort, waitForPort } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);
/** Directories whose modules are not part of the program. */
const NOT_PROGRAM = /^(?:tests|bench|tools|examples|deploy|docs|node_modules|\.git)\//;
/** Any `import(` whose argument is not a string literal (nor empty, as in a comment's `import()`). */
const NON_LITERAL_IMPORT = /\bimport\(\s*(?!["'`)\s])/g;

/** Every program module, as a path relative to the checkout. */
async function programModules(dir = ROOT, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      if (NOT_PROGRAM.test(`${path}/`)) continue;
      found.push(...await programModules(new URL(`${entry.name}/`, dir), `${path}/`));
    } else if (entry.isFile && path.endsWith(".ts")) {
      found.push(path);
    }
  }
  return found;
}

Deno.test("every dynamic import of the program is a string literal", async () => {
  const modules = await programModules();
  const nonLiteral: string[] = [];
  for (const path of modules) {
    const source = await Deno.readTextFile(new URL(path, ROOT));
    for (const match of source.matchAll(NON_LITERAL_IMPORT)) {
      const line = source.slice(0, match.index).split("\n").length;
      nonLiteral.push(`${path}:${line}`);
    }
  }
  assertEquals(nonLiteral, [], "import() of a value: needs read permission of the checkout");
  // The scan found the program (and so could have found a non-literal import).
  assertEquals(modules.includes("handlers/files/serve_content.ts"), true);
});

Deno.test({
  name: "lazily loaded modules work under --allow-read of the served directory alone",
  sanitizeResources: false,
  async fn() {
    const www = await Deno.makeTempDir({ prefix: "httpserver-lazy-" });
    const payload = new Uint8Array(10_000).map((_, i) => i % 251);
    await Deno.writeFile(`${www}/data.bin`, payload);
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        `--allow-read=${www}`,
        new URL("cli.ts", ROOT).pathname,
        "-b",
        "127.0.0.1",
        "-d",
        www,
        String(port),
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      await waitForPort(port);
      const base = `http://127.0.0.1:${port}`;
      const listing = await fetch(`${base}/`);
      assertEquals(listing.status, 200);
      assertStringIncludes(await listing.text(), '<a href="data.bin">');
      const range = await fetch(`${base}/data.bin`, { headers: { Range: "bytes=100-199" } });
      assertEquals(range.status, 206);
      assertEquals(new Uint8Array(await range.arrayBuffer()), payload.subarray(100, 200));
      const multi = await fetch(`${base}/data.bin`, { headers: { Range: "bytes=0-9,20-29" } });
      assertEquals(multi.status, 206);
      assertStringIncludes(multi.headers.get("content-type") ?? "", "multipart/byteranges");
      await multi.body?.cancel();
      const since = await fetch(`${base}/data.bin`, {
        headers: { "If-Modified-Since": new Date(Date.now() + 86_400_000).toUTCString() },
      });
      assertEquals(since.status, 304);
      await since.body?.cancel();
    } finally {
      child.kill("SIGINT");
      const { stderr } = await child.output();
      await Deno.remove(www, { recursive: true });
      const log = new TextDecoder().decode(stderr);
      assertEquals(/Requires read access|Exception occurred/.test(log), false, log);
    }
  },
});
