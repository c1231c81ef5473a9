/**
 * Nemotron 3 Omni as Ollama published it (nemotron3:33b): one `nemotron_h_omni` blob with the text model, the
 * RADIO vision encoder, the audio encoder and their projectors. llama.cpp runs its text side as `nemotron_h_moe`
 * (`nemotron_h` without experts); the towers are hidden from the text model, as Ollama does (the vision side is a
 * clip projector of its own, audio is not loadable yet).
 * @module
 */
import { archOf, type CompatFamily, hasTensorPrefix } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";
import { fixNemotronLatent } from "./nemotron_h_moe.ts";

const TOWER_PREFIXES = ["a.", "v.", "mm."] as const;
const PREFIX = "nemotron_h_omni.";

/** nemotron_h_omni (Ollama: handle_nemotron_h_omni). */
export const nemotronHOmni: CompatFamily = {
  name: "nemotron_h_omni",
  detect: (file) => archOf(file) === "nemotron_h_omni" && TOWER_PREFIXES.some((p) => hasTensorPrefix(file, p)),
  translate(edit: HeaderEdit) {
    const experts = (edit.number(`${PREFIX}expert_count`) ?? 0) > 0 || (edit.number(`${PREFIX}expert_used_count`) ?? 0) > 0;
    const arch = experts ? "nemotron_h_moe" : "nemotron_h";
    if (edit.number(`${PREFIX}block_count`) === undefined) edit.fail(`${PREFIX}block_count is missing`);
    edit.set("general.architecture", "string", arch);
    // the text keys under the text architecture (copies: the omni keys stay for the vision side)
    for (const [key, value] of [...edit.header.metadata]) {
      if (!key.startsWith(PREFIX)) continue;
      const suffix = key.slice(PREFIX.length);
      if (suffix.startsWith("vision.") || suffix.startsWith("audio.")) continue;
      edit.set(`${arch}.${suffix}`, value.type, value.value);
    }
    for (const prefix of TOWER_PREFIXES) edit.hidePrefix(prefix);
    if (arch === "nemotron_h_moe") fixNemotronLatent(edit, arch);
  },
};
