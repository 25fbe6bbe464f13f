/**
 * Listing requests, and what they cost the server (issue #15, `bench/listings.sh`): each
 * round fetches the listing with `curl` (time to first byte, total, bytes) while this process
 * sends `GET SMALL` on one keep-alive connection (one per request if the server closes), one
 * request after another, for as long as the listing runs: the slowest of them is how long
 * another client waited. With the server's pid, its peak resident memory during the round
 * (`VmHWM`, reset before each round through `/proc/PID/clear_refs`) and its growth over the
 * resident memory before the round.
 *
 * Run: `deno run -A bench/listing_probe.ts [--rounds N] [--label TEXT] URL SMALL_PATH [PID]
 * [-- CURL_ARGS...]` (`-A`: Deno writes `/proc/PID/clear_refs` only with all permissions).
 * Prints one Markdown table row: label, TTFB and total (medians), bytes, the other client's
 * slowest wait (over all rounds), its 99th percentile and median, the number of its requests
 * (all rounds), the first round's memory growth and the highest peak (MiB). With
 * `PROBE_DEBUG=1`, each round's figures and its slow small requests (ms from the round's start
 * + ms waited) go to stderr.
 *
 * @module
 */

/** The probe's small requests stop at this many (a runaway listing ends the probe). */
const MAX_PROBES = 1_000_000;

/** A small request slower than this is listed with `PROBE_DEBUG` (the target wait). */
const SLOW_MS = 50;

/** What one round measured. */
interface ProbeResult {
  ttfbMs: number;
  totalMs: number;
  bytes: number;
  probes: number;
  slowestMs: number;
  medianMs: number;
  p99Ms: number;
  rssBeforeKiB: number | null;
  peakKiB: number | null;
}

function kib(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match === null ? null : Number(match[1]);
}

function readStatus(pid: string | undefined): string {
  if (pid === undefined) return "";
  try {
    return Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return "";
  }
}

/**
 * Sends `GET path` on `conn` and reads one response with a Content-Length to its end; true
 * when the server keeps the connection open (HTTP/1.1 without `Connection: close`).
 */
async function smallRequest(
  conn: Deno.Conn,
  request: Uint8Array,
  buffer: Uint8Array,
): Promise<boolean> {
  await conn.write(request);
  let keepAlive = false;
  let received = 0;
  let expected = -1;
  while (expected < 0 || received < expected) {
    const n = await conn.read(buffer.subarray(received));
    if (n === null) throw new Error("small request: connection closed");
    received += n;
    if (expected < 0) {
      const text = new TextDecoder().decode(buffer.subarray(0, received));
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      expected = end + 4 + Number(length?.[1] ?? 0);
      const head = text.slice(0, end);
      keepAlive = head.startsWith("HTTP/1.1") && !/\r\nconnection:\s*close/i.test(head);
    }
  }
  return keepAlive;
}

/** The probe's connection: kept while the server keeps it, else one per request. */
class ProbeConnection {
  #conn: Deno.Conn | null = null;
  readonly #address: Deno.ConnectOptions;
  readonly #request: Uint8Array;
  readonly #buffer = new Uint8Array(64 * 1024);

  constructor(address: Deno.ConnectOptions, request: Uint8Array) {
    this.#address = address;
    this.#request = request;
  }

  /** One small request (connecting first if needed). */
  async get(): Promise<void> {
    this.#conn ??= await Deno.connect(this.#address);
    if (!await smallRequest(this.#conn, this.#request, this.#buffer)) this.close();
  }

  close(): void {
    this.#conn?.close();
    this.#conn = null;
  }
}

async function probe(
  url: string,
  smallPath: string,
  pid: string | undefined,
  curlArgs: string[],
): Promise<ProbeResult> {
  const { hostname, port } = new URL(url);
  const request = new TextEncoder().encode(
    `GET ${smallPath} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`,
  );
  const conn = new ProbeConnection({ hostname, port: Number(port) }, request);
  await conn.get();
  if (pid !== undefined) Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
  const rssBeforeKiB = kib(readStatus(pid), "VmRSS");
  const curl = new Deno.Command("curl", {
    args: [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{time_starttransfer} %{time_total} %{size_download}",
      ...curlArgs,
      url,
    ],
    stdout: "piped",
  }).spawn();
  let done = false;
  const output = curl.output().finally(() => done = true);
  const waits: number[] = [];
  const slow: string[] = [];
  const roundStart = performance.now();
  while (!done && waits.length < MAX_PROBES) {
    const start = performance.now();
    await conn.get();
    const wait = performance.now() - start;
    waits.push(wait);
    if (wait > SLOW_MS) slow.push(`${(start - roundStart).toFixed(0)}+${wait.toFixed(0)}`);
  }
  if (Deno.env.get("PROBE_DEBUG")) console.error("slow", slow.join(" "));
  const [ttfb, total, bytes] = new TextDecoder().decode((await output).stdout).split(" ")
    .map(Number);
  conn.close();
  waits.sort((a, b) => a - b);
  const at = (q: number) =>
    waits.length === 0 ? 0 : waits[Math.min(waits.length - 1, Math.floor(q * waits.length))];
  return {
    ttfbMs: Math.round(ttfb * 1000),
    totalMs: Math.round(total * 1000),
    bytes,
    probes: waits.length,
    slowestMs: Math.round(waits.at(-1) ?? 0),
    medianMs: Math.round(at(0.5) * 10) / 10,
    p99Ms: Math.round(at(0.99)),
    rssBeforeKiB,
    peakKiB: kib(readStatus(pid), "VmHWM"),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function main(args: string[]): Promise<string> {
  let rounds = 1;
  let label = "";
  const rest = [...args];
  while (rest[0] === "--rounds" || rest[0] === "--label") {
    const [flag, value] = rest.splice(0, 2);
    if (flag === "--rounds") rounds = Number(value);
    else label = value;
  }
  const dashes = rest.indexOf("--");
  const [url, smallPath, pid] = dashes < 0 ? rest : rest.slice(0, dashes);
  const curlArgs = dashes < 0 ? [] : rest.slice(dashes + 1);
  const results: ProbeResult[] = [];
  for (let round = 0; round < rounds; round++) {
    const separator = url.includes("?") ? "&" : "?";
    results.push(await probe(`${url}${separator}round=${round}`, smallPath, pid, curlArgs));
    if (Deno.env.get("PROBE_DEBUG")) console.error(JSON.stringify(results.at(-1)));
  }
  const mib = (kib: number | null) => kib === null ? "?" : (kib / 1024).toFixed(0);
  const first = results[0];
  const growth = first.peakKiB === null || first.rssBeforeKiB === null
    ? null
    : first.peakKiB - first.rssBeforeKiB;
  const peaks = results.map((result) => result.peakKiB ?? 0);
  const cells = [
    label,
    median(results.map((result) => result.ttfbMs)),
    median(results.map((result) => result.totalMs)),
    first.bytes.toLocaleString("en"),
    Math.max(...results.map((result) => result.slowestMs)),
    Math.max(...results.map((result) => result.p99Ms)),
    median(results.map((result) => result.medianMs)),
    results.reduce((sum, result) => sum + result.probes, 0),
    mib(growth),
    pid === undefined ? "?" : mib(Math.max(...peaks)),
  ];
  return `| ${cells.join(" | ")} |`;
}

if (import.meta.main) console.log(await main(Deno.args));
