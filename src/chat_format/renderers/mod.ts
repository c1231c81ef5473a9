/**
 * Ollama's named renderers (model/renderers): models whose config names a `renderer` have their
 * prompt written by code, not by a template. Every name Ollama registers maps to one here.
 * @module
 */
import { renderCogito } from "./cogito.ts";
import { renderCohere } from "./cohere.ts";
import { renderFunctionGemma } from "./function_gemma.ts";
import { renderDeepSeek31 } from "./deepseek3.ts";
import { renderGlm47 } from "./glm47.ts";
import { renderGlmOcr } from "./glm_ocr.ts";
import { renderLaguna, renderPoolsideV1 } from "./laguna.ts";
import { renderLfm2, renderLfm2Thinking } from "./lfm2.ts";
import { renderNemotron35Nano, renderNemotron3Nano } from "./nemotron3_nano.ts";
import { renderOlmo3, renderOlmo31, renderOlmo3Think, renderOlmo3Think32B } from "./olmo3.ts";
import { renderQwen3Coder } from "./qwen3_coder.ts";
import { renderOrnith, renderQwen35, renderQwen38 } from "./qwen35.ts";
import { renderQwen3VLInstruct, renderQwen3VLThinking } from "./qwen3_vl.ts";
import type { Renderer } from "./types.ts";

export type { Renderer, RenderInput } from "./types.ts";

/** Every renderer name Ollama registers, and the renderer it selects. */
export const RENDERERS: Readonly<Record<string, Renderer>> = {
  "qwen3-coder": renderQwen3Coder,
  "qwen3-vl-instruct": renderQwen3VLInstruct,
  "qwen3-vl-thinking": renderQwen3VLThinking,
  "qwen3.5": renderQwen35,
  "qwen3.8": renderQwen38,
  "ornith": renderOrnith,
  "cogito": renderCogito,
  "deepseek3.1": renderDeepSeek31,
  "olmo3": renderOlmo3,
  "olmo3.1": renderOlmo31,
  "olmo3-think": renderOlmo3Think,
  "olmo3-32b-think": renderOlmo3Think32B,
  "nemotron-3-nano": renderNemotron3Nano,
  "nemotron-3.5-nano": renderNemotron35Nano,
  "functiongemma": renderFunctionGemma,
  "cohere": renderCohere,
  "glm-4.7": renderGlm47,
  "glm-ocr": renderGlmOcr,
  "laguna": renderLaguna,
  "poolside-v1": renderPoolsideV1,
  "lfm2": renderLfm2,
  "lfm2-thinking": renderLfm2Thinking,
};

/** The renderer Ollama registers under `name`, if any. */
export function namedRenderer(name: string | undefined): Renderer | undefined {
  return name !== undefined && Object.hasOwn(RENDERERS, name) ? RENDERERS[name] : undefined;
}
