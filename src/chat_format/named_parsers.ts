/**
 * Every parser name in Ollama's registry (model/parsers/parsers.go) and how it reads output: the
 * syntax it splits by, whether thinking is on when a request does not say (`think` unset), and
 * whether the reply starts inside a thinking block the prompt opened (Ollama's parsers start in
 * their thinking state by the request's `think`, not by reading the prompt). A parser without thinking
 * support in Ollama keeps its tags here too: /api/show gives its model no `thinking` capability, so the
 * server never asks it to think and the tags stay content.
 * @module
 */
import type { OutputSyntax } from "./types.ts";
import { commandR } from "./parsers/command_r.ts";
import { deepseek } from "./parsers/deepseek.ts";
import { functionGemma } from "./parsers/function_gemma.ts";
import { gemma4 } from "./parsers/gemma4.ts";
import { glm } from "./parsers/glm.ts";
import { harmony } from "./parsers/harmony.ts";
import { laguna } from "./parsers/laguna.ts";
import { hermes } from "./parsers/hermes.ts";
import { mistral } from "./parsers/mistral.ts";
import { muse } from "./parsers/muse.ts";
import { lfm2, olmo3 } from "./parsers/pythonic.ts";
import { qwen3Coder } from "./parsers/qwen3_coder.ts";

/** One of Ollama's named parsers. */
export interface NamedParser {
  /** The family name `chatFormat().name` reports. */
  family: string;
  syntax: OutputSyntax;
  /** Thinking is on when the request leaves `think` unset (Qwen 3.5, Nemotron, GLM-4.7, Cohere...). */
  thinksByDefault?: boolean;
  /** Output starts inside thinking whenever thinking is on (the model's prompt always opens the block). */
  startsThinking?: boolean;
  /** Thinking is structural (always split) but dropped when the request turns thinking off. */
  hidesThinkingWhenOff?: boolean;
}

const noTools = (s: OutputSyntax): OutputSyntax => ({ ...s, tools: undefined });
// Gemma 4 may repeat a call's closer or write the tool-response opener after its calls: neither is content.
const gemma4Named: OutputSyntax = { ...gemma4, drop: [...(gemma4.drop ?? []), "<tool_call|>", "<|tool_response>"] };
// Cohere North writes its answer between <|START_TEXT|> markers; the generation prompt opens thinking.
const cohere: OutputSyntax = { ...commandR, drop: [...(commandR.drop ?? []), "<|END_OF_TURN_TOKEN|>"] };

/** Ollama's parser names (every one its registry answers) and their behaviour here. */
export const NAMED_PARSERS: Readonly<Record<string, NamedParser>> = {
  "qwen3": { family: "hermes", syntax: hermes },
  "qwen3-thinking": { family: "hermes", syntax: hermes, thinksByDefault: true, startsThinking: true },
  "qwen3.5": { family: "qwen3-coder", syntax: qwen3Coder, thinksByDefault: true, startsThinking: true },
  "ornith": { family: "qwen3-coder", syntax: qwen3Coder, thinksByDefault: true, startsThinking: true },
  "qwen3-coder": { family: "qwen3-coder", syntax: qwen3Coder },
  "qwen3-vl-instruct": { family: "hermes", syntax: hermes },
  "qwen3-vl-thinking": { family: "hermes", syntax: hermes, thinksByDefault: true, startsThinking: true },
  "ministral": { family: "mistral", syntax: mistral },
  "passthrough": { family: "passthrough", syntax: {} },
  "harmony": { family: "harmony", syntax: harmony },
  "cogito": { family: "deepseek-v3", syntax: deepseek },
  "deepseek3": { family: "deepseek-v3", syntax: deepseek, startsThinking: true },
  "olmo3": { family: "olmo3", syntax: olmo3 },
  "olmo3-think": { family: "olmo3", syntax: noTools(olmo3), thinksByDefault: true, startsThinking: true },
  "nemotron-3-nano": { family: "qwen3-coder", syntax: qwen3Coder, thinksByDefault: true, startsThinking: true },
  "nemotron-3.5-nano": { family: "qwen3-coder", syntax: qwen3Coder, thinksByDefault: true, startsThinking: true },
  "functiongemma": { family: "functiongemma", syntax: functionGemma },
  "glm-4.7": { family: "glm-4.5", syntax: glm, thinksByDefault: true, startsThinking: true },
  "gemma4": { family: "gemma4", syntax: gemma4Named },
  "gemma4-no-thinking": { family: "gemma4", syntax: gemma4Named },
  "glm-ocr": { family: "glm-4.5", syntax: glm },
  "lfm2": { family: "lfm2", syntax: lfm2 },
  "lfm2-thinking": { family: "lfm2", syntax: lfm2 },
  "laguna": { family: "laguna", syntax: laguna, startsThinking: true },
  "poolside-v1": { family: "laguna", syntax: laguna, startsThinking: true },
  "cohere": { family: "command-r7b", syntax: cohere, thinksByDefault: true, startsThinking: true },
  "glimmer": { family: "muse", syntax: muse, thinksByDefault: true, hidesThinkingWhenOff: true },
};

/** The named parser Ollama registers as `name`, if any. */
export function namedParser(name: string | undefined): NamedParser | undefined {
  return name !== undefined && Object.hasOwn(NAMED_PARSERS, name) ? NAMED_PARSERS[name] : undefined;
}
