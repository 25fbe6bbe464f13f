/**
 * A command-line parser driven by one table of arguments, with the rules and messages of
 * CPython 3.13's `argparse` (without abbreviations: `allow_abbrev=False`): `--opt value`,
 * `--opt=value`, `-oVALUE`, `-o=VALUE`, grouped short flags (`-hc`), `--` ending the options,
 * a negative number read as a value, the last of repeated flags winning (or every one kept,
 * for a repeatable flag), and the same usage line, `--help` layout and error texts.
 *
 * The usage line and `--help` text of a table are `cli_help.ts` (loaded only to print them).
 *
 * @example Parse from one table
 * ```ts
 * import { type ArgSpec, parseArguments } from "./cli_args.ts";
 * import { assertEquals } from "./deps.ts";
 * interface Options {
 *   verbose: boolean;
 *   name: string;
 * }
 * const table: ArgSpec<Options>[] = [
 *   { kind: "flag", flags: ["-v", "--verbose"], key: "verbose", default: false, help: "talk" },
 *   { kind: "value", flags: ["-n", "--name"], metavar: "NAME", key: "name", default: "", help: "who" },
 * ];
 * const outcome = parseArguments(table, ["-v", "--name=x"]);
 * assertEquals(outcome.options, { verbose: true, name: "x" });
 * ```
 *
 * @module
 */
import { ArgumentValueError, UsageError } from "./errors.ts";

export { ArgumentValueError, UsageError };

/**
 * One row of an argument table: an option (`flag` takes no value, `value` takes one) or a
 * positional argument, with everything the usage line, the help, the parser and the checks
 * need to know about it.
 *
 * @typeParam Options The parsed options; `key` names the field this row sets.
 * @typeParam Key That field: give it (or build rows with {@linkcode defineArg}) to have the
 *   default, `parse` and `resolve` checked against the field's type.
 */
export interface ArgSpec<Options, Key extends keyof Options & string = keyof Options & string> {
  /** `flag`: present or not; `value`: takes one argument; `positional`: a bare argument. */
  kind: "flag" | "value" | "positional";
  /** Option strings, the short one first (`["-b", "--bind"]`); empty for a positional. */
  flags: readonly string[];
  /** A positional's name in the usage, the help and errors (`port`). */
  name?: string;
  /** The value's placeholder in the usage and help (`ADDRESS`); for `value` rows. */
  metavar?: string;
  /** The help line(s), wrapped to the help column as argparse wraps them. */
  help: string;
  /** The field of `Options` this row sets. */
  key: Key;
  /** The value when the row is absent. */
  default: Options[Key];
  /** Converts the text (argparse's `type=`); throws {@linkcode ArgumentValueError}. */
  parse?(text: string): Options[Key] | ElementOf<Options[Key]>;
  /** A `value` row that may repeat: every occurrence is kept, in order, in an array. */
  repeat?: boolean;
  /**
   * Arguments a `value` row takes (argparse's `nargs`): 1 by default; 2 gives the pair as the
   * value (no `parse`), with a two-word `metavar`; `"?"` takes one if the next argument is not
   * an option, else the value is `const`.
   */
  nargs?: 2 | "?";
  /** The value of a `nargs: "?"` row given without its argument. */
  const?: unknown;
  /** A positional that may be left out (argparse's `nargs='?'`). */
  optional?: boolean;
  /** A `flag` that ends parsing at once when met (argparse's help action). */
  stops?: boolean;
  /** An option that must also be given when this one is: `<this> requires <that> to be set`. */
  requires?: string;
  /**
   * Turns the value into the final one once all `requires` checks passed (reads a file it
   * names, fills a default that needs the environment); `given` tells whether the row was on
   * the command line. Throws {@linkcode UsageError} with the whole message.
   */
  resolve?(value: Options[Key], given: boolean): Options[Key];
}

/** What one occurrence of a repeatable row adds to its array field. */
export type ElementOf<T> = T extends readonly (infer E)[] ? E : never;

