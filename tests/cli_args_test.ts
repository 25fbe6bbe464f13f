// The table-driven command-line parser without a process or a socket: argv in, options or
// argparse's error message out. Every expectation below was taken from CPython 3.13's
// argparse (`allow_abbrev=False`) running the same table.
import { assertEquals, assertThrows } from "../deps.ts";
import { type ArgSpec, defineArg, parseArguments, UsageError } from "../cli_args.ts";
import { formatHelp, formatUsage } from "../cli_help.ts";
import { type CliOptions, parseCli } from "../cli.ts";

/** The options `parseCli` gives, or the message of the `UsageError` it throws. */
function cli(args: string[]): Partial<CliOptions> | string {
  try {
    const options: Partial<CliOptions> = parseCli(args);
    for (const key of Object.keys(options) as Array<keyof CliOptions>) {
      if (options[key] === undefined) delete options[key];
    }
    return options;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

const DEFAULTS: Partial<CliOptions> = {
  port: 8000,
  directory: Deno.cwd(),
  protocol: "HTTP/1.0",
  cgi: false,
  header_timeout: 60,
  idle_timeout: 75,
  max_connections: 1024,
  header: [],
  cors: false,
  cache_control: null,
  spa: null,
  error_page: [],
  compress: false,
  help: false,
  etag: false,
  upload: false,
  overwrite: false,
  mkdir: false,
  max_upload_size: 1024 ** 3,
  auth: [],
  upload_auth: [],
  listing: "python",
  no_dotfiles: false,
  no_follow_symlinks: false,
  contain_symlinks: false,
  workers: 1,
};

const CLI_CASES: Array<[args: string[], expected: Partial<CliOptions> | string]> = [
  [[], DEFAULTS],
  // CPython 3.15's `-H HEADER VALUE` (nargs=2, append) and the web-app flags.
  [["-H", "A", "1", "--header", "B", "2 3", "8080"], {
    ...DEFAULTS,
    header: [["A", "1"], ["B", "2 3"]],
    port: 8080,
  }],
  [["-H", "A"], "argument -H/--header: expected 2 arguments"],
  [["-H=A", "b"], "argument -H/--header: expected 2 arguments"],
  [["--spa"], { ...DEFAULTS, spa: "index.html" }],
  [["--spa", "app.html"], { ...DEFAULTS, spa: "app.html" }],
  [["--spa=app.html", "8080"], { ...DEFAULTS, spa: "app.html", port: 8080 }],
  [["--spa", "--cors"], { ...DEFAULTS, spa: "index.html", cors: true }],
  [["--error-page", "404=nf.html", "--error-page=403=x.html"], {
    ...DEFAULTS,
    error_page: [[404, "nf.html"], [403, "x.html"]],
  }],
  [
    ["--error-page", "200=x"],
    "argument --error-page: invalid CODE=FILE value (CODE 400-599): '200=x'",
  ],
  [["--cache-control", "max-age=60", "--compress"], {
    ...DEFAULTS,
    cache_control: "max-age=60",
    compress: true,
  }],
  [["8080"], { ...DEFAULTS, port: 8080 }],
  [["-b", "127.0.0.1", "-p", "HTTP/1.1", "8080"], {
    ...DEFAULTS,
    bind: "127.0.0.1",
    protocol: "HTTP/1.1",
    port: 8080,
  }],
  // The value forms: separate, `=`, joined to a short option, `-o=`.
  [["--bind=::1"], { ...DEFAULTS, bind: "::1" }],
  [["-b127.0.0.1"], { ...DEFAULTS, bind: "127.0.0.1" }],
  [["-b=x"], { ...DEFAULTS, bind: "x" }],
  [["-ba=b"], { ...DEFAULTS, bind: "a=b" }],
  [["-bx", "-dy"], { ...DEFAULTS, bind: "x", directory: "y" }],
  [["-b", ""], { ...DEFAULTS, bind: "" }],
  [["--bind="], { ...DEFAULTS, bind: "" }],
  [["-b", "-"], { ...DEFAULTS, bind: "-" }],
  // A negative number is a value, not an option (no option looks like one).
  [["-b", "-1"], { ...DEFAULTS, bind: "-1" }],
  [["-1"], { ...DEFAULTS, port: -1 }],
  // Repeated flags: the last wins.
  [["-b", "a", "--bind", "b"], { ...DEFAULTS, bind: "b" }],
  [["-p", "A", "--protocol=B"], { ...DEFAULTS, protocol: "B" }],
  // `--` ends the options; the first one is dropped from a positional's value.
  [["--", "8080"], { ...DEFAULTS, port: 8080 }],
  [["--"], DEFAULTS],
  [["--", "--"], "argument port: invalid int value: '--'"],
  [["8080", "--", "9090"], "unrecognized arguments: 9090"],
  [["-b", "--"], "argument -b/--bind: expected one argument"],
  // Help: wins over what follows it, not over an error met before it.
  [["-h"], { ...DEFAULTS, directory: "", help: true }],
  [["8080", "-h", "--bogus"], { ...DEFAULTS, directory: "", help: true }],
  [["--bogus", "-h"], { ...DEFAULTS, directory: "", help: true }],
  [["-hh"], { ...DEFAULTS, directory: "", help: true }],
  [["-b", "-h"], "argument -b/--bind: expected one argument"],
  [["-hb"], "argument -b/--bind: expected one argument"],
  [["abc", "-h"], "argument port: invalid int value: 'abc'"],
  // Flags take no value.
  [["--cgi"], { ...DEFAULTS, cgi: true }],
  [["--cgi=1"], "argument --cgi: ignored explicit argument '1'"],
  [["--help=x"], "argument -h/--help: ignored explicit argument 'x'"],
  // No abbreviations: a prefix is an unknown option.
  [["--tls"], "unrecognized arguments: --tls"],
  [["--bi", "x"], "argument port: invalid int value: 'x'"],
  [["--bogus", "--bogus2", "1", "2"], "unrecognized arguments: --bogus --bogus2 2"],
  [["1", "--bogus", "2"], "unrecognized arguments: --bogus 2"],
  [["-x"], "unrecognized arguments: -x"],
  [["-cgi"], "unrecognized arguments: -cgi"],
  // Values are converted as they are met, so the first bad one is reported.
  [["0x10"], "argument port: invalid int value: '0x10'"],
  [[" 80 "], { ...DEFAULTS, port: 80 }],
  [["1_000"], { ...DEFAULTS, port: 1000 }],
  [
    ["--header-timeout", "-1"],
    "argument --header-timeout: invalid non-negative seconds value: '-1'",
  ],
  [
    ["--idle-timeout", "x", "--idle-timeout", "5"],
    "argument --idle-timeout: invalid non-negative seconds value: 'x'",
  ],
  [
    ["--max-connections", "0", "--header-timeout", "x"],
    "argument --max-connections: invalid positive int value: '0'",
  ],
  [["abc", "-b"], "argument port: invalid int value: 'abc'"],
  // --workers: a count or auto (one per core).
  [["--workers", "3"], { ...DEFAULTS, workers: 3 }],
  [["--workers=auto"], { ...DEFAULTS, workers: navigator.hardwareConcurrency }],
  [["--workers", "0"], "argument --workers: invalid value: '0' (1-256 or auto)"],
  [["--workers", "257"], "argument --workers: invalid value: '257' (1-256 or auto)"],
  [["--header-timeout", "2.5", "--idle-timeout=0", "--max-connections", "64"], {
    ...DEFAULTS,
    header_timeout: 2.5,
    idle_timeout: null,
    max_connections: 64,
  }],
  // Checks after parsing, in table order.
  [["--tls-key", "k"], "--tls-key requires --tls-cert to be set"],
  [["--tls-password-file", "p", "--tls-key", "k"], "--tls-key requires --tls-cert to be set"],
  [["--tls-password-file", "p"], "--tls-password-file requires --tls-cert to be set"],
  [
    ["--tls-cert", "c", "--tls-password-file", "/nonexistent/httpserver-pw"],
    "Failed to read TLS password file: [Errno 2] No such file or directory: '/nonexistent/httpserver-pw'",
  ],
  [["--tls-cert=c", "--tls-key=k"], { ...DEFAULTS, tls_cert: "c", tls_key: "k" }],
  // Uploads and auth (issue #16).
  [["--upload", "--overwrite", "--mkdir", "--max-upload-size", "64k"], {
    ...DEFAULTS,
    upload: true,
    overwrite: true,
    mkdir: true,
    max_upload_size: 65536,
  }],
  [["--overwrite"], "--overwrite requires --upload to be set"],
  [
    ["--upload", "--max-upload-size", "1.5G"],
    "argument --max-upload-size: invalid size value: '1.5G'",
  ],
  [["--auth", "a:b", "--auth=c:sha256:00", "--upload-auth", "u:p"], {
    ...DEFAULTS,
    auth: ["a:b", "c:sha256:00"],
    upload_auth: ["u:p"],
  }],
  [
    ["--auth", "nocolon"],
    "argument --auth: expected USER:PASSWORD or USER:sha256:HEX, not 'nocolon'",
  ],
];

for (const [args, expected] of CLI_CASES) {
  Deno.test(`cli args: ${JSON.stringify(args)}`, () => {
    assertEquals(cli(args), expected);
  });
}

Deno.test("cli args: --tls-password-file is read once --tls-cert is given, whitespace stripped", async () => {
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "  secret \n");
    assertEquals(cli(["--tls-cert", "c", "--tls-password-file", file]), {
      ...DEFAULTS,
      tls_cert: "c",
      tls_password: "secret",
    });
  } finally {
    await Deno.remove(file);
  }
});

