// Differential tests: mime_types.ts against CPython 3.13.0's `mimetypes` and
// `SimpleHTTPRequestHandler.guess_type`, run in one Python subprocess per test.

import { assertEquals } from "../deps.ts";
import {
  DEFAULT_EXTENSIONS_MAP,
  guessFileType,
  guessType,
  KNOWN_FILES,
  MimeTypes,
  splitext,
  TYPES_MAP_DEFAULT,
} from "../mime_types.ts";
import { pick, runPython, seededRandom } from "./_python.ts";

function randomCase(random: () => number, text: string): string {
  const roll = random();
  if (roll < 0.5) return text;
  if (roll < 0.7) return text.toUpperCase();
  return [...text].map((c) => random() < 0.5 ? c.toUpperCase() : c).join("");
}

/** Every extension CPython could know here: built-in ones and those of the system files. */
function knownExtensions(): string[] {
  const extensions = new Set(Object.keys(TYPES_MAP_DEFAULT));
  for (const file of KNOWN_FILES) {
    let text = "";
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const words = line.split(/\s+/).filter((w) => w !== "");
      if (words.length === 0 || words[0].startsWith("#")) continue;
      for (const word of words.slice(1)) {
        if (word.startsWith("#")) break;
        extensions.add("." + word);
      }
    }
  }
  return [...extensions];
}

const HAND_PICKED_PATHS = [
  "",
  ".",
  "..",
  "/",
  "a",
  "a.",
  ".a",
  "..a",
  "...",
  "a..b",
  ".bashrc",
  "/srv/.bashrc",
  "/srv/..gz",
  "/srv/.tar.gz",
  "/a.d/file",
  "/a.d/file.txt",
  "x.tar.gz",
  "x.TAR.GZ",
  "x.tar.Gz",
  "x.tgz",
  "x.TGZ",
  "x.taz",
  "x.tz",
  "x.tbz2",
  "x.txz",
  "x.svgz",
  "x.SVGZ",
  "x.svg.gz",
  "x.svg.GZ",
  "x.gz",
  "x.Z",
  "x.z",
  "x.tar.Z",
  "x.tar.z",
  "x.bz2",
  "x.BZ2",
  "x.xz",
  "x.br",
  "x.tar.br",
  "x.js.br",
  "x.gz.gz",
  "x.tar.gz.Z",
  "x.html",
  "x.HTML",
  "x.Html",
  "x.htm",
  "x.js",
  "x.mjs",
  "x.json",
  "x.css",
  "x.svg",
  "x.png",
  "x.wasm",
  "x.txt",
  "x.xml",
  "x.pdf",
  "x.ico",
  "x.md",
  "x.py",
  "x.c",
  "x.h",
  "x.jpg",
  "x.JPG",
  "x.mp4",
  "x.webp",
  "x.avif",
  "x.unknownext",
  "x.constructor",
  "x.__proto__",
  "x.toString",
  "x.hasOwnProperty",
  "dir.html/",
  "dir.html/x",
  "a b.txt",
  "café.txt",
  "x.tXt",
  "x.\u212a", // KELVIN SIGN lower-cases to "k".
  "x.\u0130",
  "x.html\u0000",
  "x.ht\u00adml",
  "x.\u{10d50}",
];

Deno.test("guessFileType(), guessType() and splitext() agree with CPython 3.13.0", async () => {
  const random = seededRandom(0x6d696d65);
  const extensions = knownExtensions();
  const prefixes = ["", "/", "/srv/", "/srv/a.b/", "rel/", ".hidden/", "/x/.", "./", "dir.tar/"];
  const stems = ["x", "index", "a.b", ".", "..", ".x", "", "tar", "file.name", "é"];
  const paths = [...HAND_PICKED_PATHS];
  for (const ext of extensions) paths.push("f" + ext, "f" + ext.toUpperCase());
  const compound = [".gz", ".Z", ".z", ".bz2", ".xz", ".br", ".tgz", ".svgz", ".tar", ".GZ"];
  for (let i = 0; i < 600; i++) {
    let path = pick(random, prefixes) + pick(random, stems);
    const count = Math.floor(random() * 3) + (random() < 0.9 ? 1 : 0);
    for (let k = 0; k < count; k++) {
      const ext = random() < 0.6 ? pick(random, extensions) : pick(random, compound);
      path += randomCase(random, ext);
    }
    paths.push(path);
  }
  const expected = await runPython<Array<[string | null, string, [string, string]]>>(
    `
import mimetypes, posixpath
from http.server import SimpleHTTPRequestHandler
handler = object.__new__(SimpleHTTPRequestHandler)
paths = json.loads(sys.stdin.buffer.read())
print(json.dumps([[mimetypes.guess_file_type(p)[0], handler.guess_type(p), posixpath.splitext(p)]
                  for p in paths]))
`,
    paths,
  );
  const actual = paths.map((p) => [guessFileType(p), guessType(p), splitext(p)]);
  for (let i = 0; i < paths.length; i++) {
    assertEquals(actual[i], expected[i], `path ${JSON.stringify(paths[i])}`);
  }
  assertEquals(paths.length > 1000, true);
});

