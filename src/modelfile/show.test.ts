import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelNotFoundError, Store } from "../store/mod.ts";
import { createModelProgress } from "./create.ts";
import { CreateModelError } from "./errors.ts";
import { parseModelfile } from "./parse.ts";
import { listDetails, parameterLines, showModel } from "./show.ts";
import type { CreateProgress } from "./types.ts";

const TINY = "/work/shared/models/tiny-spm.gguf";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-show-"));
  try {
    await fn(await Store.open(join(dir, "models")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function collect(source: AsyncIterable<CreateProgress>): Promise<string[]> {
  const out: string[] = [];
  for await (const event of source) out.push(event.status);
  return out;
}

test("createModelProgress() streams the progress lines and throws a failure after them", async () => {
  await withStore(async (store) => {
    const { digest } = await store.writeBlob(createReadStream(TINY) as unknown as AsyncIterable<Uint8Array>);
    const statuses = await collect(createModelProgress(store, { model: "tiny", files: { "tiny.gguf": digest } }));
    assert.equal(statuses[0], "parsing GGUF");
    assert.deepEqual(statuses.slice(-2), ["writing manifest", "success"]);

    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const event of createModelProgress(store, { model: "x", files: { "a.gguf": "sha256:00" } })) {
        seen.push(event.status);
      }
    }, (error: unknown) => error instanceof CreateModelError && error.message === "invalid digest format");
    assert.deepEqual(seen, ["parsing GGUF"]);
  });
});

test("listDetails() gives /api/tags details with context and embedding lengths", async () => {
  await withStore(async (store) => {
    const { digest } = await store.writeBlob(createReadStream(TINY) as unknown as AsyncIterable<Uint8Array>);
    await collect(createModelProgress(store, { model: "me/tiny:q", files: { "tiny.gguf": digest } }));
    const [stored] = await store.list();
    const { details, capabilities } = await listDetails(store, stored);
    assert.deepEqual(details, {
      parent_model: "",
      format: "gguf",
      family: "llama",
      families: ["llama"],
      parameter_size: "4.18M",
      quantization_level: "F16",
      context_length: 2048,
      embedding_length: 64,
    });
    assert.deepEqual(capabilities, ["completion"]);
  });
});

test("showModel() answers model 'x' not found for a missing model", async () => {
  await withStore(async (store) => {
    await assert.rejects(showModel(store, "nothing"), (error: unknown) =>
      error instanceof ModelNotFoundError && error.message === "model 'nothing:latest' not found");
  });
});

test("parameterLines() prints Ollama's `%-30s %#v` lines", () => {
  assert.equal(
    parameterLines({ num_ctx: 1048576, stop: ["<|eot_id|>", 'say "x"'], temperature: 0.7, use_mmap: false }),
    [
      "num_ctx                        1.048576e+06",
      'stop                           "<|eot_id|>"',
      'stop                           "say \\"x\\""',
      "temperature                    0.7",
      "use_mmap                       false",
    ].join("\n"),
  );
});

test("showModel() writes integer parameters so the Modelfile parses back", async () => {
  await withStore(async (store) => {
    const { digest } = await store.writeBlob(createReadStream(TINY) as unknown as AsyncIterable<Uint8Array>);
    await collect(createModelProgress(store, {
      model: "big",
      files: { "tiny.gguf": digest },
      parameters: { num_ctx: 1048576, top_p: 0.95 },
    }));
    const shown = await showModel(store, "big");
    const params = parseModelfile(shown.modelfile!).commands.filter((c) => c.name === "num_ctx" || c.name === "top_p");
    assert.deepEqual(params, [{ name: "num_ctx", args: "1048576" }, { name: "top_p", args: "0.95" }]);
  });
});
