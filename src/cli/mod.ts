/**
 * tollama's command line: Ollama's commands and flags, each a client of the server at OLLAMA_HOST. `serve` itself is
 * provided by the caller (mod.ts), so this folder never imports the server.
 * @module
 */
import { parseArgs } from "node:util";
import { TOLLAMA_VERSION } from "../version.ts";
import { describe as describeSettings } from "../config.ts";
import { Client, ConnectionError } from "./client.ts";
import { processTerminal, type Terminal } from "./io.ts";
import { listCommand } from "./commands/list.ts";
import { psCommand } from "./commands/ps.ts";
import { showCommand } from "./commands/show.ts";
import { copyCommand, removeCommand, stopCommand } from "./commands/manage.ts";
import { pullCommand, pushCommand } from "./commands/transfer.ts";
import { runCommand } from "./run/run_command.ts";
import { createCommand } from "./commands/create.ts";
import { rpcCommand } from "./commands/rpc.ts";

export { Client, ConnectionError, ResponseError } from "./client.ts";
export { parseNdjson } from "./ndjson.ts";

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

interface CommandSpec {
  usage: string;
  summary: string;
  options: Options;
  args: [min: number, max: number];
  run: (client: Client, term: Terminal, args: string[], flags: Record<string, unknown>) => Promise<number>;
}

/** What the caller provides for the commands that are not HTTP clients. */
export interface CliHooks {
  /** Starts the server in this process and resolves when it stops. */
  serve(): Promise<number>;
}

const COMMANDS: Record<string, CommandSpec> = {
  list: { usage: "list [PREFIX]", summary: "List models", options: {}, args: [0, 1], run: listCommand },
  ps: { usage: "ps", summary: "List running models", options: {}, args: [0, 1], run: psCommand },
  show: {
    usage: "show MODEL",
    summary: "Show information for a model",
    options: {
      license: { type: "boolean" },
      modelfile: { type: "boolean" },
      parameters: { type: "boolean" },
      template: { type: "boolean" },
      system: { type: "boolean" },
      verbose: { type: "boolean", short: "v" },
    },
    args: [1, 1],
    run: showCommand,
  },
  pull: { usage: "pull MODEL", summary: "Pull a model from a registry", options: { insecure: { type: "boolean" } }, args: [1, 1], run: pullCommand },
  push: { usage: "push MODEL", summary: "Push a model to a registry", options: { insecure: { type: "boolean" } }, args: [1, 1], run: pushCommand },
  cp: { usage: "cp SOURCE DESTINATION", summary: "Copy a model", options: {}, args: [2, 2], run: copyCommand },
  rm: { usage: "rm MODEL [MODEL...]", summary: "Remove a model", options: {}, args: [1, Infinity], run: removeCommand },
  stop: { usage: "stop MODEL", summary: "Stop a running model", options: {}, args: [1, 1], run: stopCommand },
  run: {
    usage: "run MODEL [PROMPT]",
    summary: "Run a model",
    options: {
      format: { type: "string" },
      think: { type: "string" },
      hidethinking: { type: "boolean" },
      keepalive: { type: "string" },
      verbose: { type: "boolean" },
      nowordwrap: { type: "boolean" },
      insecure: { type: "boolean" },
      dimensions: { type: "string" },
      truncate: { type: "boolean" },
    },
    args: [1, Infinity],
    run: runCommand,
  },
  // not in `tollama --help` (Ollama has no such command); `tollama rpc --help` describes it
  rpc: {
    usage: "rpc",
    summary: "Serve this machine's CPU to other tollama servers over ggml's RPC protocol (OLLAMA_RPC_SERVERS)",
    options: { host: { type: "string" }, port: { type: "string" }, threads: { type: "string" }, cache: { type: "string" } },
    args: [0, 0],
    run: rpcCommand,
  },
};
const ALIASES: Record<string, string> = { ls: "list", start: "serve" };

const FLAG_HELP: Record<string, string> = {
  license: "Show license of a model",
  modelfile: "Show Modelfile of a model",
  parameters: "Show parameters of a model",
  template: "Show template of a model",
  system: "Show system message of a model",
  verbose: "Show timings for response (run) / more detail (show)",
  insecure: "Use an insecure registry",
  format: "Response format (e.g. json)",
  think: "Enable thinking mode: true/false or high/medium/low",
  hidethinking: "Hide thinking output (if provided)",
  keepalive: "Duration to keep a model loaded (e.g. 5m)",
  nowordwrap: "Don't wrap words to the next line automatically",
  dimensions: "Truncate output embeddings to specified dimension (embedding models only)",
  truncate: "For embedding models: truncate inputs exceeding context length (default: true)",
  file: "Name of the Modelfile (default \"Modelfile\")",
  quantize: "Quantize model to this level (e.g. q4_K_M)",
  link: "Record the GGUF file in place instead of copying it into the store",
  host: "rpc: address to listen on (default 127.0.0.1; any other is reachable from the network, unauthenticated)",
  port: "rpc: port to listen on (default 50052)",
  threads: "rpc: CPU threads to compute with (default: the physical cores)",
  cache: "rpc: directory caching large tensors sent by heads (faster reloads)",
};

