/**
 * The usage line and the `--help` text of an argument table ({@linkcode ArgSpec} rows of
 * `cli_args.ts`), laid out as CPython 3.13's `argparse` lays them out on an 80-column terminal.
 * Apart from the parser so that a start, which prints neither, does not load it.
 *
 * @example Print the usage of a table
 * ```ts
 * import type { ArgSpec } from "./cli_args.ts";
 * import { formatUsage } from "./cli_help.ts";
 * import { assertEquals } from "./deps.ts";
 * interface Options {
 *   verbose: boolean;
 *   name: string;
 * }
 * const table: ArgSpec<Options>[] = [
 *   { kind: "flag", flags: ["-v", "--verbose"], key: "verbose", default: false, help: "talk" },
 *   { kind: "value", flags: ["-n", "--name"], metavar: "NAME", key: "name", default: "", help: "who" },
 * ];
 * assertEquals(formatUsage("prog", table), "usage: prog [-v] [-n NAME]\n");
 * ```
 *
 * @module
 */
import { type ArgSpec, argumentName } from "./cli_args.ts";

/** Columns of the help and usage text: argparse's width on an 80-column terminal (80 - 2). */
const HELP_WIDTH = 78;
/** Where help text starts at most (argparse's `max_help_position`). */
const MAX_HELP_POSITION = 24;
/** Indent of the entries under a section heading (argparse's `indent_increment`). */
const ENTRY_INDENT = 2;

/** A row as the usage line shows it: `[-h]`, `[-b ADDRESS]`, `[port]`, `name`. */
function usagePart<Options>(row: ArgSpec<Options>): string {
  if (row.kind === "positional") {
    const name = argumentName(row);
    return row.optional ? `[${name}]` : name;
  }
  const text = row.kind === "value" ? `${row.flags[0]} ${valueText(row)}` : row.flags[0];
  return `[${text}]`;
}

/** A value row's placeholder: `METAVAR`, or `[METAVAR]` when the value is optional. */
function valueText<Options>(row: ArgSpec<Options>): string {
  return row.nargs === "?" ? `[${row.metavar}]` : `${row.metavar}`;
}

/**
 * The usage line(s), wrapped as argparse wraps them on an 80-column terminal, with the final
 * newline.
 *
 * @param prog The program name.
 * @param table The argument table.
 * @returns `usage: <prog> ...\n`.
 */
export function formatUsage<Options>(prog: string, table: readonly ArgSpec<Options>[]): string {
  const prefix = "usage: ";
  const optionParts = table.filter((row) => row.kind !== "positional").map(usagePart);
  const positionalParts = table.filter((row) => row.kind === "positional").map(usagePart);
  let usage = [prog, ...optionParts, ...positionalParts].join(" ");
  if (prefix.length + usage.length > HELP_WIDTH) {
    const lines = (parts: readonly string[], indent: string, first?: string): string[] => {
      const out: string[] = [];
      let line: string[] = [];
      let length = first !== undefined ? first.length - 1 : indent.length - 1;
      for (const part of parts) {
        if (length + 1 + part.length > HELP_WIDTH && line.length > 0) {
          out.push(indent + line.join(" "));
          line = [];
          length = indent.length - 1;
        }
        line.push(part);
        length += part.length + 1;
      }
      if (line.length > 0) out.push(indent + line.join(" "));
      if (first !== undefined) out[0] = out[0].slice(indent.length);
      return out;
    };
    let wrapped: string[];
    if (prefix.length + prog.length <= 0.75 * HELP_WIDTH) {
      const indent = " ".repeat(prefix.length + prog.length + 1);
      if (optionParts.length > 0) {
        wrapped = [
          ...lines([prog, ...optionParts], indent, prefix),
          ...lines(positionalParts, indent),
        ];
      } else if (positionalParts.length > 0) {
        wrapped = lines([prog, ...positionalParts], indent, prefix);
      } else wrapped = [prog];
    } else {
      const indent = " ".repeat(prefix.length);
      wrapped = lines([...optionParts, ...positionalParts], indent);
      if (wrapped.length > 1) {
        wrapped = [...lines(optionParts, indent), ...lines(positionalParts, indent)];
      }
      wrapped = [prog, ...wrapped];
    }
    usage = wrapped.join("\n");
  }
  return `${prefix}${usage}\n`;
}

/** A row as the help lists it: `port`, `-h, --help`, `-b, --bind ADDRESS`. */
function invocation<Options>(row: ArgSpec<Options>): string {
  if (row.kind === "positional") return argumentName(row);
  const flags = row.flags.join(", ");
  return row.kind === "value" ? `${flags} ${valueText(row)}` : flags;
}

/**
 * Python's `textwrap.wrap` for help text: words packed greedily into `width` columns, a
 * hyphenated word breakable after its hyphen.
 */
function wrapText(text: string, width: number): string[] {
  const chunks: Array<{ text: string; spaced: boolean }> = [];
  for (const word of text.trim().split(/\s+/)) {
    word.split(/(?<=\p{L}-)(?=\w*\p{L})/u).forEach((piece, i) => {
      chunks.push({ text: piece, spaced: i === 0 });
    });
  }
  const lines: string[] = [];
  let line = "";
  for (const chunk of chunks) {
    const joined = line === "" ? chunk.text : line + (chunk.spaced ? " " : "") + chunk.text;
    if (line !== "" && joined.length > width) {
      lines.push(line);
      line = chunk.text;
    } else line = joined;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * The whole `--help` text as argparse formats it: usage, `positional arguments:` and
 * `options:` sections, help wrapped at the help column.
 *
 * @param prog The program name.
 * @param table The argument table.
 * @returns The help, ending in one newline.
 */
export function formatHelp<Options>(prog: string, table: readonly ArgSpec<Options>[]): string {
  const longest = Math.max(0, ...table.map((row) => invocation(row).length + ENTRY_INDENT));
  const helpPosition = Math.min(longest + 2, MAX_HELP_POSITION);
  const helpWidth = Math.max(HELP_WIDTH - helpPosition, 11);
  const entryWidth = helpPosition - ENTRY_INDENT - 2;
  const entry = (row: ArgSpec<Options>): string => {
    const head = `${" ".repeat(ENTRY_INDENT)}${invocation(row)}`;
    const [first, ...rest] = wrapText(row.help, helpWidth);
    if (first === undefined) return `${head}\n`;
    const pad = " ".repeat(helpPosition);
    // A short invocation shares its line with the help; a long one gets a line of its own.
    let out = head.length <= ENTRY_INDENT + entryWidth
      ? `${head.padEnd(ENTRY_INDENT + entryWidth)}  ${first}\n`
      : `${head}\n${pad}${first}\n`;
    for (const line of rest) out += `${pad}${line}\n`;
    return out;
  };
  const sections: string[] = [formatUsage(prog, table)];
  const positionals = table.filter((row) => row.kind === "positional");
  const options = table.filter((row) => row.kind !== "positional");
  if (positionals.length > 0) {
    sections.push(`positional arguments:\n${positionals.map(entry).join("")}`);
  }
  if (options.length > 0) sections.push(`options:\n${options.map(entry).join("")}`);
  return sections.join("\n");
}
