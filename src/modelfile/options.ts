/**
 * The runner options: one table naming every option a request's `options` map or a Modelfile `PARAMETER` may set,
 * with its type and default (ollama's api.Options / api.Runner and DefaultOptions). The server, the engine and the
 * Modelfile parser all read names, types and defaults from here.
 * @module
 */

/** How an option's value is typed; `string[]` options are built from repeated Modelfile lines. */
export type OptionType = "int" | "float" | "bool" | "string" | "string[]";

/** One runner option. */
export interface OptionSpec {
  type: OptionType;
  /** The built-in default; `undefined` means "unset, decided at load time" (num_ctx, main_gpu, use_mmap). */
  default: number | boolean | string | string[] | undefined;
  /** True for options that shape the loaded model or context: changing one needs a reload. */
  loadTime: boolean;
  description: string;
}

/** Every option Ollama accepts, keyed by its JSON name. */
export const OPTIONS = {
  num_ctx: { type: "int", default: undefined, loadTime: true, description: "Context window size in tokens" },
  num_batch: { type: "int", default: 512, loadTime: true, description: "Prompt tokens decoded per batch" },
  num_gpu: { type: "int", default: -1, loadTime: true, description: "Layers offloaded to the GPU (-1 = auto)" },
  main_gpu: { type: "int", default: undefined, loadTime: true, description: "GPU used for small tensors" },
  use_mmap: { type: "bool", default: undefined, loadTime: true, description: "Memory-map the model file" },
  num_thread: { type: "int", default: 0, loadTime: true, description: "CPU threads (0 = auto)" },
  draft_num_predict: {
    type: "int",
    default: 4,
    loadTime: false,
    description: "Speculative draft tokens per step (0 disables)",
  },
  num_keep: { type: "int", default: 4, loadTime: false, description: "Tokens kept when the context shifts" },
  seed: { type: "int", default: -1, loadTime: false, description: "Random seed (-1 = random)" },
  num_predict: { type: "int", default: -1, loadTime: false, description: "Most tokens to generate (-1 = no limit)" },
  top_k: { type: "int", default: 40, loadTime: false, description: "Sample from the k most likely tokens" },
  top_p: { type: "float", default: 0.9, loadTime: false, description: "Nucleus sampling threshold" },
  min_p: { type: "float", default: 0, loadTime: false, description: "Minimum probability relative to the top token" },
  typical_p: { type: "float", default: 1, loadTime: false, description: "Locally typical sampling" },
  repeat_last_n: {
    type: "int",
    default: 64,
    loadTime: false,
    description: "Tokens looked back for repetition (0 off, -1 = num_ctx)",
  },
  temperature: { type: "float", default: 0.8, loadTime: false, description: "Sampling temperature" },
  repeat_penalty: { type: "float", default: 1, loadTime: false, description: "Penalty for repeated tokens" },
  presence_penalty: { type: "float", default: 0, loadTime: false, description: "Penalty for tokens already present" },
  frequency_penalty: { type: "float", default: 0, loadTime: false, description: "Penalty scaled by token frequency" },
  stop: { type: "string[]", default: [], loadTime: false, description: "Stop sequences" },
} as const satisfies Record<string, OptionSpec>;

/** The name of a known option. */
export type OptionName = keyof typeof OPTIONS;

/** Parameters Ollama removed: a Modelfile line naming one prints `warning: parameter X is deprecated` and is skipped. */
export const DEPRECATED_PARAMETERS: readonly string[] = [
  "penalize_newline",
  "low_vram",
  "f16_kv",
  "logits_all",
  "vocab_only",
  "use_mlock",
  "mirostat",
  "mirostat_tau",
  "mirostat_eta",
];

/** True when `name` is a known option. */
export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

/** A value from a Modelfile line or the options map that does not fit its option. */
export class OptionValueError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "OptionValueError";
  }
}

