/**
 * The pure part of CGI (`handlers/cgi/environment.ts`): CPython's `_url_collapse_path` vectors, the
 * `is_cgi` scan, script/PATH_INFO/query splitting, `Authorization` decoding, the environment
 * record, argv and `list2cmdline` — with a differential check of the string functions against
 * CPython 3.13 itself when it is installed.
 */
import {
  authorizationVariables,
  buildCgiEnv,
  CgiEnvironmentError,
  type CgiRequestFacts,
  cgiScriptArguments,
  checkCgiEnv,
  findCgiDirectory,
  list2cmdline,
  pythonHex,
  splitScriptPath,
  UrlCollapseError,
  urlCollapsePath,
  urlUnquote,
} from "../handlers/cgi/environment.ts";
import { HTTPMessage } from "../headers.ts";
import { decodeBase64Lenient } from "../protocol/basic_auth.ts";
import { assert, assertEquals, assertThrows } from "../deps.ts";
import { findPython313 } from "./_helpers.ts";

/** CPython's test_url_collapse_path table (null = IndexError), plus the spec's extras. */
const COLLAPSE_VECTORS: [string, string | null][] = [
  ["", "//"],
  ["..", null],
  ["/.//..", null],
  ["/", "//"],
  ["//", "//"],
  ["/\\", "//\\"],
  ["/.//", "//"],
  ["cgi-bin/file1.py", "/cgi-bin/file1.py"],
  ["/cgi-bin/file1.py", "/cgi-bin/file1.py"],
  ["a", "//a"],
  ["/a", "//a"],
  ["//a", "//a"],
  ["./a", "//a"],
  ["./C:/", "/C:/"],
  ["/a/b", "/a/b"],
  ["/a/b/", "/a/b/"],
  ["/a/b/.", "/a/b/"],
  ["/a/b/c/..", "/a/b/"],
  ["/a/b/c/../d", "/a/b/d"],
  ["/a/b/c/../d/e/../f", "/a/b/d/f"],
  ["/a/b/c/../d/e/../../f", "/a/b/f"],
  ["/a/b/c/../d/e/.././././..//f", "/a/b/f"],
  ["../a/b/c/../d/e/.././././..//f", null],
  ["/a/b/c/../d/e/../../../f", "/a/f"],
  ["/a/b/c/../d/e/../../../../f", "//f"],
  ["/a/b/c/../d/e/../../../../../f", null],
  ["/a/b/c/../d/e/../../../../f/..", "//"],
  ["/a/b/c/../d/e/../../../../f/../.", "//"],
  // Beyond CPython's table: the query is kept aside, the path is percent-decoded first.
  ["/cgi-bin%2ffile1.py", "/cgi-bin/file1.py"],
  ["/cgi-bin/file4.py?a=b?c=d", "/cgi-bin/file4.py?a=b?c=d"],
  ["/cgi-bin/x?k=aa%2F%2Fbb&//q//p//=//a//b//", "/cgi-bin/x?k=aa%2F%2Fbb&//q//p//=//a//b//"],
  ["/a/..?q/../..", "//?q/../.."],
  ["/a/%2e%2e/b", "//b"],
  ["/%2e%2e", null],
  ["///////////nocgi.py/../cgi-bin/nothere.sh", "/cgi-bin/nothere.sh"],
  ["/cgi-bin/caf%C3%A9%ff", "/cgi-bin/café\ufffd"],
];

Deno.test("urlCollapsePath: CPython's vectors, IndexError as UrlCollapseError", () => {
  for (const [input, expected] of COLLAPSE_VECTORS) {
    if (expected === null) {
      const error = assertThrows(() => urlCollapsePath(input), UrlCollapseError);
      assertEquals((error as UrlCollapseError).path, input);
    } else {
      assertEquals(urlCollapsePath(input), expected, `input ${JSON.stringify(input)}`);
    }
  }
});

