// Python's `%` formatting as log_message and error pages use it, differentially against
// CPython 3.13: each format is formatted twice (the first call compiles a positional format,
// the second reuses it), with positional and named arguments, `%%`, flags and repeats.
import { assertEquals } from "../deps.ts";
import { type FormatValue, percentFormat } from "../protocol/python_text.ts";
import { runPython } from "./_python.ts";

const POSITIONAL: [string, (string | number)[]][] = [
  ['"%s" %s %s', ["GET / HTTP/1.1", "200", "-"]],
  ["code %d, message %s", [404, "File not found"]],
  ["100%% %s", ["done"]],
  ["%s%%%d%%", ["a", 7]],
  ["%%s %s", ["x"]],
  ["%r and %s", ["it's", "plain"]],
  ["%i|%d", [3.9, -3.9]],
  ["no placeholders", []],
  ["%s", [""]],
  ["%5s|%-4d|", ["ab", 7]],
  ["tail %s end", ["\u00e9\u4e2d"]],
  ["%s %s %s %s", ["a", "b", "c", "d"]],
  ["%05d|%+d|% d|%-6s|%.2s|%8.3f|%f|%-08d|%.3d", [42, 5, 5, "left", "abc", 3.14159, 1.5, -7, 4]],
  ["%+05d|%010.2f|%3s|%.0f|%.0f|%.1f|%.2f", [-42, -2.5, "long text", 2.5, 3.5, 0.25, 1.005]],
];

const NAMED: [string, Record<string, string | number>][] = [
  ["<p>%(code)d %(message)s</p>", { code: 404, message: "Not Found" }],
  ["%(explain)s%%", { explain: "x" }],
  ["%(code)05d|%(message)-8s|", { code: 42, message: "hi" }],
];

Deno.test("percentFormat: positional formats match CPython's % (compiled and reused)", async () => {
  const expected = await runPython<string[]>(
    "data = json.load(sys.stdin)\nprint(json.dumps([f % tuple(a) for f, a in data]))",
    POSITIONAL,
  );
  for (let round = 0; round < 2; round++) {
    POSITIONAL.forEach(([format, args], i) => {
      assertEquals(percentFormat(format, args as FormatValue[]), expected[i], format);
    });
  }
});

Deno.test("percentFormat: named formats match CPython's %", async () => {
  const expected = await runPython<string[]>(
    "data = json.load(sys.stdin)\nprint(json.dumps([f % a for f, a in data]))",
    NAMED,
  );
  NAMED.forEach(([format, args], i) => assertEquals(percentFormat(format, args), expected[i]));
});
