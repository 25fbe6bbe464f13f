// Uploads and Basic auth against the real CLI over loopback, with real clients: curl -T and
// -F, Python's urllib, raw sockets for cut-off bodies, and fetch for the status matrix. Every
// test also checks that no temporary `.upload-*.part` file is left in the served tree.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import { Child, CLI_PATH, seededBytes, sleep } from "./_cli_process.ts";
import { findPython313 } from "./_helpers.ts";

/** Seeded bytes typed for fetch and Blob. */
function bytes(length: number, seed?: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(seededBytes(length, seed));
}

const UPLOAD_PERMISSIONS = ["--allow-net", "--allow-read", "--allow-write"];
const TEMP_NAME = /^\.upload-.*\.part$/;

/** Starts the CLI serving `root` on a free loopback port with `args`; returns its base URL. */
async function serve(root: string, args: string[]): Promise<{ child: Child; base: string }> {
  const child = Child.spawn(Deno.execPath(), [
    "run",
    ...UPLOAD_PERMISSIONS,
    CLI_PATH,
    "-b",
    "127.0.0.1",
    "-d",
    root,
    ...args,
    "0",
  ]);
  const { port } = await child.banner();
  return { child, base: `http://127.0.0.1:${port}` };
}

/** Every file under `root`, relative, sorted. */
function tree(root: string, prefix = ""): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(`${root}/${prefix}`)) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) names.push(...tree(root, rel));
    else names.push(rel);
  }
  return names.sort();
}

function assertNoTemp(root: string): void {
  const temps = tree(root).filter((name) => TEMP_NAME.test(name.split("/").pop() as string));
  assertEquals(temps, [], "temporary upload files left behind");
}

