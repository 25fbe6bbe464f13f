/**
 * The one module that imports Deno's standard library.
 *
 * JSR is unreachable from the machines this project is built on, so the standard library
 * comes from its npm republication (`deno-std`), which ships JavaScript without types. Every
 * re-export below therefore carries an explicit TypeScript type, so the rest of the code stays
 * fully typed, and switching to `jsr:@std/...` touches this file alone.
 *
 * @example Join two path segments
 * ```ts
 * import { join } from "./deps.ts";
 * join("a", "b"); // "a/b" on POSIX
 * ```
 *
 * @module
 */
// deno-lint-ignore-file no-import-prefix
// Source files must run from a remote URL, where deno.json's import map does not apply, so
// the standard library is named by full `npm:` specifiers here (and only here).
// One file per function rather than the packages' `mod.js`: the command line loads this
// module, and the whole of `@std/assert` and `@std/path` would cost it megabytes of memory.
import * as stdJoin from "npm:deno-std@1.4.0/path/posix/join.js";
import * as stdNormalize from "npm:deno-std@1.4.0/path/posix/normalize.js";
import * as stdResolve from "npm:deno-std@1.4.0/path/posix/resolve.js";
import * as stdDirname from "npm:deno-std@1.4.0/path/posix/dirname.js";
import * as stdBasename from "npm:deno-std@1.4.0/path/posix/basename.js";
import * as stdFromFileUrl from "npm:deno-std@1.4.0/path/posix/from_file_url.js";
import * as stdAssertOk from "npm:deno-std@1.4.0/assert/assert.js";
import * as stdAssertEquals from "npm:deno-std@1.4.0/assert/equals.js";
import * as stdAssertNotEquals from "npm:deno-std@1.4.0/assert/not_equals.js";
import * as stdAssertStringIncludes from "npm:deno-std@1.4.0/assert/string_includes.js";
import * as stdAssertMatch from "npm:deno-std@1.4.0/assert/match.js";
import * as stdAssertThrows from "npm:deno-std@1.4.0/assert/throws.js";
import * as stdAssertRejects from "npm:deno-std@1.4.0/assert/rejects.js";

/**
 * Joins POSIX path segments and normalises the result (`@std/path/posix` `join`).
 *
 * @example Join segments
 * ```ts
 * import { join } from "./deps.ts";
 * join("/srv", "www", "a.txt"); // "/srv/www/a.txt"
 * ```
 */
export const join: (...paths: string[]) => string = stdJoin.join;

/**
 * Lexically normalises a POSIX path (`@std/path/posix` `normalize`).
 *
 * @example Normalise dot segments
 * ```ts
 * import { normalize } from "./deps.ts";
 * normalize("/a/./b/../c"); // "/a/c"
 * ```
 */
export const normalize: (path: string) => string = stdNormalize.normalize;

/**
 * Resolves POSIX path segments to an absolute path (`@std/path/posix` `resolve`).
 *
 * @example Resolve against the working directory
 * ```ts
 * import { resolve } from "./deps.ts";
 * resolve("/srv", "www"); // "/srv/www"
 * ```
 */
export const resolve: (...paths: string[]) => string = stdResolve.resolve;

/**
 * The directory part of a POSIX path (`@std/path/posix` `dirname`).
 *
 * @example Parent directory
 * ```ts
 * import { dirname } from "./deps.ts";
 * dirname("/srv/www/a.txt"); // "/srv/www"
 * ```
 */
export const dirname: (path: string) => string = stdDirname.dirname;

/**
 * The last segment of a POSIX path (`@std/path/posix` `basename`).
 *
 * @example File name
 * ```ts
 * import { basename } from "./deps.ts";
 * basename("/srv/www/a.txt"); // "a.txt"
 * ```
 */
export const basename: (path: string, suffix?: string) => string = stdBasename.basename;

/**
 * Converts a `file:` URL to a POSIX path (`@std/path/posix` `fromFileUrl`).
 *
 * @example URL to path
 * ```ts
 * import { fromFileUrl } from "./deps.ts";
 * fromFileUrl("file:///srv/a.txt"); // "/srv/a.txt"
 * ```
 */
export const fromFileUrl: (url: string | URL) => string = stdFromFileUrl.fromFileUrl;

/**
 * Asserts that a value is truthy (`@std/assert` `assert`).
 *
 * @example Assert a condition
 * ```ts
 * import { assert } from "./deps.ts";
 * assert(1 + 1 === 2);
 * ```
 */
export const assert: (expr: unknown, msg?: string) => asserts expr = stdAssertOk.assert;

/**
 * Asserts deep equality (`@std/assert` `assertEquals`).
 *
 * @example Compare values
 * ```ts
 * import { assertEquals } from "./deps.ts";
 * assertEquals([1, 2], [1, 2]);
 * ```
 */
export const assertEquals: <T>(actual: T, expected: T, msg?: string) => void =
  stdAssertEquals.assertEquals;

/**
 * Asserts inequality (`@std/assert` `assertNotEquals`).
 *
 * @example Compare values
 * ```ts
 * import { assertNotEquals } from "./deps.ts";
 * assertNotEquals(1, 2);
 * ```
 */
export const assertNotEquals: <T>(actual: T, expected: T, msg?: string) => void =
  stdAssertNotEquals.assertNotEquals;

/**
 * Asserts that a string contains another (`@std/assert` `assertStringIncludes`).
 *
 * @example Substring
 * ```ts
 * import { assertStringIncludes } from "./deps.ts";
 * assertStringIncludes("hello world", "world");
 * ```
 */
export const assertStringIncludes: (actual: string, expected: string, msg?: string) => void =
  stdAssertStringIncludes.assertStringIncludes;

/**
 * Asserts that a string matches a pattern (`@std/assert` `assertMatch`).
 *
 * @example Pattern
 * ```ts
 * import { assertMatch } from "./deps.ts";
 * assertMatch("HTTP/1.0 200 OK", /^HTTP\/1\.\d 200/);
 * ```
 */
export const assertMatch: (actual: string, expected: RegExp, msg?: string) => void =
  stdAssertMatch.assertMatch;

/**
 * Asserts that a function throws (`@std/assert` `assertThrows`).
 *
 * @example Expect an error
 * ```ts
 * import { assertThrows } from "./deps.ts";
 * assertThrows(() => { throw new RangeError("x"); }, RangeError);
 * ```
 */
export const assertThrows: (
  fn: () => unknown,
  ErrorClass?: abstract new (...args: never[]) => Error,
  msgIncludes?: string,
) => Error = stdAssertThrows.assertThrows;

/**
 * Asserts that a promise rejects (`@std/assert` `assertRejects`).
 *
 * @example Expect a rejection
 * ```ts
 * import { assertRejects } from "./deps.ts";
 * await assertRejects(() => Promise.reject(new TypeError("x")), TypeError);
 * ```
 */
export const assertRejects: (
  fn: () => PromiseLike<unknown>,
  ErrorClass?: abstract new (...args: never[]) => Error,
  msgIncludes?: string,
) => Promise<Error> = stdAssertRejects.assertRejects;
