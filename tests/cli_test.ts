// The command line as a process, the way people run it: `deno run --allow-net --allow-read
// cli.ts ...` with exactly those two permissions, talked to over real loopback sockets.
// Help and usage errors are compared byte for byte with the argparse-style text; the banner,
// the request log, signals and exit codes are checked as `python -m http.server` defines them.
import { assert, assertEquals, assertMatch } from "../deps.ts";
import {
  Child,
  CLI_PATH,
  fetchBytes,
  type Finished,
  hasIPv6Loopback,
  seededBytes,
} from "./_cli_process.ts";

/** A skip note for the IPv6 tests where this machine has no `::1`. */
const NO_IPV6 = hasIPv6Loopback() ? "" : " — SKIPPED: this machine cannot listen on [::1]";

// The expected texts are written out here, not imported from cli.ts, so a change to them
// has to be a deliberate change to this test too.
const USAGE = `usage: cli.ts [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY] [-p VERSION]
              [--tls-cert PATH] [--tls-key PATH] [--tls-password-file PATH]
              [--header-timeout SECONDS] [--idle-timeout SECONDS]
              [--max-connections N] [--etag] [--upload] [--overwrite]
              [--mkdir] [--max-upload-size SIZE] [--auth USER:PASSWORD]
              [--upload-auth USER:PASSWORD] [-H HEADER VALUE] [--cors]
              [--cache-control VALUE] [--spa [FILE]] [--error-page CODE=FILE]
              [--compress] [--listing STYLE] [--no-dotfiles]
              [--no-follow-symlinks] [--contain-symlinks] [--workers N]
              [port]
`;

const HELP = `${USAGE}
positional arguments:
  port                  bind to this port (default: 8000)

options:
  -h, --help            show this help message and exit
  --cgi                 run as CGI server
  -b, --bind ADDRESS    bind to this address (default: all interfaces)
  -d, --directory DIRECTORY
                        serve this directory (default: current directory)
  -p, --protocol VERSION
                        conform to this HTTP version (default: HTTP/1.0)
  --tls-cert PATH       path to the TLS certificate chain file
  --tls-key PATH        path to the TLS key file
  --tls-password-file PATH
                        path to the password file for the TLS key
  --header-timeout SECONDS
                        drop a client that has not sent a request's line and
                        headers within this time (default: 60; 0: no limit)
  --idle-timeout SECONDS
                        close a keep-alive connection that waits this long for
                        its next request (default: 75; 0: no limit)
  --max-connections N   serve at most N connections at once; more wait to be
                        accepted (default: 1024)
  --etag                send entity tags with files and honour conditional
                        requests against them (byte ranges are served either
                        way)
  --upload              accept uploads: PUT to a file path, multipart/form-
                        data POST to a directory (stored atomically; an
                        existing file is not replaced)
  --overwrite           let uploads replace existing files
  --mkdir               let PUT create missing directories
  --max-upload-size SIZE
                        refuse request bodies larger than SIZE bytes (K, M, G
                        suffixes; default: 1G)
  --auth USER:PASSWORD  require HTTP Basic auth for every request (repeatable;
                        USER:sha256:HEX gives the password's SHA-256 instead)
  --upload-auth USER:PASSWORD
                        require these credentials for uploads (PUT, POST) only
                        (repeatable)
  -H, --header HEADER VALUE
                        add a custom response header to file and listing
                        answers (can be used multiple times; as in Python
                        3.15)
  --cors                send Access-Control-Allow-Origin: * and answer CORS
                        preflight OPTIONS requests
  --cache-control VALUE
                        send this Cache-Control value with files (e.g. no-
                        store, max-age=3600)
  --spa [FILE]          answer GET for a missing extensionless path from a
                        browser with this page (default: index.html)
  --error-page CODE=FILE
                        send this file (under the directory) as the body of
                        CODE errors (can be used multiple times)
  --compress            serve precompressed siblings (a.js.br, a.js.zst,
                        a.js.gz) to clients that accept them
  --listing STYLE       directory listing page: python (Python's, the default)
                        or rich (a sortable table with sizes and dates)
  --no-dotfiles         hide names starting with '.' from listings and answer
                        404 for them
  --no-follow-symlinks  refuse every symlink (404, not listed)
  --contain-symlinks    follow a symlink only while its real path stays inside
                        the served directory
  --workers N           serve with N processes sharing the port (auto: one per
                        core; default: 1; needs --allow-run); one process
                        serves, with a warning, off Linux or in a deno compile
                        binary built without --unstable-net
`;

