import { test } from "node:test";
import assert from "node:assert/strict";
import { chatFormat } from "./chat_format.ts";
import { analyseTemplate } from "./template_analysis.ts";
import type { FormatChunk } from "./types.ts";

// Templates no family's marks name: their markers are made up, so only the renders can show them.
const JSON_CALLS = `{%- for m in messages -%}
<|{{ m.role }}|>
{%- if m.reasoning_content %}<ponder>{{ m.reasoning_content }}</ponder>{% endif -%}
{{ m.content }}
{%- if m.tool_calls %}{% for c in m.tool_calls %}<<call>>{{ {"name": c.function.name, "arguments": c.function.arguments} | tojson }}<</call>>{% endfor %}{% endif -%}
<|end|>
{%- endfor -%}
{%- if add_generation_prompt %}<|assistant|><ponder>{% endif -%}`;

const NAMED_ARGS = `{%- for m in messages -%}
### {{ m.role }}: {{ m.content }}
{%- if m.tool_calls %}{% for c in m.tool_calls %} @@invoke {{ c.function.name }} with {{ c.function.arguments | tojson }} @@done{% endfor %}{% endif %}
{% endfor -%}
{%- if add_generation_prompt %}### assistant:{% endif -%}`;

const tools = [{
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
}];

function feed(p: { add(t: string): FormatChunk; finish(): FormatChunk }, pieces: string[]): FormatChunk {
  const all: FormatChunk = { content: "", thinking: "", toolCalls: [] };
  for (const r of [...pieces.map((x) => p.add(x)), p.finish()]) {
    all.content += r.content;
    all.thinking += r.thinking;
    all.toolCalls.push(...r.toolCalls);
  }
  return all;
}

// The message read whole, and the same from every split into two pieces and from every character alone.
function parseEverySplit(jinja: string, output: string, prompt?: string): FormatChunk {
  const fmt = chatFormat({ jinja });
  const options = { tools, think: true, prompt };
  const whole = feed(fmt.parser(options), [output]);
  for (let i = 1; i < output.length; i++) {
    assert.deepStrictEqual(feed(fmt.parser(options), [output.slice(0, i), output.slice(i)]), whole, `split at ${i}`);
  }
  assert.deepStrictEqual(feed(fmt.parser(options), [...output]), whole, "char by char");
  return whole;
}

test("analyseTemplate() finds the generation prompt, thinking tags and call markers by rendering", () => {
  const a = analyseTemplate(JSON_CALLS);
  assert.equal(a.generationPrompt, "<|assistant|><ponder>");
  assert.deepStrictEqual(a.thinking, { open: ["<ponder>"], close: ["</ponder>"] });
  assert.deepStrictEqual(a.tools?.open, ["<<call>>"]);
  const b = analyseTemplate(NAMED_ARGS);
  assert.equal(b.generationPrompt, "### assistant:");
  assert.equal(b.thinking, undefined);
  assert.deepStrictEqual(b.tools?.open, ["@@invoke"]);
});

test("chatFormat() parses a template no family names from what its renders differ by", () => {
  assert.equal(chatFormat({ jinja: JSON_CALLS }).name, "analysed");
  // the generation prompt opened <ponder>: output starts inside it
  assert.deepStrictEqual(
    parseEverySplit(
      JSON_CALLS,
      'Paris is in France.</ponder>Let me look.<<call>>{"name": "get_weather", "arguments": {"city": "Paris"}}<</call>>',
      "<|user|>Weather?<|end|><|assistant|><ponder>",
    ),
    { content: "Let me look.", thinking: "Paris is in France.", toolCalls: [{ name: "get_weather", arguments: { city: "Paris" } }] },
  );
  assert.deepStrictEqual(
    parseEverySplit(NAMED_ARGS, 'Checking. @@invoke get_weather with {"city": "Zoé \\"é\\""} @@done'),
    { content: "Checking. ", thinking: "", toolCalls: [{ name: "get_weather", arguments: { city: 'Zoé "é"' } }] },
  );
  // an unknown name or broken arguments are given back as content
  const notACall = "Use @@invoke other_tool with {} @@done then.";
  assert.deepStrictEqual(parseEverySplit(NAMED_ARGS, notACall), { content: notACall, thinking: "", toolCalls: [] });
});

test("a prompt ending in a thinking opener the generation prompt does not write opens nothing (llama.cpp)", () => {
  // The template writes `<think>` after every turn whether or not a generation prompt is asked for.
  const jinja = `{% for m in messages %}{{ m.role }}: {{ m.content.split('</think>')[-1] }}\n{% endfor %}assistant: <think>`;
  assert.equal(analyseTemplate(jinja).generationPrompt, "");
  const prompt = chatFormat({ jinja }).render({ messages: [{ role: "user", content: "hi" }] });
  assert.ok(prompt.endsWith("<think>"));
  assert.deepStrictEqual(parseEverySplit(jinja, "Hello there.", prompt), { content: "Hello there.", thinking: "", toolCalls: [] });
  assert.deepStrictEqual(
    parseEverySplit(jinja, "<think>Greet.</think>Hello there.", prompt),
    { content: "Hello there.", thinking: "Greet.", toolCalls: [] },
  );
});

test("analyseTemplate() of a template that raises or writes nothing recognisable leaves the bare-JSON format", () => {
  const raising = `{{ raise_exception("no") }}`;
  assert.deepStrictEqual(analyseTemplate(raising), { generationPrompt: "", thinking: undefined, tools: undefined });
  assert.equal(chatFormat({ jinja: raising }).name, "generic");
  const plain = `{% for m in messages %}{{ m.content }}{% endfor %}`;
  assert.equal(chatFormat({ jinja: plain }).name, "generic");
});
