/**
 * Shared by the file-handler tests: a fixture tree with awkward names, symlinks and many MIME
 * types; our `SimpleHTTPRequestHandler` on a loopback port; CPython 3.13's
 * `python -m http.server` as a child process.
 *
 * @module
 */
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { type AcceptedConnection, ThreadingHTTPServer } from "../server.ts";
import type { ClientAddress } from "../types.ts";
import {
  findPython313,
  freePort,
  type RunningServer,
  startServer,
  waitForPort,
} from "./_helpers.ts";
import { seededBytes } from "./_cli_process.ts";

/** File extensions of the `mime/` fixture directory (one file `f<ext>` each). */
export const MIME_EXTENSIONS: readonly string[] = [
  ".html",
  ".htm",
  ".HTML",
  ".css",
  ".js",
  ".mjs",
  ".JS",
  ".json",
  ".xml",
  ".txt",
  ".TXT",
  ".csv",
  ".md",
  ".py",
  ".c",
  ".h",
  ".sh",
  ".svg",
  ".svgz",
  ".png",
  ".PNG",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".ico",
  ".bmp",
  ".tif",
  ".avif",
  ".wasm",
  ".pdf",
  ".zip",
  ".gz",
  ".GZ",
  ".tar.gz",
  ".tgz",
  ".tar",
  ".bz2",
  ".xz",
  ".Z",
  ".z",
  ".mp3",
  ".mp4",
  ".webm",
  ".ogg",
  ".wav",
  ".woff",
  ".woff2",
  ".ttf",
  ".otf",
  ".rtf",
  ".doc",
  ".exe",
  ".bin",
  ".map",
  ".unknownext",
  ".",
  "",
];

/** Names of regular files at the top of the fixture tree (beyond `a.txt`, `big.bin`, ...). */
export const ODD_FILE_NAMES: readonly string[] = [
  "sp ace.txt",
  "b&<i>.txt",
  `"dq".txt`,
  "'sq'.txt",
  "%41.txt",
  "%E2%82%AC.txt",
  "q?",
  "f#",
  "plus+semi;colon:.txt",
  "café.txt",
  "日本語.txt",
  "emoji😀.txt",
  "\ufffd.bin",
  "tab\tname.txt",
  ".hidden",
  "..dots",
  "UPPER.TXT",
  "lower.txt",
  "Mixed.Txt",
];

/** Size of `big.bin`. */
export const BIG_FILE_SIZE = 5 * 1024 * 1024;

const encoder = new TextEncoder();

/** Deterministic, non-repeating-looking bytes (the shared xorshift generator). */
export function patternBytes(size: number, seed = 1): Uint8Array {
  return seededBytes(size, seed);
}

/**
 * Builds the fixture tree in a new temp directory and returns its path (a real path, no
 * symlinks above it). A `secret.txt` sits next to the served directory `root/www`.
 */
