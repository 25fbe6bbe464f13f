// docs/deploy.md, tested: two instances of the command line behind nginx on 127.0.0.1 (the
// config is deploy/nginx-upstream.conf itself, with only its addresses and port replaced); one
// is stopped with SIGTERM while requests go on, and none fails (a control run with
// `proxy_next_upstream off` sees the 502 this avoids); the same over TLS to the instances
// (`--tls-cert`, the page's `proxy_ssl_*` block, a self-signed certificate). The systemd unit's
// ExecStart and the Dockerfile's CMD run with the local deno and serve; `systemd-analyze
// verify` checks the unit; the page shows the three files byte for byte. No image is built (no
// Docker engine here) and no unit is started under systemd. The parts that need nginx, openssl
// or systemd-analyze are skipped, with a message, where those are not installed.

import { assert, assertEquals, assertMatch } from "../deps.ts";
import { Child, CLI_PATH, type Finished, REPO_ROOT, sleep } from "./_cli_process.ts";
import { freePort, nginxMainConfig } from "./_helpers.ts";

const DOC = `${REPO_ROOT}/docs/deploy.md`;
const NGINX_CONF = `${REPO_ROOT}/deploy/nginx-upstream.conf`;
const UNIT = `${REPO_ROOT}/deploy/httpserver.service`;
const DOCKERFILE = `${REPO_ROOT}/deploy/Dockerfile`;

/** Milliseconds nginx gets to start listening before the test gives up. */
const NGINX_START_TIMEOUT_MS = 10_000;

/** Milliseconds one request through nginx may take (its connect timeout is 2 s). */
const REQUEST_TIMEOUT_MS = 10_000;

/** Requests sent while both instances serve: round robin reaches each about half of them. */
const SPREAD_REQUESTS = 20;

/** Requests sent from the SIGTERM on, and again once the stopped instance has exited. */
const FAILOVER_REQUESTS = 50;

/** Clients sending at once while an instance stops (its in-flight and keep-alive paths). */
const STOP_CLIENTS = 5;

/** What the stopped instance prints (Python's line, on SIGINT and SIGTERM alike). */
const INTERRUPT_LINE = "Keyboard interrupt received, exiting.";

/** The first of `candidates` that runs with `args` (exit 0), or null. */
function findTool(candidates: string[], args: string[]): string | null {
  for (const candidate of candidates) {
    try {
      const ok = new Deno.Command(candidate, { args, stdout: "null", stderr: "null" })
        .outputSync().success;
      if (ok) return candidate;
    } catch {
      // Not there: try the next.
    }
  }
  return null;
}

const NGINX = findTool(["nginx", "/usr/sbin/nginx"], ["-v"]);
if (NGINX === null) {
  console.log("deploy_test: nginx is not installed; the load-balancer test is skipped");
}
const OPENSSL = findTool(["openssl"], ["version"]);
if (NGINX !== null && OPENSSL === null) {
  console.log("deploy_test: openssl is not installed; the TLS-to-instances test is skipped");
}
const SYSTEMD_ANALYZE = findTool(["systemd-analyze", "/usr/bin/systemd-analyze"], ["--version"]);
if (SYSTEMD_ANALYZE === null) {
  console.log("deploy_test: systemd-analyze is not installed; `verify` of the unit is skipped");
}

/** `text` with `from` replaced by `to`, failing unless `from` occurs exactly `count` times. */
function replaceExactly(text: string, from: string, to: string, count = 1): string {
  const found = text.split(from).length - 1;
  assertEquals(found, count, `expected ${count} × ${JSON.stringify(from)}, found ${found}`);
  return text.replaceAll(from, to);
}

/** Two served trees, each with `instance.txt` naming its instance, so answers say who served. */
async function makeSites(root: string): Promise<[string, string]> {
  const sites: [string, string] = [`${root}/www1`, `${root}/www2`];
  for (const [i, site] of sites.entries()) {
    await Deno.mkdir(site);
    await Deno.writeTextFile(`${site}/instance.txt`, `instance ${i + 1}\n`);
  }
  return sites;
}

