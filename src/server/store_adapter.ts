/**
 * The `ServerStore` the routes use, over the real on-disk `Store`: listing with details from the config blob,
 * resolving a name to its layers (model blob, template, system, params, messages, adapters, projectors),
 * copy/delete with Ollama's names and messages, blob upload, and the pull/push/create/show functions of
 * registry/ and modelfile/ passed in by the caller (so this file does not wait on them).
 * @module
 */
import { readFile } from "node:fs/promises";
import { checkLink } from "../modelfile/mod.ts";
import { parseModelName } from "../registry/mod.ts";
import { type ModelRef, shortName, type Store, type StoredManifest } from "../store/mod.ts";
import type { ResolvedModel, ServerStore } from "./deps.ts";
import type { CreateRequest, ListModel, Message, ModelDetails, ProgressResponse } from "./schemas.ts";
import { ApiError, copySourceNotFound, invalidModelName, modelNotFound } from "./errors.ts";
import { rfc3339 } from "./time.ts";

const MEDIA = "application/vnd.ollama.image.";

export interface StoreAdapterOptions {
  pull?: (name: string, options: { insecure: boolean; signal: AbortSignal }) => AsyncIterable<ProgressResponse>;
  push?: (name: string, options: { insecure: boolean; signal: AbortSignal }) => AsyncIterable<ProgressResponse>;
  create?: (request: CreateRequest & { model: string }, signal: AbortSignal) => AsyncIterable<ProgressResponse>;
  show?: (name: string, options: { verbose: boolean }) => Promise<Record<string, unknown>>;
  /** `details` and `capabilities` from the GGUF and config (modelfile/'s listDetails); default: the config blob only. */
  describe?: (stored: StoredManifest) => Promise<{ details: ModelDetails; capabilities: string[] }>;
}

function parseName(name: string): ModelRef {
  try {
    return parseModelName(name);
  } catch {
    throw invalidModelName();
  }
}

interface ConfigBlob {
  model_format?: string;
  model_family?: string;
  model_families?: string[] | null;
  model_type?: string;
  file_type?: string;
  capabilities?: string[];
  context_length?: number;
  embedding_length?: number;
  renderer?: string;
  parser?: string;
}

/** Capabilities read from a Go template's fields (Ollama: `.Tools` → tools, `.Suffix` → insert, `.Thinking` → thinking). */
export function templateCapabilities(template: string | undefined): string[] {
  const caps = ["completion"];
  if (!template) return caps;
  if (/\.Tools\b/.test(template)) caps.push("tools");
  if (/\.Suffix\b/.test(template)) caps.push("insert");
  if (/\.Thinking\b|\.Think\b/.test(template)) caps.push("thinking");
  return caps;
}

