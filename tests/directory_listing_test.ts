// Differential tests: handlers/files/directory_listing.ts against CPython 3.13.0's
// SimpleHTTPRequestHandler.list_directory on real directories, in one Python subprocess.

import { assertEquals } from "../deps.ts";
import { renderDirectoryListing } from "../handlers/files/directory_listing.ts";
import type { DirectoryEntry } from "../handlers/files/directory_listing.ts";
import { displayPath } from "../handlers/files/url_path.ts";
import { pick, runPython, seededRandom } from "./_python.ts";

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** The entries of `directory` in the given order, typed the way `list_directory` tests them. */
function readEntries(directory: string, names: readonly string[]): DirectoryEntry[] {
  return names.map((name) => {
    const full = `${directory}/${name}`;
    let isDirectory = false;
    try {
      isDirectory = Deno.statSync(full).isDirectory;
    } catch {
      // Broken or looping symlink: os.path.isdir() is False.
    }
    return { name, isDirectory, isSymlink: Deno.lstatSync(full).isSymlink };
  });
}

type Kind = "file" | "dir" | { link: string };

/** Hand-picked names: HTML and URL specials, case-folding and code-point-order traps, links. */
const ODD_NAMES: Array<[string, Kind]> = [
  ["a b.txt", "file"],
  ["b&<i>.txt", "file"],
  ['"dq"', "file"],
  ["'sq'", "file"],
  ["%41", "file"],
  ["q?", "file"],
  ["f#", "file"],
  ["café", "file"],
  ["CAFÉ2", "file"],
  ["中文", "file"],
  ["emoji😀", "file"],
  ["A", "file"],
  ["a", "file"],
  ["B", "dir"],
  ["b", "file"],
  ["İx", "file"],
  ["ix", "file"],
  ["i\u0307x", "file"],
  ["ß", "file"],
  ["ẞ", "file"],
  ["ss", "file"],
  ["Σa", "file"],
  ["σa", "file"],
  ["ςa", "file"],
  ["ΑΣ", "file"],
  ["\u212a", "file"],
  ["k", "file"],
  ["\u{10d50}g", "file"],
  ["\u{10d70}g", "file"],
  ["\u1c89c", "file"],
  ["\ua7cb", "file"],
  ["\uffe0x", "file"],
  ["😀x", "file"],
  ["x\ttab", "file"],
  ["new\nline", "file"],
  ["back\\slash", "file"],
  ["semi;colon", "file"],
  ["plus+", "file"],
  ["~tilde", "file"],
  ["-dash", "file"],
  [".hidden", "file"],
  ["dir", "dir"],
  ["dir.d", "dir"],
  ["Dir2", "dir"],
  ["link", { link: "a b.txt" }],
  ["dlink", { link: "dir" }],
  ["broken", { link: "nonexistent" }],
  ["loop", { link: "loop" }],
  ["ab", { link: "/" }],
];

const RANDOM_NAME_CHARS = [
  ..."abcXYZ019 _-.~!$&'()*+,;=:@%?#[]{}<>\"\\^`|\t",
  ..."éÉßẞİıΣσςАяж中文😀🀄\uffe0\u0301\u0307\u212a\u00a0\u3000\u{10d50}\u{10d70}\ua7cb",
];

function randomNames(random: () => number, count: number): Array<[string, Kind]> {
  const names = new Map<string, Kind>();
  while (names.size < count) {
    const length = 1 + Math.floor(random() * 12);
    const name = Array.from({ length }, () => pick(random, RANDOM_NAME_CHARS)).join("");
    if (name === "." || name === ".." || names.has(name)) continue;
    const roll = random();
    const kind: Kind = roll < 0.7
      ? "file"
      : roll < 0.9
      ? "dir"
      : { link: random() < 0.5 ? pick(random, [...names.keys(), "missing"]) : "missing" };
    names.set(name, kind);
  }
  return [...names];
}

async function populate(directory: string, names: Array<[string, Kind]>): Promise<void> {
  await Deno.mkdir(directory);
  for (const [name, kind] of names) {
    const full = `${directory}/${name}`;
    if (kind === "file") await Deno.writeTextFile(full, name);
    else if (kind === "dir") await Deno.mkdir(full);
    else await Deno.symlink(kind.link, full);
  }
}

