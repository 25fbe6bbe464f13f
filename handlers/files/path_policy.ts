/**
 * What a file handler may serve beyond "inside the directory": dotfiles (`--no-dotfiles`) and
 * symlinks (`--no-follow-symlinks`, `--contain-symlinks`).
 *
 * Dotfiles are decided on the request path's decoded, normalised segments (the very segments
 * `translate_path` joins), so `/.git/config`, `/a/.env`, `/%2egit/config` and
 * `/x/../.env` are all caught. Symlinks are decided on the real path (`realpath`): `refuse`
 * wants the real path to be the requested path itself (no component is a link), `contain`
 * wants it inside the real served directory.
 *
 * The race (TOCTOU) accepted: the check resolves the path, then the handler opens it by name.
 * Whoever can rename files inside the served tree between those two system calls can swap a
 * checked component for a symlink. Closing that needs `openat(O_NOFOLLOW)` component by
 * component, which Deno does not offer; the policies protect against links already in the
 * tree (a shared project folder), not against a local writer racing the server.
 *
 * @example A dotfile spelled with a percent escape
 * ```ts
 * import { hasDotSegment } from "./path_policy.ts";
 * import { assertEquals } from "../../deps.ts";
 * assertEquals(hasDotSegment("/%2egit/config"), true);
 * assertEquals(hasDotSegment("/a/b.txt?x=.y"), false);
 * ```
 *
 * @module
 */
import { posixNormpath, unquote } from "../../protocol/url.ts";

/**
 * Which symlinks a file handler follows: `follow` all (CPython), `contain` those whose real
 * path stays inside the served directory, `refuse` none.
 */
export type SymlinkPolicy = "follow" | "contain" | "refuse";

/**
 * Whether a request path names a dotfile or something under a dot-directory: one of the
 * segments `translate_path` uses (query and fragment cut, percent-decoded, normalised, `.`
 * and `..` dropped) starts with `.`.
 *
 * @param requestPath The request target (`self.path`).
 * @returns True when some segment starts with `.`.
 */
export function hasDotSegment(requestPath: string): boolean {
  let end = requestPath.length;
  const query = requestPath.indexOf("?");
  if (query >= 0) end = query;
  const fragment = requestPath.indexOf("#");
  if (fragment >= 0 && fragment < end) end = fragment;
  const path = requestPath.slice(0, end);
  if (!path.includes(".") && !path.includes("%")) return false;
  for (const word of posixNormpath(unquote(path)).split("/")) {
    if (word !== "." && word !== ".." && word.startsWith(".")) return true;
  }
  return false;
}

/** `path` is `root` or lies under it (both real, absolute paths). */
function isWithin(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  return path === root || path.startsWith(root + "/");
}

/** `realpath`, or null where it fails (missing, a loop, no permission). */
function realPathOrNull(path: string): string | null {
  try {
    return Deno.realPathSync(path);
  } catch {
    return null;
  }
}

/**
 * Whether a translated path may be served under the symlink policy. A path that cannot be
 * resolved (dangling link, loop) is refused under `contain` and `refuse`: it could not be
 * served anyway, and a refusal is the same 404.
 *
 * @param path The translated path (`translate_path`), under `directory`.
 * @param directory The served directory.
 * @param policy The policy.
 * @returns True when the path may be served.
 *
 * @example A link out of the directory
 * ```ts
 * import { symlinkAllowed } from "./path_policy.ts";
 * import { assertEquals } from "../../deps.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.symlinkSync("/etc", `${root}/etc`);
 * assertEquals(symlinkAllowed(`${root}/etc/hostname`, root, "follow"), true);
 * assertEquals(symlinkAllowed(`${root}/etc/hostname`, root, "contain"), false);
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function symlinkAllowed(path: string, directory: string, policy: SymlinkPolicy): boolean {
  if (policy === "follow") return true;
  const root = realPathOrNull(directory);
  const real = realPathOrNull(path);
  if (root === null || real === null) return false;
  if (policy === "contain") return isWithin(real, root);
  // refuse: the real path must spell the requested path itself, below the real root.
  if (!path.startsWith(directory)) return false;
  const words = path.slice(directory.length).split("/").filter((word) => word !== "");
  const expected = words.length === 0
    ? root
    : (root.endsWith("/") ? root : root + "/") + words.join("/");
  return real === expected;
}

/**
 * Whether a directory entry that is a symlink may be listed (and followed) under the policy.
 *
 * @param linkPath The entry's path (directory + name).
 * @param directory The served directory.
 * @param policy The policy.
 * @returns True when it may be listed.
 */
export function symlinkEntryAllowed(
  linkPath: string,
  directory: string,
  policy: SymlinkPolicy,
): boolean {
  if (policy === "follow") return true;
  if (policy === "refuse") return false;
  const root = realPathOrNull(directory);
  const real = realPathOrNull(linkPath);
  return root !== null && real !== null && isWithin(real, root);
}
