/**
 * The response head kept as values (`protocol/response_head.ts`): table tests of its queries
 * and changes, and how the handler records into it, encodes it once in `end_headers()`, and
 * keeps Python's `_headers_buffer` (read, appended to, assigned) working.
 *
 * @module
 */
import { assert, assertEquals, assertThrows } from "../deps.ts";
import { HeaderValueError } from "../errors.ts";
import { isUnsendableHeaderText, ResponseHead } from "../protocol/response_head.ts";
import { latin1, QuietHandler, runSocketless } from "./_helpers.ts";

type Op =
  | ["append" | "set", string, string]
  | ["delete", string]
  | ["status", string, number, string]
  | ["clear"];

interface HeadCase {
  name: string;
  ops: Op[];
  fields: [string, string][];
  /** Expected answers of has/get/getAll/indexOf for these names. */
  queries?: Record<string, { has: boolean; get: string | null; all: string[]; index: number }>;
  /** Expected `delete` results, in order of the delete ops. */
  deleted?: number[];
  status?: [string, number, string] | null;
}

const CASES: HeadCase[] = [
  { name: "empty", ops: [], fields: [], status: null },
  {
    name: "append keeps order and repeats",
    ops: [["append", "Set-Cookie", "a=1"], ["append", "X", "1"], ["append", "set-cookie", "b=2"]],
    fields: [["Set-Cookie", "a=1"], ["X", "1"], ["set-cookie", "b=2"]],
    queries: {
      "SET-COOKIE": { has: true, get: "a=1", all: ["a=1", "b=2"], index: 0 },
      "x": { has: true, get: "1", all: ["1"], index: 1 },
      "Y": { has: false, get: null, all: [], index: -1 },
    },
  },
  {
    name: "set replaces the first in place and drops the rest",
    ops: [
      ["append", "Vary", "Accept"],
      ["append", "Content-Length", "5"],
      ["append", "vary", "Origin"],
      ["set", "VARY", "Accept-Encoding"],
    ],
    fields: [["Vary", "Accept-Encoding"], ["Content-Length", "5"]],
  },
  {
    name: "set appends an absent name",
    ops: [["append", "A", "1"], ["set", "B", "2"]],
    fields: [["A", "1"], ["B", "2"]],
  },
  {
    name: "delete removes every field of the name, any case",
    ops: [
      ["append", "Content-Length", "5"],
      ["append", "X", "1"],
      ["append", "content-length", "6"],
      ["delete", "CONTENT-LENGTH"],
      ["delete", "Absent"],
    ],
    fields: [["X", "1"]],
    deleted: [2, 0],
  },
  {
    name: "a name is not a prefix match",
    ops: [["append", "Content-Type", "text/plain"]],
    fields: [["Content-Type", "text/plain"]],
    queries: { "Content": { has: false, get: null, all: [], index: -1 } },
  },
  {
    name: "status is set, replaced, and cleared with the fields",
    ops: [["status", "HTTP/1.0", 200, "OK"], ["status", "HTTP/1.1", 404, ""]],
    fields: [],
    status: ["HTTP/1.1", 404, ""],
  },
  {
    name: "clear empties everything",
    ops: [["status", "HTTP/1.0", 200, "OK"], ["append", "A", "1"], ["clear"]],
    fields: [],
    status: null,
  },
];

Deno.test("response head: table of appends, sets, deletes and queries", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, () => {
      const head = new ResponseHead();
      const deleted: number[] = [];
      for (const op of c.ops) {
        if (op[0] === "append") head.append(op[1], op[2]);
        else if (op[0] === "set") head.set(op[1], op[2]);
        else if (op[0] === "delete") deleted.push(head.delete(op[1]));
        else if (op[0] === "status") head.setStatus(op[1], op[2], op[3]);
        else head.clear();
      }
      assertEquals([...head], c.fields);
      assertEquals(head.size, c.fields.length);
      for (let i = 0; i < c.fields.length; i++) {
        assertEquals([head.nameAt(i), head.valueAt(i)], c.fields[i]);
      }
      for (const [name, want] of Object.entries(c.queries ?? {})) {
        assertEquals(
          {
            has: head.has(name),
            get: head.get(name),
            all: head.getAll(name),
            index: head.indexOf(name),
          },
          want,
          name,
        );
      }
      if (c.deleted !== undefined) assertEquals(deleted, c.deleted);
      if (c.status !== undefined) {
        assertEquals(
          head.hasStatus ? [head.version, head.code, head.reason] : null,
          c.status,
        );
      }
      assertEquals(head.isEmpty, !head.hasStatus && c.fields.length === 0);
    });
  }
});