/**
 * Types the text values of one Modelfile `PARAMETER` name, as ollama's api.FormatParams: ints and floats parse as
 * Go's strconv does, bools accept Go's spellings, `stop` keeps every value. Throws `unknown parameter 'x'` or
 * `invalid float value [x]` (the brackets are Go's rendering of the value list).
 */
export function parseParameterValue(name: string, values: string[]): number | boolean | string | string[] {
  if (!isOptionName(name)) throw new OptionValueError(`unknown parameter '${name}'`);
  const type = OPTIONS[name].type as OptionType;
  const first = values[0] ?? "";
  const shown = `[${values.join(" ")}]`;
  switch (type) {
    case "int": {
      const n = parseGoInt(first);
      if (n === undefined) throw new OptionValueError(`invalid int value ${shown}`);
      return n;
    }
    case "float": {
      const n = parseGoFloat32(first);
      if (n === undefined) throw new OptionValueError(`invalid float value ${shown}`);
      return n;
    }
    case "bool": {
      const b = parseGoBool(first);
      if (b === undefined) throw new OptionValueError(`invalid bool value ${shown}`);
      return b;
    }
    case "string":
      return first;
    case "string[]":
      return [...values];
  }
}

/**
 * Checks one value of an API `options` map (or a stored params layer) as ollama's Options.FromMap does: JSON numbers
 * are truncated for int options; a wrong type throws `option "x" must be of type integer` (float32, boolean, string,
 * array), and so does an infinite number or a float no float32 holds. Returns the normalised value, or `undefined`
 * for null (meaning "not set"). Ranges are the server's to clamp (server/options.ts).
 */
export function checkOptionValue(name: OptionName, value: unknown): number | boolean | string | string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const type = OPTIONS[name].type as OptionType;
  switch (type) {
    case "int":
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new OptionValueError(`option "${name}" must be of type integer`);
      }
      return Math.trunc(value);
    case "float":
      // 1e39 is no float32 (Go would store +Inf), and JSON.parse reads 1e400 as Infinity where Go's decoder refuses it
      if (typeof value !== "number" || !Number.isFinite(Math.fround(value))) {
        throw new OptionValueError(`option "${name}" must be of type float32`);
      }
      return value;
    case "bool":
      if (typeof value !== "boolean") throw new OptionValueError(`option "${name}" must be of type boolean`);
      return value;
    case "string":
      if (typeof value !== "string") throw new OptionValueError(`option "${name}" must be of type string`);
      return value;
    case "string[]":
      if (!Array.isArray(value)) throw new OptionValueError(`option "${name}" must be of type array`);
      if (!value.every((item) => typeof item === "string")) {
        throw new OptionValueError(`option "${name}" must be of an array of strings`);
      }
      return [...value] as string[];
  }
}

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64. */
export function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const big = BigInt(text);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
  return Number(big);
}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

const decimalFloat = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const hexFloat = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+$/;

/**
 * Go's strconv.ParseFloat(s, 32), returned as the shortest decimal that reads back as the same float32 (what Go's
 * JSON encoder writes for a float32: `0.7`, not `0.699999988079071`). Infinities and NaN are refused, since a params
 * layer cannot hold them as JSON (Go's encoder fails on them too, later and less clearly).
 */
export function parseGoFloat32(text: string): number | undefined {
  let value: number;
  if (decimalFloat.test(text)) value = Number(text);
  else if (hexFloat.test(text)) value = parseHexFloat(text);
  else return undefined;
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return undefined;
  return shortestFloat32(single);
}

/** The shortest decimal whose float32 rounding is `single` (itself a float32 value). */
export function shortestFloat32(single: number): number {
  if (single === 0 || !Number.isFinite(single)) return single;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

function parseHexFloat(text: string): number {
  const match = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(text);
  if (!match) return NaN;
  const mantissa = parseInt((match[2] || "0") + match[3], 16);
  const value = mantissa * 2 ** (Number(match[4]) - 4 * match[3].length);
  return match[1] === "-" ? -value : value;
}
