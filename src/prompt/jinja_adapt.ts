/**
 * What llama.cpp does to a conversation around a Jinja chat template (`common_chat_templates_apply`
 * and its per-family handlers in `common/chat.cpp`, `common/parsers/`): roles mapped, system
 * prompts merged where the template has no system role, content typed where the template only
 * takes parts, and the rewrites some families need. Messages here are already in the shape
 * templates read (OpenAI's: `reasoning_content`, `tool_calls[].function`).
 * @module
 */

/** A message as templates read it. */
export type TemplateMessage = Record<string, unknown>;

/** What llama.cpp's capability probes find in a template, as far as the inputs depend on it. */
export interface TemplateCaps {
  /** Tool-call arguments go in as objects (else as the JSON text). */
  objectArguments: boolean;
  /** The template reads a system message's content. */
  systemRole: boolean;
  /** The template takes plain string content (else only `[{type: "text", text}]` parts). */
  stringContent: boolean;
}

const hasToolCalls = (m: TemplateMessage) => Array.isArray(m.tool_calls) && m.tool_calls.length > 0;

/**
 * The older Gemma 4 templates read a model turn's tool results from `tool_responses` on the
 * assistant message: each assistant call message absorbs the tool results after it and the
 * assistant's answer that follows them.
 */
function foldGemma4ToolResponses(messages: TemplateMessage[]): TemplateMessage[] {
  const out: TemplateMessage[] = [];
  let i = 0;
  while (i < messages.length) {
    const first = messages[i];
    if (first.role !== "assistant" || !hasToolCalls(first)) {
      out.push(first);
      i++;
      continue;
    }
    const calls = first.tool_calls as { function?: { name?: string } }[];
    const responses: { name: string; response: unknown }[] = [];
    i++;
    while (i < messages.length && messages[i].role === "tool") {
      const tool = messages[i];
      let response: unknown = tool.content;
      if (typeof response === "string") {
        try {
          response = JSON.parse(response);
        } catch {
          // Not JSON: the text itself.
        }
      }
      const name = calls[responses.length]?.function?.name || String(tool.tool_call_id ?? "");
      responses.push({ name, response });
      i++;
    }
    let content: unknown;
    const next = messages[i];
    if (next?.role === "assistant" && !hasToolCalls(next)) {
      const c = next.content;
      if ((typeof c === "string" && c !== "") || (Array.isArray(c) && c.length > 0)) {
        content = c;
        i++;
      }
    }
    const turn: TemplateMessage = { role: "assistant", tool_calls: first.tool_calls };
    if (responses.length) turn.tool_responses = responses;
    if (content !== undefined) turn.content = content;
    if (typeof first.reasoning_content === "string") turn.reasoning_content = first.reasoning_content;
    out.push(turn);
  }
  return out;
}

/** Ministral / Magistral 3 read reasoning as a `thinking` part of system and assistant content. */
function ministralThinkingParts(messages: TemplateMessage[]): TemplateMessage[] {
  return messages.map((m) => {
    if (m.role !== "system" && m.role !== "assistant") return m;
    const parts: unknown[] = [];
    if (typeof m.reasoning_content === "string") parts.push({ type: "thinking", thinking: m.reasoning_content });
    if (typeof m.content === "string") parts.push({ type: "text", text: m.content });
    else if (Array.isArray(m.content)) parts.push(...m.content);
    const { reasoning_content: _, ...rest } = m;
    return { ...rest, content: parts };
  });
}

/** GPT-OSS and LFM2 read reasoning as `thinking`; GPT-OSS drops the content of a call turn that has it. */
function reasoningAsThinking(messages: TemplateMessage[], dropCallContent: boolean): TemplateMessage[] {
  return messages.map((m) => {
    if (typeof m.reasoning_content !== "string") return m;
    const out: TemplateMessage = { ...m, thinking: m.reasoning_content };
    if (dropCallContent && hasToolCalls(m)) delete out.content;
    return out;
  });
}

/**
 * DeepSeek V4 renders a run of user and tool messages as one user block, its tool results in the
 * order of the calls of the assistant turn before it (matched by id), not in conversation order.
 */
