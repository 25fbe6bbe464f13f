// Modules loaded on first use are imported through a constant (`import(CGI_MODULE)`), not a
// literal, so that `deno run cli.ts` builds the module graph of the start path only (a literal
// `import()` puts the module and everything it imports into the graph built before the first line
// runs: about 30 modules and the npm check; bench/README.md, "Start-up", fourth pass). `deno
// compile` and `deno cache` cannot see through a constant either: `lazy_modules.ts` names each
// such module with a literal `import()` (deno.json's `compile.include` names that file), and these
// tests keep that list and the code in step.
import { assert, assertEquals } from "../deps.ts";

const ROOT = new URL("../", import.meta.url);
/** Directories whose modules are not part of the program (`deno compile` never embeds them). */
const NOT_PROGRAM = /^(?:tests|bench|tools|examples|deploy|docs|node_modules|\.git)\//;
/** `import(NAME)`: a dynamic import through a constant. */
const IMPORT_THROUGH_CONSTANT = /\bimport\(\s*([A-Za-z_$][\w$]*)\s*\)/g;
/** Any `import(` whose argument is not a string literal (nor empty, as in a comment's `import()`). */
const NON_LITERAL_IMPORT = /\bimport\(\s*(?!["'`)\s])/g;

/** Every program module, as a path relative to the checkout. */
async function programModules(dir = ROOT, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      if (NOT_PROGRAM.test(`${path}/`)) continue;
      found.push(...await programModules(new URL(`${entry.name}/`, dir), `${path}/`));
    } else if (entry.isFile && path.endsWith(".ts")) {
      found.push(path);
    }
  }
  return found;
}

/** The checkout-relative path each non-literal `import()` of the program loads. */
async function importedThroughConstants(): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  for (const path of await programModules()) {
    const source = await Deno.readTextFile(new URL(path, ROOT));
    const nonLiteral = [...source.matchAll(NON_LITERAL_IMPORT)].length;
    const throughConstant = [...source.matchAll(IMPORT_THROUGH_CONSTANT)];
    assertEquals(
      throughConstant.length,
      nonLiteral,
      `${path}: a dynamic import that is neither a literal nor a constant naming a module`,
    );
    for (const [, name] of throughConstant) {
      const declared = new RegExp(`\\bconst ${name} = "(\\.{1,2}/[^"]+)";`).exec(source);
      assert(declared !== null, `${path}: import(${name}) without \`const ${name} = "./..."\``);
      const target = new URL(declared[1], new URL(path, ROOT)).href.slice(ROOT.href.length);
      targets.set(target, `${path} (${name})`);
    }
  }
  return targets;
}

Deno.test("lazy_modules.ts names every module imported through a constant, and compile.include it", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  assertEquals(config.compile?.include, ["lazy_modules.ts"]);
  const list = await Deno.readTextFile(new URL("lazy_modules.ts", ROOT));
  const listed = [...list.matchAll(/\bimport\("\.\/([^"]+)"\)/g)].map(([, path]) => path);
  const targets = await importedThroughConstants();
  assert(targets.size >= 11, `only ${targets.size} lazily imported modules found`);
  const missing = [...targets].filter(([target]) => !listed.includes(target))
    .map(([target, where]) => `${target} (imported by ${where})`);
  assertEquals(missing, [], "deno compile and deno cache would leave these modules out");
  const stale = listed.filter((path) => !targets.has(path));
  assertEquals(stale, [], "lazy_modules.ts names modules nothing imports through a constant");
});

interface ModuleInfo {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier: string }; isDynamic?: boolean }[];
}

Deno.test("start path: no module cli.ts imports statically has a literal local import()", async () => {
  const cli = new URL("cli.ts", ROOT);
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
  const literal: string[] = [];
  while (pending.length > 0) {
    const specifier = pending.pop() as string;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code === undefined) continue;
      if (!dependency.isDynamic) {
        pending.push(dependency.code.specifier);
      } else if (!dependency.code.specifier.startsWith("node:")) {
        literal.push(`${specifier.slice(ROOT.href.length)}: import("${dependency.specifier}")`);
      }
    }
  }
  assertEquals(literal, [], "these modules' graphs are built before cli.ts runs its first line");
  assert(seen.size > 30, `only ${seen.size} modules found`);
});
