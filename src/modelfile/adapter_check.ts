/**
 * What create checks of an `ADAPTER` GGUF before it becomes an adapter layer: that it is a LoRA adapter
 * (`general.type` = adapter, `adapter.type` = lora, `adapter.lora.alpha`), for the base model's architecture, and
 * that its tensors fit the base's (llama.cpp's llama_adapter_lora_init rules), so a bad adapter is a 400 at
 * create, not a failed load at the first request.
 * @module
 */
import type { GgufFile, GgufTensorInfo } from "../gguf/mod.ts";
import { CreateModelError } from "./errors.ts";

/**
 * Throws CreateModelError (400) naming what is wrong when `adapter` (the file `name`) is not a LoRA for `base`.
 * `base` undefined: the model has no weights to apply it to.
 */
export function checkAdapter(name: string, adapter: GgufFile, base: GgufFile | undefined): void {
  const meta = adapter.metadata;
  const fail = (reason: string) => {
    throw new CreateModelError(`invalid adapter ${name}: ${reason}`);
  };
  if (meta["general.type"] !== "adapter") {
    const arch = String(meta["general.architecture"] ?? "");
    if (meta[`${arch}.block_count`] !== undefined || adapter.tensors.some((t) => t.name === "token_embd.weight")) {
      fail("it is a full model, not a LoRA adapter (use it with FROM)");
    }
    fail(`general.type is ${quote(meta["general.type"])}, want "adapter"`);
  }
  if (meta["adapter.type"] !== "lora") fail(`adapter.type is ${quote(meta["adapter.type"])}, only "lora" is supported`);
  if (typeof meta["adapter.lora.alpha"] !== "number") fail("it has no adapter.lora.alpha");
  if (!base) {
    throw new CreateModelError(`adapter ${name} needs a base model: FROM the model it was trained for, then ADAPTER ${name}`);
  }

  const arch = String(meta["general.architecture"] ?? "");
  const baseArch = String(base.metadata["general.architecture"] ?? "");
  if (arch !== baseArch) fail(`it is for architecture ${quote(arch)}, but the base model is ${quote(baseArch)}`);

  const pairs = new Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }>();
  for (const tensor of adapter.tensors) {
    const suffix = /\.lora_[ab]$/.exec(tensor.name)?.[0];
    if (!suffix) {
      // llama.cpp skips norm vectors in an adapter; anything else it refuses.
      if (tensor.name.endsWith("_norm.weight")) continue;
      fail(`tensor "${tensor.name}" is neither a .lora_a nor a .lora_b`);
    }
    const target = tensor.name.slice(0, -suffix!.length);
    const pair = pairs.get(target) ?? {};
    pair[suffix === ".lora_a" ? "a" : "b"] = tensor;
    pairs.set(target, pair);
  }
  if (pairs.size === 0) fail("it has no .lora_a/.lora_b tensors");
  const baseTensors = new Map(base.tensors.map((t) => [t.name, t]));
  for (const [target, { a, b }] of pairs) {
    if (!a || !b) fail(`tensor "${target}" has a ${a ? "lora_a" : "lora_b"} but no ${a ? "lora_b" : "lora_a"}`);
    const weight = baseTensors.get(target);
    if (!weight) fail(`the base model has no tensor "${target}"`);
    const [w0, w1 = 1] = weight!.shape.map(Number);
    const [a0, a1 = 1] = a!.shape.map(Number);
    const [b0, b1 = 1] = b!.shape.map(Number);
    // token_embd's pair is stored flipped (llama.cpp's llm_build_inp_embd): lora_a is [r, n_vocab], lora_b [r, n_embd].
    const fits = target.endsWith("token_embd.weight") ? w0 === b1 && w1 === a1 : w0 === a0 && w1 === b1 && a1 === b0;
    if (!fits) {
      fail(
        `tensor "${target}" is ${dims(weight!)} in the base model, but the adapter's lora_a is ${dims(a!)} ` +
          `and lora_b ${dims(b!)}`,
      );
    }
  }
}

function dims(tensor: GgufTensorInfo): string {
  return `[${tensor.shape.map(Number).join(" ")}]`;
}

function quote(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}
