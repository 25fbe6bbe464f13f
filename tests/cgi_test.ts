/**
 * `CGIHTTPRequestHandler` over real sockets with real scripts (POSIX sh and Python) written
 * into a temporary tree: CPython's `CGIHTTPServerTestCase` expectations, streaming of large
 * bodies with bounded memory, timeouts, disconnects, concurrency, and a byte-for-byte
 * comparison with CPython 3.13's `python -m http.server --cgi` on the same tree.
 */
import { CGIHTTPRequestHandler, UrlCollapseError } from "../handlers/cgi.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import type { AcceptedConnection } from "../server.ts";
import type { ClientAddress } from "../types.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../deps.ts";
import {
  findPython313,
  freePort,
  fromLatin1,
  latin1,
  maskVolatileHeaders,
  rawExchange,
  readAll,
  type RunningServer,
  startServer,
} from "./_helpers.ts";
import {
  makeCgiTree,
  memoryOf,
  processAlive,
  scriptPython,
  startCpythonCgiServer,
  startOurCgiServer,
  waitForExit,
} from "./_cgi_fixtures.ts";

const tree = await makeCgiTree();
const decoder = new TextDecoder();

/** What one in-process server logged. */
interface Captured {
  log: string[];
  stderr: string[];
  errors: unknown[];
}

/** Starts an in-process ThreadingHTTPServer serving the tree with a configured CGI handler. */
function startCgi(
  configure: (handler: CGIHTTPRequestHandler) => void = () => {},
): RunningServer & { captured: Captured } {
  const captured: Captured = { log: [], stderr: [], errors: [] };
  class Handler extends CGIHTTPRequestHandler {
    override log_writer = (line: string) => {
      captured.log.push(line);
    };
    override cgi_stderr_writer = (chunk: Uint8Array) => {
      captured.stderr.push(decoder.decode(chunk));
    };
    override setup(): void | Promise<void> {
      configure(this);
      return super.setup();
    }
  }
  const running = startServer(Handler as unknown as RequestHandlerClass);
  running.server.directory = tree;
  running.server.handle_error = (
    _request: AcceptedConnection,
    _client: ClientAddress,
    error?: unknown,
  ) => {
    captured.errors.push(error);
  };
  return { ...running, captured };
}

/** One HTTP/1.0 request over a raw socket; the whole answer as latin-1 text. */
async function get(
  port: number,
  target: string,
  headers: string[] = [],
  method = "GET",
  body: Uint8Array | string = "",
): Promise<string> {
  const bodyBytes = typeof body === "string" ? latin1(body) : body;
  const head = latin1(
    `${method} ${target} HTTP/1.0\r\nHost: 127.0.0.1\r\n${
      headers.map((h) => h + "\r\n").join("")
    }\r\n`,
  );
  const request = new Uint8Array(head.length + bodyBytes.length);
  request.set(head);
  request.set(bodyBytes, head.length);
  return fromLatin1(await rawExchange(port, request));
}

function statusLine(response: string): string {
  return response.split("\r\n", 1)[0];
}

/** The script's output: everything after the server's status line, Server and Date. */
function scriptOutput(response: string): string {
  const lines = response.split("\r\n");
  assertEquals(lines[0], "HTTP/1.0 200 Script output follows", response);
  assertMatch(lines[1], /^Server: SimpleHTTP\/0\.6 /);
  assertMatch(lines[2], /^Date: /);
  return lines.slice(3).join("\r\n");
}

