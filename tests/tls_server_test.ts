// HTTPSServer and ThreadingHTTPSServer (spec §1.2, §7.3): certificate loading and its errors
// at construction, GET over TLS with curl, fetch and openssl, ALPN, and clients that abort
// or stall the handshake or speak plaintext, which must cost only their own connection.
// Certificates are made with `openssl` at test time in a temporary directory.
import { assert, assertEquals, assertMatch, assertStringIncludes, assertThrows } from "../deps.ts";
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import type { RequestHandlerClass } from "../handlers/base.ts";
import type { ClientAddress } from "../types.ts";
import {
  HTTPSServer,
  type HTTPSServerOptions,
  loadCertChain,
  ThreadingHTTPSServer,
  TLSConfigurationError,
} from "../tls_server.ts";
import { Quiet } from "./_base_handlers.ts";
import { fromLatin1, latin1, readAll, text, utf8 } from "./_helpers.ts";

const PASSWORD = "somepass";
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Fixtures

interface Fixtures {
  dir: string;
  /** Self-signed RSA certificate (CA:FALSE, SAN localhost and 127.0.0.1) and its PKCS#8 key. */
  rsaCrt: string;
  rsaKey: string;
  /** The same key as PKCS#1 (`RSA PRIVATE KEY`). */
  rsaPkcs1Key: string;
  /** Self-signed EC P-256 certificate and its key. */
  ecCrt: string;
  ecKey: string;
  /** rsaCrt followed by rsaKey. */
  combined: string;
  /** rsaCrt followed by the key encrypted as PKCS#8 (`ENCRYPTED PRIVATE KEY`). */
  combinedEncrypted: string;
  /** The RSA key, encrypted PKCS#8. */
  rsaKeyPkcs8Encrypted: string;
  /** The RSA key, traditional PEM encryption (`Proc-Type: 4,ENCRYPTED`, AES-256-CBC). */
  rsaKeyTraditionalEncrypted: string;
  /** The EC key, traditional PEM encryption (AES-128-CBC). */
  ecKeyTraditionalEncrypted: string;
  /** A CERTIFICATE block of junk, then the RSA key (as CPython's badcert.pem). */
  badCert: string;
  /** An empty file. */
  empty: string;
  /** A path that does not exist. */
  missing: string;
}

let fixtures: Fixtures | null = null;