const REQUEST_PATHS = [
  "/",
  "/odd/",
  "/x%20y/?q=1#f",
  "/?x=<b>&y",
  "/%ff/",
  "/caf%C3%A9/",
  "/%ED%B2%80/",
  "/%ED%B3%BF%ED%B2%80/",
  "/a&b<c>\"'/",
  "/%ED%A0%80/",
  "/%ED%BF%BF/",
];

Deno.test("renderDirectoryListing() is byte-identical to CPython 3.13.0's list_directory", async () => {
  const random = seededRandom(0x6c697374);
  const root = await Deno.makeTempDir();
  try {
    const listings: Array<[string, string[]]> = [
      [`${root}/odd`, REQUEST_PATHS],
      [`${root}/random`, ["/random/"]],
      [`${root}/empty`, ["/empty/"]],
    ];
    await populate(`${root}/odd`, ODD_NAMES);
    await populate(`${root}/random`, randomNames(random, 400));
    await populate(`${root}/empty`, []);
    const expected = await runPython<Array<{ order: string[]; pages: Array<string | null> }>>(
      `
import base64, os
from http.server import SimpleHTTPRequestHandler
handler = object.__new__(SimpleHTTPRequestHandler)
handler.send_response = lambda *args: None
handler.send_header = lambda *args: None
handler.end_headers = lambda: None
out = []
for directory, paths in json.loads(sys.stdin.buffer.read()):
    handler.directory = directory
    pages = []
    for path in paths:
        handler.path = path
        try:
            pages.append(base64.b64encode(handler.list_directory(directory).read()).decode())
        except UnicodeEncodeError:
            pages.append(None)
    out.append({'order': os.listdir(directory), 'pages': pages})
print(json.dumps(out))
`,
      listings,
    );
    let compared = 0;
    let refused = 0;
    for (const [i, [directory, paths]] of listings.entries()) {
      const { order, pages } = expected[i];
      const denoOrder = [...Deno.readDirSync(directory)].map((entry) => entry.name);
      assertEquals(denoOrder, order, `Deno.readDir and os.listdir order for ${directory}`);
      const entries = readEntries(directory, order);
      for (const [k, path] of paths.entries()) {
        const want = pages[k];
        if (want === null) {
          let threw = false;
          try {
            renderDirectoryListing(displayPath(path), entries);
          } catch (error) {
            threw = error instanceof TypeError;
          }
          assertEquals(threw, true, `${path} should fail to encode, as in CPython`);
          refused++;
          continue;
        }
        const ours = renderDirectoryListing(displayPath(path), entries);
        const theirs = decodeBase64(want);
        if (ours.length !== theirs.length || !ours.every((b, j) => b === theirs[j])) {
          // Show the difference as text: easier to read than bytes.
          assertEquals(
            new TextDecoder().decode(ours),
            new TextDecoder().decode(theirs),
            `listing of ${directory} for ${path}`,
          );
          assertEquals(ours, theirs, `listing bytes of ${directory} for ${path}`);
        }
        compared++;
      }
    }
    // All of REQUEST_PATHS but the two CPython cannot encode, plus "random/" and "empty/".
    assertEquals([compared, refused], [REQUEST_PATHS.length - 2 + 2, 2]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("renderDirectoryListing() matches the 3.13 page shape", () => {
  const page = new TextDecoder().decode(renderDirectoryListing("/?x=1", [
    { name: "sub", isDirectory: true, isSymlink: false },
    { name: "a.txt", isDirectory: false, isSymlink: false },
  ]));
  assertEquals(
    page,
    [
      "<!DOCTYPE HTML>",
      '<html lang="en">',
      "<head>",
      '<meta charset="utf-8">',
      "<title>Directory listing for /?x=1</title>",
      "</head>",
      "<body>",
      "<h1>Directory listing for /?x=1</h1>",
      "<hr>",
      "<ul>",
      '<li><a href="a.txt">a.txt</a></li>',
      '<li><a href="sub/">sub/</a></li>',
      "</ul>",
      "<hr>",
      "</body>",
      "</html>",
      "",
    ].join("\n"),
  );
});
