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
  const p = fmt.parser({ tools, prompt });
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
