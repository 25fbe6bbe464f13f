// Web-app options in a real browser: headless Chromium (as tests/browser_test.ts drives it)
// against two CLI servers on two ports. A cross-origin fetch() succeeds only toward the
// server run with --cors; a page given COOP/COEP with CPython 3.15's `-H NAME VALUE` is
// cross-origin isolated and can make a SharedArrayBuffer; a script served with --compress
// arrives with Content-Encoding and runs; a client-side route loads and reloads under --spa.
// Skipped, with one line saying why, only where Chromium is not installed or cannot start.
import {
  ACTION_TIMEOUT_MS,
  type BrowserContext,
  launchChromium,
  whyNoBrowser,
} from "./_chromium.ts";
import { assert, assertEquals } from "../deps.ts";
import { Child } from "./_cli_process.ts";

const launch = (userDataDir: string) => launchChromium(userDataDir);

/** A page that fetches `?target=` and puts the outcome in its title. */
const FETCH_PAGE = `<!doctype html><title>pending</title><script>
const target = new URLSearchParams(location.search).get("target");
fetch(target).then((r) => r.text()).then((t) => { document.title = "ok:" + t.trim(); },
  () => { document.title = "blocked"; });
</script>`;
/** A page that reports whether it is cross-origin isolated and can share memory. */
const SAB_PAGE = `<!doctype html><title>pending</title><script>
document.title = crossOriginIsolated && typeof SharedArrayBuffer === "function"
  ? "sab:" + new SharedArrayBuffer(16).byteLength : "not-isolated";
</script>`;
/** The single-page app's entry: renders the route it was loaded at and its script's mark. */
const SPA_ENTRY = `<!doctype html><title>pending</title><script src="/app.js"></script>`;
/** The app's script, padded past the compression threshold. */
const APP_JS = `document.title = "route:" + location.pathname + ":" + (window.MARK ?? "");
window.MARK = "js";
${"// padding so that --compress compresses this script\n".repeat(100)}`;

const noBrowser = await whyNoBrowser();

Deno.test({
  name: noBrowser === null
    ? "browser: --cors fetch across ports, COOP/COEP via -H, --compress, --spa reload"
    : `browser: SKIPPED: ${noBrowser}`,
  ignore: noBrowser !== null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "httpserver-webapp-browser-" });
    const site = `${root}/site`;
    await Deno.mkdir(site);
    await Deno.writeTextFile(`${site}/fetch.html`, FETCH_PAGE);
    await Deno.writeTextFile(`${site}/sab.html`, SAB_PAGE);
    await Deno.writeTextFile(`${site}/index.html`, SPA_ENTRY);
    await Deno.writeTextFile(`${site}/app.js`, APP_JS);
    await Deno.writeTextFile(`${site}/data.txt`, "data\n");
    const plain = Child.cli(["-b", "127.0.0.1", "-d", site, "0"]);
    const app = Child.cli([
      "-b",
      "127.0.0.1",
      "-d",
      site,
      "--cors",
      "--compress",
      "-H",
      "Cross-Origin-Opener-Policy",
      "same-origin",
      "-H",
      "Cross-Origin-Embedder-Policy",
      "require-corp",
      "--spa=index.html",
      "0",
    ]);
    let context: BrowserContext | undefined;
    try {
      const plainBase = `http://127.0.0.1:${(await plain.banner()).port}`;
      const appBase = `http://127.0.0.1:${(await app.banner()).port}`;
      context = await launch(`${root}/profile`);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = context.pages()[0] ?? await context.newPage();
      const titled = async (url: string): Promise<string> => {
        await page.goto(url);
        await page.waitForFunction('document.title !== "pending"');
        return await page.title();
      };

      // Cross-origin fetch: allowed by the --cors server only.
      assertEquals(
        await titled(`${plainBase}/fetch.html?target=${appBase}/data.txt`),
        "ok:data",
      );
      assertEquals(
        await titled(`${appBase}/fetch.html?target=${plainBase}/data.txt`),
        "blocked",
      );

      // COOP/COEP from -H make the page cross-origin isolated.
      assertEquals(await titled(`${appBase}/sab.html`), "sab:16");
      assertEquals(await titled(`${plainBase}/sab.html`), "not-isolated");

      // --spa and --compress: a client-side route loads the entry, whose script arrives
      // compressed and runs; a reload gives the same page.
      const script = page.waitForResponse((r) => r.url().endsWith("/app.js"));
      assertEquals(await titled(`${appBase}/dashboard/settings`), "route:/dashboard/settings:");
      const scriptResponse = await script;
      const encoding = (await scriptResponse.allHeaders())["content-encoding"];
      assert(encoding === "br" || encoding === "gzip", `Content-Encoding: ${encoding}`);
      await page.reload();
      await page.waitForFunction('document.title.startsWith("route:")');
      assertEquals(await page.title(), "route:/dashboard/settings:");
      // A missing asset is still 404.
      const missing = await page.goto(`${appBase}/missing.js`);
      assertEquals(missing?.status(), 404);
    } finally {
      await context?.close().catch(() => {});
      await plain.kill();
      await app.kill();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
