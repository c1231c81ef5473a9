/**
 * Nemotron-H MoE as Ollama published it: the latent-FFN variants (Nemotron 3 Super) name their latent projections
 * `ffn_latent_in`/`ffn_latent_out` (llama.cpp: `ffn_latent_down`/`ffn_latent_up`) and carry no `moe_latent_size`,
 * and some files keep the multi-token-prediction head as `mtp.*` tensors, which this loader does not claim.
 * @module
 */
import { archOf, type CompatFamily, hasTensorPrefix } from "./family.ts";
import type { HeaderEdit } from "./header_edit.ts";

const LATENT_IN = /^blk\.(\d+)\.ffn_latent_in\.weight$/;

/** True when the header carries a published latent projection or MTP head. */
export function hasNemotronMarker(file: Parameters<CompatFamily["detect"]>[0]): boolean {
  return file.tensors.some((t) => LATENT_IN.test(t.name)) || hasTensorPrefix(file, "mtp.");
}

/** The text-side fixes shared with nemotron_h_omni: latent names and size, MTP hidden. */
export function fixNemotronLatent(edit: HeaderEdit, arch: string): void {
  let latent: number | undefined;
  for (const t of [...edit.header.tensors]) {
    const m = LATENT_IN.exec(t.name);
    if (!m) continue;
    const out = edit.requireTensor(`blk.${m[1]}.ffn_latent_out.weight`, 2);
    if (t.shape.length < 2) edit.fail(`tensor '${t.name}' has shape [${t.shape}], expected 2 dimensions`);
    // {n_embd, latent} in, {latent, n_embd} out, one latent size for every block
    if (out.shape[0] !== t.shape[1] || out.shape[1] !== t.shape[0]) {
      edit.fail(`${t.name} has shape [${t.shape}] but ${out.name} [${out.shape}]: not one latent projection`);
    }
    if (latent !== undefined && latent !== t.shape[1]) edit.fail(`${t.name} has latent size ${t.shape[1]}, another block ${latent}`);
    latent = t.shape[1];
  }
  if (latent !== undefined) edit.setIfMissing(`${arch}.moe_latent_size`, "uint32", latent);
  for (const t of edit.header.tensors) {
    if (/^blk\.\d+\.ffn_latent_out\.weight$/.test(t.name) && !edit.tensor(t.name.replace("_out.", "_in."))) {
      edit.fail(`${t.name} has no ffn_latent_in beside it`);
    }
  }
  edit.renameTensorsContaining(".ffn_latent_in", ".ffn_latent_down");
  edit.renameTensorsContaining(".ffn_latent_out", ".ffn_latent_up");
  edit.hidePrefix("mtp.");
}

/** nemotron_h_moe (Ollama: handle_nemotron_h_moe). */
export const nemotronHMoe: CompatFamily = {
  name: "nemotron_h_moe",
  detect: (file) => archOf(file) === "nemotron_h_moe" && hasNemotronMarker(file),
  translate: (edit: HeaderEdit) => fixNemotronLatent(edit, "nemotron_h_moe"),
};
