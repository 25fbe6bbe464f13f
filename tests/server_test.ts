// HTTPServer and ThreadingHTTPServer over real loopback sockets: one connection at a time
// versus concurrent, addresses, the serve_forever/shutdown/handle_request life cycle, hooks,
// disposal, and the handle_error report.
import { assert, assertEquals, assertMatch } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { type AcceptedConnection, HTTPServer, ThreadingHTTPServer } from "../server.ts";
import type { ClientAddress } from "../types.ts";
import { Quiet } from "./_base_handlers.ts";
import { rawExchange, startServer, text, utf8 } from "./_helpers.ts";
import { RawClient, spawnServerScript } from "./_wire.ts";

/** Answers GET with what the handler sees of the server and the client. */
class WhoHandler extends Quiet {
  override protocol_version = "HTTP/1.1";
  async do_GET(): Promise<void> {
    const body = utf8(
      [
        `client=${this.client_address[0]} ${this.client_address[1]}`,
        `address_string=${this.address_string()}`,
        `server_address=${this.server.server_address[0]} ${this.server.server_address[1]}`,
        `server_name=${this.server.server_name}`,
        `server_port=${this.server.server_port}`,
        `path=${this.path}`,
      ].join("\n") + "\n",
    );
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    this.send_header("Connection", "close");
    await this.end_headers();
    await this.wfile.write(body);
  }
}

function bodyOf(reply: Uint8Array): string {
  const all = text(reply);
  return all.slice(all.indexOf("\r\n\r\n") + 4);
}

async function get(port: number, path: string, host = "127.0.0.1"): Promise<string> {
  return bodyOf(await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, { host }));
}

/** Sends a complete request on a connection that another client's stalled request delays. */
async function blockedByStalledClient(
  ServerClass: new (a: [string, number], h: RequestHandlerClass) => HTTPServer,
  waitMs: number,
): Promise<{ answeredWhileStalled: boolean; answeredAfter: boolean }> {
  const running = startServer(WhoHandler, ServerClass);
  try {
    const stalled = await RawClient.connect(running.port);
    const second = await RawClient.connect(running.port);
    try {
      await stalled.send("GET /first HTTP/1.1\r\nHost: x\r\n");
      // Let the server pick up the stalled connection first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await second.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
      let answeredWhileStalled = true;
      try {
        await second.readResponse({ timeoutMs: waitMs });
      } catch {
        answeredWhileStalled = false;
      }
      await stalled.send("\r\n");
      const first = await stalled.readResponse();
      assertEquals(first?.body.includes("path=/first\n"), true);
      let answeredAfter = answeredWhileStalled;
      if (!answeredWhileStalled) {
        const late = await second.readResponse();
        answeredAfter = late?.body.includes("path=/second\n") ?? false;
      }
      return { answeredWhileStalled, answeredAfter };
    } finally {
      stalled.close();
      second.close();
    }
  } finally {
    await running.stop();
  }
}

Deno.test("HTTPServer handles one connection at a time: a second client waits", async () => {
  const result = await blockedByStalledClient(HTTPServer, 300);
  assertEquals(result, { answeredWhileStalled: false, answeredAfter: true });
});

Deno.test("ThreadingHTTPServer handles connections concurrently", async () => {
  const result = await blockedByStalledClient(ThreadingHTTPServer, 2_000);
  assertEquals(result, { answeredWhileStalled: true, answeredAfter: true });
});

Deno.test("port 0 binds a free port and server_address, server_name, server_port report it", async () => {
  const running = startServer(WhoHandler, HTTPServer);
  try {
    const { server, port } = running;
    assert(port > 0 && port < 65536, String(port));
    assertEquals(server.server_port, port);
    assertEquals(server.server_address, ["127.0.0.1", port]);
    assertEquals(server.server_name, "localhost");
    const lines = (await get(port, "/who")).split("\n");
    assertMatch(lines[0], /^client=127\.0\.0\.1 \d+$/);
    assertEquals(lines.slice(1, 5), [
      "address_string=127.0.0.1",
      `server_address=127.0.0.1 ${port}`,
      "server_name=localhost",
      `server_port=${port}`,
    ]);
  } finally {
    await running.stop();
  }
});

