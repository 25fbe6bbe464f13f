/**
 * Shared helpers of the differential tests against CPython 3.13.0: locate the interpreter, run
 * one script with JSON in and out, and a seeded PRNG so generated cases repeat on every run.
 *
 * @module
 */

const PYTHON_FALLBACK = "/root/.pyenv/versions/3.13.0/bin/python3";
const PYTHON_PREAMBLE = `import sys, json
if sys.version_info[:3] != (3, 13, 0):
    sys.exit("these tests need CPython 3.13.0, got " + sys.version)
`;

/** CPython 3.13.0 through pyenv, else at its usual absolute path; null when neither exists. */
export function locatePython313(): string | null {
  try {
    const out = new Deno.Command("pyenv", {
      args: ["which", "python3"],
      env: { PYENV_VERSION: "3.13.0" },
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const path = new TextDecoder().decode(out.stdout).trim();
    if (out.success && path !== "") return path;
  } catch {
    // No pyenv: try the fallback.
  }
  try {
    Deno.statSync(PYTHON_FALLBACK);
    return PYTHON_FALLBACK;
  } catch {
    return null;
  }
}

/** Finds CPython 3.13.0 through pyenv, else at its usual absolute path; throws when absent. */
export function findPython(): string {
  const python = locatePython313();
  if (python !== null) return python;
  throw new Error(
    `CPython 3.13.0 not found (tried \`PYENV_VERSION=3.13.0 pyenv which python3\` and ${PYTHON_FALLBACK}); these differential tests need it`,
  );
}

/** Runs `script` in CPython 3.13.0 with `input` as JSON on stdin; parses JSON from stdout. */
export async function runPython<T>(script: string, input: unknown): Promise<T> {
  const child = new Deno.Command(findPython(), {
    args: ["-c", PYTHON_PREAMBLE + script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  if (!success) throw new Error(`Python failed:\n${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** mulberry32: a small seeded PRNG, so generated cases are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, drawn with `random`. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** An integer in `[min, max]`, drawn with `random`. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
