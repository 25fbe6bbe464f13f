/**
 * The command line serves its first clients without Deno's Node timers layer (issue #17,
 * start-up): the first global `setTimeout`, `setInterval` or `setImmediate` loads it, about
 * 15 ms of one thread, which the first connections would wait for. Real processes: the server
 * started with a preload script that reports any call of those globals, curl as the client
 * (HTTP/1.1 without `Connection: close`, so the server's lingering close runs), and CPython's
 * HTTP/1.0 default.
 */
import { assert, assertEquals } from "../deps.ts";
import { Child, CLI_PATH, CLI_PERMISSIONS, sleep } from "./_cli_process.ts";

/** Written to stderr by the preload when a timer global is called, with the caller. */
const MARK = "TIMER-GLOBAL-CALLED";
/** Milliseconds after the last answer to keep serving: past the lingering close's deadline. */
const AFTER_MS = 3000;

const PRELOAD = `
for (const name of ["setTimeout", "setInterval", "setImmediate"]) {
  const original = globalThis[name];
  globalThis[name] = function (...args) {
    console.error("${MARK} " + name + new Error().stack.split("\\n").slice(2, 5).join(" <- "));
    return original.apply(this, args);
  };
}
`;

/** Runs curl against `url`, returning the status code it printed. */
async function curlStatus(url: string): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", url],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Sends one HTTP/1.0 request over a raw socket and returns the status line. */
async function http10Status(port: number, path: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.0\r\n\r\n`));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(4096);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      chunks.push(buffer.slice(0, n));
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    return text.slice(0, text.indexOf("\r\n"));
  } finally {
    conn.close();
  }
}

Deno.test("start-up: files, a listing and lingering closes never call the timer globals", async () => {
  const tree = await Deno.makeTempDir({ prefix: "timers-layer-" });
  await Deno.writeTextFile(`${tree}/small.txt`, "x".repeat(1024));
  await Deno.mkdir(`${tree}/sub`);
  const preload = `${tree}/.preload.js`;
  await Deno.writeTextFile(preload, PRELOAD);
  const server = Child.spawn(Deno.execPath(), [
    "run",
    ...CLI_PERMISSIONS,
    "--preload",
    preload,
    CLI_PATH,
    "-b",
    "127.0.0.1",
    "-d",
    tree,
    "0",
  ]);
  try {
    const { port } = await server.banner();
    const base = `http://127.0.0.1:${port}`;
    assertEquals(await curlStatus(`${base}/small.txt`), "200");
    assertEquals(await curlStatus(`${base}/sub/`), "200");
    assertEquals(await curlStatus(`${base}/missing`), "404");
    assertEquals(await http10Status(port, "/small.txt"), "HTTP/1.0 200 OK");
    await sleep(AFTER_MS);
    const stopped = await server.stop();
    assert(
      !stopped.stderr.includes(MARK),
      `a timer global was called:\n${
        stopped.stderr.split("\n").filter((l) => l.includes(MARK)).join("\n")
      }`,
    );
    // The log lines show the requests were served by this process.
    assertEquals(stopped.stderr.match(/" (200|404) -/g)?.length, 4);
  } finally {
    if (!server.exited) await server.kill();
    await Deno.remove(tree, { recursive: true });
  }
});
