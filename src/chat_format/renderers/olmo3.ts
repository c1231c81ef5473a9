/**
 * Ollama's `olmo3` / `olmo3.1` renderers (ChatML, tools as spaced JSON inside `<functions>`, calls
 * as `name(key=json, …)` with sorted keys in `<function_calls>`, tool results from `environment`)
 * and `olmo3-think` / `olmo3-32b-think` (no tools, a generation prompt that opens `<think>`).
 * @module
 */
import { marshal, toolJson, withSpaces } from "./go_values.ts";
import type { Message, Renderer } from "./types.ts";

const OLMO3_SYSTEM = "You are a helpful function-calling AI assistant. ";
const OLMO31_SYSTEM = "You are Olmo, a helpful AI assistant built by Ai2. Your date cutoff is December 2024, " +
  "and your model weights are available at https://huggingface.co/allenai. ";
const NO_FUNCTIONS = "You do not currently have access to any functions. ";
const WITH_FUNCTIONS = "You are provided with function signatures within <functions></functions> XML tags. " +
  "You may call one or more functions to assist with the user query. Output any function calls within " +
  "<function_calls></function_calls> XML tags. Do not make assumptions about what values to plug into functions.";

function splitSystem(messages: readonly Message[], dropTools = false): [Message | undefined, Message[]] {
  let system: Message | undefined;
  const rest: Message[] = [];
  for (const m of messages) {
    if (m.role === "system") system ??= m;
    else if (!(dropTools && m.role === "tool")) rest.push(m);
  }
  return [system, rest];
}

function makeOlmo3(extended: boolean): Renderer {
  return ({ messages, tools = [] }) => {
    const [system, rest] = splitSystem(messages);
    const functions = tools.length > 0 ? `<functions>${withSpaces(marshal(tools.map(toolJson)))}</functions>` : "";
    let out = "<|im_start|>system\n";
    if (system) out += system.content + functions;
    else {
      out += extended ? OLMO31_SYSTEM : OLMO3_SYSTEM;
      out += tools.length > 0 ? WITH_FUNCTIONS + functions : NO_FUNCTIONS + "<functions></functions>";
    }
    out += "<|im_end|>\n";
    rest.forEach((m, i) => {
      if (m.role === "user") out += `<|im_start|>user\n${m.content}<|im_end|>\n`;
      else if (m.role === "assistant") {
        out += "<|im_start|>assistant\n" + m.content;
        const calls = m.tool_calls ?? [];
        if (calls.length > 0) {
          out += "<function_calls>" + calls.map((c) => {
            const args = c.function.arguments ?? {};
            return `${c.function.name}(${Object.keys(args).sort().map((k) => `${k}=${marshal(args[k])}`).join(", ")})`;
          }).join("\n") + "</function_calls>";
        }
        if (i !== rest.length - 1 || calls.length > 0) out += "<|im_end|>\n";
      } else if (m.role === "tool") out += `<|im_start|>environment\n${m.content}<|im_end|>\n`;
    });
    const last = rest.at(-1);
    if (!(last?.role === "assistant" && !last.tool_calls?.length && last.content !== "")) out += "<|im_start|>assistant\n";
    return out;
  };
}

function makeOlmo3Think(defaultSystem: string): Renderer {
  return ({ messages }) => {
    const [system, rest] = splitSystem(messages, true);
    let out = "<|im_start|>system\n";
    out += system ? system.content + " You do not currently have access to any functions. <functions></functions>" : defaultSystem;
    out += "<|im_end|>\n";
    for (const m of rest) {
      if (m.role === "user" || m.role === "assistant") out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    }
    return out + "<|im_start|>assistant\n<think>";
  };
}

/** Ollama's `olmo3` renderer. */
export const renderOlmo3: Renderer = makeOlmo3(false);
/** Ollama's `olmo3.1` renderer (Olmo's own default system message). */
export const renderOlmo31: Renderer = makeOlmo3(true);
/** Ollama's `olmo3-think` renderer (Olmo-3-7B-Think, Olmo-3.1-32B-Think). */
export const renderOlmo3Think: Renderer = makeOlmo3Think(
  "You are Olmo, a helpful AI assistant built by Ai2. Your date cutoff is December 2024, and your model weights are available at https://huggingface.co/allenai.",
);
/** Ollama's `olmo3-32b-think` renderer (Olmo-3-32B-Think). */
export const renderOlmo3Think32B: Renderer = makeOlmo3Think("You are a helpful AI assistant.");
