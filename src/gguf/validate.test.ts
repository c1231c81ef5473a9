import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  encodeF32,
  GGML_TYPE,
  type GgufFile,
  ggufProblems,
  type GgufTensorInfo,
  GgufValidationError,
  type GgufValue,
  validateGguf,
  validateGgufFile,
  writeGguf,
} from "./mod.ts";

const EMBD = 8;
const TOKENS = ["<unk>", "<s>", "</s>", "a", "b", "c"];

/** A header like a 2-layer llama's, with tensors laid out as gguf_init_from_file wants them. */
function model(
  options: { blocks?: number; layers?: number[]; metadata?: Record<string, GgufValue>; tensors?: GgufTensorInfo[] } =
    {},
): GgufFile {
  const layers = options.layers ?? [0, 1];
  const tensors: GgufTensorInfo[] = options.tensors ?? [];
  if (!options.tensors) {
    let offset = 0;
    const push = (name: string, shape: number[]) => {
      const size = shape.reduce((a, b) => a * b, 4);
      tensors.push({ name, type: GGML_TYPE.F32, typeName: "F32", shape, offset, size });
      offset += Math.ceil(size / 32) * 32;
    };
    push("token_embd.weight", [EMBD, TOKENS.length]);
    for (const n of layers) push(`blk.${n}.attn_norm.weight`, [EMBD]);
    push("output_norm.weight", [EMBD]);
  }
  const metadata: Record<string, GgufValue> = {
    "general.architecture": "llama",
    "llama.block_count": options.blocks ?? 2,
    "llama.context_length": 128,
    "llama.embedding_length": EMBD,
    "llama.attention.head_count": 2,
    "llama.attention.head_count_kv": 1,
    "llama.rope.dimension_count": 4,
    "tokenizer.ggml.tokens": TOKENS,
    ...options.metadata,
  };
  return {
    path: "test.gguf",
    version: 3,
    alignment: 32,
    metadata,
    metadataTypes: {},
    skippedArrays: {},
    tensors,
    tensorDataOffset: 4096,
    fileSize: 1 << 20,
  };
}

test("ggufProblems() finds nothing in a consistent model", () => {
  assert.deepEqual(ggufProblems(model()), []);
});

test("ggufProblems() refuses a block count of 0 or past 512 (libllama asserts on both)", () => {
  assert.deepEqual(ggufProblems(model({ blocks: 0 })), ["llama.block_count is 0; llama.cpp supports 1 to 512 layers"]);
  assert.match(ggufProblems(model({ blocks: 1000 }))[0], /llama\.block_count is 1000/);
  assert.match(ggufProblems(model({ metadata: { "llama.block_count": "two" } }))[0], /must be an integer/);
  const missing = model();
  delete missing.metadata["llama.block_count"];
  assert.deepEqual(ggufProblems(missing), ["llama.block_count is missing"]);
});

test("ggufProblems() checks the block count against the blk.N tensors present", () => {
  assert.deepEqual(ggufProblems(model({ blocks: 3 })), [
    "llama.block_count is 3 but the file has no tensors for layer 2",
  ]);
  assert.deepEqual(ggufProblems(model({ blocks: 1 })), ["llama.block_count is 1 but the file has tensors for layer 1"]);
  assert.deepEqual(ggufProblems(model({ layers: [0, 2] })), [
    "llama.block_count is 2 but the file has tensors for layer 2",
  ]);
});

test("ggufProblems() checks experts, heads, rope and per-layer arrays as load_hparams does", () => {
  const one = (metadata: Record<string, GgufValue>) => ggufProblems(model({ metadata }));
  assert.match(one({ "llama.expert_count": 2000, "llama.expert_used_count": 2 })[0], /at most 1024/);
  assert.match(one({ "llama.expert_count": 4, "llama.expert_used_count": 8 })[0], /more than the 4 experts/);
  assert.match(one({ "llama.expert_count": 4 })[0], /must be at least 1/);
  assert.match(one({ "llama.expert_used_count": 2 })[0], /more than the 0 experts/);
  assert.match(
    one({ "llama.expert_count": 8, "llama.expert_used_count": 2, "llama.expert_group_count": 3 })[0],
    /do not split/,
  );
  assert.deepEqual(one({ "llama.expert_count": 8, "llama.expert_used_count": 2 }), []);
  assert.match(one({ "llama.attention.head_count": [2, 2, 2] })[0], /has 3 entries for 2 layers/);
  assert.deepEqual(one({ "llama.attention.head_count": [2, 4], "llama.attention.head_count_kv": [1, 2] }), []);
  assert.match(one({ "llama.attention.head_count": 3, "llama.attention.head_count_kv": 2 })[0], /not a multiple/);
  assert.match(one({ "llama.rope.dimension_count": 64 })[0], /more than the head size 4/);
  assert.match(one({ "llama.rope.scaling.type": "lineaz" })[0], /rope\.scaling\.type is "lineaz"/);
  assert.deepEqual(one({ "llama.rope.scaling.type": "yarn" }), []);
  assert.match(one({ "llama.context_length": 4294967295 })[0], /context_length is 4294967295/);
  assert.match(one({ "llama.nextn_predict_layers": 3 })[0], /more than the 2 layers/);
});

