// The layering check (tools/check_layers.ts): it passes on this tree, and fails, through the
// task's own command line, on a temporary tree with an import that breaks a rule.
import { assert, assertEquals, assertStringIncludes, fromFileUrl } from "../deps.ts";
import { checkLayers, findImports, formatViolation } from "../tools/check_layers.ts";

const ROOT = fromFileUrl(new URL("..", import.meta.url)).replace(/\/$/, "");
const TOOL = fromFileUrl(new URL("../tools/check_layers.ts", import.meta.url));

/** Writes `files` (root-relative path → text) under a new temporary directory. */
async function makeTree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "check_layers_" });
  for (const [path, text] of Object.entries(files)) {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${root}/${path.slice(0, slash)}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
  return root;
}

/** Runs the tool as `deno task layers` does, on `root`. */
async function runTool(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", TOOL, root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A small tree that keeps the rules. */
const CLEAN_TREE: Record<string, string> = {
  "errors.ts": "export class E extends Error {}\n",
  "protocol/line.ts": 'import { E } from "../errors.ts";\nexport const line = E;\n',
  "io/rfile.ts": 'import { line } from "../protocol/line.ts";\nexport const r = line;\n',
  "handlers/base.ts": 'import { r } from "../io/rfile.ts";\nexport const h = r;\n',
  "server.ts": 'import { h } from "./handlers/base.ts";\nexport const s = h;\n',
  "mod.ts": 'export * from "./server.ts";\n',
  // Tests, benches and tools may import anything.
  "tests/x_test.ts": 'import "../server.ts";\nimport "../io/rfile.ts";\n',
};

Deno.test("layers: the real tree keeps the rules (as `deno task layers` runs it)", async () => {
  assertEquals(await checkLayers(ROOT), []);
  const result = await runTool(ROOT);
  assertEquals(result.code, 0, result.stderr);
  assertStringIncludes(result.stdout, "layers: ok");
});

Deno.test("layers: a clean temporary tree passes", async () => {
  const root = await makeTree(CLEAN_TREE);
  try {
    const result = await runTool(root);
    assertEquals(result.code, 0, result.stderr);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("layers: a protocol/ module that imports io/ fails the check", async () => {
  const root = await makeTree({
    ...CLEAN_TREE,
    "protocol/bad.ts": 'import { r } from "../io/rfile.ts";\nexport const bad = r;\n',
  });
  try {
    const result = await runTool(root);
    assertEquals(result.code, 1);
    assertStringIncludes(result.stderr, "protocol/bad.ts -> io/rfile.ts: protocol/ is pure");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("layers: each rule, directly and through a shared module", async () => {
  const cases: [Record<string, string>, string][] = [
    [
      { "handlers/bad.ts": 'import type { s } from "../server.ts";\n' },
      "handlers/bad.ts -> server.ts",
    ],
    [{ "handlers/bad.ts": 'const m = await import("../cli.ts");\n' }, "handlers/bad.ts -> cli.ts"],
    [
      { "handlers/files/bad.ts": 'export * from "../../tls_server.ts";\n' },
      "handlers/files/bad.ts -> tls_server.ts",
    ],
    [{ "handlers/bad.ts": 'import "../mod.ts";\n' }, "handlers/bad.ts -> mod.ts"],
    [
      { "io/bad.ts": 'import { h } from "../handlers/base.ts";\n' },
      "io/bad.ts -> handlers/base.ts",
    ],
    [
      { "protocol/bad.ts": 'import { h } from "../handlers/base.ts";\n' },
      "protocol/bad.ts -> handlers/base.ts",
    ],
    [
      {
        "protocol/bad.ts": 'import { x } from "../shared.ts";\n',
        "shared.ts": 'export { r as x } from "./io/rfile.ts";\n',
      },
      "protocol/bad.ts -> shared.ts -> io/rfile.ts",
    ],
    [{ "headers.ts": 'import "./handlers/base.ts";\n' }, "headers.ts -> handlers/base.ts"],
  ];
  for (const [extra, chain] of cases) {
    const root = await makeTree({ ...CLEAN_TREE, ...extra });
    try {
      const lines = (await checkLayers(root)).map(formatViolation);
      assert(lines.some((line) => line.startsWith(chain + ":")), `${chain} not in ${lines}`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
});

Deno.test("layers: imports are read from code, not from comments, strings or regexes", () => {
  const source = [
    "/**",
    " * @example",
    " * ```ts",
    ' * import { x } from "../io/rfile.ts";',
    " * ```",
    " */",
    'import type { A } from "./a.ts";',
    "import {",
    "  b,",
    "  c,",
    '} from "./b.ts";',
    'import "./side_effect.ts";',
    'export { d } from "./d.ts";',
    "const quote = /[\"'`]/g;",
    "const text = \"import y from '../io/wfile.ts'\";",
    'const code = `import z from "../handlers/base.ts"`;',
    "const later = await import(`./e.ts`);",
    "const computed = await import(`./${later}.ts`);",
    "const ratio = 1 / 2; // import q from './q.ts'",
    "Array.from('./not_an_import.ts');",
    "export * as f from './f.ts';",
  ].join("\n");
  assertEquals(
    findImports(source).map((site) => `${site.line}:${site.specifier}`),
    ["7:./a.ts", "11:./b.ts", "12:./side_effect.ts", "13:./d.ts", "17:./e.ts", "21:./f.ts"],
  );
});
