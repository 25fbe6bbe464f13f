/**
 * After a burst of connections has closed, the server gives back the native heap memory they
 * left in glibc's main arena (issue #17: RSS after all connections close), not only the V8
 * heap. Real processes: the command line server in a child, a CPython client holding
 * thousands of keep-alive connections, and the size of the server's `[heap]` mapping (glibc's
 * main arena; V8 never uses it) read from `/proc`. Linux with glibc only.
 */
import { assert } from "../deps.ts";
import { Child, CLI_PATH, CLI_PERMISSIONS, sleep } from "./_cli_process.ts";
import { findPython313 } from "./_helpers.ts";

/** Keep-alive connections in the burst: enough to grow the main arena by several MiB. */
const CONNECTIONS = 3000;
/** Open files the server and the client each need for the burst (raised to, when allowed). */
const FILE_LIMIT = 8192;
/**
 * Most of the main arena's growth allowed to stay resident once the connections have closed:
 * without the trim all of it stays (about 2 KiB per connection); with it, about a sixth.
 */
const KEPT_FRACTION = 0.5;
/** Milliseconds to wait for the collection after the last connection closed. */
const SETTLE_LIMIT_MS = 15_000;

/** Opens the connections, one request each, holds them until told, then closes them all. */
const CLIENT = String.raw`
import resource, socket, sys
port, count, limit = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, hard), hard))
conns = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    conns.append(s)
for s in conns:
    got = b""
    while b"\r\n\r\n" not in got or len(got) < got.index(b"\r\n\r\n") + 4 + 1024:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("closed early")
        got += chunk
print("open", flush=True)
sys.stdin.readline()
for s in conns:
    s.close()
print("closed", flush=True)
`;

/** Resident KiB of the process's `[heap]` mapping, or null when it has none. */
function mainArenaKiB(pid: number): number | null {
  const smaps = Deno.readTextFileSync(`/proc/${pid}/smaps`);
  const start = smaps.indexOf("[heap]\n");
  if (start < 0) return null;
  const rss = /\nRss:\s+(\d+) kB/.exec(smaps.slice(start));
  return rss === null ? null : Number(rss[1]);
}

/** Why this machine cannot run the test, or null. */
function whyNot(python: string | null): string | null {
  if (Deno.build.os !== "linux") return "needs Linux (/proc, glibc)";
  if (python === null) return "needs CPython 3.13 (pyenv)";
  const hard = new TextDecoder().decode(
    new Deno.Command("sh", { args: ["-c", "ulimit -Hn"], stdout: "piped" }).outputSync().stdout,
  ).trim();
  if (hard !== "unlimited" && Number(hard) < FILE_LIMIT) {
    return `needs an open-file hard limit of ${FILE_LIMIT} (have ${hard})`;
  }
  return null;
}

const python = findPython313();
const skip = whyNot(python);

Deno.test({
  name: "native heap: the main arena shrinks back after a burst of connections closes",
  ignore: skip !== null,
  async fn() {
    const tree = await Deno.makeTempDir({ prefix: "native-heap-" });
    await Deno.writeTextFile(`${tree}/small.txt`, "x".repeat(1024));
    const server = Child.spawn("sh", [
      "-c",
      `ulimit -n ${FILE_LIMIT} && exec "$@"`,
      "sh",
      Deno.execPath(),
      "run",
      ...CLI_PERMISSIONS,
      CLI_PATH,
      "-p",
      "HTTP/1.1",
      "--max-connections",
      String(CONNECTIONS + 100),
      "-b",
      "127.0.0.1",
      "-d",
      tree,
      "0",
    ]);
    let client: Deno.ChildProcess | undefined;
    try {
      const { port } = await server.banner();
      const pid = server.process.pid;
      await sleep(500);
      const idle = mainArenaKiB(pid);
      assert(idle !== null, "the server has no [heap] mapping");
      client = new Deno.Command(python!, {
        args: ["-c", CLIENT, String(port), String(CONNECTIONS), String(FILE_LIMIT)],
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const lines = client.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const opened = await lines.read();
      assert(opened.value?.startsWith("open"), `client said ${JSON.stringify(opened.value)}`);
      const held = mainArenaKiB(pid)!;
      const growth = held - idle;
      assert(growth > 2048, `the burst grew the main arena by ${growth} KiB only`);
      const writer = client.stdin.getWriter();
      await writer.write(new TextEncoder().encode("\n"));
      await writer.close();
      for (let said = ""; !said.includes("closed");) {
        const { done, value } = await lines.read();
        if (done) break;
        said += value;
      }
      assert((await client.status).success, "the client failed");
      client = undefined;
      const bound = idle + growth * KEPT_FRACTION;
      let after = held;
      const until = Date.now() + SETTLE_LIMIT_MS;
      while (Date.now() < until) {
        after = mainArenaKiB(pid)!;
        if (after <= bound) break;
        await sleep(200);
      }
      assert(
        after <= bound,
        `main arena: idle ${idle} KiB, ${held} with ${CONNECTIONS} connections open, ` +
          `${after} after they closed (at most ${Math.round(bound)} expected)`,
      );
    } finally {
      if (client !== undefined) {
        client.kill();
        await client.status;
      }
      await server.stop();
      await Deno.remove(tree, { recursive: true });
    }
  },
});

if (skip !== null) console.log(`native_heap_trim_test: skipped, ${skip}`);
