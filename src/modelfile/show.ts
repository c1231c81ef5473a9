/**
 * What `/api/show` answers for a stored model (Ollama's GetModelInfo): license, a Modelfile that recreates it,
 * parameters as `%-30s %#v` lines, template, system, details, messages, `model_info` from the GGUF header,
 * tensors (verbose), capabilities and the manifest's mtime; and the `details` of /api/tags.
 * @module
 */
import { fileTypeName, type GgufFile, parameterCount, readGguf } from "../gguf/mod.ts";
import { parseModelName } from "../registry/mod.ts";
import { type ModelRef, shortName, type Store, type StoredManifest } from "../store/mod.ts";
import { goFloat, goSharpValue, goValue } from "./_go_format.ts";
import { readModelHeader } from "./model_header.ts";
import { projectorView, visionFamilyOf } from "../compat/mod.ts";
import { modelCapabilities } from "./capabilities.ts";
import { formatModelfile } from "./format.ts";
import { checkLink } from "./link.ts";
import { shortestFloat32 } from "./options.ts";
import type { Command } from "./parse.ts";
import { readStoredModel, type StoredModel } from "./stored_model.ts";
import type { ModelDetails, ShowResponse, TensorSummary } from "./types.ts";

/** A template that only passes the prompt through: what a model without any template uses (Ollama's default). */
export const DEFAULT_TEMPLATE = "{{ .Prompt }}";

export interface ShowOptions {
  /** Full arrays in `model_info` (a whole vocabulary) and the tensor list. */
  verbose?: boolean;
  /** Shown instead of the model's own system prompt (Ollama's ShowRequest.system). */
  system?: string;
  /** Options shown in the Modelfile on top of the model's parameters (ShowRequest.options). */
  options?: Record<string, unknown>;
}

/** Arrays longer than this are shown empty unless `verbose` (Ollama's docs: they populate with verbose). */
const SHOWN_ARRAY_LIMIT = 5;

/**
 * The `/api/show` answer for a stored model: `ModelNotFoundError` (`model 'x' not found`) when absent,
 * `InvalidModelNameError` for a name that does not parse.
 */
export async function showModel(store: Store, name: ModelRef | string, options: ShowOptions = {}): Promise<ShowResponse> {
  const stored = await store.readManifest(typeof name === "string" ? parseModelName(name) : name);
  const model = await readStoredModel(store, stored);
  // A linked model whose file was moved or changed is an error here, not a header of other bytes.
  const link = model.modelLayer ? await checkLink(store, model.modelLayer.digest) : undefined;
  // a published-Ollama blob is shown as libllama loads it: llama.cpp's keys and tensors
  const gguf = model.modelPath
    ? await readModelHeader(model.modelPath, options.verbose ? {} : { maxArrayElements: SHOWN_ARRAY_LIMIT })
    : undefined;
  const system = options.system || model.system || "";
  const params = model.params ?? {};
  const embeddedVision = model.modelPath ? (await visionFamilyOf(model.modelPath)) !== undefined : false;

  const response: ShowResponse = {
    details: modelDetails(model, gguf),
    model_info: gguf ? modelInfo(gguf) : {},
    modified_at: stored.modified.toISOString(),
  };
  const license = model.licenses.join("\n");
  if (license) response.license = license;
  response.modelfile = showModelfile(model, { system, params: { ...params, ...options.options } });
  const parameters = parameterLines(params);
  if (parameters) response.parameters = parameters;
  response.template = model.template ?? chatTemplate(gguf) ?? DEFAULT_TEMPLATE;
  if (system) response.system = system;
  if (model.config.renderer) response.renderer = model.config.renderer;
  if (model.config.parser) response.parser = model.config.parser;
  if (model.messages.length > 0) {
    response.messages = model.messages.map((m) => ({ role: m.role, content: m.content ?? "" }));
  }
  if (options.verbose && gguf) response.tensors = tensors(gguf);
  if (model.projectorPaths.length > 0) {
    const projector = await readGguf(model.projectorPaths[0], options.verbose ? {} : { maxArrayElements: SHOWN_ARRAY_LIMIT });
    response.projector_info = modelInfo(projector);
  } else if (embeddedVision) {
    // the projector libmtmd will be given is the translation of the model file's own vision part (a malformed one
    // shows none: its load names the problem)
    const projector = await projectorView(model.modelPath!).catch(() => undefined);
    if (projector) response.projector_info = modelInfo(projector);
  }
  const capabilities = storedModelCapabilities(model, gguf, embeddedVision);
  if (capabilities.length > 0) response.capabilities = capabilities;
  if (model.config.requires) response.requires = model.config.requires;
  if (link) response.link = link;
  return reorder(response);
}

/** `details` and `capabilities` of a stored model, for /api/tags (with context and embedding lengths). */
export async function listDetails(
  store: Store,
  stored: StoredManifest,
): Promise<{ details: ModelDetails; capabilities: string[] }> {
  const model = await readStoredModel(store, stored);
  const gguf = model.modelPath ? await readModelHeader(model.modelPath, { maxArrayElements: 0 }).catch(() => undefined) : undefined;
  const details = modelDetails(model, gguf);
  if (gguf) {
    const arch = String(gguf.metadata["general.architecture"] ?? "");
    const contextLength = Number(gguf.metadata[`${arch}.context_length`] ?? 0);
    const embeddingLength = Number(gguf.metadata[`${arch}.embedding_length`] ?? 0);
    if (!details.context_length && contextLength) details.context_length = contextLength;
    if (!details.embedding_length && embeddingLength) details.embedding_length = embeddingLength;
  }
  const embeddedVision = model.modelPath ? (await visionFamilyOf(model.modelPath)) !== undefined : false;
  return { details, capabilities: storedModelCapabilities(model, gguf, embeddedVision) };
}

