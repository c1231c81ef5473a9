/**
 * Every output syntax by family name, with the marks that reveal it in a template's text (llama.cpp
 * recognises formats by the special tokens a template writes, most specific first) and Ollama's
 * `renderer`/`parser` names for it.
 * @module
 */
import type { OutputSyntax } from "./types.ts";
import { commandR, commandRPlus } from "./parsers/command_r.ts";
import { deepseek, deepseekDsml } from "./parsers/deepseek.ts";
import { functionaryV31, functionaryV32 } from "./parsers/functionary.ts";
import { apertus, firefunction, generic, gigachat, nemotronV2 } from "./parsers/generic.ts";
import { glm } from "./parsers/glm.ts";
import { granite } from "./parsers/granite.ts";
import { harmony } from "./parsers/harmony.ts";
import { hermes } from "./parsers/hermes.ts";
import { minicpm, minimaxM2 } from "./parsers/invoke_xml.ts";
import { kimi } from "./parsers/kimi.ts";
import { llama3 } from "./parsers/llama3.ts";
import { mistral } from "./parsers/mistral.ts";
import { qwen3Coder } from "./parsers/qwen3_coder.ts";
import { gemma4 } from "./parsers/gemma4.ts";
import { hunyuan } from "./parsers/hunyuan.ts";
import { kimiK3 } from "./parsers/kimi_k3.ts";
import { muse } from "./parsers/muse.ts";
import { minimaxM3 } from "./parsers/minimax_m3.ts";
import { lfm2, olmo3 } from "./parsers/pythonic.ts";
import { solar } from "./parsers/solar.ts";
import { apriel, minimaxM1, seedOss } from "./parsers/json_lines.ts";

/** A family: its syntax, and the texts that must all appear in a template for it to be recognised. */
export interface Family {
  name: string;
  syntax: OutputSyntax;
  marks: readonly string[];
}

const THINK = { open: ["<think>"], close: ["</think>"] } as const;

/** Families in recognition order: the most specific marks first. */
export const FAMILIES: readonly Family[] = [
  { name: "harmony", syntax: harmony, marks: ["<|channel|>", "<|message|>"] },
  { name: "deepseek-v4", syntax: deepseekDsml, marks: ["｜DSML｜"] },
  { name: "deepseek-r1", syntax: deepseek, marks: ["<｜tool▁calls▁begin｜>", "function<｜tool▁sep｜>"] },
  { name: "deepseek-r1", syntax: deepseek, marks: ["<｜tool▁calls▁begin｜>", "tool['type'] + '<｜tool▁sep｜>'"] },
  { name: "deepseek-v3", syntax: deepseek, marks: ["<｜tool▁calls▁begin｜>"] },
  { name: "kimi-k3", syntax: kimiK3, marks: ["<|open|>", "<|close|>", "<|sep|>"] },
  { name: "muse", syntax: muse, marks: ["<atem:function_calls>"] },
  { name: "gemma4", syntax: gemma4, marks: ["<|tool_call>", "<tool_call|>"] },
  { name: "hunyuan3", syntax: hunyuan, marks: ["<tool_sep", "<tool_calls"] },
  { name: "minimax-m3", syntax: minimaxM3, marks: ["<mm:think>"] },
  { name: "lfm2", syntax: lfm2, marks: ["<|tool_call_start|>"] },
  { name: "lfm2", syntax: lfm2, marks: ["<|tool_list_start|>"] },
  { name: "lfm2", syntax: lfm2, marks: ["List of tools: ["] },
  { name: "olmo3", syntax: olmo3, marks: ["<function_calls>", "<functions>"] },
  { name: "solar-open", syntax: solar, marks: ["<|tool_call:begin|>"] },
  { name: "seed-oss", syntax: seedOss, marks: ["<seed:tool_call>"] },
  { name: "apriel", syntax: apriel, marks: ["[BEGIN FINAL RESPONSE]"] },
  { name: "minimax-m1", syntax: minimaxM1, marks: ["<tool_calls>"] },
  { name: "kimi-k2", syntax: kimi, marks: ["<|tool_calls_section_begin|>"] },
  { name: "minimax-m2", syntax: minimaxM2, marks: ["<minimax:tool_call>"] },
  { name: "glm-4.5", syntax: glm, marks: ["<arg_key>"] },
  { name: "qwen3-coder", syntax: qwen3Coder, marks: ["<function=", "<parameter="] },
  { name: "functionary-v3.1", syntax: functionaryV31, marks: ["<function=", "<|start_header_id|>"] },
  { name: "functionary-v3.2", syntax: functionaryV32, marks: [">>>all"] },
  { name: "command-r7b", syntax: commandR, marks: ["<|START_ACTION|>"] },
  { name: "command-r-plus", syntax: commandRPlus, marks: ["Action:", "<|START_OF_TURN_TOKEN|>"] },
  { name: "magistral", syntax: mistral, marks: ["[TOOL_CALLS]", "[THINK]"] },
  { name: "mistral", syntax: mistral, marks: ["[TOOL_CALLS]"] },
  { name: "nemotron-v2", syntax: nemotronV2, marks: ["<TOOLCALL>"] },
  { name: "apertus", syntax: apertus, marks: ["<|tools_prefix|>"] },
  { name: "firefunction-v2", syntax: firefunction, marks: ["functools["] },
  { name: "gigachat", syntax: gigachat, marks: ["<|role_sep|>"] },
  { name: "minicpm", syntax: minicpm, marks: ["<function name="] },
  { name: "granite", syntax: granite, marks: ["<|tool_call|>"] },
  { name: "hermes", syntax: hermes, marks: ["<tool_call>"] },
  { name: "llama3", syntax: llama3, marks: ["<|start_header_id|>"] },
];