Deno.test("findCgiDirectory: shortest listed prefix at a slash boundary", () => {
  const dirs = ["/cgi-bin", "/htbin", "/sub/dir/cgi-bin"];
  assertEquals(findCgiDirectory("/cgi-bin/file1.py", dirs), ["/cgi-bin", "file1.py"]);
  assertEquals(findCgiDirectory("/htbin/a/b?q=1", dirs), ["/htbin", "a/b?q=1"]);
  assertEquals(findCgiDirectory("/sub/dir/cgi-bin/file5.py", dirs), [
    "/sub/dir/cgi-bin",
    "file5.py",
  ]);
  assertEquals(findCgiDirectory("/sub/dir/cgi-bin/file5.py", ["/cgi-bin"]), null);
  assertEquals(findCgiDirectory("/cgi-bin/", dirs), ["/cgi-bin", ""]);
  assertEquals(findCgiDirectory("/cgi-binx/a", dirs), null);
  assertEquals(findCgiDirectory("/CGI-BIN/a", dirs), null);
  assertEquals(findCgiDirectory("//", dirs), null);
  // The first match wins, even when a longer entry would match too.
  assertEquals(findCgiDirectory("/a/b/c", ["/a/b", "/a"]), ["/a", "b/c"]);
});

Deno.test("splitScriptPath: query at the first '?', then script and extra path", () => {
  assertEquals(splitScriptPath("file1.py"), { script: "file1.py", extraPath: "", query: "" });
  assertEquals(splitScriptPath("file4.py?a=b?c=d"), {
    script: "file4.py",
    extraPath: "",
    query: "a=b?c=d",
  });
  assertEquals(splitScriptPath("env.sh/a/b%20c/?x/y"), {
    script: "env.sh",
    extraPath: "/a/b%20c/",
    query: "x/y",
  });
  assertEquals(splitScriptPath(""), { script: "", extraPath: "", query: "" });
  assertEquals(splitScriptPath("?q"), { script: "", extraPath: "", query: "q" });
});

Deno.test("authorizationVariables: AUTH_TYPE and REMOTE_USER as CPython derives them", () => {
  const b64 = (text: string) => btoa(text);
  assertEquals(authorizationVariables(`Basic ${b64("user:pass")}`), {
    AUTH_TYPE: "Basic",
    REMOTE_USER: "user",
  });
  assertEquals(authorizationVariables(`basic ${b64("u:p")}`), {
    AUTH_TYPE: "basic",
    REMOTE_USER: "u",
  });
  // Exactly two parts at ':' or no REMOTE_USER.
  assertEquals(authorizationVariables(`Basic ${b64("a:b:c")}`), { AUTH_TYPE: "Basic" });
  assertEquals(authorizationVariables(`Basic ${b64("nocolon")}`), { AUTH_TYPE: "Basic" });
  assertEquals(authorizationVariables(`Basic ${b64(":p")}`), {
    AUTH_TYPE: "Basic",
    REMOTE_USER: "",
  });
  // Undecodable: wrong length, non-ASCII text or bytes.
  assertEquals(authorizationVariables("Basic abc"), { AUTH_TYPE: "Basic" });
  assertEquals(authorizationVariables("Basic dXNl\u00e9cjpw"), { AUTH_TYPE: "Basic" });
  assertEquals(authorizationVariables(`Basic ${b64("\u00e9:p")}`), { AUTH_TYPE: "Basic" });
  // Not two words: nothing at all.
  assertEquals(authorizationVariables("Basic"), {});
  assertEquals(authorizationVariables("Basic a b"), {});
  assertEquals(authorizationVariables("  Bearer \t tok  "), { AUTH_TYPE: "Bearer" });
});

Deno.test("decodeBase64Lenient: binascii's non-strict rules", () => {
  const enc = new TextEncoder();
  assertEquals(decodeBase64Lenient("dXNlcjpwYXNz"), enc.encode("user:pass"));
  assertEquals(decodeBase64Lenient("dXNl*cjpw!YXNz"), enc.encode("user:pass"));
  assertEquals(decodeBase64Lenient("YQ==ignored"), enc.encode("a"));
  assertEquals(decodeBase64Lenient("YWI=YQ=="), enc.encode("ab"));
  assertEquals(decodeBase64Lenient("=YQ=="), enc.encode("a"));
  assertEquals(decodeBase64Lenient(""), new Uint8Array(0));
  assertEquals(decodeBase64Lenient("Y"), null);
  assertEquals(decodeBase64Lenient("YQ"), null);
  assertEquals(decodeBase64Lenient("YQ="), null);
});

