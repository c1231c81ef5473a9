/**
 * The data a Go chat template sees, shaped as Ollama passes it: Go field names (`.Role`,
 * `.ToolCalls`, `.Function.Arguments` …), tool-call arguments and tool parameter properties as
 * maps that range in key order, and tools / arguments that print as JSON (Ollama's `String()`
 * methods) and marshal with their JSON names under `json`.
 * @module
 */
import { GO_JSON, GO_STRING } from "../template/mod.ts";
import type { Message, Think, Tool, ToolProperty } from "./types.ts";

/** An object (Go struct or map) with Go's `String()` and `MarshalJSON()`: the JSON of `#json`. */
class Stringer {
  #json: () => unknown;
  #text: string | undefined;

  constructor(fields: Record<string, unknown>, json: () => unknown) {
    Object.assign(this, fields);
    this.#json = json;
  }

  [GO_STRING](): string {
    return this.#text ??= goJson(this.#json());
  }

  [GO_JSON](): string {
    return this.#text ??= goJson(this.#json());
  }
}

/** A value that prints and marshals as the JSON of what `json()` returns (computed when first needed). */
function stringer(fields: Record<string, unknown>, json: () => unknown): Record<string, unknown> {
  return new Stringer(fields, json) as unknown as Record<string, unknown>;
}

/** A list that prints and marshals as the JSON of what `json()` returns. */
function stringerList<T>(list: T[], json: () => unknown): T[] {
  let text: string | undefined;
  const marshal = () => text ??= goJson(json());
  Object.defineProperty(list, GO_STRING, { value: marshal });
  Object.defineProperty(list, GO_JSON, { value: marshal });
  return list;
}

/**
 * Go's `json.Marshal`: a `Map` is a struct (fields in order, `undefined` omitted), a plain object
 * is a Go map (keys sorted); `<`, `>`, `&` are escaped as Go does.
 */
export function goJson(value: unknown): string {
  return marshal(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function marshal(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(marshal).join(",")}]`;
  const entries = value instanceof Map
    ? [...value].filter(([, v]) => v !== undefined)
    : Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${marshal(v)}`).join(",")}}`;
}

const empty = (v: unknown) => v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const omitEmpty = (v: unknown) => (empty(v) ? undefined : v);

/** `PropertyType`: one type is a string, several a list (as it prints and marshals). */
function propertyType(t: string | string[] | undefined): string | string[] | undefined {
  return Array.isArray(t) && t.length === 1 ? t[0] : t;
}

/** `api.ToolProperty`'s JSON: fields in struct order, empty ones omitted. */
function propertyJson(p: ToolProperty): Map<string, unknown> {
  return new Map<string, unknown>([
    ["anyOf", p.anyOf?.length ? p.anyOf.map(propertyJson) : undefined],
    ["type", omitEmpty(propertyType(p.type))],
    ["items", p.items],
    ["description", omitEmpty(p.description)],
    ["enum", omitEmpty(p.enum)],
    // Nested properties are Ollama's ordered map: insertion order.
    ["properties", p.properties ? new Map(Object.entries(p.properties).map(([k, v]) => [k, propertyJson(v)])) : undefined],
    ["required", omitEmpty(p.required)],
  ]);
}

function propertiesJson(props: Record<string, ToolProperty>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props)) out[name] = propertyJson(p);
  return out;
}

/** `api.ToolProperty` with Go field names. */
function property(p: ToolProperty): Record<string, unknown> {
  return {
    AnyOf: (p.anyOf ?? []).map(property),
    Type: propertyType(p.type) ?? "",
    Items: p.items,
    Description: p.description ?? "",
    Enum: p.enum ?? [],
    Properties: p.properties ? properties(p.properties) : undefined,
    Required: p.required ?? [],
  };
}

/** Tool parameter properties: a Go map (ranges sorted) that prints as JSON. */
function properties(props: Record<string, ToolProperty> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props ?? {})) out[name] = property(p);
  return stringer(out, () => propertiesJson(props ?? {}));
}

/** `templateTool`'s JSON: description always there, `required`, `$defs`, `items` only when set. */
function toolJson(t: Tool): Map<string, unknown> {
  const p = t.function.parameters ?? {};
  return new Map<string, unknown>([
    ["type", t.type],
    ["items", t.items ?? undefined],
    [
      "function",
      new Map<string, unknown>([
        ["name", t.function.name],
        ["description", t.function.description ?? ""],
        [
          "parameters",
          new Map<string, unknown>([
            ["type", p.type ?? ""],
            ["$defs", p.$defs ?? undefined],
            ["items", p.items ?? undefined],
            ["required", omitEmpty(p.required)],
            ["properties", propertiesJson(p.properties ?? {})],
          ]),
        ],
      ]),
    ],
  ]);
}

/** One tool as Ollama's `templateTool`, printing as its JSON. */
function tool(t: Tool): Record<string, unknown> {
  const p = t.function.parameters ?? {};
  return stringer({
    Type: t.type,
    Items: t.items,
    Function: {
      Name: t.function.name,
      Description: t.function.description ?? "",
      Parameters: {
        Type: p.type ?? "",
        Defs: p.$defs,
        Items: p.items,
        Required: p.required ?? [],
        Properties: properties(p.properties),
      },
    },
  }, () => toolJson(t));
}

/** The request's tools as `.Tools`: a list that prints as a JSON array. */
export function goTools(tools: readonly Tool[] | undefined): unknown[] {
  const list = tools ?? [];
  return stringerList(list.map(tool), () => list.map(toolJson));
}

// Shared by every message without images or calls; templates never change their data.
const NONE: readonly unknown[] = Object.freeze([]);

/** One message as Ollama's `templateMessage`. */
export function goMessage(m: Message): Record<string, unknown> {
  return {
    Role: m.role,
    Content: m.content,
    Thinking: m.thinking ?? "",
    Images: m.images ?? NONE,
    ToolCalls: !m.tool_calls?.length ? NONE : m.tool_calls.map((c, i) => ({
      ID: c.id ?? "",
      Function: {
        Index: BigInt(c.function.index ?? i),
        Name: c.function.name,
        Arguments: stringer(c.function.arguments ?? {}, () => c.function.arguments ?? {}),
      },
    })),
    ToolName: m.tool_name ?? "",
    ToolCallID: m.tool_call_id ?? "",
  };
}

/** `.Think`, `.ThinkLevel` and `.IsThinkSet` from the request's `think`. */
export function goThink(think: Think | undefined): { Think: boolean; ThinkLevel: string; IsThinkSet: boolean } {
  return {
    Think: think !== undefined && think !== false,
    ThinkLevel: think === true ? "medium" : typeof think === "string" ? think : "",
    IsThinkSet: think !== undefined,
  };
}
