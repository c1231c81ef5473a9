import { test } from "node:test";
import assert from "node:assert/strict";
import { chatFormat } from "./chat_format.ts";

const tools = [{
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
}];

test("chatFormat() renders with the Jinja template and parses its output", () => {
  const jinja = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}" +
    "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}{# <tool_call> </think> #}";
  const fmt = chatFormat({ jinja });
  assert.equal(fmt.name, "hermes");
  const prompt = fmt.render({ messages: [{ role: "user", content: "Hi" }] });
  assert.equal(prompt, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
  const p = fmt.parser({ tools, prompt, think: true });
  const a = p.add("Weather.</think>\n<tool_call>\n{\"name\": \"get_weather\", ");
  const b = p.add('"arguments": {"location": "Paris"}}\n</tool_call>');
  const c = p.finish();
  assert.deepStrictEqual(a, { content: "\n", thinking: "Weather.", toolCalls: [] });
  assert.deepStrictEqual(b.toolCalls, [{ name: "get_weather", arguments: { location: "Paris" } }]);
  assert.deepStrictEqual(c, { content: "", thinking: "", toolCalls: [] });
});

test("chatFormat() renders a Go template", () => {
  const fmt = chatFormat({ template: "{{ range .Messages }}[{{ .Role }}] {{ .Content }}\n{{ end }}" });
  assert.equal(fmt.render({ messages: [{ role: "user", content: "Hi" }] }), "[user] Hi\n");
});

test("chatFormat() throws the template's error", () => {
  const fmt = chatFormat({ jinja: "{{ raise_exception('no system role') }}" });
  assert.throws(() => fmt.render({ messages: [{ role: "system", content: "x" }] }), /no system role/);
  assert.throws(() => chatFormat({ parser: "harmony" }).render({ messages: [] }), /no template/);
});

test("chatFormat() parser leaves thinking tags in content when the request does not think", () => {
  const fmt = chatFormat({ jinja: "<|im_start|><tool_call><think></think>" });
  const p = fmt.parser({});
  const a = p.add("<think>x</think>Hi");
  const b = p.finish();
  assert.equal(a.content + b.content, "<think>x</think>Hi");
  // Harmony's channels split whatever the request says.
  const h = chatFormat({ parser: "harmony" }).parser({});
  const r = h.add("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>Hi");
  const f = h.finish();
  assert.deepStrictEqual([r.thinking + f.thinking, r.content + f.content], ["x", "Hi"]);
});

test("chatFormat() parser reads a forced bare JSON call when asked to", () => {
  const fmt = chatFormat({ parser: "qwen3-coder" });
  const call = '{"name": "get_weather", "arguments": {"location": "Paris"}}';
  const p = fmt.parser({ tools, bareJson: true });
  assert.deepStrictEqual([...p.add(call).toolCalls, ...p.finish().toolCalls], [
    { name: "get_weather", arguments: { location: "Paris" } },
  ]);
  const q = fmt.parser({ tools });
  assert.equal(q.add(call).content + q.finish().content, call);
});
