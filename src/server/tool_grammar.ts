/**
 * The grammar behind OpenAI `tool_choice: "required"` or a named function (honoured, unlike Ollama): the output
 * must be the model's tool-call tag followed by `{"name": <one of the tools>, "arguments": <its parameters>}`,
 * which the tool-call parser then reads as a call.
 * @module
 */
import { jsonSchemaToGbnf } from "./json_schema_gbnf.ts";
import type { Tool } from "./schemas.ts";

/** GBNF forcing one call of one of `tools`, after `tag` when the model's calls start with one. */
export function toolCallGrammar(tools: Tool[], tag?: string): string {
  const schema = {
    anyOf: tools.map((tool) => ({
      type: "object",
      properties: {
        name: { const: tool.function.name },
        arguments: tool.function.parameters && Object.keys(tool.function.parameters).length
          ? { type: "object", ...tool.function.parameters }
          : { type: "object" },
      },
      required: ["name", "arguments"],
    })),
  };
  const grammar = jsonSchemaToGbnf(schema);
  if (!tag || tag === "{" || tag === "[") return grammar;
  const escaped = tag.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return grammar.replace(/^root ::= (.*)$/m, `root ::= "${escaped}" ws $1`).replace(/^(ws ::=)/m, "$1") +
    (/(^|\n)ws ::=/.test(grammar) ? "" : "ws ::= [ \\t\\n]{0,8}\n");
}