/** A ServerStore over `store`. */
export function storeAdapter(store: Store, options: StoreAdapterOptions = {}): ServerStore {
  // A blob gone after its manifest was read means the model was deleted meanwhile (the manifest goes first): for the
  // request that read it, the model is simply not there.
  const readText = (digest: string, name = "") =>
    readFile(store.blobPath(digest), "utf8").catch((error) => {
      throw (error as { code?: string }).code === "ENOENT" && name ? modelNotFound(name) : error;
    });
  const config = async (stored: StoredManifest): Promise<ConfigBlob> => {
    try {
      return JSON.parse(await readText(stored.manifest.config.digest));
    } catch {
      return {};
    }
  };
  const details = (cfg: ConfigBlob): ModelDetails => {
    const out: ModelDetails = {
      parent_model: "",
      format: cfg.model_format ?? "gguf",
      family: cfg.model_family ?? "",
      families: cfg.model_families ?? (cfg.model_family ? [cfg.model_family] : null),
      parameter_size: cfg.model_type ?? "",
      quantization_level: cfg.file_type ?? "",
    };
    if (cfg.context_length) out.context_length = cfg.context_length;
    if (cfg.embedding_length) out.embedding_length = cfg.embedding_length;
    return out;
  };
  const unsupported = (what: string) => () => {
    throw new ApiError(501, `${what} is not available in this build`);
  };

  return {
    async list(): Promise<ListModel[]> {
      const all = await store.list();
      const models = await Promise.all(all.map(async (stored) => {
        const cfg = await config(stored);
        const described = options.describe ? await options.describe(stored).catch(() => undefined) : undefined;
        const capabilities = described?.capabilities ?? cfg.capabilities;
        const name = shortName(stored.name);
        return {
          name,
          model: name,
          modified_at: rfc3339(stored.modified.getTime()),
          size: stored.size,
          digest: stored.digest,
          details: described?.details ?? details(cfg),
          ...(capabilities?.length ? { capabilities } : {}),
          _modified: stored.modified.getTime(),
        };
      }));
      return models.sort((a, b) => b._modified - a._modified).map(({ _modified: _, ...m }) => m);
    },

    async resolve(name: string): Promise<ResolvedModel> {
      const ref = parseName(name);
      const stored = await store.findManifest(ref);
      if (!stored) throw modelNotFound(name);
      const cfg = await config(stored);
      const model: ResolvedModel = {
        name: shortName(stored.name),
        fullName: `${stored.name.host}/${stored.name.namespace}/${stored.name.model}:${stored.name.tag}`,
        digest: stored.digest,
        modelPath: "",
        params: {},
        messages: [],
        adapters: [],
        projectors: [],
        capabilities: [],
        details: details(cfg),
        ...(cfg.renderer ? { renderer: cfg.renderer } : {}),
        ...(cfg.parser ? { parser: cfg.parser } : {}),
      };
      for (const layer of stored.manifest.layers) {
        const kind = layer.mediaType.startsWith(MEDIA) ? layer.mediaType.slice(MEDIA.length) : "";
        if (kind === "model") {
          // A model linked to an outside file (create with link) must still find the bytes it was hashed from.
          await checkLink(store, layer.digest);
          model.modelPath = store.blobPath(layer.digest);
        }
        else if (kind === "adapter") model.adapters.push(store.blobPath(layer.digest));
        else if (kind === "projector") model.projectors.push(store.blobPath(layer.digest));
        else if (kind === "template" || kind === "prompt") model.template = await readText(layer.digest, name);
        else if (kind === "system") model.system = await readText(layer.digest, name);
        else if (kind === "params") model.params = JSON.parse(await readText(layer.digest, name));
        else if (kind === "messages") model.messages = JSON.parse(await readText(layer.digest, name)) as Message[];
      }
      if (!model.modelPath) throw new ApiError(500, `model '${name}' has no weights layer`);
      model.capabilities = cfg.capabilities ?? templateCapabilities(model.template);
      if (options.describe) {
        const described = await options.describe(stored);
        model.capabilities = described.capabilities;
        model.details = described.details;
      }
      return model;
    },

    async show(name: string, opts: { verbose: boolean }) {
      if (options.show) {
        try {
          return await options.show(name, opts);
        } catch (error) {
          // Ollama names the model as the request spelled it.
          if ((error as Error).name === "ModelNotFoundError") throw modelNotFound(name);
          if ((error as { code?: string }).code === "ENOENT") throw modelNotFound(name); // deleted while read
          throw error;
        }
      }
      const model = await this.resolve(name);
      const stored = (await store.findManifest(parseName(name)))!;
      const out: Record<string, unknown> = {
        modelfile: `# Modelfile generated by "ollama show"\nFROM ${model.modelPath}\n`,
        details: model.details,
        model_info: {},
        capabilities: model.capabilities,
        modified_at: rfc3339(stored.modified.getTime()),
      };
      if (model.template) out.template = model.template;
      if (model.system) out.system = model.system;
      if (Object.keys(model.params).length) {
        out.parameters = Object.entries(model.params).flatMap(([k, v]) =>
          (Array.isArray(v) ? v : [v]).map((x) => `${k.padEnd(30)} ${JSON.stringify(x)}`)
        ).join("\n");
      }
      return out;
    },

    // The store checks existence under the name's lock: a model deleted by a request running at the same time is
    // a 404 here, with the message Ollama gives for the route.
    async copy(source: string, destination: string) {
      const to = parseName(destination);
      await store.copy(parseName(source), to).catch((error) => {
        throw error instanceof Error && error.name === "ModelNotFoundError" ? copySourceNotFound(source) : error;
      });
    },

    async delete(name: string) {
      await store.delete(parseName(name)).catch((error) => {
        throw error instanceof Error && error.name === "ModelNotFoundError" ? modelNotFound(name) : error;
      });
    },

    hasBlob: (digest) => store.hasBlob(digest),

    async writeBlob(digest, body) {
      const written = await store.writeBlob(body, { digest });
      return written.created;
    },

    pull: options.pull ?? unsupported("pull"),
    push: options.push ?? unsupported("push"),
    create: options.create ?? unsupported("create"),
  };
}
