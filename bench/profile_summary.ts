/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`): the functions with the most self
 * time, and the same grouped by script. Shares are of the busy (non-idle) time.
 *
 * Run: `deno run --allow-read bench/profile_summary.ts <file.cpuprofile> [top=25]`
 *
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of the summary. */
export interface SelfTime {
  /** `function (file:line)`. */
  name: string;
  /** Self time in ms. */
  ms: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

function shortUrl(url: string): string {
  if (url === "") return "";
  const cut = url.lastIndexOf("/main/");
  if (url.startsWith("file://") && cut >= 0) return url.slice(cut + 6);
  const ext = url.match(/ext:[^ ]+/);
  if (ext !== null) return ext[0];
  return url.replace(/^.*\/([^/]+\/[^/]+)$/, "$1");
}

/**
 * Self time per function and per script.
 *
 * @param profile The parsed profile.
 * @returns Functions and scripts, most self time first.
 */
export function selfTimes(profile: CpuProfile): { functions: SelfTime[]; scripts: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    time.set(profile.samples[i], (time.get(profile.samples[i]) ?? 0) + dt);
    if (byId.get(profile.samples[i])?.callFrame.functionName !== "(idle)") total += dt;
  }
  const fns = new Map<string, number>();
  const scripts = new Map<string, number>();
  for (const [id, us] of time) {
    const f = byId.get(id)?.callFrame;
    if (f === undefined) continue;
    const url = shortUrl(f.url);
    const name = `${f.functionName || "(anonymous)"}${url ? ` (${url}:${f.lineNumber + 1})` : ""}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    const script = url === "" ? f.functionName : url.replace(/:.*$/, "");
    scripts.set(script, (scripts.get(script) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m].map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { functions: rows(fns), scripts: rows(scripts) };
}

if (import.meta.main) {
  const file = Deno.args[0];
  if (file === undefined) {
    console.error("usage: profile_summary.ts <file.cpuprofile> [top]");
    Deno.exit(2);
  }
  const top = Number(Deno.args[1] ?? 25);
  const { functions, scripts } = selfTimes(JSON.parse(await Deno.readTextFile(file)));
  console.log("| self ms | share of busy | function |\n| ---: | ---: | --- |");
  for (const r of functions.slice(0, top)) {
    const share = r.name === "(idle)" ? "(waiting)" : `${(r.share * 100).toFixed(1)}%`;
    console.log(`| ${r.ms.toFixed(0)} | ${share} | ${r.name} |`);
  }
  console.log("\n| self ms | share of busy | script |\n| ---: | ---: | --- |");
  for (const r of scripts.slice(0, 15)) {
    const share = r.name === "(idle)" ? "(waiting)" : `${(r.share * 100).toFixed(1)}%`;
    console.log(`| ${r.ms.toFixed(0)} | ${share} | ${r.name} |`);
  }
}
