// A large upload streams to disk with flat server memory: the CLI's peak RSS (VmHWM) after a
// form POST, then after a PUT, of UPLOAD_LARGE_MIB MiB (default 256, quick enough for CI; the
// growth does not depend on the size) stays within a fixed bound of its peak before, and the
// stored files are byte-identical (SHA-256) to what curl sent.
import { assert, assertEquals } from "../deps.ts";
import { Child, CLI_PATH } from "./_cli_process.ts";

const SIZE_MIB = Number(Deno.env.get("UPLOAD_LARGE_MIB") ?? "256");
/**
 * Most MiB the server's peak RSS may grow by during each upload: the read buffer and V8's
 * young generation filling up, never the file. Measured +8 to +12 MiB for 256 MiB to 1 GiB,
 * form or PUT; a copy per 64 KiB read (garbage V8 frees late) gave the form path +50 MiB for
 * 256 MiB and +100 for 1 GiB, so this bound catches it with room for noise.
 */
const MAX_RSS_GROWTH_MIB = 24;

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
  name: `upload large: ${SIZE_MIB} MiB form POST and PUT with flat server memory`,
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
      // The form first, so that its peak is its own.
      let started = performance.now();
      assertEquals(
        await curl(["-F", `files=@${source};filename=form.bin`, `${base}/`]),
        "form.bin\n",
      );
      const formSeconds = (performance.now() - started) / 1000;
      const afterForm = peakRssMib(server.process.pid);
      started = performance.now();
      assertEquals(
        await curl(["-o", "/dev/null", "-w", "%{http_code}", "-T", source, `${base}/put.bin`]),
        "201",
      );
      const putSeconds = (performance.now() - started) / 1000;
      const afterPut = peakRssMib(server.process.pid);
      console.log(
        `${SIZE_MIB} MiB: form ${(SIZE_MIB / formSeconds).toFixed(0)} MiB/s, PUT ` +
          `${(SIZE_MIB / putSeconds).toFixed(0)} MiB/s; peak RSS ${before.toFixed(1)} MiB ` +
          `before, ${afterForm.toFixed(1)} after form, ${afterPut.toFixed(1)} after PUT`,
      );
      assertEquals(await sha256(`${root}/site/form.bin`), expected);
      assertEquals(await sha256(`${root}/site/put.bin`), expected);
      assert(
        afterForm - before <= MAX_RSS_GROWTH_MIB,
        `peak RSS grew ${(afterForm - before).toFixed(1)} MiB during the form upload`,
      );
      assert(
        afterPut - before <= MAX_RSS_GROWTH_MIB,
        `peak RSS grew ${(afterPut - before).toFixed(1)} MiB during the uploads`,
      );
    } finally {
      await server.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
