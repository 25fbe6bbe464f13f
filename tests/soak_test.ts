/**
 * The soak (`bench/soak.ts`) in short, as a test: about 17 s of the same mixed load against
 * the command line in a child process, with the same pass rule (no failed legitimate
 * request, RSS back within 10 MiB of its post-warm-up level, descriptors back to their
 * count). The child runs with V8's young generation capped at 2 MiB: uncapped, V8 grows it
 * by about 20 MiB a few seconds into any busy run and keeps it, which a run this short
 * cannot warm up past (the full soak warms up for 15 s instead). The 6 s warm-up lets the
 * bounded caches and buffer pools fill before the baseline: after 3 s the process was still
 * growing by 4-9 MiB toward its plateau, too near the tolerance on a loaded 2-core machine.
 *
 * Also: no connection object outlives its connection (a child process with `--expose-gc`
 * counts them with a `FinalizationRegistry`); this caught a leak of every accepted
 * connection (about 1 KiB each) that the full soak first showed as steady RSS growth.
 *
 * @module
 */
import { assert, assertEquals } from "../deps.ts";
import { formatReport, runSoak } from "../bench/soak.ts";

Deno.test("soak (short): mixed load leaves no failure, no memory and no descriptor behind", async () => {
  const report = await runSoak({
    durationMs: 5000,
    warmupMs: 6000,
    settleMs: 2000,
    denoFlags: ["--v8-flags=--max-semi-space-size=2"],
  });
  console.log(
    formatReport(report).split("\n").filter((line) =>
      line.startsWith("Load") || line.startsWith("| RSS") || line.startsWith("| open") ||
      line.startsWith("| **total")
    ).map((line) => `    ${line}`).join("\n"),
  );
  assertEquals(report.failures, {});
  assertEquals(report.anomalies, {});
  assert(report.passed, report.reasons.join("; "));
  const served = Object.values(report.served).reduce((a, b) => a + b, 0);
  assert(served > 1000, `only ${served} requests served`);
  for (const kind of ["keep-alive GET", "listing", "large download", "slow client"]) {
    assert((report.served[kind] ?? 0) > 0, `no ${kind} served`);
  }
  assert((report.refused["slow-header client dropped"] ?? 0) > 0, "no slow-header client dropped");
});

const RETENTION_SCRIPT = `
import { ThreadingHTTPServer } from "{ROOT}server.ts";
import { SimpleHTTPRequestHandler } from "{ROOT}handlers/simple.ts";
const gc = (globalThis as unknown as { gc: () => void }).gc;
const alive = { handler: 0, conn: 0 };
const registry = new FinalizationRegistry<"handler" | "conn">((kind) => alive[kind]--);
class Handler extends SimpleHTTPRequestHandler {
  override log_message() {}
  override setup() {
    alive.handler++;
    alive.conn++;
    registry.register(this, "handler");
    registry.register(this.request, "conn");
    return super.setup();
  }
}
const dir = Deno.makeTempDirSync();
Deno.writeTextFileSync(dir + "/a.txt", "hello");
const server = new ThreadingHTTPServer(["127.0.0.1", 0], Handler);
server.directory = dir;
const serving = server.serve_forever();
for (let i = 0; i < 600; i++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.server_port });
  await conn.write(new TextEncoder().encode(i % 2 ? "GET /a.txt HTTP/1.0\\r\\n\\r\\n" : "BAD\\r\\n\\r\\n"));
  const buf = new Uint8Array(4096);
  while ((await conn.read(buf).catch(() => null)) !== null) {}
  conn.close();
}
await new Promise((resolve) => setTimeout(resolve, 2500));
for (let i = 0; i < 5; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
}
console.log(JSON.stringify(alive));
await server.shutdown();
await serving;
await server[Symbol.asyncDispose]();
Deno.removeSync(dir, { recursive: true });
`;

Deno.test("soak: no connection or handler object outlives its connection", async () => {
  const root = new URL("../", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--ext=ts",
      "--v8-flags=--expose-gc",
      RETENTION_SCRIPT.replaceAll("{ROOT}", root),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const alive = JSON.parse(text.split("\n").pop() ?? "{}");
  // A few may still be referenced by the last loop iteration; 600 were made.
  assert(alive.conn <= 5, `${alive.conn} of 600 connections still alive after GC`);
  assert(alive.handler <= 5, `${alive.handler} of 600 handlers still alive after GC`);
});
