/**
 * The layering check (`deno task layers`): walks the import graph of the package's modules and
 * fails when a layer reaches one above it.
 *
 * - `protocol/` is pure: it reaches no `io/`, `handlers/`, `server.ts`, `tls_server.ts`,
 *   `cli.ts` or `mod.ts`.
 * - `io/` moves bytes: it reaches no `handlers/` and none of those top-level modules.
 * - `handlers/` never reaches `server.ts`, `tls_server.ts`, `cli.ts` or `mod.ts` (a server
 *   hands a handler what it needs through `ServerInfo`).
 * - The shared top-level modules every layer imports (`constants.ts`, `errors.ts`, `types.ts`,
 *   `headers.ts`, `status.ts`, `mime_types.ts`, `deps.ts`) reach no `io/`, `handlers/` or entry
 *   module either.
 *
 * "Reaches" means through any chain of imports, so a shared top-level module (`headers.ts`,
 * `errors.ts`, ...) cannot become a back door. Imports are read from the source text:
 * `import ... from`, `import "..."`, `export ... from` and `import("...")` with a literal
 * specifier; `import type` counts too (a type couples the layers as well). Only relative
 * specifiers are followed; `npm:`, `node:` and URLs are outside the package.
 *
 * Permissions: `--allow-read` for the tree.
 *
 * @example Check a tree from a program
 * ```ts ignore
 * import { checkLayers, formatViolation } from "./tools/check_layers.ts";
 * const violations = await checkLayers(".");
 * for (const violation of violations) console.error(formatViolation(violation));
 * ```
 *
 * @module
 */

/**
 * A layer's rule: modules `members` matches must not reach any module `forbidden` matches.
 * Paths are relative to the root; one ending in a slash matches everything under that directory.
 */
export interface LayerRule {
  /** The layer's modules (`protocol/`, or single files). */
  readonly members: readonly string[];
  /** The modules the layer must not reach. */
  readonly forbidden: readonly string[];
  /** One line saying why, printed with each violation. */
  readonly why: string;
}

/** The entry points and the barrel: every layer sits below them. */
const ENTRY_MODULES: readonly string[] = ["server.ts", "tls_server.ts", "cli.ts", "mod.ts"];

/** Top-level modules that every layer may import: they stay below `io/`. */
const SHARED_LEAVES: readonly string[] = [
  "constants.ts",
  "errors.ts",
  "types.ts",
  "headers.ts",
  "status.ts",
  "mime_types.ts",
  "deps.ts",
];

/** The rules of this package, lowest layer first. */
export const LAYER_RULES: readonly LayerRule[] = [
  {
    members: SHARED_LEAVES,
    forbidden: ["io/", "handlers/", ...ENTRY_MODULES],
    why: "the shared top-level modules sit below io/: every layer imports them",
  },
  {
    members: ["protocol/"],
    forbidden: ["io/", "handlers/", ...ENTRY_MODULES],
    why: "protocol/ is pure (no I/O): bytes and text in, values out",
  },
  {
    members: ["io/"],
    forbidden: ["handlers/", ...ENTRY_MODULES],
    why: "io/ moves bytes over a connection and knows nothing of handlers",
  },
  {
    members: ["handlers/"],
    forbidden: [...ENTRY_MODULES],
    why: "handlers never import the servers, the CLI or the barrel",
  },
];

/** Directories never walked: not part of the package's layers. */
const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([
  "tests",
  "bench",
  "tools",
  "examples",
  "node_modules",
]);

/** A module that reaches a module its layer must not. */
export interface LayerViolation {
  /** The rule broken. */
  readonly rule: LayerRule;
  /** The import chain, from the offending module to the forbidden one (root-relative). */
  readonly chain: readonly string[];
}

/** One import found in a module's text. */
export interface ImportSite {
  /** The specifier as written. */
  readonly specifier: string;
  /** 1-based line of the specifier. */
  readonly line: number;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;
/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_PREFIX_KEYWORDS: ReadonlySet<string> = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "instanceof",
  "yield",
  "await",
]);

/**
 * The source with comments blanked and every string literal replaced by a placeholder
 * `\uE000<n>\uE000`, plus the literals' values (null for a template with substitutions).
 * Line breaks are kept, so positions map to the same lines.
 */