/** Runs a command to its end; returns its exit code and stdout. */
async function run(command: string, args: string[], stdin?: Uint8Array) {
  const child = new Deno.Command(command, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function put(url: string, body: BodyInit, headers: HeadersInit = {}) {
  const response = await fetch(url, { method: "PUT", body, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

async function withServer(
  args: string[],
  fn: (root: string, base: string, child: Child) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "httpserver-upload-" });
  const { child, base } = await serve(root, args);
  try {
    await fn(root, base, child);
  } finally {
    await child.stop();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("upload: without --upload, PUT and POST stay CPython's 501", async () => {
  await withServer([], async (root, base) => {
    const response = await put(`${base}/x.txt`, "data");
    assertEquals(response.status, 501);
    assertStringIncludes(response.text, "Unsupported method ('PUT')");
    const post = await fetch(`${base}/`, { method: "POST", body: new FormData() });
    assertEquals(post.status, 501);
    await post.body?.cancel();
    const listing = await (await fetch(`${base}/`)).text();
    assert(!listing.includes("<form"), "the listing has no form without --upload");
    assertEquals(tree(root), []);
  });
});

Deno.test("upload: curl -T creates (201), refuses to replace (409), preconditions (412)", async () => {
  await withServer(["--upload"], async (root, base) => {
    const payload = seededBytes(300_000, 7);
    await Deno.writeFile(`${root}/../payload-${root.split("/").pop()}`, payload);
    const source = `${root}/../payload-${root.split("/").pop()}`;
    try {
      const first = await run("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-T",
        source,
        `${base}/a.bin`,
      ]);
      assertEquals(first.stdout, "201");
      assertEquals(await Deno.readFile(`${root}/a.bin`), payload);
      const again = await run("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-T",
        source,
        `${base}/a.bin`,
      ]);
      assertEquals(again.stdout, "409");
      const star = await put(`${base}/a.bin`, "x", { "If-None-Match": "*" });
      assertEquals(star.status, 412);
      const missing = await put(`${base}/b.bin`, "x", { "If-Match": "*" });
      assertEquals(missing.status, 412);
      // Chunked (curl reads stdin without a length).
      const chunked = await run(
        "curl",
        ["-s", "-w", "%{http_code}", "-T", "-", `${base}/c.bin`],
        payload,
      );
      assertEquals(chunked.stdout, "201");
      assertEquals(await Deno.readFile(`${root}/c.bin`), payload);
      assertEquals(tree(root), ["a.bin", "c.bin"]);
      assertNoTemp(root);
    } finally {
      await Deno.remove(source);
    }
  });
});

Deno.test("upload: --overwrite replaces (204) and honours If-Match", async () => {
  await withServer(["--upload", "--overwrite"], async (root, base) => {
    assertEquals((await put(`${base}/f.txt`, "one")).status, 201);
    assertEquals((await put(`${base}/f.txt`, "two")).status, 204);
    assertEquals(await Deno.readTextFile(`${root}/f.txt`), "two");
    const info = await Deno.stat(`${root}/f.txt`);
    const etag = `"${Math.floor(info.mtime!.getTime()).toString(16)}-${info.size.toString(16)}"`;
    assertEquals((await put(`${base}/f.txt`, "three", { "If-Match": '"nope"' })).status, 412);
    assertEquals((await put(`${base}/f.txt`, "three", { "If-Match": etag })).status, 204);
    assertEquals(await Deno.readTextFile(`${root}/f.txt`), "three");
    assertEquals((await put(`${base}/f.txt`, "four", { "If-None-Match": "*" })).status, 412);
    assertEquals(await Deno.readTextFile(`${root}/f.txt`), "three");
    assertNoTemp(root);
  });
});

Deno.test("upload: --mkdir creates directories; without it a missing one is 409", async () => {
  await withServer(["--upload"], async (root, base) => {
    assertEquals((await put(`${base}/new/dir/f.txt`, "x")).status, 409);
    assertEquals(tree(root), []);
  });
  await withServer(["--upload", "--mkdir"], async (root, base) => {
    assertEquals((await put(`${base}/new/dir/f.txt`, "x")).status, 201);
    assertEquals(tree(root), ["new/dir/f.txt"]);
  });
});

Deno.test("upload: curl -F stores several files, collisions renamed name (1).ext", async () => {
  await withServer(["--upload"], async (root, base) => {
    const work = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${work}/a.txt`, "alpha\n");
      await Deno.writeFile(`${work}/b.bin`, seededBytes(200_000, 9));
      await Deno.writeTextFile(`${root}/a.txt`, "already here\n");
      await Deno.mkdir(`${root}/sub`);
      const result = await run("curl", [
        "-s",
        "-F",
        `files=@${work}/a.txt`,
        "-F",
        `files=@${work}/b.bin`,
        "-F",
        `other=@${work}/a.txt`,
        "-F",
        "comment=plain field",
        `${base}/sub/`,
      ]);
      assertEquals(result.stdout, "a.txt\nb.bin\na (1).txt\n");
      const fieldsOnly = await run("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-F",
        "comment=x",
        "-F",
        `files=@${work}/a.txt;filename=..`,
        `${base}/`,
      ]);
      assertEquals(fieldsOnly.stdout, "400");
      const again = await run("curl", ["-s", "-F", `files=@${work}/a.txt`, `${base}/`]);
      assertEquals(again.stdout, "a (1).txt\n");
      assertEquals(tree(root), ["a (1).txt", "a.txt", "sub/a (1).txt", "sub/a.txt", "sub/b.bin"]);
      assertEquals(await Deno.readTextFile(`${root}/a.txt`), "already here\n");
      assertEquals(await Deno.readFile(`${root}/sub/b.bin`), seededBytes(200_000, 9));
      // A browser gets 303 back to the listing, which now has a form.
      const form = new FormData();
      form.append("files", new Blob(["z"]), "z.txt");
      const browser = await fetch(`${base}/`, {
        method: "POST",
        body: form,
        headers: { Accept: "text/html" },
        redirect: "manual",
      });
      assertEquals(browser.status, 303);
      assertEquals(browser.headers.get("Location"), "/");
      await browser.body?.cancel();
      const listing = await (await fetch(`${base}/`)).text();
      assertStringIncludes(listing, '<form method="post" enctype="multipart/form-data"');
      assertNoTemp(root);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  });
});

Deno.test("upload: Python urllib PUT", async () => {
  const python = findPython313() ?? "python3";
  await withServer(["--upload"], async (root, base) => {
    const script = [
      "import sys, urllib.request",
      "req = urllib.request.Request(sys.argv[1], data=b'from urllib\\n' * 1000, method='PUT')",
      "print(urllib.request.urlopen(req).status)",
    ].join("\n");
    const result = await run(python, ["-c", script, `${base}/py.txt`]);
    assertEquals(result.stdout.trim(), "201", result.stderr);
    assertEquals(await Deno.readTextFile(`${root}/py.txt`), "from urllib\n".repeat(1000));
  });
});

Deno.test("upload: limits answer 413 and leave nothing", async () => {
  await withServer(["--upload", "--max-upload-size", "1K"], async (root, base) => {
    assertEquals((await put(`${base}/ok.txt`, "x".repeat(1024))).status, 201);
    // Content-Length over the limit: 413 before the body is read (none is sent).
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(base).port) });
    await conn.write(
      new TextEncoder().encode("PUT /big.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"),
    );
    const reply = new Uint8Array(4096);
    const n = await conn.read(reply);
    conn.close();
    assertMatch(new TextDecoder().decode(reply.subarray(0, n ?? 0)), /^HTTP\/1\.0 413 /);
    // Chunked past the limit: stopped mid-stream.
    const chunked = await run("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-T",
      "-",
      `${base}/big2.txt`,
    ], seededBytes(100_000));
    assertEquals(chunked.stdout, "413");
    assertEquals(tree(root), ["ok.txt"]);
  });
});

Deno.test("upload: half a body then a reset leaves no file and no temporary file", async () => {
  await withServer(["--upload"], async (root, base, child) => {
    const port = Number(new URL(base).port);
    for (const path of ["/cut.bin", "/"]) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const head = path === "/"
        ? "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n" +
          'Content-Length: 1000000\r\n\r\n--b\r\nContent-Disposition: form-data; name="files"; ' +
          'filename="cut.txt"\r\n\r\n'
        : "PUT /cut.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
      await conn.write(new TextEncoder().encode(head));
      await conn.write(seededBytes(300_000, 5));
      await sleep(200);
      conn.close();
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !/upload of \/ not stored/.test(child.stderr)) await sleep(50);
    assertStringIncludes(child.stderr, "upload of /cut.bin not stored");
    assertStringIncludes(child.stderr, "upload of / not stored");
    assertEquals(tree(root), []);
  });
});

Deno.test("upload: a body cut inside a skipped part (no file name) keeps the server up", async () => {
  await withServer(["--upload"], async (root, base, child) => {
    const port = Number(new URL(base).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    // A file part with an empty name is skipped; the body then ends inside it.
    await conn.write(new TextEncoder().encode(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n" +
        'Content-Length: 1000000\r\n\r\n--b\r\nContent-Disposition: form-data; name="files"; ' +
        'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n',
    ));
    await conn.write(seededBytes(100_000, 6));
    await sleep(200);
    conn.close();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !/upload of \/ not stored/.test(child.stderr)) await sleep(50);
    assertStringIncludes(child.stderr, "upload of / not stored");
    const response = await fetch(`${base}/`);
    assertEquals(response.status, 200);
    await response.body?.cancel();
    assertEquals(tree(root), []);
  });
});

Deno.test("upload: 20 concurrent uploads to one name give one whole file", async () => {
  const bodies = Array.from({ length: 20 }, (_, i) => bytes(256 * 1024, i + 1));
  await withServer(["--upload"], async (root, base) => {
    const statuses = await Promise.all(bodies.map((body) => put(`${base}/same.bin`, body)));
    const counts = statuses.map((s) => s.status).sort();
    assertEquals(counts.filter((s) => s === 201).length, 1, String(counts));
    assertEquals(counts.filter((s) => s === 409).length, 19, String(counts));
    const stored = await Deno.readFile(`${root}/same.bin`);
    assert(bodies.some((body) => equal(body, stored)), "the stored file is one whole upload");
    assertEquals(tree(root), ["same.bin"]);
  });
  await withServer(["--upload", "--overwrite"], async (root, base) => {
    const statuses = await Promise.all(bodies.map((body) => put(`${base}/same.bin`, body)));
    assert(statuses.every((s) => s.status === 201 || s.status === 204), "all stored");
    const stored = await Deno.readFile(`${root}/same.bin`);
    assert(bodies.some((body) => equal(body, stored)), "the stored file is one whole upload");
    assertEquals(tree(root), ["same.bin"]);
  });
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

Deno.test("upload: a traversal corpus of names stores nothing outside the tree", async () => {
  const outside = await Deno.makeTempDir({ prefix: "httpserver-outside-" });
  await withServer(["--upload", "--mkdir"], async (root, base) => {
    await Deno.symlink(outside, `${root}/link`);
    const port = Number(new URL(base).port);
    const corpus = [
      "/..%2Fescape.txt",
      "/%2e%2e/escape.txt",
      "/../escape.txt",
      "/sub/../../escape.txt",
      "/a%5C..%5Cescape.txt",
      "/%00.txt",
      "/x%0d%0a.txt",
      "/tab%09.txt",
      "/%7f.txt",
      "/%2F%2Fescape.txt",
      "/sub%2F..%2F..%2Fescape.txt",
      "/.",
      "/%2e",
      "/sub/",
      "/link/escape.txt",
      "/link/deeper/escape.txt",
      `/${"n".repeat(300)}`,
      "/%ED%A0%80.txt",
    ];
    for (const target of corpus) {
      // Raw requests: fetch would normalise the dots away.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(
        new TextEncoder().encode(`PUT ${target} HTTP/1.0\r\nContent-Length: 1\r\n\r\nx`),
      );
      const reply = new Uint8Array(1024);
      const n = await conn.read(reply);
      conn.close();
      const status = new TextDecoder().decode(reply.subarray(0, n ?? 0)).split(" ")[1];
      assert(/^4\d\d$/.test(status), `${target} answered ${status}`);
    }
    assertEquals(tree(outside), []);
    assertEquals(tree(root).filter((name) => !name.startsWith("link")), []);
  });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("upload: a full disk answers 507 and leaves nothing", async () => {
  const mountPoint = await Deno.makeTempDir({ prefix: "httpserver-tmpfs-" });
  const mount = await run("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint]);
  if (mount.code !== 0) {
    console.log(`SKIPPED: cannot mount a tmpfs here (${mount.stderr.trim()})`);
    await Deno.remove(mountPoint);
    return;
  }
  try {
    const { child, base } = await serve(mountPoint, ["--upload"]);
    try {
      const response = await put(`${base}/huge.bin`, bytes(2 * 1024 * 1024, 3));
      assertEquals(response.status, 507);
      assertEquals(tree(mountPoint), []);
      const form = new FormData();
      form.append("files", new Blob([bytes(100_000, 1)]), "small.bin");
      form.append("files", new Blob([bytes(2 * 1024 * 1024, 2)]), "huge.bin");
      const post = await fetch(`${base}/`, { method: "POST", body: form });
      assertEquals(post.status, 507);
      await post.body?.cancel();
      assertEquals(tree(mountPoint), []);
      assertEquals((await put(`${base}/fits.txt`, "small")).status, 201);
    } finally {
      await child.stop();
    }
  } finally {
    await run("umount", [mountPoint]);
    await Deno.remove(mountPoint, { recursive: true });
  }
});

Deno.test("auth: missing, wrong and malformed Authorization get 401; right passes", async () => {
  const hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"; // "password"
  await withServer(
    ["--auth", "alice:s3cret:x", "--auth", `bob:sha256:${hash}`],
    async (root, base, child) => {
      await Deno.writeTextFile(`${root}/f.txt`, "secret file\n");
      const get = (authorization?: string) =>
        fetch(`${base}/f.txt`, {
          headers: authorization === undefined ? {} : { Authorization: authorization },
        });
      const none = await get();
      assertEquals(none.status, 401);
      assertEquals(
        none.headers.get("WWW-Authenticate"),
        'Basic realm="httpserver", charset="UTF-8"',
      );
      assert(!(await none.text()).includes("secret file"));
      for (
        const bad of [
          `Basic ${btoa("alice:wrong")}`,
          `Basic ${btoa("alice:s3cret")}`,
          `Basic ${btoa("mallory:s3cret:x")}`,
          "Basic !!!",
          "Basic",
          `Bearer ${btoa("alice:s3cret:x")}`,
          `Basic ${btoa("no colon")}`,
          `Basic ${btoa("alice:s3cret:x")} extra`,
        ]
      ) {
        const response = await get(bad);
        assertEquals(response.status, 401, bad);
        await response.body?.cancel();
      }
      const alice = await get(`Basic ${btoa("alice:s3cret:x")}`);
      assertEquals(alice.status, 200);
      assertEquals(await alice.text(), "secret file\n");
      const bob = await get(`basic ${btoa("bob:password")}`);
      assertEquals(bob.status, 200);
      await bob.body?.cancel();
      const curl = await run("curl", ["-s", "-u", "alice:s3cret:x", `${base}/f.txt`]);
      assertEquals(curl.stdout, "secret file\n");
      assertStringIncludes(
        child.stderr,
        'authentication failed for "alice": wrong user or password',
      );
      assertStringIncludes(child.stderr, "authentication failed for -: malformed credentials");
    },
  );
});

Deno.test("auth: --upload-auth guards writes only; a start-up warning without TLS", async () => {
  await withServer(["--upload", "--upload-auth", "up:load"], async (root, base) => {
    await Deno.writeTextFile(`${root}/open.txt`, "open\n");
    const read = await fetch(`${base}/open.txt`);
    assertEquals(read.status, 200);
    await read.body?.cancel();
    assertEquals((await put(`${base}/w.txt`, "x")).status, 401);
    assertEquals(
      (await put(`${base}/w.txt`, "x", { Authorization: `Basic ${btoa("up:load")}` })).status,
      201,
    );
    assertEquals(tree(root), ["open.txt", "w.txt"]);
  });
  const root = await Deno.makeTempDir();
  const child = Child.spawn(Deno.execPath(), [
    "run",
    ...UPLOAD_PERMISSIONS,
    CLI_PATH,
    "-b",
    "0.0.0.0",
    "-d",
    root,
    "--auth",
    "a:b",
    "0",
  ]);
  try {
    await child.banner();
    await child.waitFor("warning", () => child.stderr.includes("warning"), 5000);
    assertStringIncludes(child.stderr, "--auth without TLS on 0.0.0.0");
  } finally {
    await child.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("upload: with --cgi, a POST to a script still runs it; elsewhere it uploads", async () => {
  const root = await Deno.makeTempDir({ prefix: "httpserver-upload-cgi-" });
  await Deno.mkdir(`${root}/cgi-bin`);
  await Deno.writeTextFile(
    `${root}/cgi-bin/echo.sh`,
    '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nscript got: "\nhead -c "$CONTENT_LENGTH"\n',
  );
  await Deno.chmod(`${root}/cgi-bin/echo.sh`, 0o755);
  const child = Child.spawn(Deno.execPath(), [
    "run",
    ...UPLOAD_PERMISSIONS,
    "--allow-run",
    "--allow-env",
    CLI_PATH,
    "--cgi",
    "--upload",
    "-b",
    "127.0.0.1",
    "-d",
    root,
    "0",
  ]);
  try {
    const { port } = await child.banner();
    const base = `http://127.0.0.1:${port}`;
    const script = await fetch(`${base}/cgi-bin/echo.sh`, { method: "POST", body: "hello" });
    assertEquals(script.status, 200);
    assertEquals(await script.text(), "script got: hello");
    const form = new FormData();
    form.append("files", new Blob(["uploaded"]), "up.txt");
    const upload = await fetch(`${base}/`, { method: "POST", body: form });
    assertEquals(upload.status, 201);
    assertEquals(await upload.text(), "up.txt\n");
    assertEquals(await Deno.readTextFile(`${root}/up.txt`), "uploaded");
  } finally {
    await child.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("upload: a client that stalls past the timeout leaves nothing (library use)", async () => {
  const { SimpleHTTPRequestHandler } = await import("../handlers/simple.ts");
  const { DEFAULT_UPLOAD_SETTINGS } = await import("../handlers/files/upload.ts");
  const { startServer } = await import("./_helpers.ts");
  const root = await Deno.makeTempDir({ prefix: "httpserver-upload-stall-" });
  class Handler extends SimpleHTTPRequestHandler {
    override directory = root;
    override timeout = 0.3;
    override upload_settings = DEFAULT_UPLOAD_SETTINGS;
    override log_message(): void {}
  }
  const running = startServer(Handler);
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
    await conn.write(
      new TextEncoder().encode("PUT /stall.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"),
    );
    await conn.write(new Uint8Array(40));
    // The server drops the connection after the timeout: the read ends.
    const n = await conn.read(new Uint8Array(1024)).catch(() => null);
    assertEquals(n, null);
    conn.close();
    assertEquals(tree(root), []);
  } finally {
    await running.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("auth: Expect: 100-continue with wrong credentials gets 401, never 100 Continue", async () => {
  await withServer(["-p", "HTTP/1.1", "--upload", "--auth", "alice:pw"], async (root, base) => {
    const { port } = new URL(base);
    const exchange = async (authorization: string) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
      try {
        await conn.write(
          new TextEncoder().encode(
            `PUT /x.txt HTTP/1.1\r\nHost: a\r\nAuthorization: ${authorization}\r\n` +
              "Content-Length: 4\r\nExpect: 100-continue\r\n\r\n",
          ),
        );
        const buffer = new Uint8Array(4096);
        const n = await conn.read(buffer);
        return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
      } finally {
        conn.close();
      }
    };
    const refused = await exchange(`Basic ${btoa("alice:wrong")}`);
    assert(refused.startsWith("HTTP/1.1 401 "), refused.split("\r\n")[0]);
    assert(!refused.includes("100 Continue"), refused);
    const allowed = await exchange(`Basic ${btoa("alice:pw")}`);
    assert(allowed.startsWith("HTTP/1.1 100 Continue\r\n"), allowed.split("\r\n")[0]);
    assertEquals(tree(root), []);
  });
});
