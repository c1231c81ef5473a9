/**
 * An Anthropic Messages request as the internal chat request (the one /api/chat and /v1/chat/completions run):
 * `system` first, content blocks flattened into Ollama messages (text joined, base64 images as `images`,
 * `tool_use` as tool calls, each `tool_result` a `tool` message), tools as functions, `tool_choice` as the shared
 * ToolChoice, `thinking` as `think`, `output_config.format` as `format`, and the sampling fields as options.
 * @module
 */
import { ApiError } from "../../errors.ts";
import { checkNesting } from "../../body.ts";
import { base64Error } from "../../base64.ts";
import type { ChatRequest, Message, Tool, ToolCall } from "../../schemas.ts";
import type { ToolChoice } from "../chat.ts";
import type { ContentBlock, CountTokensRequest, MessagesRequest } from "./schemas.ts";

type ImageBlock = Extract<ContentBlock, { type: "image" }>;

function imageData(block: ImageBlock, where: string): string {
  const source = block.source;
  if (source.type === "base64") {
    // checked as Go's decoder checks /api/chat images, so a bad image is a 400 here too, not a late engine error
    const invalid = base64Error(source.data);
    if (invalid) throw new ApiError(400, `${where}.source.data: ${invalid}`);
    return source.data;
  }
  throw new ApiError(
    400,
    `${where}: image source type '${source.type}' is not supported: send the image as base64 (source.type "base64")`,
  );
}

const joinTexts = (texts: string[]) => texts.join("\n\n");

/** One Anthropic message as Ollama messages (a user turn's tool results become `tool` messages, in order). */
function toMessages(
  role: string,
  content: string | ContentBlock[],
  index: number,
  toolNames: Map<string, string>,
): Message[] {
  if (typeof content === "string") return [{ role, content }];
  const out: Message[] = [];
  const texts: string[] = [];
  const images: string[] = [];
  const calls: ToolCall[] = [];
  let thinking = "";
  content.forEach((block, b) => {
    const where = `messages.${index}.content.${b}`;
    switch (block.type) {
      case "text":
        texts.push(block.text);
        break;
      case "image":
        images.push(imageData(block, where));
        break;
      case "thinking":
        thinking += block.thinking;
        break;
      case "redacted_thinking":
        break;
      case "tool_use":
        toolNames.set(block.id, block.name);
        calls.push({ id: block.id, type: "function", function: { index: calls.length, name: block.name, arguments: block.input } });
        break;
      case "tool_result": {
        const parts = typeof block.content === "string" ? [block.content] : [];
        const resultImages: string[] = [];
        if (Array.isArray(block.content)) {
          for (const part of block.content) {
            if (part.type === "text") parts.push(part.text);
            else resultImages.push(imageData(part, where));
          }
        }
        const text = joinTexts(parts);
        // The model learns a call failed only from the text it reads.
        const message: Message = { role: "tool", content: block.is_error ? `Error: ${text}` : text };
        if (resultImages.length) message.images = resultImages;
        message.tool_call_id = block.tool_use_id;
        const name = toolNames.get(block.tool_use_id);
        if (name) message.tool_name = name;
        out.push(message);
        break;
      }
    }
  });
  if (texts.length || images.length || calls.length || thinking || out.length === 0) {
    const message: Message = { role, content: joinTexts(texts) };
    if (images.length) message.images = images;
    if (thinking) message.thinking = thinking;
    if (calls.length) message.tool_calls = calls;
    out.push(message);
  }
  return out;
}

function toTools(tools: CountTokensRequest["tools"]): Tool[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((tool, i) => {
    if (tool.type && tool.type !== "custom") {
      throw new ApiError(400, `tools.${i}: tool type '${tool.type}' is not supported (only custom tools with an input_schema)`);
    }
    if (!tool.input_schema) throw new ApiError(400, `tools.${i}.input_schema: Field required`);
    return {
      type: "function",
      function: { name: tool.name, description: tool.description ?? undefined, parameters: tool.input_schema },
    };
  });
}

function toToolChoice(choice: CountTokensRequest["tool_choice"]): ToolChoice | undefined {
  if (!choice) return undefined;
  switch (choice.type) {
    case "any":
      return "required";
    case "tool":
      return { name: choice.name };
    default:
      return choice.type;
  }
}

/**
 * `thinking` as Ollama's think: `disabled` is false; `enabled` and `adaptive` leave it to the model (a model that
 * can think does, one that cannot answers without thinking instead of failing, as agents send it to every model).
 */
function toThink(thinking: CountTokensRequest["thinking"]): boolean | undefined {
  return thinking?.type === "disabled" ? false : undefined;
}

/**
 * The internal chat request for an Anthropic one, the tool choice to honour, and whether at most one tool call may
 * be answered (`disable_parallel_tool_use`).
 */
export function toChatRequest(body: MessagesRequest): { request: ChatRequest; toolChoice?: ToolChoice; oneToolCall: boolean } {
  const choice = body.tool_choice;
  const oneToolCall = choice !== null && choice !== undefined && "disable_parallel_tool_use" in choice &&
    choice.disable_parallel_tool_use === true;
  return { ...mapRequest(body, body), oneToolCall };
}

/** The internal chat request for a count_tokens body: the same prompt, nothing about sampling. */
export function toCountRequest(body: CountTokensRequest): { request: ChatRequest; toolChoice?: ToolChoice } {
  return mapRequest(body, undefined);
}

function mapRequest(
  body: CountTokensRequest,
  sampling: MessagesRequest | undefined,
): { request: ChatRequest; toolChoice?: ToolChoice } {
  const messages: Message[] = [];
  if (body.system !== undefined && body.system !== null) {
    const system = typeof body.system === "string" ? body.system : joinTexts(body.system.map((b) => b.text));
    if (system) messages.push({ role: "system", content: system });
  }
  const toolNames = new Map<string, string>();
  body.messages.forEach((m, i) => messages.push(...toMessages(m.role, m.content, i, toolNames)));
  // Tool inputs are objects of any depth, past the body's own nesting check of known fields.
  checkNesting({ messages });
  const options: Record<string, unknown> = {};
  if (sampling) {
    options.num_predict = sampling.max_tokens;
    if (sampling.stop_sequences?.length) options.stop = sampling.stop_sequences;
    if (sampling.temperature !== null && sampling.temperature !== undefined) options.temperature = sampling.temperature;
    if (sampling.top_p !== null && sampling.top_p !== undefined) options.top_p = sampling.top_p;
    if (sampling.top_k !== null && sampling.top_k !== undefined) options.top_k = sampling.top_k;
  }
  const request: ChatRequest = {
    model: body.model,
    messages,
    stream: sampling?.stream ?? false,
    format: sampling?.output_config?.format?.schema,
    options,
    keep_alive: undefined,
    think: toThink(body.thinking),
    tools: toTools(body.tools),
    logprobs: undefined,
    top_logprobs: undefined,
    truncate: undefined,
    shift: undefined,
    _debug_render_only: undefined,
  };
  return { request, toolChoice: toToolChoice(body.tool_choice) };
}
