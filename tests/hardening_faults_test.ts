/**
 * Hardening: client faults. Resets in the middle of a request and of a response, a half-close
 * after the request, a close before a POST body arrives, pipelined requests cut in the
 * middle, and TLS clients that abort the handshake each cost only their own connection: the
 * server keeps serving, no promise rejection goes unhandled, nothing is logged as an
 * exception, and the open descriptors come back to their count before the faults (in a
 * child server process and in this process).
 *
 * @module
 */
import { assert, assertEquals, assertStringIncludes } from "../deps.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { latin1, startServer } from "./_helpers.ts";
import { RawClient } from "./_wire.ts";
import {
  openDescriptors,
  spawnCli,
  waitUntil,
  watchUnhandledRejections,
} from "./hardening_child.ts";

/** How many times each fault is repeated. */
const REPEATS = 10;
/** Milliseconds the descriptors have to come back (lingering closes last up to 2 s). */
const FD_SETTLE_MS = 6000;
const BIG_SIZE = 8 << 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeAll(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? latin1(data) : data;
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Closes with unread input pending, which makes the kernel send a reset. */
async function resetAfter(conn: Deno.Conn, ms: number): Promise<void> {
  await sleep(ms);
  conn.close();
}

/** One fault, run against a server serving `/small.txt` (`small\n`) and `/big.bin`. */
type Fault = (port: number) => Promise<void>;

const FAULTS: Record<string, Fault> = {
  async "reset mid-request"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    // A first response arrives unread, then the second request's body stops: reset.
    await writeAll(
      conn,
      "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "a".repeat(1000),
    );
    await resetAfter(conn, 30);
  },
  async "reset mid-response"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    await conn.read(new Uint8Array(64 * 1024));
    await resetAfter(conn, 10);
  },
  async "half-close after the request"(port) {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n");
      await client.closeWrite();
      const response = await client.readResponse();
      assertEquals(response?.status, 200);
      assertEquals(response?.body, "small\n");
      assert(await client.closedWithin(3000), "no EOF after a half-closed request");
    } finally {
      client.close();
    }
  },
  async "close before the POST body"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    conn.close();
  },
  async "pipelined requests cut in the request line"(port) {
    const client = await RawClient.connect(port);
    try {
      await client.send("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sm");
      await client.closeWrite();
      assertEquals((await client.readResponse())?.body, "small\n");
      await client.readToEnd(3000);
    } finally {
      client.close();
    }
  },
  async "pipelined requests cut in the headers"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /small.txt HTTP/1.1\r\nHo");
    conn.close();
  },
  async "connect and close at once"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
  },
};

/** The first bytes of a TLS ClientHello: a record header and part of the handshake. */
const PARTIAL_CLIENT_HELLO = new Uint8Array([
  0x16,
  0x03,
  0x01,
  0x02,
  0x00,
  0x01,
  0x00,
  0x01,
  0xfc,
  0x03,
  0x03,
]);

const TLS_FAULTS: Record<string, Fault> = {
  async "TLS: partial ClientHello, then close"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, PARTIAL_CLIENT_HELLO);
    conn.close();
  },
  async "TLS: plaintext HTTP to the TLS port"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, "GET / HTTP/1.0\r\n\r\n");
    await conn.read(new Uint8Array(1024)).catch(() => null);
    conn.close();
  },
  async "TLS: connect and close at once"(port) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
  },
  async "TLS: handshake done, reset mid-response"(port) {
    const conn = await Deno.connectTls({
      hostname: "localhost",
      port,
      caCerts: [Deno.readTextFileSync(tlsCert().crt)],
    });
    await writeAll(conn, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    await conn.read(new Uint8Array(64 * 1024));
    conn.close();
  },
};

let tlsFiles: { crt: string; key: string } | null = null;

/** A self-signed certificate for 127.0.0.1/localhost, made once with openssl. */
function tlsCert(): { crt: string; key: string } {
  if (tlsFiles !== null) return tlsFiles;
  const dir = Deno.makeTempDirSync({ prefix: "httpserver_hardening_tls_" });
  const out = new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  tlsFiles = { crt: `${dir}/cert.pem`, key: `${dir}/key.pem` };
  return tlsFiles;
}

async function makeSite(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver_faults_" });
  await Deno.writeTextFile(`${dir}/small.txt`, "small\n");
  const big = await Deno.open(`${dir}/big.bin`, { write: true, create: true });
  await big.truncate(BIG_SIZE);
  big.close();
  return dir;
}

