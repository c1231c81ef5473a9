import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLayouts, LayoutMismatchError, readField, writeField } from "./check_layout.ts";
import { Llama } from "./backend.ts";
import type { LlamaFfi } from "./ffi/types.ts";

test("checkLayouts() accepts the real library's default params", async () => {
  const llama = await Llama.open();
  checkLayouts(llama.ffi);
  const params = llama.ffi.fn.llama_context_default_params();
  assert.equal(readField(params, "llama_context_params", "n_batch"), 2048);
  assert.equal(readField(params, "llama_context_params", "type_k"), 1);
});

test("checkLayouts() refuses default bytes that disagree with our layouts, naming the field", async () => {
  const llama = await Llama.open();
  const real = llama.ffi;
  // The real library's bytes, shifted as a different llama.cpp version would shift them.
  const shifted: LlamaFfi = {
    ...real,
    fn: {
      ...real.fn,
      llama_context_default_params: () => {
        const bytes = real.fn.llama_context_default_params();
        writeField(bytes, "llama_context_params", "n_batch", 512);
        return bytes;
      },
    },
  };
  assert.throws(() => checkLayouts(shifted), (error: Error) => {
    assert.ok(error instanceof LayoutMismatchError);
    assert.match(error.message, /llama_context_params\.n_batch = 512, expected 2048/);
    assert.match(error.message, /LLAMA_LIB_DIR/);
    return true;
  });
});