function facts(headers: [string, string][], extra: Partial<CgiRequestFacts> = {}): CgiRequestFacts {
  return {
    serverSoftware: "SimpleHTTP/0.6 Deno/2",
    serverName: "localhost",
    serverProtocol: "HTTP/1.0",
    serverPort: 8000,
    method: "GET",
    pathInfo: "",
    pathTranslated: "/srv",
    scriptName: "/cgi-bin/env.sh",
    query: "",
    remoteAddr: "127.0.0.1",
    headers: new HTTPMessage(headers),
    ...extra,
  };
}

Deno.test("buildCgiEnv: every variable of CPython's run_cgi", () => {
  const env = buildCgiEnv(
    {},
    facts([
      ["Authorization", "Basic dXNlcjpwYXNz"],
      ["Accept", "text/html"],
      ["Accept", "text/plain"],
      ["Cookie", "a=1"],
      ["Cookie", ""],
      ["Cookie", "b=2"],
      ["Referer", "http://x/"],
      ["User-Agent", "ua/1"],
      ["Content-Type", "application/x-www-form-urlencoded"],
      ["Content-Type", "ignored/second"],
      ["Content-Length", "12"],
      ["X-Custom", "not passed"],
      ["Host", "not passed either"],
    ], { method: "POST", pathInfo: "/a b", pathTranslated: "/srv/a b", query: "k=v" }),
  );
  assertEquals(env, {
    SERVER_SOFTWARE: "SimpleHTTP/0.6 Deno/2",
    SERVER_NAME: "localhost",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.0",
    SERVER_PORT: "8000",
    REQUEST_METHOD: "POST",
    PATH_INFO: "/a b",
    PATH_TRANSLATED: "/srv/a b",
    SCRIPT_NAME: "/cgi-bin/env.sh",
    QUERY_STRING: "k=v",
    REMOTE_ADDR: "127.0.0.1",
    AUTH_TYPE: "Basic",
    REMOTE_USER: "user",
    CONTENT_TYPE: "application/x-www-form-urlencoded",
    CONTENT_LENGTH: "12",
    HTTP_REFERER: "http://x/",
    HTTP_ACCEPT: "text/html,text/plain",
    HTTP_USER_AGENT: "ua/1",
    HTTP_COOKIE: "a=1, b=2",
    REMOTE_HOST: "",
  });
});

Deno.test("buildCgiEnv: forced empty defaults, text/plain, base kept and not modified", () => {
  const base = { PATH: "/bin", REMOTE_HOST: "inherited", HTTP_COOKIE: "old", QUERY_STRING: "x" };
  const frozen = { ...base };
  const env = buildCgiEnv(base, facts([["Content-Length", ""], ["User-Agent", ""]]));
  assertEquals(base, frozen);
  assertEquals(env.PATH, "/bin");
  assertEquals(env.QUERY_STRING, "");
  // setdefault semantics: a value inherited from the server's environment stays.
  assertEquals(env.REMOTE_HOST, "inherited");
  assertEquals(env.HTTP_COOKIE, "old");
  assertEquals(env.CONTENT_LENGTH, "");
  assertEquals(env.HTTP_USER_AGENT, "");
  assertEquals(env.HTTP_REFERER, "");
  assertEquals(env.HTTP_ACCEPT, "");
  assertEquals(env.CONTENT_TYPE, "text/plain");
  assert(!("AUTH_TYPE" in env) && !("REMOTE_USER" in env));
  // A present but empty Content-Type is passed as it is.
  assertEquals(buildCgiEnv({}, facts([["Content-Type", ""]])).CONTENT_TYPE, "");
});

Deno.test("checkCgiEnv: NUL is refused with a typed error", () => {
  checkCgiEnv({ A: "b" });
  const error = assertThrows(() => checkCgiEnv({ A: "b", B: "x\0y" }), CgiEnvironmentError);
  assertEquals((error as CgiEnvironmentError).variable, "B");
});

Deno.test("cgiScriptArguments: ISINDEX queries become one argument", () => {
  assertEquals(cgiScriptArguments("", true), [""]);
  assertEquals(cgiScriptArguments("kw+x", true), ["kw x"]);
  assertEquals(cgiScriptArguments("a%20b+c", true), ["a%20b c"]);
  assertEquals(cgiScriptArguments("a=b", true), []);
  assertEquals(cgiScriptArguments("kw+x", false), ["kw+x"]);
  assertEquals(cgiScriptArguments("a=b", false), []);
});

