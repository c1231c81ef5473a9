/**
 * Ollama's model-name grammar: `[scheme://][host/][namespace/]model[:tag]`, with the defaults registry.ollama.ai,
 * library and latest. A name is split from the right: the tag only when the last `:` comes after the last `/`, then
 * model, namespace and host at each `/`; an empty part after a separator is invalid (Ollama's `!MISSING!`).
 * Every part is checked against the character and length rules before a name can reach the file system, so a
 * parsed name never holds `/`, `\`, `..` as a whole part, or anything else that could leave the store.
 * @module
 */
import { shortName } from "../store/mod.ts";

/** A fully qualified model name. Parts keep the casing they were written with. */
export interface ModelName {
  readonly host: string;
  readonly namespace: string;
  readonly model: string;
  readonly tag: string;
  /** `https` unless the name was written with `http://`. */
  readonly scheme: "http" | "https";
}

export const DEFAULT_HOST = "registry.ollama.ai";
export const DEFAULT_NAMESPACE = "library";
export const DEFAULT_TAG = "latest";

/** Thrown for a name that breaks the grammar; the message is Ollama's. */
export class InvalidModelNameError extends Error {
  /** The text that failed to parse. */
  readonly input: string;
  constructor(input: string, detail?: string) {
    super(detail ? `invalid model name: ${detail}` : "invalid model name");
    this.name = "InvalidModelNameError";
    this.input = input;
  }
}

/** Thrown when an `http://` name is used without `insecure`. */
export class InsecureProtocolError extends Error {
  constructor() {
    super("insecure protocol http");
    this.name = "InsecureProtocolError";
  }
}

type PartKind = "host" | "namespace" | "model" | "tag";

const MAX_LENGTH: Record<PartKind, number> = { host: 350, namespace: 80, model: 80, tag: 80 };

/** Characters allowed after the first one (the first is always `[A-Za-z0-9_]`). */
const REST: Record<PartKind, RegExp> = {
  host: /^[A-Za-z0-9_.:-]*$/,
  namespace: /^[A-Za-z0-9_-]*$/,
  model: /^[A-Za-z0-9_.-]*$/,
  tag: /^[A-Za-z0-9_.-]*$/,
};

/** Whether `text` is a valid part of the given kind (Ollama's isValidPart, with its length limits). */
export function isValidNamePart(kind: PartKind, text: string): boolean {
  if (text.length < 1 || text.length > MAX_LENGTH[kind]) return false;
  if (!/^[A-Za-z0-9_]$/.test(text[0])) return false;
  return REST[kind].test(text.slice(1));
}

/** Splits at the last `sep`; a part left empty by the split is marked missing so validation fails on it. */
function cutLast(text: string, sep: string): [before: string, after: string] | undefined {
  const i = text.lastIndexOf(sep);
  if (i < 0) return undefined;
  return [text.slice(0, i) || "\0missing", text.slice(i + sep.length) || "\0missing"];
}

/**
 * Parses a model name and fills in the defaults. Throws `InvalidModelNameError` for anything outside the grammar.
 * @example
 * ```ts
 * parseModelName("llama3.2");              // registry.ollama.ai / library / llama3.2 / latest
 * parseModelName("127.0.0.1:5000/me/tiny:q4"); // host 127.0.0.1:5000, namespace me, model tiny, tag q4
 * ```
 */
export function parseModelName(text: string): ModelName {
  if (typeof text !== "string") throw new InvalidModelNameError(String(text));
  let rest = text;
  let tag = "";
  let namespace = "";
  let host = "";
  let scheme = "";
  if (rest.lastIndexOf(":") > rest.lastIndexOf("/")) {
    [rest, tag] = cutLast(rest, ":")!;
  }
  let model = rest;
  const byModel = cutLast(rest, "/");
  if (byModel) {
    [rest, model] = byModel;
    namespace = rest;
    const byNamespace = cutLast(rest, "/");
    if (byNamespace) {
      [rest, namespace] = byNamespace;
      host = rest;
      const schemeAt = rest.indexOf("://");
      if (schemeAt >= 0) {
        scheme = rest.slice(0, schemeAt);
        host = rest.slice(schemeAt + 3);
      }
    }
  }
  if (scheme !== "" && scheme !== "http" && scheme !== "https") throw new InvalidModelNameError(text);
  const name: ModelName = {
    host: host || DEFAULT_HOST,
    namespace: namespace || DEFAULT_NAMESPACE,
    model,
    tag: tag || DEFAULT_TAG,
    scheme: scheme === "http" ? "http" : "https",
  };
  assertValidName(name, text);
  return name;
}

/** Like `parseModelName`, but undefined instead of an error. */
export function tryParseModelName(text: string): ModelName | undefined {
  try {
    return parseModelName(text);
  } catch {
    return undefined;
  }
}

/** Whether all four parts of an already split name are valid (names read back from a directory tree, for one). */
export function isValidModelName(name: Omit<ModelName, "scheme">): boolean {
  return isValidNamePart("host", name.host) && isValidNamePart("namespace", name.namespace) &&
    isValidNamePart("model", name.model) && isValidNamePart("tag", name.tag);
}

function assertValidName(name: Omit<ModelName, "scheme">, input: string): void {
  if (!isValidModelName(name)) throw new InvalidModelNameError(input);
}

/** `host/namespace/model:tag`, every part present. */
export function formatModelName(name: Omit<ModelName, "scheme">): string {
  return `${name.host}/${name.namespace}/${name.model}:${name.tag}`;
}

/**
 * The shortest way to write a name, as `ollama list` shows it: host and namespace dropped for the default
 * registry's library, host alone dropped for another namespace on the default registry. The tag is always shown.
 */
export function displayName(name: Omit<ModelName, "scheme">): string {
  return shortName(name);
}

/** Case-insensitive equality of the four parts (the scheme does not name a different model). */
export function sameModelName(a: Omit<ModelName, "scheme">, b: Omit<ModelName, "scheme">): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() &&
    a.namespace.toLowerCase() === b.namespace.toLowerCase() &&
    a.model.toLowerCase() === b.model.toLowerCase() &&
    a.tag.toLowerCase() === b.tag.toLowerCase();
}

/** `namespace/model`, the repository path in registry URLs. */
export function repositoryOf(name: Omit<ModelName, "scheme">): string {
  return `${name.namespace}/${name.model}`;
}

/**
 * The registry base URL (`https://host`) for a name. `http://` names need `insecure` (else `insecure protocol http`),
 * and `insecure` turns every registry URL into http, as in Ollama.
 */
export function registryBaseUrl(name: ModelName, options: { insecure?: boolean } = {}): string {
  if (name.scheme === "http" && !options.insecure) throw new InsecureProtocolError();
  const scheme = options.insecure ? "http" : name.scheme;
  return `${scheme}://${name.host}`;
}
