/**
 * Executes a parsed template, following Go's `text/template/exec.go`: the variable stack, `missingkey`,
 * how pipelines pass their value as the last argument, how nil/missing values flow (see values.ts),
 * `range` over lists and maps with `break`/`continue`, and errors carrying `line:col` and the node.
 */
import type {
  ArgNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ItemNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  RangeNode,
  TemplateNode,
  VariableNode,
} from "./ast.ts";
import { FuncError, type GoFunc, INTERFACE_INDEX, type ParamType } from "./func_types.ts";
import { sprint1 } from "./fmt.ts";
import { nodeString } from "./node_string.ts";
import { goQuote } from "./strconv.ts";
import {
  byteLength,
  GoComplex,
  GoInt,
  type GoMap,
  isTrue,
  kindOf,
  mapGet,
  mapKeys,
  showRawBytes,
  typeName,
} from "./values.ts";

/** An execution failure: `kind` is always "exec". */
export class TemplateExecError extends Error {
  readonly kind = "exec" as const;
  constructor(message: string) {
    super(message);
    this.name = "TemplateExecError";
  }
}

/** What execution needs besides the data. */
export interface ExecEnv {
  text: string;
  trees: Map<string, ListNode>;
  funcs: Map<string, GoFunc>;
  builtins: Set<string>;
  missingKey: "default" | "zero" | "error";
}

const MAX_DEPTH = 100000;
const MISSING: unique symbol = Symbol("missing");
type Final = unknown;

// walk results
const NORMAL = 0, BREAK = 1, CONTINUE = 2;

/** Runs `root` with `data` as dot and `$`; returns the output. */
export function execute(env: ExecEnv, root: ListNode, data: unknown): string {
  const s = new State(env);
  const dot = data === null ? undefined : data;
  s.push("$", dot);
  try {
    s.walk(dot, root);
  } catch (e) {
    // JS runs out of stack long before Go's depth limit: report it as Go would, at the deepest {{template}}.
    if (e instanceof RangeError && !(e instanceof TemplateExecError) && /call stack|recursion/i.test(e.message)) {
      if (s.deepestNode !== null) {
        s.node = s.deepestNode;
        s.name = s.deepestName;
      }
      s.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    }
    throw e;
  }
  return showRawBytes(s.out.join(""));
}

class State {
  out: string[] = [];
  // The variable stack: entries [0, nVars) are live; popping only moves nVars (no array resizing).
  varNames: string[] = [];
  varValues: unknown[] = [];
  // Whether a variable holds an interface{} value not yet unwrapped (a range element): Go's `slice`
  // rejects such indexes. `dotIface` says the same of dot.
  varIface: boolean[] = [];
  nVars = 0;
  dotIface = false;
  node: Node | null = null;
  name = "";
  depth = 0;
  // The {{template}} reached at the greatest depth, and the template holding it.
  deepestNode: TemplateNode | null = null;
  deepestName = "";
  #env: ExecEnv;
  #deepestDepth = 0;

  constructor(env: ExecEnv) {
    this.#env = env;
  }

  errorf(msg: string): never {
    const node = this.node;
    if (node === null) throw new TemplateExecError(`template: ${this.name}: ${msg}`);
    const text = this.#env.text;
    const pos = Math.min(node.pos, text.length);
    const before = text.slice(0, pos);
    const nl = before.lastIndexOf("\n");
    let line = 1;
    for (let i = before.indexOf("\n"); i >= 0; i = before.indexOf("\n", i + 1)) line++;
    const col = nl < 0 ? byteLength(before) : byteLength(before.slice(nl + 1));
    throw new TemplateExecError(
      `template: :${line}:${col}: executing ${goQuote(this.name)} at <${nodeString(node)}>: ${msg}`,
    );
  }

  push(name: string, value: unknown) {
    this.varNames[this.nVars] = name;
    this.varValues[this.nVars] = value;
    this.varIface[this.nVars] = false;
    this.nVars++;
  }

