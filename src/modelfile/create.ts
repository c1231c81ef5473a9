/**
 * `/api/create`: a new model from GGUF blobs or from an existing model, with a template, system prompt, licenses,
 * parameters and messages on top, as Ollama's CreateHandler and createModel do it: same layers and media types, same
 * config blob, same progress lines, same errors. New blobs are written only once every check has passed, and the
 * ones a failed create wrote are removed again.
 * @module
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CompatError, compatModelPath } from "../compat/mod.ts";
import { config as settings } from "../config.ts";
import { fileTypeName, type GgufFile, ggufProblems, parameterSize, readGguf } from "../gguf/mod.ts";
import { InvalidModelNameError, parseModelName } from "../registry/mod.ts";
import {
  type BlobLease,
  MEDIA_TYPE_MANIFEST,
  type ModelRef,
  normalizeDigest,
  shortName,
  type Store,
  type StoredManifest,
} from "../store/mod.ts";
import { Template } from "../template/mod.ts";
import { isFormatName } from "../chat_format/mod.ts";
import { goJson } from "./_go_format.ts";
import { checkAdapter } from "./adapter_check.ts";
import { layersFromFiles, layersFromModel, type PendingLayer } from "./base_layers.ts";
import { CreateModelError } from "./errors.ts";
import { writeLink } from "./link.ts";
import { isLinkRequest, layersFromLinkedFile } from "./linked_layers.ts";
import { checkOptionValue, isOptionName, OptionValueError } from "./options.ts";
import { QuantizeError } from "../llama/mod.ts";
import { QUANTIZE_NAMES, quantizeToBlob, quantizeTypeName } from "./quantize.ts";
import { MEDIA_TYPE, readJsonBlob } from "./stored_model.ts";
import type { CreateProgress, CreateRequest, MessageInput, ModelConfig } from "./types.ts";

export interface CreateModelOptions {
  /** Each progress line, in Ollama's wording (`parsing GGUF`, `using existing layer sha256:…`, `success`). */
  onProgress?: (event: CreateProgress) => void;
  signal?: AbortSignal;
  /** Keep the replaced model's unused blobs (default: OLLAMA_NOPRUNE). */
  noPrune?: boolean;
  /** Fetches a `from` model missing from the store (Ollama pulls it). Without it a missing base is a 404. */
  pull?: (name: string, options: { onProgress: (event: CreateProgress) => void; signal?: AbortSignal }) => Promise<void>;
}

/**
 * Creates (or replaces) the model `request.model`. Throws {@linkcode CreateModelError} with Ollama's message and
 * status for a bad request; progress goes to `onProgress`, ending with `success`.
 * @example
 * ```ts
 * await createModel(store, { model: "mario", from: "llama3.2", system: "You are Mario." }, { onProgress: console.log });
 * ```
 */
export async function createModel(store: Store, request: CreateRequest, options: CreateModelOptions = {}): Promise<void> {
  checkFileMaps(request);
  // Create, copy and delete of one name run one after another, and the blobs this create is about to reference stay
  // pinned (pruning skips them) until its manifest has landed.
  const unlock = await store.lockNames(parseName(request.model || request.name || ""));
  const lease = store.lease();
  try {
    await createLocked(store, request, options, lease);
  } finally {
    lease.release();
    unlock();
  }
}

