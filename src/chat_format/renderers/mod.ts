/**
 * Ollama's named renderers (model/renderers): models whose config names a `renderer` have their
 * prompt written by code, not by a template. Every name Ollama registers maps to one here.
 * @module
 */
import { renderCogito } from "./cogito.ts";
import { renderCohere } from "./cohere.ts";
import { renderFunctionGemma } from "./function_gemma.ts";
import { renderDeepSeek31 } from "./deepseek3.ts";
import { renderGemma4Large, renderGemma4Small } from "./gemma4.ts";
import { renderGlimmer } from "./glimmer.ts";
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
  // Ollama resolves "gemma4" to small or large by the model's size (12b and up: large); by name alone, small.
  "gemma4": renderGemma4Small,
  "gemma4-small": renderGemma4Small,
  "gemma4-large": renderGemma4Large,
  "functiongemma": renderFunctionGemma,
  "cohere": renderCohere,
  "glm-4.7": renderGlm47,
  "glm-ocr": renderGlmOcr,
  "glimmer": renderGlimmer,
  "laguna": renderLaguna,
  "poolside-v1": renderPoolsideV1,
  "lfm2": renderLfm2,
  "lfm2-thinking": renderLfm2Thinking,
};

/** The renderer Ollama registers under `name`, if any. */
export function namedRenderer(name: string | undefined): Renderer | undefined {
  return name !== undefined && Object.hasOwn(RENDERERS, name) ? RENDERERS[name] : undefined;
}

/**
 * The renderer a model's config name selects (Ollama's resolveRendererName): the legacy `gemma4` picks the
 * small or large template from the model's name (e2b/e4b, or 12b/26b/31b), else its parameter size (12B and up).
 */
export function resolveRendererName(name: string, model: { name?: string; parameterSize?: string } = {}): string {
  if (name !== "gemma4") return name;
  const lower = (model.name ?? "").toLowerCase();
  if (lower.includes("e2b") || lower.includes("e4b")) return "gemma4-small";
  if (["12b", "26b", "31b"].some((s) => lower.includes(s))) return "gemma4-large";
  const size = /^([0-9.]+)([BMK])$/i.exec(model.parameterSize ?? "");
  if (size) {
    const scale = { B: 1e9, M: 1e6, K: 1e3 }[size[2].toUpperCase() as "B" | "M" | "K"];
    return Number(size[1]) * scale >= 12e9 ? "gemma4-large" : "gemma4-small";
  }
  return "gemma4-small";
}

/**
 * The BOS text each renderer writes at the start of its prompt (Ollama's `LeadingBOS()`): where the
 * vocabulary adds BOS itself, Ollama's runner drops this text so the prompt does not start with two.
 */
export function rendererLeadingBos(name: string): string {
  if (name === "cogito" || name === "deepseek3.1") return "<｜begin▁of▁sentence｜>";
  if (name === "cohere") return "<BOS_TOKEN>";
  if (name === "functiongemma" || name.startsWith("gemma4")) return "<bos>";
  if (name === "glimmer") return "<|begin_of_text|>";
  if (name === "laguna" || name === "poolside-v1") return "〈|EOS|〉";
  if (name === "lfm2" || name === "lfm2-thinking") return "<|startoftext|>";
  return "";
}
