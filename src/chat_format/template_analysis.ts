/**
 * What a Jinja template shows about its output format when rendered with and without a part of a
 * message — llama.cpp's differential analysis (common/chat-diff-analyzer.cpp), for the templates no
 * family's marks name: the generation prompt is what `add_generation_prompt` adds, the thinking tags
 * are what a turn's reasoning adds around its text, the tool-call markers what a call adds around
 * its name and arguments.
 * @module
 */
import { type Message, renderJinja } from "../prompt/mod.ts";
import { callsFromJson, jsonValueEnd, tryJson } from "./parsers/json.ts";
import { readTagged } from "./parsers/tagged.ts";
import type { FormatToolCall, ToolSpec, ToolSyntax } from "./types.ts";

/** What the renders differ by. */
export interface TemplateAnalysis {
  /** What `add_generation_prompt` appends to a conversation (llama.cpp's generation_prompt). */
  generationPrompt: string;
  /** The tags a turn's reasoning is written between, where the template writes reasoning. */
  thinking?: { open: string[]; close: string[] };
  /** The tool-call syntax a call is written in, where the template writes calls it can be read back from. */
  tools?: ToolSyntax;
}

// Probe values no template writes by itself.
const NAME = "probe_fn_qz";
const ARGS = { probe_arg: "probe_value_qz" };
const REASONING = "probe reasoning qz";
const CONTENT = "probe content qz";
const USER: Message = { role: "user", content: "probe question qz" };
const TOOLS = [{
  type: "function" as const,
  function: {
    name: NAME,
    description: "probe",
    parameters: { type: "object", properties: { probe_arg: { type: "string" } }, required: ["probe_arg"] },
  },
}];

const cache = new Map<string, TemplateAnalysis>();

