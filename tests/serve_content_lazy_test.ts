// The range, precondition and tag modules are not on the start path (issue #17): they load on
// the first request that needs them. A fresh process (its own module state) answers that first
// request (If-Modified-Since, Range, two ranges, or any request with tags on) with the same
// bytes as a process that has them loaded already (CPython's bare 304 included).
import { assert, assertEquals } from "../deps.ts";

/** Modules a plain GET must not load (they come in with the first request that needs them). */
const LAZY = [
  "protocol/preconditions.ts",
  "protocol/range.ts",
  "protocol/etag.ts",
  "protocol/if_modified_since.ts",
  "protocol/multipart_byteranges.ts",
];

interface InfoDependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}

/** The modules `entry` loads before it runs (static imports of code, not `import()`). */
async function staticClosure(entry: string): Promise<Set<string>> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  assertEquals(code, 0);
  const modules = new Map<string, InfoModule>();
  for (const module of JSON.parse(new TextDecoder().decode(stdout)).modules as InfoModule[]) {
    modules.set(module.specifier, module);
  }
  const root = new URL(entry, import.meta.url).href;
  const seen = new Set<string>();
  const pending = [root];
  while (pending.length > 0) {
    const specifier = pending.pop() as string;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined && dependency.isDynamic !== true) {
        pending.push(dependency.code.specifier);
      }
    }
  }
  return seen;
}

Deno.test("start path: the CLI and SimpleHTTPRequestHandler load no range or precondition module", async () => {
  for (const entry of ["../cli.ts", "../handlers/simple.ts"]) {
    const loaded = [...await staticClosure(entry)];
    for (const lazy of LAZY) {
      assert(!loaded.some((specifier) => specifier.endsWith(`/${lazy}`)), `${entry}: ${lazy}`);
    }
  }
});

const CHILD = `
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import { MemoryConnection } from "../io/memory.ts";
class Quiet extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}
const directory = Deno.args[0];
const server = { server_address: ["127.0.0.1", 8000], server_name: "localhost", server_port: 8000 };
const REQUESTS: Record<string, [string, boolean]> = {
  plain: ["", false],
  ims: ["If-Modified-Since: Sat, 01 Jan 2100 00:00:00 GMT\\r\\n", false],
  range: ["Range: bytes=2-5\\r\\n", false],
  multi: ["Range: bytes=0-1,4-5\\r\\n", false],
  etag: ["", true],
};
const answers: Record<string, string> = {};
for (const name of Deno.args[1].split(",")) {
  const [headers, etag] = REQUESTS[name];
  const request = "GET /file.bin HTTP/1.0\\r\\n" + headers + "\\r\\n";
  const conn = new MemoryConnection(new TextEncoder().encode(request));
  await new Quiet(conn, ["127.0.0.1", 1], server, { directory, etag }).run();
  // The date (by the second) and the multipart boundary (random) are left out.
  answers[name] = new TextDecoder("latin1").decode(conn.output())
    .replace(/\\r\\nDate: [^\\r]*/, "").replace(/[0-9a-f]{16,}/g, "BOUNDARY");
}
console.log(JSON.stringify(answers));
`;

/** Answers of a fresh process to the named requests, in order. */
async function answersOf(directory: string, names: string[]): Promise<Record<string, string>> {
  const script = new URL("./_serve_content_lazy_child.ts", import.meta.url);
  await Deno.writeTextFile(script, CHILD);
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script.pathname, directory, names.join(",")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    return JSON.parse(new TextDecoder().decode(stdout));
  } finally {
    await Deno.remove(script);
  }
}

Deno.test("serveContent: the first request needing the decision modules gets the usual bytes", async () => {
  const directory = await Deno.makeTempDir({ prefix: "httpserver-lazy-" });
  try {
    await Deno.writeTextFile(`${directory}/file.bin`, "0123456789");
    const cases = ["plain", "ims", "range", "multi", "etag"];
    const warm = await answersOf(directory, ["range", ...cases]);
    assert(warm.ims.startsWith("HTTP/1.0 304 Not Modified\r\n"), warm.ims);
    assert(warm.range.startsWith("HTTP/1.0 206 Partial Content\r\n"), warm.range);
    assert(warm.range.endsWith("\r\n\r\n2345"), warm.range);
    assert(warm.multi.includes("multipart/byteranges; boundary=BOUNDARY"), warm.multi);
    assert(warm.etag.includes("\r\nETag: "), warm.etag);
    assert(warm.plain.startsWith("HTTP/1.0 200 OK\r\n") && !warm.plain.includes("ETag"));
    // Each case as the very first request of a process.
    for (const name of cases) assertEquals((await answersOf(directory, [name]))[name], warm[name]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
