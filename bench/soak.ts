/**
 * A bounded soak test of the command line, run as a child process on loopback: keep-alive
 * GETs, listings, large downloads, aborted downloads, malformed requests, slow (but legitimate)
 * clients and slow-header clients, all at once, for a fixed time. It reports the requests
 * served, errors by kind, the server's memory (RSS) at start, peak and end, and its open
 * descriptors at start and end.
 *
 * Pass: no legitimate request failed, RSS back within 10 MiB of its post-warm-up level,
 * descriptors back to their post-warm-up count.
 *
 * ```sh
 * deno run -A bench/soak.ts [--duration SECONDS] [--json]
 * ```
 *
 * @module
 */
import { mib, openDescriptors, rssBytes, spawnCli, waitUntil } from "../tests/hardening_child.ts";

/** Longest load phase accepted, in ms. */
export const MAX_DURATION_MS = 60_000;
/** Default load phase, in ms (about 55 s in all with the warm-up and the pauses). */
export const DEFAULT_DURATION_MS = 30_000;
/** RSS may end this much above its post-warm-up level. */
export const RSS_TOLERANCE_BYTES = 10 << 20;
/** Milliseconds any single client operation may take before it counts as a failure. */
const OPERATION_TIMEOUT_MS = 15_000;
/** The server's `--header-timeout` during the soak: slow-header clients are dropped at it. */
const HEADER_TIMEOUT_S = 2;
const SMALL_FILES = 50;
const LISTING_ENTRIES = 300;
const BIG_SIZE = 16 << 20;
/**
 * Milliseconds between the end of a load phase and the reading of the figures: the clients'
 * connections close (a lingering close lasts up to 2 s). Short on purpose: after about 8 s
 * of idleness V8's memory reducer may shrink the heap, which would make the start and end
 * figures depend on when it ran.
 */
export const DEFAULT_SETTLE_MS = 3000;
/**
 * Milliseconds of warm-up load: long enough for V8's heap to reach the size it keeps under
 * this load (it grows for about 12 s here), so that the baseline is the steady state and
 * growth after it means memory kept.
 */
export const DEFAULT_WARMUP_MS = 15_000;

/** How many concurrent clients of each kind run. */
export interface SoakMix {
  keepalive: number;
  listing: number;
  download: number;
  aborted: number;
  malformed: number;
  slow: number;
  slowloris: number;
}

/** Settings of a soak run. */
export interface SoakOptions {
  /** Milliseconds of load after the warm-up. */
  durationMs: number;
  /** Milliseconds of warm-up load before the baseline is taken. */
  warmupMs: number;
  /** Milliseconds of idleness before the baseline and before the end figures. */
  settleMs: number;
  /** Clients per kind. */
  mix: SoakMix;
  /** Flags for the server's `deno run` (e.g. `--v8-flags=--max-old-space-size=64`). */
  denoFlags: string[];
}

/** What a soak run measured. */
export interface SoakReport {
  durationMs: number;
  /** Legitimate requests answered correctly, by kind. */
  served: Record<string, number>;
  /** Legitimate requests that failed, by kind and reason. */
  failures: Record<string, number>;
  /** Hostile requests refused or dropped as expected, by kind. */
  refused: Record<string, number>;
  /** Hostile requests answered otherwise than expected, by kind and answer. */
  anomalies: Record<string, number>;
  /** RSS once a second during the load, for telling a leak from a plateau. */
  rssTimeline: number[];
  rss: { start: number; peak: number; end: number };
  fds: { start: number; peak: number; end: number };
  exitCode: number;
  /** Log lines the server wrote. */
  logLines: number;
  passed: boolean;
  /** Why the run failed (empty when it passed). */
  reasons: string[];
}

