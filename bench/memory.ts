/**
 * Memory per connection (issue #17): the server's RSS with N idle keep-alive connections (each
 * sent one request and read its 1 KiB answer, then stays open and silent), after they all
 * closed, and the peak under a burst of connections that each send one request and close.
 * Side by side: this server (`cli.ts -p HTTP/1.1` on a generated tree, `/small.txt`, which
 * collects garbage once a burst has ended; `ours_gc` the same with `--v8-flags=--expose-gc`,
 * which makes that collection use the exposed `gc`), the raw `Deno.listen` loop
 * (`raw_loop.ts`, 4 KiB buffer), `Deno.serve` (`deno_serve.ts`) and nginx (one worker, a
 * temporary prefix, `daemon off`). RSS is `VmRSS` from `/proc` (for nginx the master plus its
 * worker), the burst peak `VmHWM` of a freshly started process. "After all closed" is read once
 * the server has closed the connections (its descriptors back to the idle count) and 3 s more;
 * the `RssAnon` column leaves out the executable's pages mapped from disk (code the load ran
 * for the first time), which the kernel can drop and share.
 *
 * Run: `deno run -A bench/memory.ts [--counts 100,1000,5000,10000] [--burst 1000]
 *   [--servers ours,ours_gc,raw,deno_serve,nginx] [--port 18700] [--root CHECKOUT]` (127.0.0.1 only; counts above the
 * open-file limit, `ulimit -n`, are skipped). Prints a markdown table.
 *
 * @module
 */
import { makeTree } from "./make_tree.ts";

/** Connections opened at once while building up the idle set (below the listen backlog). */
const OPEN_BATCH = 200;
/** Milliseconds to let the server settle before RSS is read. */
const SETTLE_MS = 1500;
/** Milliseconds one connection may take to get its answer before the run gives up. */
const REQUEST_TIMEOUT_MS = 20_000;
/** Milliseconds a server may take to close the connections its clients closed. */
const CLOSE_TIMEOUT_MS = 30_000;
/** Descriptors above the idle count that still count as "all closed" (logs, timers, ...). */
const FD_SLACK = 8;
/** Milliseconds a server may take to start listening. */
const START_TIMEOUT_MS = 15_000;

const REQUEST = new TextEncoder().encode(
  "GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: memory-bench\r\n\r\n",
);
const BENCH_DIR = new URL(".", import.meta.url).pathname;
/** The checkout whose `cli.ts` is "ours" (`--root DIR` compares another, e.g. an older one). */
const ROOT_DIR = option("--root", new URL("..", import.meta.url).pathname);

type ServerName = "ours" | "ours_gc" | "raw" | "deno_serve" | "nginx";

