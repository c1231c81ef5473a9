/**
 * Gemma 4's tool declarations (Ollama's gemma4 renderer, as the HF template writes them): a
 * declaration per tool with `<|"|>`-quoted strings, upper-case type names, properties in sorted
 * order, enums for strings, item specs for arrays, nested properties for objects; and the value
 * syntax its calls and results use.
 * @module
 */
import { goValue } from "./go_values.ts";
import type { Tool } from "./types.ts";
import type { ToolProperty } from "../../prompt/mod.ts";

/** Gemma 4's string delimiter. */
export const Q = '<|"|>';

type Schema = Record<string, unknown>;

const isMap = (v: unknown): v is Schema => v !== null && typeof v === "object" && !Array.isArray(v);
const typeList = (t: ToolProperty["type"]): string[] => t === undefined ? [] : Array.isArray(t) ? t : [t];
const STANDARD = new Set(["description", "type", "properties", "required", "nullable"]);

function typeNames(v: unknown): string[] {
  if (typeof v === "string") return [v.toUpperCase()];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string").map((x) => x.toUpperCase());
  return [];
}

const stringList = (v: unknown): string[] => Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** A value as Gemma 4 writes call arguments: strings quoted, integers bare, maps with sorted keys. */
export function gemma4Value(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return Q + v + Q;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v).toString() : goValue(v);
  if (Array.isArray(v)) return `[${v.map(gemma4Value).join(",")}]`;
  const o = v as Schema;
  return `{${Object.keys(o).sort().map((k) => `${k}:${gemma4Value(o[k])}`).join(",")}}`;
}

// A schema value inside an item spec: as an argument, but map keys are quoted too.
function schemaValue(v: unknown): string {
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${Q}${k}${Q}:${schemaValue(v[k])}`).join(",")}}`;
  if (Array.isArray(v)) return `[${v.map(schemaValue).join(",")}]`;
  return gemma4Value(v);
}

// Unions of bare `{type}` branches lower to one type list (Gemma has no anyOf).
function simpleAnyOf(p: ToolProperty): string[] | undefined {
  if (!p.anyOf?.length) return undefined;
  const out: string[] = [];
  for (const b of p.anyOf) {
    const bare = !b.anyOf?.length && typeList(b.type).length > 0 && (b.items === undefined || b.items === null) && !b.description &&
      !b.enum?.length && !b.properties && !b.required?.length;
    if (!bare) return undefined;
    for (const t of typeList(b.type)) if (!out.includes(t)) out.push(t);
  }
  return out.length > 0 ? out : undefined;
}

// The template stringifies a multi-type union as a Python list of upper-case names.
const typedValue = (types: string[]) => types.length === 1 ? types[0] : `[${types.map((t) => `'${t.toUpperCase()}'`).join(", ")}]`;

function typedSchema(p: ToolProperty): Schema {
  const out: Schema = {};
  const types = typeList(p.type);
  const union = types.length > 0 ? types : simpleAnyOf(p);
  if (union) out.type = typedValue(union);
  if (p.description) out.description = p.description;
  if (p.enum?.length) out.enum = p.enum;
  if (p.items !== undefined && p.items !== null) out.items = p.items;
  if (p.properties) out.properties = typedProperties(p.properties);
  if (p.required?.length) out.required = p.required;
  return out;
}

function typedProperties(props: Record<string, ToolProperty>): Schema {
  return Object.fromEntries(Object.entries(props).map(([k, p]) => [k, typedSchema(p)]));
}

function itemsSpec(items: Schema): string {
  const parts: string[] = [];
  for (const key of Object.keys(items).sort()) {
    const value = items[key];
    if (value === null || value === undefined) continue;
    if (key === "properties") parts.push(`properties:{${isMap(value) ? properties(value) : ""}}`);
    else if (key === "required") parts.push(`required:[${stringList(value).map((r) => Q + r + Q).join(",")}]`);
    else if (key === "type") {
      const names = typeNames(value);
      if (names.length === 1) parts.push(`type:${Q}${names[0]}${Q}`);
      else if (names.length > 1) parts.push(`type:[${names.map((n) => Q + n + Q).join(",")}]`);
      else parts.push("");
    } else parts.push(`${key}:${schemaValue(value)}`);
  }
  return parts.join(",");
}

function properties(props: Schema): string {
  const out: string[] = [];
  for (const name of Object.keys(props).sort()) {
    const prop = props[name];
    if (STANDARD.has(name) || !isMap(prop)) continue;
    const parts: string[] = [];
    if (typeof prop.description === "string" && prop.description) parts.push(`description:${Q}${prop.description}${Q}`);
    const names = typeNames(prop.type);
    const first = names[0] ?? "";
    if (first === "STRING" && Array.isArray(prop.enum) && prop.enum.length > 0) {
      parts.push(`enum:[${prop.enum.map((e) => Q + goValue(e) + Q).join(",")}]`);
    } else if (first === "ARRAY" && isMap(prop.items) && Object.keys(prop.items).length > 0) {
      parts.push(`items:{${itemsSpec(prop.items)}}`);
    }
    if (prop.nullable === true) parts.push("nullable:true");
    if (first === "OBJECT") {
      parts.push(`properties:{${properties(isMap(prop.properties) ? prop.properties : prop)}}`);
      const required = stringList(prop.required);
      if (required.length > 0) parts.push(`required:[${required.map((r) => Q + r + Q).join(",")}]`);
    }
    if (names.length === 1) parts.push(`type:${Q}${names[0]}${Q}`);
    else if (names.length > 1) parts.push(`type:[${names.map((n) => Q + n + Q).join(",")}]`);
    out.push(`${name}:{${parts.join(",")}}`);
  }
  return out.join(",");
}

/** One tool's `<|tool>declaration:…<tool|>`. */
export function gemma4Declaration(tool: Tool): string {
  const fn = tool.function;
  const p = fn.parameters ?? {};
  let out = `<|tool>declaration:${fn.name}{description:${Q}${fn.description ?? ""}${Q}`;
  if (p.properties || p.type) {
    const parts: string[] = [];
    if (p.properties && Object.keys(p.properties).length > 0) parts.push(`properties:{${properties(typedProperties(p.properties))}}`);
    if (p.required?.length) parts.push(`required:[${p.required.map((r) => Q + r + Q).join(",")}]`);
    if (p.type) parts.push(`type:${Q}${p.type.toUpperCase()}${Q}`);
    out += `,parameters:{${parts.join(",")}}`;
  }
  return out + "}<tool|>";
}
