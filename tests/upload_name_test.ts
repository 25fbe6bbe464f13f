// protocol/upload_name.ts: which names an upload may create, what a form's file name becomes,
// the numbered names tried on a collision, and --max-upload-size values.
import { assertEquals } from "../deps.ts";
import {
  formFileName,
  MAX_UPLOAD_NAME_BYTES,
  numberedName,
  parseByteSize,
  uploadNameProblem,
} from "../protocol/upload_name.ts";

Deno.test("uploadNameProblem() refuses every name that is not one safe segment", () => {
  const refused: Array<[string, string]> = [
    ["", "is empty"],
    [".", "names a parent directory"],
    ["..", "names a parent directory"],
    ["a/b", "holds a slash or backslash"],
    ["a\\b", "holds a slash or backslash"],
    ["/", "holds a slash or backslash"],
    ["..\\..\\x", "holds a slash or backslash"],
    ["a\0b", "holds a control character"],
    ["a\nb", "holds a control character"],
    ["a\rb", "holds a control character"],
    ["\x1b[31m", "holds a control character"],
    ["del\x7f", "holds a control character"],
    ["lone\ud800", "is not valid UTF-8"],
    ["\udc80x", "is not valid UTF-8"],
    ["x".repeat(MAX_UPLOAD_NAME_BYTES + 1), "is too long"],
    ["é".repeat(MAX_UPLOAD_NAME_BYTES / 2 + 1), "is too long"], // 2 bytes each in UTF-8
  ];
  for (const [name, reason] of refused) {
    assertEquals(uploadNameProblem(name), reason, JSON.stringify(name));
  }
  for (
    const name of [
      "a",
      "report.pdf",
      "...",
      "..a",
      "a..",
      " spaced name ",
      "naïve 😀.txt",
      "x".repeat(MAX_UPLOAD_NAME_BYTES),
      ".env",
    ]
  ) {
    assertEquals(uploadNameProblem(name), null, JSON.stringify(name));
  }
});

Deno.test("uploadNameProblem() refuses dotfiles only when asked", () => {
  assertEquals(uploadNameProblem(".env", false), "starts with a dot");
  assertEquals(uploadNameProblem(".git", false), "starts with a dot");
  assertEquals(uploadNameProblem("a.env", false), null);
  assertEquals(uploadNameProblem(".env", true), null);
});

Deno.test("formFileName() keeps the last segment of a browser's path, if it is safe", () => {
  const cases: Array<[string, string | null]> = [
    ["photo.jpg", "photo.jpg"],
    ["C:\\Users\\me\\photo.jpg", "photo.jpg"],
    ["/home/me/notes.txt", "notes.txt"],
    ["../../etc/passwd", "passwd"],
    ["a/b\\c", "c"],
    ["dir/..", null],
    ["dir/", null],
    ["", null],
    ["x\0y", null],
  ];
  for (const [filename, want] of cases) {
    assertEquals(formFileName(filename), want, JSON.stringify(filename));
  }
  assertEquals(formFileName("up/.htaccess", false), null);
  assertEquals(formFileName("up/.htaccess", true), ".htaccess");
});

Deno.test("numberedName() puts the number before the last extension", () => {
  const cases: Array<[string, number, string]> = [
    ["photo.jpg", 0, "photo.jpg"],
    ["photo.jpg", 1, "photo (1).jpg"],
    ["photo.jpg", 12, "photo (12).jpg"],
    ["archive.tar.gz", 2, "archive.tar (2).gz"],
    [".bashrc", 1, ".bashrc (1)"],
    ["README", 3, "README (3)"],
    ["trailing.", 1, "trailing (1)."],
  ];
  for (const [name, n, want] of cases) assertEquals(numberedName(name, n), want, `${name} ${n}`);
});

Deno.test("parseByteSize() reads digits with a binary suffix and nothing else", () => {
  const cases: Array<[string, number | null]> = [
    ["0", 0],
    ["1", 1],
    ["1024", 1024],
    ["1k", 1024],
    ["1K", 1024],
    ["1KB", 1024],
    ["1KiB", 1024],
    ["512m", 512 * 1024 ** 2],
    ["1G", 1024 ** 3],
    ["2t", 2 * 1024 ** 4],
    [" 7 M ", 7 * 1024 ** 2],
    ["1.5G", null],
    ["-1", null],
    ["1X", null],
    ["K", null],
    ["", null],
    ["1 G B", null],
    ["0x10", null],
    ["99999999999999999999", null],
    ["9".repeat(10) + "T", null],
  ];
  for (const [text, want] of cases) assertEquals(parseByteSize(text), want, JSON.stringify(text));
});
