import { test } from "node:test";
import assert from "node:assert/strict";
import { makeToolCallId } from "./tool_call_id.ts";

test("makeToolCallId() makes Ollama-shaped ids", () => {
  assert.match(makeToolCallId(), /^call_[a-z0-9]{8}$/);
});