/**
 * One table row, its default, `parse` and `resolve` checked against the type of the field it
 * sets (a plain array of rows only checks them against the union of all fields' types).
 *
 * @param row The row.
 * @returns The same row, typed for a table of `Options`.
 *
 * @example
 * ```ts
 * import { type ArgSpec, defineArg } from "./cli_args.ts";
 * interface Options {
 *   port: number;
 * }
 * const table: ArgSpec<Options>[] = [
 *   defineArg<Options, "port">({
 *     kind: "positional",
 *     flags: [],
 *     name: "port",
 *     key: "port",
 *     default: 8000,
 *     optional: true,
 *     parse: Number,
 *     help: "bind to this port",
 *   }),
 * ];
 * ```
 */
export function defineArg<Options, Key extends keyof Options & string>(
  row: ArgSpec<Options, Key>,
): ArgSpec<Options> {
  return row as unknown as ArgSpec<Options>;
}

/**
 * What parsing gave: the options, and the `stops` row that ended parsing (`-h`), if one did;
 * then the options are the defaults with that row's key set, unchecked and unresolved.
 */
export interface ParseOutcome<Options> {
  /** The parsed options. */
  options: Options;
  /** The `stops` row met, or null when the whole command line was parsed. */
  stoppedBy: ArgSpec<Options> | null;
}

/** Arguments argparse reads as negative numbers rather than options (3.13's pattern). */
const NEGATIVE_NUMBER = /^-\p{Nd}+$|^-\p{Nd}*\.\p{Nd}+$/u;

/** An option string found in argv: its row (null: unknown), spelling and inline value. */
interface OptionHit<Options> {
  row: ArgSpec<Options> | null;
  flag: string;
  /** `=` after `--opt=`, `""` after a short option joined to its value, null otherwise. */
  sep: string | null;
  /** The inline value (`--opt=VALUE`, `-oVALUE`), or null. */
  explicit: string | null;
}

/** Raised inside the parser when a `stops` row is taken. */
class StopParsing<Options> {
  constructor(readonly row: ArgSpec<Options>) {}
}

/** The name argparse uses for an argument in messages: `-b/--bind`, or `port`. */
export function argumentName<Options>(row: ArgSpec<Options>): string {
  return row.flags.length > 0 ? row.flags.join("/") : row.name ?? row.key;
}

/**
 * Parses `argv` against `table` with argparse's rules and messages, then checks `requires`
 * and runs `resolve`, in table order.
 *
 * @param table The argument table.
 * @param argv The arguments (without the program).
 * @returns The options, or the `stops` row that was met.
 * @throws {UsageError} Bad arguments, in argparse's words.
 *
 * @example A value flag given twice: the last one wins
 * ```ts
 * import { type ArgSpec, parseArguments } from "./cli_args.ts";
 * import { assertEquals } from "./deps.ts";
 * const table: ArgSpec<{ name: string }>[] = [
 *   { kind: "value", flags: ["--name"], metavar: "N", key: "name", default: "", help: "" },
 * ];
 * const outcome = parseArguments(table, ["--name", "a", "--name=b"]);
 * assertEquals(outcome.options.name, "b");
 * ```
 */
