/**
 * The parse tree of a Go text/template, mirroring Go's `text/template/parse` node types as plain
 * discriminated-union objects. Every node carries `pos`: the UTF-16 offset of the node in the
 * template text it came from (used for `line:col` in error messages).
 *
 * Trees are plain data: code outside this folder (src/prompt) may walk them and build edited copies,
 * then run them with `Template.withRoot(root)` or `Template.fromTree(root, options, defined)`.
 * @module
 */

/** Every node kind. */
export type Node =
  | ListNode
  | TextNode
  | CommentNode
  | ActionNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | PipeNode
  | CommandNode
  | ArgNode;

/** What may appear in a ListNode: Go's "control" and text nodes. */
export type ItemNode =
  | TextNode
  | CommentNode
  | ActionNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

/** What may appear as an argument of a command (an operand). */
export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | IdentifierNode
  | PipeNode;

/** A sequence of nodes (Go's ListNode). */
export interface ListNode {
  type: "list";
  pos: number;
  nodes: ItemNode[];
}

/** Plain text between actions (trim markers already applied). */
export interface TextNode {
  type: "text";
  pos: number;
  text: string;
}

/** `{{/* ... *\/}}`: kept in the tree, produces no output. `text` includes the delimiters `/*` `*\/`. */
export interface CommentNode {
  type: "comment";
  pos: number;
  text: string;
}

/** `{{ pipeline }}`: prints the pipeline's value unless it declares/assigns variables. */
export interface ActionNode {
  type: "action";
  pos: number;
  /** 1-based line of the action's start, for error messages. */
  line: number;
  pipe: PipeNode;
}

/** `{{if pipe}} list {{else}} elseList {{end}}`; `else if` is an IfNode alone in elseList. */
export interface IfNode {
  type: "if";
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

/** `{{range pipe}} list {{else}} elseList {{end}}`. */
export interface RangeNode {
  type: "range";
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

/** `{{with pipe}} list {{else}} elseList {{end}}`. */
export interface WithNode {
  type: "with";
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

/** `{{template "name" pipe}}` (also what `{{block}}` leaves in place). */
export interface TemplateNode {
  type: "template";
  pos: number;
  line: number;
  name: string;
  pipe?: PipeNode;
}

/** `{{break}}` inside a range. */
export interface BreakNode {
  type: "break";
  pos: number;
  line: number;
}

/** `{{continue}}` inside a range. */
export interface ContinueNode {
  type: "continue";
  pos: number;
  line: number;
}

/** A pipeline: optional variable declarations/assignment, then commands joined by `|`. */
export interface PipeNode {
  type: "pipe";
  pos: number;
  line: number;
  /** true for `$x = ...` (assignment), false for `$x := ...` (declaration) or no variables. */
  isAssign: boolean;
  /** Variables declared or assigned (`$x` or `$i, $e` in range). */
  decl: VariableNode[];
  cmds: CommandNode[];
}

/** One command of a pipeline: an operand or a function call with arguments. */
export interface CommandNode {
  type: "command";
  pos: number;
  args: ArgNode[];
}

/** `.A.B.C`: `ident` = ["A", "B", "C"]. */
export interface FieldNode {
  type: "field";
  pos: number;
  ident: string[];
}

/** `$x.A.B`: `ident` = ["$x", "A", "B"]; `$` alone is ["$"]. */
export interface VariableNode {
  type: "variable";
  pos: number;
  ident: string[];
}

/** `(pipe).A.B` or `$x.A` style field access on a non-field operand: `field` = ["A", "B"]. */
export interface ChainNode {
  type: "chain";
  pos: number;
  node: ArgNode;
  field: string[];
}

/** `.` */
export interface DotNode {
  type: "dot";
  pos: number;
}

/** The untyped `nil`. */
export interface NilNode {
  type: "nil";
  pos: number;
}

/** `true` / `false`. */
export interface BoolNode {
  type: "bool";
  pos: number;
  value: boolean;
}

/**
 * A number literal, with every interpretation that fits (like Go's NumberNode).
 * `isInt`: fits int64 (`int`); `isUint`: fits uint64; `isFloat`: representable as float64;
 * `isComplex`: a complex literal (or a real usable as one).
 */
export interface NumberNode {
  type: "number";
  pos: number;
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int: bigint;
  uint: bigint;
  float: number;
  /** [real, imaginary] */
  complex: [number, number];
}

/** A quoted or raw string literal: `quoted` is the source text, `text` its value. */
export interface StringNode {
  type: "string";
  pos: number;
  quoted: string;
  text: string;
}

/** A function name (`printf`, `len`, ...). */
export interface IdentifierNode {
  type: "identifier";
  pos: number;
  ident: string;
}