async function createLocked(store: Store, request: CreateRequest, options: CreateModelOptions, lease: BlobLease): Promise<void> {
  const progress = options.onProgress ?? (() => {});
  const signal = options.signal;
  const name = await store.resolve(parseName(request.model || request.name || ""));
  const previous = await store.findManifest(name).catch(() => undefined);

  const config: ModelConfig = { model_format: "", model_family: "", model_families: null, model_type: "", file_type: "" } as ModelConfig;
  // A name no format answers to would silently fall back to the template: refused here, before any layer is written.
  for (const key of ["renderer", "parser"] as const) {
    const value = request[key];
    if (value && !isFormatName(value)) throw new CreateModelError(`unknown ${key} ${JSON.stringify(value)}`);
  }
  if (request.renderer) config.renderer = request.renderer;
  if (request.parser) config.parser = request.parser;
  if (request.requires) config.requires = request.requires;

  const quantizeTo = quantizeTarget(request);
  let layers: PendingLayer[];
  if (isLinkRequest(request)) {
    // `from` is an absolute path to a GGUF file used in place (link.ts); quantizing reads it without linking.
    if (!request.from) throw new CreateModelError("'link' needs 'from' to be an absolute path to a GGUF file");
    layers = await layersFromLinkedFile(request.from, {
      willQuantize: (gguf) => quantizeTo !== undefined && needsQuantize(gguf, quantizeTo),
      onProgress: progress,
      signal,
    });
  } else if (request.from) {
    const base = await baseModel(store, request.from, options);
    layers = await layersFromModel(store, base);
    await inheritConfig(store, base, config);
  } else if (request.files) {
    layers = await layersFromFiles(store, request.files, { adapter: false, onProgress: progress });
    // A GGUF LoRA among the model files is an adapter layer (Ollama's media type): it must fit the model too.
    const base = layers.find((layer) => layer.mediaType === MEDIA_TYPE.model && layer.gguf)?.gguf;
    for (const layer of layers) if (layer.mediaType === MEDIA_TYPE.adapter) checkAdapter(layer.source ?? "", layer.gguf!, base);
  } else {
    throw new CreateModelError("neither 'from' or 'files' was specified");
  }
  if (request.draft_files && Object.keys(request.draft_files).length > 0) {
    throw new CreateModelError("DRAFT models are not available yet");
  }
  if (request.adapters && Object.keys(request.adapters).length > 0) {
    // Several adapters are applied together (Ollama takes one); each must be a LoRA that fits the base's weights.
    const adapters = await layersFromFiles(store, request.adapters, { adapter: true, onProgress: progress });
    const base = layers.find((layer) => layer.mediaType === MEDIA_TYPE.model && layer.gguf)?.gguf;
    for (const layer of adapters) if (layer.mediaType === MEDIA_TYPE.adapter) checkAdapter(layer.source ?? "", layer.gguf!, base);
    layers.push(...adapters);
  }
  signal?.throwIfAborted();

  const toQuantize = quantizeTo ? layers.filter((l) => l.mediaType === MEDIA_TYPE.model && l.gguf && needsQuantize(l.gguf, quantizeTo)) : [];
  describeModel(config, layers);
  layers = await applyRequest(store, request, layers);
  await lease.pin(layers.flatMap((layer) => (layer.digest ? [normalizeDigest(layer.digest)] : [])));

  const encoder = new TextEncoder();
  const created: string[] = [];
  try {
    for (const layer of toQuantize) {
      const gguf = await quantizeLayer(store, layer, quantizeTo!, { onProgress: progress, signal, created });
      await lease.pin([layer.digest!]);
      config.file_type = fileTypeName(gguf.metadata["general.file_type"] as number | undefined);
    }
    const statuses: string[] = [];
    for (const layer of layers) {
      if (layer.link) {
        const linked = await writeLink(store, layer.digest!, layer.link);
        if (linked.created) created.push(layer.digest!);
        statuses.push(linked.linked ? `linking layer ${layer.digest} to ${layer.link.path}` : `using existing layer ${layer.digest}`);
      } else if (layer.data) {
        const written = await store.writeBlob(layer.data, { signal, lease });
        if (written.created) created.push(written.digest);
        layer.digest = written.digest;
        layer.size = written.size;
        statuses.push(layer.status ?? `${written.created ? "creating new" : "using existing"} layer ${written.digest}`);
      } else {
        statuses.push(layer.status ?? `using existing layer ${layer.digest}`);
      }
    }
    const configBlob = await store.writeBlob(encoder.encode(goJson(orderedConfig(config))), { signal, lease });
    if (configBlob.created) created.push(configBlob.digest);
    for (const status of statuses) progress({ status });

    signal?.throwIfAborted();
    progress({ status: "writing manifest" });
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_MANIFEST,
      config: { mediaType: MEDIA_TYPE.config, digest: configBlob.digest, size: configBlob.size },
      layers: layers.map((layer) => ({
        mediaType: layer.mediaType,
        digest: layer.digest!,
        size: layer.size!,
        ...(layer.from ? { from: layer.from } : {}),
        ...(layer.name ? { name: layer.name } : {}),
      })),
    };
    await store.writeManifest(name, encoder.encode(goJson(manifest)));
  } catch (error) {
    // Nothing half-written: blobs this create added and no manifest uses go again (unpinned first, or they'd stay).
    lease.release();
    await store.removeUnusedBlobs(created).catch(() => {});
    throw error;
  }

  if (previous && !(options.noPrune ?? settings.noPrune())) {
    await store.removeUnusedBlobs([
      ...previous.manifest.layers.map((layer) => layer.digest),
      ...(previous.manifest.config?.digest ? [previous.manifest.config.digest] : []),
    ]);
  }
  progress({ status: "success" });
}

