// `deno run <remote URL>`: the checkout is served over loopback by our own cli.ts, and a
// second Deno, with an empty DENO_DIR (nothing cached: every module comes over HTTP, the npm
// packages from the registry), runs cli.ts from that URL: `--help`, then a real file server
// whose bytes are compared; and a local script imports mod.ts from the URL, which Deno 2
// allows only with `--allow-import=HOST:PORT`.
import { assert, assertEquals, assertStringIncludes } from "../deps.ts";
import { Child, CLI_PERMISSIONS, fetchBytes, REPO_ROOT, seededBytes } from "./_cli_process.ts";

/** A cold start fetches ~60 modules and the npm package; allow for a slow registry. */
const COLD_START_TIMEOUT_MS = 120_000;

/** Content types Deno 2 loads as TypeScript from a `.ts` URL. */
const TS_LOADABLE = [
  "application/typescript",
  "text/typescript",
  "video/mp2t",
  "video/vnd.dlna.mpeg-tts",
  "application/x-typescript",
  "text/plain",
  "application/octet-stream",
];

Deno.test("remote URL: cli.ts and mod.ts run from http://127.0.0.1:PORT/ with a fresh DENO_DIR", async (t) => {
  const denoDir = await Deno.makeTempDir({ prefix: "httpserver-deno-dir-" });
  const work = await Deno.makeTempDir({ prefix: "httpserver-remote-" });
  const host = Child.cli(["0", "-b", "127.0.0.1", "-d", REPO_ROOT]);
  try {
    const { port } = await host.banner();
    const origin = `http://127.0.0.1:${port}`;
    const env = { DENO_DIR: denoDir };

    await t.step("the checkout's .ts files are served with a type Deno loads", async () => {
      const r = await fetchBytes(`${origin}/cli.ts`);
      assertEquals(r.status, 200);
      assertEquals(r.body, await Deno.readFile(`${REPO_ROOT}/cli.ts`));
      const type = (r.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
      assert(
        TS_LOADABLE.includes(type),
        `cli.ts was served as "${type}"; Deno 2 does not load that as TypeScript ` +
          `(it parses it as JavaScript and fails), so \`deno run ${origin}/cli.ts\` cannot work`,
      );
    });

    await t.step("deno run <url>/cli.ts --help (cold: nothing cached)", async () => {
      const started = performance.now();
      const child = Child.spawn(
        Deno.execPath(),
        ["run", ...CLI_PERMISSIONS, `${origin}/cli.ts`, "--help"],
        { cwd: work, env },
      );
      try {
        const r = await child.finished(COLD_START_TIMEOUT_MS);
        const ms = Math.round(performance.now() - started);
        assertEquals(r.code, 0, child.describe());
        assert(r.stdout.startsWith("usage: cli.ts [-h] [--cgi]"), child.describe());
        assertStringIncludes(r.stdout, "show this help message and exit");
        // Deno said where each module came from: over HTTP, from this origin.
        assertStringIncludes(r.stderr, `Download ${origin}/cli.ts`);
        assertStringIncludes(r.stderr, `Download ${origin}/handlers/files/simple.ts`);
        console.log(`    cold start of ${origin}/cli.ts --help: ${ms} ms`);
      } finally {
        await child.kill();
      }
    });

    await t.step("deno run <url>/cli.ts serves a directory (warm cache)", async () => {
      const payload = seededBytes(300_000, 11);
      await Deno.writeFile(`${work}/payload.bin`, payload);
      await Deno.writeTextFile(`${work}/note.txt`, "served from a remote cli.ts\n");
      const started = performance.now();
      const child = Child.spawn(
        Deno.execPath(),
        ["run", ...CLI_PERMISSIONS, `${origin}/cli.ts`, "0", "-b", "127.0.0.1", "-d", work],
        { cwd: work, env },
      );
      try {
        const banner = await child.banner(COLD_START_TIMEOUT_MS);
        const ms = Math.round(performance.now() - started);
        assert(banner.port !== port);
        const a = await fetchBytes(`http://127.0.0.1:${banner.port}/payload.bin`);
        assertEquals(a.status, 200);
        assertEquals(a.body, payload);
        const b = await fetchBytes(`http://127.0.0.1:${banner.port}/note.txt`);
        assertEquals(new TextDecoder().decode(b.body), "served from a remote cli.ts\n");
        // A listing loads its modules on first use, through a literal import() resolved
        // against the remote URL.
        const listing = await fetchBytes(`http://127.0.0.1:${banner.port}/`);
        assertEquals(listing.status, 200);
        assertStringIncludes(new TextDecoder().decode(listing.body), '<a href="note.txt">');
        const done = await child.stop("SIGINT");
        assertEquals(done.code, 0, child.describe());
        assertStringIncludes(done.stdout, "Keyboard interrupt received, exiting.");
        console.log(`    warm start of ${origin}/cli.ts serving: ${ms} ms to the banner`);
      } finally {
        await child.kill();
      }
    });

    await t.step(
      "a local script importing <url>/mod.ts needs --allow-import=HOST:PORT",
      async () => {
        const script = `${work}/use_mod.ts`;
        await Deno.writeTextFile(
          script,
          `import { BaseHTTPRequestHandler, MemoryConnection } from "${origin}/mod.ts";
class Handler extends BaseHTTPRequestHandler {
  override log_message(): void {}
  async do_GET(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Length", 2);
    await this.end_headers();
    await this.wfile.write(new TextEncoder().encode("ok"));
  }
}
const conn = new MemoryConnection("GET / HTTP/1.0\\r\\n\\r\\n");
await new Handler(conn, ["127.0.0.1", 1], {
  server_address: ["127.0.0.1", 80], server_name: "localhost", server_port: 80,
}).run();
console.log(new TextDecoder().decode(conn.output()).split("\\r\\n")[0]);
`,
        );
        const denied = Child.spawn(Deno.execPath(), ["run", script], { cwd: work, env });
        try {
          const r = await denied.finished(COLD_START_TIMEOUT_MS);
          assertEquals(r.code, 1, denied.describe());
          assertStringIncludes(r.stderr, `Requires import access to "127.0.0.1:${port}"`);
        } finally {
          await denied.kill();
        }
        const allowed = Child.spawn(
          Deno.execPath(),
          ["run", `--allow-import=127.0.0.1:${port}`, script],
          { cwd: work, env },
        );
        try {
          const r = await allowed.finished(COLD_START_TIMEOUT_MS);
          assertEquals(r.code, 0, allowed.describe());
          assertEquals(r.stdout, "HTTP/1.0 200 OK\n");
        } finally {
          await allowed.kill();
        }
      },
    );

    // Every module was fetched from the server, which logged each GET.
    await host.waitFor("log of GET /mod.ts", () => host.stderr.includes('"GET /mod.ts '), 5000);
    assertStringIncludes(host.stderr, '"GET /mod.ts HTTP/1.1" 200 -');
  } finally {
    await host.kill("SIGTERM");
    await Deno.remove(work, { recursive: true });
    await Deno.remove(denoDir, { recursive: true });
  }
});
