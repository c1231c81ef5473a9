/**
 * Cohere Command R7B / Command A: `<|START_THINKING|>…<|END_THINKING|>`, the answer between
 * `<|START_RESPONSE|>`/`<|START_TEXT|>` markers, calls as a JSON list in `<|START_ACTION|>…<|END_ACTION|>`
 * (`tool_name`, `parameters`, `tool_call_id`). Command R+ writes `Action: ```json [...] ```.
 * @module
 */
import type { OutputSyntax } from "../types.ts";
import { jsonBody } from "./hermes.ts";
import { taggedSyntax } from "./tagged.ts";

/** The Command-R syntax. */
export const commandR: OutputSyntax = {
  thinking: { open: ["<|START_THINKING|>"], close: ["<|END_THINKING|>"] },
  drop: ["<|START_RESPONSE|>", "<|END_RESPONSE|>", "<|START_TEXT|>", "<|END_TEXT|>"],
  tools: taggedSyntax(["<|START_ACTION|>"], "<|END_ACTION|>", jsonBody),
};

/** Command R+ (tool use template): `Action: ```json\n[…]\n````. */
export const commandRPlus: OutputSyntax = {
  tools: taggedSyntax(["Action: ```json", "Action:```json"], "```", jsonBody),
};