function maskSource(source: string): { masked: string; literals: (string | null)[] } {
  const literals: (string | null)[] = [];
  let out = "";
  let i = 0;
  const n = source.length;
  /** Code nesting of template substitutions: a `}` at depth 0 of a level resumes its template. */
  const templateDepths: number[] = [];

  const lastSignificant = (): { char: string; word: string } => {
    let j = out.length - 1;
    while (j >= 0 && /\s/.test(out[j])) j--;
    if (j < 0) return { char: "", word: "" };
    let k = j;
    while (k >= 0 && IDENTIFIER_CHAR.test(out[k])) k--;
    return { char: out[j], word: out.slice(k + 1, j + 1) };
  };

  const literal = (value: string | null, raw: string): void => {
    literals.push(value);
    out += `\uE000${literals.length - 1}\uE000` + raw.replace(/[^\n]/g, "");
  };

  /** Reads a template from just after a backtick (or a substitution's closing brace). */
  const readTemplate = (start: number, opened: boolean): void => {
    let value = "";
    let j = i;
    while (j < n && source[j] !== "`") {
      if (source[j] === "\\") {
        value += source[j + 1] ?? "";
        j += 2;
        continue;
      }
      if (source[j] === "$" && source[j + 1] === "{") {
        literal(null, source.slice(start, j + 2));
        i = j + 2;
        templateDepths.push(0);
        return;
      }
      value += source[j];
      j++;
    }
    literal(opened ? value : null, source.slice(start, j + 1));
    i = j + 1;
  };

  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < n && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      while (j < n && source[j] !== c && source[j] !== "\n") {
        if (source[j] === "\\") {
          value += source[j + 1] ?? "";
          j += 2;
          continue;
        }
        value += source[j];
        j++;
      }
      literal(value, source.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === "`") {
      const start = i;
      i++;
      readTemplate(start, true);
      continue;
    }
    if (templateDepths.length > 0) {
      const top = templateDepths.length - 1;
      if (c === "{") templateDepths[top]++;
      if (c === "}") {
        if (templateDepths[top] === 0) {
          templateDepths.pop();
          const start = i;
          i++;
          readTemplate(start, false);
          continue;
        }
        templateDepths[top]--;
      }
    }
    if (c === "/") {
      const { char, word } = lastSignificant();
      const division = char !== "" && (/[)\]}]/.test(char) ||
        (IDENTIFIER_CHAR.test(char) && !REGEX_PREFIX_KEYWORDS.has(word)));
      if (!division) {
        // A regular expression literal: skip it whole (its text may hold quotes or slashes).
        let j = i + 1;
        let inClass = false;
        while (j < n && source[j] !== "\n") {
          const r = source[j];
          if (r === "\\") {
            j += 2;
            continue;
          }
          if (r === "[") inClass = true;
          else if (r === "]") inClass = false;
          else if (r === "/" && !inClass) break;
          j++;
        }
        out += "/" + " ".repeat(Math.max(0, j - i - 1)) + "/";
        i = j + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { masked: out, literals };
}

/** `from "x"`, `import "x"` and `import("x")` in masked text (`\0n\0` is literal n). */
const IMPORT_PATTERN =
  /(?<![.\w$])(?:from\s*\uE000(\d+)\uE000|import\s*\uE000(\d+)\uE000|import\s*\(\s*\uE000(\d+)\uE000\s*[,)])/g;

/**
 * The imports of a module, read from its text: static imports and re-exports, side-effect
 * imports, and dynamic imports whose specifier is a literal. Comments and strings are not
 * mistaken for imports.
 *
 * @param source The module's text.
 * @returns Each import's specifier and line.
 *
 * @example
 * ```ts
 * import { findImports } from "./check_layers.ts";
 * import { assertEquals } from "../deps.ts";
 * const source = [
 *   'import { a } from "./a.ts";',
 *   '// import { b } from "./b.ts";',
 *   'const text = "import c from \'./c.ts\'";',
 *   'export * from "./d.ts";',
 *   'const e = await import("./e.ts");',
 * ].join("\n");
 * assertEquals(findImports(source).map((site) => site.specifier), ["./a.ts", "./d.ts", "./e.ts"]);
 * ```
 */
export function findImports(source: string): ImportSite[] {
  const { masked, literals } = maskSource(source);
  const sites: ImportSite[] = [];
  for (const match of masked.matchAll(IMPORT_PATTERN)) {
    const index = Number(match[1] ?? match[2] ?? match[3]);
    const specifier = literals[index];
    if (specifier === null || specifier === undefined) continue;
    let line = 1;
    for (let k = 0; k < (match.index as number); k++) if (masked[k] === "\n") line++;
    sites.push({ specifier, line });
  }
  return sites;
}

/** `a/b/../c.ts` → `a/c.ts`; null when the path climbs above the root. */
function normalize(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}