test("ggufProblems() checks token_embd against embedding_length and the vocabulary", () => {
  assert.match(
    ggufProblems(model({ metadata: { "llama.embedding_length": 16 } }))[0],
    /8 wide but llama\.embedding_length is 16/,
  );
  assert.match(
    ggufProblems(model({ metadata: { "tokenizer.ggml.tokens": [...TOKENS, "d"] } }))[0],
    /6 rows for a vocabulary of 7 tokens/,
  );
});

test("ggufProblems() refuses a repeated token (llama_vocab asserts its map and list have the same size)", () => {
  const tokens = ["<unk>", "<s>", "</s>", "a", "b", "a"];
  assert.deepEqual(ggufProblems(model({ metadata: { "tokenizer.ggml.tokens": tokens } })), [
    'tokenizer.ggml.tokens has token 5 equal to token 3 ("a")',
  ]);
  // two empty tokens are renamed [EMPTY_i] by libllama, so they do not collide
  const empties = ["<unk>", "", "", "a", "b", "c"];
  assert.deepEqual(ggufProblems(model({ metadata: { "tokenizer.ggml.tokens": empties } })), []);
});

test("ggufProblems() refuses zero dimensions and tensor data out of order", () => {
  const file = model();
  file.tensors[1] = { ...file.tensors[1], shape: [0], size: 0 };
  assert.match(ggufProblems(file)[0], /tensor 'blk\.0\.attn_norm\.weight' has dimension 0 of size 0/);
  const moved = model();
  moved.tensors[2] = { ...moved.tensors[2], offset: moved.tensors[2].offset + 32 };
  assert.match(
    ggufProblems(moved)[0],
    /'blk\.1\.attn_norm\.weight' data starts at offset \d+ of the data section, expected/,
  );
});

test("ggufProblems() skips language-model checks for adapters and projectors", () => {
  assert.deepEqual(ggufProblems(model({ blocks: 0, metadata: { "general.type": "adapter" } })), []);
  assert.deepEqual(ggufProblems(model({ blocks: 0, metadata: { "general.architecture": "clip" } })), []);
  assert.deepEqual(ggufProblems(model({ metadata: { "general.architecture": "" } })), [
    "general.architecture is missing",
  ]);
});

test("validateGguf() throws a GgufValidationError listing every problem", () => {
  assert.throws(
    () => validateGguf(model({ blocks: 3, metadata: { "llama.rope.scaling.type": "?" } })),
    (e: unknown) => e instanceof GgufValidationError && e.problems.length === 2,
  );
  assert.throws(
    () => validateGguf(model({ blocks: 0 })),
    /^GgufValidationError: invalid model file: llama\.block_count is 0/,
  );
});

test("validateGgufFile() reads the whole vocabulary from disk and validates", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gguf-validate-"));
  try {
    const path = join(dir, "m.gguf");
    const f32 = (n: number) => encodeF32(new Float32Array(n));
    const write = (blocks: number, tokens: string[]) =>
      writeGguf(path, {
        metadata: {
          "general.architecture": "llama",
          "llama.block_count": blocks,
          "llama.embedding_length": EMBD,
          "tokenizer.ggml.tokens": { type: "array<string>", value: tokens },
        },
        tensors: [
          {
            name: "token_embd.weight",
            type: GGML_TYPE.F32,
            shape: [EMBD, tokens.length],
            data: f32(EMBD * tokens.length),
          },
          { name: "blk.0.attn_norm.weight", type: GGML_TYPE.F32, shape: [EMBD], data: f32(EMBD) },
        ],
      });
    await write(1, TOKENS);
    assert.equal((await validateGgufFile(path)).tensors.length, 2);
    await write(1, [...TOKENS.slice(0, 5), "a"]);
    await assert.rejects(validateGgufFile(path), /token 5 equal to token 3/);
    await write(1000, TOKENS);
    await assert.rejects(validateGgufFile(path), GgufValidationError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