function openssl(dir: string, ...args: string[]): void {
  const out = new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed: ${decoder.decode(out.stderr)}`);
  }
}

function selfSigned(dir: string, name: string, newkey: string[]): void {
  openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    ...newkey,
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  );
}

/** Generates the certificates once per test run. */
function certs(): Fixtures {
  if (fixtures !== null) return fixtures;
  const dir = Deno.makeTempDirSync({ prefix: "httpserver_tls_" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone.
    }
  });
  const path = (name: string) => `${dir}/${name}`;
  selfSigned(dir, "rsa", ["rsa:2048"]);
  selfSigned(dir, "ec", ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
  openssl(dir, "rsa", "-in", "rsa.key", "-traditional", "-out", "rsa_pkcs1.key");
  openssl(
    dir,
    "pkcs8",
    "-topk8",
    "-in",
    "rsa.key",
    "-v2",
    "aes-256-cbc",
    "-passout",
    `pass:${PASSWORD}`,
    "-out",
    "rsa_pkcs8_enc.key",
  );
  openssl(
    dir,
    "rsa",
    "-in",
    "rsa.key",
    "-traditional",
    "-aes256",
    "-passout",
    `pass:${PASSWORD}`,
    "-out",
    "rsa_trad_enc.key",
  );
  openssl(
    dir,
    "ec",
    "-in",
    "ec.key",
    "-aes128",
    "-passout",
    `pass:${PASSWORD}`,
    "-out",
    "ec_enc.key",
  );
  const read = (name: string) => Deno.readTextFileSync(path(name));
  Deno.writeTextFileSync(path("combined.pem"), read("rsa.crt") + read("rsa.key"));
  Deno.writeTextFileSync(
    path("combined_enc.pem"),
    read("rsa.crt") + read("rsa_pkcs8_enc.key"),
  );
  Deno.writeTextFileSync(
    path("badcert.pem"),
    "-----BEGIN CERTIFICATE-----\nMIICLDCCAdKgAwIBAgIBADAKBggqhkjOPQQDAjB9MQswCQYDVQQGEwJCRTEPMA0G\n" +
      "-----END CERTIFICATE-----\n" + read("rsa.key"),
  );
  Deno.writeTextFileSync(path("empty.pem"), "");
  fixtures = {
    dir,
    rsaCrt: path("rsa.crt"),
    rsaKey: path("rsa.key"),
    rsaPkcs1Key: path("rsa_pkcs1.key"),
    ecCrt: path("ec.crt"),
    ecKey: path("ec.key"),
    combined: path("combined.pem"),
    combinedEncrypted: path("combined_enc.pem"),
    rsaKeyPkcs8Encrypted: path("rsa_pkcs8_enc.key"),
    rsaKeyTraditionalEncrypted: path("rsa_trad_enc.key"),
    ecKeyTraditionalEncrypted: path("ec_enc.key"),
    badCert: path("badcert.pem"),
    empty: path("empty.pem"),
    missing: path("does-not-exist.pem"),
  };
  return fixtures;
}

// ---------------------------------------------------------------------------------------------
// Servers and clients

type HTTPSServerClass = new (
  address: ClientAddress,
  handler: RequestHandlerClass,
  options: HTTPSServerOptions,
) => HTTPSServer;

const SERVER_CLASSES: [string, HTTPSServerClass][] = [
  ["HTTPSServer", HTTPSServer],
  ["ThreadingHTTPSServer", ThreadingHTTPSServer],
];

/** Answers GET with `path=<path>` and closes. */
class EchoPath extends Quiet {
  async do_GET(): Promise<void> {
    const body = utf8(`path=${this.path}\n`);
    this.send_response(200);
    this.send_header("Content-Length", String(body.length));
    await this.end_headers();
    await this.wfile.write(body);
  }
}

/** `SimpleHTTPRequestHandler` with logging silenced. */
class QuietSimple extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}

/** A server that records its failed handshakes. */
interface Running<S extends HTTPSServer> {
  server: S;
  port: number;
  failures: Error[];
  stop(): Promise<void>;
}

function start<S extends HTTPSServer>(
  ServerClass: new (a: ClientAddress, h: RequestHandlerClass, o: HTTPSServerOptions) => S,
  Handler: RequestHandlerClass = EchoPath,
  options: Partial<HTTPSServerOptions> = {},
): Running<S> {
  const f = certs();
  const server = new ServerClass(["127.0.0.1", 0], Handler, {
    certfile: f.rsaCrt,
    keyfile: f.rsaKey,
    ...options,
  });
  const failures: Error[] = [];
  server.handle_handshake_error = (error) => {
    failures.push(error instanceof Error ? error : new Error(String(error)));
  };
  const serving = server.serve_forever();
  return {
    server,
    port: server.server_port,
    failures,
    async stop() {
      await server.shutdown();
      await serving;
      await server[Symbol.asyncDispose]();
    },
  };
}

async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? latin1(data) : data;
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** A verified TLS connection to the server (trusting the RSA certificate). */
function connectTls(port: number, ca = certs().rsaCrt, alpn?: string[]): Promise<Deno.TlsConn> {
  return Deno.connectTls({
    hostname: "127.0.0.1",
    port,
    caCerts: [Deno.readTextFileSync(ca)],
    alpnProtocols: alpn,
  });
}

/** GET over a verified TLS connection; resolves to the whole response text. */
async function tlsGet(port: number, path: string, timeoutMs = 5_000): Promise<string> {
  const conn = await connectTls(port);
  try {
    await writeAll(conn, `GET ${path} HTTP/1.0\r\nHost: localhost\r\n\r\n`);
    return text(await readAll(conn, timeoutMs));
  } finally {
    conn.close();
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function run(cmd: string, args: string[], stdin?: string): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(utf8(stdin));
    await writer.close();
  }
  return await child.output();
}

/** A TLS 1.2 ClientHello record header and the start of its body: a handshake cut short. */
const PARTIAL_CLIENT_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00]);

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// §7.3 test_valid_certdata / test_invalid_certdata

Deno.test("fixtures: the encrypted keys are of the kinds the tests claim", () => {
  const f = certs();
  const head = (p: string) => Deno.readTextFileSync(p).slice(0, 120);
  assertStringIncludes(head(f.rsaKeyPkcs8Encrypted), "-----BEGIN ENCRYPTED PRIVATE KEY-----");
  assertStringIncludes(head(f.rsaKeyTraditionalEncrypted), "-----BEGIN RSA PRIVATE KEY-----");
  assertStringIncludes(head(f.rsaKeyTraditionalEncrypted), "Proc-Type: 4,ENCRYPTED");
  assertStringIncludes(head(f.ecKeyTraditionalEncrypted), "-----BEGIN EC PRIVATE KEY-----");
  assertStringIncludes(head(f.ecKeyTraditionalEncrypted), "Proc-Type: 4,ENCRYPTED");
  assertStringIncludes(head(f.rsaPkcs1Key), "-----BEGIN RSA PRIVATE KEY-----");
});

Deno.test("test_valid_certdata: every valid combination constructs and listens", () => {
  const f = certs();
  const valid: [string, Omit<HTTPSServerOptions, "bind_and_activate">][] = [
    ["combined cert+key file", { certfile: f.combined }],
    ["cert and key in separate files", { certfile: f.rsaCrt, keyfile: f.rsaKey }],
    ["cert+key file given as both", { certfile: f.combined, keyfile: f.combined }],
    ["password-protected combined file + password", {
      certfile: f.combinedEncrypted,
      password: PASSWORD,
    }],
    ["cert + encrypted PKCS#8 key + password", {
      certfile: f.rsaCrt,
      keyfile: f.rsaKeyPkcs8Encrypted,
      password: PASSWORD,
    }],
    ["cert + traditional encrypted RSA key + password", {
      certfile: f.rsaCrt,
      keyfile: f.rsaKeyTraditionalEncrypted,
      password: PASSWORD,
    }],
    ["EC cert + traditional encrypted EC key + password", {
      certfile: f.ecCrt,
      keyfile: f.ecKeyTraditionalEncrypted,
      password: PASSWORD,
    }],
    ["EC cert + key", { certfile: f.ecCrt, keyfile: f.ecKey }],
    ["cert + PKCS#1 key", { certfile: f.rsaCrt, keyfile: f.rsaPkcs1Key }],
    ["password as bytes", { certfile: f.combinedEncrypted, password: utf8(PASSWORD) }],
    ["password from a function (text)", {
      certfile: f.combinedEncrypted,
      password: () => PASSWORD,
    }],
    ["password from a function (bytes)", {
      certfile: f.rsaCrt,
      keyfile: f.rsaKeyTraditionalEncrypted,
      password: () => utf8(PASSWORD),
    }],
    ["password given for an unencrypted key (ignored)", {
      certfile: f.combined,
      password: "unused",
    }],
  ];
  for (const [name, options] of valid) {
    for (const [className, ServerClass] of SERVER_CLASSES) {
      const server = new ServerClass(["127.0.0.1", 0], EchoPath, options);
      try {
        assert(server.server_port > 0, `${className}, ${name}: not listening`);
        assertEquals(server.certfile, options.certfile);
        assertEquals(server.keyfile, options.keyfile ?? null);
        assertEquals(server.password, options.password ?? null);
        assertEquals(server.alpn_protocols, ["http/1.1"]);
      } finally {
        server.server_close();
      }
    }
  }
});

Deno.test("test_invalid_certdata: each bad input fails construction with a one-line error", () => {
  const f = certs();
  let calls = 0;
  const invalid: [string, HTTPSServerOptions, string, string][] = [
    // [case, options, file named, problem]
    ["bad cert", { certfile: f.badCert }, f.badCert, "not a valid X.509 certificate"],
    ["empty cert", { certfile: f.empty }, f.empty, "the file is empty"],
    ["cert without key", { certfile: f.rsaCrt }, f.rsaCrt, "no PEM private key found"],
    ["key only", { certfile: f.rsaKey }, f.rsaKey, "no PEM certificate found, only a private key"],
    [
      "key and cert swapped",
      { certfile: f.rsaKey, keyfile: f.rsaCrt },
      f.rsaKey,
      "are certfile and keyfile swapped?",
    ],
    [
      "wrong password (combined, PKCS#8)",
      { certfile: f.combinedEncrypted, password: "badpass" },
      f.combinedEncrypted,
      "cannot decrypt the private key (wrong password?)",
    ],
    [
      "wrong password (traditional RSA)",
      { certfile: f.rsaCrt, keyfile: f.rsaKeyTraditionalEncrypted, password: "badpass" },
      f.rsaKeyTraditionalEncrypted,
      "cannot decrypt the private key (wrong password?)",
    ],
    [
      "wrong password (traditional EC, from a function)",
      { certfile: f.ecCrt, keyfile: f.ecKeyTraditionalEncrypted, password: () => "badpass" },
      f.ecKeyTraditionalEncrypted,
      "cannot decrypt the private key (wrong password?)",
    ],
    [
      "encrypted key, no password",
      { certfile: f.combinedEncrypted },
      f.combinedEncrypted,
      "the private key is encrypted and no password was given",
    ],
    [
      "key of another certificate",
      { certfile: f.rsaCrt, keyfile: f.ecKey },
      f.ecKey,
      `the private key does not match the certificate in ${f.rsaCrt}`,
    ],
    ["missing certfile", { certfile: f.missing }, f.missing, "no such file"],
    ["missing keyfile", { certfile: f.rsaCrt, keyfile: f.missing }, f.missing, "no such file"],
    ["a directory", { certfile: f.dir }, f.dir, "is a directory"],
    [
      "password callback throws",
      {
        certfile: f.combinedEncrypted,
        password: () => {
          calls++;
          throw new RangeError("no password here");
        },
      },
      f.combinedEncrypted,
      "the password callback failed (no password here)",
    ],
  ];
  for (const [name, options, file, problem] of invalid) {
    for (const [className, ServerClass] of SERVER_CLASSES) {
      const error = assertThrows(
        () => new ServerClass(["127.0.0.1", 0], EchoPath, options),
        TLSConfigurationError,
      ) as TLSConfigurationError;
      assertEquals(error.file, file, `${className}: ${name}`);
      assertStringIncludes(error.problem, problem, `${className}: ${name}`);
      assertEquals(error.message, `${file}: ${error.problem}`);
      assert(!error.message.includes("\n"), `${className}: ${name}: multi-line message`);
      assertEquals(error.name, "TLSConfigurationError");
    }
  }
  assertEquals(calls, 2);
});

Deno.test("Deno.listenTls itself rejects a key that does not match the certificate", () => {
  // What Deno does without our own check: it validates the pair when listening (rustls'
  // key-consistency check), not at the first handshake. Our check runs first, for the message.
  const f = certs();
  const error = assertThrows(() =>
    Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: Deno.readTextFileSync(f.rsaCrt),
      key: Deno.readTextFileSync(f.ecKey),
    })
  );
  assertMatch(error.message, /KeyMismatch|not be consistent/);
  assertThrows(
    () =>
      Deno.listenTls({
        hostname: "127.0.0.1",
        port: 0,
        cert: Deno.readTextFileSync(f.rsaCrt),
        key: Deno.readTextFileSync(f.rsaKeyPkcs8Encrypted),
      }),
    Deno.errors.InvalidData,
    "No keys found",
  );
});

Deno.test("loadCertChain returns the chain and an unencrypted PKCS#8 key", () => {
  const f = certs();
  const pair = loadCertChain(f.rsaCrt, f.rsaKeyTraditionalEncrypted, PASSWORD);
  assertEquals(pair.cert, Deno.readTextFileSync(f.rsaCrt));
  assertMatch(pair.key, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
  const combined = loadCertChain(f.combined);
  assertEquals(combined.cert.includes("PRIVATE KEY"), false);
});

Deno.test("bind_and_activate=false: the files are loaded by server_bind", () => {
  const f = certs();
  const server = new HTTPSServer(["127.0.0.1", 0], EchoPath, {
    certfile: f.missing,
    bind_and_activate: false,
  });
  assertEquals(server.socket, null);
  assertThrows(() => server.server_bind(), TLSConfigurationError, "no such file");
  server.certfile = f.combined;
  server.server_bind();
  try {
    assert(server.server_port > 0);
  } finally {
    server.server_close();
  }
});

// ---------------------------------------------------------------------------------------------
// test_get and ALPN over real clients

Deno.test("test_get: curl -k GETs a file and a listing over TLS, ALPN http/1.1", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "httpserver_tls_www_" });
  Deno.writeTextFileSync(`${dir}/hello.txt`, "hello over tls\n");
  try {
    await curlGets(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

async function curlGets(dir: string): Promise<void> {
  for (const [className, ServerClass] of SERVER_CLASSES) {
    const running = start(ServerClass, QuietSimple, { certfile: certs().combined, keyfile: null });
    running.server.directory = dir;
    try {
      const file = await run("curl", [
        "-sk",
        "-v",
        "--max-time",
        "10",
        `https://127.0.0.1:${running.port}/hello.txt`,
      ]);
      assert(file.success, `${className}: curl failed: ${decoder.decode(file.stderr)}`);
      assertEquals(decoder.decode(file.stdout), "hello over tls\n");
      const verbose = decoder.decode(file.stderr);
      assertMatch(verbose, /ALPN.*server accepted (to use )?http\/1\.1/);
      assertMatch(verbose, /< HTTP\/1\.0 200 OK/);

      const listing = await run("curl", [
        "-sk",
        "--max-time",
        "10",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `https://127.0.0.1:${running.port}/`,
      ]);
      assertEquals(decoder.decode(listing.stdout), "200", className);
    } finally {
      await running.stop();
    }
  }
}