// A private table: a repeatable value flag (`-H/--header`, as CPython 3.15 spells it), grouped
// short flags, two short options sharing a prefix, and a required positional.
interface Greeting {
  help: boolean;
  verbose: boolean;
  q: boolean;
  header: string[];
  ab: string | undefined;
  ac: string | undefined;
  name: string;
  count: string;
}

const GREET: ArgSpec<Greeting>[] = [
  {
    kind: "flag",
    flags: ["-h", "--help"],
    key: "help",
    default: false,
    stops: true,
    help: "show this help message and exit",
  },
  { kind: "flag", flags: ["-v", "--verbose"], key: "verbose", default: false, help: "say more" },
  { kind: "flag", flags: ["-q"], key: "q", default: false, help: "say less" },
  // defineArg checks the row against its field: `parse` gives one element of `string[]`.
  defineArg<Greeting, "header">({
    kind: "value",
    flags: ["-H", "--header"],
    metavar: "HEADER",
    key: "header",
    default: [],
    repeat: true,
    parse: (text) => text,
    help: "add this response header to every response; repeat the flag for more headers " +
      "(CPython 3.15 spelling)",
  }),
  {
    kind: "value",
    flags: ["-ab"],
    metavar: "X",
    key: "ab",
    default: undefined,
    help: "one of two options sharing a prefix",
  },
  {
    kind: "value",
    flags: ["-ac"],
    metavar: "Y",
    key: "ac",
    default: undefined,
    help: "the other one",
  },
  {
    kind: "positional",
    flags: [],
    name: "name",
    key: "name",
    default: undefined,
    help: "who to greet",
  },
  {
    kind: "positional",
    flags: [],
    name: "count",
    key: "count",
    optional: true,
    default: "1",
    help: "how often",
  },
];

