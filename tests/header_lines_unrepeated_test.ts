// The header-line memo and names whose values never repeat (Content-Range of random ranges, a
// multipart boundary): past one quick round of distinct values their lines are encoded on each
// use instead of kept, every line still exact and still checked; names whose values do repeat
// (Date, once a second) keep being reused.
import { assert, assertEquals, assertThrows } from "../deps.ts";
import { HeaderValueError } from "../errors.ts";
import {
  HeaderLineCache,
  MAX_CACHED_VALUES_PER_NAME,
  UNREPEATED_ROUND_MS,
} from "../protocol/header_lines.ts";

const decoder = new TextDecoder();

Deno.test("header lines: a name of never-repeating values stops being kept, lines stay exact", () => {
  const lines = new HeaderLineCache();
  for (let i = 0; i < MAX_CACHED_VALUES_PER_NAME * 4; i++) {
    const value = `bytes ${i}-${i + 1023}/104857600`;
    assertEquals(
      decoder.decode(lines.headerLine("Content-Range", value)),
      `Content-Range: ${value}\r\n`,
    );
  }
  // Unrepeated now: the same value gives equal bytes, but not the kept array.
  const a = lines.headerLine("Content-Range", "bytes 1-2/3");
  const b = lines.headerLine("Content-Range", "bytes 1-2/3");
  assertEquals(a, b);
  assert(a !== b, "not kept");
  assertThrows(() => lines.headerLine("Content-Range", "bytes 1-2/3\r\nX: y"), HeaderValueError);
  // Other names are untouched.
  assert(lines.headerLine("Server", "x") === lines.headerLine("Server", "x"));
});

Deno.test("header lines: values that repeat more slowly than a round keep being reused", async () => {
  const lines = new HeaderLineCache();
  for (let i = 0; i < MAX_CACHED_VALUES_PER_NAME; i++) lines.headerLine("Date", `d${i}`);
  // The round took longer than UNREPEATED_ROUND_MS: the name is kept on as before.
  await new Promise((resolve) => setTimeout(resolve, UNREPEATED_ROUND_MS + 50));
  lines.headerLine("Date", "next");
  assert(lines.headerLine("Date", "next") === lines.headerLine("Date", "next"));
});
