// A large upload streams to disk with flat server memory: the CLI's peak RSS (VmHWM) after a
// PUT and a form POST of UPLOAD_LARGE_MIB MiB (default 1024) stays within a fixed bound of
// its peak before, and the stored files are byte-identical (SHA-256) to what curl sent.
import { assert, assertEquals } from "../deps.ts";
import { Child, CLI_PATH } from "./_cli_process.ts";

const SIZE_MIB = Number(Deno.env.get("UPLOAD_LARGE_MIB") ?? "1024");
/**
 * Most MiB the server's peak RSS may grow by during the uploads: buffers and garbage not yet
 * collected, never the file (measured: +9 MiB for a 1 GiB PUT; the form path copies each 64 KiB
 * read for the parser and peaks ~+100 MiB for 1 GiB, ~+50 for 256 MiB, until the GC runs).
 */
const MAX_RSS_GROWTH_MIB = 160;

function peakRssMib(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? "NaN");
  return kib / 1024;
}

async function sha256(path: string): Promise<string> {
  const out = await new Deno.Command("sha256sum", { args: [path], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split(" ")[0];
}

async function curl(args: string[]): Promise<string> {
  const out = await new Deno.Command("curl", { args: ["-s", ...args], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: `upload large: ${SIZE_MIB} MiB PUT and form POST with flat server memory`,
  ignore: Deno.build.os !== "linux",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "httpserver-upload-large-" });
    const source = `${root}/source.bin`;
    await Deno.mkdir(`${root}/site`);
    const dd = await new Deno.Command("sh", {
      args: ["-c", `head -c ${SIZE_MIB * 1024 * 1024} /dev/urandom > "$0"`, source],
    }).output();
    assertEquals(dd.code, 0);
    const expected = await sha256(source);
    const server = Child.spawn(Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      CLI_PATH,
      "--upload",
      "--max-upload-size",
      "2G",
      "-b",
      "127.0.0.1",
      "-d",
      `${root}/site`,
      "0",
    ]);
    try {
      const { port } = await server.banner();
      const base = `http://127.0.0.1:${port}`;
      // Warm up (loads the upload and multipart modules) before the baseline.
      await curl(["-F", "files=@/dev/null;filename=warm.txt", `${base}/`]);
      const before = peakRssMib(server.process.pid);
      let started = performance.now();
      assertEquals(
        await curl(["-o", "/dev/null", "-w", "%{http_code}", "-T", source, `${base}/put.bin`]),
        "201",
      );
      const putSeconds = (performance.now() - started) / 1000;
      const afterPut = peakRssMib(server.process.pid);
      started = performance.now();
      assertEquals(
        await curl(["-F", `files=@${source};filename=form.bin`, `${base}/`]),
        "form.bin\n",
      );
      const formSeconds = (performance.now() - started) / 1000;
      const afterForm = peakRssMib(server.process.pid);
      console.log(
        `${SIZE_MIB} MiB: PUT ${(SIZE_MIB / putSeconds).toFixed(0)} MiB/s, form ` +
          `${(SIZE_MIB / formSeconds).toFixed(0)} MiB/s; peak RSS ${before.toFixed(1)} MiB ` +
          `before, ${afterPut.toFixed(1)} after PUT, ${afterForm.toFixed(1)} after form`,
      );
      assertEquals(await sha256(`${root}/site/put.bin`), expected);
      assertEquals(await sha256(`${root}/site/form.bin`), expected);
      assert(afterForm - before < MAX_RSS_GROWTH_MIB, `peak RSS grew ${afterForm - before} MiB`);
    } finally {
      await server.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
