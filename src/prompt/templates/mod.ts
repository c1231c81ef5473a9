/**
 * tollama's named chat templates: Go templates we wrote for common prompt formats, each with its
 * default stop list and the Jinja chat templates (fingerprints) that mean "use this one".
 * Names match Ollama's, so `TEMPLATE` layers and detection results are interchangeable.
 * @module
 */
import { alfred } from "./alfred.ts";
import { alpaca } from "./alpaca.ts";
import { chatml } from "./chatml.ts";
import { chatqa } from "./chatqa.ts";
import { codellama70bInstruct } from "./codellama_70b_instruct.ts";
import { commandR } from "./command_r.ts";
import { falconInstruct } from "./falcon_instruct.ts";
import { gemmaInstruct } from "./gemma_instruct.ts";
import { gemma3Instruct } from "./gemma3_instruct.ts";
import { graniteInstruct } from "./granite_instruct.ts";
import { llama2Chat } from "./llama2_chat.ts";
import { llama3Instruct } from "./llama3_instruct.ts";
import { magicoder } from "./magicoder.ts";
import { mistralInstruct } from "./mistral_instruct.ts";
import { openchat } from "./openchat.ts";
import { phi3 } from "./phi_3.ts";
import { solarInstruct } from "./solar_instruct.ts";
import { starcoder2Instruct } from "./starcoder2_instruct.ts";
import { vicuna } from "./vicuna.ts";
import { zephyr } from "./zephyr.ts";
import type { NamedTemplate } from "./types.ts";

export type { NamedTemplate } from "./types.ts";

/** Every named template, in detection order (ties go to the earlier one). */
export const namedTemplates: readonly NamedTemplate[] = [
  chatml,
  zephyr,
  openchat,
  mistralInstruct,
  starcoder2Instruct,
  llama2Chat,
  codellama70bInstruct,
  alpaca,
  chatqa,
  gemmaInstruct,
  gemma3Instruct,
  llama3Instruct,
  graniteInstruct,
  magicoder,
  alfred,
  phi3,
  falconInstruct,
  solarInstruct,
  commandR,
  vicuna,
];

/** The named template called `name`, or undefined. */
export function namedTemplate(name: string): NamedTemplate | undefined {
  return namedTemplates.find((t) => t.name === name);
}
