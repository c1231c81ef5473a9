/**
 * What a stored model can do, as /api/show and /api/tags report it: `completion` or `embedding` from the GGUF
 * (a pooling type means an embedding model), `vision` from a vision encoder or projector, `tools`, `insert` and
 * `thinking` from the template that will render prompts: the Go TEMPLATE layer when there is one, else the GGUF's
 * Jinja chat template (Ollama's Model.Capabilities).
 * @module
 */
import type { GgufFile } from "../gguf/mod.ts";
import { templateCapabilities } from "../prompt/mod.ts";
import { parserCapabilities } from "../chat_format/mod.ts";

/** The inputs: a model's config capabilities, GGUF header, Go template and projectors. */
export interface CapabilitySources {
  configCapabilities?: string[];
  gguf?: GgufFile;
  /** The Go TEMPLATE layer, when the model has one. */
  template?: string;
  hasProjector?: boolean;
  /**
   * Whether the model file carries a vision part libmtmd can be given (a published-Ollama vision tower a compat family
   * translates). Given, it replaces the header's `<arch>.vision.block_count`, which a file whose vision part cannot run
   * (deepseekocr's SAM+CLIP) also has: such a model must not show `vision`, its images are refused.
   */
  embeddedVision?: boolean;
  family?: string;
  /** Ollama's named renderer / parser from the config: they replace the GGUF template's reading. */
  renderer?: string;
  parser?: string;
}

/** Capabilities in Ollama's order: config, GGUF, projector, template, family. */
export function modelCapabilities(sources: CapabilitySources): string[] {
  const out: string[] = [];
  const add = (capability: string) => {
    if (!out.includes(capability)) out.push(capability);
  };
  for (const capability of sources.configCapabilities ?? []) add(capability);

  const metadata = sources.gguf?.metadata;
  if (metadata) {
    const arch = String(metadata["general.architecture"] ?? "");
    const chatTemplate = metadata["tokenizer.chat_template"];
    const named = !!(sources.renderer || sources.parser);
    if (sources.template === undefined && !named && typeof chatTemplate === "string") {
      for (const capability of chatTemplateCapabilities(chatTemplate)) add(capability);
    }
    add(`${arch}.pooling_type` in metadata ? "embedding" : "completion");
    if (sources.embeddedVision ?? `${arch}.vision.block_count` in metadata) add("vision");
  }
  if (sources.hasProjector) add("vision");
  if (sources.template !== undefined) {
    for (const capability of goTemplateCapabilities(sources.template)) add(capability);
  }
  for (const capability of parserCapabilities(sources.parser)) add(capability);
  if (sources.family === "gptoss" || sources.family === "gpt-oss") add("thinking");
  return out;
}

/** Ollama's reading of a Jinja chat template: tools when it mentions them, thinking when it has think tags. */
export function chatTemplateCapabilities(chatTemplate: string): string[] {
  const out: string[] = [];
  if (chatTemplate.includes("tools") || chatTemplate.includes("tool_call")) out.push("tools");
  const splitsThinking = (chatTemplate.includes("content.split('</think>')") ||
    chatTemplate.includes('content.split("</think>")')) &&
    !chatTemplate.includes("reasoning_content") && !chatTemplate.includes("<SPECIAL_12>");
  if ((chatTemplate.includes("<think>") && chatTemplate.includes("</think>")) || splitsThinking) out.push("thinking");
  return out;
}

/** A stored template that does not parse gives no capabilities (Ollama logs it and goes on). */
function goTemplateCapabilities(template: string): string[] {
  try {
    return templateCapabilities(template);
  } catch {
    return [];
  }
}
