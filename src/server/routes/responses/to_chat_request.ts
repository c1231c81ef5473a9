/**
 * A Responses request as the internal chat request (the one /api/chat, /v1/chat/completions and /v1/messages run):
 * `instructions` as the system message, the stored conversation of `previous_response_id` then the `input` items as
 * Ollama messages (`message` parts joined, data-URL images as `images`, `function_call` items as the assistant's tool
 * calls, `function_call_output` as `tool` messages, `reasoning` as the next assistant turn's thinking), function
 * tools, `tool_choice`, `reasoning.effort` as think, `text.format` as format, and the sampling fields as options.
 * @module
 */
import { checkNesting } from "../../body.ts";
import type { ChatRequest, Message, Tool, ToolCall } from "../../schemas.ts";
import type { ToolChoice } from "../chat.ts";
import { imageFromUrl, thinkFromEffort } from "../openai/chat_mapping.ts";
import { invalidParam } from "./errors.ts";
import type { FunctionToolParam, InputItem, ResponsesRequest } from "./schemas.ts";

type Part = NonNullable<Exclude<InputItem["content"], string>>[number];

const joinTexts = (texts: string[]) => texts.join("\n\n");

/** Text and images of a message's (or a function output's) parts. */
function readParts(parts: string | Part[], where: string): { text: string; images: string[] } {
  if (typeof parts === "string") return { text: parts, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  parts.forEach((part, p) => {
    const at = `${where}.${p}`;
    switch (part.type) {
      case "input_text":
      case "output_text":
      case "text":
      case "summary_text":
      case "reasoning_text":
        texts.push(part.text ?? "");
        break;
      case "refusal":
        texts.push(part.refusal ?? part.text ?? "");
        break;
      case "input_image":
        if (part.file_id) throw invalidParam(at, `${at}: input_image by file_id is not supported: send the image as a data URL`);
        if (!part.image_url) throw invalidParam(at, `${at}: input_image needs an image_url`);
        if (/^https?:\/\//i.test(part.image_url)) {
          throw invalidParam(at, `${at}: image URLs are not supported: send the image as a base64 data URL (data:image/png;base64,...)`);
        }
        try {
          images.push(imageFromUrl(part.image_url));
        } catch {
          throw invalidParam(at, `${at}: invalid image input: expected a base64 data URL`);
        }
        break;
      default:
        throw invalidParam(at, `${at}: content type '${part.type}' is not supported`);
    }
  });
  return { text: joinTexts(texts), images };
}

/** The arguments of a replayed `function_call` (a JSON string) as an object. */
function parseArguments(text: string | null | undefined, where: string): Record<string, unknown> {
  let value: unknown = {};
  try {
    value = text ? JSON.parse(text) : {};
  } catch {
    throw invalidParam(`${where}.arguments`, `${where}.arguments: not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidParam(`${where}.arguments`, `${where}.arguments: must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The call ids already in a conversation, with their function names (a function output names its function). */
function callNames(messages: Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) for (const call of m.tool_calls ?? []) if (call.id) names.set(call.id, call.function.name);
  return names;
}

/** The `input` as Ollama messages, following `history` (whose calls the outputs may answer). */
export function inputMessages(input: ResponsesRequest["input"], history: Message[] = []): Message[] {
  if (input === null || input === undefined) return [];
  if (typeof input === "string") return [{ role: "user", content: input }];
  const out: Message[] = [];
  const names = callNames(history);
  let thinking = "";
  // the assistant turn a function_call joins: the one just written, until another role speaks
  let assistant: Message | undefined;
  const openAssistant = (): Message => {
    if (!assistant) {
      assistant = { role: "assistant", content: "" };
      out.push(assistant);
    }
    if (thinking) assistant.thinking = (assistant.thinking ?? "") + thinking;
    thinking = "";
    return assistant;
  };
  input.forEach((item, i) => {
    const where = `input.${i}`;
    const type = item.type ?? (item.role ? "message" : undefined);
    switch (type) {
      case "message": {
        const role = item.role === "developer" ? "system" : item.role;
        if (role !== "user" && role !== "assistant" && role !== "system") {
          throw invalidParam(`${where}.role`, `${where}.role: must be 'user', 'assistant', 'system' or 'developer'`);
        }
        const { text, images } = readParts(item.content ?? "", `${where}.content`);
        if (role === "assistant") {
          // an assistant message after calls of the same turn starts a new turn, as the model would have
          if (assistant?.tool_calls?.length) assistant = undefined;
          const message = openAssistant();
          message.content = message.content ? joinTexts([message.content, text]) : text;
          if (images.length) message.images = [...message.images ?? [], ...images];
          return;
        }
        assistant = undefined;
        thinking = "";
        const message: Message = { role, content: text };
        if (images.length) message.images = images;
        out.push(message);
        return;
      }
      case "function_call": {
        if (!item.name) throw invalidParam(`${where}.name`, `${where}.name: Missing required parameter`);
        if (!item.call_id) throw invalidParam(`${where}.call_id`, `${where}.call_id: Missing required parameter`);
        const message = openAssistant();
        const calls: ToolCall[] = message.tool_calls ??= [];
        calls.push({
          id: item.call_id,
          type: "function",
          function: { index: calls.length, name: item.name, arguments: parseArguments(item.arguments, where) },
        });
        names.set(item.call_id, item.name);
        return;
      }
      case "function_call_output": {
        if (!item.call_id) throw invalidParam(`${where}.call_id`, `${where}.call_id: Missing required parameter`);
        const { text, images } = readParts(item.output ?? "", `${where}.output`);
        const message: Message = { role: "tool", content: text, tool_call_id: item.call_id };
        const name = names.get(item.call_id);
        if (name) message.tool_name = name;
        if (images.length) message.images = images;
        out.push(message);
        assistant = undefined;
        return;
      }
      case "reasoning": {
        const parts = Array.isArray(item.content) && item.content.length ? item.content : item.summary ?? [];
        thinking += readParts(parts as Part[], `${where}.content`).text;
        return;
      }
      default:
        throw invalidParam(
          `${where}.type`,
          `${where}.type: item type '${type}' is not supported (message, function_call, function_call_output, reasoning)`,
        );
    }
  });
  return out;
}

/**
 * Function tools as Ollama tools, and the types of the others, left out: those OpenAI's servers run themselves
 * (`web_search`, `file_search`, `mcp`, …) or whose calls are not JSON (`custom`) cannot be offered to a local
 * model, and agents send them with every request (Codex's `web_search`), so refusing them would refuse the agent.
 */
function toTools(tools: FunctionToolParam[] | null | undefined): { tools?: Tool[]; skipped: string[] } {
  const skipped: string[] = [];
  const out: Tool[] = [];
  (tools ?? []).forEach((tool, i) => {
    if (tool.type !== "function") {
      skipped.push(tool.type);
      return;
    }
    if (!tool.name) throw invalidParam(`tools.${i}.name`, `tools.${i}.name: Missing required parameter`);
    out.push({
      type: "function",
      function: { name: tool.name, description: tool.description ?? undefined, parameters: tool.parameters ?? undefined },
    });
  });
  return { tools: out.length ? out : undefined, skipped };
}

/**
 * `tool_choice` as the shared ToolChoice, and the tools it leaves: `allowed_tools` narrows the tools to those it
 * lists (`mode` auto or required).
 */
function toToolChoice(
  choice: ResponsesRequest["tool_choice"],
  tools: Tool[] | undefined,
): { toolChoice?: ToolChoice; tools?: Tool[] } {
  if (choice === null || choice === undefined) return { tools };
  if (typeof choice === "string") return { toolChoice: choice, tools };
  if (choice.type === "function") {
    if (!choice.name) throw invalidParam("tool_choice.name", "tool_choice.name: Missing required parameter");
    return { toolChoice: { name: choice.name }, tools };
  }
  if (choice.type === "allowed_tools") {
    const allowed = new Set((choice.tools ?? []).map((t) => t.name));
    const mode = choice.mode ?? "auto";
    if (mode !== "auto" && mode !== "required") throw invalidParam("tool_choice.mode", "tool_choice.mode: must be 'auto' or 'required'");
    return { toolChoice: mode, tools: tools?.filter((t) => allowed.has(t.function.name)) };
  }
  throw invalidParam("tool_choice.type", `tool_choice: type '${choice.type}' is not supported (only function tools)`);
}

function toFormat(format: NonNullable<ResponsesRequest["text"]>["format"]): unknown {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return "json";
  if (format.type === "json_schema") {
    if (!format.schema) throw invalidParam("text.format.schema", "text.format.schema: Missing required parameter");
    return format.schema;
  }
  throw invalidParam("text.format.type", `text.format.type: '${format.type}' is not supported (text, json_object, json_schema)`);
}

/** What a Responses request runs as. */
export interface ResponsesChat {
  request: ChatRequest;
  toolChoice?: ToolChoice;
  /** `parallel_tool_calls: false`: only the first call is answered. */
  oneToolCall: boolean;
  /** The conversation so far, instructions excluded: what a stored response continues from. */
  conversation: Message[];
  /** Types of the tools left out (not function tools), for the log. */
  skippedTools: string[];
}

/** The internal chat request for a Responses body continuing `history` (the previous response's conversation). */
export function toChatRequest(body: ResponsesRequest, history: Message[] = []): ResponsesChat {
  if (body.background) throw invalidParam("background", "background: background responses are not supported");
  if ((body as Record<string, unknown>).conversation != null) {
    throw invalidParam("conversation", "conversation: conversations are not supported: continue with previous_response_id");
  }
  const conversation = [...history, ...inputMessages(body.input, history)];
  if (conversation.length === 0) throw invalidParam("input", "input: Missing required parameter");
  // Arguments arrive as JSON strings, decoded past the body's own nesting check.
  checkNesting({ messages: conversation });
  const messages = body.instructions ? [{ role: "system", content: body.instructions }, ...conversation] : conversation;
  const options: Record<string, unknown> = {};
  if (body.max_output_tokens !== null && body.max_output_tokens !== undefined) options.num_predict = body.max_output_tokens;
  if (body.temperature !== null && body.temperature !== undefined) options.temperature = body.temperature;
  if (body.top_p !== null && body.top_p !== undefined) options.top_p = body.top_p;
  const offered = toTools(body.tools);
  const { toolChoice, tools } = toToolChoice(body.tool_choice, offered.tools);
  let think: boolean | string | undefined;
  try {
    think = thinkFromEffort(body.reasoning?.effort);
  } catch (error) {
    throw invalidParam("reasoning.effort", (error as Error).message);
  }
  const request: ChatRequest = {
    model: body.model,
    messages,
    stream: body.stream ?? false,
    format: toFormat(body.text?.format),
    options,
    keep_alive: undefined,
    think,
    tools,
    logprobs: undefined,
    top_logprobs: undefined,
    // truncation "disabled": a prompt past the context is an error, not cut
    truncate: body.truncation === "disabled" ? false : undefined,
    shift: undefined,
    _debug_render_only: undefined,
  };
  return { request, toolChoice, oneToolCall: body.parallel_tool_calls === false, conversation, skippedTools: offered.skipped };
}