function render(jinja: string, messages: Message[], addGenerationPrompt: boolean, tools = false): string | null {
  try {
    return renderJinja(jinja, { messages, addGenerationPrompt, think: true, tools: tools ? TOOLS : undefined });
  } catch {
    return null;
  }
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The parts of `a` and `b` after their common prefix and before their common suffix. */
function difference(a: string, b: string): [string, string] {
  // Never cut a tag in two: `<|end|>` vs `<<call>>…` share a `<` that belongs to the tag.
  const tags = [["<", ">"], ["[", "]"]];
  let start = commonPrefix(a, b);
  for (const [open, close] of tags) {
    const head = a.slice(0, start);
    if (head.lastIndexOf(open) > head.lastIndexOf(close)) start = head.lastIndexOf(open);
  }
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  for (const [open, close] of tags) {
    const tail = a.slice(a.length - end);
    const closeAt = tail.indexOf(close);
    const openAt = tail.indexOf(open);
    if (closeAt >= 0 && (openAt < 0 || closeAt < openAt)) end -= closeAt + 1;
  }
  return [a.slice(start, a.length - end), b.slice(start, b.length - end)];
}

/** The tags around `probe` in the text a render with it adds (white space kept out of the tags). */
function around(added: string, probe: string): [string, string] | null {
  const at = added.indexOf(probe);
  if (at < 0) return null;
  return [added.slice(0, at).trim(), added.slice(at + probe.length).trim()];
}

function analyseThinking(jinja: string): TemplateAnalysis["thinking"] {
  // A turn in history, followed by a user turn so the template does not treat it as the one being generated.
  const plain = render(jinja, [USER, { role: "assistant", content: CONTENT }, USER], false);
  const withReasoning = render(jinja, [USER, { role: "assistant", content: CONTENT, thinking: REASONING }, USER], false);
  if (plain === null || withReasoning === null) return undefined;
  const [, added] = difference(plain, withReasoning);
  const tags = around(added, REASONING);
  if (!tags || !tags[1] || !/^<[^<>\s]+>$|^\[[A-Z_]+\]$/.test(tags[1])) return undefined;
  return { open: tags[0] ? [tags[0]] : [], close: [tags[1]] };
}

/** Reads JSON call objects (any shape models write), one after another or in a list. */
function jsonObjects(body: string, tools: readonly ToolSpec[]): FormatToolCall[] | null {
  const calls: FormatToolCall[] = [];
  let rest = body.trim();
  while (rest) {
    const end = jsonValueEnd(rest, 0);
    if (end < 0) return null;
    const found = callsFromJson(tryJson(rest.slice(0, end)));
    if (!found || found.some((c) => tools.length && !tools.some((t) => t.name === c.name))) return null;
    calls.push(...found);
    rest = rest.slice(end).replace(/^[\s,;]+/, "");
  }
  return calls.length ? calls : null;
}

/** Reads `name<sep>{arguments}` where the template writes the name in front of JSON arguments. */
function namedArguments(sep: string): (body: string, tools: readonly ToolSpec[]) => FormatToolCall[] | null {
  return (body, tools) => {
    const text = body.trim();
    const at = sep ? text.indexOf(sep) : text.indexOf("{");
    if (at <= 0) return null;
    const name = text.slice(0, at).trim();
    const argsText = text.slice(at + sep.length).trim();
    if (!name || (tools.length && !tools.some((t) => t.name === name))) return null;
    try {
      const args = JSON.parse(argsText);
      return args && typeof args === "object" && !Array.isArray(args) ? [{ name, arguments: args }] : null;
    } catch {
      return null;
    }
  };
}

function analyseTools(jinja: string): ToolSyntax | undefined {
  const call = { function: { name: NAME, arguments: ARGS } };
  const plain = render(jinja, [USER, { role: "assistant", content: "" }, USER], false, true);
  const withCall = render(jinja, [USER, { role: "assistant", content: "", tool_calls: [call] }, USER], false, true);
  if (plain === null || withCall === null) return undefined;
  const [, added] = difference(plain, withCall);
  const nameAt = added.indexOf(NAME);
  const valueAt = added.indexOf(ARGS.probe_arg);
  if (nameAt < 0 || valueAt < 0) return undefined;
  // The call as one JSON object: the text before its `{` opens it, the text after its end closes it.
  const objectAt = added.lastIndexOf("{", Math.min(nameAt, valueAt));
  if (objectAt >= 0) {
    const end = jsonValueEnd(added, objectAt);
    if (end > 0 && end > Math.max(nameAt, valueAt) && jsonObjects(added.slice(objectAt, end), []) !== null) {
      const open = added.slice(0, objectAt).trim();
      const close = added.slice(end).trim();
      // bare JSON is what the generic syntax already reads
      if (!open) return undefined;
      return tagged(open, close, jsonObjects);
    }
  }
  // The name, then the arguments as JSON: the text between them separates, the text around them tags.
  const argsAt = added.indexOf("{", nameAt + NAME.length);
  if (argsAt < 0 || argsAt > valueAt) return undefined;
  const end = jsonValueEnd(added, argsAt);
  if (end < 0) return undefined;
  const open = added.slice(0, nameAt).trim();
  const sep = added.slice(nameAt + NAME.length, argsAt).trim();
  const close = added.slice(end).trim();
  if (!open) return undefined;
  return tagged(open, close, namedArguments(sep));
}

function tagged(open: string, close: string, body: (b: string, t: readonly ToolSpec[]) => FormatToolCall[] | null): ToolSyntax {
  // Without a closer the section runs to the end of the message.
  const closer = close || "\u0000";
  return { open: [open], parse: (text, final, tools) => readTagged(text, final, tools, [open], closer, body) };
}

/** The differential analysis of `jinja` (cached per template text). */
export function analyseTemplate(jinja: string): TemplateAnalysis {
  const known = cache.get(jinja);
  if (known) return known;
  const without = render(jinja, [USER], false);
  const withPrompt = render(jinja, [USER], true);
  const analysis: TemplateAnalysis = {
    generationPrompt: without !== null && withPrompt !== null ? withPrompt.slice(commonPrefix(without, withPrompt)) : "",
    thinking: analyseThinking(jinja),
    tools: analyseTools(jinja),
  };
  cache.set(jinja, analysis);
  return analysis;
}
