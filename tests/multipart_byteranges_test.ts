// protocol/multipart_byteranges.ts: exact bytes, the announced length against the materialized
// body, a read-back through an independent parser, and the boundary.

import { assert, assertEquals, assertMatch } from "../deps.ts";
import {
  type BodySegment,
  BOUNDARY_RANDOM_BYTES,
  planMultipartByteranges,
  randomBoundary,
} from "../protocol/multipart_byteranges.ts";
import { type ByteSpan, parseRangeHeader } from "../protocol/range.ts";
import { randomInt, seededRandom } from "./_python.ts";

/** The body the I/O layer would send: literal segments as they are, spans cut from `file`. */
function materialize(segments: readonly BodySegment[], file: Uint8Array): Uint8Array {
  const parts = segments.map((segment) =>
    segment.kind === "bytes"
      ? segment.bytes
      : file.subarray(segment.start, segment.start + segment.length)
  );
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

Deno.test("planMultipartByteranges: RFC 9110 §14.6's layout, byte for byte", () => {
  const file = new TextEncoder().encode("0123456789abcdefghij");
  const spans = [{ start: 0, length: 3 }, { start: 15, length: 5 }];
  const plan = planMultipartByteranges(spans, 20, "text/plain", "THIS_STRING_SEPARATES");
  assertEquals(plan.boundary, "THIS_STRING_SEPARATES");
  assertEquals(plan.contentType, "multipart/byteranges; boundary=THIS_STRING_SEPARATES");
  const body = latin1(materialize(plan.segments, file));
  assertEquals(
    body,
    "--THIS_STRING_SEPARATES\r\n" +
      "Content-Type: text/plain\r\n" +
      "Content-Range: bytes 0-2/20\r\n" +
      "\r\n" +
      "012\r\n" +
      "--THIS_STRING_SEPARATES\r\n" +
      "Content-Type: text/plain\r\n" +
      "Content-Range: bytes 15-19/20\r\n" +
      "\r\n" +
      "fghij\r\n" +
      "--THIS_STRING_SEPARATES--\r\n",
  );
  assertEquals(plan.contentLength, body.length);
  assertEquals(plan.segments.map((segment) => segment.kind), [
    "bytes",
    "file",
    "bytes",
    "file",
    "bytes",
  ]);
});

Deno.test("planMultipartByteranges: an empty type leaves its line out; latin-1 types pass", () => {
  const file = new Uint8Array(10);
  const bare = planMultipartByteranges([{ start: 1, length: 1 }], 10, "", "b");
  assertEquals(
    latin1(materialize(bare.segments, file)),
    "--b\r\nContent-Range: bytes 1-1/10\r\n\r\n\u0000\r\n--b--\r\n",
  );
  const accented = planMultipartByteranges([{ start: 0, length: 1 }], 10, "text/caf\u00e9", "b");
  assert(latin1(materialize(accented.segments, file)).includes("Content-Type: text/caf\u00e9\r\n"));
  const empty = planMultipartByteranges([], 10, "text/plain", "b");
  assertEquals(latin1(materialize(empty.segments, file)), "--b--\r\n");
  assertEquals(empty.contentLength, 7);
});

/** Reads a multipart/byteranges body back: an independent split on the delimiter lines. */
function readBack(body: string, boundary: string): { headers: string[]; data: string }[] {
  const delimiter = "\r\n--" + boundary;
  assert(body.startsWith("--" + boundary + "\r\n"));
  assert(body.endsWith(delimiter + "--\r\n"));
  const inner = ("\r\n" + body).slice(delimiter.length, -(delimiter.length + 4));
  return inner.split(delimiter).map((part) => {
    assert(part.startsWith("\r\n"));
    const blank = part.indexOf("\r\n\r\n");
    return { headers: part.slice(2, blank).split("\r\n"), data: part.slice(blank + 4) };
  });
}

Deno.test("planMultipartByteranges: announced length and read-back for generated span sets", () => {
  const random = seededRandom(0x3e1f);
  const size = 5000;
  const file = new Uint8Array(size);
  for (let i = 0; i < size; i++) file[i] = randomInt(random, 0, 255);
  for (let n = 0; n < 300; n++) {
    const specs = Array.from({ length: randomInt(random, 2, 60) }, () => {
      const start = randomInt(random, 0, size - 1);
      return `${start}-${start + randomInt(random, 0, 40)}`;
    });
    const selection = parseRangeHeader("bytes=" + specs.join(","), size);
    if (selection.kind !== "spans") continue;
    const boundary = randomBoundary();
    const plan = planMultipartByteranges(
      selection.spans,
      size,
      "application/octet-stream",
      boundary,
    );
    const body = materialize(plan.segments, file);
    assertEquals(plan.contentLength, body.length);
    const parts = readBack(latin1(body), boundary);
    assertEquals(parts.length, selection.spans.length);
    parts.forEach((part, k) => {
      const span: ByteSpan = selection.spans[k];
      assertEquals(part.headers, [
        "Content-Type: application/octet-stream",
        `Content-Range: bytes ${span.start}-${span.start + span.length - 1}/${size}`,
      ]);
      assertEquals(part.data, latin1(file.subarray(span.start, span.start + span.length)));
    });
  }
});

Deno.test("randomBoundary: hex of BOUNDARY_RANDOM_BYTES random bytes, fresh each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const boundary = randomBoundary();
    assertMatch(boundary, /^[0-9a-f]+$/);
    assertEquals(boundary.length, BOUNDARY_RANDOM_BYTES * 2);
    seen.add(boundary);
  }
  assertEquals(seen.size, 1000);
  assert(BOUNDARY_RANDOM_BYTES * 2 <= 70, "RFC 2046: at most 70 characters");
});