const GREET_DEFAULTS: Greeting = {
  help: false,
  verbose: false,
  q: false,
  header: [],
  ab: undefined,
  ac: undefined,
  name: "n",
  count: "1",
};

function greet(args: string[]): Greeting | string {
  try {
    return parseArguments(GREET, args).options;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

Deno.test("cli args: a repeatable value flag keeps every occurrence, in order, in all forms", () => {
  assertEquals(greet(["-H", "a", "-H", "b", "--header=c", "-Hd", "n"]), {
    ...GREET_DEFAULTS,
    header: ["a", "b", "c", "d"],
  });
  assertEquals(greet(["-qH", "x", "n"]), { ...GREET_DEFAULTS, q: true, header: ["x"] });
  // Absent: the default, which no parse ever mutates.
  assertEquals(greet(["n"]), GREET_DEFAULTS);
  assertEquals(GREET[3].default, []);
  assertEquals(greet(["-H"]), "argument -H/--header: expected one argument");
});

Deno.test("cli args: grouped flags, shared short prefixes, required positionals", () => {
  assertEquals(greet(["-vq", "n"]), { ...GREET_DEFAULTS, verbose: true, q: true });
  assertEquals(greet(["-vx", "n"]), "unrecognized arguments: -x");
  assertEquals(greet(["-q=1", "n"]), "argument -q: ignored explicit argument '1'");
  assertEquals(greet(["-a", "x", "n"]), "ambiguous option: -a could match -ab, -ac");
  assertEquals(greet([]), "the following arguments are required: name");
  assertEquals(greet(["-v"]), "the following arguments are required: name");
  assertEquals(greet(["n", "2", "3"]), "unrecognized arguments: 3");
  assertEquals(greet(["--", "-v"]), { ...GREET_DEFAULTS, name: "-v" });
});

Deno.test("cli args: -h stops parsing and reports the row", () => {
  const outcome = parseArguments(GREET, ["-v", "-h", "--bogus"]);
  assertEquals(outcome.stoppedBy, GREET[0]);
  assertEquals(outcome.options.help, true);
  assertEquals(parseArguments(GREET, ["n"]).stoppedBy, null);
});

const GREET_SECTIONS = "\n\npositional arguments:\n" +
  "  name                 who to greet\n" +
  "  count                how often\n\n" +
  "options:\n" +
  "  -h, --help           show this help message and exit\n" +
  "  -v, --verbose        say more\n" +
  "  -q                   say less\n" +
  "  -H, --header HEADER  add this response header to every response; repeat the\n" +
  "                       flag for more headers (CPython 3.15 spelling)\n" +
  "  -ab X                one of two options sharing a prefix\n" +
  "  -ac Y                the other one\n";

Deno.test("cli args: usage and help are laid out as argparse lays them out", () => {
  const usage = "usage: greet [-h] [-v] [-q] [-H HEADER] [-ab X] [-ac Y] name [count]";
  assertEquals(formatUsage("greet", GREET), `${usage}\n`);
  assertEquals(formatHelp("greet", GREET), `${usage}${GREET_SECTIONS}`);
  // A program name longer than three quarters of the line puts the arguments below it.
  const prog = "a-very-long-program-name-that-takes-most-of-the-line-x";
  assertEquals(
    formatHelp(prog, GREET),
    `usage: ${prog}\n       [-h] [-v] [-q] [-H HEADER] [-ab X] [-ac Y] name [count]${GREET_SECTIONS}`,
  );
});

Deno.test("cli args: a value parser's rejection is reported against the argument", () => {
  assertThrows(
    () => parseCli(["--max-connections", "many"]),
    UsageError,
    "argument --max-connections: invalid positive int value: 'many'",
  );
});
