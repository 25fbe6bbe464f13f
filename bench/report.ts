/**
 * Turns one `bench/run.sh` work directory into the markdown report: per target req/s, MiB/s,
 * errors; the ratios the issues set as targets; each server's peak RSS.
 *
 * Input (written by run.sh): `meta.tsv` (key, value), `targets.tsv` (id, server, label, url,
 * check), one `<id>.wrk` per target (wrk's output), `rss.tsv` (server, label, pid, VmHWM kB,
 * VmRSS kB).
 *
 * Run: `deno run --allow-read bench/report.ts <workdir>`
 *
 * @module
 */

/** One wrk run, parsed. */
export interface WrkResult {
  /** Requests per second. */
  reqPerSec: number;
  /** MiB per second (wrk's `Transfer/sec`, 1024-based). */
  mibPerSec: number;
  /** Requests completed. */
  requests: number;
  /** Non-2xx/3xx responses plus socket errors. */
  errors: number;
  /** The errors as wrk printed them. */
  errorText: string;
}

const UNITS: Record<string, number> = {
  B: 1 / 1048576,
  KB: 1 / 1024,
  MB: 1,
  GB: 1024,
  TB: 1 << 20,
};

/**
 * Parses wrk's text output.
 *
 * @param text The output.
 * @returns The figures, or null when wrk printed none.
 *
 * @example
 * ```ts
 * import { parseWrk } from "./report.ts";
 * parseWrk("  100 requests in 1.00s, 1.00MB read\nRequests/sec:    100.00\nTransfer/sec:      1.00MB\n")
 *   ?.reqPerSec; // 100
 * ```
 */
export function parseWrk(text: string): WrkResult | null {
  const rps = text.match(/Requests\/sec:\s+([\d.]+)/);
  const transfer = text.match(/Transfer\/sec:\s+([\d.]+)([KMGT]?B)/);
  const requests = text.match(/(\d+) requests in/);
  if (rps === null || transfer === null || requests === null) return null;
  let errors = 0;
  const notes: string[] = [];
  const non2xx = text.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx !== null) {
    errors += Number(non2xx[1]);
    notes.push(`non-2xx ${non2xx[1]}`);
  }
  const socket = text.match(
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/,
  );
  if (socket !== null) {
    const [c, r, w, t] = socket.slice(1).map(Number);
    errors += c + r + w + t;
    notes.push(`connect ${c}, read ${r}, write ${w}, timeout ${t}`);
  }
  return {
    reqPerSec: Number(rps[1]),
    mibPerSec: Number(transfer[1]) * UNITS[transfer[2]],
    requests: Number(requests[1]),
    errors,
    errorText: notes.join("; "),
  };
}

