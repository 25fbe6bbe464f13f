/**
 * Start-up (issue #17): time from spawning a server to its first `200`, for this server's
 * `cli.ts` (one or more checkouts), a five-line `Deno.serve` hello (`bench/deno_serve.ts`) and
 * nginx, in alternating rounds so drift on a shared machine touches all alike. Each sample
 * spawns the process, then connects over raw TCP (retrying every millisecond while the port
 * refuses) and sends `GET /small.txt HTTP/1.0` until a `200` status line comes back; the
 * process is then stopped. Prints each contender's median and its ratio to the hello, and the
 * median CPU time the server process (all its threads) had used when the 200 arrived, which a
 * loaded machine moves far less than the wall time (Linux only; not for nginx).
 *
 *   deno run -A bench/startup.ts [CHECKOUT...]      (default: this checkout)
 *   STARTUP_ROUNDS=15 STARTUP_PORT=18600 STARTUP_SCRIPTS=extra1.ts,extra2.ts
 *
 * A warm-up round (not counted) fills Deno's transpile cache, so the figures are of a warm
 * start, the one users see after the first run.
 *
 * @module
 */
const ROUNDS = Number(Deno.env.get("STARTUP_ROUNDS") ?? 15);
/** Gives up on a contender that has not answered in this long: a broken start, not a slow one. */
const ANSWER_DEADLINE_MS = 10_000;
/** Pause between connection attempts while the port still refuses. */
const RETRY_MS = 1;
const BASE_PORT = Number(Deno.env.get("STARTUP_PORT") ?? 18600);
const here = new URL(".", import.meta.url).pathname;
const checkouts = Deno.args.length > 0 ? Deno.args : [new URL("..", import.meta.url).pathname];

const tree = await Deno.makeTempDir({ prefix: "httpserver-startup-" });
await Deno.chmod(tree, 0o755); // nginx's worker runs as another user
await Deno.writeTextFile(`${tree}/small.txt`, "x".repeat(1024));
await Deno.mkdir(`${tree}/nginx`);

interface Contender {
  name: string;
  port: number;
  command: () => Deno.Command;
}

const contenders: Contender[] = [];
contenders.push({
  name: "Deno.serve hello",
  port: BASE_PORT,
  command: () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", `${here}deno_serve.ts`, String(BASE_PORT)],
      stdout: "null",
      stderr: "null",
    }),
});
// Extra `Deno.serve`-style scripts (`deno run --allow-net SCRIPT PORT`), e.g. to price one
// API's first use: STARTUP_SCRIPTS=a.ts,b.ts
const extraScripts = (Deno.env.get("STARTUP_SCRIPTS") ?? "").split(",").filter(Boolean);
extraScripts.forEach((script, i) => {
  const port = BASE_PORT + 50 + i;
  contenders.push({
    name: script.split("/").at(-1) ?? script,
    port,
    command: () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-net", script, String(port)],
        stdout: "null",
        stderr: "null",
      }),
  });
});
const nginxPort = BASE_PORT + 1;
await Deno.writeTextFile(
  `${tree}/nginx/nginx.conf`,
  `worker_processes 1;
daemon off;
pid ${tree}/nginx/nginx.pid;
error_log ${tree}/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${tree}/nginx/body;
  proxy_temp_path ${tree}/nginx/proxy;
  fastcgi_temp_path ${tree}/nginx/fastcgi;
  uwsgi_temp_path ${tree}/nginx/uwsgi;
  scgi_temp_path ${tree}/nginx/scgi;
  server { listen 127.0.0.1:${nginxPort}; root ${tree}; }
}
`,
);
contenders.push({
  name: "nginx",
  port: nginxPort,
  command: () =>
    new Deno.Command("nginx", {
      args: [
        "-p",
        `${tree}/nginx`,
        "-c",
        `${tree}/nginx/nginx.conf`,
        "-e",
        `${tree}/nginx/error.log`,
      ],
      stdout: "null",
      stderr: "null",
    }),
});
checkouts.forEach((dir, i) => {
  const port = BASE_PORT + 2 + i;
  const root = dir.endsWith("/") ? dir : `${dir}/`;
  contenders.push({
    name: `cli.ts ${root.split("/").filter(Boolean).at(-1)}`,
    port,
    command: () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net",
          "--allow-read",
          `${root}cli.ts`,
          "-b",
          "127.0.0.1",
          "-d",
          tree,
          String(port),
        ],
        stdout: "null",
        stderr: "null",
      }),
  });
});

