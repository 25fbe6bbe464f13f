/**
 * Every module the program loads on first use through `import()` of a constant rather
 * than a literal `import()`: Deno builds the module graph of each literal `import()` before a
 * program's first line runs, so the constants keep a start to the start path's graph. Nothing
 * imports this module when serving; it is the one list of them for the tools that need the
 * whole program: `deno compile` (deno.json's `compile.include` names this file), `deno cache
 * cli.ts lazy_modules.ts` (the Dockerfile and the systemd recipe in docs/deploy.md, so that an
 * upload does not fetch `npm:busboy` at run time) and `deno task layers`.
 * `tests/compile_include_test.ts` checks that it names every module imported through a constant.
 *
 * @module
 */

/**
 * Loads every module the program imports through a constant (a literal `import()` each, which the
 * tools follow).
 *
 * @returns The modules, in the list's order.
 */
export function loadLazyModules(): Promise<unknown[]> {
  return Promise.all([
    import("./cli_help.ts"),
    import("./handlers/cgi.ts"),
    import("./handlers/auth.ts"),
    import("./tls_server.ts"),
    import("./workers.ts"),
    import("./io/garbage_collection.ts"),
    import("./handlers/files/upload.ts"),
    import("./handlers/files/listing_parts.ts"),
    import("./handlers/files/json_listing.ts"),
    import("./handlers/files/rich_listing.ts"),
    import("./handlers/files/compression.ts"),
    import("./protocol/preconditions.ts"),
    import("./protocol/etag.ts"),
    import("./protocol/multipart_byteranges.ts"),
  ]);
}