function readTsv(path: string): string[][] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l !== "").map((l) =>
      l.split("\t")
    );
  } catch {
    return [];
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A target ratio: `numerator` over `denominator` (req/s or MiB/s) must reach `target`. */
interface RatioCheck {
  issue: string;
  what: string;
  numerator: string;
  denominator: string;
  unit: "req/s" | "MiB/s";
  target: number;
}

const RATIOS: RatioCheck[] = [
  {
    issue: "#2",
    what: "1 KiB handler vs Deno.serve",
    numerator: "base_ours",
    denominator: "base_deno_serve",
    unit: "req/s",
    target: 1.0,
  },
  {
    issue: "#2",
    what: "1 KiB handler vs raw Deno.listen loop",
    numerator: "base_ours",
    denominator: "base_raw_loop",
    unit: "req/s",
    target: 0.8,
  },
  {
    issue: "#2",
    what: "1 KiB handler vs Python 3.13 (defaults)",
    numerator: "base_ours",
    denominator: "base_python",
    unit: "req/s",
    target: 20,
  },
  {
    issue: "#2",
    what: "(info) 1 KiB handler vs Python 3.13 (Nagle off, backlog 1024)",
    numerator: "base_ours",
    denominator: "base_python_tuned",
    unit: "req/s",
    target: 0,
  },
  {
    issue: "#3",
    what: "1 KiB file vs Python 3.13 http.server",
    numerator: "small_ours",
    denominator: "small_python",
    unit: "req/s",
    target: 20,
  },
  {
    issue: "#3",
    what: "1 KiB file vs serveDir",
    numerator: "small_ours",
    denominator: "small_serve_dir",
    unit: "req/s",
    target: 4,
  },
  {
    issue: "#3",
    what: "10 MiB file vs serveDir (throughput)",
    numerator: "big_ours",
    denominator: "big_serve_dir",
    unit: "MiB/s",
    target: 1.2,
  },
  {
    issue: "#3",
    what: "(info) 10 MiB file vs Python 3.13 http.server",
    numerator: "big_ours",
    denominator: "big_python",
    unit: "MiB/s",
    target: 0,
  },
  {
    issue: "#3",
    what: "1000-entry listing vs Python 3.13 http.server",
    numerator: "list_ours",
    denominator: "list_python",
    unit: "req/s",
    target: 10,
  },
  {
    issue: "#3",
    what: "(info) 1000-entry listing vs serveDir",
    numerator: "list_ours",
    denominator: "list_serve_dir",
    unit: "req/s",
    target: 0,
  },
];

/** Servers whose peak RSS has a limit (MiB). */
const RSS_LIMITS: Record<string, number> = { ours_base: 64, ours_cli: 64 };

/**
 * Builds the report.
 *
 * @param dir The work directory.
 * @returns The markdown.
 */
export function buildReport(dir: string): string {
  const meta = new Map(readTsv(`${dir}/meta.tsv`).map(([k, v]) => [k, v]));
  const targets = readTsv(`${dir}/targets.tsv`);
  const results = new Map<string, WrkResult | null>();
  const out: string[] = [];
  out.push(`# Benchmark run ${meta.get("date") ?? ""}`, "");
  out.push(
    `wrk ${meta.get("wrk_args") ?? ""}, ${meta.get("duration") ?? "?"} s per target after a ` +
      `${meta.get("warmup") ?? "?"} s warm-up, loopback. ${meta.get("machine") ?? ""}`,
    "",
  );
  for (const key of ["code", "deno", "python", "wrk", "load_before"]) {
    if (meta.has(key)) out.push(`- ${key}: ${meta.get(key)}`);
  }
  out.push("", "## Throughput", "");
  out.push("| target | server | req/s | MiB/s | errors | check |");
  out.push("| --- | --- | ---: | ---: | --- | --- |");
  for (const [id, _server, label, url, check] of targets) {
    let text = "";
    try {
      text = Deno.readTextFileSync(`${dir}/${id}.wrk`);
    } catch {
      // Not run.
    }
    const result = parseWrk(text);
    results.set(id, result);
    const path = url.replace(/^http:\/\/[^/]+/, "");
    out.push(
      `| ${id} (\`${path}\`) | ${label} | ${result ? fmt(result.reqPerSec) : "n/a"} | ${
        result ? fmt(result.mibPerSec, 1) : "n/a"
      } | ${result ? (result.errors === 0 ? "0" : result.errorText) : "wrk failed"} | ${check} |`,
    );
  }
  out.push("", "## Ratios against the targets", "");
  out.push("| issue | comparison | ours | theirs | ratio | target | met |");
  out.push("| --- | --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of RATIOS) {
    const a = results.get(r.numerator);
    const b = results.get(r.denominator);
    if (!a || !b) continue;
    const x = r.unit === "req/s" ? a.reqPerSec : a.mibPerSec;
    const y = r.unit === "req/s" ? b.reqPerSec : b.mibPerSec;
    const ratio = y > 0 ? x / y : Infinity;
    const met = r.target === 0 ? "—" : ratio >= r.target ? "yes" : "**no**";
    out.push(
      `| ${r.issue} | ${r.what} | ${fmt(x, r.unit === "MiB/s" ? 1 : 0)} ${r.unit} | ${
        fmt(y, r.unit === "MiB/s" ? 1 : 0)
      } ${r.unit} | ${ratio === Infinity ? "∞" : fmt(ratio, 2)}× | ${
        r.target === 0 ? "—" : `≥ ${r.target}×`
      } | ${met} |`,
    );
  }
  out.push("", "## Peak RSS (VmHWM, after all of the server's targets)", "");
  out.push("| server | peak RSS | RSS at end | limit | met |");
  out.push("| --- | ---: | ---: | ---: | --- |");
  for (const [server, label, _pid, hwm, rss] of readTsv(`${dir}/rss.tsv`)) {
    const mib = Number(hwm) / 1024;
    const limit = RSS_LIMITS[server];
    out.push(
      `| ${label} | ${fmt(mib, 1)} MiB | ${fmt(Number(rss) / 1024, 1)} MiB | ${
        limit === undefined ? "—" : `≤ ${limit} MiB`
      } | ${limit === undefined ? "—" : mib <= limit ? "yes" : "**no**"} |`,
    );
  }
  out.push("");
  return out.join("\n");
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (dir === undefined) {
    console.error("usage: report.ts <workdir>");
    Deno.exit(2);
  }
  console.log(buildReport(dir));
}