/** Bytes from a xorshift generator: no period a reused buffer could hide behind. */
function pseudoRandomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Lower-case hex SHA-256 of bytes. */
async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The lines `name=value` of env.sh's dump as a record. */
function dumpOf(response: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of scriptOutput(response).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

Deno.test("CGI: CGIHTTPServerTestCase expectations", async (t) => {
  const running = startCgi();
  const { port, captured } = running;
  try {
    await t.step(
      "headers and content: the script's output follows the server's headers",
      async () => {
        const response = await get(port, "/cgi-bin/file1.py");
        assertMatch(
          response,
          /^HTTP\/1\.0 200 Script output follows\r\nServer: SimpleHTTP\/0\.6 Deno\/[^\r]+\r\nDate: [^\r]+\r\nContent-type: text\/html\n\nHello World\n$/,
        );
      },
    );

    await t.step("issue19435: a path that collapses into cgi-bin is 404", async () => {
      const response = await get(port, "///////////nocgi.py/../cgi-bin/nothere.sh");
      assertEquals(statusLine(response), "HTTP/1.0 404 No such CGI script ('/cgi-bin/nothere.sh')");
    });

    await t.step("POST urlencoded form to a Python script", async () => {
      const response = await get(
        port,
        "/cgi-bin/file2.py",
        [
          "Content-Type: application/x-www-form-urlencoded",
          "Content-Length: 31",
        ],
        "POST",
        "spam=1&eggs=python&bacon=123456",
      );
      assertEquals(scriptOutput(response), "Content-type: text/html\n\n1, python, 123456\n");
    });

    await t.step("invalid URI: missing script is 404", async () => {
      const response = await get(port, "/cgi-bin/invalid");
      assertEquals(statusLine(response), "HTTP/1.0 404 No such CGI script ('/cgi-bin/invalid')");
    });

    await t.step("authorization: Basic credentials, script runs, REMOTE_USER set", async () => {
      const auth = `Authorization: Basic ${btoa("username:pass")}`;
      assertStringIncludes(await get(port, "/cgi-bin/file1.py", [auth]), "\n\nHello World\n");
      const env = dumpOf(await get(port, "/cgi-bin/env.sh", [auth]));
      assertEquals([env.AUTH_TYPE, env.REMOTE_USER], ["Basic", "username"]);
    });

    await t.step("no leading slash", async () => {
      assertStringIncludes(await get(port, "cgi-bin/file1.py"), "\n\nHello World\n");
    });

    await t.step("the server's environment is not altered", async () => {
      const before = Deno.env.get("SERVER_SOFTWARE");
      await get(port, "/cgi-bin/file1.py");
      assertEquals(Deno.env.get("SERVER_SOFTWARE"), before);
    });

    await t.step("urlquote decoding in the CGI check: /cgi-bin%2ffile1.py runs", async () => {
      assertStringIncludes(await get(port, "/cgi-bin%2ffile1.py"), "\n\nHello World\n");
    });

    await t.step("nested CGI path (issue21323)", async () => {
      assertStringIncludes(await get(port, "/cgi-bin/child-dir/file3.py"), "\n\nHello World\n");
    });

    await t.step("query with multiple question marks", async () => {
      const response = await get(port, "/cgi-bin/file4.py?a=b?c=d");
      assertEquals(scriptOutput(response), "Content-type: text/html\n\na=b?c=d\n");
    });

    await t.step("query with continuous slashes is passed verbatim", async () => {
      const query = "k=aa%2F%2Fbb&//q//p//=//a//b//";
      const response = await get(port, `/cgi-bin/file4.py?${query}`);
      assertEquals(scriptOutput(response), `Content-type: text/html\n\n${query}\n`);
    });

    await t.step("HTTP_ACCEPT: joined with ',', empty when absent", async () => {
      const one = dumpOf(
        await get(port, "/cgi-bin/env.sh", ["Accept: text/html, text/plain;q=0.9"]),
      );
      assertEquals(one.HTTP_ACCEPT, "text/html, text/plain;q=0.9");
      const two = dumpOf(
        await get(port, "/cgi-bin/env.sh", ["Accept: text/html", "Accept: text/plain"]),
      );
      assertEquals(two.HTTP_ACCEPT, "text/html,text/plain");
      assertEquals(dumpOf(await get(port, "/cgi-bin/env.sh")).HTTP_ACCEPT, "");
    });

    await t.step("environment: PATH_INFO, query, cookies, forced empty values", async () => {
      const env = dumpOf(
        await get(port, "/cgi-bin/env.sh/extra%20path/x%2Fy?kw=1", [
          "Cookie: a=1",
          "Cookie: b=2",
          "User-Agent: agent/1",
          "Referer: http://ref/",
        ]),
      );
      assertEquals(env.PATH_INFO, "/extra path/x/y");
      assertEquals(env.PATH_TRANSLATED, `${tree}/extra path/x/y`);
      assertEquals(env.SCRIPT_NAME, "/cgi-bin/env.sh");
      assertEquals(env.QUERY_STRING, "kw=1");
      assertEquals(env.HTTP_COOKIE, "a=1, b=2");
      assertEquals(env.HTTP_USER_AGENT, "agent/1");
      assertEquals(env.HTTP_REFERER, "http://ref/");
      assertEquals(env.REQUEST_METHOD, "GET");
      assertEquals(env.GATEWAY_INTERFACE, "CGI/1.1");
      assertEquals(env.SERVER_PROTOCOL, "HTTP/1.0");
      assertEquals(env.SERVER_NAME, "localhost");
      assertEquals(env.SERVER_PORT, String(port));
      assertEquals(env.REMOTE_ADDR, "127.0.0.1");
      assertEquals(env.REMOTE_HOST, "");
      assertEquals(env.CONTENT_LENGTH, "");
      assertEquals(env.CONTENT_TYPE, "text/plain");
      assertMatch(env.SERVER_SOFTWARE, /^SimpleHTTP\/0\.6 Deno\//);
      assertEquals(env.argc, "0");
      const bare = dumpOf(await get(port, "/cgi-bin/env.sh"));
      assertEquals([bare.PATH_INFO, bare.PATH_TRANSLATED, bare.QUERY_STRING], ["", tree, ""]);
    });

    await t.step("ISINDEX query: one argument, '+' as space (no percent-decoding)", async () => {
      const output = scriptOutput(await get(port, "/cgi-bin/env.sh?kw+x%41"));
      assertStringIncludes(output, "argc=1\narg=[kw x%41]\n");
      // An empty query has no '=' either: CPython's fork path passes one empty argument.
      assertStringIncludes(scriptOutput(await get(port, "/cgi-bin/env.sh")), "argc=1\narg=[]\n");
    });

    await t.step("HEAD runs the script too, its output is the answer", async () => {
      const response = await get(port, "/cgi-bin/file1.py", [], "HEAD");
      assertEquals(scriptOutput(response), "Content-type: text/html\n\nHello World\n");
    });

    await t.step("not executable, not a plain file, static files, POST elsewhere", async () => {
      assertEquals(
        statusLine(await get(port, "/cgi-bin/noexec.py")),
        "HTTP/1.0 403 CGI script is not executable ('/cgi-bin/noexec.py')",
      );
      assertEquals(
        statusLine(await get(port, "/cgi-bin/noexec.sh")),
        "HTTP/1.0 403 CGI script is not executable ('/cgi-bin/noexec.sh')",
      );
      assertEquals(
        statusLine(await get(port, "/cgi-bin/")),
        "HTTP/1.0 403 CGI script is not a plain file ('/cgi-bin/')",
      );
      assertEquals(
        statusLine(await get(port, "/cgi-bin/child-dir")),
        "HTTP/1.0 403 CGI script is not a plain file ('/cgi-bin/child-dir')",
      );
      assertEquals(
        statusLine(await get(port, "/htbin/x'y")),
        `HTTP/1.0 404 No such CGI script ("/htbin/x'y")`,
      );
      const source = await get(port, "/nocgi.py");
      assertEquals(statusLine(source), "HTTP/1.0 200 OK");
      assertStringIncludes(source, 'print("Hello World")');
      assertEquals(
        statusLine(await get(port, "/nocgi.py", ["Content-Length: 0"], "POST")),
        "HTTP/1.0 501 Can only POST to CGI scripts",
      );
      // Not in cgi_directories: served as a file.
      assertStringIncludes(await get(port, "/sub/dir/cgi-bin/file5.py"), "#!");
    });

    await t.step("exit status and stderr are logged as CPython's fork path does", async () => {
      captured.log.length = 0;
      assertEquals(
        scriptOutput(await get(port, "/cgi-bin/fail.sh")),
        "Content-Type: text/plain\n\npartial\n",
      );
      assertEquals(
        scriptOutput(await get(port, "/cgi-bin/stderr.sh")),
        "Content-Type: text/plain\n\nok\n",
      );
      assert(
        captured.log.some((line) => line.endsWith("] CGI script exit code 3\n")),
        captured.log.join(""),
      );
      assertEquals(captured.log.filter((line) => line.includes("exit")).length, 1);
      assert(captured.stderr.join("").includes("to stderr\n"));
    });

    await t.step("a script the kernel cannot execute: 200 head only, exit code 127", async () => {
      captured.log.length = 0;
      for (const script of ["badinterp.sh", "noshebang.sh"]) {
        const response = await get(port, `/cgi-bin/${script}`);
        assertMatch(
          response,
          /^HTTP\/1\.0 200 Script output follows\r\nServer: [^\r]+\r\nDate: [^\r]+\r\n$/,
        );
      }
      const log = captured.log.join("");
      assertStringIncludes(log, "] CGI script could not be started: ");
      assertStringIncludes(log, "Exec format error");
      assertEquals(log.split("] CGI script exit code 127\n").length, 3, log);
    });

    await t.step(
      "'..' above the root: connection dropped, error reported, server goes on",
      async () => {
        captured.errors.length = 0;
        assertEquals(await get(port, "/cgi-bin/../../x"), "");
        assert(captured.errors[0] instanceof UrlCollapseError);
        assertStringIncludes(await get(port, "/cgi-bin/file1.py"), "Hello World");
      },
    );

    await t.step("a NUL in a passed header: dropped before answering, as CPython", async () => {
      captured.errors.length = 0;
      assertEquals(await get(port, "/cgi-bin/env.sh", ["User-Agent: a\0b"]), "");
      assertEquals((captured.errors[0] as Error).name, "CgiEnvironmentError");
    });

    await t.step(
      "POST echo: urlencoded and multipart bodies reach the script byte for byte",
      async () => {
        const urlencoded = "a=1&b=%C3%A9+x&c=";
        const echoed = await get(
          port,
          "/cgi-bin/echo.sh",
          [
            "Content-Type: application/x-www-form-urlencoded",
            `Content-Length: ${urlencoded.length}`,
          ],
          "POST",
          urlencoded,
        );
        assertEquals(
          scriptOutput(echoed),
          `Content-Type: application/octet-stream\n\n${urlencoded}`,
        );
        const boundary = "----deno-cgi-boundary";
        const binary = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
        const multipart =
          `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="b.bin"\r\n` +
          `Content-Type: application/octet-stream\r\n\r\n${binary}\r\n--${boundary}\r\n` +
          `Content-Disposition: form-data; name="t"\r\n\r\nvalue\r\n--${boundary}--\r\n`;
        const response = await get(
          port,
          "/cgi-bin/echo.sh",
          [
            `Content-Type: multipart/form-data; boundary=${boundary}`,
            `Content-Length: ${multipart.length}`,
          ],
          "POST",
          multipart,
        );
        assertEquals(
          scriptOutput(response),
          `Content-Type: application/octet-stream\n\n${multipart}`,
        );
        const env = dumpOf(
          await get(
            port,
            "/cgi-bin/env.sh",
            [
              `Content-Type: multipart/form-data; boundary=${boundary}`,
              "Content-Length: 5",
            ],
            "POST",
            "12345",
          ),
        );
        assertEquals(env.CONTENT_TYPE, `multipart/form-data; boundary=${boundary}`);
        assertEquals([env.CONTENT_LENGTH, env.REQUEST_METHOD], ["5", "POST"]);
      },
    );

    await t.step(
      "a body shorter than Content-Length: the script sees the end of its input",
      async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(
          latin1("POST /cgi-bin/sha256.sh HTTP/1.0\r\nContent-Length: 100\r\n\r\n0123456789"),
        );
        await conn.closeWrite();
        const response = fromLatin1(await readAll(conn));
        conn.close();
        assertEquals(
          scriptOutput(response),
          `Content-Type: text/plain\n\nsha256=${await sha256Hex(
            new TextEncoder().encode("0123456789"),
          )}\n`,
        );
      },
    );
  } finally {
    await running.stop();
  }
});

Deno.test("CGI: extra cgi_directories, options, have_fork=false", async (t) => {
  await t.step("/sub/dir/cgi-bin added to cgi_directories runs file5.py", async () => {
    const running = startCgi((handler) => handler.cgi_directories.push("/sub/dir/cgi-bin"));
    try {
      assertStringIncludes(
        await get(running.port, "/sub/dir/cgi-bin/file5.py"),
        "\n\nHello World\n",
      );
    } finally {
      await running.stop();
    }
  });

  await t.step(
    "have_fork=false: Python scripts run with python_executable, logs as subprocess",
    async () => {
      const python = findPython313() ?? scriptPython();
      const running = startCgi((handler) => {
        handler.have_fork = false;
        handler.python_executable = python;
      });
      try {
        const response = await get(running.port, "/cgi-bin/noexec.py");
        assertEquals(scriptOutput(response), "Content-type: text/html\n\nHello World\n");
        assertEquals(
          statusLine(await get(running.port, "/cgi-bin/noexec.sh")),
          "HTTP/1.0 403 CGI script is not executable ('/cgi-bin/noexec.sh')",
        );
        const argv = scriptOutput(await get(running.port, "/cgi-bin/env.sh?kw+x"));
        assertStringIncludes(argv, "argc=1\narg=[kw+x]\n");
        await get(running.port, "/cgi-bin/fail.sh");
        const log = running.captured.log.join("");
        assertStringIncludes(log, `] command: ${python} -u ${tree}/cgi-bin/noexec.py ""\n`);
        assertStringIncludes(log, "] CGI script exited OK\n");
        assertStringIncludes(log, "] CGI script exit status 0x3\n");
      } finally {
        await running.stop();
      }
    },
  );

  await t.step("the server's environment is passed on (with --allow-env)", async () => {
    Deno.env.set("CGI_MARKER", "from the server");
    const running = startCgi();
    try {
      const env = dumpOf(await get(running.port, "/cgi-bin/env.sh"));
      assertEquals(env.CGI_MARKER, "from the server");
      assertEquals(env.has_home, "yes");
    } finally {
      Deno.env.delete("CGI_MARKER");
      await running.stop();
    }
  });

  await t.step("without --allow-env scripts get only the CGI variables", async () => {
    const server = await startOurCgiServer(tree, {
      permissions: ["--allow-net", "--allow-read", "--allow-run"],
      env: { CGI_MARKER: "must not leak" },
    });
    try {
      const env = dumpOf(await get(server.port, "/cgi-bin/env.sh?x=1"));
      assertEquals(env.CGI_MARKER, undefined);
      assertEquals(env.has_home, "");
      assertEquals(env.QUERY_STRING, "x=1");
      assertEquals(env.GATEWAY_INTERFACE, "CGI/1.1");
    } finally {
      await server.stop();
    }
  });
});

Deno.test("CGI: a 50 MiB POST is streamed intact to the script with bounded server memory", async () => {
  const server = await startOurCgiServer(tree);
  const total = 50 * 1024 * 1024;
  const body = pseudoRandomBytes(total);
  const expected = await sha256Hex(body);
  try {
    await get(server.port, "/cgi-bin/file1.py"); // warm up
    const before = memoryOf(server.pid);
    let peak = before?.rss ?? 0;
    const sampler = setInterval(() => {
      const now = memoryOf(server.pid);
      if (now !== null) peak = Math.max(peak, now.rss);
    }, 10);
    const started = performance.now();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    let response: string;
    try {
      await conn.write(latin1(
        `POST /cgi-bin/sha256.sh HTTP/1.0\r\nContent-Type: application/octet-stream\r\nContent-Length: ${total}\r\n\r\n`,
      ));
      // Odd-sized writes, so that chunk boundaries never line up with the server's.
      const step = 1024 * 1024 + 7;
      for (let offset = 0; offset < total;) {
        offset += await conn.write(body.subarray(offset, Math.min(total, offset + step)));
      }
      response = fromLatin1(await readAll(conn, 30_000));
    } finally {
      clearInterval(sampler);
      conn.close();
    }
    const seconds = (performance.now() - started) / 1000;
    assertEquals(scriptOutput(response), `Content-Type: text/plain\n\nsha256=${expected}\n`);
    const after = memoryOf(server.pid);
    if (before !== null && after !== null) {
      const growth = peak - before.rss;
      console.log(
        `50 MiB POST: ${seconds.toFixed(2)} s (${(50 / seconds).toFixed(0)} MiB/s); server RSS ` +
          `${(before.rss / 2 ** 20).toFixed(1)} MiB before, peak ${
            (peak / 2 ** 20).toFixed(1)
          } MiB, ` +
          `growth ${(growth / 2 ** 20).toFixed(1)} MiB; VmHWM ${
            (before.hwm / 2 ** 20).toFixed(1)
          }` +
          ` → ${(after.hwm / 2 ** 20).toFixed(1)} MiB`,
      );
      assert(growth < 64 * 2 ** 20, `RSS grew by ${growth} bytes`);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("CGI: a hanging script is killed after cgi_timeout, its connection closed", async () => {
  const running = startCgi((handler) => (handler.cgi_timeout = 0.5));
  try {
    const started = performance.now();
    const output = scriptOutput(await get(running.port, "/cgi-bin/hang.sh"));
    const elapsed = performance.now() - started;
    assertMatch(output, /^Content-Type: text\/plain\n\nstarted pid=\d+\nsleeper=\d+\n$/);
    assert(elapsed >= 450 && elapsed < 3000, `took ${elapsed} ms`);
    const sleeper = Number(/sleeper=(\d+)/.exec(output)?.[1]);
    const shell = Number(/pid=(\d+)/.exec(output)?.[1]);
    assert(await waitForExit(shell), "the script still runs");
    assert(await waitForExit(sleeper), "the script's child still runs");
    const log = running.captured.log.join("");
    assertStringIncludes(log, "] CGI script killed: timed out after 0.5 seconds\n");
    assertStringIncludes(log, "] CGI script exit code -9\n");
    assertStringIncludes(await get(running.port, "/cgi-bin/file1.py"), "Hello World");
  } finally {
    await running.stop();
  }
});

Deno.test("CGI: a client that goes away kills its script; the server keeps serving", async (t) => {
  const running = startCgi((handler) => (handler.cgi_timeout = 20));
  try {
    await t.step("while the script writes", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
      await conn.write(latin1("GET /cgi-bin/ticker.sh HTTP/1.0\r\n\r\n"));
      let text = "";
      const buf = new Uint8Array(4096);
      while (!/pid=\d+\n/.test(text)) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += fromLatin1(buf.subarray(0, n));
      }
      conn.close();
      const pid = Number(/pid=(\d+)/.exec(text)?.[1]);
      assert(pid > 0, text);
      assert(await waitForExit(pid), "ticker.sh still runs");
    });

    await t.step("mid-request, before the body is complete", async () => {
      const pidFile = `${tree}/reader.pid`;
      await Deno.remove(pidFile).catch(() => {});
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
      await conn.write(latin1(
        "POST /cgi-bin/reader.sh/reader.pid HTTP/1.0\r\nContent-Length: 10000000\r\n\r\n",
      ));
      await conn.write(new Uint8Array(100_000));
      let pid = 0;
      const deadline = Date.now() + 5000;
      while (pid === 0 && Date.now() < deadline) {
        pid = Number((await Deno.readTextFile(pidFile).catch(() => "")).trim()) || 0;
        if (pid === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert(pid > 0 && processAlive(pid), "reader.sh did not start");
      // Closing with the server's unread header in our buffer resets the connection.
      conn.close();
      assert(await waitForExit(pid), "reader.sh still runs");
      await Deno.remove(pidFile).catch(() => {});
    });

    assertStringIncludes(await get(running.port, "/cgi-bin/file1.py"), "Hello World");
    const killed = running.captured.log.filter((line) =>
      line.includes("CGI script killed: client disconnected")
    );
    assertEquals(killed.length, 2, running.captured.log.join(""));
  } finally {
    await running.stop();
  }
});

Deno.test("CGI: concurrent scripts run concurrently; one dying ends only its response", async () => {
  const running = startCgi();
  try {
    const started = performance.now();
    const [a, b, dies] = await Promise.all([
      get(running.port, "/cgi-bin/slow.sh"),
      get(running.port, "/cgi-bin/slow.sh"),
      get(running.port, "/cgi-bin/dies.sh"),
    ]);
    const elapsed = performance.now() - started;
    assertEquals(scriptOutput(a), "Content-Type: text/plain\n\nslept\n");
    assertEquals(scriptOutput(b), "Content-Type: text/plain\n\nslept\n");
    // A script killed mid-output ends only its own response.
    assertEquals(scriptOutput(dies), "Content-Type: text/plain\n\npartial\n");
    assertStringIncludes(running.captured.log.join(""), "] CGI script exit code -9\n");
    assert(elapsed < 2000, `two 1-second scripts took ${elapsed.toFixed(0)} ms`);
    console.log(`two concurrent 1 s scripts: ${elapsed.toFixed(0)} ms`);
  } finally {
    await running.stop();
  }
});

/** A request head (without the blank line) plus a body and its Content-Length. */
function withBody(head: string, body: string): string {
  return `${head}Content-Length: ${body.length}\r\n\r\n${body}`;
}

/** Requests sent to both servers; answers compared with Date, Server and volatile env masked. */
const DIFFERENTIAL_REQUESTS: string[] = [
  "GET /cgi-bin/file1.py HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/file6.py HTTP/1.0\r\nAccept: text/html\r\nAccept: text/plain\r\n\r\n",
  "GET /cgi-bin/env.sh/extra%20path/x%2Fy?kw+x%41 HTTP/1.0\r\n" +
  `Authorization: Basic ${btoa("user:pass")}\r\nAccept: text/html\r\nAccept: text/plain\r\n` +
  "Cookie: a=1\r\nCookie: \r\nCookie: b=2\r\nReferer: http://r/\r\nUser-Agent: ua/1\r\n\r\n",
  "GET /cgi-bin/env.sh HTTP/1.0\r\nAuthorization: Basic !!\r\nContent-Type: text/x\r\n\r\n",
  "GET /cgi-bin/env.sh HTTP/1.0\r\nAuthorization: Digest a b\r\n\r\n",
  "GET /cgi-bin/env.sh?a=b?c=d HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/env.sh?k=aa%2F%2Fbb&//q//p//=//a//b// HTTP/1.0\r\n\r\n",
  "GET /cgi-bin%2fenv.sh HTTP/1.0\r\n\r\n",
  "GET cgi-bin/file1.py HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/child-dir/file3.py HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/child-dir/../env.sh/a/../b HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/nothere.py HTTP/1.0\r\n\r\n",
  "GET ///////////nocgi.py/../cgi-bin/nothere.sh HTTP/1.0\r\n\r\n",
  "GET /htbin/x'y HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/ HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/child-dir HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/noexec.py HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/../../x HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/env.sh HTTP/1.0\r\nUser-Agent: a\0b\r\n\r\n",
  "GET /nocgi.py HTTP/1.0\r\n\r\n",
  "GET /sub/dir/cgi-bin/file5.py HTTP/1.0\r\n\r\n",
  "POST /nocgi.py HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
  "POST /cgi-bin/file2.py HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
  "Content-Length: 31\r\n\r\nspam=1&eggs=python&bacon=123456",
  withBody(
    "POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Type: multipart/form-data; boundary=XX\r\n",
    '--XX\r\nContent-Disposition: form-data; name="f"\r\n\r\n\x00\x01\xff\r\n--XX--\r\n',
  ),
  "POST /cgi-bin/env.sh HTTP/1.0\r\nContent-Length: 4\r\n\r\nbody",
  "HEAD /cgi-bin/file1.py HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/fail.sh HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/badinterp.sh HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/dies.sh HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/noshebang.sh HTTP/1.0\r\n\r\n",
  "GET /cgi-bin/file4.py?%2e%2e/x HTTP/1.0\r\n\r\n",
  "PUT /cgi-bin/file1.py HTTP/1.0\r\n\r\n",
];

function maskResponse(response: string): string {
  return maskVolatileHeaders(response)
    .replace(/^SERVER_SOFTWARE=.*$/m, "SERVER_SOFTWARE=<masked>")
    .replace(/^SERVER_PORT=.*$/m, "SERVER_PORT=<masked>");
}

Deno.test({
  name: "CGI: differential against CPython 3.13 `python -m http.server --cgi`",
  ignore: findPython313() === null,
  fn: async () => {
    const env = { CGI_MARKER: "same for both" };
    const ours = await startOurCgiServer(tree, { env });
    const cpython = await startCpythonCgiServer(tree, freePort(), env);
    try {
      assert(cpython !== null);
      const probe = fromLatin1(await rawExchange(cpython.port, DIFFERENTIAL_REQUESTS[0]));
      assertStringIncludes(probe, "Server: SimpleHTTP/0.6 Python/3.13");
      assertStringIncludes(probe, "\n\nHello World\n");
      const mismatches: string[] = [];
      for (const request of DIFFERENTIAL_REQUESTS) {
        const [a, b] = await Promise.all([
          rawExchange(ours.port, request),
          rawExchange(cpython.port, request),
        ]);
        const mine = maskResponse(fromLatin1(a));
        const theirs = maskResponse(fromLatin1(b));
        if (mine !== theirs) {
          mismatches.push(
            `${JSON.stringify(request)}\n--- ours\n${JSON.stringify(mine)}\n` +
              `--- cpython\n${JSON.stringify(theirs)}`,
          );
        }
      }
      assertEquals(mismatches, []);
    } finally {
      await ours.stop();
      await cpython?.stop();
    }
  },
});

addEventListener("unload", () => {
  try {
    Deno.removeSync(tree, { recursive: true });
  } catch {
    // Already gone.
  }
});