async function normalGet(port: number): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    await client.send("GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const response = await client.readResponse();
    assertEquals(response?.status, 200);
    assertEquals(response?.body, "small\n");
  } finally {
    client.close();
  }
}

async function runFaults(
  faults: Record<string, Fault>,
  port: number,
  check: () => Promise<void>,
): Promise<void> {
  for (const [name, fault] of Object.entries(faults)) {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < REPEATS; i++) pending.push(fault(port));
    const results = await Promise.allSettled(pending);
    const failed = results.find((r) => r.status === "rejected");
    if (failed !== undefined) {
      throw new Error(
        `${name}: the client side failed: ${(failed as PromiseRejectedResult).reason}`,
      );
    }
    // The server is still serving others.
    try {
      await check();
    } catch (error) {
      throw new Error(`after "${name}": ${error}`);
    }
  }
}

Deno.test("faults: each costs only its connection (child CLI: descriptors, log, exit)", async () => {
  const dir = await makeSite();
  const cli = await spawnCli(["-d", dir, "-p", "HTTP/1.1"]);
  try {
    await normalGet(cli.port);
    await sleep(100);
    const before = openDescriptors(cli.pid);
    await runFaults(FAULTS, cli.port, () => normalGet(cli.port));
    const settled = await waitUntil(() => openDescriptors(cli.pid) <= before, FD_SETTLE_MS);
    assert(settled, `descriptors: ${before} before, ${openDescriptors(cli.pid)} after`);
  } finally {
    await cli.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const log = cli.log().lines.join("\n");
  assert(!log.includes("Exception occurred"), log);
  assert(!/Uncaught|error: /.test(log), log);
  assertStringIncludes(log, '"GET /small.txt HTTP/1.1" 200');
});

Deno.test("faults: TLS clients that abort the handshake (child CLI with --tls-cert)", async () => {
  const dir = await makeSite();
  const { crt, key } = tlsCert();
  const cli = await spawnCli(["-d", dir, "--tls-cert", crt, "--tls-key", key]);
  const caCerts = [Deno.readTextFileSync(crt)];
  const tlsGet = async () => {
    const conn = await Deno.connectTls({ hostname: "localhost", port: cli.port, caCerts });
    try {
      await writeAll(conn, "GET /small.txt HTTP/1.0\r\n\r\n");
      let text = "";
      const buf = new Uint8Array(4096);
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
      assertStringIncludes(text, "HTTP/1.0 200 OK");
      assert(text.endsWith("\r\n\r\nsmall\n"));
    } finally {
      conn.close();
    }
  };
  try {
    assertStringIncludes(cli.stdout(), "Serving HTTPS on 127.0.0.1");
    await tlsGet();
    await sleep(100);
    const before = openDescriptors(cli.pid);
    await runFaults(TLS_FAULTS, cli.port, tlsGet);
    const settled = await waitUntil(() => openDescriptors(cli.pid) <= before, FD_SETTLE_MS);
    assert(settled, `descriptors: ${before} before, ${openDescriptors(cli.pid)} after`);
  } finally {
    await cli.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const log = cli.log().lines.join("\n");
  assert(!log.includes("Exception occurred"), log);
});

/** Reads POST bodies (so that a body that never comes is waited for) and serves files. */
class EchoHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_message(): void {}

  async do_POST(): Promise<void> {
    const length = Number(this.headers.get("Content-Length", "0"));
    const body = await this.rfile.read(length);
    if (body.length < length) {
      this.close_connection = true;
      return;
    }
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    await this.end_headers();
    await this.wfile.write(body);
  }

  async do_GET(): Promise<void> {
    const body = this.path === "/big.bin" ? new Uint8Array(BIG_SIZE) : latin1("small\n");
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    await this.end_headers();
    await this.wfile.write(body);
  }
}

Deno.test("faults: each costs only its connection (in process: no unhandled rejection, no leaked descriptor)", async () => {
  const rejections = watchUnhandledRejections();
  const running = startServer(EchoHandler);
  try {
    await normalGet(running.port);
    const before = openDescriptors(Deno.pid);
    await runFaults(FAULTS, running.port, () => normalGet(running.port));
    // A body that arrives whole is still echoed.
    const client = await RawClient.connect(running.port);
    await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    assertEquals((await client.readResponse())?.body, "hello");
    client.close();
    const settled = await waitUntil(() => openDescriptors(Deno.pid) <= before, FD_SETTLE_MS);
    assert(settled, `descriptors: ${before} before, ${openDescriptors(Deno.pid)} after`);
    rejections.check();
  } finally {
    await running.stop();
    rejections.dispose();
  }
});
