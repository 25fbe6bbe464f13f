// A real browser against the real CLI: headless Chromium (Debian's `chromium` package, driven
// by playwright-core over the DevTools pipe) opens the directory listing, follows a link into
// a subdirectory, opens a text file, downloads a binary file and compares its bytes, and
// saves a screenshot of the listing. Skipped, with one line saying why, only where Chromium
// is not installed or cannot start.
import {
  ACTION_TIMEOUT_MS,
  type BrowserContext,
  launchChromium,
  whyNoBrowser,
} from "./_chromium.ts";
import { assert, assertEquals, assertMatch } from "../deps.ts";
import { Child, seededBytes } from "./_cli_process.ts";

const launch = (userDataDir: string) =>
  launchChromium(userDataDir, { acceptDownloads: true, viewport: { width: 900, height: 600 } });

const noBrowser = await whyNoBrowser();

Deno.test({
  name: noBrowser === null
    ? "browser: Chromium browses the listing, follows a link, downloads a file"
    : `browser: SKIPPED: ${noBrowser}`,
  ignore: noBrowser !== null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "httpserver-browser-" });
    const site = `${root}/site`;
    const profile = `${root}/profile`;
    const out = `${root}/out`;
    await Deno.mkdir(`${site}/docs/deeper`, { recursive: true });
    await Deno.mkdir(out);
    const payload = seededBytes(150_000, 3);
    await Deno.writeTextFile(`${site}/hello.txt`, "hello, browser\n");
    await Deno.writeTextFile(`${site}/a & b <c>.txt`, "escaped name\n");
    await Deno.writeTextFile(`${site}/docs/readme.txt`, "inside docs\n");
    await Deno.writeFile(`${site}/docs/payload.bin`, payload);

    const server = Child.cli(["-b", "127.0.0.1", "-d", site, "0"]);
    let context: BrowserContext | undefined;
    try {
      const { port } = await server.banner();
      const base = `http://127.0.0.1:${port}`;
      context = await launch(profile);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = context.pages()[0] ?? await context.newPage();

      // The root listing.
      const response = await page.goto(`${base}/`);
      assertEquals(response?.status(), 200);
      assertEquals(await page.title(), "Directory listing for /");
      assertEquals(await page.textContent("h1"), "Directory listing for /");
      const links = await page.$$eval("li a", (as) => as.map((a) => a.textContent ?? ""));
      assertEquals(links, ["a & b <c>.txt", "docs/", "hello.txt"]);
      const hrefs = await page.$$eval("li a", (as) => as.map((a) => a.getAttribute("href")));
      assertEquals(hrefs, ["a%20%26%20b%20%3Cc%3E.txt", "docs/", "hello.txt"]);
      const shot = `${out}/listing.png`;
      await page.screenshot({ path: shot, fullPage: true });
      const png = await Deno.readFile(shot);
      assertEquals([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert(png.length > 2000, `screenshot is only ${png.length} bytes`);
      const keep = Deno.env.get("BROWSER_SCREENSHOT");
      if (keep !== undefined) await Deno.copyFile(shot, keep);

      // A file with markup in its name opens by its quoted link.
      await page.click("text=a & b <c>.txt");
      await page.waitForURL(`${base}/a%20%26%20b%20%3Cc%3E.txt`);
      assertEquals(await page.textContent("body"), "escaped name\n");
      await page.goBack();

      // Follow the link into the subdirectory.
      await page.click('a[href="docs/"]');
      await page.waitForURL(`${base}/docs/`);
      assertEquals(await page.textContent("h1"), "Directory listing for /docs/");
      assertEquals(
        await page.$$eval("li a", (as) => as.map((a) => a.textContent ?? "")),
        ["deeper/", "payload.bin", "readme.txt"],
      );

      // A text file renders in the page.
      await page.click('a[href="readme.txt"]');
      await page.waitForURL(`${base}/docs/readme.txt`);
      assertEquals(await page.textContent("body"), "inside docs\n");
      await page.goBack();
      await page.waitForURL(`${base}/docs/`);

      // A binary file (application/octet-stream) is downloaded; its bytes are the file's.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click('a[href="payload.bin"]'),
      ]);
      assertEquals(download.suggestedFilename(), "payload.bin");
      assertEquals(download.url(), `${base}/docs/payload.bin`);
      const saved = `${out}/payload.bin`;
      await download.saveAs(saved);
      assertEquals(await Deno.readFile(saved), payload);

      // A directory without its slash is redirected (301) and then listed.
      await page.goto(`${base}/docs/deeper`);
      assertEquals(page.url(), `${base}/docs/deeper/`);
      assertEquals(await page.textContent("h1"), "Directory listing for /docs/deeper/");

      await context.close();
      context = undefined;
      const done = await server.stop("SIGINT");
      assertEquals(done.code, 0, server.describe());
      // The browser's requests, as the server logged them.
      assertMatch(done.stderr, /"GET \/ HTTP\/1\.1" 200 -$/m);
      assertMatch(done.stderr, /"GET \/docs\/ HTTP\/1\.1" 200 -$/m);
      assertMatch(done.stderr, /"GET \/docs\/payload\.bin HTTP\/1\.1" 200 -$/m);
      assertMatch(done.stderr, /"GET \/docs\/deeper HTTP\/1\.1" 301 -$/m);
    } finally {
      await context?.close().catch(() => {});
      await server.kill();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
