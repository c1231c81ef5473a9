/**
 * MiniMax M3: thinking in `<mm:think>`, every element of a call preceded by the `]<]minimax[>[` mark,
 * `<tool_call><invoke name="x"><key>value</key>…</invoke></tool_call>` with nested elements for objects
 * and `<item>` elements for arrays.
 * @module
 */
import type { FormatToolCall, OutputSyntax, ToolSpec } from "../types.ts";
import { typedValue } from "./json.ts";
import { taggedSyntax } from "./tagged.ts";

const MARK = "]<]minimax[>[";

type Node = { tag: string; children: Node[]; text: string };

// Elements as a tree; null where a closing tag does not match.
function elements(text: string): Node[] | null {
  const root: Node = { tag: "", children: [], text: "" };
  const stack = [root];
  const re = /<(\/?)([A-Za-z_][\w.:-]*)>/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    stack[stack.length - 1].text += text.slice(last, m.index);
    last = m.index! + m[0].length;
    if (m[1] === "") {
      const node: Node = { tag: m[2], children: [], text: "" };
      stack[stack.length - 1].children.push(node);
      stack.push(node);
    } else {
      if (stack.length === 1 || stack[stack.length - 1].tag !== m[2]) return null;
      stack.pop();
    }
  }
  stack[stack.length - 1].text += text.slice(last);
  return stack.length === 1 ? root.children : null;
}

function nodeValue(n: Node): unknown {
  if (n.children.length === 0) {
    return /^(-?\d+(\.\d+)?|true|false|null)$/.test(n.text) ? JSON.parse(n.text) : n.text;
  }
  if (n.children.every((c) => c.tag === "item")) return n.children.map(nodeValue);
  return Object.fromEntries(n.children.map((c) => [c.tag, nodeValue(c)]));
}

/** The calls of one `<tool_call>` section. */
export function minimaxM3Body(body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  const clean = body.split(MARK).join("");
  let rest = clean;
  for (const m of clean.matchAll(/<invoke name="([^"]*)">([\s\S]*?)(?:<\/invoke>|$)/g)) {
    const tree = elements(m[2].trim());
    if (!tree) return null;
    const args: Record<string, unknown> = {};
    for (const n of tree) args[n.tag] = n.children.length ? nodeValue(n) : typedValue(n.text, tools, m[1], n.tag);
    calls.push({ name: m[1], arguments: args });
    rest = rest.replace(m[0], "");
  }
  return calls.length && rest.trim() === "" ? calls : null;
}

/** The MiniMax M3 syntax. */
export const minimaxM3: OutputSyntax = {
  thinking: { open: ["<mm:think>"], close: ["</mm:think>"] },
  drop: [MARK],
  tools: taggedSyntax([MARK + "<tool_call>", "<tool_call>"], MARK + "</tool_call>", minimaxM3Body),
};