function hasIPv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

const ipv6 = hasIPv6Loopback();
if (!ipv6) console.warn("no IPv6 loopback (::1) on this host: the IPv6 server test is skipped");

Deno.test({
  name: "a server bound to [::1] serves IPv6 clients with bare IPv6 addresses",
  ignore: !ipv6,
  async fn() {
    const lines: string[] = [];
    class Logged extends WhoHandler {
      override log_message(format: string, ...args: (string | number)[]): void {
        lines.push(`${this.address_string()} ${format} ${args.join(" ")}`);
      }
    }
    const running = startServer(Logged, ThreadingHTTPServer, "::1");
    try {
      assertEquals(running.server.server_address, ["::1", running.port]);
      assertEquals(running.server.server_name, "localhost");
      const body = (await get(running.port, "/v6", "::1")).split("\n");
      assertMatch(body[0], /^client=::1 \d+$/);
      assertEquals(body[1], "address_string=::1");
      assertEquals(body[2], `server_address=::1 ${running.port}`);
      assertMatch(lines[0], /^::1 /);
    } finally {
      await running.stop();
    }
  },
});

Deno.test("shutdown() stops serve_forever, which can then be started again", async () => {
  const server = new ThreadingHTTPServer(["127.0.0.1", 0], WhoHandler);
  try {
    for (let round = 0; round < 3; round++) {
      const serving = server.serve_forever();
      assertMatch(
        await get(server.server_port, `/round${round}`),
        new RegExp(`path=/round${round}`),
      );
      await server.shutdown();
      await serving;
      // Not serving: a new connection is accepted by the kernel but nobody answers it.
      const client = await RawClient.connect(server.server_port);
      try {
        await client.send("GET /idle HTTP/1.0\r\n\r\n");
        assertEquals(await client.closedWithin(150), false);
      } finally {
        client.close();
      }
    }
  } finally {
    server.server_close();
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("shutdown() before serve_forever() and twice in a row is harmless", async () => {
  const server = new HTTPServer(["127.0.0.1", 0], WhoHandler);
  try {
    await server.shutdown();
    const serving = server.serve_forever();
    assertMatch(await get(server.server_port, "/x"), /path=\/x/);
    await server.shutdown();
    await server.shutdown();
    await serving;
  } finally {
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("handle_request() with a timeout calls handle_timeout when nobody connects", async () => {
  let timeouts = 0;
  class Timing extends HTTPServer {
    override timeout = 0.15;
    override handle_timeout(): void {
      timeouts++;
    }
  }
  const server = new Timing(["127.0.0.1", 0], WhoHandler);
  try {
    const started = performance.now();
    await server.handle_request();
    const waited = performance.now() - started;
    assertEquals(timeouts, 1);
    assert(waited >= 140 && waited < 2_000, `waited ${waited.toFixed(0)} ms`);
    // With a client, it handles exactly that one request and does not time out.
    const reply = get(server.server_port, "/once");
    await server.handle_request();
    assertMatch(await reply, /path=\/once/);
    assertEquals(timeouts, 1);
  } finally {
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("handle_request() without a timeout handles exactly one connection", async () => {
  const server = new HTTPServer(["127.0.0.1", 0], WhoHandler);
  try {
    const replies = [get(server.server_port, "/a"), get(server.server_port, "/b")];
    await server.handle_request();
    await server.handle_request();
    const bodies = await Promise.all(replies);
    assertEquals(bodies.map((b) => b.match(/path=(\S+)/)?.[1]).sort(), ["/a", "/b"]);
  } finally {
    await server[Symbol.asyncDispose]();
  }
});

Deno.test("verify_request() returning false drops the connection unanswered", async () => {
  let handled = 0;
  const seen: ClientAddress[] = [];
  class Counting extends WhoHandler {
    override async do_GET(): Promise<void> {
      handled++;
      await super.do_GET();
    }
  }
  class Refusing extends ThreadingHTTPServer {
    override verify_request(_request: AcceptedConnection, client: ClientAddress): boolean {
      seen.push(client);
      return seen.length > 1;
    }
  }
  const running = startServer(Counting, Refusing);
  try {
    const refused = await rawExchange(running.port, "GET /no HTTP/1.0\r\n\r\n", {
      timeoutMs: 3_000,
    });
    assertEquals(refused.length, 0);
    assertEquals(handled, 0);
    assertEquals(seen[0][0], "127.0.0.1");
    assertMatch(await get(running.port, "/yes"), /path=\/yes/);
    assertEquals(handled, 1);
  } finally {
    await running.stop();
  }
});

Deno.test("await using closes the listening socket at the end of the block", async () => {
  let port = 0;
  let serving: Promise<void> = Promise.resolve();
  {
    await using server = new ThreadingHTTPServer(["127.0.0.1", 0], WhoHandler);
    port = server.server_port;
    serving = server.serve_forever();
    assertMatch(await get(port, "/in-block"), /path=\/in-block/);
  }
  await serving;
  let refused = false;
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
  } catch (error) {
    refused = error instanceof Deno.errors.ConnectionRefused;
  }
  assert(refused, "the port still accepts connections after disposal");
  // And the port is free at once, as after Python's server_close().
  Deno.listen({ hostname: "127.0.0.1", port }).close();
});

Deno.test("disposal releases the port at once, even with an accept pending", async () => {
  for (const ServerClass of [HTTPServer, ThreadingHTTPServer]) {
    const server = new ServerClass(["127.0.0.1", 0], WhoHandler);
    const port = server.server_port;
    const serving = server.serve_forever();
    assertMatch(await get(port, "/before"), /path=\/before/);
    await server[Symbol.asyncDispose]();
    await serving;
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  }
});

Deno.test("server_close() releases the port for a new server", async () => {
  const first = new HTTPServer(["127.0.0.1", 0], WhoHandler);
  const port = first.server_port;
  first.server_close();
  const second = new ThreadingHTTPServer(["127.0.0.1", port], WhoHandler);
  const serving = second.serve_forever();
  try {
    assertEquals(second.server_port, port);
    assertMatch(await get(port, "/again"), /path=\/again/);
  } finally {
    await second.shutdown();
    await serving;
    await second[Symbol.asyncDispose]();
  }
});

Deno.test("binding a port in use throws and leaves nothing open", () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (holder.addr as Deno.NetAddr).port;
    let failed = false;
    try {
      new HTTPServer(["127.0.0.1", port], WhoHandler).server_close();
    } catch (error) {
      failed = error instanceof Deno.errors.AddrInUse;
    }
    assert(failed, "expected AddrInUse");
  } finally {
    holder.close();
  }
});

Deno.test("handle_error() prints Python's report between two 40-dash lines", async () => {
  const child = await spawnServerScript(`
    import { HTTPServer } from "{ROOT}server.ts";
    import { BaseHTTPRequestHandler } from "{ROOT}handlers/base.ts";
    class H extends BaseHTTPRequestHandler {
      override log_message() {}
      do_GET() { throw new TypeError("handler exploded"); }
    }
    const server = new HTTPServer(["127.0.0.1", 0], H);
    console.log(server.server_port);
    await server.serve_forever();
  `);
  const ports: number[] = [];
  let stderr = "";
  try {
    for (let i = 0; i < 2; i++) {
      const client = await RawClient.connect(child.port);
      try {
        ports.push(client.localPort);
        await client.send("GET / HTTP/1.0\r\n\r\n");
        assertEquals(await client.readToEnd(), "");
      } finally {
        client.close();
      }
    }
  } finally {
    stderr = await child.stop();
  }
  const dashes = "-".repeat(40);
  const blocks = stderr.split(`${dashes}\n`).filter((part) => part.startsWith("Exception"));
  assertEquals(blocks.length, 2, stderr);
  blocks.forEach((block, i) => {
    const lines = block.trimEnd().split("\n");
    assertEquals(
      lines[0],
      `Exception occurred during processing of request from ('127.0.0.1', ${ports[i]})`,
    );
    assertEquals(lines[1], "TypeError: handler exploded");
    assert(lines.slice(2).every((l) => l.startsWith("    at ")), block);
  });
  assertMatch(stderr, new RegExp(`^${dashes}\\nException occurred`));
  assert(stderr.endsWith(`${dashes}\n`), stderr);
});
