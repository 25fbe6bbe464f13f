// The chunked request-body decoder: framing, extensions, trailers, a bare LF, the size limit
// checked at each chunk's size line (before its data is read), a body cut off, bad framing.
import { assertEquals, assertRejects } from "../deps.ts";
import { ChunkedBodyError, UploadLimitExceededError } from "../errors.ts";
import { ChunkedBodyReader } from "../io/chunked_body_reader.ts";
import { MemoryConnection } from "../io/memory.ts";
import { RFile } from "../io/rfile.ts";

async function decode(wire: string, maxBytes: number | null = null) {
  const rfile = new RFile(new MemoryConnection(wire));
  const body = new ChunkedBodyReader(rfile, { maxBytes, chunkSize: 4 });
  let text = "";
  for (let chunk = await body.peek(); chunk.length > 0; chunk = await body.peek()) {
    text += new TextDecoder().decode(chunk);
    body.consume(chunk.length);
  }
  const rest = new TextDecoder().decode(await rfile.read());
  return { text, complete: body.complete, received: body.received, rest };
}

Deno.test("chunked: chunks, extensions, trailer and the next request left in the buffer", async () => {
  assertEquals(
    await decode("3;a=b\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n"),
    { text: "abc0123456789", complete: true, received: 13, rest: "GET / HTTP/1.1\r\n" },
  );
});

Deno.test("chunked: a bare LF ends lines too; upper-case hex; spaces before ;", async () => {
  assertEquals(await decode("B \n0123456789a\n0\n\n"), {
    text: "0123456789a",
    complete: true,
    received: 11,
    rest: "",
  });
});

Deno.test("chunked: a body cut off is incomplete, not an error", async () => {
  assertEquals((await decode("5\r\nabc")).complete, false);
  assertEquals((await decode("5\r\nabcde\r\n")).complete, false);
  assertEquals((await decode("")).complete, false);
});

Deno.test("chunked: the limit stops at the size line that passes it", async () => {
  assertEquals((await decode("4\r\nabcd\r\n0\r\n\r\n", 4)).text, "abcd");
  const error = await assertRejects(
    () => decode("4\r\nabcd\r\n1\r\ne\r\n0\r\n\r\n", 4),
    UploadLimitExceededError,
  );
  assertEquals((error as UploadLimitExceededError).status, 413);
});

Deno.test("chunked: bad framing is a 400", async () => {
  for (
    const wire of [
      "x\r\n",
      "-1\r\n",
      "0x5\r\nabcde\r\n0\r\n\r\n",
      "5\r\nabcdeXX\r\n0\r\n\r\n",
      "12345678901234\r\n",
      `${"0".repeat(5000)}\r\n`,
    ]
  ) {
    const error = await assertRejects(() => decode(wire), ChunkedBodyError);
    assertEquals((error as ChunkedBodyError).status, 400, wire);
  }
});
