import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyAdapters, Batch, type Context, Llama, LoraAdapter, Model, ModelLoadError } from "./mod.ts";
import { fixtureModel, fixtureSkip } from "../../tests/fixtures/mod.ts";
import { writeFixtureLora } from "../../tests/fixtures/lora.ts";

const skip = fixtureSkip("tiny-spm");

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-lora-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The last position's logits for `tokens`, from a cleared context. */
function lastLogits(context: Context, batch: Batch, tokens: number[]): Float32Array {
  context.clear();
  batch.fill(tokens, 0);
  context.decode(batch);
  return context.logits(batch.length - 1).slice();
}

test("LoraAdapter.load() + applyAdapters() change the logits; an empty set gives the base's back exactly", { skip }, async () => {
  await withDir(async (dir) => {
    const base = await fixtureModel("tiny-spm");
    const path = join(dir, "lora.gguf");
    await writeFixtureLora(path, base, { seed: 3 });
    const llama = await Llama.open();
    using model = Model.load(llama, base);
    // Adapters first: the context's graph is sized by the adapters its model has.
    const adapter = LoraAdapter.load(model, path);
    using context = model.createContext({ nCtx: 128, nBatch: 128, nThreads: 1 });
    using batch = new Batch(llama.ffi, 128);
    const tokens = model.vocab.tokenize("Hello there", { addSpecial: true, parseSpecial: true });

    const plain = lastLogits(context, batch, tokens);
    applyAdapters(context, [adapter]);
    const adapted = lastLogits(context, batch, tokens);
    const change = adapted.reduce((n, value, i) => Math.max(n, Math.abs(value - plain[i])), 0);
    assert.ok(change > 0.1, `the adapter moved the logits by only ${change}`);
    applyAdapters(context, [adapter], 0.5);
    const half = lastLogits(context, batch, tokens);
    assert.notDeepEqual(half, adapted, "the scale matters");
    applyAdapters(context, []);
    assert.deepEqual(lastLogits(context, batch, tokens), plain);

    // The adapter is the model's: closing the model closes it, and a closed one cannot be applied.
    model.close();
    assert.ok(adapter.closed && context.closed);
    assert.throws(() => applyAdapters(context, [adapter]), Error);
  });
});

test("LoraAdapter.load() refuses a missing file, a LoRA of other shapes and a full model with ModelLoadError", { skip }, async () => {
  await withDir(async (dir) => {
    const base = await fixtureModel("tiny-spm");
    const wide = join(dir, "wide.gguf");
    await writeFixtureLora(wide, base, { shapeOffset: 1 });
    const llama = await Llama.open();
    using model = Model.load(llama, base);
    assert.throws(() => LoraAdapter.load(model, join(dir, "none.gguf")), (error: Error) => {
      assert.ok(error instanceof ModelLoadError);
      assert.match(error.message, /cannot read the LoRA adapter .*none\.gguf: .*no such file/i);
      return true;
    });
    for (const path of [wide, base]) {
      assert.throws(() => LoraAdapter.load(model, path), (error: Error) => {
        assert.ok(error instanceof ModelLoadError);
        assert.match(error.message, /libllama refused the LoRA adapter/);
        return true;
      });
    }
  });
});