/** The bare-JSON fallback (llama.cpp's generic format); thinking tags only where the template writes them. */
export const GENERIC: Family = { name: "generic", syntax: generic, marks: [] };

/** A family by its name here. */
export function familyNamed(name: string): Family | undefined {
  return name === "generic" ? GENERIC : FAMILIES.find((f) => f.name === name);
}

/**
 * Ollama's `parser`/`renderer` names (model/parsers, model/renderers) and the family each writes.
 * `passthrough` parses nothing.
 */
export const OLLAMA_NAMES: Readonly<Record<string, string>> = {
  "harmony": "harmony",
  "gpt-oss": "harmony",
  "qwen3": "hermes",
  "qwen3-thinking": "hermes",
  "qwen3-vl-instruct": "hermes",
  "qwen3-vl-thinking": "hermes",
  "qwen3.5": "qwen3-coder",
  "qwen3-coder": "qwen3-coder",
  "nemotron-3-nano": "qwen3-coder",
  "ministral": "mistral",
  "cogito": "deepseek-v3",
  "deepseek3": "deepseek-v3",
  "deepseek3.1": "deepseek-v3",
  "glm-4.7": "glm-4.5",
  "glm-ocr": "glm-4.5",
  "olmo3": "olmo3",
  "olmo3-think": "olmo3",
  "olmo3.1": "olmo3",
  "olmo3-32b-think": "olmo3",
  "lfm2": "lfm2",
  "lfm2-thinking": "lfm2",
  "functiongemma": "gemma4",
  "passthrough": "passthrough",
  // renderer-only names: the output their models write
  "qwen3.8": "qwen3-coder",
  "gemma4-small": "gemma4",
  "gemma4-large": "gemma4",
};

/** Adds `<think>` tags to a syntax that has none (a template that writes them). */
export function withThinking(syntax: OutputSyntax, template: string): OutputSyntax {
  if (syntax.thinking || !template.includes("<think>") || !template.includes("</think>")) return syntax;
  return { ...syntax, thinking: THINK };
}
