// The headless Chromium harness the browser tests share: Debian's `chromium` package driven
// by playwright-core over the DevTools pipe, and the one-line reason a browser test is
// skipped where Chromium is not installed or cannot start.
// deno-lint-ignore-file no-import-prefix
// playwright-core is a test-only dependency, pinned here rather than in deno.json (which
// source files run from a URL never see); it downloads no browser of its own.
import { type BrowserContext, chromium } from "npm:playwright-core@1.65.1";

export type { BrowserContext };

/** Where Debian's package puts Chromium; `CHROMIUM_BIN` overrides. */
export const CHROMIUM = Deno.env.get("CHROMIUM_BIN") ?? "/usr/bin/chromium";

/** Flags for a quiet, offline, reproducible headless run (playwright adds `--headless`). */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Milliseconds for any one browser action (navigation, click, download). */
export const ACTION_TIMEOUT_MS = 15_000;

/** Milliseconds Chromium may take to start. */
const LAUNCH_TIMEOUT_MS = 30_000;

/** What a test may set for its browser. */
export interface LaunchOptions {
  /** Let the page download files (default false). */
  acceptDownloads?: boolean;
  /** The window's size (default playwright's). */
  viewport?: { width: number; height: number };
  /** Flags added to the shared ones (e.g. an autoplay policy). */
  extraArgs?: string[];
}

/** Launches Chromium with a fresh profile in `userDataDir`. */
export async function launchChromium(
  userDataDir: string,
  options: LaunchOptions = {},
): Promise<BrowserContext> {
  const { extraArgs = [], ...rest } = options;
  return await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: LAUNCH_TIMEOUT_MS,
    ...rest,
  });
}

/** Why a browser test cannot run here, or null when Chromium starts. */
export async function whyNoBrowser(): Promise<string | null> {
  try {
    if (!(await Deno.stat(CHROMIUM)).isFile) return `${CHROMIUM} is not a file`;
  } catch {
    return `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  }
  const profile = await Deno.makeTempDir({ prefix: "httpserver-chromium-probe-" });
  try {
    await (await launchChromium(profile)).close();
    return null;
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return `Chromium at ${CHROMIUM} cannot start: ${first}`;
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}
