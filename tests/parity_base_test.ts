// Byte-for-byte parity with CPython 3.13's BaseHTTPRequestHandler: every request recorded by
// tests/parity/record_transcripts.py is replayed against our equivalent handler
// (tests/_base_handlers.ts) over a real loopback socket, and the whole response, read until
// the server closes, must equal CPython's (Date and Server values masked). Python is needed
// only to record the transcripts, not to run this test.
import { assert, assertEquals } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { type AcceptedConnection, ThreadingHTTPServer } from "../server.ts";
import type { ClientAddress } from "../types.ts";
import { PARITY_HANDLERS } from "./_base_handlers.ts";
import { fromLatin1, latin1, maskVolatileHeaders, readAll } from "./_helpers.ts";

interface Transcript {
  name: string;
  handler: keyof typeof PARITY_HANDLERS;
  half_close: boolean;
  request: string;
  response: string;
}

interface TranscriptFile {
  recorded_with: string;
  cases: Transcript[];
}

const file: TranscriptFile = JSON.parse(
  await Deno.readTextFile(new URL("./parity/base_transcripts.json", import.meta.url)),
);

/** A server whose handle_error records instead of printing (some cases throw on purpose). */
class RecordingServer extends ThreadingHTTPServer {
  errors: string[] = [];
  override handle_error(
    _request: AcceptedConnection,
    _client_address: ClientAddress,
    error?: unknown,
  ): void {
    this.errors.push(String(error));
  }
}

async function replay(port: number, transcript: Transcript): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = latin1(transcript.request);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
      if (transcript.half_close) await conn.closeWrite();
    } catch (error) {
      // The server may answer and close before reading all of a too-long request.
      if (
        !(error instanceof Deno.errors.BrokenPipe || error instanceof Deno.errors.ConnectionReset)
      ) {
        throw error;
      }
    }
    return fromLatin1(await readAll(conn, 5_000));
  } finally {
    conn.close();
  }
}

Deno.test("the transcripts cover at least 40 recorded CPython 3.13 exchanges", () => {
  assert(file.recorded_with.startsWith("CPython 3.13"), file.recorded_with);
  assert(file.cases.length >= 40, `${file.cases.length} cases`);
  for (const key of Object.keys(PARITY_HANDLERS)) {
    assert(file.cases.some((c) => c.handler === key), `no case for handler ${key}`);
  }
});

for (const key of Object.keys(PARITY_HANDLERS) as (keyof typeof PARITY_HANDLERS)[]) {
  const cases = file.cases.filter((c) => c.handler === key);
  Deno.test(`the ${key} handler answers ${cases.length} raw requests byte for byte as CPython 3.13`, async (t) => {
    const server = new RecordingServer(
      ["127.0.0.1", 0],
      PARITY_HANDLERS[key] as unknown as RequestHandlerClass,
    );
    const serving = server.serve_forever();
    try {
      for (const transcript of cases) {
        await t.step(transcript.name, async () => {
          const actual = maskVolatileHeaders(await replay(server.server_port, transcript));
          assertEquals(actual, transcript.response);
        });
      }
    } finally {
      await server.shutdown();
      await serving;
      await server[Symbol.asyncDispose]();
    }
    if (key === "suite") {
      // The LATINONEHEADER request without its header throws in the handler, as in Python.
      assertEquals(server.errors.length, 1, server.errors.join("\n"));
    } else {
      assertEquals(server.errors, []);
    }
  });
}
