/**
 * How the store names a model: four path segments, `manifests/<host>/<namespace>/<model>/<tag>`. The grammar of
 * name strings lives in registry/name.ts; this file only guards the file system: a part is one segment made of
 * `[A-Za-z0-9_.:-]`, starting with a letter, digit or `_`, so it can never be `.`, `..`, empty, absolute, or hold a
 * separator, whatever the caller passes.
 * @module
 */
import { InvalidModelRefError } from "./errors.ts";

/** A model in the store. registry's `ModelName` is one (it carries a scheme the store ignores). */
export interface ModelRef {
  readonly host: string;
  readonly namespace: string;
  readonly model: string;
  readonly tag: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$/;

/** Whether every part of `ref` is a safe path segment. */
export function isSafeRef(ref: ModelRef): boolean {
  return [ref.host, ref.namespace, ref.model, ref.tag].every((part) => typeof part === "string" && SEGMENT.test(part));
}

/** The four segments of `ref`, after checking each one; throws `InvalidModelRefError` otherwise. */
export function refSegments(ref: ModelRef): [string, string, string, string] {
  if (!ref || !isSafeRef(ref)) throw new InvalidModelRefError(JSON.stringify(ref && [ref.host, ref.namespace, ref.model, ref.tag]));
  return [ref.host, ref.namespace, ref.model, ref.tag];
}

/** The shortest way to write `ref` (Ollama's DisplayShortest): `model:tag`, `ns/model:tag` or `host/ns/model:tag`. */
export function shortName(ref: ModelRef): string {
  let prefix = "";
  if (ref.host.toLowerCase() !== "registry.ollama.ai") prefix = `${ref.host}/${ref.namespace}/`;
  else if (ref.namespace.toLowerCase() !== "library") prefix = `${ref.namespace}/`;
  return `${prefix}${ref.model}:${ref.tag}`;
}

/** A plain `{ host, namespace, model, tag }` copy (drops extra fields such as a scheme). */
export function plainRef(ref: ModelRef): ModelRef {
  return { host: ref.host, namespace: ref.namespace, model: ref.model, tag: ref.tag };
}
