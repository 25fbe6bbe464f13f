/**
 * A connection's repeated header block is answered from the last parse
 * (`HeaderBlockMemo`): unit rules, and over a real keep-alive connection, that every request
 * still sees exactly its own headers, even after a handler changed the previous request's.
 *
 * @module
 */
import { assert, assertEquals } from "../deps.ts";
import { HTTPMessage } from "../headers.ts";
import {
  HeaderBlockMemo,
  MAX_REMEMBERED_HEADER_BLOCK,
  parseHeaderBlock,
} from "../protocol/header_block.ts";
import { latin1, QuietHandler, startServer } from "./_helpers.ts";
import { RawClient } from "./_wire.ts";

Deno.test("header block memo: a repeat is the same parse; any changed byte parses afresh", () => {
  const memo = new HeaderBlockMemo();
  const a = latin1("Host: a\r\nX-Id: 1\r\n\r\n");
  const first = memo.parse(a, a.length);
  assertEquals(first, [["Host", "a"], ["X-Id", "1"]]);
  assert(memo.parse(latin1("Host: a\r\nX-Id: 1\r\n\r\n"), a.length) === first);
  // Same length, one byte different.
  const b = latin1("Host: a\r\nX-Id: 2\r\n\r\n");
  assertEquals(memo.parse(b, b.length), [["Host", "a"], ["X-Id", "2"]]);
  // The block is only the first `end` bytes; what follows (a body, a pipelined request) is not
  // part of it.
  const withBody = latin1("Host: a\r\nX-Id: 2\r\n\r\nbody");
  assertEquals(memo.parse(withBody, b.length), [["Host", "a"], ["X-Id", "2"]]);
  const c = latin1("Host: a\r\n\r\n");
  assertEquals(memo.parse(c, c.length), [["Host", "a"]]);
});

Deno.test("header block memo: the parse equals parseHeaderBlock, latin-1 and folds included", () => {
  const memo = new HeaderBlockMemo();
  const text = "Host: h\r\nX-Fold: a\r\n  b\r\nX-Latin: caf\u00e9\r\nHost: second\r\n\r\n";
  const bytes = latin1(text);
  for (let i = 0; i < 3; i++) assertEquals(memo.parse(bytes, bytes.length), parseHeaderBlock(text));
});

Deno.test("header block memo: blocks over the limit are parsed every time, correctly", () => {
  const memo = new HeaderBlockMemo();
  const text = `Host: h\r\nX-Big: ${"v".repeat(MAX_REMEMBERED_HEADER_BLOCK)}\r\n\r\n`;
  const bytes = latin1(text);
  const first = memo.parse(bytes, bytes.length);
  const second = memo.parse(bytes, bytes.length);
  assert(first !== second);
  assertEquals(second, parseHeaderBlock(text));
});

Deno.test("keep-alive: each request sees its own headers, repeated or not, changed or not", async () => {
  class Echo extends QuietHandler {
    override protocol_version = "HTTP/1.1";
    async do_GET() {
      const seen = this.headers.items().map(([name, value]) => `${name}=${value}`).join(";");
      // Changing this request's headers must not leak into the next request's.
      this.headers.append("X-Added-By-Handler", "1");
      const body = new TextEncoder().encode(seen);
      this.send_response(200);
      this.send_header("Content-Length", body.length);
      await this.end_headers();
      await this.wfile.write(body);
    }
  }
  const running = startServer(Echo);
  const client = await RawClient.connect(running.port);
  try {
    const blocks = [
      "Host: x\r\nX-A: 1\r\n",
      "Host: x\r\nX-A: 1\r\n",
      "Host: x\r\nX-A: 2\r\n",
      "Host: x\r\nX-A: 2\r\nX-B: 3\r\n",
      "Host: x\r\nX-A: 1\r\n",
    ];
    for (const block of blocks) {
      await client.send(`GET / HTTP/1.1\r\n${block}\r\n`);
      const response = await client.readResponse();
      assert(response !== null);
      const expected = [...new HTTPMessage(parseHeaderBlock(block + "\r\n"))].length;
      assertEquals(response.body.split(";").length, expected);
      assertEquals(
        response.body,
        parseHeaderBlock(block + "\r\n").map(([n, v]) => `${n}=${v}`).join(";"),
      );
    }
  } finally {
    client.conn.close();
    await running.stop();
  }
});

Deno.test("header block memo: a block that differs in one value reuses the other pairs", () => {
  const memo = new HeaderBlockMemo();
  const parse = (text: string) => memo.parse(latin1(text + "rest"), text.length);
  const first = parse("Host: a\r\nRange: bytes=10-19\r\nAccept: */*\r\n\r\n");
  const second = parse("Host: a\r\nRange: bytes=123456-124479\r\nAccept: */*\r\n\r\n");
  assertEquals(second, [["Host", "a"], ["Range", "bytes=123456-124479"], ["Accept", "*/*"]]);
  assert(second !== first && second[0] === first[0] && second[2] === first[2]);
  assertEquals(parse("Host: a\r\nRange: bytes=7-8\r\nAccept: */*\r\n\r\n")[1], [
    "Range",
    "bytes=7-8",
  ]);
  assertEquals(parse("Host: a\r\nRange: bytes=7-8\r\nAccept: */*\r\n\r\n")[1], [
    "Range",
    "bytes=7-8",
  ]);
});

Deno.test("header block memo: every kind of change equals a fresh parse", () => {
  // Each block is parsed after each other one, so every pair of them is a change the memo
  // sees; its answer must be parseHeaderBlock's.
  const blocks = [
    "Host: a\r\nRange: bytes=10-19\r\n\r\n",
    "Host: a\r\nRange: bytes=10-1\r\n\r\n",
    "Host: a\r\nRange: bytes=10-199\r\n\r\n",
    "Host: a\r\nRange:bytes=10-19\r\n\r\n",
    "Host: a\r\nRange:   bytes=10-19  \r\n\r\n",
    "Host: a\r\nRange: \r\n\r\n",
    "Host: a\r\nRange:\r\n\r\n",
    "Host: a\r\nRangf: bytes=10-19\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19\rX\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19\r\nX\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19\r\n x\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19\r\n\tx\r\n\r\n",
    "Host: a\r\nRange: bytes=1\r\n0-19\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19:x\r\n\r\n",
    "Host: a\nRange: bytes=10-19\n\n",
    "Host: a\nRange: bytes=10-19\r\n\n",
    "Host: b\r\nRange: bytes=10-19\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19\r\nFrom x\r\n\r\n",
    "Host: a\r\n: x\r\nRange: bytes=10-19\r\n\r\n",
    "Host: a\r\n\r\n",
    "\r\n",
    "\n",
    "Host: a\r\nRange: caf\u00e9 \u00ff\r\n\r\n",
    "Host: a\r\nRange: bytes=10-19\r\nHost: c\r\n\r\n",
  ];
  const memo = new HeaderBlockMemo();
  for (const a of blocks) {
    for (const b of blocks) {
      for (const text of [a, b, a]) {
        const got = memo.parse(latin1(text + "GET / HTTP/1.1\r\n"), text.length);
        assertEquals(
          got,
          parseHeaderBlock(text),
          `${JSON.stringify(a)} then ${JSON.stringify(text)}`,
        );
      }
    }
  }
});
