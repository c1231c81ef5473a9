/**
 * Parser for Go text/template, following Go's `text/template/parse/parse.go`: one main tree plus the
 * trees of `define`/`block`, checks of functions and variables at parse time, `else if` chains,
 * `break`/`continue` only inside `range`, and Go's rule for redefinitions (an empty tree never
 * replaces a non-empty one; two non-empty ones are an error).
 */
import type {
  ArgNode,
  CommandNode,
  IfNode,
  ItemNode,
  ListNode,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from "./ast.ts";
import { type Item, lex, T } from "./lex.ts";
import { NumberSyntaxError, parseNumber, unquote } from "./number.ts";
import { nodeString } from "./node_string.ts";
import { goQuote } from "./strconv.ts";
import { byteLength } from "./values.ts";

/** A parse failure: `kind` is always "parse". */
export class TemplateParseError extends Error {
  readonly kind = "parse" as const;
  constructor(message: string) {
    super(message);
    this.name = "TemplateParseError";
  }
}

/** The result of parsing: the main tree and every named tree (including "" for the main one). */
export interface ParsedTemplate {
  root: ListNode;
  trees: Map<string, ListNode>;
}

type End = { type: "end"; pos: number } | { type: "else"; pos: number; line: number };

const GO_SPACE_ONLY = /^[ \t\n\v\f\r\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** True when the tree has nothing but whitespace text and comments (Go's IsEmptyTree). */
export function isEmptyTree(list: ListNode): boolean {
  for (const n of list.nodes) {
    if (n.type === "comment") continue;
    if (n.type === "text" && GO_SPACE_ONLY.test(n.text)) continue;
    return false;
  }
  return true;
}

/**
 * Parses `text`. `hasFunc` says whether an identifier names a function (Go checks this at parse time).
 */
export function parseTemplate(text: string, hasFunc: (name: string) => boolean): ParsedTemplate {
  const p = new Parser(text, lex(text), hasFunc);
  return p.parseAll();
}

/**
 * How deep actions may nest (if/range/with/block bodies, else-if links, parenthesized pipelines, together). Go caps
 * only parentheses (`maxStackDepth` = 10000, `max expression depth exceeded`) and lets goroutine stacks grow for
 * the rest; a JS stack holds about 2,000 nested levels of this recursive parser and its executor, so one shared
 * cap well below that keeps a hostile template a parse error instead of a stack overflow.
 */
export const MAX_NESTING = 1000;

class Parser {
  #items: Item[];
  #i = 0;
  #text: string;
  #hasFunc: (name: string) => boolean;
  #vars: string[] = ["$"];
  #rangeDepth = 0;
  #nesting = 0;
  #far = 0; // the furthest item read: Go reports errors at its line
  #actionLine = 0; // line of the "{{" of the action being parsed (0 outside)
  #trees = new Map<string, ListNode>();

  constructor(text: string, items: Item[], hasFunc: (name: string) => boolean) {
    this.#text = text;
    this.#items = items;
    this.#hasFunc = hasFunc;
  }

  /** Runs a nested parse step under the shared {@linkcode MAX_NESTING} cap. */
  #nested<R>(what: "expression" | "nesting", fn: () => R): R {
    if (this.#nesting >= MAX_NESTING) this.#fail(`max ${what} depth exceeded`);
    this.#nesting++;
    try {
      return fn();
    } finally {
      this.#nesting--;
    }
  }

  #fail(msg: string): never {
    const line = this.#items[Math.min(this.#far, this.#items.length - 1)].line;
    throw new TemplateParseError(`template: :${line}: ${msg}`);
  }

  #next(): Item {
    const it = this.#items[Math.min(this.#i, this.#items.length - 1)];
    if (this.#i > this.#far) this.#far = this.#i;
    this.#i++;
    return it;
  }
  #backup() {
    this.#i--;
  }
  #peek(): Item {
    const it = this.#next();
    this.#backup();
    return it;
  }
  #nextNonSpace(): Item {
    let it: Item;
    do it = this.#next(); while (it.typ === T.Space);
    return it;
  }
  #peekNonSpace(): Item {
    const it = this.#nextNonSpace();
    this.#backup();
    return it;
  }
  #expect(typ: T, context: string): Item {
    const it = this.#nextNonSpace();
    if (it.typ !== typ) this.#unexpected(it, context);
    return it;
  }
  // A lexer error surfaces where the parser meets it, as in Go.
  #unexpected(it: Item, context: string): never {
    if (it.typ === T.Error) {
      let extra = "";
      if (this.#actionLine !== 0 && this.#actionLine !== it.line) {
        extra = ` in action started at :${this.#actionLine}`;
        if (it.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.#fail(it.val + extra);
    }
    this.#fail(`unexpected ${itemString(it)} in ${context}`);
  }

  parseAll(): ParsedTemplate {
    const root: ListNode = { type: "list", pos: this.#peek().pos, nodes: [] };
    while (this.#peek().typ !== T.EOF) {
      if (this.#peek().typ === T.LeftDelim) {
        const save = this.#i;
        this.#next();
        if (this.#nextNonSpace().typ === T.Define) {
          this.#withNewTree(() => this.#parseDefinition());
          continue;
        }
        this.#i = save;
      }
      const n = this.#textOrAction();
      if (n.type === "end" || n.type === "else") this.#fail(`unexpected {{${n.type}}}`);
      root.nodes.push(n as ItemNode);
    }
    this.#add("", root);
    return { root: this.#trees.get("")!, trees: this.#trees };
  }

  #withNewTree<R>(fn: () => R): R {
    // Go parses each define/block body as a tree of its own: fresh variables, range depth, action line.
    const vars = this.#vars, depth = this.#rangeDepth, actionLine = this.#actionLine;
    this.#vars = ["$"];
    this.#rangeDepth = 0;
    this.#actionLine = 0;
    try {
      return fn();
    } finally {
      this.#vars = vars;
      this.#rangeDepth = depth;
      this.#actionLine = actionLine;
    }
  }

  #add(name: string, root: ListNode) {
    const old = this.#trees.get(name);
    if (old === undefined || isEmptyTree(old)) {
      this.#trees.set(name, root);
      return;
    }
    if (!isEmptyTree(root)) this.#fail(`template: multiple definition of template ${JSON.stringify(name)}`);
  }

  #parseDefinition() {
    const context = "define clause";
    const tok = this.#nextNonSpace();
    if (tok.typ !== T.String && tok.typ !== T.RawString) this.#unexpected(tok, context);
    const name = this.#unquote(tok.val);
    this.#expect(T.RightDelim, context);
    const [list, end] = this.#itemList();
    if (end.type !== "end") this.#fail(`unexpected {{${end.type}}} in ${context}`);
    this.#add(name, list);
  }

  #unquote(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      if (e instanceof NumberSyntaxError) this.#fail(e.message);
      throw e;
    }
  }

  #itemList(): [ListNode, End] {
    const list: ListNode = { type: "list", pos: this.#peekNonSpace().pos, nodes: [] };
    while (this.#peekNonSpace().typ !== T.EOF) {
      const n = this.#textOrAction();
      if (n.type === "end" || n.type === "else") return [list, n as End];
      list.nodes.push(n as ItemNode);
    }
    this.#fail("unexpected EOF");
  }

  #textOrAction(): ItemNode | End {
    const tok = this.#nextNonSpace();
    switch (tok.typ) {
      case T.Text:
        return { type: "text", pos: tok.pos, text: tok.val };
      case T.LeftDelim:
        this.#actionLine = tok.line;
        try {
          return this.#action();
        } finally {
          this.#actionLine = 0;
        }
      case T.Comment:
        return { type: "comment", pos: tok.pos, text: tok.val };
      default:
        this.#unexpected(tok, "input");
    }
  }

  #action(): ItemNode | End {
    const tok = this.#nextNonSpace();
    switch (tok.typ) {
      case T.Block:
        return this.#nested("nesting", () => this.#blockControl());
      case T.Break:
      case T.Continue: {
        const word = tok.typ === T.Break ? "break" : "continue";
        const t2 = this.#nextNonSpace();
        if (t2.typ !== T.RightDelim) this.#unexpected(t2, `{{${word}}}`);
        if (this.#rangeDepth === 0) this.#fail(`{{${word}}} outside {{range}}`);
        return { type: word, pos: tok.pos, line: tok.line };
      }
      case T.Else: {
        const pk = this.#peekNonSpace();
        if (pk.typ === T.If || pk.typ === T.With) return { type: "else", pos: pk.pos, line: pk.line };
        const t2 = this.#expect(T.RightDelim, "else");
        return { type: "else", pos: t2.pos, line: t2.line };
      }
      case T.End:
        return { type: "end", pos: this.#expect(T.RightDelim, "end").pos };
      case T.If:
        return { type: "if", ...this.#nested("nesting", () => this.#parseControl("if")) };
      case T.Range:
        return { type: "range", ...this.#nested("nesting", () => this.#parseControl("range")) };
      case T.With:
        return { type: "with", ...this.#nested("nesting", () => this.#parseControl("with")) };
      case T.Template:
        return this.#templateControl();
    }
    this.#backup();
    const start = this.#peek();
    const pipe = this.#pipeline("command", T.RightDelim);
    return { type: "action", pos: start.pos, line: start.line, pipe };
  }

  #parseControl(context: "if" | "range" | "with"): Omit<IfNode, "type"> {
    const mark = this.#vars.length;
    try {
      const pipe = this.#pipeline(context, T.RightDelim);
      if (context === "range") this.#rangeDepth++;
      const [list, next] = this.#itemList();
      if (context === "range") this.#rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === "else") {
        const pk = this.#peek();
        if ((context === "if" && pk.typ === T.If) || (context === "with" && pk.typ === T.With)) {
          this.#next();
          const link = this.#nested("nesting", () => this.#parseControl(context));
          elseList = { type: "list", pos: next.pos, nodes: [{ type: context, ...link }] };
        } else {
          const [l2, n2] = this.#itemList();
          if (n2.type !== "end") this.#fail(`expected end; found {{${n2.type}}}`);
          elseList = l2;
        }
      }
      return { pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.#vars.length = mark;
    }
  }

  #templateName(tok: Item, context: string): string {
    if (tok.typ !== T.String && tok.typ !== T.RawString) this.#unexpected(tok, context);
    return this.#unquote(tok.val);
  }

  #templateControl(): TemplateNode {
    const context = "template clause";
    const tok = this.#nextNonSpace();
    const name = this.#templateName(tok, context);
    let pipe: PipeNode | undefined;
    if (this.#nextNonSpace().typ !== T.RightDelim) {
      this.#backup();
      pipe = this.#pipeline(context, T.RightDelim);
    }
    return { type: "template", pos: tok.pos, line: tok.line, name, pipe };
  }

  #blockControl(): TemplateNode {
    const context = "block clause";
    const tok = this.#nextNonSpace();
    const name = this.#templateName(tok, context);
    const pipe = this.#pipeline(context, T.RightDelim);
    this.#withNewTree(() => {
      const [list, end] = this.#itemList();
      if (end.type !== "end") this.#fail(`unexpected {{${end.type}}} in ${context}`);
      this.#add(name, list);
    });
    return { type: "template", pos: tok.pos, line: tok.line, name, pipe };
  }

  #pipeline(context: string, end: T): PipeNode {
    const first = this.#peekNonSpace();
    const pipe: PipeNode = { type: "pipe", pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.#peekNonSpace();
      if (v.typ !== T.Variable) break;
      const save = this.#i;
      this.#next();
      const nxt = this.#peekNonSpace();
      if (nxt.typ === T.Assign || nxt.typ === T.Declare) {
        pipe.isAssign = nxt.typ === T.Assign;
        this.#nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.#vars.push(v.val);
        break;
      }
      if (nxt.typ === T.Char && nxt.val === ",") {
        this.#nextNonSpace();
        pipe.decl.push(newVariable(v.pos, v.val));
        this.#vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const k = this.#peekNonSpace().typ;
          if (k === T.Variable || k === T.RightDelim || k === T.RightParen) continue;
          this.#fail("range can only initialize variables");
        }
        this.#fail(`too many declarations in ${context}`);
      }
      this.#i = save;
      break;
    }
    for (;;) {
      const tok = this.#nextNonSpace();
      if (tok.typ === end) {
        if (pipe.cmds.length === 0) this.#fail(`missing value for ${context}`);
        for (let i = 1; i < pipe.cmds.length; i++) {
          const t = pipe.cmds[i].args[0].type;
          if (t === "bool" || t === "dot" || t === "nil" || t === "number" || t === "string") {
            this.#fail(`non executable command in pipeline stage ${i + 1}`);
          }
        }
        return pipe;
      }
      switch (tok.typ) {
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.#backup();
          pipe.cmds.push(this.#command());
          break;
        default:
          this.#unexpected(tok, context);
      }
    }
  }

  #command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.#peekNonSpace().pos, args: [] };
    for (;;) {
      this.#peekNonSpace();
      const operand = this.#operand();
      if (operand) cmd.args.push(operand);
      const tok = this.#next();
      if (tok.typ === T.Space) continue;
      if (tok.typ === T.RightDelim || tok.typ === T.RightParen) this.#backup();
      else if (tok.typ !== T.Pipe) this.#unexpected(tok, "operand");
      break;
    }
    if (cmd.args.length === 0) this.#fail("empty command");
    return cmd;
  }

  #operand(): ArgNode | null {
    const node = this.#term();
    if (node === null) return null;
    if (this.#peek().typ !== T.Field) return node;
    const pos = this.#peek().pos;
    const fields: string[] = [];
    while (this.#peek().typ === T.Field) fields.push(this.#next().val.slice(1));
    switch (node.type) {
      case "field":
        return { type: "field", pos, ident: [...node.ident, ...fields] };
      case "variable":
        return { type: "variable", pos, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.#fail(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
    }
    return { type: "chain", pos, node, field: fields };
  }

  #term(): ArgNode | null {
    const tok = this.#nextNonSpace();
    switch (tok.typ) {
      case T.Identifier:
        if (!this.#hasFunc(tok.val)) this.#fail(`function ${JSON.stringify(tok.val)} not defined`);
        return { type: "identifier", pos: tok.pos, ident: tok.val };
      case T.Dot:
        return { type: "dot", pos: tok.pos };
      case T.Nil:
        return { type: "nil", pos: tok.pos };
      case T.Variable: {
        const v = newVariable(tok.pos, tok.val);
        if (!this.#vars.includes(v.ident[0])) this.#fail(`undefined variable ${JSON.stringify(v.ident[0])}`);
        return v;
      }
      case T.Field:
        return { type: "field", pos: tok.pos, ident: tok.val.slice(1).split(".") };
      case T.Bool:
        return { type: "bool", pos: tok.pos, value: tok.val === "true" };
      case T.CharConstant:
      case T.Complex:
      case T.Number:
        return this.#number(tok);
      case T.LeftParen:
        return this.#nested("expression", () => this.#pipeline("parenthesized pipeline", T.RightParen));
      case T.String:
      case T.RawString:
        return { type: "string", pos: tok.pos, quoted: tok.val, text: this.#unquote(tok.val) };
    }
    this.#backup();
    return null;
  }

  #number(tok: Item): NumberNode {
    const kind = tok.typ === T.CharConstant ? "char" : tok.typ === T.Complex ? "complex" : "number";
    try {
      return { type: "number", pos: tok.pos, ...parseNumber(tok.val, kind) };
    } catch (e) {
      if (e instanceof NumberSyntaxError) this.#fail(e.message);
      throw e;
    }
  }
}

function newVariable(pos: number, name: string): VariableNode {
  return { type: "variable", pos, ident: name.split(".") };
}

function itemString(it: Item): string {
  switch (it.typ) {
    case T.EOF:
      return "EOF";
    case T.Error:
      return it.val;
    case T.Text:
    case T.LeftDelim:
    case T.RightDelim:
    case T.Space:
      return goQuote(it.val);
  }
  if (it.typ > T.Keyword) return `<${it.val}>`;
  // Go: %.10q... for long values, %q otherwise.
  return byteLength(it.val) > 10 ? goQuote([...it.val].slice(0, 10).join("")) + "..." : goQuote(it.val);
}