/** Python's request log line, e.g. `127.0.0.1 - - [22/Nov/2026 03:37:01] "GET / HTTP/1.1" 200 -`. */
function logLineRe(host: string, request: string, code: number): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(
    `^${esc(host)} - - \\[\\d{2}/[A-Z][a-z]{2}/\\d{4} \\d{2}:\\d{2}:\\d{2}\\] "${
      esc(request)
    }" ${code} -$`,
    "m",
  );
}

/** A temporary directory with a text file, a binary file and a subdirectory. */
async function makeTree(): Promise<{ dir: string; text: Uint8Array; blob: Uint8Array }> {
  const dir = await Deno.makeTempDir({ prefix: "httpserver-cli-" });
  const text = new TextEncoder().encode("hello from the cli test\n");
  const blob = seededBytes(200_000, 7);
  await Deno.writeFile(`${dir}/hello.txt`, text);
  await Deno.writeFile(`${dir}/blob.bin`, blob);
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeTextFile(`${dir}/sub/inner.txt`, "inner\n");
  return { dir, text, blob };
}

/** Runs the CLI with arguments that make it exit by itself. */
async function runToExit(args: string[]): Promise<Finished> {
  const child = Child.cli(args);
  try {
    return await child.finished();
  } finally {
    await child.kill();
  }
}

/** Starts the CLI, waits for the banner, runs `body`, and always stops the process. */
async function withServer(
  args: string[],
  body: (child: Child, banner: Awaited<ReturnType<Child["banner"]>>) => Promise<void>,
  options: { cwd?: string } = {},
): Promise<Finished> {
  const child = Child.cli(args, options);
  try {
    const banner = await child.banner();
    await body(child, banner);
    return await child.stop("SIGINT");
  } finally {
    await child.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// Help and usage errors

for (const flag of ["-h", "--help"]) {
  Deno.test(`cli: ${flag} prints the exact help on stdout, nothing on stderr, exit 0`, async () => {
    const r = await runToExit([flag]);
    assertEquals(r.stdout, HELP);
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
  });
}

Deno.test("cli: -h wins over other arguments, as argparse's help action does", async () => {
  const r = await runToExit(["8080", "-h", "--bogus"]);
  assertEquals(r.stdout, HELP);
  assertEquals(r.code, 0);
});

const USAGE_ERRORS: Array<[args: string[], message: string]> = [
  [["abc"], "argument port: invalid int value: 'abc'"],
  [["8o8o"], "argument port: invalid int value: '8o8o'"],
  [["--bogus"], "unrecognized arguments: --bogus"],
  [["--bogus", "8080"], "unrecognized arguments: --bogus"],
  [["8080", "9090"], "unrecognized arguments: 9090"],
  [["-b"], "argument -b/--bind: expected one argument"],
  [["--bind"], "argument -b/--bind: expected one argument"],
  [["-d"], "argument -d/--directory: expected one argument"],
  [["-p"], "argument -p/--protocol: expected one argument"],
  [["-b", "-d", "/tmp"], "argument -b/--bind: expected one argument"],
  [["--tls-cert"], "argument --tls-cert: expected one argument"],
  [["--tls"], "unrecognized arguments: --tls"],
  [["--cgi=1"], "argument --cgi: ignored explicit argument '1'"],
  [
    ["--header-timeout", "-1"],
    "argument --header-timeout: invalid non-negative seconds value: '-1'",
  ],
  [["--tls-key", "key.pem"], "--tls-key requires --tls-cert to be set"],
  [["--tls-password-file", "pw.txt"], "--tls-password-file requires --tls-cert to be set"],
  [
    ["--tls-cert", "cert.pem", "--tls-password-file", "/nonexistent/httpserver-pw"],
    "Failed to read TLS password file: [Errno 2] No such file or directory: " +
    "'/nonexistent/httpserver-pw'",
  ],
];

for (const [args, message] of USAGE_ERRORS) {
  Deno.test(`cli: ${JSON.stringify(args)} → usage + "cli.ts: error: ${message}", exit 2`, async () => {
    const r = await runToExit(args);
    assertEquals(r.stderr, `${USAGE}cli.ts: error: ${message}\n`);
    assertEquals(r.stdout, "");
    assertEquals(r.code, 2);
  });
}

Deno.test("cli: a port beyond 65535 is one error line and exit 1 (CPython would wrap it)", async () => {
  const r = await runToExit(["70000"]);
  assertEquals(r.stderr, "cli.ts: error: port must be 0-65535, not 70000\n");
  assertEquals(r.stdout, "");
  assertEquals(r.code, 1);
});

// ---------------------------------------------------------------------------------------------
// Startup failures: one line, exit 1, no stack trace

Deno.test("cli: a port in use is one error line and exit 1, with no stack trace", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const r = await runToExit(["-b", "127.0.0.1", String(port)]);
  assertEquals(
    r.stderr,
    `cli.ts: error: cannot serve on 127.0.0.1 port ${port}: [Errno 98] Address already in use\n`,
  );
  assertEquals(r.stdout, "");
  assertEquals(r.code, 1);
});

Deno.test("cli: a port in use without --bind is one error line and exit 1", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const r = await runToExit([String(port)]);
  assertEquals(
    r.stderr,
    `cli.ts: error: cannot serve on all interfaces port ${port}: ` +
      "[Errno 98] Address already in use\n",
  );
  assertEquals(r.code, 1);
});