Deno.test("guessType() consults a custom extensions map exactly, then lower-cased", async () => {
  const map = { ".Md": "text/x-exact", ".md": "text/x-lower", ".": "x/dot", "": "x/empty" };
  const paths = ["a.Md", "a.MD", "a.md", "a.mD", "a.", "a", ".md", "a.txt", "a.gz"];
  const expected = await runPython<string[]>(
    `
from http.server import SimpleHTTPRequestHandler
handler = object.__new__(SimpleHTTPRequestHandler)
map_, paths = json.loads(sys.stdin.buffer.read())
handler.extensions_map = map_
print(json.dumps([handler.guess_type(p) for p in paths]))
`,
    [map, paths],
  );
  assertEquals(paths.map((p) => guessType(p, map)), expected);
  assertEquals(guessType("a.gz"), DEFAULT_EXTENSIONS_MAP[".gz"]);
});

Deno.test("MimeTypes.readFile() parses mime.types files like MimeTypes.read()", async () => {
  const texts = [
    "text/x-a a1 a2\ntext/x-b b1 # b2\n# text/x-c c1\n",
    "text/x-a a1\r\ntext/x-b a1\rtext/x-c c1 #c2\n",
    "text/x-a\ta1\u00a0a2\u3000a3\u2028a4\u0085a5\u001ca6\n",
    "\ufefftext/x-bom bom1\n",
    "text/x-hash a#b #c d\n",
    "text/html htm\ntext/x-over html\n",
    "text/x-upper UPPER Mixed lower\n",
    "   \n\n#only comments\n  text/x-indent ind\n",
    "text/x-noext\n",
    "a/b x.y\n", // An extension with a dot: ".x.y" is never a suffix.
    "a/b gz\n", // Encodings are stripped first, so ".gz" itself is never looked up.
    "a/b tar\n",
    "a/b svg\na/c svg\n",
  ];
  const probes = [
    "f.a1",
    "f.a2",
    "f.a3",
    "f.a4",
    "f.a5",
    "f.a6",
    "f.b1",
    "f.b2",
    "f.c1",
    "f.c2",
    "f.bom1",
    "f.a#b",
    "f.c",
    "f.d",
    "f.htm",
    "f.html",
    "f.upper",
    "f.UPPER",
    "f.mixed",
    "f.Mixed",
    "f.lower",
    "f.ind",
    "f.y",
    "f.x.y",
    "f.gz",
    "f.tar.gz",
    "f.tgz",
    "f.svgz",
    "f.svg",
    "f.noext",
  ];
  const dir = await Deno.makeTempDir();
  try {
    const files = [];
    for (const [i, text] of texts.entries()) {
      const file = `${dir}/mime${i}.types`;
      await Deno.writeTextFile(file, text);
      files.push(file);
    }
    const expected = await runPython<Array<Array<string | null>>>(
      `
import mimetypes
files, probes = json.loads(sys.stdin.buffer.read())
out = []
for f in files:
    db = mimetypes.MimeTypes()
    db.read(f)
    out.append([db.guess_file_type(p)[0] for p in probes])
print(json.dumps(out))
`,
      [files, probes],
    );
    for (const [i, file] of files.entries()) {
      const db = new MimeTypes();
      assertEquals(db.readFile(file), true);
      assertEquals(probes.map((p) => db.guessFileType(p)), expected[i], `file ${i}`);
    }
    assertEquals(new MimeTypes().readFile(dir), false);
    assertEquals(new MimeTypes().readFile(`${dir}/missing`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("guessFileType() works without read permission, using the built-in table", async () => {
  const module = new URL("../mime_types.ts", import.meta.url).href;
  const code = `import { guessFileType } from "${module}";
console.log(JSON.stringify([guessFileType("a.html"), guessFileType("a.tar.gz"), guessFileType("a")]));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(out.stderr), "");
  assertEquals(
    new TextDecoder().decode(out.stdout).trim(),
    '["text/html","application/x-tar",null]',
  );
});
