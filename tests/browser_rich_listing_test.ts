// The `--listing rich` page in a real browser: headless Chromium (driven as in
// browser_test.ts) opens the CLI's rich listing in the light and the dark colour scheme,
// checks that the scheme changes the colours, that the header links sort, that the table fits
// a phone-sized viewport without horizontal scrolling, and saves screenshots
// (`RICH_LISTING_SCREENSHOTS=<dir>` keeps them). Skipped, with one line saying why, where
// Chromium is not installed or cannot start.
import {
  ACTION_TIMEOUT_MS,
  type BrowserContext,
  launchChromium,
  whyNoBrowser,
} from "./_chromium.ts";
import { assert, assertEquals, assertNotEquals } from "../deps.ts";
import { Child } from "./_cli_process.ts";

const launch = (userDataDir: string) =>
  launchChromium(userDataDir, { viewport: { width: 900, height: 560 } });

const noBrowser = await whyNoBrowser();

/** A PNG's signature and a plausible size. */
function assertPng(png: Uint8Array) {
  assertEquals([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert(png.length > 4000, `screenshot is only ${png.length} bytes`);
}

Deno.test({
  name: noBrowser === null
    ? "browser: the rich listing in light and dark, sorted by a header link, on a phone"
    : `browser: SKIPPED: ${noBrowser}`,
  ignore: noBrowser !== null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "httpserver-rich-browser-" });
    const site = `${root}/site/projects/website`;
    const out = Deno.env.get("RICH_LISTING_SCREENSHOTS") ?? `${root}/out`;
    await Deno.mkdir(`${site}/assets/img`, { recursive: true });
    await Deno.mkdir(`${site}/docs`);
    await Deno.mkdir(out, { recursive: true });
    const files: Array<[string, number, string]> = [
      ["index.md", 1_834, "2026-11-30T09:12:44Z"],
      ["report 2026 <final>.pdf", 2_621_440, "2026-12-01T16:03:10Z"],
      ["photo-archive.tar.gz", 734_003_200, "2026-10-14T21:45:00Z"],
      ["notes & ideas.txt", 412, "2026-12-05T08:30:05Z"],
      ["styles.css", 12_288, "2026-11-02T12:00:00Z"],
    ];
    for (const [name, size, when] of files) {
      await Deno.writeFile(`${site}/${name}`, new Uint8Array(size));
      const seconds = Date.parse(when) / 1000;
      await Deno.utime(`${site}/${name}`, seconds, seconds);
    }
    await Deno.symlink("docs", `${site}/latest-docs`);
    const server = Child.cli(["-b", "127.0.0.1", "-d", `${root}/site`, "--listing", "rich", "0"]);
    let context: BrowserContext | undefined;
    try {
      const { port } = await server.banner();
      const url = `http://127.0.0.1:${port}/projects/website/`;
      context = await launch(`${root}/profile`);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = context.pages()[0] ?? await context.newPage();

      const backgrounds: string[] = [];
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const response = await page.goto(url);
        assertEquals(response?.status(), 200);
        assertEquals(await page.title(), "Directory listing for /projects/website/");
        backgrounds.push(
          String(await page.evaluate("getComputedStyle(document.body).backgroundColor")),
        );
        const names = await page.$$eval("td.name a", (as) => as.map((a) => a.textContent));
        assertEquals(names, [
          "assets/",
          "docs/",
          "latest-docs@",
          "index.md",
          "notes & ideas.txt",
          "photo-archive.tar.gz",
          "report 2026 <final>.pdf",
          "styles.css",
        ]);
        const shot = `${out}/rich-listing-${scheme}.png`;
        await page.screenshot({ path: shot, fullPage: true });
        assertPng(await Deno.readFile(shot));
      }
      assertNotEquals(backgrounds[0], backgrounds[1], "the dark scheme changes nothing");

      // The Size header sorts ascending, then descending.
      await page.emulateMedia({ colorScheme: "light" });
      await page.click("th.size a");
      await page.waitForURL(`${url}?sort=size&order=asc`);
      const bySize = await page.$$eval("td.name a", (as) => as.map((a) => a.textContent));
      assertEquals(bySize.slice(3), [
        "notes & ideas.txt",
        "index.md",
        "styles.css",
        "report 2026 <final>.pdf",
        "photo-archive.tar.gz",
      ]);
      await page.click("th.size a");
      await page.waitForURL(`${url}?sort=size&order=desc`);
      const desc = await page.$$eval("td.name a", (as) => as.map((a) => a.textContent));
      assertEquals(desc[3], "photo-archive.tar.gz");

      // The exact size is in the title; a breadcrumb link climbs.
      assertEquals(
        await page.getAttribute('tr:has(a[href="styles.css"]) td.size', "title"),
        "12288 bytes",
      );
      await page.click('h1 a[href="../"]');
      await page.waitForURL(`http://127.0.0.1:${port}/projects/`);

      // A phone: nothing scrolls sideways.
      await page.setViewportSize({ width: 375, height: 700 });
      await page.goto(url);
      // Evaluated in the page (a string: this test is type-checked without the DOM library).
      const overflow = Number(
        await page.evaluate(
          "document.documentElement.scrollWidth - document.documentElement.clientWidth",
        ),
      );
      assertEquals(overflow, 0, "the page scrolls sideways on a phone");
      const phone = `${out}/rich-listing-phone.png`;
      await page.screenshot({ path: phone, fullPage: true });
      assertPng(await Deno.readFile(phone));

      await context.close();
      context = undefined;
      const done = await server.stop("SIGINT");
      assertEquals(done.code, 0, server.describe());
    } finally {
      await context?.close().catch(() => {});
      await server.kill();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
