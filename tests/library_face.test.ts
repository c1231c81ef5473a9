// The library face of mod.ts: what `import { … } from "./mod.ts"` gives a program, as its module doc shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatFormat, loadModel, pullModel, pushModel, serve, Template } from "../mod.ts";

test("mod.ts exports the library face: loadModel, pullModel, pushModel, serve, Template, chatFormat", () => {
  for (const f of [loadModel, pullModel, pushModel, serve, chatFormat]) assert.equal(typeof f, "function");
  assert.equal(typeof Template, "function");
});

test("chatFormat from mod.ts renders a Jinja chat and reads a reply's thinking and tool call back, in increments", () => {
  const jinja = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}" +
    "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}" +
    "{# <tool_call> </tool_call> tools #}";
  const fmt = chatFormat({ jinja });
  const prompt = fmt.render({ messages: [{ role: "user", content: "Weather in Oslo?" }], addGenerationPrompt: true });
  assert.equal(prompt, "<|im_start|>user\nWeather in Oslo?<|im_end|>\n<|im_start|>assistant\n<think>\n");
  const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];
  const parser = fmt.parser({ tools, think: true, prompt });
  const reply = 'It is a weather question.</think>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
  const parts = [...reply.match(/.{1,7}/gs)!].map((piece) => parser.add(piece));
  parts.push(parser.finish());
  assert.equal(parts.map((p) => p.thinking).join("").trim(), "It is a weather question.");
  assert.deepEqual(parts.flatMap((p) => p.toolCalls), [{ name: "get_weather", arguments: { city: "Oslo" } }]);
  assert.equal(parts.map((p) => p.content).join("").trim(), "");
});
