/**
 * Benchmark target (issue 3): the standard library's real `serveDir` behind `Deno.serve`,
 * from `npm:deno-std@1.4.0`.
 *
 * That package's `http/file_server.js` does not load as it is: it imports seven modules the
 * package lacks (`../fs/exists.js`, `../media-types/content_type.js`, `./deno.json`,
 * `../net/unstable_get_network_address.js`, `./unstable_header.js`, `./unstable_method.js`,
 * `../html/unstable_html.js`), and an import map cannot reach the relative imports of an npm
 * package. So this loader reads the package's own `file_server.js`, unchanged except for its
 * import specifiers: every module the package has is imported from the package
 * (`npm:deno-std@1.4.0/...`; `media-types` is the package's `media_types`), and the six it
 * has under no name come from the small stand-ins in `_std_shim/`. The result is written to a
 * temporary file, imported, and the file removed. The `serveDir` that runs is the package's.
 *
 * Run: `deno run -A bench/serve_dir.ts <port> <directory>`
 *
 * @module
 */
// deno-lint-ignore-file no-import-prefix
// Bench-only: the package is named by its full `npm:` specifier, as deps.ts does, because the
// loader below must name the very same package that the rewritten module imports from.
import { STATUS_CODE } from "npm:deno-std@1.4.0/http/status.js";

const PACKAGE = "npm:deno-std@1.4.0";

/** Package paths `file_server.js` imports that the package lacks, and what stands in. */
const STAND_INS: Readonly<Record<string, string>> = {
  "fs/exists.js": new URL("./_std_shim/exists.ts", import.meta.url).href,
  "media-types/content_type.js": `${PACKAGE}/media_types/content_type.js`,
  "http/deno.json": new URL("./_std_shim/http_meta.json", import.meta.url).href,
  "net/unstable_get_network_address.js":
    new URL("./_std_shim/network_address.ts", import.meta.url).href,
  "http/unstable_header.js": new URL("./_std_shim/header.ts", import.meta.url).href,
  "http/unstable_method.js": new URL("./_std_shim/method.ts", import.meta.url).href,
  "html/unstable_html.js": new URL("./_std_shim/html.ts", import.meta.url).href,
};

/** The options of `serveDir` this benchmark passes. */
export interface ServeDirOptions {
  /** The directory served. */
  fsRoot?: string;
  /** List directories without an index page. */
  showDirListing?: boolean;
  /** No request log. */
  quiet?: boolean;
}

/** `serveDir`'s signature. */
export type ServeDir = (req: Request, opts?: ServeDirOptions) => Promise<Response>;

async function exists(url: URL): Promise<boolean> {
  try {
    return (await Deno.stat(url)).isFile;
  } catch {
    return false;
  }
}

/**
 * Loads the package's `serveDir` as described in the module documentation.
 *
 * @returns `serveDir`.
 */
export async function loadServeDir(): Promise<ServeDir> {
  const original = new URL(import.meta.resolve(`${PACKAGE}/http/file_server.js`));
  if (original.protocol !== "file:") throw new Error(`unexpected location ${original}`);
  const packageRoot = new URL("../", original);
  const source = await Deno.readTextFile(original);
  const specifiers = [...source.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  const targets = new Map<string, string>();
  for (const specifier of new Set(specifiers)) {
    const resolved = new URL(specifier, original);
    const inPackage = resolved.href.slice(packageRoot.href.length);
    if (STAND_INS[inPackage] !== undefined) {
      targets.set(specifier, STAND_INS[inPackage]);
    } else if (await exists(resolved)) {
      targets.set(specifier, `${PACKAGE}/${inPackage}`);
    } else {
      throw new Error(`file_server.js imports ${specifier}, which neither exists nor has a shim`);
    }
  }
  const rewritten = source.replace(
    /((?:from|import)\s*)"(\.{1,2}\/[^"]+)"/g,
    (_all, head: string, specifier: string) => `${head}"${targets.get(specifier)}"`,
  );
  const dir = await Deno.makeTempDir({ prefix: "bench_serve_dir_" });
  const file = `${dir}/file_server.js`;
  try {
    await Deno.writeTextFile(file, rewritten);
    const module = await import(new URL(`file://${file}`).href);
    return module.serveDir as ServeDir;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? 8205);
  const fsRoot = Deno.args[1] ?? ".";
  const serveDir = await loadServeDir();
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port,
      onListen: () => console.log(`serveDir (deno-std 1.4.0) on ${port}, status ${STATUS_CODE.OK}`),
    },
    (req) => serveDir(req, { fsRoot, showDirListing: true, quiet: true }),
  );
  const stop = () => server.shutdown();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  await server.finished;
  Deno.exit(0);
}