const encoder = new TextEncoder();
const request = encoder.encode("GET /small.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");

/**
 * One request: the milliseconds from the accepted connection to the answer's status line when
 * it says 200 (the first request's own cost, without the start before it), else null.
 */
async function answersOk(port: number): Promise<number | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const connected = performance.now();
  try {
    await conn.write(request);
    const buf = new Uint8Array(64);
    let got = 0;
    while (got < 12) {
      const n = await conn.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    const ok = new TextDecoder().decode(buf.subarray(0, got)).startsWith("HTTP/1.") &&
      new TextDecoder().decode(buf.subarray(9, 12)) === "200";
    return ok ? performance.now() - connected : null;
  } finally {
    conn.close();
  }
}

/**
 * CPU time (ms) all threads of process `pid` have run so far, from Linux's per-thread
 * `schedstat` (nanoseconds); null where that is unavailable (another OS, or nginx, whose
 * worker is a separate process). Unlike the wall time it hardly moves with the load of other
 * processes on a shared machine.
 */
function cpuMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0]);
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

/**
 * One start: milliseconds from spawn to the first 200, of which the first request itself took
 * `request` (from its connection), and the CPU time the server had used.
 */
interface Sample {
  wall: number;
  request: number;
  cpu: number | null;
}

/** Spawns the contender and waits for its first 200. */
async function sample(contender: Contender): Promise<Sample> {
  const start = performance.now();
  const child = contender.command().spawn();
  // A box, so the narrowing of a plain `let` does not hide the callback's write.
  const exit: { status: Deno.CommandStatus | null } = { status: null };
  const status = child.status.then((value) => exit.status = value);
  try {
    while (performance.now() - start < ANSWER_DEADLINE_MS) {
      if (exit.status !== null) {
        throw new Error(`${contender.name}: exited (code ${exit.status.code}) before answering`);
      }
      try {
        const request = await answersOk(contender.port);
        if (request !== null) {
          const wall = performance.now() - start;
          return { wall, request, cpu: contender.name === "nginx" ? null : cpuMs(child.pid) };
        }
      } catch {
        // refused: not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    throw new Error(`${contender.name}: no 200 within ${ANSWER_DEADLINE_MS} ms`);
  } finally {
    if (exit.status === null) child.kill("SIGTERM");
    await status;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

try {
  for (const contender of contenders) await sample(contender); // warm-up
  const times = contenders.map((): number[] => []);
  const cpus = contenders.map((): number[] => []);
  const requests = contenders.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const { wall, request, cpu } = await sample(contenders[i]);
      times[i].push(wall);
      requests[i].push(request);
      if (cpu !== null) cpus[i].push(cpu);
    }
  }
  const hello = median(times[0]);
  const helloCpu = cpus[0].length > 0 ? median(cpus[0]) : NaN;
  console.log(
    `spawn to first 200, ${ROUNDS} alternating rounds: wall median (min-max) ms, ratio; ` +
      `first request (connection to 200) median ms; server CPU median ms, ratio`,
  );
  contenders.forEach((contender, i) => {
    const m = median(times[i]);
    const lo = Math.min(...times[i]);
    const hi = Math.max(...times[i]);
    const cpu = cpus[i].length > 0 ? median(cpus[i]) : null;
    const cpuText = cpu === null
      ? ""
      : `   cpu ${cpu.toFixed(1).padStart(6)}  ${(cpu / helloCpu).toFixed(2)}x`;
    console.log(
      `${contender.name.padEnd(24)} ${m.toFixed(1).padStart(7)} ` +
        `(${lo.toFixed(1)}-${hi.toFixed(1)})  ${(m / hello).toFixed(2)}x hello` +
        `   request ${median(requests[i]).toFixed(1).padStart(5)}${cpuText}`,
    );
  });
} finally {
  await Deno.remove(tree, { recursive: true });
}
