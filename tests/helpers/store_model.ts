/**
 * A small model in a fresh temp store, for registry tests: a "weights" layer (random bytes behind a GGUF magic, or
 * the bytes given, a real fixture GGUF for one), a template,
 * params and a config, with the manifest stored as indented JSON plus a newline (so a test can tell exact bytes
 * from re-serialised ones).
 *
 * ```ts
 * await using model = await makeStoreModel("127.0.0.1:5000/me/tiny:latest", { modelBytes: 100_000 });
 * model.dir; model.store; model.blobs (digest → bytes); model.raw (manifest bytes); model.manifest
 * ```
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelName } from "../../src/registry/mod.ts";
import { type Layer, type Manifest, Store } from "../../src/store/mod.ts";

export interface StoreModel extends AsyncDisposable {
  dir: string;
  store: Store;
  blobs: Map<string, Uint8Array>;
  raw: Uint8Array;
  manifest: Manifest;
}

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Writes the model's blobs and manifest into a new temp store; disposing removes the store. */
export async function makeStoreModel(
  name: string,
  options: { modelBytes?: number; weights?: Uint8Array; from?: string; dir?: string } = {},
): Promise<StoreModel> {
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), "tollama-model-"));
  const store = await Store.open(dir);
  const encode = (text: string) => new TextEncoder().encode(text);
  let weights = options.weights;
  if (!weights) {
    weights = new Uint8Array(options.modelBytes ?? 200_000);
    weights.set(randomBytes(weights.length));
    weights.set(encode("GGUF").subarray(0, weights.length), 0);
  }
  const blobs = new Map<string, Uint8Array>();
  const layer = (mediaType: string, bytes: Uint8Array, extra: Partial<Layer> = {}): Layer => {
    blobs.set(sha256Digest(bytes), bytes);
    return { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...extra };
  };
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: layer(
      "application/vnd.docker.container.image.v1+json",
      encode(JSON.stringify({ model_format: "gguf", model_family: "llama", architecture: "amd64", os: "linux" })),
    ),
    layers: [
      layer("application/vnd.ollama.image.model", weights, options.from ? { from: options.from } : {}),
      layer("application/vnd.ollama.image.template", encode("{{ .System }} {{ .Prompt }}")),
      layer("application/vnd.ollama.image.params", encode(JSON.stringify({ temperature: 0.5, stop: ["</s>"] }))),
    ],
  };
  for (const bytes of blobs.values()) await store.writeBlob(bytes);
  const raw = encode(JSON.stringify(manifest, null, 2) + "\n");
  await store.writeManifest(parseModelName(name), raw);
  return { dir, store, blobs, raw, manifest, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}
