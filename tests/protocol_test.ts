// The request-line and header-block rules through a socketless handler (parse_request): each
// request fed whole, byte by byte, and followed by body bytes that must stay readable. The pure
// parsers have their own mirrors: tests/request_line_test.ts, tests/header_block_test.ts and
// tests/head_reader_test.ts.
import { assert, assertEquals } from "../deps.ts";
import type { HeaderPair } from "../protocol/header_block.ts";
import { Quiet } from "./_base_handlers.ts";
import { maskVolatileHeaders, runSocketless } from "./_helpers.ts";

// --- the same rules through a handler, whole, byte by byte, with a body after the head ------

interface Probe {
  command: string | null;
  path: string;
  version: string;
  headers: HeaderPair[];
  rest: string;
  close: boolean;
}

class ProbeHandler extends Quiet {
  override protocol_version = "HTTP/1.1";
  probes: Probe[] = [];

  async #probe(): Promise<void> {
    const probe: Probe = {
      command: this.command,
      path: this.path,
      version: this.request_version,
      headers: this.headers.items(),
      rest: "",
      close: this.close_connection,
    };
    const length = this.headers.get("Content-Length");
    const rest = length === undefined
      ? await this.rfile.read()
      : await this.rfile.read(Number(length));
    probe.rest = String.fromCharCode(...rest);
    this.probes.push(probe);
    this.send_response(204);
    await this.end_headers();
  }

  do_GET(): Promise<void> {
    return this.#probe();
  }

  do_POST(): Promise<void> {
    return this.#probe();
  }
}

interface Case {
  name: string;
  head: string;
  probe?: Omit<Probe, "rest">;
  /** What the handler writes before the body is read, masked (default: a 204). */
  output?: RegExp;
}

const TRAILER = "BODY\x00\xff\r\n\r\nGET /never HTTP/1.1\r\n\r\n";

const CASES: Case[] = [
  {
    name: "a GET with headers",
    head: "GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n",
    probe: {
      command: "GET",
      path: "/a?b",
      version: "HTTP/1.1",
      headers: [["Host", "x"], ["X-A", "1"]],
      close: false,
    },
  },
  {
    name: "bare LF line ends",
    head: "GET / HTTP/1.0\nA: 1\n\n",
    probe: { command: "GET", path: "/", version: "HTTP/1.0", headers: [["A", "1"]], close: true },
  },
  {
    name: "obs-fold and a line without colon",
    head: "GET / HTTP/1.0\r\nA: 1\r\n 2\r\nnocolon\r\nB: 3\r\n\r\n",
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: [["A", "1\r\n 2"]],
      close: true,
    },
  },
  {
    name: "no headers at all",
    head: "POST //p HTTP/1.0\r\n\r\n",
    probe: { command: "POST", path: "/p", version: "HTTP/1.0", headers: [], close: true },
  },
  {
    name: "an HTTP/0.9 simple request reads no headers",
    head: "GET /x\r\n",
    probe: { command: "GET", path: "/x", version: "HTTP/0.9", headers: [], close: true },
    output: /^$/,
  },
  {
    name: "HTTP/1.0 with Connection: keep-alive",
    head: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: [["Connection", "keep-alive"]],
      close: false,
    },
  },
  {
    name: "Expect: 100-continue",
    head: "POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
    probe: {
      command: "POST",
      path: "/",
      version: "HTTP/1.1",
      headers: [["Expect", "100-continue"]],
      close: false,
    },
    output: /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 204 No Content\r\n/,
  },
  {
    name: "a header line of exactly 65536 bytes",
    head: `GET / HTTP/1.0\r\nX: ${"v".repeat(65536 - 5)}\r\n\r\n`,
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: [["X", "v".repeat(65531)]],
      close: true,
    },
  },
  {
    name: "99 header lines",
    head: `GET / HTTP/1.0\r\n${"H: v\r\n".repeat(99)}\r\n`,
    probe: {
      command: "GET",
      path: "/",
      version: "HTTP/1.0",
      headers: Array.from({ length: 99 }, (): HeaderPair => ["H", "v"]),
      close: true,
    },
  },
  {
    name: "100 header lines",
    head: `GET / HTTP/1.0\r\n${"H: v\r\n".repeat(100)}\r\n`,
    output: /^HTTP\/1\.1 431 Too many headers\r\n[\s\S]*got more than 100 headers/,
  },
  {
    name: "a header line of 65537 bytes",
    head: `GET / HTTP/1.0\r\nX: ${"v".repeat(65537 - 5)}\r\n\r\n`,
    output: /^HTTP\/1\.1 431 Line too long\r\n[\s\S]*when reading header line/,
  },
  {
    name: "a request line of 65537 bytes",
    head: `GET /${"x".repeat(65537)} HTTP/1.0\r\n\r\n`,
    output: /^HTTP\/1\.1 414 URI Too Long\r\n/,
  },
  {
    name: "a bad version",
    head: "GET / HTTP/1.x\r\n\r\n",
    output: /^<!DOCTYPE HTML>\n[\s\S]*Bad request version \('HTTP\/1\.x'\)/,
  },
  {
    name: "a blank request line",
    head: "\r\n",
    output: /^$/,
  },
];

const DEFAULT_OUTPUT = /^HTTP\/1\.1 204 No Content\r\nServer: <masked>\r\nDate: <masked>\r\n\r\n$/;

for (const c of CASES) {
  for (
    const [mode, chunk, trailer] of [
      ["whole", undefined, ""],
      ["byte by byte", 1, ""],
      ["with a body after the head", undefined, TRAILER],
      ["byte by byte with a body after the head", 1, TRAILER],
    ] as const
  ) {
    Deno.test(`parse_request() handles ${c.name} (${mode})`, async () => {
      const { output, handler } = await runSocketless(ProbeHandler, c.head + trailer, chunk);
      const probes = (handler as ProbeHandler).probes;
      assertMatch(maskVolatileHeaders(output), c.output ?? DEFAULT_OUTPUT);
      if (c.probe === undefined) {
        assertEquals(probes, [], "the handler method must not run");
        return;
      }
      assertEquals(probes.length, 1);
      const { rest, ...seen } = probes[0];
      assertEquals(seen, c.probe);
      // Whatever followed the head is still there for the handler, byte for byte.
      assertEquals(rest, trailer);
    });
  }
}

function assertMatch(actual: string, expected: RegExp): void {
  assert(expected.test(actual), `${JSON.stringify(actual.slice(0, 300))} !~ ${expected}`);
}
