/**
 * The chunked body writer (`io/chunked_writer.ts`): framing in memory (sizes in hex, no empty
 * chunks, the last chunk, large chunks sent uncopied, one socket write for a small response),
 * and over a real loopback socket with a handler whose body length is unknown: CPython 3.13's
 * http.client and curl decode it, keep-alive continues after it, and HEAD gets no body.
 *
 * @module
 */
import { assert, assertEquals, assertRejects } from "../deps.ts";
import { WRITE_COALESCE_LIMIT } from "../constants.ts";
import { ChunkedBodyClosedError } from "../errors.ts";
import { ChunkedWriter } from "../io/chunked_writer.ts";
import { MemoryConnection } from "../io/memory.ts";
import { WFile } from "../io/wfile.ts";
import { findPython313, fromLatin1, latin1, QuietHandler, startServer } from "./_helpers.ts";
import { RawClient } from "./_wire.ts";

const python = findPython313();

Deno.test("chunked writer: hex size lines, no empty chunks, the last chunk once", async () => {
  const conn = new MemoryConnection("");
  const wfile = new WFile(conn);
  const body = new ChunkedWriter(wfile);
  const table: [number, string][] = [[1, "1"], [9, "9"], [10, "a"], [15, "f"], [16, "10"], [
    255,
    "ff",
  ], [4096, "1000"]];
  let expected = "";
  for (const [n, hex] of table) {
    assertEquals(await body.write(new Uint8Array(n).fill(0x61)), n);
    expected += `${hex}\r\n${"a".repeat(n)}\r\n`;
  }
  assertEquals(await body.write(new Uint8Array(0)), 0);
  await body.close();
  await body.close();
  assert(body.closed);
  await assertRejects(() => body.write(latin1("x")), ChunkedBodyClosedError);
  await wfile.flush();
  assertEquals(fromLatin1(conn.output()), expected + "0\r\n\r\n");
  assertEquals(body.bodyBytes, table.reduce((sum, [n]) => sum + n, 0));
});