/** Ollama's request checks before any work: relative file names, non-empty digests. */
function checkFileMaps(request: CreateRequest): void {
  for (const map of [request.files, request.draft_files]) {
    for (const [file, digest] of Object.entries(map ?? {})) {
      if (!isValidPath(file)) throw new CreateModelError("file path must be relative");
      if (!digest) throw new CreateModelError("invalid digest format");
    }
  }
  if (request.draft_quantize && Object.keys(request.draft_files ?? {}).length === 0) {
    throw new CreateModelError("--draft-quantize requires a DRAFT model");
  }
  for (const digest of Object.values(request.adapters ?? {})) {
    if (!digest) throw new CreateModelError("invalid digest format");
  }
}

/** Go's io/fs.ValidPath: unrooted, slash-separated, no empty, `.` or `..` elements (except "." itself). */
function isValidPath(path: string): boolean {
  if (path === ".") return true;
  return path !== "" && path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

function parseName(text: string): ModelRef {
  try {
    return parseModelName(text);
  } catch (error) {
    if (error instanceof InvalidModelNameError) throw new CreateModelError("invalid model name");
    throw error;
  }
}

async function baseModel(store: Store, from: string, options: CreateModelOptions): Promise<StoredManifest> {
  const ref = parseName(from);
  const found = await store.findManifest(ref);
  if (found) return found;
  if (!options.pull) throw new CreateModelError(`model '${shortName(ref)}' not found`, 404);
  await options.pull(from, { onProgress: options.onProgress ?? (() => {}), signal: options.signal });
  return await store.readManifest(ref);
}

/** What a model made `from` another keeps of its config (Ollama: renderer, parser, requires, format, capabilities). */
async function inheritConfig(store: Store, base: StoredManifest, config: ModelConfig): Promise<void> {
  if (!base.manifest.config?.digest) return;
  const parent = await readJsonBlob(store, base.manifest.config.digest).catch(() => undefined) as Partial<ModelConfig>;
  if (!parent) return;
  config.renderer ||= parent.renderer;
  config.parser ||= parent.parser;
  config.requires ||= parent.requires;
  config.model_format ||= parent.model_format ?? "";
  if (!config.capabilities?.length && parent.capabilities?.length) config.capabilities = parent.capabilities;
  for (const key of ["renderer", "parser", "requires"] as const) if (!config[key]) delete config[key];
}

/** The requested quantization's canonical name (Ollama's ParseFileType check), or undefined when none is asked. */
function quantizeTarget(request: CreateRequest): string | undefined {
  const asked = (request.quantize || request.quantization || "").toUpperCase();
  if (!asked) return undefined;
  const want = quantizeTypeName(asked);
  if (!want) {
    const names = QUANTIZE_NAMES.filter((name) => !["Q3_K", "Q4_K", "Q5_K"].includes(name));
    throw new CreateModelError(`unsupported quantization type ${asked} - supported types are ${names.join(", ")}`);
  }
  return want;
}

/** Whether a model GGUF must be quantized to `want`; Ollama's error for a source that is already quantized. */
function needsQuantize(gguf: GgufFile, want: string): boolean {
  const current = fileTypeName(gguf.metadata["general.file_type"] as number | undefined);
  if (!["F16", "BF16", "F32"].includes(current)) {
    throw new CreateModelError("quantization is only supported for F16, BF16 and F32 models");
  }
  return current !== want;
}

/**
 * Quantizes a model layer into a new blob with Ollama's progress lines, and points the layer at it. Returns the
 * new file's header.
 */
async function quantizeLayer(
  store: Store,
  layer: PendingLayer,
  want: string,
  options: { onProgress: (event: CreateProgress) => void; signal?: AbortSignal; created: string[] },
): Promise<GgufFile> {
  const source = layer.path ?? store.blobPath(layer.digest!);
  // libllama quantizes what it can load: a published-Ollama file's translation (llama.cpp's layout, the layout the
  // quantized file is then written in), made in a scratch directory and removed after
  const scratch = join(dirname(store.blobsDir), "compat", `.quantize-${randomBytes(6).toString("hex")}`);
  try {
    const input = await compatModelPath(source, { cacheDir: scratch }).catch((error) => {
      if (error instanceof CompatError) throw new CreateModelError(error.message, 400, { cause: error });
      throw error;
    });
    return await quantizeInto(store, layer, input, want, options);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function quantizeInto(
  store: Store,
  layer: PendingLayer,
  input: string,
  want: string,
  options: { onProgress: (event: CreateProgress) => void; signal?: AbortSignal; created: string[] },
): Promise<GgufFile> {
  // libllama's quantizer reads the hyperparameters as a load does, and aborts the process on the same asserts.
  const problems = ggufProblems(layer.gguf!);
  if (problems.length > 0) throw new CreateModelError(`invalid model file: ${problems.join("; ")}`);
  const current = fileTypeName(layer.gguf!.metadata["general.file_type"] as number | undefined);
  const status = `quantizing ${current} model to ${want}`;
  const total = layer.size ?? layer.gguf!.fileSize;
  const blob = await quantizeToBlob(store, input, {
    type: want,
    gguf: layer.gguf,
    signal: options.signal,
    onProgress: (written, expected) =>
      options.onProgress({ status, digest: "0000000000000000000", total, completed: Math.round((total * written) / expected) }),
  }).catch((error) => {
    if (error instanceof QuantizeError) throw new CreateModelError(error.message, 500, { cause: error });
    throw error;
  });
  if (blob.created) options.created.push(blob.digest);
  const gguf = await readGguf(store.blobPath(blob.digest), { maxArrayElements: 64 });
  Object.assign(layer, {
    digest: blob.digest,
    size: blob.size,
    gguf,
    path: undefined,
    link: undefined,
    status: `${blob.created ? "creating new" : "using existing"} layer ${blob.digest}`,
  });
  return gguf;
}

/** Format, family, parameter size and file type from the model layers' GGUF headers (Ollama's createModel). */
function describeModel(config: ModelConfig, layers: PendingLayer[]): void {
  for (const layer of layers) {
    if (layer.mediaType !== MEDIA_TYPE.model || !layer.gguf) continue;
    const metadata = layer.gguf.metadata;
    const arch = String(metadata["general.architecture"] ?? "");
    config.model_format ||= "gguf";
    config.model_family ||= arch;
    config.model_type ||= parameterSize(layer.gguf);
    config.file_type ||= fileTypeName(metadata["general.file_type"] as number | undefined);
    config.model_families = [...(config.model_families ?? []), arch];
  }
}

/** Template, system, licenses, parameters and messages of the request, layered over the base layers. */
async function applyRequest(store: Store, request: CreateRequest, base: PendingLayer[]): Promise<PendingLayer[]> {
  const encoder = new TextEncoder();
  let layers = base;
  const replace = (types: string[], layer: PendingLayer) => {
    layers = [...layers.filter((l) => !types.includes(l.mediaType)), layer];
  };

  if (request.template) {
    checkTemplate(request.template);
    replace([MEDIA_TYPE.template, MEDIA_TYPE.prompt], { mediaType: MEDIA_TYPE.template, data: encoder.encode(request.template) });
  }
  if (request.system) replace([MEDIA_TYPE.system], { mediaType: MEDIA_TYPE.system, data: encoder.encode(request.system) });
  const licenses = typeof request.license === "string" ? [request.license].filter(Boolean) : request.license ?? [];
  for (const license of licenses) layers.push({ mediaType: MEDIA_TYPE.license, data: encoder.encode(license) });

  const params = checkParameters(request.parameters ?? {});
  for (const layer of layers) {
    if (layer.mediaType !== MEDIA_TYPE.params) continue;
    const existing = layer.data ? JSON.parse(new TextDecoder().decode(layer.data)) : await readJsonBlob(store, layer.digest!);
    for (const [key, value] of Object.entries(existing as Record<string, unknown>)) {
      if (!Object.hasOwn(params, key)) params[key] = value;
    }
  }
  if (Object.keys(params).length > 0) {
    replace([MEDIA_TYPE.params], { mediaType: MEDIA_TYPE.params, data: encoder.encode(goJson(params, { sortKeys: true })) });
  }

  if (request.messages && request.messages.length > 0) {
    const messages = request.messages.map(orderedMessage);
    replace([MEDIA_TYPE.messages], { mediaType: MEDIA_TYPE.messages, data: encoder.encode(goJson(messages)) });
  }
  return layers;
}

/** A template that does not parse is refused with Ollama's `template error: <Go's parse error>`. */
function checkTemplate(text: string): void {
  try {
    Template.parse(text, { funcs: "ollama", missingKey: "zero" });
  } catch (error) {
    if ((error as { kind?: string }).kind === "parse") {
      throw new CreateModelError(`template error: ${(error as Error).message}`, 400, { cause: error });
    }
    throw error;
  }
}

/** Known options must have the right type (a bad value would break every later request); unknown ones are kept. */
function checkParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (value === null || value === undefined) continue;
    if (isOptionName(key)) {
      try {
        checkOptionValue(key, value);
      } catch (error) {
        if (error instanceof OptionValueError) throw new CreateModelError(error.message);
        throw error;
      }
    }
    out[key] = value;
  }
  return out;
}

/** api.Message's field order; empty optional fields left out as Go's omitempty does. */
function orderedMessage(message: MessageInput): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role.toLowerCase(), content: message.content ?? "" };
  if (message.thinking) out.thinking = message.thinking;
  if (message.images?.length) out.images = message.images;
  if (message.tool_calls?.length) out.tool_calls = message.tool_calls;
  if (message.tool_name) out.tool_name = message.tool_name;
  if (message.tool_call_id) out.tool_call_id = message.tool_call_id;
  return out;
}

