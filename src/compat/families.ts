/**
 * Every family of published-Ollama GGUFs tollama translates, one file each. Families whose tensors change bytes
 * (qwen35 MTP norms and experts, glmocr gate/up, gemma4 MoE gate/up, gemma3n rows) give those tensors a `produce`
 * step; the vision side of single-file models is clip_family.ts's.
 * @module
 */
import type { CompatFamily } from "./family.ts";
import { bert } from "./bert.ts";
import { embeddinggemma } from "./embeddinggemma.ts";
import { deepseekocr } from "./deepseekocr.ts";
import { gemma3 } from "./gemma3.ts";
import { gemma3n } from "./gemma3n.ts";
import { gemma4 } from "./gemma4.ts";
import { gptoss } from "./gptoss.ts";
import { lfm2 } from "./lfm2.ts";
import { llama3 } from "./llama3.ts";
import { llama4 } from "./llama4.ts";
import { mistral3 } from "./mistral3.ts";
import { nemotronHMoe } from "./nemotron_h_moe.ts";
import { nemotronHOmni } from "./nemotron_h_omni.ts";
import { olmo3 } from "./olmo3.ts";
import { qwen3vl } from "./qwen3vl.ts";
import { qwen25vl } from "./qwen25vl.ts";
import { qwen35, qwen35moe } from "./qwen35.ts";
import { qwen3next } from "./qwen3next.ts";
import { glmocr } from "./glmocr.ts";
import { glm4moelite } from "./glm4moelite.ts";
import { laguna } from "./laguna.ts";

/** The families, each detected on its own `general.architecture`. */
export const FAMILIES: readonly CompatFamily[] = [llama3, gptoss, gemma3, mistral3, lfm2, olmo3, qwen3vl, gemma3n, gemma4, embeddinggemma, nemotronHMoe, nemotronHOmni, bert, qwen35, qwen35moe, qwen3next, glmocr, glm4moelite, laguna, qwen25vl, llama4, deepseekocr];