Deno.test("response head: CR, LF, NUL and non-latin-1 text is refused and leaves the head as it was", () => {
  const bad = ["a\r\nSet-Cookie: x", "a\nb", "a\rb", "a\0b", "\u20ac", "\u0100"];
  for (const text of bad) {
    assert(isUnsendableHeaderText(text), JSON.stringify(text));
    const head = new ResponseHead();
    head.setStatus("HTTP/1.0", 200, "OK");
    head.append("X", "1");
    assertThrows(() => head.append("X-Test", text), HeaderValueError);
    assertThrows(() => head.append(text, "v"), HeaderValueError);
    assertThrows(() => head.set("X", text), HeaderValueError);
    assertThrows(() => head.set(text, "v"), HeaderValueError);
    assertThrows(() => head.setStatus("HTTP/1.0", 500, text), HeaderValueError);
    assertThrows(() => head.setStatus(text, 500, "Oops"), HeaderValueError);
    assertEquals([...head], [["X", "1"]]);
    assertEquals([head.version, head.code, head.reason], ["HTTP/1.0", 200, "OK"]);
  }
  for (const good of ["", "text/html; charset=utf-8", "caf\u00e9 \u00ff", "\t"]) {
    assert(!isUnsendableHeaderText(good), JSON.stringify(good));
  }
});

Deno.test("response head: a text equal to its slot's last one skips the scan; any other is still checked", () => {
  const head = new ResponseHead();
  head.append("Content-Range", "bytes 0-9/100");
  head.append("X", "1");
  head.clear();
  // The same texts again (the previous response's, still in their slots): accepted.
  head.append("Content-Range", "bytes 0-9/100");
  // A different text in a slot is scanned: refused, and the slot keeps a checked text.
  assertThrows(() => head.append("X", "1\r\nSet-Cookie: a=b"), HeaderValueError);
  assertThrows(() => head.append("X\n", "1"), HeaderValueError);
  assertEquals(head.size, 1);
  assertThrows(() => head.append("Y", "\u0100"), HeaderValueError);
  head.append("X", "1");
  assertEquals([...head], [["Content-Range", "bytes 0-9/100"], ["X", "1"]]);
  // A slot never written before is scanned too.
  assertThrows(() => head.append("Z", "a\0b"), HeaderValueError);
});

Deno.test("response head: sameAs compares status and fields as sent; copyFrom copies them", () => {
  const a = new ResponseHead();
  a.setStatus("HTTP/1.1", 200, "OK");
  a.append("A", "1");
  const b = new ResponseHead();
  assert(!b.sameAs(a));
  b.copyFrom(a);
  assert(b.sameAs(a) && a.sameAs(b));
  b.set("A", "2");
  assert(!b.sameAs(a));
  b.copyFrom(a);
  b.delete("A");
  b.append("a", "1"); // same value, other spelling: other bytes
  assert(!b.sameAs(a));
  b.copyFrom(a);
  b.setStatus("HTTP/1.1", 200, "Fine");
  assert(!b.sameAs(a));
  assert(new ResponseHead().sameAs(new ResponseHead()));
});