/** GET through nginx: status and body, or the error's text (a failed request) as status 0. */
async function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/** Waits until something accepts on 127.0.0.1:`port`, or fails after `timeoutMs`. */
async function waitForListener(port: number, owner: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (error) {
      if (owner.exited || Date.now() > deadline) {
        throw new Error(`nothing listens on ${port}: ${error}\n${owner.describe()}`);
      }
      await sleep(20);
    }
  }
}

/** Checks a stopped instance exited as a SIGTERM should leave it: code 0, Python's line. */
function assertGracefulExit(finished: Finished, what: string): void {
  assertEquals(finished.code, 0, `${what} exit code\n${finished.stderr}`);
  assertEquals(finished.signal, null, what);
  assert(finished.stdout.includes(INTERRUPT_LINE), `${what}: ${finished.stdout}`);
}

Deno.test("docs/deploy.md shows deploy/'s files as they are", async () => {
  const doc = await Deno.readTextFile(DOC);
  const blocks = [...doc.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  for (const path of [NGINX_CONF, UNIT, DOCKERFILE]) {
    const text = await Deno.readTextFile(path);
    assert(blocks.includes(text), `docs/deploy.md has no code block equal to ${path}`);
  }
});

/** What clients got through nginx around one instance's stop. */
interface Failover {
  /** Answers to the requests sent from the SIGTERM until the instance exited. */
  during: { status: number; body: string }[];
  /** Answers to the requests sent after it exited. */
  after: { status: number; body: string }[];
}

/**
 * Two instances (started with `instanceArgs` too) behind nginx running `snippet` (deploy/nginx-upstream.conf or a variant):
 * checks both answer and log nginx's address, then stops instance 1 with SIGTERM while
 * {@linkcode STOP_CLIENTS} clients send {@linkcode FAILOVER_REQUESTS} requests, waits for its
 * exit, sends as many again, and returns every answer. Everything is stopped and removed after.
 */
async function failover(snippet: string, instanceArgs: string[] = []): Promise<Failover> {
  const root = await Deno.makeTempDir({ prefix: "deploy_nginx_" });
  const children: Child[] = [];
  try {
    const sites = await makeSites(root);
    const instances = sites.map((site) =>
      Child.cli([...instanceArgs, "-b", "127.0.0.1", "-d", site, "-p", "HTTP/1.1", "0"])
    );
    children.push(...instances);
    const ports = [];
    const scheme = instanceArgs.includes("--tls-cert") ? "HTTPS" : "HTTP";
    for (const instance of instances) {
      const banner = await instance.banner();
      assertEquals(banner.scheme, scheme, banner.line);
      ports.push(banner.port);
    }

    const port = freePort();
    snippet = replaceExactly(snippet, "127.0.0.1:8001", `127.0.0.1:${ports[0]}`);
    snippet = replaceExactly(snippet, "127.0.0.1:8002", `127.0.0.1:${ports[1]}`);
    snippet = replaceExactly(snippet, "listen 80;", `listen 127.0.0.1:${port};`);
    await Deno.writeTextFile(
      `${root}/nginx.conf`,
      nginxMainConfig(root, snippet, `${root}/access.log`),
    );
    const nginx = Child.spawn(NGINX!, [
      "-p",
      root,
      "-c",
      `${root}/nginx.conf`,
      "-e",
      `${root}/error.log`,
    ]);
    children.push(nginx);
    await waitForListener(port, nginx, NGINX_START_TIMEOUT_MS);

    // Both instances answer through nginx; their logs show nginx's address (the peer), not
    // the X-Forwarded-For a client sent, as Python's log does.
    const served = new Set<string>();
    for (let i = 0; i < SPREAD_REQUESTS; i++) {
      const answer = await get(port, "/instance.txt", { "X-Forwarded-For": "203.0.113.7" });
      assertEquals(answer.status, 200, answer.body);
      served.add(answer.body);
    }
    assertEquals([...served].sort(), ["instance 1\n", "instance 2\n"]);
    for (const instance of instances) {
      const lines = instance.stderr.split("\n").filter((line) => line.includes("GET /"));
      assert(lines.length > 0, instance.describe());
      for (const line of lines) {
        assertMatch(line, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/instance\.txt HTTP\/1\.1" 200 -$/);
      }
    }

    // Instance 1 stops while clients go on, several at once.
    instances[0].process.kill("SIGTERM");
    const during: Failover["during"] = [];
    const lanes = Array.from({ length: STOP_CLIENTS }, async (_, lane) => {
      for (let i = lane; i < FAILOVER_REQUESTS; i += STOP_CLIENTS) {
        during.push(await get(port, "/instance.txt"));
      }
    });
    await Promise.all(lanes);
    assertGracefulExit(await instances[0].finished(), "instance 1 after SIGTERM");
    const after: Failover["after"] = [];
    for (let i = 0; i < FAILOVER_REQUESTS; i++) after.push(await get(port, "/instance.txt"));

    assertGracefulExit(await instances[1].stop("SIGTERM"), "instance 2 after SIGTERM");
    const nginxDone = await nginx.stop("SIGTERM");
    assert(nginxDone.code === 0 || nginxDone.signal === "SIGTERM", nginx.describe());
    return { during, after };
  } finally {
    for (const child of children) await child.kill();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  name: "nginx upstream: both instances serve; one stopped, no request fails",
  ignore: NGINX === null,
  async fn() {
    const { during, after } = await failover(await Deno.readTextFile(NGINX_CONF));
    // During the stop an answer may still be instance 1's (on a keep-alive connection nginx
    // holds); none fails. After its exit every answer is instance 2's.
    for (const [i, answer] of during.entries()) {
      assertEquals(answer.status, 200, `request ${i} during the stop: ${answer.body}`);
    }
    for (const [i, answer] of after.entries()) {
      assertEquals(answer, { status: 200, body: "instance 2\n" }, `request ${i} after the exit`);
    }
  },
});

Deno.test({
  name: "nginx upstream, control: with proxy_next_upstream off the same stop fails a request",
  ignore: NGINX === null,
  async fn() {
    // Shows the test above can see a failure: nginx's first request to the stopped instance
    // is refused, and without a retry the client gets 502 (then max_fails marks it down).
    const snippet = replaceExactly(
      await Deno.readTextFile(NGINX_CONF),
      "proxy_next_upstream error timeout;",
      "proxy_next_upstream off;",
    );
    const { during, after } = await failover(snippet);
    const failed = [...during, ...after].filter((answer) => answer.status !== 200);
    assert(failed.length > 0, "no request failed without proxy_next_upstream");
    for (const answer of failed) assertEquals(answer.status, 502, answer.body);
  },
});

/** The docs/deploy.md code block that begins with `first`. */
async function docBlock(first: string): Promise<string> {
  const doc = await Deno.readTextFile(DOC);
  const blocks = [...doc.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  const found = blocks.filter((block) => block.startsWith(first));
  assertEquals(found.length, 1, `docs/deploy.md: blocks beginning with ${first}`);
  return found[0];
}

Deno.test({
  name: "nginx upstream over TLS to the instances (--tls-cert): one stopped, no request fails",
  ignore: NGINX === null || OPENSSL === null,
  async fn() {
    const certs = await Deno.makeTempDir({ prefix: "deploy_tls_" });
    try {
      const out = await new Deno.Command(OPENSSL!, {
        // deno-fmt-ignore
        args: [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", `${certs}/key.pem`, "-out", `${certs}/cert.pem`, "-days", "2",
          "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      // The page's block in place of the plain proxy_pass, its CA and name made this test's.
      let block = await docBlock("proxy_pass https://httpserver;\n");
      block = replaceExactly(block, "/etc/nginx/httpserver-ca.pem", `${certs}/cert.pem`);
      block = replaceExactly(
        block,
        "proxy_ssl_name httpserver.internal;",
        "proxy_ssl_name localhost;",
      );
      const indent = "        ";
      const snippet = replaceExactly(
        await Deno.readTextFile(NGINX_CONF),
        `${indent}proxy_pass http://httpserver;\n`,
        block.split("\n").map((line) => line === "" ? line : indent + line).join("\n"),
      );
      const tls = ["--tls-cert", `${certs}/cert.pem`, "--tls-key", `${certs}/key.pem`];
      const { during, after } = await failover(snippet, tls);
      for (const [i, answer] of during.entries()) {
        assertEquals(answer.status, 200, `request ${i} during the stop: ${answer.body}`);
      }
      for (const [i, answer] of after.entries()) {
        assertEquals(answer, { status: 200, body: "instance 2\n" }, `request ${i} after the exit`);
      }
    } finally {
      await Deno.remove(certs, { recursive: true });
    }
  },
});

/** Starts `args` (deno's arguments), fetches a file from the banner's port, stops with SIGTERM. */
async function assertServes(args: string[], site: string, cwd: string): Promise<void> {
  await Deno.writeTextFile(`${site}/hello.txt`, "hello\n");
  const child = Child.spawn(Deno.execPath(), args, { cwd });
  try {
    const { port } = await child.banner();
    const answer = await get(port, "/hello.txt");
    assertEquals(answer, { status: 200, body: "hello\n" }, child.describe());
    assertGracefulExit(await child.stop("SIGTERM"), child.commandLine);
  } finally {
    await child.kill();
  }
}

Deno.test("systemd unit: ExecStart's command line serves and stops cleanly on SIGTERM", async () => {
  const unit = await Deno.readTextFile(UNIT);
  const execStart = /^ExecStart=(.*)$/m.exec(unit);
  assert(execStart !== null, "no ExecStart= line");
  const [deno, ...args] = execStart[1].split(" ");
  assertEquals(deno, "/usr/local/bin/deno");
  const root = await Deno.makeTempDir({ prefix: "deploy_unit_" });
  try {
    let line = args.join(" ");
    line = replaceExactly(line, "/opt/httpserver/cli.ts", CLI_PATH);
    line = replaceExactly(line, "/srv/www", root, 2);
    assert(line.includes(" -b 127.0.0.1 "), `the unit binds loopback: ${line}`);
    assert(line.endsWith(" 8001"), line);
    // systemd starts services in /.
    await assertServes(`${line.slice(0, -" 8001".length)} 0`.split(" "), root, "/");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "systemd unit: systemd-analyze verify finds nothing to say",
  ignore: SYSTEMD_ANALYZE === null,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "deploy_verify_" });
    try {
      // The unit names /usr/local/bin/deno, which verify requires to exist: point it at the
      // deno running this test.
      const unit = replaceExactly(
        await Deno.readTextFile(UNIT),
        "ExecStart=/usr/local/bin/deno ",
        `ExecStart=${Deno.execPath()} `,
      );
      await Deno.writeTextFile(`${root}/httpserver.service`, unit);
      const { code, stdout, stderr } = await new Deno.Command(SYSTEMD_ANALYZE!, {
        args: ["verify", `${root}/httpserver.service`],
        env: { SYSTEMD_LOG_COLOR: "0" },
      }).output();
      const said = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assertEquals(code, 0, said);
      assertEquals(said, "");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("Dockerfile: CMD's command line serves, as the image's deno would run it", async () => {
  const dockerfile = await Deno.readTextFile(DOCKERFILE);
  // The image's deno is the project's (the version .ci/run runs).
  const ciDeno = /npx -y deno@(\S+) /.exec(await Deno.readTextFile(`${REPO_ROOT}/.ci/run`));
  assert(ciDeno !== null, ".ci/run names no deno version");
  assertMatch(
    dockerfile,
    new RegExp(`^FROM denoland/deno:${ciDeno[1].replaceAll(".", "\\.")}$`, "m"),
  );
  assertMatch(dockerfile, /^USER deno$/m);
  assertMatch(dockerfile, /^RUN deno cache cli\.ts$/m);
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
  assert(cmd !== null, "no CMD [...] line");
  const args: string[] = JSON.parse(cmd[1]);
  // The image's entrypoint runs `deno ARGS...` for a subcommand such as `run`.
  assertEquals(args[0], "run");
  const exposed = /^EXPOSE (\d+)$/m.exec(dockerfile);
  assert(exposed !== null, "no EXPOSE line");
  assertEquals(args.at(-1), exposed[1], "CMD listens on the EXPOSEd port");
  const root = await Deno.makeTempDir({ prefix: "deploy_docker_" });
  try {
    // WORKDIR /app is the checkout; bind loopback, not 0.0.0.0, and take any free port.
    let line = args.slice(0, -1).join(" ");
    line = replaceExactly(line, "/srv/www", root, 2);
    line = replaceExactly(line, "-b 0.0.0.0", "-b 127.0.0.1");
    assert(/^WORKDIR \/app$/m.test(dockerfile), "WORKDIR is not /app");
    await assertServes([...line.split(" "), "0"], root, REPO_ROOT);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
