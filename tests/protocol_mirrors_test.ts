// Every module of the pure layer has its tests in a file named after it
// (`protocol/<name>.ts` → `tests/<name>_test.ts`) that imports it, so a reader finds a module's
// tests by name. Passes on this tree, fails on a temporary tree with a module left without one.
import { assertEquals, fromFileUrl } from "../deps.ts";

const ROOT = fromFileUrl(new URL("..", import.meta.url)).replace(/\/$/, "");

/** The `protocol/` modules of `root` without a `tests/<name>_test.ts` that imports them. */
async function modulesWithoutMirror(root: string): Promise<string[]> {
  const missing: string[] = [];
  for await (const entry of Deno.readDir(`${root}/protocol`)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const name = entry.name.slice(0, -".ts".length);
    let source: string;
    try {
      source = await Deno.readTextFile(`${root}/tests/${name}_test.ts`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.push(`protocol/${entry.name}: no tests/${name}_test.ts`);
      continue;
    }
    if (!source.includes(`"../protocol/${entry.name}"`)) {
      missing.push(`protocol/${entry.name}: tests/${name}_test.ts does not import it`);
    }
  }
  return missing.sort();
}

Deno.test("mirrors: every protocol/ module has tests/<name>_test.ts importing it", async () => {
  assertEquals(await modulesWithoutMirror(ROOT), []);
});

Deno.test("mirrors: a module without its test file, or a file that skips it, is reported", async () => {
  const root = await Deno.makeTempDir({ prefix: "protocol_mirrors_" });
  try {
    await Deno.mkdir(`${root}/protocol`);
    await Deno.mkdir(`${root}/tests`);
    for (const name of ["a", "b", "c"]) {
      await Deno.writeTextFile(`${root}/protocol/${name}.ts`, "export const x = 1;\n");
    }
    await Deno.writeTextFile(`${root}/tests/a_test.ts`, 'import { x } from "../protocol/a.ts";\n');
    await Deno.writeTextFile(`${root}/tests/b_test.ts`, 'import { x } from "../protocol/a.ts";\n');
    assertEquals(await modulesWithoutMirror(root), [
      "protocol/b.ts: tests/b_test.ts does not import it",
      "protocol/c.ts: no tests/c_test.ts",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
