/**
 * A stored model read back from its manifest: the config blob, the GGUF path, and the text and JSON layers
 * (template, system, params, messages, licenses), as Ollama's GetModel reads them. Create builds on a base
 * model with it, show reports it, and the server resolves a model for generation with it.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Layer, Store, StoredManifest } from "../store/mod.ts";
import { linkedPath } from "./link.ts";
import type { MessageInput, ModelConfig } from "./types.ts";

/** Ollama's layer media types. */
export const MEDIA_TYPE = {
  model: "application/vnd.ollama.image.model",
  adapter: "application/vnd.ollama.image.adapter",
  projector: "application/vnd.ollama.image.projector",
  draft: "application/vnd.ollama.image.draft",
  template: "application/vnd.ollama.image.template",
  /** The template's media type before Ollama 0.1.?; still read as a template. */
  prompt: "application/vnd.ollama.image.prompt",
  system: "application/vnd.ollama.image.system",
  params: "application/vnd.ollama.image.params",
  messages: "application/vnd.ollama.image.messages",
  license: "application/vnd.ollama.image.license",
  config: "application/vnd.docker.container.image.v1+json",
} as const;

/** Everything a manifest says about a model, with its text and JSON layers read. */
export interface StoredModel {
  stored: StoredManifest;
  config: ModelConfig;
  /** Path of the GGUF model blob; undefined for a manifest without a model layer. */
  modelPath?: string;
  /** The model layer itself (its `from` is the parent model). */
  modelLayer?: Layer;
  /** Where the weights really are when the model blob links to a file outside the store (`create` with `link`). */
  linkPath?: string;
  adapterPaths: string[];
  projectorPaths: string[];
  draftPath?: string;
  /** The Go TEMPLATE layer's text, when the model has one. */
  template?: string;
  system?: string;
  /** The params layer, as stored (JSON map). */
  params?: Record<string, unknown>;
  messages: MessageInput[];
  licenses: string[];
}

/** An empty config, as Go decodes a model without a config blob. */
function emptyConfig(): ModelConfig {
  return { model_format: "", model_family: "", model_families: null, model_type: "", file_type: "", architecture: "", os: "" };
}

/**
 * Reads a stored model's config and layers. Blobs that are missing or not valid JSON throw (the model is broken,
 * and saying so beats answering with half of it).
 */
export async function readStoredModel(store: Store, stored: StoredManifest): Promise<StoredModel> {
  const model: StoredModel = { stored, config: emptyConfig(), adapterPaths: [], projectorPaths: [], messages: [], licenses: [] };
  const configDigest = stored.manifest.config?.digest;
  if (configDigest) model.config = { ...model.config, ...await readJsonBlob(store, configDigest) as ModelConfig };

  for (const layer of stored.manifest.layers) {
    const path = store.blobPath(layer.digest);
    switch (layer.mediaType) {
      case MEDIA_TYPE.model:
        model.modelPath = path;
        model.modelLayer = layer;
        model.linkPath = await linkedPath(store, layer.digest);
        break;
      case MEDIA_TYPE.adapter:
        model.adapterPaths.push(path);
        break;
      case MEDIA_TYPE.projector:
        model.projectorPaths.push(path);
        break;
      case MEDIA_TYPE.draft:
        model.draftPath = path;
        break;
      case MEDIA_TYPE.template:
      case MEDIA_TYPE.prompt:
        model.template = await readFile(path, "utf8");
        break;
      case MEDIA_TYPE.system:
        model.system = await readFile(path, "utf8");
        break;
      case MEDIA_TYPE.params:
        model.params = await readJsonBlob(store, layer.digest) as Record<string, unknown>;
        break;
      case MEDIA_TYPE.messages:
        model.messages = (await readJsonBlob(store, layer.digest) as MessageInput[] | null) ?? [];
        break;
      case MEDIA_TYPE.license:
        model.licenses.push(await readFile(path, "utf8"));
        break;
    }
  }
  return model;
}

/** A blob parsed as JSON; the error names the blob. */
export async function readJsonBlob(store: Store, digest: string): Promise<unknown> {
  const text = await readFile(store.blobPath(digest), "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`blob ${digest} is not valid JSON: ${(error as Error).message}`);
  }
}