export function parseArguments<Options>(
  table: readonly ArgSpec<Options>[],
  argv: readonly string[],
): ParseOutcome<Options> {
  const byFlag = new Map<string, ArgSpec<Options>>();
  for (const row of table) for (const flag of row.flags) byFlag.set(flag, row);
  const negativeLikeFlags = [...byFlag.keys()].some((flag) => NEGATIVE_NUMBER.test(flag));
  const values = new Map<ArgSpec<Options>, unknown>();
  const given = new Set<ArgSpec<Options>>();

  // Classify each argument as argparse does: O (option), A (argument), - (the first "--").
  const hits = new Map<number, OptionHit<Options>>();
  let pattern = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") {
      pattern += "-" + "A".repeat(argv.length - i - 1);
      break;
    }
    const hit = classify(argv[i], byFlag, negativeLikeFlags);
    if (hit === null) pattern += "A";
    else {
      hits.set(i, hit);
      pattern += "O";
    }
  }

  const take = (row: ArgSpec<Options>, args: string[]): void => {
    given.add(row);
    if (row.kind === "flag") {
      if (row.stops) throw new StopParsing(row);
      values.set(row, true);
      return;
    }
    if (row.kind === "positional") {
      const dashes = args.indexOf("--");
      if (dashes >= 0) args.splice(dashes, 1);
      if (args.length === 0) return;
    }
    let value: unknown = args[0];
    if (row.nargs === 2) value = [args[0], args[1]];
    else if (row.nargs === "?" && args.length === 0) value = row.const;
    else if (row.parse !== undefined) {
      try {
        value = row.parse(args[0]);
      } catch (error) {
        if (!(error instanceof ArgumentValueError)) throw error;
        throw new UsageError(`argument ${argumentName(row)}: ${error.message}`);
      }
    }
    if (row.repeat) {
      const list = values.get(row);
      if (Array.isArray(list)) list.push(value);
      else values.set(row, [value]);
    } else values.set(row, value);
  };

  const extras: string[] = [];
  let positionals = table.filter((row) => row.kind === "positional");

  const consumeOptional = (start: number): number => {
    let { row, flag, sep, explicit } = hits.get(start)!;
    const taken: Array<[ArgSpec<Options>, string[]]> = [];
    let stop: number;
    while (true) {
      if (row === null) {
        extras.push(argv[start]);
        return start + 1;
      }
      if (explicit !== null) {
        const count = row.kind === "flag" ? 0 : 1;
        if (row.nargs === 2) {
          throw new UsageError(`argument ${argumentName(row)}: expected 2 arguments`);
        }
        if (count === 0 && flag[1] !== "-" && explicit !== "") {
          // A short flag grouped with what follows: `-hc` is `-h -c`.
          if (sep || explicit[0] === "-") {
            throw new UsageError(
              `argument ${argumentName(row)}: ignored explicit argument '${explicit}'`,
            );
          }
          taken.push([row, []]);
          const next = `-${explicit[0]}`;
          const nextRow = byFlag.get(next);
          if (nextRow === undefined) {
            extras.push(`-${explicit}`);
            stop = start + 1;
            break;
          }
          row = nextRow;
          flag = next;
          explicit = explicit.slice(1);
          if (explicit === "") sep = explicit = null;
          else if (explicit[0] === "=") {
            sep = "=";
            explicit = explicit.slice(1);
          } else sep = "";
        } else if (count === 1) {
          stop = start + 1;
          taken.push([row, [explicit]]);
          break;
        } else {
          throw new UsageError(
            `argument ${argumentName(row)}: ignored explicit argument '${explicit}'`,
          );
        }
      } else {
        const next = start + 1;
        let count = 0;
        if (row.kind !== "flag") {
          if (row.nargs === 2) {
            if (pattern[next] !== "A" || pattern[next + 1] !== "A") {
              throw new UsageError(`argument ${argumentName(row)}: expected 2 arguments`);
            }
            count = 2;
          } else if (row.nargs === "?") {
            count = pattern[next] === "A" ? 1 : 0;
          } else {
            if (pattern[next] !== "A") {
              throw new UsageError(`argument ${argumentName(row)}: expected one argument`);
            }
            count = 1;
          }
        }
        stop = next + count;
        taken.push([row, argv.slice(next, stop)]);
        break;
      }
    }
    for (const [takenRow, args] of taken) take(takenRow, args);
    return stop;
  };

  const consumePositionals = (start: number): number => {
    const counts = matchPositionals(positionals, pattern.slice(start));
    for (let i = 0; i < counts.length; i++) {
      take(positionals[i], argv.slice(start, start + counts[i]));
      start += counts[i];
    }
    positionals = positionals.slice(counts.length);
    return start;
  };

  try {
    const lastOption = hits.size > 0 ? Math.max(...hits.keys()) : -1;
    let start = 0;
    while (start <= lastOption) {
      let nextOption = start;
      while (nextOption <= lastOption && !hits.has(nextOption)) nextOption++;
      if (start !== nextOption) {
        const end = consumePositionals(start);
        if (end > start) {
          start = end;
          continue;
        }
        start = end;
      }
      if (!hits.has(start)) {
        extras.push(...argv.slice(start, nextOption));
        start = nextOption;
      }
      start = consumeOptional(start);
    }
    extras.push(...argv.slice(consumePositionals(start)));
  } catch (error) {
    if (!(error instanceof StopParsing)) throw error;
    const options: Record<string, unknown> = {};
    for (const row of table) options[row.key] = row === error.row ? true : row.default;
    return { options: options as Options, stoppedBy: error.row as ArgSpec<Options> };
  }

  const required = positionals.filter((row) => !row.optional).map(argumentName);
  if (required.length > 0) {
    throw new UsageError(`the following arguments are required: ${required.join(", ")}`);
  }
  if (extras.length > 0) throw new UsageError(`unrecognized arguments: ${extras.join(" ")}`);

  for (const row of table) {
    if (row.requires === undefined || !given.has(row)) continue;
    const other = byFlag.get(row.requires);
    if (other === undefined || !given.has(other)) {
      throw new UsageError(`${row.flags[row.flags.length - 1]} requires ${row.requires} to be set`);
    }
  }
  const options: Record<string, unknown> = {};
  for (const row of table) {
    let value = values.has(row) ? values.get(row) : row.default;
    if (row.resolve !== undefined) {
      value = row.resolve(value as Options[keyof Options & string], values.has(row));
    }
    options[row.key] = value;
  }
  return { options: options as Options, stoppedBy: null };
}