/** `details` as Ollama builds it from the config blob, with the GGUF's file type when the config has none. */
export function modelDetails(model: StoredModel, gguf?: GgufFile): ModelDetails {
  const config = model.config;
  const details: ModelDetails = {
    parent_model: model.modelLayer?.from ?? "",
    format: config.model_format ?? "",
    family: config.model_family ?? "",
    families: config.model_families ?? null,
    parameter_size: config.model_type ?? "",
    quantization_level: config.file_type ?? "",
  };
  if ((!details.quantization_level || details.quantization_level === "unknown") && gguf) {
    const fileType = fileTypeName(gguf.metadata["general.file_type"] as number | undefined);
    if (fileType !== "unknown") details.quantization_level = fileType;
  }
  if (config.context_length) details.context_length = config.context_length;
  if (config.embedding_length) details.embedding_length = config.embedding_length;
  return details;
}

/** Capabilities of a read model (see capabilities.ts). */
export function storedModelCapabilities(model: StoredModel, gguf?: GgufFile, embeddedVision?: boolean): string[] {
  return modelCapabilities({
    configCapabilities: model.config.capabilities,
    gguf,
    embeddedVision,
    template: model.template,
    hasProjector: model.projectorPaths.length > 0,
    family: model.config.model_family,
    renderer: model.config.renderer,
    parser: model.config.parser,
  });
}

/**
 * The Modelfile of a stored model, as `ollama show --modelfile` prints it. Unlike Ollama, a model without a TEMPLATE
 * layer gets no TEMPLATE line (Ollama writes `{{ .Prompt }}`, which would replace the GGUF's chat template on
 * re-create), and integer parameters stay integers (Ollama writes 1048576 as `1.048576e+06`, which then fails to parse).
 */
export function showModelfile(model: StoredModel, options: { system?: string; params?: Record<string, unknown> } = {}): string {
  const commands: Command[] = [];
  if (model.modelPath) commands.push({ name: "model", args: model.linkPath ?? model.modelPath });
  for (const adapter of model.adapterPaths) commands.push({ name: "adapter", args: adapter });
  if (model.draftPath) commands.push({ name: "draft", args: model.draftPath });
  for (const projector of model.projectorPaths) commands.push({ name: "model", args: projector });
  if (model.template !== undefined) commands.push({ name: "template", args: model.template });
  const system = options.system ?? model.system;
  if (system) commands.push({ name: "system", args: system });
  if (model.config.renderer) commands.push({ name: "renderer", args: model.config.renderer });
  if (model.config.parser) commands.push({ name: "parser", args: model.config.parser });
  for (const [key, value] of Object.entries(options.params ?? model.params ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) commands.push({ name: key, args: parameterText(item) });
  }
  for (const license of model.licenses) commands.push({ name: "license", args: license });
  for (const message of model.messages) commands.push({ name: "message", args: `${message.role}: ${message.content ?? ""}` });

  const name = shortName(model.stored.name);
  return `# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM ${name}\n\n` +
    formatModelfile({ commands });
}

/** Ollama's `parameters` text: one `%-30s %#v` line per value, a line per element of a list. */
export function parameterLines(params: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${key.padEnd(30)} ${goSharpValue(item)}`);
  }
  return lines.join("\n");
}

function parameterText(value: unknown): string {
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) < 1e21) {
    return BigInt(value).toString();
  }
  return typeof value === "number" ? goFloat(value) : goValue(value);
}

/**
 * The GGUF metadata as `model_info`: without `general.name` and `tokenizer.chat_template`, with
 * `general.parameter_count` set to the tensors' total (as Ollama's decoder does), float32 values written with their
 * shortest digits (`1e-05`, not `9.999999747378752e-06`), and skipped long arrays shown as `[]`.
 */
export function modelInfo(gguf: GgufFile): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  const source: Record<string, unknown> = { ...gguf.metadata, "general.parameter_count": parameterCount(gguf) };
  for (const key of Object.keys(source).sort()) {
    if (key === "general.name" || key === "tokenizer.chat_template") continue;
    info[key] = jsonValue(source[key], gguf.metadataTypes[key] ?? "");
  }
  return info;
}

function jsonValue(value: unknown, type: string): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" && type === "float32") return shortestFloat32(value);
  if (Array.isArray(value)) {
    const element = type.startsWith("array<") ? type.slice(6, -1) : "";
    return value.map((item) => jsonValue(item, element));
  }
  return value;
}

function tensors(gguf: GgufFile): TensorSummary[] {
  return gguf.tensors.map((tensor) => ({ name: tensor.name, type: tensor.typeName, shape: [...tensor.shape] }));
}

function chatTemplate(gguf?: GgufFile): string | undefined {
  const value = gguf?.metadata["tokenizer.chat_template"];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Ollama's field order (api.ShowResponse), so the JSON reads the same. */
function reorder(response: ShowResponse): ShowResponse {
  const order: Array<keyof ShowResponse> = [
    "license", "modelfile", "parameters", "template", "system", "renderer", "parser", "details", "messages",
    "model_info", "projector_info", "tensors", "capabilities", "modified_at", "requires", "link",
  ];
  const out: Record<string, unknown> = {};
  for (const key of order) if (response[key] !== undefined) out[key] = response[key];
  return out as unknown as ShowResponse;
}
