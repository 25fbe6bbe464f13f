// Differential tests of SimpleHTTPRequestHandler against CPython 3.13.0's
// `python -m http.server`: both serve the same fixture tree (odd names, symlinks, dotfiles,
// nested and index directories, dozens of MIME types, a 5 MiB file), every raw request goes
// to both over loopback, and the whole responses, read until the server closes, must be
// identical once the Date and Server values are masked.
import { assert, assertEquals } from "../deps.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import { quote } from "../protocol/url.ts";
import { findPython313, fromLatin1, latin1, maskVolatileHeaders, readAll } from "./_helpers.ts";
import {
  buildFixtureTree,
  MIME_EXTENSIONS,
  ODD_FILE_NAMES,
  QuietSimpleHandler11,
  startOurs,
  startPython,
} from "./_file_tree.ts";

/** One raw exchange. */
interface Case {
  name: string;
  /** Latin-1 text of the request bytes. */
  request: string;
  /** Half-close after sending (HTTP/0.9 and pipelining need it with CPython 3.13.0). */
  halfClose?: boolean;
}

/** Milliseconds a server may take to answer and close. */
const EXCHANGE_TIMEOUT_MS = 8_000;

async function exchange(port: number, c: Case): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = latin1(c.request);
    let offset = 0;
    while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    if (c.halfClose) await conn.closeWrite();
    return fromLatin1(await readAll(conn, EXCHANGE_TIMEOUT_MS));
  } finally {
    conn.close();
  }
}

/** UTF-8 bytes of `text`, as a latin-1 string (raw non-ASCII bytes in a request line). */
function rawUtf8(text: string): string {
  return fromLatin1(new TextEncoder().encode(text));
}

function get(target: string, extra = "", method = "GET"): Case {
  return {
    name: `${method} ${target}${extra ? " +" + extra.trim() : ""}`,
    request: `${method} ${target} HTTP/1.0\r\n${extra}\r\n`,
  };
}

