/**
 * Poolside Laguna (Ollama's `laguna` / `poolside-v1` parsers): `<think>` thinking and
 * `<tool_call>` sections whose body is GLM's `name<arg_key>…</arg_key><arg_value>…</arg_value>`
 * pairs, a JSON `{"name": …, "arguments": …}` object, or a name line followed by JSON arguments;
 * a bare JSON call at the start of a reply is read too.
 * @module
 */
import type { FormatToolCall, OutputSyntax } from "../types.ts";
import { glmBody } from "./glm.ts";
import { jsonBody } from "./hermes.ts";
import { argumentsObject, tryJson } from "./json.ts";
import { readBareJson } from "./llama3.ts";
import { anyBody, taggedSyntax, THINK_TAGS } from "./tagged.ts";

/** `name\n{json arguments}`. */
function nameLineBody(body: string): FormatToolCall[] | null {
  const m = /^\s*([^\s{<]+)\s*\n\s*(\{[\s\S]*\})\s*$/.exec(body);
  const args = m ? argumentsObject(tryJson(m[2])) : null;
  return m && args ? [{ name: m[1], arguments: args }] : null;
}

const tagged = taggedSyntax(["<tool_call>"], "</tool_call>", anyBody(jsonBody, nameLineBody, glmBody));

/** The Laguna syntax. */
export const laguna: OutputSyntax = {
  thinking: THINK_TAGS,
  tools: {
    open: ["<tool_call>", "{"],
    parse: (text, final, tools) => text.startsWith("{") ? readBareJson(text, final, tools) : tagged.parse(text, final, tools),
  },
};