/** argparse's `_parse_optional` without abbreviations: what an argument is. */
function classify<Options>(
  arg: string,
  byFlag: ReadonlyMap<string, ArgSpec<Options>>,
  negativeLikeFlags: boolean,
): OptionHit<Options> | null {
  if (arg === "" || arg[0] !== "-") return null;
  const exact = byFlag.get(arg);
  if (exact !== undefined) return { row: exact, flag: arg, sep: null, explicit: null };
  if (arg.length === 1) return null;
  const eq = arg.indexOf("=");
  if (eq >= 0) {
    const row = byFlag.get(arg.slice(0, eq));
    if (row !== undefined) {
      return { row, flag: arg.slice(0, eq), sep: "=", explicit: arg.slice(eq + 1) };
    }
  }
  if (arg[1] !== "-") {
    // A short option joined to its value (`-bVALUE`), or grouped flags.
    const matches: OptionHit<Options>[] = [];
    const short = arg.slice(0, 2);
    for (const [flag, row] of byFlag) {
      if (flag === short) matches.push({ row, flag, sep: "", explicit: arg.slice(2) });
      else if (flag.startsWith(arg)) matches.push({ row, flag, sep: null, explicit: null });
    }
    if (matches.length > 1) {
      const names = matches.map((m) => m.flag).join(", ");
      throw new UsageError(`ambiguous option: ${arg} could match ${names}`);
    }
    if (matches.length === 1) return matches[0];
  }
  if (NEGATIVE_NUMBER.test(arg) && !negativeLikeFlags) return null;
  if (arg.includes(" ")) return null;
  return { row: null, flag: arg, sep: null, explicit: null };
}

/** argparse's `_match_arguments_partial`: how many arguments each leading positional takes. */
function matchPositionals<Options>(
  positionals: readonly ArgSpec<Options>[],
  pattern: string,
): number[] {
  for (let n = positionals.length; n > 0; n--) {
    const source = positionals.slice(0, n).map((row) => row.optional ? "(-*A?-*)" : "(-*A-*)");
    const match = new RegExp(`^${source.join("")}`).exec(pattern);
    if (match !== null) return match.slice(1).map((group) => group.length);
  }
  return [];
}
