// io/stderr.ts in a child process, whose stderr the test reads whole: gathered log lines keep
// their order against direct writes, none is lost at a normal exit, at Deno.exit() or at an
// uncaught error, a line is out before the event loop's next turn, a burst keeps every line
// whole, and a line longer than a batch goes out whole.
import { assert, assertEquals } from "../deps.ts";
import { LOG_BATCH_BYTES } from "../io/stderr.ts";

const STDERR_MODULE = new URL("../io/stderr.ts", import.meta.url).href;
/** Lines of the burst case: many batches' worth. */
const BURST_LINES = 20_000;

async function childStderr(body: string): Promise<{ code: number; text: string }> {
  const source = `import { writeLogLine, writeStderr, flushLogLines } from ${
    JSON.stringify(STDERR_MODULE)
  };\n${body}\n`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", source],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: output.code, text: new TextDecoder().decode(output.stderr) };
}

Deno.test("stderr: gathered log lines and direct writes stay in call order", async () => {
  const { code, text } = await childStderr(
    `writeLogLine("one\\n"); writeLogLine("two\\n"); writeStderr("three\\n"); writeLogLine("four\\n");`,
  );
  assertEquals(code, 0);
  assertEquals(text, "one\ntwo\nthree\nfour\n");
});

Deno.test("stderr: no log line is lost at Deno.exit() or at an uncaught error", async () => {
  const exited = await childStderr(`writeLogLine("before exit\\n"); Deno.exit(3);`);
  assertEquals(exited, { code: 3, text: "before exit\n" });
  const crashed = await childStderr(
    `writeLogLine("before the error\\n"); throw new Error("boom");`,
  );
  assertEquals(crashed.code, 1);
  assert(crashed.text.startsWith("before the error\n"), crashed.text);
  assert(crashed.text.includes("boom"), crashed.text);
});

Deno.test("stderr: a log line is out before the next turn of the event loop (SIGKILL then keeps it)", async () => {
  const { code, text } = await childStderr(
    `writeLogLine("lone\\n"); setTimeout(() => Deno.kill(Deno.pid, "SIGKILL"), 0);`,
  );
  assertEquals(code, 137);
  assertEquals(text, "lone\n");
});

Deno.test("stderr: a burst of log lines arrives whole and in order, across many batches", async () => {
  const { code, text } = await childStderr(
    `for (let i = 0; i < ${BURST_LINES}; i++) writeLogLine("line " + i + " é\\n");`,
  );
  assertEquals(code, 0);
  const lines = text.split("\n");
  assertEquals(lines.pop(), "");
  assertEquals(lines.length, BURST_LINES);
  lines.forEach((line, i) => assertEquals(line, `line ${i} é`));
});

Deno.test("stderr: a line longer than one batch is written whole, after the gathered ones", async () => {
  const long = "x".repeat(LOG_BATCH_BYTES * 2);
  const { text } = await childStderr(
    `writeLogLine("short\\n"); writeLogLine("${long}\\n"); flushLogLines();`,
  );
  assertEquals(text, `short\n${long}\n`);
});