Deno.test("cli: a missing directory is one error line and exit 1", async () => {
  const missing = `${await Deno.makeTempDir()}-missing`;
  const r = await runToExit(["-b", "127.0.0.1", "-d", missing, "0"]);
  assertEquals(
    r.stderr,
    `cli.ts: error: cannot serve directory: [Errno 2] No such file or directory: '${missing}'\n`,
  );
  assertEquals(r.stdout, "");
  assertEquals(r.code, 1);
});

Deno.test("cli: a file given as the directory is one error line and exit 1", async () => {
  const r = await runToExit(["-b", "127.0.0.1", "-d", CLI_PATH, "0"]);
  assertEquals(r.stderr, `cli.ts: error: not a directory: '${CLI_PATH}'\n`);
  assertEquals(r.code, 1);
});

// ---------------------------------------------------------------------------------------------
// Serving: banner, directory, log lines, signals

Deno.test("cli: -b 127.0.0.1 0 prints the banner with the real port and serves -d's files", async () => {
  const { dir, text, blob } = await makeTree();
  try {
    const done = await withServer(["-b", "127.0.0.1", "-d", dir, "0"], async (child, banner) => {
      assertEquals(
        banner.line,
        `Serving HTTP on 127.0.0.1 port ${banner.port} (http://127.0.0.1:${banner.port}/) ...`,
      );
      assert(banner.port > 0 && banner.port < 65536);
      // The banner is the whole of stdout, on its first line.
      assertEquals(child.stdout, `${banner.line}\n`);
      const base = `http://127.0.0.1:${banner.port}`;
      const a = await fetchBytes(`${base}/hello.txt`);
      assertEquals(a.status, 200);
      assertEquals(a.body, text);
      assertEquals(a.headers.get("content-type"), "text/plain");
      const b = await fetchBytes(`${base}/blob.bin`);
      assertEquals(b.status, 200);
      assertEquals(b.body, blob);
      const listing = await fetchBytes(`${base}/`);
      assertEquals(listing.status, 200);
      const html = new TextDecoder().decode(listing.body);
      assertMatch(html, /<a href="hello\.txt">hello\.txt<\/a>/);
      assertMatch(html, /<a href="sub\/">sub\/<\/a>/);
      const missing = await fetchBytes(`${base}/nope.txt`);
      assertEquals(missing.status, 404);
      await child.waitFor(
        "log line of the 404",
        () => child.stderr.includes('"GET /nope.txt HTTP/1.1" 404 -'),
        5000,
      );
    });
    // The request log on stderr, in Python's format.
    assertMatch(done.stderr, logLineRe("127.0.0.1", "GET /hello.txt HTTP/1.1", 200));
    assertMatch(done.stderr, logLineRe("127.0.0.1", "GET /blob.bin HTTP/1.1", 200));
    assertMatch(done.stderr, logLineRe("127.0.0.1", "GET / HTTP/1.1", 200));
    assertMatch(
      done.stderr,
      /^127\.0\.0\.1 - - \[[^\]]+\] code 404, message File not found$/m,
    );
    assertMatch(done.stderr, logLineRe("127.0.0.1", "GET /nope.txt HTTP/1.1", 404));
    // Nothing but log lines: no permission prompt, no warning, no stack trace.
    for (const line of done.stderr.split("\n").filter((l) => l !== "")) {
      assertMatch(line, /^127\.0\.0\.1 - - \[[^\]]+\] /);
    }
    assertEquals(done.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: without -d the working directory is served", async () => {
  const { dir, text } = await makeTree();
  try {
    await withServer(["-b", "127.0.0.1", "0"], async (_child, banner) => {
      const r = await fetchBytes(`http://127.0.0.1:${banner.port}/hello.txt`);
      assertEquals(r.status, 200);
      assertEquals(r.body, text);
    }, { cwd: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `cli: -b ::1 prints the [::1] URL form and answers on [::1]${NO_IPV6}`,
  ignore: NO_IPV6 !== "",
  async fn() {
    const { dir, text } = await makeTree();
    try {
      await withServer(["-b", "::1", "-d", dir, "0"], async (_child, banner) => {
        assertEquals(
          banner.line,
          `Serving HTTP on ::1 port ${banner.port} (http://[::1]:${banner.port}/) ...`,
        );
        const r = await fetchBytes(`http://[::1]:${banner.port}/hello.txt`);
        assertEquals(r.body, text);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `cli: no --bind serves dual-stack on :: and answers 127.0.0.1 and ::1 alike${NO_IPV6}`,
  ignore: NO_IPV6 !== "",
  async fn() {
    const { dir, text } = await makeTree();
    try {
      const done = await withServer(["-d", dir, "0"], async (child, banner) => {
        assertEquals(
          banner.line,
          `Serving HTTP on :: port ${banner.port} (http://[::]:${banner.port}/) ...`,
        );
        const v4 = await fetchBytes(`http://127.0.0.1:${banner.port}/hello.txt`);
        assertEquals(v4.body, text);
        const v6 = await fetchBytes(`http://[::1]:${banner.port}/hello.txt`);
        assertEquals(v6.body, text);
        await child.waitFor("two log lines", () => child.stderr.split("\n").length >= 3, 5000);
      });
      // The IPv4 client is logged as its IPv4-mapped address, as CPython's dual-stack
      // socket reports it.
      assertMatch(done.stderr, logLineRe("::ffff:127.0.0.1", "GET /hello.txt HTTP/1.1", 200));
      assertMatch(done.stderr, logLineRe("::1", "GET /hello.txt HTTP/1.1", 200));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Reads one HTTP response with a Content-Length body from a raw connection. */
async function readResponse(
  conn: Deno.Conn,
  pending: { buf: Uint8Array },
  timeoutMs = 10_000,
): Promise<{ head: string; body: Uint8Array }> {
  const deadline = Date.now() + timeoutMs;
  const chunk = new Uint8Array(64 * 1024);
  const append = (n: number) => {
    const next = new Uint8Array(pending.buf.length + n);
    next.set(pending.buf);
    next.set(chunk.subarray(0, n), pending.buf.length);
    pending.buf = next;
  };
  const readSome = async () => {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no complete response within ${timeoutMs} ms`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = conn.read(chunk);
    read.catch(() => {});
    const n = await Promise.race([
      read,
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
    ]);
    clearTimeout(timer);
    if (n === "timeout") throw new Error(`no complete response within ${timeoutMs} ms`);
    if (n === null) throw new Error("connection closed before the response was complete");
    append(n);
  };
  let headEnd = -1;
  for (let i = 0; i < 10_000 && headEnd < 0; i++) {
    headEnd = new TextDecoder("latin1").decode(pending.buf).indexOf("\r\n\r\n");
    if (headEnd < 0) await readSome();
  }
  const head = new TextDecoder("latin1").decode(pending.buf.subarray(0, headEnd));
  const length = Number(/^content-length: *(\d+)$/im.exec(head)?.[1] ?? NaN);
  assert(Number.isInteger(length), `no Content-Length in ${head}`);
  for (let i = 0; i < 10_000 && pending.buf.length < headEnd + 4 + length; i++) await readSome();
  const body = pending.buf.slice(headEnd + 4, headEnd + 4 + length);
  pending.buf = pending.buf.slice(headEnd + 4 + length);
  return { head, body };
}

/** What one more read gives within `ms`: null at EOF, a byte count, or "timeout". */
async function nextRead(conn: Deno.Conn, ms: number): Promise<number | null | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = conn.read(new Uint8Array(16));
  read.catch(() => {});
  try {
    return await Promise.race([
      read,
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

Deno.test("cli: -p HTTP/1.1 keeps the connection alive across requests", async () => {
  const { dir, text, blob } = await makeTree();
  try {
    await withServer(
      ["-b", "127.0.0.1", "-p", "HTTP/1.1", "-d", dir, "0"],
      async (_child, banner) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: banner.port });
        try {
          const pending = { buf: new Uint8Array(0) };
          await writeAll(conn, "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
          const first = await readResponse(conn, pending);
          assertMatch(first.head, /^HTTP\/1\.1 200 OK\r\n/);
          assertEquals(first.body, text);
          // Same socket, second and third request (pipelined).
          await writeAll(
            conn,
            "GET /blob.bin HTTP/1.1\r\nHost: a\r\n\r\n" +
              "GET /sub/inner.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
          );
          const second = await readResponse(conn, pending);
          assertMatch(second.head, /^HTTP\/1\.1 200 OK\r\n/);
          assertEquals(second.body, blob);
          const third = await readResponse(conn, pending);
          assertEquals(new TextDecoder().decode(third.body), "inner\n");
          // After `Connection: close` the server closes.
          assertEquals(await nextRead(conn, 5000), null);
        } finally {
          conn.close();
        }
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: the default HTTP/1.0 closes the connection after one response", async () => {
  const { dir, text } = await makeTree();
  try {
    await withServer(["-b", "127.0.0.1", "-d", dir, "0"], async (_child, banner) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: banner.port });
      try {
        const pending = { buf: new Uint8Array(0) };
        await writeAll(conn, "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        const first = await readResponse(conn, pending);
        assertMatch(first.head, /^HTTP\/1\.0 200 OK\r\n/);
        assertEquals(first.body, text);
        assertEquals(await nextRead(conn, 5000), null);
      } finally {
        conn.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`cli: ${signal} prints "Keyboard interrupt received, exiting." and exits 0`, async () => {
    const child = Child.cli(["-b", "127.0.0.1", "0"]);
    try {
      const banner = await child.banner();
      // Serve one request first, so the stop happens on a server that has worked.
      const r = await fetchBytes(`http://127.0.0.1:${banner.port}/cli.ts`);
      assertEquals(r.status, 200);
      const done = await child.stop(signal);
      assertEquals(done.stdout, `${banner.line}\n\nKeyboard interrupt received, exiting.\n`);
      assertEquals(done.code, 0);
      assertEquals(done.signal, null);
      // The port is released.
      using again = Deno.listen({ hostname: "127.0.0.1", port: banner.port });
      assert(again.addr.transport === "tcp");
    } finally {
      await child.kill();
    }
  });
}

Deno.test("cli: runs with exactly --allow-net --allow-read (no prompt, no permission error)", async () => {
  const { dir, text } = await makeTree();
  try {
    const child = Child.cli(["-b", "127.0.0.1", "-d", dir, "0"]);
    try {
      assertEquals(
        child.commandLine,
        `${Deno.execPath()} run --allow-net --allow-read ${CLI_PATH} -b 127.0.0.1 -d ${dir} 0`,
      );
      const banner = await child.banner();
      const base = `http://127.0.0.1:${banner.port}`;
      assertEquals((await fetchBytes(`${base}/hello.txt`)).body, text);
      assertEquals((await fetchBytes(`${base}/sub/`)).status, 200);
      assertEquals((await fetchBytes(`${base}/sub`)).status, 200); // after the 301
      const done = await child.stop("SIGINT");
      assertEquals(done.code, 0);
      assert(
        !/Requires|NotCapable|PermissionDenied|error/i.test(done.stderr),
        `unexpected stderr:\n${done.stderr}`,
      );
    } finally {
      await child.kill();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