/** The root-relative path a relative specifier names from `from`; null for anything else. */
function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  const slash = from.lastIndexOf("/");
  const directory = slash < 0 ? "" : from.slice(0, slash + 1);
  return normalize(directory + specifier.split(/[?#]/)[0]);
}

function matches(path: string, pattern: string): boolean {
  return pattern.endsWith("/") ? path.startsWith(pattern) : path === pattern;
}

async function walkModules(root: string, directory: string, found: string[]): Promise<void> {
  const here = directory === "" ? root : `${root}/${directory}`;
  for await (const entry of Deno.readDir(here)) {
    const path = directory === "" ? entry.name : `${directory}/${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name.startsWith(".") || (directory === "" && SKIPPED_DIRECTORIES.has(entry.name))) {
        continue;
      }
      await walkModules(root, path, found);
    } else if (entry.isFile && /\.(?:ts|tsx|mts)$/.test(entry.name)) {
      found.push(path);
    }
  }
}

/**
 * The package's import graph: each module (root-relative path) and the modules it imports.
 *
 * @param root The package root.
 * @returns Module → imported modules (relative imports only, resolved).
 */
export async function importGraph(root: string): Promise<Map<string, string[]>> {
  const modules: string[] = [];
  await walkModules(root, "", modules);
  const graph = new Map<string, string[]>();
  for (const module of modules.sort()) {
    const source = await Deno.readTextFile(`${root}/${module}`);
    const targets: string[] = [];
    for (const site of findImports(source)) {
      const target = resolveRelative(module, site.specifier);
      if (target !== null && !targets.includes(target)) targets.push(target);
    }
    graph.set(module, targets);
  }
  return graph;
}

/**
 * Every module that breaks a rule, with the shortest import chain that shows it.
 *
 * @param graph The import graph (see {@linkcode importGraph}).
 * @param rules The rules (default: this package's).
 * @returns The violations, one per module and rule.
 *
 * @example
 * ```ts
 * import { layerViolations } from "./check_layers.ts";
 * import { assertEquals } from "../deps.ts";
 * const graph = new Map([
 *   ["protocol/a.ts", ["errors.ts"]],
 *   ["errors.ts", ["io/rfile.ts"]],
 *   ["io/rfile.ts", []],
 * ]);
 * assertEquals(layerViolations(graph).map((violation) => violation.chain), [
 *   ["errors.ts", "io/rfile.ts"],
 *   ["protocol/a.ts", "errors.ts", "io/rfile.ts"],
 * ]);
 * ```
 */
export function layerViolations(
  graph: ReadonlyMap<string, readonly string[]>,
  rules: readonly LayerRule[] = LAYER_RULES,
): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const rule of rules) {
    for (const module of graph.keys()) {
      if (!rule.members.some((pattern) => matches(module, pattern))) continue;
      // Breadth first, so the chain reported is a shortest one.
      const cameFrom = new Map<string, string>([[module, ""]]);
      const queue = [module];
      let hit: string | null = null;
      while (queue.length > 0 && hit === null) {
        const current = queue.shift() as string;
        for (const target of graph.get(current) ?? []) {
          if (cameFrom.has(target)) continue;
          cameFrom.set(target, current);
          if (rule.forbidden.some((pattern) => matches(target, pattern))) {
            hit = target;
            break;
          }
          queue.push(target);
        }
      }
      if (hit === null) continue;
      const chain = [hit];
      for (let at = cameFrom.get(hit) as string; at !== ""; at = cameFrom.get(at) as string) {
        chain.unshift(at);
      }
      violations.push({ rule, chain });
    }
  }
  return violations;
}

/**
 * Checks the tree at `root` against {@linkcode LAYER_RULES}.
 *
 * @param root The package root.
 * @returns The violations (none: the layering holds).
 */
export async function checkLayers(root: string): Promise<LayerViolation[]> {
  return layerViolations(await importGraph(root));
}

/**
 * One line for a violation: the chain and the rule's reason.
 *
 * @param violation A violation.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { formatViolation, LAYER_RULES } from "./check_layers.ts";
 * formatViolation({ rule: LAYER_RULES[1], chain: ["protocol/a.ts", "io/rfile.ts"] });
 * // "protocol/a.ts -> io/rfile.ts: protocol/ is pure (no I/O): bytes and text in, values out"
 * ```
 */
export function formatViolation(violation: LayerViolation): string {
  return `${violation.chain.join(" -> ")}: ${violation.rule.why}`;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const graph = await importGraph(root);
  const violations = layerViolations(graph);
  for (const violation of violations) console.error(`layers: ${formatViolation(violation)}`);
  if (violations.length > 0) {
    console.error(`layers: ${violations.length} violation(s) in ${graph.size} modules`);
    Deno.exit(1);
  }
  console.log(`layers: ok (${graph.size} modules, ${LAYER_RULES.length} rules)`);
}
