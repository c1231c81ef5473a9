/**
 * Field checks shared by generate, chat, embed and the OpenAI routes: keep_alive, think, format (→ grammar),
 * top_logprobs, and the model lookup with its capability checks.
 * @module
 */
import { parseKeepAlive } from "../config.ts";
import { ApiError, doesNotSupport, invalidFormat, invalidThink, topLogprobsRange } from "./errors.ts";
import { jsonGrammar, jsonSchemaToGbnf, SchemaConversionError } from "../chat_format/mod.ts";
import type { AppDeps } from "./deps.ts";

/** `keep_alive` in ms (Infinity = forever); absent → the server default. */
export function keepAliveMs(value: number | string | null | undefined, deps: AppDeps): number {
  if (value === null || value === undefined) return deps.keepAliveMs?.() ?? 5 * 60_000;
  const ms = parseKeepAlive(value);
  if (ms === undefined) throw new ApiError(400, `time: invalid duration "${value}"`);
  return ms;
}

/** `think` checked: a bool, one of the levels, or absent. */
export function checkThink(value: boolean | string | null | undefined): boolean | string | undefined {
  if (value === null || value === undefined || typeof value === "boolean") return value ?? undefined;
  if (["high", "medium", "low", "max"].includes(value)) return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalidThink(value);
}

/** The grammar for a `format` value: `"json"`, a JSON schema object, or nothing. */
export function formatGrammar(format: unknown): string | undefined {
  if (format === undefined || format === null || format === "") return undefined;
  if (format === "json") return jsonGrammar();
  if (typeof format === "object" && !Array.isArray(format)) {
    try {
      return jsonSchemaToGbnf(format as Record<string, unknown>);
    } catch (error) {
      if (error instanceof SchemaConversionError) throw invalidFormat(error.message);
      throw error;
    }
  }
  throw invalidFormat(JSON.stringify(format));
}

/** `top_logprobs` checked against Ollama's 0..20. */
export function checkTopLogprobs(value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0 || value > 20) throw topLogprobsRange();
  return Math.trunc(value);
}

/** True when the model can generate text (a model without the capability list is assumed to). */
export function canComplete(capabilities: string[]): boolean {
  return capabilities.length === 0 || capabilities.includes("completion");
}

/** 400 when thinking is asked of a model without the capability; the effective think value otherwise. */
export function effectiveThink(
  think: boolean | string | undefined,
  name: string,
  capabilities: string[],
): boolean | string | undefined {
  const canThink = capabilities.includes("thinking");
  if (think !== undefined && think !== false && !canThink) throw doesNotSupport(name, "thinking");
  if (think === undefined && canThink) return true;
  return think;
}