Deno.test("chunked writer: a head and small chunks leave in one socket write", async () => {
  const conn = new MemoryConnection("");
  const wfile = new WFile(conn);
  await wfile.write(latin1("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const body = new ChunkedWriter(wfile);
  await body.write(latin1("hello "));
  await body.write(latin1("world"));
  await body.close();
  await wfile.flush();
  assertEquals(conn.writes.length, 1);
  assertEquals(
    fromLatin1(conn.output()),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
  );
});

/** A memory connection that also keeps the very arrays it was handed. */
class RecordingConnection extends MemoryConnection {
  readonly handed: Uint8Array[] = [];
  override write(p: Uint8Array): Promise<number> {
    this.handed.push(p);
    return super.write(p);
  }
}

Deno.test("chunked writer: a large chunk goes to the socket as it is, framed exactly", async () => {
  const conn = new RecordingConnection("");
  const wfile = new WFile(conn);
  const body = new ChunkedWriter(wfile);
  const big = new Uint8Array(WRITE_COALESCE_LIMIT * 2 + 3).fill(0x62);
  await body.write(latin1("x"));
  await body.write(big);
  await body.close();
  await wfile.flush();
  assert(conn.handed.includes(big), "the large data was copied");
  assertEquals(
    fromLatin1(conn.output()),
    `1\r\nx\r\n${big.length.toString(16)}\r\n${"b".repeat(big.length)}\r\n0\r\n\r\n`,
  );
});

Deno.test("chunked writer: withoutBody (HEAD) writes nothing, not even the last chunk", async () => {
  const conn = new MemoryConnection("");
  const wfile = new WFile(conn);
  const body = new ChunkedWriter(wfile, { withoutBody: true });
  assertEquals(await body.write(latin1("hello")), 5);
  await body.close();
  await wfile.flush();
  assertEquals(conn.output().length, 0);
  assertEquals(body.bodyBytes, 5);
});

/** The parts `/stream?n` sends: `n` lines of growing length, then one large part. */
function streamParts(n: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push(latin1(`line ${i} ${"-".repeat(i * 7)}\n`));
  parts.push(new Uint8Array(WRITE_COALESCE_LIMIT + 10).fill(0x7a));
  return parts;
}

function joined(parts: Uint8Array[]): string {
  return parts.map(fromLatin1).join("");
}

/** A handler whose `/stream` body length is unknown: chunked; `/fixed` has a Content-Length. */
class Streaming extends QuietHandler {
  override protocol_version = "HTTP/1.1";
  async do_GET() {
    if (this.path.startsWith("/fixed")) {
      const body = latin1("fixed\n");
      this.send_response(200);
      this.send_header("Content-Type", "text/plain");
      this.send_header("Content-Length", body.length);
      await this.end_headers();
      if (this.command !== "HEAD") await this.wfile.write(body);
      return;
    }
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Transfer-Encoding", "chunked");
    await this.end_headers();
    const body = new ChunkedWriter(this.wfile, { withoutBody: this.command === "HEAD" });
    for (const part of streamParts(Number(this.path.split("?")[1] ?? "3"))) {
      await body.write(part);
      await this.wfile.flush(); // each part leaves on its own, as a stream would
    }
    await body.close();
  }
  do_HEAD() {
    return this.do_GET();
  }
}

Deno.test("chunked writer over loopback: raw bytes, then keep-alive; HEAD has no body", async () => {
  const running = startServer(Streaming);
  const client = await RawClient.connect(running.port);
  try {
    // HEAD first: were any body bytes sent, the next response would not parse.
    await client.send("HEAD /stream?2 HTTP/1.1\r\nHost: x\r\n\r\n");
    const head = await client.readResponse({ head: true });
    assert(head !== null);
    assertEquals(head.body, "");
    assert(head.raw.includes("\r\nTransfer-Encoding: chunked\r\n"), head.raw);
    await client.send("GET /fixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const fixed = await client.readResponse();
    assert(fixed !== null);
    assertEquals(fixed.body, "fixed\n");
  } finally {
    client.conn.close();
  }
  // The raw chunked bytes, read to the close.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
  try {
    await conn.write(latin1("GET /stream?2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    let raw = "";
    const buf = new Uint8Array(64 * 1024);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      raw += fromLatin1(buf.subarray(0, n));
    }
    const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    const parts = streamParts(2);
    assertEquals(
      body,
      parts.map((p) => `${p.length.toString(16)}\r\n${fromLatin1(p)}\r\n`).join("") + "0\r\n\r\n",
    );
  } finally {
    conn.close();
    await running.stop();
  }
});

Deno.test("chunked writer over loopback: curl decodes it and reuses the connection", async () => {
  const running = startServer(Streaming);
  try {
    const out = await new Deno.Command("curl", {
      args: [
        "-s",
        "--max-time",
        "10",
        "-w",
        "[%{num_connects}]",
        `${running.base}/stream?5`,
        `${running.base}/fixed`,
        `${running.base}/stream?1`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const text = fromLatin1(out.stdout);
    assertEquals(
      text,
      `${joined(streamParts(5))}[1]fixed\n[0]${joined(streamParts(1))}[0]`,
    );
    const head = await new Deno.Command("curl", {
      args: ["-s", "--max-time", "10", "-I", `${running.base}/stream`],
      stdout: "piped",
    }).output();
    assert(fromLatin1(head.stdout).includes("Transfer-Encoding: chunked\r\n"));
  } finally {
    await running.stop();
  }
});

Deno.test({
  name: "chunked writer over loopback: CPython 3.13 http.client decodes it; keep-alive; HEAD",
  ignore: python === null,
  async fn() {
    const running = startServer(Streaming);
    try {
      const script = `
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
out = []
for method, path in [("GET", "/stream?4"), ("HEAD", "/stream?4"), ("GET", "/fixed"), ("GET", "/stream?0")]:
    conn.request(method, path)
    r = conn.getresponse()
    body = r.read()
    out.append([method, path, r.status, r.getheader("Transfer-Encoding"), body.decode("latin-1"), r.will_close])
# One connection served all four: the socket was never reopened.
out.append(conn.sock is not None)
print(json.dumps(out))
`;
      const result = await new Deno.Command(python as string, {
        args: ["-c", script, String(running.port)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(result.success, new TextDecoder().decode(result.stderr));
      const got = JSON.parse(new TextDecoder().decode(result.stdout));
      assertEquals(got, [
        ["GET", "/stream?4", 200, "chunked", joined(streamParts(4)), false],
        ["HEAD", "/stream?4", 200, "chunked", "", false],
        ["GET", "/fixed", 200, null, "fixed\n", false],
        ["GET", "/stream?0", 200, "chunked", joined(streamParts(0)), false],
        true,
      ]);
    } finally {
      await running.stop();
    }
  },
});
