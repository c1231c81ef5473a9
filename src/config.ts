/**
 * Every OLLAMA_* / TOLLAMA_* setting, read at call time through the runtime adapter. No other file reads the
 * environment (ollama's envconfig/config.go is the model). Values are trimmed of spaces and quotes, as Ollama does.
 * @module
 */
import { runtime } from "./runtime/mod.ts";
import { homedir } from "node:os";
import { join } from "node:path";

function raw(name: string): string {
  return (runtime.env(name) ?? "").trim().replace(/^["']+|["']+$/g, "").trim();
}

/** Ollama's bool parse: unset or empty is false, anything strconv.ParseBool rejects is true. */
function bool(name: string): boolean {
  const value = raw(name);
  if (value === "") return false;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  return true;
}

function uint(name: string, fallback: number): number {
  const value = raw(name);
  if (value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.warn(`invalid environment variable, using default: ${name}=${value} (default ${fallback})`);
    return fallback;
  }
  return n;
}

/** Go's time.ParseDuration for the units Ollama's users write (ns, us, µs, ms, s, m, h), with optional sign. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!match) return text === "0" ? 0 : undefined;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of text.replace(/^[+-]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * units[part[2]];
  }
  return match[1] === "-" ? -total : total;
}

/**
 * A keep-alive value in milliseconds: a Go duration ("5m"), or a number of seconds. Negative means forever
 * (returned as Infinity); undefined when the text is neither.
 */
export function parseKeepAlive(value: string | number): number | undefined {
  if (typeof value === "number") return value < 0 ? Infinity : value * 1000;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseKeepAlive(Number(text));
  const ms = parseGoDuration(text);
  if (ms === undefined) return undefined;
  return ms < 0 ? Infinity : ms;
}

/** `8GiB`, `1.5 GB`, `512MiB`, `4096` (bytes): a byte count, or undefined when empty or unreadable. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?$/i.exec(text.trim());
  if (!match) return undefined;
  const power = " kmgt".indexOf(match[2].toLowerCase() || " ");
  const base = match[3] || !match[2] ? 1024 : 1000;
  return Math.floor(Number(match[1]) * base ** power);
}

/**
 * OLLAMA_DEBUG as Ollama reads it: a true bool (`1`, `t`, `true` ...) is debug (1), another positive integer its
 * level (2 trace), anything else (unset, `false`, `0`, `yes`) info (0).
 */
export function parseDebugLevel(value: string): number {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return 1;
  return /^\+?\d+$/.test(value) ? Number(value) : 0;
}

export interface HostAddress {
  scheme: "http" | "https";
  hostname: string;
  port: number;
  /** e.g. `http://127.0.0.1:11434`, with any path Ollama's parse keeps. */
  url: string;
}

/** OLLAMA_HOST as Ollama parses it: `host`, `host:port`, `scheme://host:port/path`; default http://127.0.0.1:11434. */
export function parseHost(value: string): HostAddress {
  let text = value.trim() || "127.0.0.1";
  let scheme: "http" | "https" = "http";
  let defaultPort = 11434;
  const schemeMatch = /^(https?):\/\//i.exec(text);
  if (schemeMatch) {
    scheme = schemeMatch[1].toLowerCase() as "http" | "https";
    defaultPort = scheme === "https" ? 443 : 80;
    text = text.slice(schemeMatch[0].length);
  }
  const slash = text.indexOf("/");
  const path = slash >= 0 ? text.slice(slash).replace(/\/+$/, "") : "";
  if (slash >= 0) text = text.slice(0, slash);
  let hostname = text;
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    hostname = bracketed[1];
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (/^[^:]*:\d+$/.test(text)) {
    const i = text.lastIndexOf(":");
    hostname = text.slice(0, i);
    port = Number(text.slice(i + 1));
  }
  if (hostname === "") hostname = "127.0.0.1";
  if (hostname === "ollama.com") {
    scheme = "https";
    port = 443;
  }
  const shownHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return { scheme, hostname, port, url: `${scheme}://${shownHost}:${port}${path}` };
}

/** Each setting: a typed getter read at call time, with a one-line description (`describe()` lists them). */
export const config = {
  /** Bind address of `serve` and the server the CLI talks to. */
  host: (): HostAddress => parseHost(raw("OLLAMA_HOST")),
  /** The model store. */
  modelsDir: (): string => raw("OLLAMA_MODELS") || join(homeDir(), ".ollama", "models"),
  /** Default keep-alive in ms (Infinity = forever). */
  keepAliveMs: (): number => {
    const value = raw("OLLAMA_KEEP_ALIVE");
    if (value === "") return 5 * 60_000;
    return parseKeepAlive(value) ?? 5 * 60_000;
  },
  /** Default num_ctx; 0 means "pick for the machine". */
  contextLength: (): number => uint("OLLAMA_CONTEXT_LENGTH", 0),
  /** Parallel sequences per loaded model. Ollama's default is 1; continuous batching makes 4 pay here. */
  numParallel: (): number => Math.max(1, uint("OLLAMA_NUM_PARALLEL", 4)),
  /** Most models loaded at once (0 → 3 on CPU, as Ollama). */
  maxLoadedModels: (): number => uint("OLLAMA_MAX_LOADED_MODELS", 0) || 3,
  /** Pending requests before 503. */
  maxQueue: (): number => uint("OLLAMA_MAX_QUEUE", 512),
  /** Extra CORS origins. */
  origins: (): string[] => raw("OLLAMA_ORIGINS").split(",").map((s) => s.trim()).filter(Boolean),
  /** Skip pruning of unreferenced blobs. */
  noPrune: (): boolean => bool("OLLAMA_NOPRUNE"),
  /** 0 info, 1 debug, 2 trace (OLLAMA_DEBUG, read as Ollama's envconfig.LogLevel reads it). */
  debugLevel: (): number => parseDebugLevel(raw("OLLAMA_DEBUG")),
  /** No readline history in `run`. */
  noHistory: (): boolean => bool("OLLAMA_NOHISTORY"),
  /** KV cache type (f16, q8_0, q4_0). */
  kvCacheType: (): string => raw("OLLAMA_KV_CACHE_TYPE") || "f16",
  /** Flash attention: "" (auto), or a bool. */
  flashAttention: (): string => raw("OLLAMA_FLASH_ATTENTION"),
  /** Load stall timeout in ms (≤0 = none). */
  loadTimeoutMs: (): number => {
    const value = raw("OLLAMA_LOAD_TIMEOUT");
    return value === "" ? 5 * 60_000 : parseKeepAlive(value) ?? 5 * 60_000;
  },
  /** Directory holding libllama and libggml*.so; unset → lib/, then the npm package. */
  llamaLibDir: (): string | undefined => raw("LLAMA_LIB_DIR") || undefined,
  /**
   * RPC workers (`tollama rpc` or llama.cpp's rpc-server) whose devices take part of each model's layers:
   * comma-separated host:port (the name Ollama's open RPC pull requests use). Empty: models run on this machine.
   */
  rpcServers: (): string[] => raw("OLLAMA_RPC_SERVERS").split(",").map((s) => s.trim()).filter(Boolean),
  /**
   * Bytes of this machine's memory the scheduler may fit models into (`8GiB`, `512MB`, or bytes); 0 or unset: the
   * memory the system reports free. For machines shared with other work, and for tests of fitting and eviction.
   */
  memoryLimit: (): number => parseByteSize(raw("TOLLAMA_MEMORY_LIMIT")) ?? 0,
  /** Registry download stall timeout in ms. */
  stallTimeoutMs: (): number => uint("TOLLAMA_STALL_TIMEOUT_MS", 30_000),
  /** Load a model never loaded before in a short-lived child process first (a file that crashes libllama ends only it). */
  probeLoad: (): boolean => raw("TOLLAMA_PROBE_LOAD") === "" || bool("TOLLAMA_PROBE_LOAD"),
  /**
   * Load a published-Ollama model through a translated copy on disk (compat/ beside blobs/: twice the disk, a slow
   * first load) instead of from its blob (no copy). Both run the CPU's repacked kernels (llama/repack.ts).
   */
  compatCopy: (): boolean => bool("TOLLAMA_COMPAT_COPY"),
  /**
   * API keys (comma-separated): when set, every route but `/` and `/api/version` needs `Authorization: Bearer <key>`
   * or `x-api-key: <key>`; the CLI sends the first. Never logged (`describe()` shows only how many).
   */
  apiKeys: (): string[] => raw("TOLLAMA_API_KEY").split(",").map((s) => s.trim()).filter(Boolean),
  /**
   * GET /metrics in Prometheus text format; on unless false. On by default: it shows what /api/ps and /api/tags
   * already show to anyone who can reach the server (model names, memory) plus counts and timings, the server
   * binds to loopback by default, and TOLLAMA_API_KEY guards it with the rest. Ollama has no /metrics (a 404 there).
   */
  metrics: (): boolean => raw("TOLLAMA_METRICS") === "" || bool("TOLLAMA_METRICS"),
  /** Responses kept in memory for `previous_response_id` and GET /v1/responses/{id} (the oldest go first). */
  responsesMax: (): number => uint("TOLLAMA_RESPONSES_MAX", 1000),
  /** Bytes of JSON the stored responses may hold together (conversations with images are large). */
  responsesMaxBytes: (): number => uint("TOLLAMA_RESPONSES_MAX_BYTES", 256 * 1024 * 1024),
  /** How long a stored response lasts, in ms (a Go duration, as OLLAMA_KEEP_ALIVE; default 24h). */
  responsesTtlMs: (): number => {
    const value = raw("TOLLAMA_RESPONSES_TTL");
    return (value === "" ? undefined : parseKeepAlive(value)) ?? 24 * 3_600_000;
  },
  /** HOME, for ~/.ollama. */
  homeDir,
} as const;

function homeDir(): string {
  return raw("HOME") || homedir();
}

/** Who reads a setting: the server, the CLI client, or both (the CLI's help lists a command's own). */
export type SettingScope = "server" | "client" | "both";

/**
 * Name, value, description and scope of every setting, for `tollama serve --help` (in the order Ollama's lists
 * them) and debug logs. Descriptions are Ollama's where the setting is Ollama's.
 */
export function describe(): Array<{ name: string; value: string; description: string; scope: SettingScope }> {
  const entries: Array<[string, () => unknown, string, SettingScope]> = [
    ["OLLAMA_DEBUG", config.debugLevel, "Show additional debug information (e.g. OLLAMA_DEBUG=1)", "server"],
    ["OLLAMA_HOST", () => config.host().url, "IP Address for the tollama server (default 127.0.0.1:11434)", "both"],
    ["OLLAMA_CONTEXT_LENGTH", config.contextLength, "Context length to use unless otherwise specified (default 4096)", "server"],
    ["OLLAMA_KEEP_ALIVE", config.keepAliveMs, 'The duration that models stay loaded in memory (default "5m")', "server"],
    ["OLLAMA_MAX_LOADED_MODELS", config.maxLoadedModels, "Maximum number of loaded models (default 3)", "server"],
    ["OLLAMA_MAX_QUEUE", config.maxQueue, "Maximum number of queued requests", "server"],
    ["OLLAMA_MODELS", config.modelsDir, "The path to the models directory", "server"],
    ["OLLAMA_NUM_PARALLEL", config.numParallel, "Maximum number of parallel requests (default 4)", "server"],
    ["OLLAMA_NOPRUNE", config.noPrune, "Do not prune model blobs on startup", "server"],
    ["OLLAMA_ORIGINS", config.origins, "A comma separated list of allowed origins", "server"],
    ["LLAMA_LIB_DIR", config.llamaLibDir, "Directory of libllama and libggml (e.g. a CUDA or Vulkan build)", "server"],
    ["OLLAMA_RPC_SERVERS", () => config.rpcServers().join(","), "RPC workers (tollama rpc) to split models across, comma-separated host:port", "server"],
    ["TOLLAMA_MEMORY_LIMIT", config.memoryLimit, "Memory models may use on this machine, e.g. 8GiB (default: what the system reports free)", "server"],
    ["TOLLAMA_STALL_TIMEOUT_MS", config.stallTimeoutMs, "Give up a download stalled this long, in ms (default 30000)", "server"],
    ["TOLLAMA_PROBE_LOAD", config.probeLoad, "Load a new model in a child process first, so a bad file cannot crash the server (default true)", "server"],
    ["TOLLAMA_COMPAT_COPY", config.compatCopy, "Load published-Ollama models through a translated copy on disk (twice the disk) instead of from their blobs", "server"],
    ["TOLLAMA_API_KEY", () => apiKeysShown(), "API keys a request must present, comma-separated (Authorization: Bearer or x-api-key)", "both"],
    ["TOLLAMA_METRICS", config.metrics, "Serve Prometheus metrics at GET /metrics (default true)", "server"],
    ["TOLLAMA_RESPONSES_MAX", config.responsesMax, "Responses kept for previous_response_id (default 1000)", "server"],
    ["TOLLAMA_RESPONSES_MAX_BYTES", config.responsesMaxBytes, "Bytes the kept responses may hold (default 256 MiB)", "server"],
    ["TOLLAMA_RESPONSES_TTL", config.responsesTtlMs, 'How long a kept response lasts (default "24h")', "server"],
    ["OLLAMA_NOHISTORY", config.noHistory, "Do not preserve readline history", "client"],
  ];
  return entries.map(([name, get, description, scope]) => ({ name, value: String(get() ?? ""), description, scope }));
}

/** How many API keys are set, never the keys themselves (the settings are logged at start). */
function apiKeysShown(): string {
  const count = config.apiKeys().length;
  return count === 0 ? "" : `(${count} set)`;
}
