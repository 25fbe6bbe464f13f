// The modules `cli.ts` loads before its first response are ASCII. A module with even one
// non-ASCII character (a dash or a section sign in a comment) loads as a copy on the V8 heap:
// the start path's 23 such modules cost two scavenges and about 6 ms of CPU before the first
// 200 (bench/README.md, "Core timers instead of the first setTimeout"). Write such characters
// as ASCII in comments and as `\u` escapes in code.
import { assertEquals } from "../deps.ts";

interface ModuleInfo {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

Deno.test("start path: every module cli.ts imports statically is ASCII", async () => {
  const cli = new URL("../cli.ts", import.meta.url);
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", cli.href],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    modules: ModuleInfo[];
  };
  const bySpecifier = new Map(info.modules.map((module) => [module.specifier, module]));
  const seen = new Set<string>();
  const pending = [...info.roots];
  while (pending.length > 0) {
    const specifier = pending.pop() as string;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined && !dependency.isDynamic) {
        pending.push(dependency.code.specifier);
      }
    }
  }
  const local = [...seen].filter((specifier) => specifier.startsWith("file:"));
  const offending: string[] = [];
  for (const specifier of local) {
    const bytes = await Deno.readFile(new URL(specifier));
    const at = bytes.findIndex((byte) => byte > 0x7f);
    if (at >= 0) {
      const line = new TextDecoder().decode(bytes.subarray(0, at)).split("\n").length;
      offending.push(`${specifier.slice(cli.href.length - "cli.ts".length)}:${line}`);
    }
  }
  assertEquals(offending, [], "non-ASCII characters on the start path");
  assertEquals(local.length > 40, true, `only ${local.length} modules found`);
});
