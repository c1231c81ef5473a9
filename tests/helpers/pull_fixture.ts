/**
 * Test models for pull tests: seeded pseudo-random blobs, a manifest naming them, and a seeded registry.
 * @module
 */
import { createHash } from "node:crypto";
import { type RegistryHandle, seedRegistry } from "./registry.ts";

/** Deterministic bytes (xorshift32), so a failure reproduces. */
export function seededBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 255;
    if (i + 1 < size) bytes[i + 1] = (x >>> 8) & 255;
    if (i + 2 < size) bytes[i + 2] = (x >>> 16) & 255;
    if (i + 3 < size) bytes[i + 3] = (x >>> 24) & 255;
  }
  return bytes;
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export interface TestModel {
  repo: string;
  tag: string;
  /** digest → bytes, layers then config. */
  blobs: Map<string, Uint8Array<ArrayBuffer>>;
  manifest: Uint8Array<ArrayBuffer>;
  /** Digest of the biggest layer. */
  weights: string;
}

/** A model with a `weightsSize`-byte weights layer, a template layer and a config. */
export function makeModel(repo: string, tag: string, weightsSize: number, seed = 1): TestModel {
  const weights = seededBytes(weightsSize, seed);
  const template = new TextEncoder().encode(`{{ .Prompt }} #${seed}`);
  const configBlob = new TextEncoder().encode(JSON.stringify({ model_format: "gguf", model_family: "test", seed }));
  const blobs = new Map<string, Uint8Array<ArrayBuffer>>([
    [sha256(weights), weights],
    [sha256(template), template],
    [sha256(configBlob), configBlob],
  ]);
  // Odd spacing on purpose: the store must keep the registry's bytes exactly, not a re-serialisation.
  const manifest = new TextEncoder().encode(`{"schemaVersion":2,  "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"${sha256(configBlob)}","size":${configBlob.length}},
 "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"${sha256(weights)}","size":${weights.length}},
  {"mediaType":"application/vnd.ollama.image.template","digest":"${sha256(template)}","size":${template.length}}]}`);
  return { repo, tag, blobs, manifest, weights: sha256(weights) };
}

export async function seedModel(registry: RegistryHandle, model: TestModel): Promise<void> {
  await seedRegistry(registry, model.repo, model.tag, model.blobs, model.manifest);
}