Deno.test("pythonHex and urlUnquote basics", () => {
  assertEquals(pythonHex(0), "0x0");
  assertEquals(pythonHex(3), "0x3");
  assertEquals(pythonHex(-15), "-0xf");
  assertEquals(urlUnquote("plain"), "plain");
  assertEquals(urlUnquote("%41%4a%4A%zz%4"), "AJJ%zz%4");
  assertEquals(urlUnquote("é%C3%A9"), "éé");
});

/** Inputs run through both implementations in one CPython process. */
const DIFFERENTIAL_PATHS: string[] = [
  ...COLLAPSE_VECTORS.map(([input]) => input),
  "/a/./b/../../c/%2E%2E/d",
  "/%ED%A0%80/x",
  "/x%C3",
  "/é/../ü?%2F",
  "/a//b///c/?",
  "?only",
  "/a/b/..%2f..%2f..%2f",
  "/cgi-bin/../../x",
];
const DIFFERENTIAL_AUTH: string[] = [
  "Basic dXNlcjpwYXNz",
  "Basic dXNl*cjpw!YXNz",
  "Basic YQ==Og==",
  "Basic YTpi=",
  "Basic YTpi",
  "Basic Og",
  "Basic ===",
  "basic\tdTpw",
  "Digest abc",
  "Basic  dTpw  ",
  "Basic dTpw extra",
  "Basic w6k6cA==",
];
const DIFFERENTIAL_ARGS: string[][] = [
  ["python", "-u", "/srv/cgi-bin/a b.py", ""],
  ['a"b', "c\\", "d e\\", 'f\\"g', "\t", "x\\\\y"],
];

const PYTHON_ORACLE = `
import base64, binascii, json, subprocess, sys
from http.server import _url_collapse_path
from urllib.parse import unquote
data = json.load(sys.stdin)
out = {"collapse": [], "unquote": [], "auth": [], "cmd": []}
for p in data["paths"]:
    try:
        out["collapse"].append(_url_collapse_path(p))
    except IndexError:
        out["collapse"].append(None)
    out["unquote"].append(unquote(p))
for a in data["auth"]:
    env = {}
    authorization = a.split()
    if len(authorization) == 2:
        env['AUTH_TYPE'] = authorization[0]
        if authorization[0].lower() == "basic":
            try:
                authorization = authorization[1].encode('ascii')
                authorization = base64.decodebytes(authorization).decode('ascii')
            except (binascii.Error, UnicodeError):
                pass
            else:
                authorization = authorization.split(':')
                if len(authorization) == 2:
                    env['REMOTE_USER'] = authorization[0]
    out["auth"].append(env)
for args in data["args"]:
    out["cmd"].append(subprocess.list2cmdline(args))
json.dump(out, sys.stdout)
`;

Deno.test({
  name: "differential: collapse, unquote, Authorization and list2cmdline match CPython 3.13",
  ignore: findPython313() === null,
  fn: async () => {
    const child = new Deno.Command(findPython313() as string, {
      args: ["-c", PYTHON_ORACLE],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify({
      paths: DIFFERENTIAL_PATHS,
      auth: DIFFERENTIAL_AUTH,
      args: DIFFERENTIAL_ARGS,
    })));
    await writer.close();
    const output = await child.output();
    assert(output.success);
    const oracle = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      collapse: (string | null)[];
      unquote: string[];
      auth: Record<string, string>[];
      cmd: string[];
    };
    DIFFERENTIAL_PATHS.forEach((path, i) => {
      let ours: string | null;
      try {
        ours = urlCollapsePath(path);
      } catch (error) {
        assert(error instanceof UrlCollapseError);
        ours = null;
      }
      assertEquals(ours, oracle.collapse[i], `collapse ${JSON.stringify(path)}`);
      assertEquals(urlUnquote(path), oracle.unquote[i], `unquote ${JSON.stringify(path)}`);
    });
    DIFFERENTIAL_AUTH.forEach((value, i) => {
      assertEquals(authorizationVariables(value), oracle.auth[i], `auth ${JSON.stringify(value)}`);
    });
    DIFFERENTIAL_ARGS.forEach((args, i) => assertEquals(list2cmdline(args), oracle.cmd[i]));
  },
});
