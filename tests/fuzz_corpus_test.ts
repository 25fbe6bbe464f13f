// Replays tests/corpus/nasty_requests.json (hostile requests with CPython 3.13's recorded answers)
// against our server over a real loopback socket. Each entry's answers (status lines, body-only
// codes, or nothing) must match the recording, and the server must still answer a normal request
// afterwards. The recording is made by tests/corpus/record_nasty.py; the handler below is its
// TypeScript twin.
import { assertEquals } from "../deps.ts";
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { fromLatin1, latin1, rawExchange, startServer } from "./_helpers.ts";

type Segment = string | { repeat: string; count: number };

interface CorpusEntry {
  name: string;
  input: Segment[];
  halfClose?: boolean;
  expect: string[];
  cpython: string[] | "hang";
  note?: string;
}

interface Corpus {
  recordedWith: string;
  entries: CorpusEntry[];
}

const corpus = JSON.parse(
  await Deno.readTextFile(new URL("./corpus/nasty_requests.json", import.meta.url)),
) as Corpus;

const BODY = "ok\n";

/** The recorder's handler: 200 "ok\n" for GET and POST; POST reads a 1-6 digit length. */
class CorpusHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override log_message(): void {}

  async do_GET(): Promise<void> {
    await this.#answer();
  }

  async do_POST(): Promise<void> {
    const length = this.headers.get("Content-Length", "") as string;
    if (/^[0-9]{1,6}$/.test(length)) await this.rfile.read(Number(length));
    await this.#answer();
  }

  async #answer(): Promise<void> {
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(BODY.length));
    await this.end_headers();
    await this.wfile.write(BODY);
  }
}

function expand(segments: Segment[]): Uint8Array {
  return latin1(segments.map((s) => typeof s === "string" ? s : s.repeat.repeat(s.count)).join(""));
}

/** The answers in a raw reply, by the same rules as record_nasty.py's `summarise`. */
function summarise(reply: Uint8Array): string[] {
  let text = fromLatin1(reply);
  const answers: string[] = [];
  while (text.length > 0) {
    if (!text.startsWith("HTTP/")) {
      const page = /<p>Error code: ([0-9]{3})<\/p>/.exec(text);
      if (page !== null) answers.push(`body-only ${page[1]}`);
      else if (text.startsWith(BODY)) answers.push("body-only 200");
      else answers.push("body-only ???");
      break;
    }
    const headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      answers.push(`truncated: ${text.slice(0, 60)}`);
      break;
    }
    const head = text.slice(0, headEnd);
    answers.push(head.split("\r\n", 1)[0]);
    text = text.slice(headEnd + 4);
    const length = /\r\nContent-Length: ([0-9]+)(\r\n|$)/.exec(head);
    if (length !== null) text = text.slice(Number(length[1]));
  }
  return answers;
}

Deno.test("corpus: the recording is complete", () => {
  assertEquals(corpus.recordedWith.startsWith("CPython 3.13."), true, corpus.recordedWith);
  assertEquals(corpus.entries.length >= 40, true, `${corpus.entries.length} entries`);
  for (const entry of corpus.entries) {
    assertEquals(Array.isArray(entry.expect), true, entry.name);
    // An expectation that is not CPython's must say why.
    if (JSON.stringify(entry.cpython) !== JSON.stringify(entry.expect)) {
      assertEquals(
        typeof entry.note,
        "string",
        `${entry.name} differs from CPython without a note`,
      );
    }
  }
});

Deno.test("corpus: every hostile request gets CPython 3.13's answer from our server", async (t) => {
  const running = startServer(CorpusHandler);
  try {
    for (const entry of corpus.entries) {
      await t.step(entry.name, async () => {
        const reply = await rawExchange(running.port, expand(entry.input), {
          halfClose: entry.halfClose ?? true,
          timeoutMs: 10_000,
        });
        const answers = summarise(reply);
        assertEquals(
          answers,
          entry.expect,
          `${entry.name}: ours ${JSON.stringify(answers)}, expected ${
            JSON.stringify(entry.expect)
          }` +
            (entry.note === undefined ? "" : ` (${entry.note})`),
        );
        const after = summarise(
          await rawExchange(running.port, "GET /after HTTP/1.0\r\n\r\n", { halfClose: true }),
        );
        assertEquals(
          after,
          ["HTTP/1.1 200 OK"],
          `the server stopped answering after ${entry.name}`,
        );
      });
    }
  } finally {
    await running.stop();
  }
});
