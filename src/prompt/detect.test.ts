import { test } from "node:test";
import assert from "node:assert/strict";
import { boundedLevenshtein, detectTemplate } from "./detect.ts";
import { namedTemplate, namedTemplates } from "./templates/mod.ts";
import { oracleFile, oracleSkip } from "./_oracle.ts";

test("boundedLevenshtein() is exact below the limit and capped at it", () => {
  const d = (a: string, b: string, limit = 100) => boundedLevenshtein([...a], [...b], limit);
  assert.equal(d("kitten", "sitting"), 3);
  assert.equal(d("", "abc"), 3);
  assert.equal(d("abc", "abc"), 0);
  assert.equal(d("flaw", "lawn"), 2);
  assert.equal(d("a".repeat(50), "b".repeat(50), 10), 10);
  assert.equal(d("héllo", "hello"), 1);
});

test("detectTemplate() finds our own fingerprints and rejects unrelated text", () => {
  for (const t of namedTemplates) {
    for (const fingerprint of t.fingerprints) {
      const found = detectTemplate(fingerprint);
      assert.equal(found?.template.name, t.name);
      assert.equal(found?.distance, 0);
    }
  }
  assert.equal(detectTemplate("{{ messages | tojson }} something else entirely"), null);
});

test("namedTemplate() looks templates up by Ollama's names", () => {
  assert.equal(namedTemplate("llama3-instruct")?.name, "llama3-instruct");
  assert.equal(namedTemplate("nope"), undefined);
  assert.equal(new Set(namedTemplates.map((t) => t.name)).size, namedTemplates.length);
});

test("detectTemplate() names the Jinja templates of Ollama's detection cases", { skip: oracleSkip }, () => {
  const lines = oracleFile("testdata/templates.jsonl").split("\n").filter((l) => l.trim() !== "");
  const misses: string[] = [];
  for (const [i, line] of lines.entries()) {
    const [[expected, jinja]] = Object.entries(JSON.parse(line) as Record<string, string>);
    const found = detectTemplate(jinja);
    if (found?.template.name !== expected) misses.push(`line ${i + 1}: want ${expected}, got ${found?.template.name}`);
  }
  console.log(`ollama-templates detection: ${lines.length - misses.length}/${lines.length} detected`);
  // Lines 18 and 19 are ChatML variants we hold no fingerprint of: found by their special tokens.
  assert.deepEqual(misses, []);
});

test("detectTemplate() falls back to a format's special tokens when no fingerprint is close", () => {
  const custom = "{% set sys = 'You are a pirate. Answer in rhymes, always, whatever the question.' %}" +
    "{% for m in messages %}{% if loop.first and m.role != 'system' %}{{ '<|im_start|>system\\n' + sys + '<|im_end|>\\n' }}" +
    "{% endif %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}{# a long comment that moves it far away #}";
  const found = detectTemplate(custom);
  assert.equal(found?.template.name, "chatml");
  assert.equal(found?.distance, Infinity);
  assert.equal(detectTemplate("{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}"), null);
});
