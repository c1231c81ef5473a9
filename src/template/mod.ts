/**
 * Go's text/template in TypeScript, rendering exactly as Go does (the prompt format of Ollama models).
 *
 * ```ts
 * import { Template } from "./src/template/mod.ts";
 * const t = Template.parse("{{ .System }}{{ range .Messages }}{{ .Content }}{{ end }}", { funcs: "ollama", missingKey: "zero" });
 * t.execute({ System: "be brief", Messages: [{ Content: "hi" }] }); // "be briefhi"
 * ```
 *
 * Data are plain JS values, read as Go values:
 * - a plain object is a `map[string]interface{}`: `.Key` is the exact, case-sensitive key, `range`,
 *   printing and `json` visit keys in Go's sorted (bytewise) order; a key holding `undefined` is absent;
 * - a JS `Map` with string keys is a map visited in insertion order (use it where Go would have a
 *   struct, whose fields print and marshal in declaration order);
 * - arrays are `[]interface{}`; `null` is nil; strings are Go strings (`len`/`index`/`slice` count
 *   UTF-8 bytes);
 * - a JS `number` is float64 and a `bigint` is int64 (template literals keep Go's own typing: `1` is an
 *   `int`, `1.0` a float64, `1i` a complex128), booleans are bool;
 * - a JS function is a Go func, invoked only through `call`;
 * - an object or array with a `[GO_STRING]()` method (`Symbol.for("tollama.template.String")`) is a Go
 *   `fmt.Stringer`: it prints as the string returned; one with `[GO_JSON]()`
 *   (`Symbol.for("tollama.template.MarshalJSON")`) is a `json.Marshaler`: `json` writes the JSON text returned.
 *
 * `Template.parse` throws an Error with `kind: "parse"`, `execute` one with `kind: "exec"`; messages are
 * Go's (`template: :3:5: executing "" at <.A.B>: ...`).
 * @module
 */
import type { ListNode, Node } from "./ast.ts";
import { BUILTINS } from "./builtins.ts";
import { execute, TemplateExecError } from "./exec.ts";
import type { GoFunc } from "./func_types.ts";
import { ollamaFuncs } from "./ollama_funcs.ts";
import { parseTemplate, TemplateParseError } from "./parse.ts";

export type * from "./ast.ts";
export { nodeString } from "./node_string.ts";
export { TemplateExecError, TemplateParseError };
export { GO_JSON, GO_STRING, GoComplex, GoInt } from "./values.ts";

/** How a template is parsed and run. */
export interface TemplateOptions {
  /** "ollama" adds json, currentDate, yesterdayDate, toTypeScriptType to the builtins. Default "none". */
  funcs?: "ollama" | "none";
  /** Go's missingkey option. Default "default" (Ollama itself uses "zero"). */
  missingKey?: "default" | "zero" | "error";
  /** Fixes the clock of currentDate/yesterdayDate (local calendar date). Default: now, at each call. */
  now?: Date;
}

interface Resolved {
  funcs: "ollama" | "none";
  missingKey: "default" | "zero" | "error";
  now?: Date;
}

const BUILTIN_NAMES = new Set(BUILTINS.keys());
const CACHE_LIMIT = 512;
const cache = new Map<string, Template>();

function resolve(o: TemplateOptions | undefined): Resolved {
  return { funcs: o?.funcs ?? "none", missingKey: o?.missingKey ?? "default", now: o?.now };
}

function funcTable(o: Resolved): Map<string, GoFunc> {
  const table = new Map(BUILTINS);
  if (o.funcs === "ollama") {
    const now = o.now;
    for (const [k, v] of ollamaFuncs({ now: () => now ?? new Date() })) table.set(k, v);
  }
  return table;
}

/** A parsed template (immutable: edit a copy of `root` and run it with `withRoot`). */
export class Template {
  /** The main template's tree. Treat as read-only; it may be shared through the parse cache. */
  readonly root: ListNode;
  /** Every named template (`define`/`block`), including "" for the main one. */
  readonly trees: ReadonlyMap<string, ListNode>;
  readonly options: Readonly<Resolved>;
  #text: string;
  #funcs: Map<string, GoFunc>;

  private constructor(root: ListNode, trees: Map<string, ListNode>, options: Resolved, text: string) {
    this.root = root;
    this.trees = trees;
    this.options = options;
    this.#text = text;
    this.#funcs = funcTable(options);
  }

  /** Parses `text` (memoised per text and options). Throws TemplateParseError (`kind: "parse"`). */
  static parse(text: string, options?: TemplateOptions): Template {
    const o = resolve(options);
    const key = `${o.funcs}\u0000${o.missingKey}\u0000${o.now?.getTime() ?? ""}\u0000${text}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const funcs = o.funcs === "ollama" ? funcTable(o) : BUILTINS;
    let parsed;
    try {
      parsed = parseTemplate(text, (name) => funcs.has(name));
    } catch (e) {
      // Nesting deep enough to exhaust the JS stack (Go has no such limit) still fails as a parse error.
      if (e instanceof RangeError) throw new TemplateParseError(`template: :1: ${e.message}`);
      throw e;
    }
    const { root, trees } = parsed;
    const t = new Template(root, trees, o, text);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, t);
    return t;
  }

  /** A template from a tree built or edited elsewhere; `defined` gives the named templates it calls. */
  static fromTree(root: ListNode, options?: TemplateOptions, defined?: ReadonlyMap<string, ListNode>): Template {
    const trees = new Map(defined ?? []);
    trees.set("", root);
    return new Template(root, trees, resolve(options), "");
  }

  /** The same template (options, named templates) with another main tree. */
  withRoot(root: ListNode): Template {
    const trees = new Map(this.trees);
    trees.set("", root);
    return new Template(root, trees, { ...this.options }, this.#text);
  }

  /** Renders with `data` as dot. Throws TemplateExecError (`kind: "exec"`). */
  execute(data?: unknown): string {
    return execute(
      {
        text: this.#text,
        trees: this.trees as Map<string, ListNode>,
        funcs: this.#funcs,
        builtins: BUILTIN_NAMES,
        missingKey: this.options.missingKey,
      },
      this.root,
      data,
    );
  }

  /**
   * Lower-cased field and variable names used anywhere in the template (Ollama's `Vars()`):
   * `.Messages` gives "messages", `.Function.Name` gives "function" and "name", `$x.Y` gives "$x" and "y".
   */
  identifiers(): Set<string> {
    const out = new Set<string>();
    for (const tree of this.trees.values()) collect(tree, out);
    return out;
  }
}

function collect(n: Node | undefined, out: Set<string>) {
  if (n === undefined) return;
  switch (n.type) {
    case "list":
      for (const c of n.nodes) collect(c, out);
      return;
    case "template":
    case "action":
      collect(n.pipe, out);
      return;
    case "if":
    case "range":
    case "with":
      collect(n.pipe, out);
      collect(n.list, out);
      collect(n.elseList, out);
      return;
    case "pipe":
      for (const c of n.cmds) for (const a of c.args) collect(a, out);
      return;
    case "field":
    case "variable":
      for (const id of n.ident) out.add(id.toLowerCase());
      return;
  }
}
