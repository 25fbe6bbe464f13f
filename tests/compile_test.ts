// `deno compile`: the `compile` task's command builds one `httpserver` binary, which then
// serves a real request. `deno compile` downloads a `denort` runtime the first time; where
// that download fails and no `DENORT_BIN` names a local copy, the test is skipped with one
// line saying so (decided up front, so the skip shows as "ignored", never as a pass).
import { assert, assertEquals, assertStringIncludes } from "../deps.ts";
import { Child, fetchBytes, REPO_ROOT, seededBytes } from "./_cli_process.ts";

/** The `compile` task, as deno.json must define it. */
const COMPILE_TASK = "deno compile --allow-net --allow-read --output httpserver cli.ts";

/** How long one `deno compile` may take (it may download denort, ~40 MB). */
const COMPILE_TIMEOUT_MS = 300_000;

/** What `deno compile` prints when it cannot fetch `denort`. */
const DOWNLOAD_FAILURE =
  /denort|dl\.deno\.land|error sending request|dns error|Setting up base binary/i;

interface Compiled {
  /** The binary, or null when compiling failed. */
  binary: string | null;
  /** The directory holding it. */
  dir: string;
  /** Milliseconds the compile took. */
  ms: number;
  /** `deno compile`'s stderr. */
  stderr: string;
  /** Its exit code. */
  code: number;
}

/** Runs the compile task's command, writing the binary into a fresh temp directory. */
async function compile(): Promise<Compiled> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-compile-" });
  const binary = `${dir}/httpserver`;
  // The task's own arguments, with --output pointed at the temp directory.
  const args = COMPILE_TASK.split(" ").slice(1).map((a) => a === "httpserver" ? binary : a);
  const started = performance.now();
  const child = Child.spawn(Deno.execPath(), args, { cwd: REPO_ROOT });
  try {
    const r = await child.finished(COMPILE_TIMEOUT_MS);
    const ms = Math.round(performance.now() - started);
    return { binary: r.code === 0 ? binary : null, dir, ms, stderr: r.stderr, code: r.code };
  } finally {
    await child.kill();
  }
}

const denortBin = Deno.env.get("DENORT_BIN");
// Compile once, up front, to know whether this machine can compile at all.
const first = await compile();
const skipReason = first.binary === null && denortBin === undefined &&
    DOWNLOAD_FAILURE.test(first.stderr)
  ? "deno compile could not download its denort runtime (offline?) and DENORT_BIN is unset"
  : null;
// The skip is reported once, as the ignored test's name.
if (skipReason !== null) await Deno.remove(first.dir, { recursive: true });

Deno.test("compile: deno.json's compile task is the documented command", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));
  assertEquals(config.tasks.compile, COMPILE_TASK);
});

Deno.test({
  name: skipReason === null
    ? "compile: deno compile builds one httpserver binary that serves a real request"
    : `compile: SKIPPED: ${skipReason}`,
  ignore: skipReason !== null,
  async fn() {
    try {
      assert(
        first.binary !== null,
        `deno compile failed (exit ${first.code}` +
          `${denortBin === undefined ? "" : `, DENORT_BIN=${denortBin}`}):\n${first.stderr}`,
      );
      console.log(`    deno compile took ${first.ms} ms`);
      const binary = first.binary;
      const info = await Deno.stat(binary);
      assert(info.isFile && (info.mode ?? 0o111) & 0o111, "the binary is not executable");

      // -h from the binary: the same help as the script (the program name is the binary's).
      const help = Child.spawn(binary, ["-h"]);
      try {
        const r = await help.finished();
        assertEquals(r.code, 0, help.describe());
        assert(r.stdout.startsWith("usage: httpserver [-h] [--cgi]"), help.describe());
      } finally {
        await help.kill();
      }

      // A real serve: a temp directory, a file, its bytes back.
      const site = await Deno.makeTempDir({ dir: first.dir });
      const payload = seededBytes(100_000, 5);
      await Deno.writeFile(`${site}/payload.bin`, payload);
      const server = Child.spawn(binary, ["0", "-b", "127.0.0.1", "-d", site]);
      try {
        const banner = await server.banner();
        const r = await fetchBytes(`http://127.0.0.1:${banner.port}/payload.bin`);
        assertEquals(r.status, 200);
        assertEquals(r.body, payload);
        // The listing modules load on first use through a literal import(), which deno compile
        // embeds (lazy_imports_test.ts keeps every dynamic import literal).
        const listing = await fetchBytes(`http://127.0.0.1:${banner.port}/`);
        assertEquals(listing.status, 200);
        assertStringIncludes(new TextDecoder().decode(listing.body), '<a href="payload.bin">');
        const done = await server.stop("SIGINT");
        assertEquals(done.code, 0, server.describe());
        assertStringIncludes(done.stdout, "\nKeyboard interrupt received, exiting.\n");
        assertStringIncludes(done.stderr, '"GET /payload.bin HTTP/1.1" 200 -');
        assertStringIncludes(done.stderr, '"GET / HTTP/1.1" 200 -');
      } finally {
        await server.kill();
      }
    } finally {
      await Deno.remove(first.dir, { recursive: true }).catch(() => {});
    }
  },
});