Deno.test("test_get: Deno fetch with the certificate as CA (RSA and EC)", async () => {
  const f = certs();
  for (const [crt, key] of [[f.rsaCrt, f.rsaKey], [f.ecCrt, f.ecKeyTraditionalEncrypted]]) {
    for (const [className, ServerClass] of SERVER_CLASSES) {
      const running = start(ServerClass, EchoPath, {
        certfile: crt,
        keyfile: key,
        password: PASSWORD,
      });
      const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(crt)] });
      try {
        const response = await fetch(`https://127.0.0.1:${running.port}/fetched?x=1`, { client });
        assertEquals(response.status, 200, className);
        assertEquals(await response.text(), "path=/fetched?x=1\n");
        const named = await fetch(`https://localhost:${running.port}/by-name`, { client });
        assertEquals(await named.text(), "path=/by-name\n");
      } finally {
        client.close();
        await running.stop();
      }
    }
  }
});

Deno.test("ALPN: http/1.1 is offered by default (openssl s_client and Deno.connectTls)", async () => {
  for (const [className, ServerClass] of SERVER_CLASSES) {
    const running = start(ServerClass);
    try {
      const out = await run("openssl", [
        "s_client",
        "-connect",
        `127.0.0.1:${running.port}`,
        "-servername",
        "localhost",
        "-alpn",
        "http/1.1",
      ], "");
      assertStringIncludes(decoder.decode(out.stdout), "ALPN protocol: http/1.1", className);

      const conn = await connectTls(running.port, undefined, ["h2", "http/1.1"]);
      try {
        assertEquals((await conn.handshake()).alpnProtocol, "http/1.1");
      } finally {
        conn.close();
      }
    } finally {
      await running.stop();
    }
  }
});

