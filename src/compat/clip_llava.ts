/**
 * LLaVA and BakLLaVA projectors written before `clip.projector_type` existed (Ollama:
 * handle_missing_llava_projector_type): a clip file with a vision encoder and no type is the `mlp` projector.
 * @module
 */
import { archOf, hasKey } from "./family.ts";
import type { ClipFamily } from "./clip_family.ts";

/** clip without a projector type. */
export const clipLlava: ClipFamily = {
  name: "clip",
  detect: (file) =>
    archOf(file) === "clip" && file.metadata["clip.has_vision_encoder"] === true &&
    !hasKey(file, "clip.projector_type") && !hasKey(file, "clip.vision.projector_type"),
  translate(edit) {
    edit.set("clip.projector_type", "string", "mlp");
  },
};