function buildCases(lastModified: string): Case[] {
  const hourLater = new Date(Date.parse(lastModified) + 3600_000).toUTCString();
  const yearEarlier = new Date(Date.parse(lastModified) - 365 * 86400_000).toUTCString();
  const zoneless = lastModified.replace(/ GMT$/, "");
  const cases: Case[] = [
    // Files.
    get("/a.txt"),
    get("/a.txt", "", "HEAD"),
    get("/empty.txt"),
    get("/big.bin"),
    get("/big.bin", "", "HEAD"),
    get("/link.txt"),
    get("/outside-link.txt"),
    get("/broken"),
    get("/sub/x.txt"),
    get("/sub/deeper/deepest/z.json"),
    get("/linkdir/x.txt"),
    get("/.dotdir/inner.txt"),
    get("/withindex/index.html"),
    get("/spam/eggs.txt"),
    get("/nope"),
    get("/nope", "", "HEAD"),
    get("/nope/"),
    // Directories, with and without the slash, queries and fragments.
    get("/"),
    get("/", "", "HEAD"),
    get("/sub"),
    get("/sub", "", "HEAD"),
    get("/sub/"),
    get("/sub/deeper"),
    get("/sub/deeper/"),
    get("/sub/deeper/deepest/"),
    get("/linkdir"),
    get("/linkdir/"),
    get("/withindex"),
    get("/withindex/"),
    get("/withindex/", "", "HEAD"),
    get("/withindexhtm/"),
    get("/spam/"),
    get("/spam/index.html"),
    get("/spam/index.html/"),
    get("/mime/"),
    get("/.dotdir/"),
    get("/sp%20ace%20dir/"),
    get("/sp%20ace%20dir"),
    get("/sp%20ace%20dir/in%20side.txt"),
    get("/b%26%3Ci%3E.dir/"),
    get("/b&<i>.dir/"),
    get("/b&<i>.dir"),
    get("/caf%C3%A9.dir/"),
    get("/caf%c3%a9.dir"),
    get(rawUtf8("/café.dir/")),
    get("/sub?x=1#frag"),
    get("/sub#frag"),
    get("/sub/?x=1"),
    get("/sub/?x=%bb"),
    get("/?x=123"),
    get("/?x=<b>&y='\""),
    get("/#123"),
    get("/sub/#frag"),
    get("/%ff.dir/"),
    // %2f, dot segments and leading slashes (CPython 3.13.0 rules).
    get("/sub%2f"),
    get("/sub%2F"),
    get("/sub%2f?x=1"),
    get("/a.txt%2f"),
    get("/a.txt/"),
    get("//sub"),
    get("///sub"),
    get("//sub/"),
    get("/sub//"),
    get("/./sub/"),
    get("/sub/./x.txt"),
    get("/sub/../a.txt"),
    get("/sub/..%2f..%2fa.txt"),
    get("/%2e%2e/secret.txt"),
    get("/../secret.txt"),
    get("/../../../etc/passwd"),
    get("/sub/%2e%2e/%2e%2e/%2e%2e/secret.txt"),
    get("/..\\secret.txt"),
    get("/%5c..%5csecret.txt"),
    get("/\\sub"),
    get("/python.org/..%2f..%2f..%2f..%2f..%2f../%0a%0d/../sub"),
    get("//python.org/..%2f..%2f..%2f..%2f..%2f../%0a%0d/../sub"),
    get("///python.org/..%2f..%2f..%2f..%2f..%2f../%0a%0d/../sub"),
    get("https://pypi.org/python.org/..%2f..%2f..%2f..%2f..%2f../%0a%0d/../sub"),
    get("http://example.com/sub"),
    get("http://example.com/a.txt"),
    get("sub"),
    get("sub/"),
    get("a.txt"),
    get("sub?hi=1"),
    get("/sub/x.txt?q=1#f"),
    get("/a.txt#frag"),
    get("/%61.txt"),
    get("/%zz.txt"),
    get("/%"),
    // Paths Python's os functions refuse (ValueError: connection dropped unanswered) and
    // surrogate-escaped raw bytes (no such file here).
    get("/a.txt%00"),
    get("/sub%00/"),
    get("/%00"),
    get("/%ED%A0%80.bin"),
    get("/%ED%B2%80.bin"),
    get("/%ED%A0%80.dir/"),
    get("/%ED%B2%80.dir/"),
    get("/%EF%BF%BD.bin"),
    get("/%ff.bin"),
    // urlsplit raises ValueError for the redirect of a directory: dropped unanswered.
    get("http://[x/../../sub"),
    get("http://[::1]/../../sub"),
    get("//[x/../sub"),
    // IMS variants.
    get("/a.txt", `If-Modified-Since: ${lastModified}\r\n`),
    get("/a.txt", `If-Modified-Since: ${hourLater}\r\n`),
    get("/a.txt", `If-Modified-Since: ${yearEarlier}\r\n`),
    get("/a.txt", `If-Modified-Since: ${lastModified}\r\nIf-None-Match: *\r\n`),
    get("/a.txt", `If-Modified-Since: ${zoneless}\r\n`),
    get("/a.txt", `If-Modified-Since: ${lastModified.replace("GMT", "+0100")}\r\n`),
    get("/a.txt", `If-Modified-Since: ${lastModified.replace("GMT", "-0000")}\r\n`),
    get("/a.txt", "If-Modified-Since: garbage\r\n"),
    get("/a.txt", `If-Modified-Since: ${lastModified}\r\n`, "HEAD"),
    get("/withindex/", `If-Modified-Since: ${hourLater}\r\n`),
    get("/sub/", `If-Modified-Since: ${hourLater}\r\n`),
    // Methods.
    get("/", "", "POST"),
    get("/a.txt", "Content-Length: 0\r\n", "PUT"),
    get("/a.txt", "", "DELETE"),
    get("/", "", "OPTIONS"),
    get("/", "", "get"),
    get("/", "", "FOO"),
    get("/", "", "custom"),
    get("/", "", "GETs"),
    // HTTP/1.1 requests to the HTTP/1.0 server, HTTP/0.9 with a half-close.
    { name: "GET HTTP/1.1 with Host", request: "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" },
    {
      name: "GET HTTP/1.0 keep-alive",
      request: "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    },
    {
      name: "HTTP/1.1 Expect 100-continue",
      request: "GET /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
    },
    { name: "0.9 file", request: "GET /a.txt\r\n", halfClose: true },
    { name: "0.9 listing", request: "GET /sub/\r\n", halfClose: true },
    { name: "0.9 redirect", request: "GET /sub\r\n", halfClose: true },
    { name: "0.9 missing", request: "GET /nope\r\n", halfClose: true },
    { name: "0.9 HEAD", request: "HEAD /a.txt\r\n", halfClose: true },
    { name: "explicit HTTP/0.9 version", request: "GET /a.txt HTTP/0.9\r\n\r\n" },
    { name: "raw non-ASCII target", request: `GET ${rawUtf8("/café.txt")} HTTP/1.0\r\n\r\n` },
    { name: "bare LF", request: "GET /a.txt HTTP/1.0\n\n" },
  ];
  for (const name of ODD_FILE_NAMES) cases.push(get("/" + quote(name)));
  for (const ext of MIME_EXTENSIONS) cases.push(get("/mime/" + quote(`f${ext}`), "", "HEAD"));
  cases.push(get("/mime/noext", "", "HEAD"), get("/mime/archive.TAR.GZ", "", "HEAD"));
  return cases;
}

/** Keep-alive exchanges for `-p HTTP/1.1` servers. */
function keepAliveCases(lastModified: string): Case[] {
  const h = "Host: x\r\n";
  const pair = (name: string, first: string, second: string): Case => ({
    name,
    request: first + second,
    halfClose: true,
  });
  return [
    pair(
      "two pipelined files",
      `GET /a.txt HTTP/1.1\r\n${h}\r\n`,
      `GET /sub/x.txt HTTP/1.1\r\n${h}\r\n`,
    ),
    pair("file then listing", `GET /a.txt HTTP/1.1\r\n${h}\r\n`, `GET /sub/ HTTP/1.1\r\n${h}\r\n`),
    pair("HEAD then GET", `HEAD /big.bin HTTP/1.1\r\n${h}\r\n`, `GET /a.txt HTTP/1.1\r\n${h}\r\n`),
    pair(
      "big file then small",
      `GET /big.bin HTTP/1.1\r\n${h}\r\n`,
      `GET /a.txt HTTP/1.1\r\n${h}\r\n`,
    ),
    pair(
      "304 then 200",
      `GET /a.txt HTTP/1.1\r\n${h}If-Modified-Since: ${lastModified}\r\n\r\n`,
      `GET /a.txt HTTP/1.1\r\n${h}\r\n`,
    ),
    pair("redirect then file", `GET /sub HTTP/1.1\r\n${h}\r\n`, `GET /a.txt HTTP/1.1\r\n${h}\r\n`),
    pair("404 closes", `GET /nope HTTP/1.1\r\n${h}\r\n`, `GET /a.txt HTTP/1.1\r\n${h}\r\n`),
    pair("501 closes", `POST / HTTP/1.1\r\n${h}\r\n`, `GET /a.txt HTTP/1.1\r\n${h}\r\n`),
    pair(
      "Connection: close ends it",
      `GET /a.txt HTTP/1.1\r\n${h}Connection: close\r\n\r\n`,
      `GET /a.txt HTTP/1.1\r\n${h}\r\n`,
    ),
    pair(
      "HTTP/1.0 keep-alive",
      "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "GET /withindex/ HTTP/1.0\r\n\r\n",
    ),
    pair("HTTP/1.0 closes", "GET /a.txt HTTP/1.0\r\n\r\n", `GET /a.txt HTTP/1.1\r\n${h}\r\n`),
    pair(
      "Expect 100-continue",
      `GET /a.txt HTTP/1.1\r\n${h}Expect: 100-continue\r\n\r\n`,
      `GET /sub HTTP/1.1\r\n${h}\r\n`,
    ),
  ];
}

/** Runs every case against both servers and returns the mismatches. */
async function compareAll(
  cases: Case[],
  pythonPort: number,
  ourPort: number,
): Promise<{ name: string; python: string; ours: string }[]> {
  const mismatches: { name: string; python: string; ours: string }[] = [];
  for (const c of cases) {
    const python = maskVolatileHeaders(await exchange(pythonPort, c));
    const ours = maskVolatileHeaders(await exchange(ourPort, c));
    if (python !== ours) mismatches.push({ name: c.name, python, ours });
  }
  return mismatches;
}

function describe(mismatches: { name: string; python: string; ours: string }[]): string {
  const clip = (s: string) => JSON.stringify(s.length > 1500 ? s.slice(0, 1500) + "…" : s);
  return mismatches.map((m) => `--- ${m.name}\npython: ${clip(m.python)}\nours:   ${clip(m.ours)}`)
    .join("\n");
}

const python313Available = findPython313() !== null;

Deno.test({
  name: "the file handler answers 200+ raw requests byte for byte as CPython 3.13.0 (HTTP/1.0)",
  ignore: !python313Available,
  async fn() {
    const { base, root } = await buildFixtureTree();
    const python = await startPython(root);
    const ours = startOurs(root);
    try {
      assert(python !== null);
      const lastModified = new Date(
        Math.floor((await Deno.stat(`${root}/a.txt`)).mtime!.getTime() / 1000) * 1000,
      ).toUTCString();
      const cases = buildCases(lastModified);
      assert(cases.length >= 200, `${cases.length} cases`);
      const mismatches = await compareAll(cases, python.port, ours.port);
      // The four requests Python drops with a ValueError are the only handler errors here.
      assertEquals(ours.server.errors.map((e) => e instanceof TypeError), [
        true,
        true,
        true,
        false,
      ]);
      assertEquals(
        mismatches.length,
        0,
        `${mismatches.length}/${cases.length} differ:\n${describe(mismatches)}`,
      );
    } finally {
      await python?.stop();
      await ours.stop();
      await Deno.remove(base, { recursive: true });
    }
  },
});

Deno.test({
  name: "with HTTP/1.1 handlers, pipelined keep-alive exchanges match CPython 3.13.0 byte for byte",
  ignore: !python313Available,
  async fn() {
    const { base, root } = await buildFixtureTree();
    const python = await startPython(root, "HTTP/1.1");
    const ours = startOurs(root, QuietSimpleHandler11 as unknown as RequestHandlerClass);
    try {
      assert(python !== null);
      const lastModified = new Date(
        Math.floor((await Deno.stat(`${root}/a.txt`)).mtime!.getTime() / 1000) * 1000,
      ).toUTCString();
      const cases = keepAliveCases(lastModified);
      const mismatches = await compareAll(cases, python.port, ours.port);
      assertEquals(
        mismatches.length,
        0,
        `${mismatches.length}/${cases.length} differ:\n${describe(mismatches)}`,
      );
    } finally {
      await python?.stop();
      await ours.stop();
      await Deno.remove(base, { recursive: true });
    }
  },
});
