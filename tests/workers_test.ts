// `--workers N`: real processes on 127.0.0.1. The parent's children are found through
// /proc (their parent pid), and which worker served is read from each one's /proc/PID/io
// (bytes written: the response and its log line), so responses carry nothing extra.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import { Child, CLI_PATH, fetchBytes, sleep } from "./_cli_process.ts";
import { withoutWorkers } from "../workers.ts";

/** `deno run` with what `--workers` needs: the file server's permissions and running deno. */
const WORKER_PERMISSIONS = ["--allow-net", "--allow-read", "--allow-run"];

/** Milliseconds to wait for the workers to change (restart, exit). */
const SETTLE_TIMEOUT_MS = 20_000;

/** Short connections made to see both workers serve (each lands on one worker by its hash). */
const CONNECTIONS = 60;

const onLinux = Deno.build.os === "linux";

function startWorkers(args: string[]): Child {
  return Child.spawn(Deno.execPath(), ["run", ...WORKER_PERMISSIONS, CLI_PATH, ...args]);
}

/** Pids of the live (not zombie) processes whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(parent) === ppid && state !== "Z") pids.push(Number(entry.name));
    } catch {
      // Exited while listed.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Bytes a process has written so far (`wchar` of /proc/PID/io). */
function bytesWritten(pid: number): number {
  const io = Deno.readTextFileSync(`/proc/${pid}/io`);
  return Number(/^wchar: (\d+)$/m.exec(io)![1]);
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitUntil(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${SETTLE_TIMEOUT_MS} ms`);
    await sleep(50);
  }
}

Deno.test({
  name: "workers: --workers 2 starts two workers that both serve; SIGTERM stops all",
  ignore: !onLinux,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/a.txt`, "hello\n");
    const child = startWorkers(["--workers", "2", "-b", "127.0.0.1", "-d", dir, "0"]);
    try {
      const { port, line } = await child.banner();
      assert(port > 0, line);
      const workers = childrenOf(child.process.pid);
      assertEquals(workers.length, 2, `workers: ${workers}`);
      const before = workers.map(bytesWritten);
      // HTTP/1.0 (the default) ends each connection, so every fetch is a new connection, which
      // the kernel hands to one of the workers by its address hash.
      for (let i = 0; i < CONNECTIONS; i++) {
        const r = await fetchBytes(`http://127.0.0.1:${port}/a.txt`);
        assertEquals(r.status, 200);
        assertEquals(new TextDecoder().decode(r.body), "hello\n");
      }
      const served = workers.map((pid, i) => bytesWritten(pid) - before[i]);
      assert(served.every((bytes) => bytes > 0), `bytes written per worker: ${served}`);
      // The banner is printed once, by the parent.
      assertEquals(child.stdout.match(/^Serving HTTP/gm)?.length, 1);
      const r = await child.stop("SIGTERM");
      assertEquals(r.code, 0, child.describe());
      assertEquals(r.stdout.match(/Keyboard interrupt received, exiting\./g)?.length, 1);
      for (const pid of workers) assert(!alive(pid), `worker ${pid} left running`);
      // One line per request in the log, whichever worker wrote it.
      const lines = r.stderr.split("\n").filter((l) => l.includes('"GET /a.txt'));
      assertEquals(lines.length, CONNECTIONS, r.stderr);
    } finally {
      await child.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "workers: a killed worker is restarted and the port keeps answering",
  ignore: !onLinux,
  async fn() {
    const child = startWorkers(["--workers", "2", "-b", "127.0.0.1", "0"]);
    try {
      const { port } = await child.banner();
      const [victim, survivor] = childrenOf(child.process.pid);
      Deno.kill(victim, "SIGKILL");
      await waitUntil("restarted worker", () => {
        const now = childrenOf(child.process.pid);
        return now.length === 2 && !now.includes(victim) && now.includes(survivor);
      });
      assertMatch(child.stderr, /worker \d \(pid \d+\) exited \(signal SIGKILL\); restarting it/);
      for (let i = 0; i < 10; i++) {
        assertEquals((await fetchBytes(`http://127.0.0.1:${port}/`)).status, 200);
      }
      const workers = childrenOf(child.process.pid);
      const r = await child.stop("SIGTERM");
      assertEquals(r.code, 0, child.describe());
      for (const pid of workers) assert(!alive(pid), `worker ${pid} left running`);
    } finally {
      await child.kill();
    }
  },
});