/** The default mix: 20 concurrent clients. */
export const DEFAULT_MIX: SoakMix = {
  keepalive: 6,
  listing: 2,
  download: 2,
  aborted: 2,
  malformed: 3,
  slow: 2,
  slowloris: 3,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function bump(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** A connection with bounded reads: every wait ends by `OPERATION_TIMEOUT_MS`. */
class Client {
  readonly conn: Deno.Conn;
  #buf = new Uint8Array(0);
  #chunk = new Uint8Array(256 * 1024);
  #eof = false;

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  static async open(port: number): Promise<Client> {
    return new Client(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async send(text: string | Uint8Array): Promise<void> {
    const bytes = typeof text === "string" ? encoder.encode(text) : text;
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Reads more; false at EOF or reset. */
  async #more(): Promise<boolean> {
    if (this.#eof) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), OPERATION_TIMEOUT_MS);
    });
    try {
      const read = this.conn.read(this.#chunk).catch(() => null);
      const n = await Promise.race([read, expired]);
      if (n === "timeout") throw new Error("timeout");
      if (n === null) {
        this.#eof = true;
        return false;
      }
      const merged = new Uint8Array(this.#buf.length + n);
      merged.set(this.#buf);
      merged.set(this.#chunk.subarray(0, n), this.#buf.length);
      this.#buf = merged;
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One response: status and body length (the body is read by Content-Length). */
  async response(): Promise<{ status: number; body: Uint8Array } | null> {
    let end: number;
    while ((end = findHeadEnd(this.#buf)) < 0) {
      if (!(await this.#more())) return null;
    }
    const head = decoder.decode(this.#buf.subarray(0, end));
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    const length = Number(/\r\nContent-Length: (\d+)/i.exec(head)?.[1] ?? -1);
    this.#buf = this.#buf.subarray(end + 4);
    if (length < 0) {
      while (await this.#more());
      const body = this.#buf;
      this.#buf = new Uint8Array(0);
      return { status, body };
    }
    while (this.#buf.length < length) {
      if (!(await this.#more())) break;
    }
    const body = this.#buf.subarray(0, length);
    this.#buf = this.#buf.subarray(Math.min(length, this.#buf.length));
    return { status, body };
  }

  /**
   * Reads an error answer to its end: the status of its status line, or of its page when it
   * has no head (CPython's answer before a version is known); 0 when nothing came.
   */
  async errorStatus(): Promise<number> {
    while (await this.#more());
    const text = decoder.decode(this.#buf);
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(text) ?? /<p>Error code: (\d{3})<\/p>/.exec(text);
    return match === null ? 0 : Number(match[1]);
  }

  /** Counts body bytes of a large response without keeping them. */
  async drainCount(): Promise<number> {
    let total = this.#buf.length;
    this.#buf = new Uint8Array(0);
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), OPERATION_TIMEOUT_MS);
      });
      const n = await Promise.race([this.conn.read(this.#chunk).catch(() => null), expired]);
      clearTimeout(timer);
      if (n === "timeout") throw new Error("timeout");
      if (n === null) return total;
      total += n;
    }
  }

  /** Whether the server closes within `ms` (EOF or reset), reading and dropping any data. */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(1, deadline - Date.now()));
      });
      const n = await Promise.race([this.conn.read(this.#chunk).catch(() => null), expired]);
      clearTimeout(timer);
      if (n === null) return true;
      if (n === "timeout") return false;
    }
    return false;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

function findHeadEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 0x0a && buf[i - 1] === 0x0d && buf[i - 2] === 0x0a && buf[i - 3] === 0x0d) {
      return i - 3;
    }
  }
  return -1;
}

/** Hostile requests and the statuses that answer them (0: dropped without an answer). */
const MALFORMED: [string, string | Uint8Array, number[]][] = [
  ["bad-version", "GET / HTTP/9.9\r\n\r\n", [505]],
  ["http-0.9-post", "POST /\r\n\r\n", [400]],
  ["bad-syntax", "GET / HTTP/1.1 extra\r\n\r\n", [400]],
  ["bad-version-token", "GET / FTP/1.0\r\n\r\n", [400]],
  ["long-line", `GET /${"a".repeat(70_000)} HTTP/1.1\r\n\r\n`, [414]],
  [
    "many-headers",
    `GET / HTTP/1.1\r\n${Array.from({ length: 120 }, (_, i) => `X-${i}: v\r\n`).join("")}\r\n`,
    [431],
  ],
  ["long-header", `GET / HTTP/1.1\r\nX: ${"b".repeat(70_000)}\r\n\r\n`, [431]],
  ["unsupported-method", "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", [501]],
  ["binary", new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]), [0, 400]],
];

interface Context {
  port: number;
  until: number;
  served: Record<string, number>;
  failures: Record<string, number>;
  refused: Record<string, number>;
  anomalies: Record<string, number>;
}

function newContext(port: number): Context {
  return { port, until: 0, served: {}, failures: {}, refused: {}, anomalies: {} };
}

async function guarded(ctx: Context, kind: string, body: () => Promise<void>): Promise<void> {
  while (Date.now() < ctx.until) {
    try {
      await body();
    } catch (error) {
      bump(ctx.failures, `${kind}: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(50);
    }
  }
}

function keepalive(ctx: Context, id: number): Promise<void> {
  return guarded(ctx, "keepalive", async () => {
    const client = await Client.open(ctx.port);
    try {
      for (let i = 0; i < 100 && Date.now() < ctx.until; i++) {
        const n = (id * 7 + i) % SMALL_FILES;
        await client.send(`GET /small/f${n}.txt HTTP/1.1\r\nHost: soak\r\n\r\n`);
        const response = await client.response();
        if (response === null) throw new Error("closed");
        if (response.status !== 200 || response.body.length !== 1024) {
          throw new Error(`status ${response.status}, ${response.body.length} bytes`);
        }
        bump(ctx.served, "keep-alive GET");
      }
    } finally {
      client.close();
    }
  });
}

function listing(ctx: Context): Promise<void> {
  return guarded(ctx, "listing", async () => {
    const client = await Client.open(ctx.port);
    try {
      await client.send("GET /list/ HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
      const response = await client.response();
      const text = response === null ? "" : decoder.decode(response.body);
      if (response?.status !== 200 || !text.includes(`href="e${LISTING_ENTRIES - 1}.txt"`)) {
        throw new Error(`listing status ${response?.status}`);
      }
      bump(ctx.served, "listing");
    } finally {
      client.close();
    }
  });
}

function download(ctx: Context): Promise<void> {
  return guarded(ctx, "download", async () => {
    const client = await Client.open(ctx.port);
    try {
      await client.send("GET /big.bin HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
      const total = await client.drainCount();
      if (total < BIG_SIZE) throw new Error(`short download (${total} bytes)`);
      bump(ctx.served, "large download");
    } finally {
      client.close();
    }
  });
}

function aborted(ctx: Context): Promise<void> {
  return guarded(ctx, "aborted", async () => {
    const client = await Client.open(ctx.port);
    try {
      await client.send("GET /big.bin HTTP/1.1\r\nHost: soak\r\n\r\n");
      await client.conn.read(new Uint8Array(256 * 1024));
      bump(ctx.refused, "aborted download");
    } finally {
      client.close();
    }
    await sleep(20);
  });
}

function malformed(ctx: Context, id: number): Promise<void> {
  let i = id;
  return guarded(ctx, "malformed", async () => {
    const [kind, request, statuses] = MALFORMED[i++ % MALFORMED.length];
    const client = await Client.open(ctx.port);
    try {
      await client.send(request).catch(() => {});
      const status = await client.errorStatus().catch(() => -1);
      if (statuses.includes(status)) bump(ctx.refused, `malformed (${kind})`);
      else bump(ctx.anomalies, `${kind} answered ${status}`);
    } finally {
      client.close();
    }
    await sleep(10);
  });
}

function slow(ctx: Context): Promise<void> {
  return guarded(ctx, "slow client", async () => {
    const client = await Client.open(ctx.port);
    try {
      // Well within --header-timeout: a legitimate slow client, always served.
      const parts = [
        "GET /small/f1",
        ".txt HTTP/1.1\r\nHo",
        "st: soak\r\nConnection: close\r\n\r\n",
      ];
      for (const part of parts) {
        await client.send(part);
        await sleep(250);
      }
      const response = await client.response();
      if (response?.status !== 200) throw new Error(`slow client got ${response?.status}`);
      bump(ctx.served, "slow client");
    } finally {
      client.close();
    }
  });
}

function slowloris(ctx: Context): Promise<void> {
  return guarded(ctx, "slowloris", async () => {
    const client = await Client.open(ctx.port);
    try {
      await client.send("GET / HTTP/1.1\r\nHost: soak\r\n");
      // One byte every 300 ms: never done; the server must drop it at --header-timeout.
      const started = Date.now();
      let dropped = false;
      while (Date.now() - started < (HEADER_TIMEOUT_S + 3) * 1000) {
        try {
          await client.send("x");
        } catch {
          dropped = true;
          break;
        }
        if (await client.closedWithin(300)) {
          dropped = true;
          break;
        }
      }
      if (!dropped) throw new Error("slow-header client not dropped");
      bump(ctx.refused, "slow-header client dropped");
    } finally {
      client.close();
    }
  });
}

async function makeTree(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver_soak_" });
  await Deno.mkdir(`${dir}/small`);
  await Deno.mkdir(`${dir}/list`);
  const kib = "k".repeat(1024);
  for (let i = 0; i < SMALL_FILES; i++) await Deno.writeTextFile(`${dir}/small/f${i}.txt`, kib);
  for (let i = 0; i < LISTING_ENTRIES; i++) await Deno.writeTextFile(`${dir}/list/e${i}.txt`, "");
  const big = await Deno.open(`${dir}/big.bin`, { write: true, create: true });
  await big.truncate(BIG_SIZE);
  big.close();
  return dir;
}

async function runLoad(port: number, ms: number, mix: SoakMix, ctx: Context): Promise<void> {
  ctx.until = Date.now() + ms;
  const workers: Promise<void>[] = [];
  for (let i = 0; i < mix.keepalive; i++) workers.push(keepalive(ctx, i));
  for (let i = 0; i < mix.listing; i++) workers.push(listing(ctx));
  for (let i = 0; i < mix.download; i++) workers.push(download(ctx));
  for (let i = 0; i < mix.aborted; i++) workers.push(aborted(ctx));
  for (let i = 0; i < mix.malformed; i++) workers.push(malformed(ctx, i));
  for (let i = 0; i < mix.slow; i++) workers.push(slow(ctx));
  for (let i = 0; i < mix.slowloris; i++) workers.push(slowloris(ctx));
  void port;
  await Promise.all(workers);
}

/**
 * Runs the soak against a fresh `cli.ts` child and returns what it measured.
 *
 * @param options Duration, warm-up and mix.
 * @returns The report.
 */
export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const durationMs = Math.min(options.durationMs ?? DEFAULT_DURATION_MS, MAX_DURATION_MS);
  const warmupMs = options.warmupMs ?? DEFAULT_WARMUP_MS;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const mix = options.mix ?? DEFAULT_MIX;
  const dir = await makeTree();
  const cli = await spawnCli([
    "-d",
    dir,
    "-p",
    "HTTP/1.1",
    "--header-timeout",
    String(HEADER_TIMEOUT_S),
    "--idle-timeout",
    "5",
  ], options.denoFlags ?? []);
  const reasons: string[] = [];
  try {
    const warm: Context = newContext(cli.port);
    await runLoad(cli.port, warmupMs, mix, warm);
    // The warm-up's connections close, then the baseline.
    await sleep(settleMs);
    const rssStart = rssBytes(cli.pid);
    const fdStart = openDescriptors(cli.pid);
    const ctx: Context = newContext(cli.port);
    let rssPeak = rssStart;
    let fdPeak = fdStart;
    let sampling = true;
    const rssTimeline: number[] = [];
    const sampler = (async () => {
      for (let tick = 0; sampling; tick++) {
        const rss = rssBytes(cli.pid);
        rssPeak = Math.max(rssPeak, rss);
        fdPeak = Math.max(fdPeak, openDescriptors(cli.pid));
        if (tick % 5 === 0) rssTimeline.push(rss);
        await sleep(200);
      }
    })();
    const started = Date.now();
    await runLoad(cli.port, durationMs, mix, ctx);
    const loadMs = Date.now() - started;
    sampling = false;
    await sampler;
    const loadEnded = Date.now();
    await waitUntil(() => openDescriptors(cli.pid) <= fdStart, 10_000, 100);
    // The same pause again, then the end figures.
    await sleep(Math.max(0, settleMs - (Date.now() - loadEnded)));
    const rssEnd = rssBytes(cli.pid);
    const fdEnd = openDescriptors(cli.pid);
    const status = await cli.stop();
    const legitFailures = Object.values(ctx.failures).reduce((a, b) => a + b, 0) +
      Object.values(warm.failures).reduce((a, b) => a + b, 0);
    if (legitFailures > 0) reasons.push(`${legitFailures} legitimate requests failed`);
    if (rssEnd - rssStart > RSS_TOLERANCE_BYTES) {
      reasons.push(`RSS ended ${mib(rssEnd - rssStart)} above its post-warm-up level`);
    }
    if (fdEnd > fdStart) reasons.push(`descriptors: ${fdStart} at start, ${fdEnd} at end`);
    if (status.code !== 0) reasons.push(`the server exited with ${status.code}`);
    const failures = { ...warm.failures };
    for (const [key, n] of Object.entries(ctx.failures)) bump(failures, key, n);
    return {
      durationMs: loadMs,
      served: ctx.served,
      failures,
      refused: ctx.refused,
      anomalies: ctx.anomalies,
      rssTimeline,
      rss: { start: rssStart, peak: rssPeak, end: rssEnd },
      fds: { start: fdStart, peak: fdPeak, end: fdEnd },
      exitCode: status.code,
      logLines: cli.log().total,
      passed: reasons.length === 0,
      reasons,
    };
  } finally {
    await cli.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The report as Markdown tables.
 *
 * @param report A soak report.
 * @returns The text.
 */
export function formatReport(report: SoakReport): string {
  const rows = (counts: Record<string, number>) =>
    Object.entries(counts).sort().map(([k, n]) => `| ${k} | ${n} |`).join("\n") || "| (none) | 0 |";
  const total = Object.values(report.served).reduce((a, b) => a + b, 0);
  return `Load: ${(report.durationMs / 1000).toFixed(1)} s, result: ${
    report.passed ? "PASS" : `FAIL (${report.reasons.join("; ")})`
  }

| legitimate requests served | count |
| --- | ---: |
${rows(report.served)}
| **total** | **${total}** (${(total / (report.durationMs / 1000)).toFixed(0)}/s) |

| hostile requests refused or dropped, as expected | count |
| --- | ---: |
${rows(report.refused)}

| failed legitimate requests | count |
| --- | ---: |
${rows(report.failures)}

| hostile requests answered otherwise than expected | count |
| --- | ---: |
${rows(report.anomalies)}

| server | start (after warm-up) | peak | end |
| --- | ---: | ---: | ---: |
| RSS | ${mib(report.rss.start)} | ${mib(report.rss.peak)} | ${mib(report.rss.end)} |
| open descriptors | ${report.fds.start} | ${report.fds.peak} | ${report.fds.end} |

RSS during the load, once a second (MiB): ${
    report.rssTimeline.map((b) => (b / (1 << 20)).toFixed(0)).join(" ")
  }

Server exit status after SIGTERM: ${report.exitCode}; log lines written: ${report.logLines}.
`;
}

if (import.meta.main) {
  let durationMs = DEFAULT_DURATION_MS;
  const at = Deno.args.indexOf("--duration");
  if (at >= 0) durationMs = Number(Deno.args[at + 1]) * 1000;
  if (!Number.isFinite(durationMs) || durationMs <= 0) {
    console.error("usage: soak.ts [--duration SECONDS (<= 60)] [--json]");
    Deno.exit(2);
  }
  const v8 = Deno.env.get("SOAK_SERVER_V8_FLAGS");
  const report = await runSoak({ durationMs, denoFlags: v8 ? [`--v8-flags=${v8}`] : [] });
  console.log(
    Deno.args.includes("--json") ? JSON.stringify(report, null, 2) : formatReport(report),
  );
  Deno.exit(report.passed ? 0 : 1);
}
