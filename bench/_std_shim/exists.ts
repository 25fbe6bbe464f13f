/**
 * Stand-in for `@std/fs/exists`, which `npm:deno-std@1.4.0` does not ship (`serveDir` calls it
 * only with `cleanUrls`).
 *
 * @module
 */
/**
 * Whether a path exists (following symlinks).
 *
 * @param path The path.
 * @returns True when `Deno.stat` succeeds.
 */
export async function exists(path: string | URL): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