  #pop(mark: number) {
    this.nVars = mark;
  }

  #setVar(name: string, value: unknown, iface = false) {
    for (let i = this.nVars - 1; i >= 0; i--) {
      if (this.varNames[i] === name) {
        this.varValues[i] = value;
        this.varIface[i] = iface;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  #varValue(name: string): unknown {
    for (let i = this.nVars - 1; i >= 0; i--) {
      if (this.varNames[i] === name) return this.varValues[i];
    }
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: unknown, node: ListNode | ItemNode): number {
    this.node = node;
    switch (node.type) {
      case "list": {
        const nodes = node.nodes;
        for (let i = 0; i < nodes.length; i++) {
          const n = nodes[i];
          if (n.type === "text") {
            this.out.push(n.text);
            continue;
          }
          const r = this.walk(dot, n);
          if (r !== NORMAL) return r;
        }
        return NORMAL;
      }
      case "text":
        this.out.push(node.text);
        return NORMAL;
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.#print(node, val);
        return NORMAL;
      }
      case "comment":
        return NORMAL;
      case "if":
      case "with": {
        const mark = this.nVars;
        const val = this.evalPipeline(dot, node.pipe);
        let r = NORMAL;
        if (isTrue(val)) {
          if (node.type === "with") {
            const iface = this.dotIface;
            this.dotIface = false;
            r = this.walk(val, node.list);
            this.dotIface = iface;
          } else r = this.walk(dot, node.list);
        } else if (node.elseList) r = this.walk(dot, node.elseList);
        this.#pop(mark);
        return r;
      }
      case "range":
        this.#walkRange(dot, node);
        return NORMAL;
      case "template":
        this.#walkTemplate(dot, node);
        return NORMAL;
      case "break":
        return BREAK;
      case "continue":
        return CONTINUE;
    }
  }

  #print(node: Node, v: unknown) {
    this.node = node;
    if (v === undefined || v === null) {
      this.out.push("<no value>");
      return;
    }
    if (typeof v === "string") {
      this.out.push(v);
      return;
    }
    if (typeof v === "function") this.errorf(`can't print ${nodeString(node)} of type ${typeName(v)}`);
    this.out.push(sprint1(v));
  }

  #walkRange(dot: unknown, r: RangeNode) {
    this.node = r;
    const mark0 = this.nVars;
    const val = this.evalPipeline(dot, r.pipe);
    const mark = this.nVars;
    const decl = r.pipe.decl;
    const one = (index: () => unknown, elem: unknown): number => {
      if (decl.length > 0) {
        if (r.pipe.isAssign) {
          if (decl.length > 1) this.#setVar(decl[0].ident[0], index());
          else this.#setVar(decl[0].ident[0], elem, true);
        } else {
          this.varValues[this.nVars - 1] = elem;
          this.varIface[this.nVars - 1] = true;
        }
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.#setVar(decl[1].ident[0], elem, true);
        else this.varValues[this.nVars - 2] = index();
      }
      const iface = this.dotIface;
      this.dotIface = true;
      const sig = this.walk(elem, r.list);
      this.dotIface = iface;
      this.#pop(mark);
      return sig;
    };
    let ran = false;
    switch (kindOf(val)) {
      case "slice": {
        const list = val as unknown[];
        for (let i = 0; i < list.length; i++) {
          ran = true;
          if (one(() => new GoInt("int", BigInt(i)), list[i]) === BREAK) break;
        }
        break;
      }
      case "map": {
        const m = val as GoMap;
        for (const k of mapKeys(m)) {
          ran = true;
          if (one(() => k, mapGet(m, k)) === BREAK) break;
        }
        break;
      }
      case "invalid":
      case "nil":
        break;
      default:
        this.errorf(`range can't iterate over ${sprint1(val)}`);
    }
    if (!ran && r.elseList) this.walk(dot, r.elseList);
    this.#pop(mark0);
  }

  #walkTemplate(dot: unknown, t: TemplateNode) {
    this.node = t;
    const tree = this.#env.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    if (this.depth >= this.#deepestDepth) {
      this.deepestNode = t;
      this.deepestName = this.name;
      this.#deepestDepth = this.depth;
    }
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const names = this.varNames, values = this.varValues, ifaces = this.varIface, n = this.nVars, name = this.name;
    const dotIface = this.dotIface;
    this.varNames = ["$"];
    this.varValues = [newDot];
    this.varIface = [false];
    this.nVars = 1;
    this.dotIface = false;
    this.name = t.name;
    this.depth++;
    this.walk(newDot, tree);
    this.depth--;
    this.varNames = names;
    this.varValues = values;
    this.varIface = ifaces;
    this.nVars = n;
    this.dotIface = dotIface;
    this.name = name;
  }

  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.node = pipe;
    let value: Final = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) {
      value = this.#evalCommand(dot, cmds[i], value);
      // An interface holding nil is dug down to an invalid value.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.#setVar(v.ident[0], value);
      else {
        this.push(v.ident[0], value);
      }
    }
    return value;
  }

  #notAFunction(args: ArgNode[], final: Final) {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  #evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.type) {
      case "field":
        return this.#evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.#evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.#evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.#notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.#evalVariableNode(dot, first, cmd.args, final);
    }
    this.node = first;
    this.#notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.errorf("nil is not a command");
        break;
      case "number":
        return this.#idealConstant(first);
      case "string":
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  #idealConstant(n: NumberNode): unknown {
    this.node = n;
    if (n.isComplex) return new GoComplex(n.complex[0], n.complex[1]);
    const t = n.text;
    const hexInt = t.length > 2 && t[0] === "0" && (t[1] === "x" || t[1] === "X") && !/[pP]/.test(t);
    if (n.isFloat && !hexInt && t[0] !== "'" && /[.eEpP]/.test(t)) return n.float;
    if (n.isInt) return new GoInt("int", n.int);
    if (n.isUint) this.errorf(`${t} overflows int`);
    return undefined;
  }

  #evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: Final): unknown {
    this.node = field;
    return this.#evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  #evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    this.node = chain;
    if (chain.node.type === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.#evalArg(dot, null, chain.node);
    return this.#evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  #evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): unknown {
    this.node = v;
    const value = this.#varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.#notAFunction(args, final);
      return value;
    }
    return this.#evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  #evalFieldChain(_dot: unknown, receiver: unknown, _node: Node, ident: string[], args: ArgNode[], final: Final) {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.#evalField(ident[i], null, MISSING, receiver, i > 0);
    return this.#evalField(ident[n - 1], args, final, receiver, n > 1);
  }

  #evalField(name: string, args: ArgNode[] | null, final: Final, receiver: unknown, nested: boolean) {
    if (receiver === undefined) {
      if (this.#env.missingKey === "error") this.errorf(`nil data; no entry for key ${goQuote(name)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (kindOf(receiver) === "map") {
      if ((args !== null && args.length > 1) || final !== MISSING) {
        this.errorf(`${name} is not a method but has arguments`);
      }
      const result = mapGet(receiver as GoMap, name);
      if (result !== undefined) return result;
      switch (this.#env.missingKey) {
        case "zero":
          return null;
        case "error":
          this.errorf(`map has no entry for key ${goQuote(name)}`);
      }
      return undefined;
    }
    this.errorf(`can't evaluate field ${name} in type ${nested ? "interface {}" : typeName(receiver)}`);
  }

  #evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: ArgNode[] | null, final: Final): unknown {
    this.node = node;
    const name = node.ident;
    const fn = this.#env.funcs.get(name);
    if (fn === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.#evalCall(dot, fn, this.#env.builtins.has(name), cmd, name, args, final);
  }

  #evalCall(
    dot: unknown,
    fn: GoFunc,
    builtin: boolean,
    node: Node,
    name: string,
    args: ArgNode[] | null,
    final: Final,
  ) {
    const argNodes = args ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    let numFixed = argNodes.length;
    if (fn.variadic !== undefined) {
      numFixed = fn.params.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${fn.params.length} got ${argNodes.length}`);
      }
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }
    if (builtin && (name === "and" || name === "or")) {
      let v: unknown;
      for (const arg of argNodes) {
        v = this.#evalArg(dot, "value", arg);
        if (isTrue(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = this.#validateType(final, "value");
      return v;
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < argNodes.length; i++) argv.push(this.#evalArg(dot, fn.params[i], argNodes[i]));
    if (fn.variadic !== undefined) {
      const sliceIndexes = builtin && name === "slice";
      for (; i < argNodes.length; i++) {
        const v = this.#evalArg(dot, fn.variadic, argNodes[i]);
        // Go's slice does not unwrap interface{} indexes (a map value, a range element) and rejects them.
        argv.push(sliceIndexes && v !== undefined && this.#yieldsInterface(argNodes[i]) ? INTERFACE_INDEX : v);
      }
    }
    if (final !== MISSING) {
      let t: ParamType;
      if (fn.variadic !== undefined) t = numIn - 1 < numFixed ? fn.params[numIn - 1] : fn.variadic;
      else t = fn.params[fn.params.length - 1];
      argv.push(this.#validateType(final, t));
    }
    try {
      return fn.call(argv);
    } catch (e) {
      if (e instanceof FuncError) {
        this.node = node;
        this.errorf(`error calling ${name}: ${e.message}`);
      }
      throw e;
    }
  }

  // Whether evaluating `n` as an argument gives an interface{} value that Go has not unwrapped.
  #yieldsInterface(n: ArgNode): boolean {
    switch (n.type) {
      case "field":
      case "chain":
        return true;
      case "variable":
        if (n.ident.length > 1) return true;
        for (let i = this.nVars - 1; i >= 0; i--) if (this.varNames[i] === n.ident[0]) return this.varIface[i];
        return false;
      case "dot":
        return this.dotIface;
    }
    return false;
  }

  #validateType(value: unknown, typ: ParamType | null): unknown {
    if (value === undefined) {
      if (typ === null || typ === "value") return undefined;
      if (typ === "any") return null;
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === "string" && typeof value !== "string") {
      this.errorf(`wrong type for value; expected string; got ${value === null ? "interface {}" : typeName(value)}`);
    }
    return value;
  }

  #evalArg(dot: unknown, typ: ParamType | null, n: ArgNode): unknown {
    this.node = n;
    switch (n.type) {
      case "dot":
        return this.#validateType(dot, typ);
      case "nil":
        if (typ === "value") return undefined;
        if (typ === "any" || typ === null) return null;
        this.errorf(`cannot assign nil to ${typ}`);
        break;
      case "field":
        return this.#validateType(this.#evalFieldNode(dot, n, [n], MISSING), typ);
      case "variable":
        return this.#validateType(this.#evalVariableNode(dot, n, [n], MISSING), typ);
      case "pipe":
        return this.#validateType(this.evalPipeline(dot, n), typ);
      case "identifier":
        return this.#validateType(this.#evalFunction(dot, n, n, null, MISSING), typ);
      case "chain":
        return this.#validateType(this.#evalChainNode(dot, n, [], MISSING), typ);
    }
    if (typ === "string") {
      if (n.type === "string") return n.text;
      this.errorf(`expected string; found ${nodeString(n)}`);
    }
    switch (n.type) {
      case "bool":
        return n.value;
      case "number":
        return this.#idealConstant(n);
      case "string":
        return n.text;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
  }
}