Deno.test("handler: send_response/send_header record values; end_headers writes them once, then the head is empty", async () => {
  const seen: unknown[] = [];
  class Recording extends QuietHandler {
    override protocol_version = "HTTP/1.1";
    async do_GET() {
      this.send_response(200);
      this.send_header("Content-Type", "text/plain");
      this.send_header("Content-Length", 5);
      this.send_header("Connection", "close");
      const head = this.response_head;
      seen.push(head.code, head.get("content-length"), this.close_connection);
      // A later stage changes the head before it is written.
      head.delete("Content-Length");
      head.set("Transfer-Encoding", "chunked");
      head.append("Vary", "Accept-Encoding");
      await this.end_headers();
      seen.push(head.isEmpty);
    }
  }
  const { output } = await runSocketless(Recording, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assertEquals(seen, [200, "5", true, true]);
  assertEquals(
    output.replace(/^(Server|Date): .*\r\n/gm, ""),
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n" +
      "Transfer-Encoding: chunked\r\nVary: Accept-Encoding\r\n\r\n",
  );
});

Deno.test("handler: HTTP/0.9 records no head and writes none", async () => {
  let empty = false;
  class Old extends QuietHandler {
    async do_GET() {
      this.send_response(200);
      this.send_header("Content-Type", "text/plain");
      empty = this.response_head.isEmpty;
      await this.end_headers();
      await this.wfile.write(latin1("body"));
    }
  }
  const { output } = await runSocketless(Old, "GET /\r\n");
  assert(empty);
  assertEquals(output, "body");
});

/** Runs one GET with `do_GET` and returns the wire bytes with Server/Date masked. */
async function exchange(doGet: (h: QuietHandler) => Promise<void>): Promise<string> {
  class Handler extends QuietHandler {
    do_GET() {
      return doGet(this);
    }
  }
  const { output } = await runSocketless(Handler, "GET / HTTP/1.0\r\n\r\n");
  return output.replace(/^(Server|Date): .*\r\n/gm, "");
}

Deno.test("handler: _headers_buffer read, appended to, assigned (Python's list of byte lines)", async (t) => {
  await t.step("reading yields the encoded lines; reading alone changes nothing", async () => {
    let lines: string[] = [];
    const out = await exchange(async (h) => {
      h.send_response(200);
      h.send_header("X-A", "1");
      lines = h._headers_buffer.map((line) => new TextDecoder().decode(line));
      h.response_head.delete("X-A"); // still honoured: the lines were only read
      h.send_header("X-B", "2");
      await h.end_headers();
    });
    assertEquals(lines.length, 4);
    assertEquals([lines[0], lines[3]], ["HTTP/1.0 200 OK\r\n", "X-A: 1\r\n"]);
    assertEquals(out, "HTTP/1.0 200 OK\r\nX-B: 2\r\n\r\n");
  });
  await t.step("appended lines go out in order with the later headers", async () => {
    const out = await exchange(async (h) => {
      h.send_response(200);
      h._headers_buffer.push(latin1("X-Raw: 1\r\n"));
      h.send_header("X-B", "2");
      await h.end_headers();
    });
    assertEquals(out, "HTTP/1.0 200 OK\r\nX-Raw: 1\r\nX-B: 2\r\n\r\n");
  });
  await t.step(
    "the blank line is there once end_headers ran (an overridden flush_headers)",
    async () => {
      let last = "";
      class Peeking extends QuietHandler {
        override flush_headers() {
          const lines = this._headers_buffer;
          last = new TextDecoder().decode(lines[lines.length - 1]);
          return super.flush_headers();
        }
        async do_GET() {
          this.send_response(204);
          await this.end_headers();
        }
      }
      const { output } = await runSocketless(Peeking, "GET / HTTP/1.0\r\n\r\n");
      assertEquals(last, "\r\n");
      assert(output.startsWith("HTTP/1.0 204 No Content\r\n") && output.endsWith("\r\n\r\n"));
    },
  );
  await t.step("assigning a list replaces what was buffered", async () => {
    const out = await exchange(async (h) => {
      h.send_response(500);
      h._headers_buffer = [];
      h.send_response_only(200);
      h.send_header("X", "1");
      await h.end_headers();
    });
    assertEquals(out, "HTTP/1.0 200 OK\r\nX: 1\r\n\r\n");
  });
  await t.step("a second status line, or one after a header, keeps Python's order", async () => {
    const out = await exchange(async (h) => {
      h.send_header("X-First", "1");
      h.send_response_only(100);
      h.send_response_only(200);
      h.send_header("X", "1");
      await h.end_headers();
    });
    assertEquals(
      out,
      "X-First: 1\r\nHTTP/1.0 100 Continue\r\nHTTP/1.0 200 OK\r\nX: 1\r\n\r\n",
    );
  });
  await t.step(
    "flush_headers alone sends no blank line; the rest follows (as CGI does)",
    async () => {
      const out = await exchange(async (h) => {
        h.send_response(200, "Script output follows");
        await h.flush_headers();
        await h.wfile.write(latin1("Content-Type: text/plain\r\n\r\nhi"));
      });
      assertEquals(out, "HTTP/1.0 200 Script output follows\r\nContent-Type: text/plain\r\n\r\nhi");
    },
  );
  await t.step("bad text raises at send_header, in lines mode too", async () => {
    const errors: unknown[] = [];
    const out = await exchange(async (h) => {
      h.send_response(200);
      try {
        h.send_header("X", "a\r\nb");
      } catch (error) {
        errors.push(error);
      }
      void h._headers_buffer;
      try {
        h.send_header("X", "\u20ac");
      } catch (error) {
        errors.push(error);
      }
      await h.end_headers();
    });
    assertEquals(errors.length, 2);
    assert(errors.every((e) => e instanceof HeaderValueError));
    assertEquals(out, "HTTP/1.0 200 OK\r\n\r\n");
  });
});
