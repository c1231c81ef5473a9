import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeF32, GGML_TYPE, writeGguf } from "../gguf/mod.ts";
import { parseModelName } from "../registry/mod.ts";
import { Store } from "../store/mod.ts";
import { createModel, type CreateModelOptions } from "./create.ts";
import { CreateModelError } from "./errors.ts";
import { parseModelfile } from "./parse.ts";
import { modelfileToCreateRequest } from "./request.ts";
import { showModel } from "./show.ts";
import type { CreateProgress, CreateRequest } from "./types.ts";

const TINY = "/work/shared/models/tiny-spm.gguf";
async function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-create-"));
  try {
    await fn(await Store.open(join(dir, "models")), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function create(store: Store, request: CreateRequest, options: CreateModelOptions = {}): Promise<string[]> {
  const events: CreateProgress[] = [];
  await createModel(store, request, { ...options, onProgress: (e) => events.push(e) });
  return events.map((e) => e.status);
}

async function createError(store: Store, request: CreateRequest): Promise<CreateModelError> {
  try {
    await createModel(store, request);
  } catch (error) {
    assert.ok(error instanceof CreateModelError, `not a CreateModelError: ${error}`);
    return error;
  }
  assert.fail("created");
}

/** A small llama-shaped GGUF written by our writer, with extra metadata. */
async function smallGguf(path: string, metadata: Record<string, unknown> = {}): Promise<void> {
  await writeGguf(path, {
    metadata: {
      "general.architecture": "llama",
      "general.name": "small",
      "general.file_type": 0,
      "llama.context_length": 2048,
      "llama.embedding_length": 8,
      "llama.block_count": 1,
      "llama.attention.layer_norm_rms_epsilon": 0.00001,
      "tokenizer.ggml.model": "gpt2",
      "tokenizer.ggml.tokens": ["a", "b", "c", "d", "e", "f", "g"],
      "tokenizer.ggml.token_type": [1, 1, 1],
      ...metadata as Record<string, never>,
    },
    tensors: [{ name: "token_embd.weight", type: GGML_TYPE.F32, shape: [8, 7], data: encodeF32(new Float32Array(56)) }],
  });
}

/**
 * A LoRA GGUF for smallGguf's token_embd.weight ([8, 7]): llama.cpp stores that pair flipped, lora_a [r, 7] and
 * lora_b [r, 8]. `shapes` overrides them.
 */
async function smallLora(
  path: string,
  metadata: Record<string, unknown> = {},
  shapes: { a: number[]; b: number[]; target?: string } = { a: [2, 7], b: [2, 8] },
): Promise<void> {
  const target = shapes.target ?? "token_embd.weight";
  const tensor = (suffix: string, shape: number[]) => ({
    name: `${target}.${suffix}`,
    type: GGML_TYPE.F32,
    shape,
    data: encodeF32(new Float32Array(shape.reduce((n, d) => n * d, 1))),
  });
  await writeGguf(path, {
    metadata: {
      "general.architecture": "llama",
      "general.type": "adapter",
      "adapter.type": "lora",
      "adapter.lora.alpha": { type: "float32", value: 4 },
      ...metadata as Record<string, never>,
    },
    tensors: [tensor("lora_a", shapes.a), tensor("lora_b", shapes.b)],
  });
}

async function blobFromFile(store: Store, path: string): Promise<string> {
  return (await store.writeBlob(createReadStream(path) as unknown as AsyncIterable<Uint8Array>)).digest;
}

test("createModel() imports a GGUF blob: layers, config, autodetected template, Ollama's progress", async () => {
  await withStore(async (store) => {
    const digest = await blobFromFile(store, TINY);
    const statuses = await create(store, { model: "tiny", files: { "tiny-spm.gguf": digest } });
    const stored = await store.readManifest(parseModelName("tiny"));
    const layers = stored.manifest.layers;
    assert.deepEqual(layers.map((l) => l.mediaType), [
      "application/vnd.ollama.image.model",
      "application/vnd.ollama.image.template",
      "application/vnd.ollama.image.params",
    ]);
    assert.equal(layers[0].digest, digest);
    assert.deepEqual(statuses, [
      "parsing GGUF",
      `using existing layer ${digest}`,
      "using autodetected template chatml",
      `creating new layer ${layers[2].digest}`,
      "writing manifest",
      "success",
    ]);
    const params = await readFile(store.blobPath(layers[2].digest), "utf8");
    assert.equal(params, '{"stop":["\\u003c|im_start|\\u003e","\\u003c|im_end|\\u003e"]}\n', "Go's JSON bytes");
    const config = JSON.parse(await readFile(store.blobPath(stored.manifest.config.digest), "utf8"));
    assert.deepEqual(config, {
      model_format: "gguf",
      model_family: "llama",
      model_families: ["llama"],
      model_type: config.model_type,
      file_type: "F16",
      architecture: "amd64",
      os: "linux",
    });
    assert.match(config.model_type, /^\d+(\.\d+)?[KMB]$/);
    assert.equal(stored.manifest.config.mediaType, "application/vnd.docker.container.image.v1+json");
    assert.ok(new TextDecoder().decode(stored.raw).endsWith("}\n"));

    const shown = await showModel(store, parseModelName("tiny"));
    assert.equal(shown.details.format, "gguf");
    assert.equal(shown.details.family, "llama");
    assert.equal(shown.details.quantization_level, "F16");
    assert.equal(shown.details.parent_model, "");
    assert.match(shown.template!, /<\|im_start\|>/);
    assert.equal(shown.parameters, 'stop                           "<|im_start|>"\nstop                           "<|im_end|>"');
    assert.deepEqual(shown.capabilities, ["completion"]);
    assert.equal(shown.model_info["general.architecture"], "llama");
    assert.ok(!("general.name" in shown.model_info));
    assert.ok(!("tokenizer.chat_template" in shown.model_info));
    assert.deepEqual(shown.model_info["tokenizer.ggml.tokens"], [], "long arrays are emptied");
    assert.equal(shown.tensors, undefined);
    assert.ok(shown.modelfile!.startsWith(
      `# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM tiny:latest\n\nFROM ${store.blobPath(digest)}\nTEMPLATE "`,
    ));
    assert.ok(shown.modelfile!.endsWith('PARAMETER stop <|im_start|>\nPARAMETER stop <|im_end|>\n'));
    // The show output is itself a Modelfile that parses.
    assert.equal(parseModelfile(shown.modelfile!).commands.length, 4);

    const verbose = await showModel(store, parseModelName("tiny"), { verbose: true });
    assert.equal((verbose.model_info["tokenizer.ggml.tokens"] as string[]).length, 32000);
    assert.ok(verbose.tensors!.some((t) => t.name === "token_embd.weight" && t.type === "F16"));
  });
});

test("createModel() from an existing model merges parameters, keeps the template and prunes replaced layers", async () => {
  await withStore(async (store) => {
    const digest = await blobFromFile(store, TINY);
    await create(store, { model: "tiny", files: { "tiny-spm.gguf": digest } });
    const base = await store.readManifest(parseModelName("tiny"));

    const statuses = await create(store, {
      model: "mario",
      from: "tiny",
      system: "You are Mario.",
      parameters: { temperature: 0.7, num_ctx: 4096 },
      messages: [{ role: "User", content: "Hi" }, { role: "assistant", content: "It's-a me!" }],
      license: ["MIT", "Apache"],
    });
    const stored = await store.readManifest(parseModelName("mario"));
    assert.deepEqual(stored.manifest.layers.map((l) => l.mediaType.replace("application/vnd.ollama.image.", "")), [
      "model", "template", "system", "license", "license", "params", "messages",
    ]);
    assert.equal(stored.manifest.layers[0].from, "tiny:latest");
    assert.equal(stored.manifest.layers[1].digest, base.manifest.layers[1].digest, "template kept");
    assert.equal(statuses[0], `using existing layer ${digest}`);
    assert.equal(statuses.at(-1), "success");
    assert.equal(statuses.filter((s) => s.startsWith("creating new layer")).length, 5);

    const shown = await showModel(store, parseModelName("mario"));
    assert.equal(shown.system, "You are Mario.");
    assert.equal(shown.license, "MIT\nApache");
    assert.equal(shown.details.parent_model, "tiny:latest");
    assert.deepEqual(shown.messages, [{ role: "user", content: "Hi" }, { role: "assistant", content: "It's-a me!" }]);
    assert.equal(
      shown.parameters,
      [
        'num_ctx                        4096',
        'stop                           "<|im_start|>"',
        'stop                           "<|im_end|>"',
        "temperature                    0.7",
      ].join("\n"),
    );
    const modelfile = parseModelfile(shown.modelfile!);
    assert.deepEqual(modelfile.commands.filter((c) => c.name !== "model" && c.name !== "template"), [
      { name: "system", args: "You are Mario." },
      { name: "num_ctx", args: "4096" },
      { name: "stop", args: "<|im_start|>" },
      { name: "stop", args: "<|im_end|>" },
      { name: "temperature", args: "0.7" },
      { name: "license", args: "MIT" },
      { name: "license", args: "Apache" },
      { name: "message", args: "user: Hi" },
      { name: "message", args: "assistant: It's-a me!" },
    ]);

    // Re-creating with a new system prompt and a stop list replaces them; the old system blob goes.
    const oldSystem = stored.manifest.layers[2].digest;
    await create(store, { model: "mario", from: "mario", system: "You are Luigi.", parameters: { stop: ["END"] } });
    const again = await showModel(store, parseModelName("mario"));
    assert.equal(again.system, "You are Luigi.");
    assert.match(again.parameters!, /^stop\s+"END"$/m);
    assert.doesNotMatch(again.parameters!, /im_start/);
    assert.match(again.parameters!, /^temperature\s+0\.7$/m);
    assert.equal(await store.hasBlob(oldSystem), false, "replaced layer pruned");
    assert.equal(await store.hasBlob(digest), true);
  });
});

test("createModel() from a Modelfile, as the CLI sends it", async () => {
  await withStore(async (store, dir) => {
    await writeFile(join(dir, "Modelfile"), `FROM ${TINY}\nPARAMETER temperature 1\nPARAMETER num_ctx 4096\n` +
      "SYSTEM You are Mario from super mario bros, acting as an assistant.\n");
    const modelfile = parseModelfile(await readFile(join(dir, "Modelfile")));
    const { request, files } = await modelfileToCreateRequest(modelfile, { baseDir: dir });
    for (const file of files) await blobFromFile(store, file.path);
    await create(store, { ...request, model: "mario" });
    const shown = await showModel(store, parseModelName("mario"));
    assert.equal(shown.system, "You are Mario from super mario bros, acting as an assistant.");
    assert.match(shown.parameters!, /^temperature\s+1$/m);
    assert.match(shown.parameters!, /^num_ctx\s+4096$/m);
  });
});

test("createModel() writes RENDERER and PARSER into the config, keeps them FROM the model, and refuses unknown names", async () => {
  await withStore(async (store, dir) => {
    await writeFile(join(dir, "Modelfile"), `FROM ${TINY}\nRENDERER harmony\nPARSER qwen3\n`);
    const { request, files } = await modelfileToCreateRequest(parseModelfile(await readFile(join(dir, "Modelfile"))), { baseDir: dir });
    assert.deepEqual([request.renderer, request.parser], ["harmony", "qwen3"]);
    for (const file of files) await blobFromFile(store, file.path);
    await create(store, { ...request, model: "named" });
    const stored = await store.findManifest(parseModelName("named"));
    const config = JSON.parse(await readFile(store.blobPath(stored!.manifest.config!.digest), "utf8"));
    assert.deepEqual([config.renderer, config.parser], ["harmony", "qwen3"]);
    const shown = await showModel(store, parseModelName("named"));
    assert.deepEqual([shown.renderer, shown.parser], ["harmony", "qwen3"]);
    assert.match(shown.modelfile!, /^RENDERER harmony\nPARSER qwen3$/m);

    // A model made FROM it keeps its names unless the request gives its own.
    await create(store, { model: "child", from: "named", parser: "qwen3-coder" });
    const child = await showModel(store, parseModelName("child"));
    assert.deepEqual([child.renderer, child.parser], ["harmony", "qwen3-coder"]);

    for (const [key, value] of [["parser", "nope"], ["renderer", "qwen9"]] as const) {
      const error = await createError(store, { model: "bad", from: "named", [key]: value });
      assert.deepEqual([error.status, error.message], [400, `unknown ${key} "${value}"`]);
    }
    assert.equal(await store.findManifest(parseModelName("bad")), undefined);
  });
});

test("createModel() reads GGUF capabilities: embedding, vision, tools and thinking from the chat template", async () => {
  await withStore(async (store, dir) => {
    const path = join(dir, "embed.gguf");
    await smallGguf(path, { "llama.pooling_type": 1 });
    await create(store, { model: "embed", files: { "embed.gguf": await blobFromFile(store, path) } });
    const embed = await showModel(store, parseModelName("embed"));
    assert.deepEqual(embed.capabilities, ["embedding"]);
    assert.equal(embed.template, "{{ .Prompt }}");
    assert.equal(embed.details.quantization_level, "F32");
    assert.equal(embed.model_info["llama.attention.layer_norm_rms_epsilon"], 0.00001);
    assert.deepEqual(embed.model_info["tokenizer.ggml.token_type"], [1, 1, 1]);
    assert.equal(embed.model_info["general.parameter_count"], 56);
    assert.equal(embed.details.parameter_size, "56");
    assert.doesNotMatch(embed.modelfile!, /TEMPLATE/, "no TEMPLATE line without a template layer");

    const toolsPath = join(dir, "tools.gguf");
    const jinja = "{% if tools %}{{ tools }}{% endif %}<think></think>{{ messages }}";
    await smallGguf(toolsPath, { "llama.vision.block_count": 2, "tokenizer.chat_template": jinja });
    await create(store, { model: "tools", files: { "tools.gguf": await blobFromFile(store, toolsPath) } });
    const tools = await showModel(store, parseModelName("tools"));
    // a vision key without a vision part libmtmd can be given is not `vision` (its images would always fail)
    assert.deepEqual(tools.capabilities, ["tools", "thinking", "completion"]);
    assert.equal(tools.template, jinja, "the Jinja template is what renders prompts");

    // A Go TEMPLATE layer decides instead of the Jinja one.
    const fim = "{{ if .Tools }}{{ .Tools }}{{ end }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>";
    await create(store, { model: "fim", from: "tools", template: fim });
    const fimShown = await showModel(store, "fim", { system: "Be terse.", options: { seed: 42 } });
    assert.deepEqual(fimShown.capabilities, ["completion", "tools", "insert"]);
    assert.equal(fimShown.template, fim);
    assert.equal(fimShown.system, "Be terse.");
    assert.match(fimShown.modelfile!, /^SYSTEM Be terse\.$/m);
    assert.match(fimShown.modelfile!, /^PARAMETER seed 42$/m);
    assert.equal(fimShown.parameters, undefined, "request options are not the model's parameters");
  });
});

test("createModel() refuses bad input with Ollama's errors", async () => {
  await withStore(async (store, dir) => {
    const text = await store.writeBlob(new TextEncoder().encode("definitely not a model"));
    assert.equal((await createError(store, { model: "x", files: { "x.gguf": text.digest } })).message,
      "supplied file was not in GGUF format");
    assert.equal((await createError(store, { model: "x", files: { "x.bin": text.digest } })).message, "unknown type");

    const whole = await readFile(TINY);
    const truncated = await store.writeBlob(whole.subarray(0, 5000));
    const error = await createError(store, { model: "x", files: { "t.gguf": truncated.digest } });
    assert.match(error.message, /^invalid GGUF file: /);
    assert.equal(error.status, 400);

    assert.equal((await createError(store, { model: "x" })).message, "neither 'from' or 'files' was specified");
    assert.equal((await createError(store, { model: "x", files: { "a.gguf": "sha256:123" } })).message,
      "invalid digest format");
    assert.equal((await createError(store, { model: "x", files: { "a.gguf": "" } })).message, "invalid digest format");
    assert.equal((await createError(store, { model: "x", files: { "../a.gguf": text.digest } })).message,
      "file path must be relative");
    assert.equal((await createError(store, { model: "x", files: { "/a.gguf": text.digest } })).message,
      "file path must be relative");
    const missing = `sha256:${"0".repeat(64)}`;
    assert.equal((await createError(store, { model: "x", files: { "a.gguf": missing } })).message,
      `blob "${missing}" not found`);
    assert.equal((await createError(store, { model: "bad name!", from: "tiny" })).message, "invalid model name");
    const notFound = await createError(store, { model: "x", from: "nowhere" });
    assert.equal(notFound.message, "model 'nowhere:latest' not found");
    assert.equal(notFound.status, 404);

    const path = join(dir, "small.gguf");
    await smallGguf(path);
    const small = await blobFromFile(store, path);
    const badTemplate = await createError(store, {
      model: "x",
      files: { "s.gguf": small },
      template: "{{ .System }}\n{{ if .Prompt }}\n{{ .Prompt }\n{{ end }}",
    });
    assert.match(badTemplate.message, /^template error: template: :3: /);
    assert.equal(badTemplate.status, 400);
    assert.equal((await createError(store, { model: "x", files: { "s.gguf": small }, parameters: { temperature: "hot" } }))
      .message, 'option "temperature" must be of type float32');
    assert.equal((await createError(store, { model: "x", files: { "s.gguf": small }, quantize: "q9_x" })).message,
      "unsupported quantization type Q9_X - supported types are F32, F16, Q4_0, Q4_1, Q8_0, Q5_0, Q5_1, Q2_K, " +
        "Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, BF16");
    assert.equal((await createError(store, { model: "x", files: { "s.gguf": small }, adapters: { "a.gguf": small, "b.gguf": small } }))
      .message, "invalid adapter a.gguf: it is a full model, not a LoRA adapter (use it with FROM)");

    // Nothing was left behind by the failures: no manifest, and only the blobs written by the test itself.
    assert.deepEqual(await readdir(join(store.dir, "manifests")), []);
    assert.deepEqual((await store.listBlobs()).sort(), [text.digest, truncated.digest, small].sort());
  });
});

test("createModel() adds a GGUF adapter layer and shows it as ADAPTER", async () => {
  await withStore(async (store, dir) => {
    await smallGguf(join(dir, "base.gguf"));
    await smallLora(join(dir, "lora.gguf"));
    const base = await blobFromFile(store, join(dir, "base.gguf"));
    const lora = await blobFromFile(store, join(dir, "lora.gguf"));
    await create(store, { model: "tuned", files: { "base.gguf": base }, adapters: { "lora.gguf": lora } });
    const stored = await store.readManifest(parseModelName("tuned"));
    assert.deepEqual(stored.manifest.layers.map((l) => [l.mediaType, l.digest]), [
      ["application/vnd.ollama.image.model", base],
      ["application/vnd.ollama.image.adapter", lora],
    ]);
    const shown = await showModel(store, "tuned");
    assert.deepEqual(parseModelfile(shown.modelfile!).commands, [
      { name: "model", args: store.blobPath(base) },
      { name: "adapter", args: store.blobPath(lora) },
    ]);
  });
});

test("checkAdapter() via createModel(): several adapters stack; a bad one is a 400 naming what is wrong", async () => {
  await withStore(async (store, dir) => {
    await smallGguf(join(dir, "base.gguf"));
    const base = await blobFromFile(store, join(dir, "base.gguf"));
    const lora = async (name: string, ...args: Parameters<typeof smallLora> extends [string, ...infer R] ? R : never) => {
      await smallLora(join(dir, name), ...args);
      return await blobFromFile(store, join(dir, name));
    };
    const one = await lora("one.gguf");
    const two = await lora("two.gguf", { "adapter.lora.alpha": { type: "float32", value: 8 } });
    await create(store, { model: "two", files: { "base.gguf": base }, adapters: { "one.gguf": one, "two.gguf": two } });
    const stored = await store.readManifest(parseModelName("two"));
    assert.deepEqual(stored.manifest.layers.map((l) => l.digest), [base, one, two]);
    // A model made FROM it keeps its adapters and may add one.
    const three = await lora("three.gguf", { "adapter.lora.alpha": { type: "float32", value: 2 } });
    await create(store, { model: "three", from: "two", adapters: { "three.gguf": three } });
    const derived = await store.readManifest(parseModelName("three"));
    assert.deepEqual(derived.manifest.layers.map((l) => l.digest), [base, one, two, three]);

    const refused = async (adapter: string) =>
      (await createError(store, { model: "bad", files: { "base.gguf": base }, adapters: { "a.gguf": adapter } })).message;
    assert.equal(await refused(await lora("gemma.gguf", { "general.architecture": "gemma" })),
      'invalid adapter a.gguf: it is for architecture "gemma", but the base model is "llama"');
    assert.equal(await refused(await lora("shape.gguf", {}, { a: [2, 7], b: [2, 9] })),
      'invalid adapter a.gguf: tensor "token_embd.weight" is [8 7] in the base model, but the adapter\'s lora_a is [2 7] and lora_b [2 9]');
    assert.equal(await refused(await lora("missing.gguf", {}, { a: [8, 2], b: [2, 8], target: "blk.0.attn_q.weight" })),
      'invalid adapter a.gguf: the base model has no tensor "blk.0.attn_q.weight"');
    assert.equal(await refused(await lora("ia3.gguf", { "adapter.type": "ia3" })),
      'invalid adapter a.gguf: adapter.type is "ia3", only "lora" is supported');
    assert.equal(await refused(await lora("noalpha.gguf", { "adapter.lora.alpha": "x" })),
      "invalid adapter a.gguf: it has no adapter.lora.alpha");
    assert.equal(await refused(await lora("vocab.gguf", { "general.type": "vocab" })),
      'invalid adapter a.gguf: general.type is "vocab", want "adapter"');
    assert.equal((await createError(store, { model: "bad", files: { "one.gguf": one } })).message,
      "adapter one.gguf needs a base model: FROM the model it was trained for, then ADAPTER one.gguf");
    assert.equal(await store.findManifest(parseModelName("bad")), undefined);
  });
});

test("createModel() refuses a Q8_0 model for quantization and accepts quantize to the type it already has", async () => {
  await withStore(async (store, dir) => {
    const path = join(dir, "q8.gguf");
    await smallGguf(path, { "general.file_type": 7 });
    const q8 = await blobFromFile(store, path);
    assert.equal((await createError(store, { model: "x", files: { "q.gguf": q8 }, quantize: "q4_K_M" })).message,
      "quantization is only supported for F16, BF16 and F32 models");
    const f32Path = join(dir, "f32.gguf");
    await smallGguf(f32Path);
    const statuses = await create(store, { model: "same", files: { "f.gguf": await blobFromFile(store, f32Path) }, quantize: "f32" });
    assert.equal(statuses.at(-1), "success");
  });
});