function sortDeepSeekV4ToolResults(messages: TemplateMessage[]): TemplateMessage[] {
  const out = [...messages];
  let order = new Map<string, number>();
  let i = 0;
  while (i < out.length) {
    const role = out[i].role;
    if (role === "assistant" && hasToolCalls(out[i])) {
      order = new Map();
      (out[i].tool_calls as { id?: string }[]).forEach((c, k) => {
        if (c.id) order.set(c.id, k);
      });
      i++;
      continue;
    }
    if (role !== "user" && role !== "tool") {
      i++;
      continue;
    }
    const positions: number[] = [];
    let end = i;
    for (; end < out.length && (out[end].role === "user" || out[end].role === "tool"); end++) {
      if (out[end].role === "tool") positions.push(end);
    }
    if (positions.length > 1 && order.size > 0) {
      const rank = (m: TemplateMessage) => order.get(String(m.tool_call_id ?? "")) ?? 0;
      const sorted = positions.map((p) => out[p]).map((m, k) => ({ m, k }))
        .sort((a, b) => rank(a.m) - rank(b.m) || a.k - b.k).map((x) => x.m);
      positions.forEach((p, k) => out[p] = sorted[k]);
    }
    i = end;
  }
  return out;
}

const isMinistral3 = (src: string) =>
  src.includes("[SYSTEM_PROMPT]") && src.includes("[TOOL_CALLS]") && src.includes("[ARGS]") && !src.includes("[CALL_ID]");
const isGemma4 = (src: string) => src.includes("'<|tool_call>call:'");
const isOldGemma4 = (src: string) => isGemma4(src) && !src.includes("{#- OpenAI Chat Completions:");
const isGptOss = (src: string) => src.includes("<|channel|>");
const isLfm2 = (src: string) =>
  (src.includes("<|tool_list_start|>") && src.includes("<|tool_list_end|>")) || src.includes("List of tools: [");
const isDeepSeekV4 = (src: string) =>
  src.includes("dsml_token") && src.includes("DSML") && src.includes("tool_calls") && !src.includes("function_calls");
const isStepFun = (src: string) => src.includes("You have access to the following functions in JSONSchema format");

/** The messages llama.cpp gives `source` for `messages`. */
export function adaptMessages(source: string, messages: TemplateMessage[], caps: TemplateCaps): TemplateMessage[] {
  let out = messages;
  // StepFun: surrounding whitespace drives the model into reasoning loops, so llama.cpp trims it.
  if (isStepFun(source)) {
    out = out.map((m) => ({
      ...m,
      content: typeof m.content === "string" ? m.content.trim() : m.content,
      ...(typeof m.reasoning_content === "string" ? { reasoning_content: m.reasoning_content.trim() } : {}),
    }));
  }
  if (!caps.stringContent) {
    out = out.map((m) => typeof m.content === "string" ? { ...m, content: [{ type: "text", text: m.content }] } : m);
  }
  // GPT-OSS keeps its developer role; everyone else reads it as system.
  if (!source.includes("<|channel|>")) out = out.map((m) => m.role === "developer" ? { ...m, role: "system" } : m);
  if (!caps.systemRole && out[0]?.role === "system") {
    const [system, next, ...rest] = out;
    out = next === undefined ? [] : [{ ...next, content: `${system.content}\n${next.content}` }, ...rest];
  }
  // The per-family handlers, checked in llama.cpp's order.
  if (isMinistral3(source)) out = ministralThinkingParts(out);
  else if (isGptOss(source)) out = reasoningAsThinking(out, true);
  else if (isLfm2(source)) out = reasoningAsThinking(out, false);
  else if (isDeepSeekV4(source)) out = sortDeepSeekV4ToolResults(out);
  else if (isOldGemma4(source)) out = foldGemma4ToolResponses(out);
  return out;
}

/** The prompt llama.cpp sends for `source`, from the template's own rendering. */
export function adaptPrompt(source: string, prompt: string, addGenerationPrompt: boolean): string {
  // Gemma 4 after content plus a tool call: the template leaves the model's next turn unopened.
  if (addGenerationPrompt && isGemma4(source) && prompt.endsWith("<turn|>\n")) return prompt + "<|turn>model\n";
  // GPT-OSS ends a finished conversation with <|return|>; a prompt the model continues needs <|end|>.
  if (!addGenerationPrompt && isGptOss(source)) {
    const at = prompt.lastIndexOf("<|return|>");
    if (at >= 0) return prompt.slice(0, at) + "<|end|>" + prompt.slice(at + "<|return|>".length);
  }
  return prompt;
}
