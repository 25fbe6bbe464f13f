/**
 * Heap allocated per close-per-request connection (issue #17): runs `cli.ts` of a checkout in
 * this process with V8's sampling heap profiler on (objects already collected included), while
 * `wrk -c50 -H "Connection: close"` fetches the 1 KiB `small.txt` over fresh connections; prints
 * the KiB allocated per connection and the functions that allocate the most. Unlike time, the
 * bytes allocated per connection hardly move with the load of a shared machine, so two
 * checkouts compare even when throughput figures do not. The server logs to stderr: send it to
 * /dev/null.
 *
 * Run: `deno run -A bench/close_alloc.ts CHECKOUT [seconds=4] [port=18470] [top=25]
 * 2>/dev/null` (one warm-up second of load first, unmeasured).
 *
 * @module
 */
import { Session } from "node:inspector";

/** Bytes between two samples of the profiler: small enough for a few KiB per connection. */
const SAMPLING_INTERVAL_BYTES = 256;

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const [checkout, secondsArg, portArg, topArg] = Deno.args;
if (checkout === undefined) {
  console.error("usage: close_alloc.ts CHECKOUT [seconds] [port] [top]");
  Deno.exit(2);
}
const root = await Deno.realPath(checkout);
const seconds = Number(secondsArg ?? 4);
const port = String(portArg ?? 18470);
const top = Number(topArg ?? 25);
const tree = await Deno.makeTempDir({ prefix: "close-alloc-" });
await new Deno.Command(Deno.execPath(), {
  args: ["run", `--allow-write=${tree}`, `${root}/bench/make_tree.ts`, tree],
  stdout: "null",
}).output();

const session = new Session();
session.connect();
function post<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error: Error | null, result: unknown) => {
      if (error) reject(error);
      else resolve(result as T);
    })
  );
}

async function wrk(duration: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/small.txt`;
  const output = await new Deno.Command("wrk", {
    args: ["-t1", "-c50", `-d${duration}s`, "-H", "Connection: close", url],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  return Number(text.match(/(\d+) requests in/)?.[1] ?? 0);
}

const { main } = await import(`file://${root}/cli.ts`);
main(["-b", "127.0.0.1", "-d", tree, port]);
await new Promise((resolve) => setTimeout(resolve, 500));
await wrk(1);
await post("HeapProfiler.startSampling", {
  samplingInterval: SAMPLING_INTERVAL_BYTES,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const connections = await wrk(seconds);
const { profile } = await post<{ profile: { head: SamplingNode } }>(
  "HeapProfiler.stopSampling",
);

const bySite = new Map<string, number>();
let total = 0;
const pending = [profile.head];
while (pending.length > 0) {
  const node = pending.pop() as SamplingNode;
  const frame = node.callFrame;
  const site = `${frame.functionName || "(anonymous)"} (${
    frame.url.split("/").slice(-2).join("/")
  }:${frame.lineNumber + 1})`;
  total += node.selfSize;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  pending.push(...node.children);
}
console.log(
  `${root}: ${connections} connections, ${(total / 1024 / connections).toFixed(2)} KiB ` +
    `allocated per connection`,
);
console.log("| bytes/conn | function (line of the compiled module) |\n| ---: | --- |");
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${(bytes / connections).toFixed(0)} | ${site} |`);
}
await Deno.remove(tree, { recursive: true });
Deno.exit(0);
