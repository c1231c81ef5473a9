/**
 * What a template's parse tree tells about the model's output format: the text that opens a tool
 * call (`<tool_call>`, `[TOOL_CALLS]`, or `{` for bare JSON) and the tags around thinking
 * (`<think>` … `</think>`). Same heuristics as Ollama's `tools.parseTag` and `thinking.InferTags`.
 * @module
 */
import type { ItemNode, ListNode, Node, PipeNode, RangeNode } from "../template/mod.ts";

/** Tool-call delimiters found in a template. */
export interface ToolCallTags {
  /** Opening text; `{` when the template has none (bare JSON calls). */
  tag: string;
  /** Closing text (`</tool_call>`), or "" when there is none. */
  closeTag: string;
}

function pipeHasField(pipe: PipeNode | undefined, name: string, first = false): boolean {
  if (pipe === undefined) return false;
  let found = false;
  visit(pipe, (n) => {
    if (n.type === "field" && (first ? n.ident[0] === name : n.ident.includes(name))) found = true;
  });
  return found;
}

/** Depth-first walk over every node, pipelines included; `exit` runs after a node's children. */
export function visit(n: Node, enter: (n: Node) => void, exit?: (n: Node) => void): void {
  enter(n);
  switch (n.type) {
    case "list":
      for (const c of n.nodes) visit(c, enter, exit);
      break;
    case "if":
    case "range":
    case "with":
      visit(n.pipe, enter, exit);
      visit(n.list, enter, exit);
      if (n.elseList) visit(n.elseList, enter, exit);
      break;
    case "action":
      visit(n.pipe, enter, exit);
      break;
    case "template":
      if (n.pipe) visit(n.pipe, enter, exit);
      break;
    case "pipe":
      for (const c of n.cmds) visit(c, enter, exit);
      break;
    case "command":
      for (const a of n.args) visit(a, enter, exit);
      break;
    case "chain":
      visit(n.node, enter, exit);
      break;
  }
  exit?.(n);
}

/** The first `{{ if … .ToolCalls … }}`, searched through if/range/with bodies. */
function findToolCallsIf(nodes: ItemNode[]): (ItemNode & { type: "if" }) | undefined {
  for (const n of nodes) {
    if (n.type !== "if" && n.type !== "range" && n.type !== "with") continue;
    if (n.type === "if" && n.pipe.cmds.some((c) => c.args.some((a) => a.type === "field" && a.ident.includes("ToolCalls")))) {
      return n;
    }
    const found = findToolCallsIf(n.list.nodes) ?? (n.elseList ? findToolCallsIf(n.elseList.nodes) : undefined);
    if (found) return found;
  }
  return undefined;
}

/** First non-blank text before any action, looking into nested blocks (Ollama's findTextNode). */
function firstText(nodes: ItemNode[]): string | null {
  for (const n of nodes) {
    if (n.type === "text") {
      if (n.text.trim() !== "") return n.text;
    } else if (n.type === "if" || n.type === "range" || n.type === "with") {
      return firstText(n.list.nodes) ?? (n.elseList ? firstText(n.elseList.nodes) : null);
    } else if (n.type === "action") {
      return null;
    }
  }
  return null;
}

/** Last non-blank text anywhere in the nodes. */
function lastText(nodes: ItemNode[]): string | null {
  let last: string | null = null;
  visit({ type: "list", pos: 0, nodes }, (n) => {
    if (n.type === "text" && n.text.trim() !== "") last = n.text;
  });
  return last;
}

/** The tool-call opening and closing text of a template's tree. */
export function toolCallTags(root: ListNode): ToolCallTags {
  const block = findToolCallsIf(root.nodes);
  if (block === undefined) return { tag: "{", closeTag: "" };
  const first = firstText(block.list.nodes);
  const tag = first === null ? "" : first.replaceAll("\r\n", "\n").split("{")[0].trim();
  const last = lastText(block.list.nodes);
  let closeTag = "";
  if (tag !== "" && last !== null) {
    // `}\n</tool_call>`: what follows the arguments' closing brace.
    closeTag = last.slice(last.lastIndexOf("}") + 1).trim();
    if (closeTag === tag) closeTag = "";
  }
  return { tag: tag || "{", closeTag };
}

/**
 * The tags around `.Thinking` inside `range .Messages`: the first and last text of the nearest
 * enclosing list, trimmed. Empty strings when the template shows no thinking.
 */
export function thinkingTags(root: ListNode): { openTag: string; closeTag: string } {
  const ancestors: Node[] = [];
  let openTag = "";
  let closeTag = "";
  visit(root, (n) => {
    ancestors.push(n);
    if (n.type !== "field" || n.ident[0] !== "Thinking") return;
    const range = ancestors.findLast((a): a is RangeNode => a.type === "range");
    if (range === undefined || !pipeHasField(range.pipe, "Messages", true)) return;
    const list = ancestors.findLast((a): a is ListNode => a.type === "list");
    if (list === undefined || list.nodes.length === 0) return;
    const first = list.nodes[0];
    const last = list.nodes[list.nodes.length - 1];
    if (first.type === "text") openTag = first.text.trim();
    if (last.type === "text") closeTag = last.text.trim();
  }, () => ancestors.pop());
  return { openTag, closeTag };
}

/**
 * A copy of the tree cut right after the first `.Response` field, so the model continues the
 * response (Ollama's legacy rendering of the last turn). Only `.Response` fields count, not
 * `$.Response`, and conditions of if/range/with are not searched, as in Ollama.
 */
export function cutAtResponse(root: ListNode): ListNode {
  let cut = false;
  const list = (l: ListNode): ListNode => ({ ...l, nodes: l.nodes.map(item).filter((n) => n !== null) });
  const pipe = (p: PipeNode): PipeNode | null => {
    const cmds = [];
    for (const c of p.cmds) {
      const args = [];
      for (const a of c.args) {
        if (cut) continue;
        if (a.type === "field" && a.ident.includes("Response")) cut = true;
        if (a.type === "pipe") {
          const inner = pipe(a);
          if (inner) args.push(inner);
        } else {
          args.push(a);
        }
      }
      if (args.length === 0) return null;
      cmds.push({ ...c, args });
    }
    return cmds.length ? { ...p, cmds } : null;
  };
  const item = (n: ItemNode): ItemNode | null => {
    if (cut) return null;
    switch (n.type) {
      case "if":
      case "range":
      case "with": {
        const body = list(n.list);
        return { ...n, list: body, elseList: n.elseList && !cut ? list(n.elseList) : undefined };
      }
      case "action": {
        const p = pipe(n.pipe);
        return p ? { ...n, pipe: p } : null;
      }
      default:
        return n;
    }
  };
  return list(root);
}
