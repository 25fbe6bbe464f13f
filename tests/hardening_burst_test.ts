/**
 * Hardening: connection bursts. 1000 clients connecting at once to the command line (a child
 * process) are all served. `Deno.listen`'s accept queue is 511 long whatever
 * `request_queue_size` says (Deno takes no backlog; measured with `ss -ltn`), so part of such
 * a burst is held back by the kernel (SYN retries) and served a little later; none is lost.
 *
 * @module
 */
import { assert, assertEquals } from "../deps.ts";
import { DEFAULT_REQUEST_QUEUE_SIZE, ThreadingHTTPServer } from "../server.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { latin1 } from "./_helpers.ts";
import { openDescriptors, spawnCli, waitUntil } from "./hardening_child.ts";

const CLIENTS = 1000;
/** Milliseconds one client may take, connect to EOF (SYN retries take 1 s, then 3 s). */
const CLIENT_TIMEOUT_MS = 20_000;

async function fetchOnce(port: number): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(latin1("GET /hello.txt HTTP/1.0\r\n\r\n"));
    const buf = new Uint8Array(4096);
    let text = "";
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text;
  } finally {
    conn.close();
  }
}

for (const flags of [[], ["--max-connections", "50"]]) {
  const label = flags.length === 0 ? "" : ` (${flags.join(" ")}: the rest wait, none refused)`;
  Deno.test(`burst: 1000 clients connecting at once are all served${label}`, async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/hello.txt`, "hello\n");
    const cli = await spawnCli(["-d", dir, ...flags]);
    try {
      await fetchOnce(cli.port);
      const fdsBefore = openDescriptors(cli.pid);
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), CLIENT_TIMEOUT_MS);
      });
      const all = Promise.allSettled(Array.from({ length: CLIENTS }, () => fetchOnce(cli.port)));
      const results = await Promise.race([all, expired]);
      clearTimeout(timer);
      assert(results !== "timeout", `the burst was not served within ${CLIENT_TIMEOUT_MS} ms`);
      const elapsed = performance.now() - started;
      const served = results.filter((r) =>
        r.status === "fulfilled" && r.value.startsWith("HTTP/1.0 200 OK") &&
        r.value.endsWith("\r\n\r\nhello\n")
      ).length;
      const failures = results.filter((r) =>
        r.status === "rejected"
      )
        .map((r) => String((r as PromiseRejectedResult).reason));
      console.log(`    ${served}/${CLIENTS} served in ${elapsed.toFixed(0)} ms${label}`);
      assertEquals(served, CLIENTS, failures.slice(0, 3).join("\n"));
      assert(
        await waitUntil(() => openDescriptors(cli.pid) <= fdsBefore, 6000),
        `descriptors: ${fdsBefore} before, ${openDescriptors(cli.pid)} after`,
      );
    } finally {
      await cli.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("burst: request_queue_size stays settable (a porting attribute; Deno's backlog is fixed)", () => {
  class Queue extends ThreadingHTTPServer {
    override request_queue_size = 4096;
  }
  const server = new Queue(["127.0.0.1", 0], BaseHTTPRequestHandler);
  try {
    assertEquals(server.request_queue_size, 4096);
    assertEquals(
      new ThreadingHTTPServer(["127.0.0.1", 0], BaseHTTPRequestHandler, false)
        .request_queue_size,
      DEFAULT_REQUEST_QUEUE_SIZE,
    );
  } finally {
    server.server_close();
  }
});
