import { test } from "node:test";
import assert from "node:assert/strict";
import { renderJinja } from "./jinja.ts";
import { PromptTemplateError } from "./errors.ts";
import { chatml } from "./templates/chatml.ts";

const [chatmlJinja] = chatml.fingerprints;

test("renderJinja() renders a Hugging Face chat template with a generation prompt", () => {
  const out = renderJinja(chatmlJinja, {
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
  });
  assert.equal(out, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
});

test("renderJinja() continues a final assistant message", () => {
  const out = renderJinja(chatmlJinja, {
    messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hel" }],
  });
  assert.equal(out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHel");
});

test("renderJinja() passes tools, tool calls, tokens and thinking", () => {
  const template = "{{ bos_token }}{% for t in tools %}[{{ t.function.name }}]{% endfor %}" +
    "{% for m in messages %}{{ m.role }}:{% if m.tool_calls %}{{ m.tool_calls[0].function.arguments | tojson }}" +
    "{% else %}{{ m.content }}{% endif %}{% if m.reasoning_content %}({{ m.reasoning_content }}){% endif %};{% endfor %}" +
    "{% if enable_thinking %}T{% endif %}{{ eos_token }}";
  const out = renderJinja(template, {
    bosToken: "<s>",
    eosToken: "</s>",
    think: true,
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", thinking: "hmm", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Oslo" } } }] },
      { role: "tool", content: "cold", tool_name: "get_weather" },
    ],
  });
  assert.equal(out, '<s>[get_weather]user:Weather?;assistant:{"city": "Oslo"}(hmm);tool:cold;T</s>');
});

test("renderJinja() turns template errors into PromptTemplateError", () => {
  assert.throws(() => renderJinja("{% for %}", { messages: [] }), PromptTemplateError);
  assert.throws(
    () => renderJinja("{{ raise_exception('no system role') }}", { messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof PromptTemplateError && /no system role/.test(e.message),
  );
});

test("renderJinja() gives Llama 3.x templates today's date_string", () => {
  assert.match(renderJinja("{{ date_string }}", { messages: [] }), /^\d{2} [A-Z][a-z]{2} \d{4}$/);
});
