/**
 * IBM Granite 3.x: `<|tool_call|>[{"name": …, "arguments": {…}}]`; Granite 3.2+ thinking writes
 * `<think>…</think><response>…</response>` (the response tags are dropped). Granite 4 uses Hermes tags.
 * @module
 */
import type { OutputSyntax } from "../types.ts";
import { readBareJson } from "./llama3.ts";

/** The Granite 3.x syntax. */
export const granite: OutputSyntax = {
  thinking: { open: ["<think>"], close: ["</think>"] },
  drop: ["<response>", "</response>"],
  tools: { open: ["<|tool_call|>"], parse: (text, final, tools, scan) => readBareJson(text, final, tools, "<|tool_call|>".length, scan) },
};
