/**
 * What each of Ollama's named parsers says it supports (`HasToolSupport` / `HasThinkingSupport` in
 * model/parsers): /api/show adds `tools` and `thinking` from a model's config `parser` as Ollama does.
 * @module
 */

const BOTH = ["tools", "thinking"] as const;
const TOOLS = ["tools"] as const;
const THINKING = ["thinking"] as const;

/** Every parser name Ollama registers, with the capabilities it adds. */
export const PARSER_CAPABILITIES: Readonly<Record<string, readonly string[]>> = {
  "qwen3": TOOLS,
  "qwen3-thinking": BOTH,
  "qwen3.5": BOTH,
  "ornith": BOTH,
  "qwen3-coder": TOOLS,
  "qwen3-vl-instruct": TOOLS,
  "qwen3-vl-thinking": BOTH,
  "ministral": TOOLS,
  "passthrough": [],
  "harmony": BOTH,
  "cogito": BOTH,
  "deepseek3": BOTH,
  "olmo3": TOOLS,
  "olmo3-think": THINKING,
  "nemotron-3-nano": BOTH,
  "nemotron-3.5-nano": BOTH,
  "functiongemma": TOOLS,
  "glm-4.7": BOTH,
  "gemma4": BOTH,
  "gemma4-no-thinking": TOOLS,
  "glm-ocr": TOOLS,
  "lfm2": TOOLS,
  "lfm2-thinking": BOTH,
  "laguna": BOTH,
  "poolside-v1": BOTH,
  "cohere": BOTH,
  "glimmer": BOTH,
};

/** The capabilities a config's `parser` adds; none for a name Ollama does not register. */
export function parserCapabilities(name: string | undefined): readonly string[] {
  return name !== undefined && Object.hasOwn(PARSER_CAPABILITIES, name) ? PARSER_CAPABILITIES[name] : [];
}
