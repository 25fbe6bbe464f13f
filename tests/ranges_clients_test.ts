// Real clients asking for byte ranges from the real CLI over loopback: `curl -C - -O` resuming
// a half-downloaded 10 MiB file, `curl -r` with two ranges (multipart/byteranges), `wget -c`,
// Python's urllib with a Range header, and headless Chromium seeking a several-MiB WAV in an
// <audio> element (`seekable` covers the whole duration, a seek near the end completes).
// Each client runs under a time limit; a missing client skips its test with one line why.
import { type BrowserContext, CHROMIUM, launchChromium } from "./_chromium.ts";
import { assert, assertEquals, assertMatch } from "../deps.ts";
import { Child, seededBytes } from "./_cli_process.ts";
import { findPython313 } from "./_helpers.ts";

/** Milliseconds any one client run may take. */
const CLIENT_TIMEOUT_MS = 60_000;
const BIG_SIZE = 10 * 1024 * 1024;

function installed(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Runs a client to completion within the time limit; its status and output. */
async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Serves `site` with the CLI for the duration of `fn`; returns the server's log. */
async function serving(
  site: string,
  fn: (base: string) => Promise<void>,
  extra: string[] = [],
): Promise<string> {
  const server = Child.cli(["-b", "127.0.0.1", "-d", site, "-p", "HTTP/1.1", ...extra, "0"]);
  try {
    const { port } = await server.banner();
    await fn(`http://127.0.0.1:${port}`);
    const done = await server.stop("SIGINT");
    assertEquals(done.code, 0, server.describe());
    return done.stderr;
  } finally {
    await server.kill();
  }
}

async function withSite(fn: (site: string, out: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "httpserver-range-clients-" });
  try {
    await Deno.mkdir(`${root}/site`);
    await Deno.mkdir(`${root}/out`);
    await fn(`${root}/site`, `${root}/out`);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

const BIG = seededBytes(BIG_SIZE, 13);

Deno.test({
  name: installed("/usr/bin/curl")
    ? "clients: curl -C - -O resumes a half-downloaded 10 MiB file byte for byte"
    : "clients: SKIPPED: curl is not installed",
  ignore: !installed("/usr/bin/curl"),
  async fn() {
    await withSite(async (site, out) => {
      await Deno.writeFile(`${site}/big.bin`, BIG);
      await Deno.writeFile(`${out}/big.bin`, BIG.subarray(0, BIG_SIZE / 2 + 12345));
      const log = await serving(site, async (base) => {
        const result = await run("curl", ["-sS", "-f", "-C", "-", "-O", `${base}/big.bin`], out);
        assertEquals(result.code, 0, result.stderr);
      }, ["--etag"]);
      assertEquals(await Deno.readFile(`${out}/big.bin`), BIG);
      assertMatch(log, /"GET \/big\.bin HTTP\/1\.1" 206 -$/m);
    });
  },
});

Deno.test({
  name: installed("/usr/bin/curl")
    ? "clients: curl -r 0-99,200-299 gets multipart/byteranges with both parts"
    : "clients: SKIPPED: curl is not installed",
  ignore: !installed("/usr/bin/curl"),
  async fn() {
    await withSite(async (site, out) => {
      const text = Array.from({ length: 100 }, (_, i) => `line ${i}`.padEnd(15, ".") + "\n")
        .join("");
      await Deno.writeTextFile(`${site}/lines.txt`, text);
      await serving(site, async (base) => {
        const result = await run("curl", [
          "-sS",
          "-r",
          "0-99,200-299",
          "-D",
          "head.txt",
          "-o",
          "body.txt",
          `${base}/lines.txt`,
        ], out);
        assertEquals(result.code, 0, result.stderr);
      });
      const head = await Deno.readTextFile(`${out}/head.txt`);
      assertMatch(head, /^HTTP\/1\.1 206 Partial Content\r\n/);
      const boundary = /multipart\/byteranges; boundary=([0-9a-f]+)/.exec(head)?.[1];
      assert(boundary !== undefined, head);
      const body = await Deno.readTextFile(`${out}/body.txt`);
      assertEquals(
        body,
        `--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-99/1600\r\n\r\n` +
          `${text.slice(0, 100)}\r\n--${boundary}\r\nContent-Type: text/plain\r\n` +
          `Content-Range: bytes 200-299/1600\r\n\r\n${text.slice(200, 300)}\r\n--${boundary}--\r\n`,
      );
    });
  },
});

Deno.test({
  name: installed("/usr/bin/wget")
    ? "clients: wget -c continues a partial download"
    : "clients: SKIPPED: wget is not installed",
  ignore: !installed("/usr/bin/wget"),
  async fn() {
    await withSite(async (site, out) => {
      await Deno.writeFile(`${site}/big.bin`, BIG);
      await Deno.writeFile(`${out}/big.bin`, BIG.subarray(0, 3_000_000));
      const log = await serving(site, async (base) => {
        const result = await run("wget", ["-q", "-c", "-t", "1", `${base}/big.bin`], out);
        assertEquals(result.code, 0, result.stderr);
      });
      assertEquals(await Deno.readFile(`${out}/big.bin`), BIG);
      assertMatch(log, /"GET \/big\.bin HTTP\/1\.1" 206 -$/m);
    });
  },
});

const PYTHON = findPython313();

Deno.test({
  name: PYTHON !== null
    ? "clients: Python urllib with a Range header gets the span"
    : "clients: SKIPPED: CPython 3.13 is not installed",
  ignore: PYTHON === null,
  async fn() {
    await withSite(async (site, out) => {
      await Deno.writeFile(`${site}/big.bin`, BIG);
      await serving(site, async (base) => {
        const script = `
import hashlib, sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Range": "bytes=1000000-1999999"})
with urllib.request.urlopen(request, timeout=30) as response:
    body = response.read()
    print(response.status, response.headers["Content-Range"], len(body), hashlib.sha256(body).hexdigest())
`;
        const result = await run(PYTHON as string, ["-c", script, `${base}/big.bin`], out);
        assertEquals(result.code, 0, result.stderr);
        const digest = await crypto.subtle.digest("SHA-256", BIG.slice(1_000_000, 2_000_000));
        const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
          .join("");
        assertEquals(
          result.stdout.trim(),
          `206 bytes 1000000-1999999/${BIG_SIZE} 1000000 ${hex}`,
        );
      });
    });
  },
});

/** A mono 16-bit PCM WAV of `seconds` at `rate` Hz: a quiet tone. */
function wav(seconds: number, rate: number): Uint8Array {
  const samples = seconds * rate;
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    view.setInt16(44 + i * 2, Math.round(2000 * Math.sin(i * 2 * Math.PI * 440 / rate)), true);
  }
  return bytes;
}

/** The page: reports through document.title once a seek near the end has completed. */
const PLAYER_PAGE = `<!DOCTYPE html>
<html><head><title>loading</title></head><body>
<audio id="a" preload="auto" src="tone.wav"></audio>
<script>
const a = document.getElementById("a");
const report = (text) => { document.title = text; };
a.addEventListener("error", () => report("error " + (a.error && a.error.code)));
a.addEventListener("loadedmetadata", () => {
  const s = a.seekable;
  const end = s.length > 0 ? s.end(s.length - 1) : -1;
  const start = s.length > 0 ? s.start(0) : -1;
  a.addEventListener("seeked", () => {
    report("seeked " + [start, end, a.duration, a.currentTime, s.length].join(" "));
  }, { once: true });
  a.currentTime = a.duration - 1;
});
</script></body></html>
`;

const WAV_SECONDS = 60;
const WAV_RATE = 44_100;

Deno.test({
  name: installed(CHROMIUM)
    ? "clients: headless Chromium seeks a several-MiB WAV to near its end"
    : `clients: SKIPPED: Chromium is not installed at ${CHROMIUM}`,
  ignore: !installed(CHROMIUM),
  async fn() {
    await withSite(async (site, out) => {
      const tone = wav(WAV_SECONDS, WAV_RATE);
      assert(tone.length > 5 * 1024 * 1024);
      await Deno.writeFile(`${site}/tone.wav`, tone);
      await Deno.writeTextFile(`${site}/player.html`, PLAYER_PAGE);
      let context: BrowserContext | undefined;
      const log = await serving(site, async (base) => {
        try {
          context = await launchChromium(`${out}/profile`, {
            extraArgs: ["--autoplay-policy=no-user-gesture-required"],
          });
          context.setDefaultTimeout(30_000);
          const page = context.pages()[0] ?? await context.newPage();
          await page.goto(`${base}/player.html`);
          await page.waitForFunction('document.title !== "loading"', null, { timeout: 30_000 });
          const title = await page.title();
          const match = /^seeked (\S+) (\S+) (\S+) (\S+) (\S+)$/.exec(title);
          assert(match !== null, title);
          const [start, end, duration, current] = match.slice(1, 5).map(Number);
          assertEquals(start, 0, title);
          assert(Math.abs(duration - WAV_SECONDS) < 0.01, title);
          assert(Math.abs(end - duration) < 0.01, `seekable ends at the duration: ${title}`);
          assert(Math.abs(current - (duration - 1)) < 0.05, title);
        } finally {
          await context?.close().catch(() => {});
        }
      });
      // The media element's requests were answered as ranges.
      assertMatch(log, /"GET \/tone\.wav HTTP\/1\.1" 206 -$/m);
    });
  },
});
