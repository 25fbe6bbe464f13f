/**
 * CPU time per file answer through `SimpleHTTPRequestHandler`, without sockets: 50 handlers
 * over in-memory connections, each given its requests one per read (as a keep-alive client
 * sends them) and writing into a sink; `process.cpuUsage()` over all of them, divided by the
 * number of answers. The socket write and the client are left out, so the handler's own cost
 * shows, and a paired run of two checkouts on one pinned core is steadier than a wire run on a
 * shared machine.
 *
 *   taskset -c 1 deno run -A bench/handler_cpu.ts DIR [random|whole|multi] [ROUNDS] 2>/dev/null
 *     DIR     the checkout to measure (its handlers/files/simple.ts is loaded)
 *     random  1 KiB at a random offset of a 100 MiB file (written once to /tmp)
 *     whole   a whole 1 KiB file (from the content cache)
 *     multi   `Range: bytes=0-1023,4096-5119` of the 100 MiB file
 *   HANDLER_CPU_REQUESTS=1000 requests per connection per round
 * Prints the median and every round's microseconds per answer (after one warm-up round).
 * stderr carries the server's log lines: send it to /dev/null, as the wire benchmarks do.
 *
 * @module
 */
import process from "node:process";

/** The handler surface this script drives. */
interface HandlerLike {
  run(): Promise<void>;
}
type HandlerClass = new (
  conn: SinkConnection,
  address: [string, number],
  server: Record<string, unknown>,
) => HandlerLike;

/** Connections run at once (as `wrk -c50`). */
const CONNECTIONS = 50;
/** Size of the large file ranges are read from. */
const BIG_FILE_BYTES = 100 * 1024 * 1024;
/** Length of each random range. */
const SPAN_BYTES = 1024;
const WORK_DIR = "/tmp/httpserver-handler-cpu";

const root = Deno.args[0];
const what = Deno.args[1] ?? "random";
const rounds = Number(Deno.args[2] ?? 5);
const perConnection = Number(Deno.env.get("HANDLER_CPU_REQUESTS") ?? 1000);
if (root === undefined || !["random", "whole", "multi"].includes(what)) {
  console.error("usage: deno run -A bench/handler_cpu.ts DIR [random|whole|multi] [ROUNDS]");
  Deno.exit(2);
}

async function ensureFile(path: string, size: number): Promise<void> {
  try {
    if ((await Deno.stat(path)).size === size) return;
  } catch {
    // Not there yet.
  }
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  await Deno.writeFile(path, bytes);
}
await Deno.mkdir(WORK_DIR, { recursive: true });
await ensureFile(`${WORK_DIR}/big.bin`, BIG_FILE_BYTES);
await ensureFile(`${WORK_DIR}/small.bin`, SPAN_BYTES);

// An absolute path: resolved against this file's URL, it names the file in that checkout.
const simple = await import(`${Deno.realPathSync(root)}/handlers/files/simple.ts`);
const Handler = class extends (simple.SimpleHTTPRequestHandler as HandlerClass) {} as HandlerClass;
(Handler.prototype as unknown as { protocol_version: string }).protocol_version = "HTTP/1.1";
const server = {
  server_address: ["127.0.0.1", 8000],
  server_name: "localhost",
  server_port: 8000,
  directory: WORK_DIR,
};

/** Hands out one request per read and drops what is written. */
class SinkConnection {
  #next = 0;
  readonly #requests: Uint8Array[];
  constructor(requests: Uint8Array[]) {
    this.#requests = requests;
  }
  read(p: Uint8Array): Promise<number | null> {
    if (this.#next >= this.#requests.length) return Promise.resolve(null);
    const request = this.#requests[this.#next++];
    p.set(request);
    return Promise.resolve(request.length);
  }
  write(p: Uint8Array): Promise<number> {
    return Promise.resolve(p.length);
  }
  close(): void {}
}

const encoder = new TextEncoder();
function request(): Uint8Array {
  const host = "Host: 127.0.0.1:18330\r\n";
  if (what === "whole") return encoder.encode(`GET /small.bin HTTP/1.1\r\n${host}\r\n`);
  if (what === "multi") {
    return encoder.encode(`GET /big.bin HTTP/1.1\r\n${host}Range: bytes=0-1023,4096-5119\r\n\r\n`);
  }
  const start = Math.floor(Math.random() * (BIG_FILE_BYTES - SPAN_BYTES));
  return encoder.encode(
    `GET /big.bin HTTP/1.1\r\n${host}Range: bytes=${start}-${start + SPAN_BYTES - 1}\r\n\r\n`,
  );
}

async function round(): Promise<number> {
  const connections: SinkConnection[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const requests: Uint8Array[] = [];
    for (let k = 0; k < perConnection; k++) requests.push(request());
    connections.push(new SinkConnection(requests));
  }
  const before = process.cpuUsage();
  await Promise.all(connections.map((conn) => new Handler(conn, ["127.0.0.1", 1], server).run()));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (CONNECTIONS * perConnection);
}

await round(); // Warm-up: compiled code, the open-file and content caches filled.
const results: number[] = [];
for (let r = 0; r < rounds; r++) results.push(await round());
const sorted = [...results].sort((a, b) => a - b);
console.log(
  `${what}: ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} us per answer (median; rounds ${
    results.map((x) => x.toFixed(2)).join(" ")
  })`,
);