/** model.ConfigV2's field order, omitempty fields left out. */
function orderedConfig(config: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model_format: config.model_format,
    model_family: config.model_family,
    model_families: config.model_families,
    model_type: config.model_type,
    file_type: config.file_type,
  };
  for (const key of ["renderer", "parser", "requires", "remote_host", "remote_model"] as const) {
    if (config[key]) out[key] = config[key];
  }
  if (config.capabilities?.length) out.capabilities = config.capabilities;
  if (config.context_length) out.context_length = config.context_length;
  if (config.embedding_length) out.embedding_length = config.embedding_length;
  if (config.base_name) out.base_name = config.base_name;
  out.architecture = "amd64";
  out.os = "linux";
  return out;
}

/**
 * {@linkcode createModel} as an async iterable of its progress lines, for a streaming route: the lines arrive as
 * they happen, the last is `success`, and a failure is thrown from the iterator (after the lines before it).
 */
export async function* createModelProgress(
  store: Store,
  request: CreateRequest,
  options: Omit<CreateModelOptions, "onProgress"> = {},
): AsyncGenerator<CreateProgress> {
  const queue: CreateProgress[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const run = createModel(store, request, {
    ...options,
    onProgress: (event) => {
      queue.push(event);
      wake?.();
    },
  }).then(
    () => {
      finished = true;
      wake?.();
    },
    (error) => {
      failure = error;
      finished = true;
      wake?.();
    },
  );
  while (true) {
    if (queue.length > 0) {
      yield queue.shift()!;
      continue;
    }
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await run;
  if (failure !== undefined) throw failure;
}