export async function buildFixtureTree(): Promise<{ base: string; root: string }> {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "httpserver-simple-" }));
  const root = `${base}/www`;
  await Deno.mkdir(root);
  await Deno.writeTextFile(`${base}/secret.txt`, "TOP-SECRET-OUTSIDE\n");
  const write = (path: string, content: string | Uint8Array) =>
    typeof content === "string"
      ? Deno.writeTextFile(`${root}/${path}`, content)
      : Deno.writeFile(`${root}/${path}`, content);
  await write("a.txt", "hello\n");
  await write("empty.txt", "");
  await write("big.bin", patternBytes(BIG_FILE_SIZE));
  for (const [i, name] of ODD_FILE_NAMES.entries()) await write(name, `odd file ${i}: ${name}\n`);
  await Deno.mkdir(`${root}/sub/deeper/deepest`, { recursive: true });
  await write("sub/x.txt", "sub x\n");
  await write("sub/deeper/y.txt", "deeper y\n");
  await write("sub/deeper/deepest/z.json", '{"z": 1}\n');
  await Deno.mkdir(`${root}/sp ace dir`);
  await write("sp ace dir/in side.txt", "inside\n");
  await Deno.mkdir(`${root}/b&<i>.dir`);
  await write("b&<i>.dir/k.txt", "k\n");
  await Deno.mkdir(`${root}/café.dir`);
  await write("café.dir/n.txt", "n\n");
  await Deno.mkdir(`${root}/.dotdir`);
  await write(".dotdir/inner.txt", "inner\n");
  await Deno.mkdir(`${root}/withindex`);
  await write("withindex/index.html", "<p>index page</p>\n");
  await write("withindex/other.txt", "other\n");
  await Deno.mkdir(`${root}/withindexhtm`);
  await write("withindexhtm/index.htm", "<p>htm index</p>\n");
  await Deno.mkdir(`${root}/spam/index.html`, { recursive: true });
  await write("spam/eggs.txt", "eggs\n");
  await Deno.mkdir(`${root}/mime`);
  for (const [i, ext] of MIME_EXTENSIONS.entries()) await write(`mime/f${ext}`, `mime ${i}\n`);
  await write("mime/noext", "no extension\n");
  await write("mime/archive.TAR.GZ", "upper tar gz\n");
  await Deno.symlink("a.txt", `${root}/link.txt`);
  await Deno.symlink("sub", `${root}/linkdir`);
  await Deno.symlink("nowhere", `${root}/broken`);
  await Deno.symlink("../secret.txt", `${root}/outside-link.txt`);
  const now = Date.now() / 1000;
  // A fixed, whole-second mtime on everything regular, so both servers report the same dates.
  const stamp = Math.floor(now) - 3600;
  for await (const entry of walkFiles(root)) {
    await Deno.utime(entry, stamp, stamp);
  }
  return { base, root };
}

/** Regular files (not through symlinks) under `dir`, depth first, bounded. */
export async function* walkFiles(dir: string, depth = 0): AsyncGenerator<string> {
  if (depth > 8) return;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walkFiles(path, depth + 1);
    else if (entry.isFile) yield path;
  }
}

/** Our handler with logging silenced. */
export class QuietSimpleHandler extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}

/** The same in HTTP/1.1 mode (keep-alive), as `-p HTTP/1.1`. */
export class QuietSimpleHandler11 extends QuietSimpleHandler {
  override protocol_version = "HTTP/1.1";
}

/** A server that records handler errors instead of printing tracebacks. */
export class RecordingServer extends ThreadingHTTPServer {
  /** Errors that dropped a connection (Python would print a traceback for each). */
  errors: unknown[] = [];
  override handle_error(
    _request: AcceptedConnection,
    _client_address: ClientAddress,
    error?: unknown,
  ): void {
    this.errors.push(error);
  }
}

/** Starts our file server on a free port, serving `directory`. */
export function startOurs(
  directory: string,
  Handler: RequestHandlerClass = QuietSimpleHandler as unknown as RequestHandlerClass,
): RunningServer<RecordingServer> {
  const running = startServer(Handler, RecordingServer);
  running.server.directory = directory;
  return running;
}

/** A child process serving on a port. */
export interface ChildProcessServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `python3.13 -m http.server -b 127.0.0.1 <port> -d <directory>` (with `-p` when
 * given), or returns null when CPython 3.13 is not installed.
 */
export async function startPython(
  directory: string,
  protocol?: string,
): Promise<ChildProcessServer | null> {
  const python = findPython313();
  if (python === null) return null;
  const port = freePort();
  const args = ["-m", "http.server", "-b", "127.0.0.1", String(port), "-d", directory];
  if (protocol !== undefined) args.push("-p", protocol);
  const child = new Deno.Command(python, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
  };
  try {
    await waitForPort(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(value: string): Uint8Array {
  return encoder.encode(value);
}

/**
 * File and directory names that try to inject markup into a listing (`dir<b>` is made a
 * directory): every listing page must show them as text and link to them by their quoted name.
 */
export const LISTING_INJECTION_NAMES = [
  "<script>alert(1)<script>.txt",
  '"onmouseover="alert(1).txt',
  "'onmouseover='alert(1)'.txt",
  "a&b.txt",
  "&lt;b&gt;.txt",
  'x"><img src=x onerror=alert(1)>.txt',
  "<a href=x><li><script>alert(2)",
  "javascript:alert(3)",
  "%3Cscript%3E.txt",
  "a b\tc.txt",
  "<!--.txt",
  "]]>.txt",
  "<style>*{display:none}<style>",
  "dir<b>",
];
