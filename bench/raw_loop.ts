/**
 * Baseline for the benchmarks: the smallest HTTP/1.1 keep-alive loop on `Deno.listen` with
 * `conn.read`/`conn.write`, answering every request with the same 1 KiB body.
 *
 * Run: `deno run -A bench/raw_loop.ts <port> [buffer bytes] [close]` (SIGTERM or SIGINT exits
 * cleanly, so that a `--cpu-prof` profile is written). The read buffer is 64 KiB unless given;
 * with `close` every answer says `Connection: close` and the connection is closed after it (the
 * read-write-close floor of the close-per-request benchmark). With `reuse` anywhere in the arguments
 * the socket is opened with `SO_REUSEPORT` (needs `--unstable-net`), so that several copies share
 * one port: the floor of `--workers N` in bench/workers.sh.
 *
 * @module
 */
const port = Number(Deno.args[0] ?? 8201);
const bufferSize = Number(Deno.args[1] ?? 64 * 1024);
const closeEach = Deno.args[2] === "close";
const reusePort = Deno.args.includes("reuse");
const body = "x".repeat(1024);
const response = new TextEncoder().encode(
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${
    closeEach ? "Connection: close\r\n" : ""
  }\r\n${body}`,
);
const CRLFCRLF = [13, 10, 13, 10];

function endOfHead(buf: Uint8Array, from: number, to: number): number {
  for (let i = Math.max(from, 3); i < to; i++) {
    if (buf[i] === CRLFCRLF[3] && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

async function serve(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buf = new Uint8Array(bufferSize);
  let len = 0;
  try {
    while (true) {
      const n = await conn.read(buf.subarray(len));
      if (n === null) break;
      len += n;
      let start = 0;
      let end: number;
      while ((end = endOfHead(buf, start, len)) >= 0) {
        await conn.write(response);
        if (closeEach) return;
        start = end;
      }
      buf.copyWithin(0, start, len);
      len -= start;
    }
  } catch {
    // client went away
  } finally {
    try {
      conn.close();
    } catch {
      // closed
    }
  }
}

if (import.meta.main) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port, reusePort });
  console.log(`raw loop on ${port}`);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => Deno.exit(0));
  }
  for await (const conn of listener) serve(conn);
}
