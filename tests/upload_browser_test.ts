// Headless Chromium submits the directory listing's upload form (`--upload`) with two files,
// follows the 303 back to the listing and sees them; the stored bytes are the chosen files'.
// Skipped, with one line saying why, where Chromium is not installed or cannot start.
import {
  ACTION_TIMEOUT_MS,
  type BrowserContext,
  launchChromium,
  whyNoBrowser,
} from "./_chromium.ts";
import { assertEquals, assertMatch } from "../deps.ts";
import { Child, CLI_PATH, seededBytes } from "./_cli_process.ts";

const launch = (userDataDir: string) => launchChromium(userDataDir);

const noBrowser = await whyNoBrowser();

Deno.test({
  name: noBrowser === null
    ? "upload browser: Chromium submits the listing's upload form"
    : `upload browser: SKIPPED: ${noBrowser}`,
  ignore: noBrowser !== null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "httpserver-upload-browser-" });
    const site = `${root}/site`;
    const picked = `${root}/picked`;
    await Deno.mkdir(`${site}/inbox`, { recursive: true });
    await Deno.mkdir(picked);
    const payload = seededBytes(500_000, 11);
    await Deno.writeFile(`${picked}/photo.bin`, payload);
    await Deno.writeTextFile(`${picked}/notes.txt`, "notes from the browser\n");
    await Deno.writeTextFile(`${site}/inbox/notes.txt`, "already here\n");
    const server = Child.spawn(Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      CLI_PATH,
      "--upload",
      "-b",
      "127.0.0.1",
      "-d",
      site,
      "0",
    ]);
    let context: BrowserContext | undefined;
    try {
      const { port } = await server.banner();
      const base = `http://127.0.0.1:${port}`;
      context = await launch(`${root}/profile`);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto(`${base}/inbox/`);
      await page.setInputFiles('input[type="file"]', [
        `${picked}/photo.bin`,
        `${picked}/notes.txt`,
      ]);
      await Promise.all([page.waitForURL(`${base}/inbox/`), page.click('button[type="submit"]')]);
      await page.waitForSelector('a[href="photo.bin"]');
      assertEquals(
        await page.$$eval("li a", (as) => as.map((a) => a.textContent ?? "")),
        ["notes (1).txt", "notes.txt", "photo.bin"],
      );
      assertEquals(await Deno.readFile(`${site}/inbox/photo.bin`), payload);
      assertEquals(
        await Deno.readTextFile(`${site}/inbox/notes (1).txt`),
        "notes from the browser\n",
      );
      assertEquals(await Deno.readTextFile(`${site}/inbox/notes.txt`), "already here\n");
      await context.close();
      context = undefined;
      const done = await server.stop("SIGINT");
      assertMatch(done.stderr, /"POST \/inbox\/ HTTP\/1\.1" 303 -$/m);
    } finally {
      await context?.close().catch(() => {});
      await server.kill();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