/** cobra's "Environment Variables" section as Ollama appends it: `run` adds history, `serve` the server's settings. */
function environmentHelp(name: string): string {
  const settings = describeSettings().filter((s) =>
    name === "serve" ? s.scope !== "client" : name === "run" ? s.scope !== "server" : s.scope === "both"
  );
  return `\nEnvironment Variables:\n${settings.map((s) => `      ${s.name.padEnd(27)}   ${s.description}\n`).join("")}`;
}

function commandHelp(name: string, spec: { usage: string; summary: string; options: Options }): string {
  const rows: Array<[string, string]> = [["-h, --help", `help for ${name}`]];
  for (const [flag, def] of Object.entries(spec.options ?? {})) {
    const short = (def as { short?: string }).short;
    const value = (def as { type: string }).type === "string" ? " string" : "";
    rows.push([`${short ? `-${short}, ` : "    "}--${flag}${value}`, FLAG_HELP[flag] ?? ""]);
  }
  const width = Math.max(...rows.map(([left]) => left.length));
  const flags = rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`).join("\n");
  const aliases = Object.entries(ALIASES).filter(([, target]) => target === name).map(([alias]) => alias);
  const aliasHelp = aliases.length ? `Aliases:\n  ${[name, ...aliases].join(", ")}\n\n` : "";
  return `${spec.summary}\n\nUsage:\n  tollama ${spec.usage} [flags]\n\n${aliasHelp}Flags:\n${flags}\n${environmentHelp(name)}`;
}

/** cobra's Levenshtein distance (case-insensitive), for "Did you mean this?". */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = s[i - 1] === t[j - 1] ? previous[j - 1] : 1 + Math.min(previous[j], row[j - 1], previous[j - 1]);
    }
    previous = row;
  }
  return previous[t.length];
}

/**
 * cobra's unknown-command error: commands within distance 2 of the typed name, or starting with it, in the order
 * of the command list (aliases and `help` are not suggested).
 */
function unknownCommand(typed: string): string {
  const suggestions = commandNames().filter((name) =>
    distance(typed, name) <= 2 || name.toLowerCase().startsWith(typed.toLowerCase())
  );
  const hint = suggestions.length ? `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join("")}` : "";
  return `unknown command "${typed}" for "tollama"${hint}`;
}

const CREATE_SPEC = {
  usage: "create MODEL",
  summary: "Create a model from a Modelfile",
  options: {
    file: { type: "string", short: "f" },
    quantize: { type: "string", short: "q" },
    link: { type: "boolean" },
  } as Options,
};

/** The commands in Ollama's order (`ollama --help`). */
function commandNames(): string[] {
  return ["serve", "create", "show", "run", "stop", "pull", "push", "list", "ps", "cp", "rm"];
}

function summaryOf(name: string): string {
  return name === "serve" ? "Start tollama" : name === "create" ? CREATE_SPEC.summary : COMMANDS[name].summary;
}

function usage(): string {
  const rows: Array<[string, string]> = [
    ...commandNames().map((name) => [name, summaryOf(name)] as [string, string]),
    ["help", "Help about any command"],
  ];
  return `Large language model runner\n\nUsage:\n  tollama [flags]\n  tollama [command]\n\nAvailable Commands:\n${
    rows.map(([n, s]) => `  ${n.padEnd(11)}${s}`).join("\n")
  }\n\nFlags:\n  -h, --help      help for tollama\n  -v, --version   Show version information\n\nUse "tollama [command] --help" for more information about a command.\n`;
}

/** `--think` may stand alone (= true), as in Ollama; parseArgs needs the value spelled out. */
function normalizeThinkFlag(args: string[]): string[] {
  return args.flatMap((arg, i) => {
    const next = args[i + 1];
    const hasValue = next !== undefined && ["true", "false", "high", "medium", "low", "max"].includes(next);
    return arg === "--think" && !hasValue ? ["--think=true"] : [arg];
  });
}

/** Thrown for a command line that cannot be parsed; the message is cobra's (Ollama's CLI library) wording. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const BOOL_VALUES: Record<string, boolean> = { true: true, t: true, "1": true, false: false, f: false, "0": false };

/**
 * Parses flags as cobra does: `--flag=true|false` is accepted for a boolean flag (Ollama documents
 * `--truncate=false`), and errors carry cobra's messages rather than node:util's.
 */
function parseFlags(args: string[], options: Options): { positionals: string[]; values: Record<string, unknown> } {
  const explicit: Record<string, boolean> = {};
  const rest: string[] = [];
  const end = args.indexOf("--");
  const shorts = new Map(Object.entries(options ?? {}).flatMap(([name, def]) => def.short ? [[def.short, name]] : []));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // A flag that takes a value takes the next argument whatever it looks like (`--keepalive -1`), as pflag does;
    // node:util would call "-1" an unknown option.
    const valueFlag = /^--([^=]+)$/.exec(arg)?.[1] ?? shorts.get(/^-([^-])$/.exec(arg)?.[1] ?? "");
    if ((end < 0 || i < end) && valueFlag && options?.[valueFlag]?.type === "string") {
      if (i + 1 >= args.length) {
        throw new UsageError(`flag needs an argument: ${arg.startsWith("--") ? arg : `'${arg.slice(1)}' in ${arg}`}`);
      }
      rest.push(`--${valueFlag}=${args[++i]}`);
      continue;
    }
    const match = end >= 0 && i >= end ? null : /^--([^=]+)=(.*)$/.exec(arg);
    if (!match || options?.[match[1]]?.type !== "boolean") {
      rest.push(arg);
      continue;
    }
    const value = BOOL_VALUES[match[2].toLowerCase()];
    if (value === undefined) {
      throw new UsageError(`invalid argument "${match[2]}" for "--${match[1]}" flag: strconv.ParseBool: parsing "${match[2]}": invalid syntax`);
    }
    explicit[match[1]] = value;
  }
  try {
    const parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, values: { ...parsed.values, ...explicit } };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new UsageError(flag.startsWith("--") ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(/argument missing/.test(message) ? `flag needs an argument: ${flag}` : `${flag} takes no value`);
    }
    throw error;
  }
}

/** cobra's argument-count messages (ExactArgs, MinimumNArgs, RangeArgs). */
function checkArgCount(count: number, [min, max]: [number, number]): void {
  if (count >= min && count <= max) return;
  if (min === max) throw new UsageError(`accepts ${min} arg(s), received ${count}`);
  if (max === Infinity) throw new UsageError(`requires at least ${min} arg(s), only received ${count}`);
  throw new UsageError(`accepts between ${min} and ${max} arg(s), received ${count}`);
}

/** Runs the CLI with `args` (no program name) and returns the exit code. Errors are one line on stderr. */
export async function runCli(args: string[], hooks: CliHooks, term: Terminal = processTerminal): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === "help" || first === "-h" || first === "--help") {
    if (first === "help" && rest[0]) {
      const topic = ALIASES[rest[0]] ?? rest[0];
      if (commandNames().includes(topic)) return runCli([rest[0], "--help"], hooks, term);
      // cobra's help command: the topic as Go's %#q of the args, then the root's usage without its title
      term.out(`Unknown help topic [${rest.map((a) => `\`${a}\``).join(" ")}]\n${usage().replace(/^[^\n]*\n\n/, "")}`);
      return 0;
    }
    term.out(usage());
    return 0;
  }
  if (first === "-v" || first === "--version") {
    term.out(`tollama version is ${TOLLAMA_VERSION}\n`);
    return 0;
  }
  const name = ALIASES[first] ?? first;
  try {
    if (name === "serve") {
      const parsed = parseFlags(rest, { help: { type: "boolean", short: "h" } });
      if (parsed.values.help) {
        term.out(commandHelp("serve", { usage: "serve", summary: summaryOf("serve"), options: {} }));
        return 0;
      }
      checkArgCount(parsed.positionals.length, [0, 0]);
      return await hooks.serve();
    }
    const spec = name === "create" ? { ...CREATE_SPEC, args: [1, 1] as [number, number], run: createCommand } : COMMANDS[name];
    if (!spec || !spec.run) {
      // cobra.CheckErr prints the error with Println: the suggestion list ends in a blank line, as Ollama's does.
      term.err(`Error: ${unknownCommand(first)}\n`);
      return 1;
    }
    const parsed = parseFlags(name === "run" ? normalizeThinkFlag(rest) : rest, {
      ...spec.options,
      help: { type: "boolean", short: "h" },
    });
    if (parsed.values.help) {
      term.out(commandHelp(name, spec));
      return 0;
    }
    checkArgCount(parsed.positionals.length, spec.args);
    return await spec.run(new Client(), term, parsed.positionals, parsed.values as Record<string, unknown>);
  } catch (error) {
    const message = error instanceof ConnectionError ? error.message : (error as Error).message;
    term.err(`Error: ${message}\n`);
    return 1;
  }
}
