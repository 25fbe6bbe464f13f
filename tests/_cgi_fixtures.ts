/**
 * Fixtures of the CGI tests: a served tree with real scripts (POSIX sh and Python, made
 * executable, world-readable so that CPython's child can read them after its
 * `setuid(nobody)`), child-process servers (ours and CPython's `--cgi`), and process probes.
 *
 * @module
 */
import { findPython313, waitForPort } from "./_helpers.ts";

/** The interpreter named in the Python scripts' `#!` line (one `nobody` can run). */
export function scriptPython(): string {
  for (const candidate of ["/usr/bin/python3", "/usr/local/bin/python3"]) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // absent
    }
  }
  return findPython313() ?? "/usr/bin/env python3";
}

/** CGI variables that `env.sh` prints (plus the marker the tests put in the server's env). */
export const DUMPED_VARIABLES: readonly string[] = [
  "AUTH_TYPE",
  "CGI_MARKER",
  "CONTENT_LENGTH",
  "CONTENT_TYPE",
  "GATEWAY_INTERFACE",
  "HTTP_ACCEPT",
  "HTTP_COOKIE",
  "HTTP_REFERER",
  "HTTP_USER_AGENT",
  "PATH_INFO",
  "PATH_TRANSLATED",
  "QUERY_STRING",
  "REMOTE_ADDR",
  "REMOTE_HOST",
  "REMOTE_USER",
  "REQUEST_METHOD",
  "SCRIPT_NAME",
  "SERVER_NAME",
  "SERVER_PORT",
  "SERVER_PROTOCOL",
  "SERVER_SOFTWARE",
];

function pythonScript(python: string, body: string): string {
  return `#!${python}\n${body}`;
}

/** The files of the served tree: path → [content, mode]. */
function treeFiles(python: string): Record<string, [string, number]> {
  const hello = pythonScript(
    python,
    `print("Content-type: text/html")\nprint()\nprint("Hello World")\n`,
  );
  const dump = DUMPED_VARIABLES.map((name) =>
    `if [ "\${${name}+set}" = set ]; then printf '%s=%s\\n' ${name} "$${name}"; fi`
  ).join("\n");
  return {
    "nocgi.py": [hello, 0o755],
    "cgi-bin/file1.py": [hello, 0o755],
    "cgi-bin/child-dir/file3.py": [hello, 0o755],
    "sub/dir/cgi-bin/file5.py": [hello, 0o755],
    "cgi-bin/file2.py": [
      pythonScript(
        python,
        `import os, sys, urllib.parse
print("Content-type: text/html")
print()
length = int(os.environ["CONTENT_LENGTH"])
params = {k.decode(): v.decode() for k, v in urllib.parse.parse_qsl(sys.stdin.buffer.read(length))}
print("%s, %s, %s" % (params["spam"], params["eggs"], params["bacon"]))
`,
      ),
      0o755,
    ],
    "cgi-bin/file4.py": [
      pythonScript(
        python,
        `import os\nprint("Content-type: text/html")\nprint()\nprint(os.environ["QUERY_STRING"])\n`,
      ),
      0o755,
    ],
    "cgi-bin/file6.py": [
      pythonScript(
        python,
        `import os
print("X-ambv: was here")
print("Content-type: text/html")
print()
print("<pre>")
for k in sorted(os.environ):
    if k.startswith(("HTTP_", "SERVER_N", "REQUEST_", "GATEWAY_")):
        print(f"{k}={os.environ[k]}")
print("</pre>")
`,
      ),
      0o755,
    ],
    "cgi-bin/env.sh": [
      `#!/bin/sh
printf 'Content-Type: text/plain\\n\\n'
printf 'argc=%s\\n' "$#"
for a in "$@"; do printf 'arg=[%s]\\n' "$a"; done
printf 'has_home=%s\\n' "\${HOME+yes}"
${dump}
`,
      0o755,
    ],
    "cgi-bin/echo.sh": [
      `#!/bin/sh
printf 'Content-Type: application/octet-stream\\n\\n'
head -c "\${CONTENT_LENGTH:-0}"
`,
      0o755,
    ],
    "cgi-bin/sha256.sh": [
      `#!/bin/sh
sum=$(head -c "\${CONTENT_LENGTH:-0}" | sha256sum | cut -d' ' -f1)
printf 'Content-Type: text/plain\\n\\nsha256=%s\\n' "$sum"
`,
      0o755,
    ],
    "cgi-bin/fail.sh": [
      `#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\npartial\\n'\nexit 3\n`,
      0o755,
    ],
    "cgi-bin/stderr.sh": [
      `#!/bin/sh\necho "to stderr" >&2\nprintf 'Content-Type: text/plain\\n\\nok\\n'\n`,
      0o755,
    ],
    "cgi-bin/slow.sh": [
      `#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\n\\nslept\\n'\n`,
      0o755,
    ],
    "cgi-bin/hang.sh": [
      `#!/bin/sh
printf 'Content-Type: text/plain\\n\\nstarted pid=%s\\n' "$$"
sleep 30 &
printf 'sleeper=%s\\n' "$!"
wait
echo finished
`,
      0o755,
    ],
    "cgi-bin/ticker.sh": [
      `#!/bin/sh
printf 'Content-Type: text/plain\\n\\npid=%s\\n' "$$"
while :; do echo tick; sleep 0.05; done
`,
      0o755,
    ],
    "cgi-bin/reader.sh": [
      `#!/bin/sh
echo "$$" > "$PATH_TRANSLATED"
cat > /dev/null
printf 'Content-Type: text/plain\\n\\nread all\\n'
sleep 30
`,
      0o755,
    ],
    "cgi-bin/dies.sh": [
      `#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\npartial\\n'\nkill -9 $$\necho never\n`,
      0o755,
    ],
    "cgi-bin/badinterp.sh": [`#!/nonexistent/interpreter\necho never\n`, 0o755],
    "cgi-bin/noshebang.sh": [`printf 'Content-Type: text/plain\\n\\nran\\n'\n`, 0o755],
    "cgi-bin/noexec.py": [hello, 0o644],
    "cgi-bin/noexec.sh": [`#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nran\\n'\n`, 0o644],
  };
}