Deno.test({
  name: "workers: workers whose parent was killed stop and free the port",
  ignore: !onLinux,
  async fn() {
    const child = startWorkers(["--workers", "2", "-b", "127.0.0.1", "0"]);
    try {
      const { port } = await child.banner();
      const workers = childrenOf(child.process.pid);
      assertEquals(workers.length, 2);
      await child.kill("SIGKILL");
      await waitUntil("orphaned workers to exit", () => workers.every((pid) => !alive(pid)));
      const again = Deno.listen({ hostname: "127.0.0.1", port });
      again.close();
    } finally {
      await child.kill();
    }
  },
});

Deno.test({
  name: "workers: SIGKILL of the parent's workers past the limit gives up with exit 1",
  ignore: !onLinux,
  async fn() {
    const child = startWorkers(["--workers", "2", "-b", "127.0.0.1", "0"]);
    try {
      await child.banner();
      let kills = 0;
      await waitUntil("give-up message", () => {
        if (child.stderr.includes("giving up")) return true;
        const [pid] = childrenOf(child.process.pid);
        if (pid !== undefined && kills < 10) {
          try {
            Deno.kill(pid, "SIGKILL");
            kills++;
          } catch {
            // Exited meanwhile.
          }
        }
        return false;
      });
      const r = await child.finished();
      assertEquals(r.code, 1, child.describe());
      assertMatch(r.stderr, /5 restarts within 60 s, giving up/);
    } finally {
      await child.kill();
    }
  },
});

Deno.test("workers: bad --workers values are argparse errors (exit 2)", async () => {
  for (const value of ["0", "x", "257", "-1", "1.5"]) {
    const r = await startWorkers(["--workers", value]).finished();
    assertEquals(r.code, 2, r.stderr);
    assertStringIncludes(r.stderr, "argument --workers: ");
    assertStringIncludes(r.stderr, "(1-256 or auto)");
    assertEquals(r.stdout, "");
  }
  const missing = await startWorkers(["--workers"]).finished();
  assertEquals(missing.code, 2);
  assertStringIncludes(missing.stderr, "argument --workers: expected one argument");
});

Deno.test("workers: without --allow-run, --workers 2 is a one-line error (exit 1)", async () => {
  const r = await Child.cli(["--workers", "2", "-b", "127.0.0.1", "0"]).finished();
  assertEquals(r.code, 1, r.stderr);
  assertMatch(
    r.stderr,
    /^\S+: error: --workers needs --allow-run for '[^']+' \(to start workers\)\n$/,
  );
  assertEquals(r.stdout, "");
});

Deno.test("workers: an address in use is reported once by the parent (exit 1)", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const r = await startWorkers(["--workers", "2", "-b", "127.0.0.1", String(port)]).finished();
    assertEquals(r.code, 1, r.stderr);
    assertStringIncludes(r.stderr, "Address already in use");
    assertEquals(r.stderr.split("\n").filter((l) => l !== "").length, 1, r.stderr);
  } finally {
    taken.close();
  }
});

Deno.test("workers: --workers 1 serves as the plain command does, in one process", async () => {
  const plain = Child.cli(["-b", "127.0.0.1", "0"]);
  const one = Child.cli(["--workers", "1", "-b", "127.0.0.1", "0"]);
  try {
    const [a, b] = [await plain.banner(), await one.banner()];
    assertEquals(childrenOf(one.process.pid), []);
    const strip = (text: string) => text.replace(/^Date: .*$/m, "").replaceAll(/\d{4,5}/g, "P");
    const wire = async (port: number) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("GET /deno.json HTTP/1.0\r\n\r\n"));
      const bytes = new Uint8Array(await new Response(conn.readable).arrayBuffer());
      return strip(new TextDecoder("latin1").decode(bytes));
    };
    assertEquals(await wire(b.port), await wire(a.port));
    const [ra, rb] = [await plain.stop("SIGTERM"), await one.stop("SIGTERM")];
    assertEquals(rb.code, ra.code);
    assertEquals(strip(rb.stdout), strip(ra.stdout));
    assertEquals(rb.stderr.replace(/\d+/g, "N"), ra.stderr.replace(/\d+/g, "N"));
  } finally {
    await plain.kill();
    await one.kill();
  }
});

Deno.test("workers: a worker's arguments are the command line's without --workers", () => {
  assertEquals(withoutWorkers(["--workers", "2", "-b", "x", "--workers=auto", "8000"]), [
    "-b",
    "x",
    "8000",
  ]);
  assertEquals(withoutWorkers(["-d", "d", "--", "--workers"]), ["-d", "d", "--", "--workers"]);
});
