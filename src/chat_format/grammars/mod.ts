/**
 * The grammar that forces a tool call in a format's own syntax (OpenAI `tool_choice: "required"` or a named
 * function, Anthropic `any`/`tool`), the arguments constrained by each tool's JSON schema, and the
 * JSON-Schema → GBNF converter behind it (also `format: <schema>`). Formats without a grammar of their own
 * get a JSON call object, after their tag where a Go template names one, else as the whole reply (which
 * the route's parser reads as a bare-JSON call).
 * @module
 */
import type { Tool } from "../../prompt/mod.ts";
import type { OutputSyntax } from "../types.ts";
import { deepseekGrammar } from "./deepseek.ts";
import { gemma4Grammar } from "./gemma4.ts";
import { harmonyGrammar } from "./harmony.ts";
import { hermesGrammar, taggedJsonGrammar } from "./hermes.ts";
import { kimiGrammar } from "./kimi.ts";
import { llama3Grammar } from "./llama3.ts";
import { mistralGrammar } from "./mistral.ts";
import { pythonicGrammar } from "./pythonic.ts";
import type { ToolGrammarOptions } from "./tool_grammar.ts";
import { deepseekDsmlGrammar, glmGrammar, hunyuanGrammar, minimaxM2Grammar, qwen3CoderGrammar } from "./xml_params.ts";
import {
  apertusGrammar,
  commandR7bGrammar,
  firefunctionGrammar,
  functionaryV31Grammar,
  gigachatGrammar,
  graniteGrammar,
  nemotronV2Grammar,
  solarGrammar,
} from "./json_lists.ts";

export type { ToolGrammarOptions } from "./tool_grammar.ts";
export { responseGrammar } from "./response.ts";
export { jsonGrammar, type JsonSchema, jsonSchemaToGbnf, MAX_SCHEMA_DEPTH, SchemaConversionError } from "./json_schema_gbnf.ts";

/** What a format's grammar depends on: its name, its output syntax, and the template text it came from. */
export interface GrammarFormat {
  name: string;
  syntax: OutputSyntax;
  /** The Jinja or Go template (Mistral's two call styles differ by whether it writes `[ARGS]`). */
  source?: string;
}

/** The families whose calls have a grammar of their own here. */
export const GRAMMAR_FAMILIES: readonly string[] = [
  "harmony",
  "hermes",
  "qwen3-coder",
  "glm-4.5",
  "mistral",
  "magistral",
  "llama3",
  "deepseek-r1",
  "deepseek-v3",
  "kimi-k2",
  "nemotron-v2",
  "apertus",
  "firefunction-v2",
  "command-r7b",
  "gigachat",
  "functionary-v3.1",
  "minimax-m2",
  "deepseek-v4",
  "hunyuan3",
  "gemma4",
  "granite",
  "solar-open",
  "lfm2",
  "olmo3",
];

/** The GBNF forcing one call (or, `parallel`, one or more) of `tools` in `format`'s syntax. */
export function formatToolGrammar(format: GrammarFormat, tools: readonly Tool[], options: ToolGrammarOptions = {}): string {
  switch (format.name) {
    case "harmony":
      return harmonyGrammar(tools, options);
    case "hermes":
      return hermesGrammar(tools, options);
    case "qwen3-coder":
      return qwen3CoderGrammar(tools, options);
    case "glm-4.5":
      return glmGrammar(tools, options);
    case "mistral":
    case "magistral": {
      // Devstral / Magistral / Ministral 3 write NAME[ARGS]; Nemo and Small 3 a JSON list
      const source = format.source ?? "";
      return mistralGrammar(tools, options, !source.includes("[TOOL_CALLS]") || source.includes("[ARGS]"));
    }
    case "llama3":
      return llama3Grammar(tools, options);
    case "deepseek-r1":
      return deepseekGrammar(tools, options, true);
    case "deepseek-v3":
      return deepseekGrammar(tools, options, false);
    case "kimi-k2":
      return kimiGrammar(tools, options);
    case "nemotron-v2":
      return nemotronV2Grammar(tools, options);
    case "apertus":
      return apertusGrammar(tools, options);
    case "firefunction-v2":
      return firefunctionGrammar(tools, options);
    case "command-r7b":
      return commandR7bGrammar(tools, options);
    case "gigachat":
      return gigachatGrammar(tools, options);
    case "functionary-v3.1":
      return functionaryV31Grammar(tools, options);
    case "minimax-m2":
      return minimaxM2Grammar(tools, options);
    case "deepseek-v4":
      return deepseekDsmlGrammar(tools, options);
    case "hunyuan3":
      return hunyuanGrammar(tools, options);
    case "gemma4":
      return gemma4Grammar(tools, options);
    case "granite":
      return graniteGrammar(tools, options);
    case "solar-open":
      return solarGrammar(tools, options);
    case "lfm2":
    case "olmo3":
      return pythonicGrammar(tools, options, format.name === "olmo3");
    default: {
      const open = format.syntax.tools?.open[0];
      return taggedJsonGrammar(tools, options, format.name === "go-template" ? open : undefined);
    }
  }
}