Deno.test("ALPN: alpn_protocols replaces the default; [] offers none", async () => {
  for (const [protocols, expected] of [[["x-test", "http/1.1"], "x-test"], [[], null]] as const) {
    const running = start(HTTPSServer, EchoPath, { alpn_protocols: [...protocols] });
    try {
      assertEquals(running.server.alpn_protocols, [...protocols]);
      const conn = await connectTls(running.port, undefined, ["x-test", "http/1.1"]);
      try {
        assertEquals((await conn.handshake()).alpnProtocol, expected);
      } finally {
        conn.close();
      }
    } finally {
      await running.stop();
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Bad clients cost only their own connection

for (const [className, ServerClass] of SERVER_CLASSES) {
  Deno.test(`${className}: a client that aborts the handshake does not stop the next`, async () => {
    const running = start(ServerClass);
    try {
      for (let i = 0; i < 3; i++) {
        const aborting = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
        await writeAll(aborting, PARTIAL_CLIENT_HELLO);
        aborting.close();
        const reset = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
        reset.close();
        assertStringIncludes(
          await tlsGet(running.port, `/after-abort-${i}`),
          `path=/after-abort-${i}`,
        );
      }
      await waitFor(() => running.failures.length >= 6, 5_000, "handshake failures reported");
    } finally {
      await running.stop();
    }
  });

  Deno.test(`${className}: plaintext HTTP to the TLS port gets an alert, then next client served`, async () => {
    const running = start(ServerClass);
    try {
      const plain = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
      let reply: Uint8Array;
      try {
        await writeAll(plain, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
        reply = await readAll(plain, 5_000);
      } finally {
        plain.close();
      }
      // A TLS alert record (content type 21), never an HTTP answer.
      assert(reply.length > 0 && reply[0] === 0x15, `got ${JSON.stringify(fromLatin1(reply))}`);
      assertStringIncludes(await tlsGet(running.port, "/after-plaintext"), "path=/after-plaintext");
      await waitFor(() => running.failures.length >= 1, 5_000, "handshake failure reported");
      assert(running.failures[0] instanceof Deno.errors.InvalidData, String(running.failures[0]));
    } finally {
      await running.stop();
    }
  });

  Deno.test(`${className}: silent and stalled handshakes do not hold up other clients`, async () => {
    const running = start(ServerClass);
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
    const stalled = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
    try {
      await writeAll(stalled, PARTIAL_CLIENT_HELLO);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Connected after both; served at once although neither handshake will ever finish.
      const answer = await within(tlsGet(running.port, "/not-blocked"), 3_000, "GET");
      assertStringIncludes(answer, "path=/not-blocked");
      assertEquals(running.failures.length, 0);
    } finally {
      silent.close();
      stalled.close();
      await running.stop();
    }
  });

  Deno.test(`${className}: handshake_timeout drops a silent client and reports it`, async () => {
    const running = start(ServerClass);
    running.server.handshake_timeout = 0.2;
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
    try {
      await waitFor(() => running.failures.length >= 1, 3_000, "handshake timeout");
      assert(running.failures[0] instanceof Deno.errors.TimedOut, String(running.failures[0]));
      assertStringIncludes(running.failures[0].message, "200 ms");
      assertStringIncludes(await tlsGet(running.port, "/after-timeout"), "path=/after-timeout");
    } finally {
      silent.close();
      await running.stop();
    }
  });

  Deno.test(`${className}: stopping with a handshake in progress settles at once`, async () => {
    const running = start(ServerClass);
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: running.port });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await within(running.stop(), 2_000, "stop");
      // The port is free again.
      const again = Deno.listen({ hostname: "127.0.0.1", port: running.port });
      again.close();
    } finally {
      silent.close();
    }
  });
}

Deno.test("ThreadingHTTPSServer handles connections concurrently; HTTPSServer one at a time", async () => {
  for (
    const [ServerClass, concurrent] of [[ThreadingHTTPSServer, true], [HTTPSServer, false]] as const
  ) {
    const running = start(ServerClass);
    const stalled = await connectTls(running.port);
    try {
      await stalled.handshake();
      await writeAll(stalled, "GET /first HTTP/1.0\r\n");
      await new Promise((resolve) => setTimeout(resolve, 100));
      let answered = true;
      try {
        await tlsGet(running.port, "/second", 1_500);
      } catch {
        answered = false;
      }
      assertEquals(answered, concurrent, ServerClass.name);
      await writeAll(stalled, "\r\n");
      assertStringIncludes(text(await readAll(stalled, 5_000)), "path=/first");
    } finally {
      stalled.close();
      await running.stop();
    }
  }
});
