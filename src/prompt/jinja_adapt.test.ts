import { test } from "node:test";
import assert from "node:assert/strict";
import { adaptMessages, adaptPrompt, type TemplateCaps } from "./jinja_adapt.ts";

const caps: TemplateCaps = { objectArguments: true, systemRole: true, stringContent: true };
const call = (id: string, name: string) => ({ id, type: "function", function: { name, arguments: {} } });

test("adaptMessages() merges a system prompt where the template has no system role, and types content", () => {
  const messages = [{ role: "system", content: "S" }, { role: "user", content: "U" }];
  assert.deepEqual(adaptMessages("", messages, { ...caps, systemRole: false }), [{ role: "user", content: "S\nU" }]);
  assert.deepEqual(adaptMessages("", [{ role: "system", content: "S" }], { ...caps, systemRole: false }), []);
  assert.deepEqual(adaptMessages("", [{ role: "developer", content: "D" }], { ...caps, stringContent: false }), [
    { role: "system", content: [{ type: "text", text: "D" }] },
  ]);
  assert.deepEqual(adaptMessages("<|channel|>", [{ role: "developer", content: "D" }], caps), [{ role: "developer", content: "D" }]);
});

test("adaptMessages() applies the per-family rewrites", () => {
  const ministral = "[SYSTEM_PROMPT][TOOL_CALLS][ARGS]";
  assert.deepEqual(adaptMessages(ministral, [{ role: "assistant", content: "A", reasoning_content: "R" }], caps), [
    { role: "assistant", content: [{ type: "thinking", thinking: "R" }, { type: "text", text: "A" }] },
  ]);
  const gptOss = "<|channel|>";
  assert.deepEqual(
    adaptMessages(gptOss, [{ role: "assistant", content: "", reasoning_content: "R", tool_calls: [call("a", "f")] }], caps),
    [{ role: "assistant", reasoning_content: "R", thinking: "R", tool_calls: [call("a", "f")] }],
  );
  const gemma4 = "{{ '<|tool_call>call:' }}";
  assert.deepEqual(
    adaptMessages(gemma4, [
      { role: "assistant", content: "", tool_calls: [call("a", "f")] },
      { role: "tool", tool_call_id: "a", content: '{"t": 1}' },
      { role: "assistant", content: "Done" },
    ], caps),
    [{ role: "assistant", tool_calls: [call("a", "f")], tool_responses: [{ name: "f", response: { t: 1 } }], content: "Done" }],
  );
  const deepseekV4 = "dsml_token DSML tool_calls";
  const sorted = adaptMessages(deepseekV4, [
    { role: "assistant", content: "", tool_calls: [call("a", "f"), call("b", "g")] },
    { role: "tool", tool_call_id: "b", content: "B" },
    { role: "tool", tool_call_id: "a", content: "A" },
  ], caps);
  assert.deepEqual(sorted.slice(1).map((m) => m.content), ["A", "B"]);
});

test("adaptPrompt() opens Gemma 4's model turn and ends a continued GPT-OSS prompt with <|end|>", () => {
  assert.equal(adaptPrompt("'<|tool_call>call:'", "x<turn|>\n", true), "x<turn|>\n<|turn>model\n");
  assert.equal(adaptPrompt("<|channel|>", "a<|return|>", false), "a<|end|>");
  assert.equal(adaptPrompt("<|channel|>", "a<|return|>", true), "a<|return|>");
});