/** Writes the served tree into a new world-readable temporary directory. */
export async function makeCgiTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "httpserver_cgi_" });
  await Deno.chmod(root, 0o755);
  for (const [path, [content, mode]] of Object.entries(treeFiles(scriptPython()))) {
    const full = `${root}/${path}`;
    const parent = full.slice(0, full.lastIndexOf("/"));
    await Deno.mkdir(parent, { recursive: true });
    await Deno.writeTextFile(full, content);
    await Deno.chmod(full, mode);
  }
  for (const dir of ["cgi-bin", "cgi-bin/child-dir", "sub", "sub/dir", "sub/dir/cgi-bin"]) {
    await Deno.chmod(`${root}/${dir}`, 0o755);
  }
  // Fixed times, so that Last-Modified is the same for every server.
  await Deno.utime(`${root}/nocgi.py`, 1_700_000_000, 1_700_000_000);
  await Deno.utime(`${root}/sub/dir/cgi-bin/file5.py`, 1_700_000_000, 1_700_000_000);
  return root;
}

/** A server running in a child process. */
export interface ChildServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  const decoder = new TextDecoder();
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.split("\n")[0];
}

/**
 * Starts `tests/_cgi_server.ts` (our `ThreadingHTTPServer` + `CGIHTTPRequestHandler`) in a
 * child `deno run`, with the given permission flags (default `-A`).
 */
export async function startOurCgiServer(
  directory: string,
  options: { permissions?: string[]; timeout?: number | null; env?: Record<string, string> } = {},
): Promise<ChildServer> {
  const script = new URL("./_cgi_server.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...(options.permissions ?? ["-A"]),
      script,
      directory,
      options.timeout === undefined || options.timeout === null ? "none" : String(options.timeout),
    ],
    env: options.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const port = Number(await readFirstLine(child.stdout));
  if (!Number.isInteger(port) || port <= 0) throw new Error("our CGI server did not start");
  return {
    port,
    pid: child.pid,
    async stop() {
      await child.stdin.close();
      await child.stdout.cancel();
      await child.status;
    },
  };
}

/** Starts CPython 3.13's `python -m http.server --cgi` on a free port, or null without it. */
export async function startCpythonCgiServer(
  directory: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ChildServer | null> {
  const python = findPython313();
  if (python === null) return null;
  const child = new Deno.Command(python, {
    args: ["-m", "http.server", "--cgi", "-b", "127.0.0.1", String(port), "-d", directory],
    cwd: directory,
    env: { ...env, PYTHONWARNINGS: "ignore" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** `VmRSS` and `VmHWM` of a process in bytes (Linux), or null. */
export function memoryOf(pid: number | "self"): { rss: number; hwm: number } | null {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (name: string) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
      return match === null ? NaN : Number(match[1]) * 1024;
    };
    return { rss: field("VmRSS"), hwm: field("VmHWM") };
  } catch {
    return null;
  }
}

/** Whether a process is alive (exists and is not a zombie), from `/proc`. */
export function processAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Waits until a process is gone, up to `timeoutMs`; returns whether it went. */
export async function waitForExit(pid: number, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return !processAlive(pid);
}