interface Running {
  pid: number;
  stop(): Promise<void>;
}

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(name);
  return at >= 0 && at + 1 < Deno.args.length ? Deno.args[at + 1] : fallback;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function statusKiB(pid: number, field: string): number {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return match === null ? 0 : Number(match[1]);
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push(Number(entry.name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** KiB of the process and its children (nginx's worker). */
function treeKiB(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon"): number {
  let total = statusKiB(pid, field);
  for (const child of childrenOf(pid)) total += statusKiB(child, field);
  return total;
}

/** Open descriptors of the process and its children. */
function treeFds(pid: number): number {
  let total = 0;
  for (const each of [pid, ...childrenOf(pid)]) {
    try {
      for (const _ of Deno.readDirSync(`/proc/${each}/fd`)) total++;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/**
 * Waits until the server has closed what the clients closed (its descriptors back to `fds`),
 * then `SETTLE_MS * 2` more: the memory a server gives back once its connections have ended
 * (the collection after a burst) is counted however long the closing itself took.
 */
async function settleAfterClose(pid: number, fds: number): Promise<void> {
  const until = Date.now() + CLOSE_TIMEOUT_MS;
  while (treeFds(pid) > fds + FD_SLACK && Date.now() < until) await sleep(100);
  await sleep(SETTLE_MS * 2);
}

async function waitForPort(port: number): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

function spawn(cmd: string, args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, cwd, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
}

async function start(name: ServerName, port: number, tree: string): Promise<Running> {
  let child: Deno.ChildProcess;
  switch (name) {
    case "ours":
    case "ours_gc":
      child = spawn(Deno.execPath(), [
        "run",
        ...(name === "ours_gc" ? ["--v8-flags=--expose-gc"] : []),
        "--allow-net=127.0.0.1",
        `--allow-read=${tree}`,
        "cli.ts",
        "-b",
        "127.0.0.1",
        "-d",
        tree,
        "-p",
        "HTTP/1.1",
        "--max-connections",
        "30000",
        "--idle-timeout",
        "600",
        String(port),
      ], ROOT_DIR);
      break;
    case "raw":
      child = spawn(Deno.execPath(), ["run", "-A", "raw_loop.ts", String(port), "4096"], BENCH_DIR);
      break;
    case "deno_serve":
      child = spawn(Deno.execPath(), ["run", "-A", "deno_serve.ts", String(port)], BENCH_DIR);
      break;
    case "nginx": {
      const prefix = Deno.makeTempDirSync({ prefix: "memory-nginx-" });
      Deno.writeTextFileSync(
        `${prefix}/nginx.conf`,
        `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 30000; }
http {
  access_log off;
  keepalive_timeout 600;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server { listen 127.0.0.1:${port}; root ${tree}; }
}
`,
      );
      child = spawn("nginx", [
        "-p",
        prefix,
        "-c",
        `${prefix}/nginx.conf`,
        "-e",
        `${prefix}/error.log`,
      ], prefix);
      const stopNginx = child;
      await waitForPort(port);
      return {
        pid: child.pid,
        stop: async () => {
          stopNginx.kill("SIGQUIT");
          await stopNginx.status;
          Deno.removeSync(prefix, { recursive: true });
        },
      };
    }
  }
  await waitForPort(port);
  const running = child;
  return {
    pid: child.pid,
    stop: async () => {
      running.kill("SIGTERM");
      await running.status;
    },
  };
}

/** Sends one request and reads the whole answer; the connection stays open. */
async function oneRequest(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(REQUEST);
  const buf = new Uint8Array(8192);
  let have = 0;
  let want = Infinity;
  const timer = setTimeout(() => conn.close(), REQUEST_TIMEOUT_MS);
  try {
    while (have < want) {
      const n = await conn.read(buf.subarray(have));
      if (n === null) throw new Error("closed before the answer ended");
      have += n;
      if (want === Infinity) {
        const text = new TextDecoder("latin1").decode(buf.subarray(0, have));
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) continue;
        const length = text.match(/\r\ncontent-length:\s*(\d+)/i);
        want = end + 4 + Number(length?.[1] ?? 0);
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return conn;
}

async function openIdle(port: number, count: number): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  for (let opened = 0; opened < count; opened += OPEN_BATCH) {
    const batch = Math.min(OPEN_BATCH, count - opened);
    conns.push(...await Promise.all(Array.from({ length: batch }, () => oneRequest(port))));
  }
  return conns;
}

function closeAll(conns: Deno.TcpConn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // Closed by the server.
    }
  }
}

const mib = (kib: number) => (kib / 1024).toFixed(1);

interface Row {
  server: ServerName;
  idleMiB: string;
  perConnection: string[];
  afterClose: string;
  idleAnon: string;
  afterCloseAnon: string;
  burstPeak: string;
  burstAfter: string;
}

async function measure(
  name: ServerName,
  port: number,
  tree: string,
  counts: number[],
  burst: number,
): Promise<Row> {
  let server = await start(name, port, tree);
  const perConnection: string[] = [];
  let idle = 0;
  let idleAnon = 0;
  let afterClose = 0;
  let afterCloseAnon = 0;
  try {
    closeAll(await openIdle(port, 1));
    await sleep(SETTLE_MS);
    idle = treeKiB(server.pid, "VmRSS");
    idleAnon = treeKiB(server.pid, "RssAnon");
    const idleFds = treeFds(server.pid);
    for (const count of counts) {
      const conns = await openIdle(port, count);
      await sleep(SETTLE_MS);
      const held = treeKiB(server.pid, "VmRSS");
      perConnection.push(`${((held - idle) / count).toFixed(1)} (${mib(held)})`);
      closeAll(conns);
      await settleAfterClose(server.pid, idleFds);
      afterClose = treeKiB(server.pid, "VmRSS");
      afterCloseAnon = treeKiB(server.pid, "RssAnon");
    }
  } finally {
    await server.stop();
  }
  server = await start(name, port, tree);
  let burstPeak = 0;
  let burstAfter = 0;
  try {
    const fds = treeFds(server.pid);
    const conns = await Promise.all(Array.from({ length: burst }, () => oneRequest(port)));
    closeAll(conns);
    await settleAfterClose(server.pid, fds);
    burstPeak = treeKiB(server.pid, "VmHWM");
    burstAfter = treeKiB(server.pid, "VmRSS");
  } finally {
    await server.stop();
  }
  return {
    server: name,
    idleMiB: mib(idle),
    perConnection,
    afterClose: mib(afterClose),
    idleAnon: mib(idleAnon),
    afterCloseAnon: mib(afterCloseAnon),
    burstPeak: mib(burstPeak),
    burstAfter: mib(burstAfter),
  };
}

if (import.meta.main) {
  const limit = Number(
    new TextDecoder().decode(
      new Deno.Command("sh", { args: ["-c", "ulimit -n"] }).outputSync().stdout,
    ).trim(),
  ) || 1024;
  const counts = option("--counts", "100,1000,5000,10000").split(",").map(Number)
    .filter((count) => count + 100 <= limit);
  const burst = Number(option("--burst", "1000"));
  const servers = option("--servers", "ours,ours_gc,raw,deno_serve,nginx").split(
    ",",
  ) as ServerName[];
  const port = Number(option("--port", "18700"));
  const tree = Deno.makeTempDirSync({ prefix: "memory-tree-" });
  try {
    await makeTree(tree);
    const rows: Row[] = [];
    for (const [i, name] of servers.entries()) {
      rows.push(await measure(name, port + i, tree, counts, burst));
      console.error(`measured ${name}`);
    }
    const header = counts.map((count) => `KiB/conn at ${count} (RSS MiB)`);
    console.log(
      `| server | idle RSS MiB | ${
        header.join(" | ")
      } | RSS after all closed MiB | anon: idle → after all closed MiB | burst ${burst}: peak MiB | after burst MiB |`,
    );
    console.log(`|---|---:|${counts.map(() => "---:").join("|")}|---:|---:|---:|---:|`);
    for (const row of rows) {
      console.log(
        `| ${row.server} | ${row.idleMiB} | ${
          row.perConnection.join(" | ")
        } | ${row.afterClose} | ${row.idleAnon} → ${row.afterCloseAnon} | ${row.burstPeak} | ${row.burstAfter} |`,
      );
    }
  } finally {
    Deno.removeSync(tree, { recursive: true });
  }
}
