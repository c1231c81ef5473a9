// Renders every render case of the shared chat-format corpus (prompts made by llama.cpp's own
// common_chat_templates_apply at the commit of our libraries) through renderJinja and compares the
// prompt byte for byte. Where llama.cpp raises, renderJinja must raise too. The corpus is
// OpenAI-shaped (arguments as JSON strings, `reasoning_content`, tool results with `name`); it is
// turned into Ollama's wire shape first, keeping argument strings as llama-server receives them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type JinjaMessage, renderJinja } from "../src/prompt/mod.ts";

const dir = fileURLToPath(new URL("../../shared/conformance/chatfmt/", import.meta.url));
const present = existsSync(dir + "cases.jsonl");

// The floor: raise it when more cases pass, never lower it.
const FLOOR = 399;

interface OpenAIMessage {
  role: string;
  content: string;
  reasoning_content?: string;
  name?: string;
  tool_call_id?: string;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}

interface RenderCase {
  id: string;
  kind: string;
  template: string;
  messages: OpenAIMessage[];
  tools?: JinjaOptionsTools;
  add_generation_prompt: boolean;
  enable_thinking: boolean;
  expect: { ok: boolean; prompt?: string; error?: string };
}
type JinjaOptionsTools = Parameters<typeof renderJinja>[1]["tools"];

interface TemplateInfo {
  source: string;
  bos_token: string;
  eos_token: string;
}

function wire(m: OpenAIMessage): JinjaMessage {
  const out: JinjaMessage = { role: m.role, content: m.content };
  if (m.reasoning_content !== undefined) out.thinking = m.reasoning_content;
  if (m.name !== undefined) out.tool_name = m.name;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls) {
    out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, function: { name: c.function.name, arguments: c.function.arguments } }));
  }
  return out;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

test("renderJinja() renders the chat-format corpus byte for byte as llama.cpp does", { skip: !present && "../shared/conformance/chatfmt absent" }, () => {
  const corpus = JSON.parse(readFileSync(dir + "templates.json", "utf8"));
  const templates: Record<string, TemplateInfo> = corpus.templates;
  const now = new Date(corpus.now);
  const cases: RenderCase[] = readFileSync(dir + "cases.jsonl", "utf8").split("\n").filter((l) => l.trim())
    .map((l) => JSON.parse(l)).filter((c: RenderCase) => c.kind === "render");
  const perTemplate = new Map<string, string[]>();
  let passed = 0;
  for (const c of cases) {
    const t = templates[c.template];
    let got: string | Error;
    try {
      got = renderJinja(t.source, {
        messages: c.messages.map(wire),
        tools: c.tools,
        bosToken: t.bos_token,
        eosToken: t.eos_token,
        addGenerationPrompt: c.add_generation_prompt,
        think: c.enable_thinking,
        now,
      });
    } catch (e) {
      got = e as Error;
    }
    let why: string | null = null;
    if (!c.expect.ok) {
      if (!(got instanceof Error)) why = `rendered where llama.cpp raises ${JSON.stringify(c.expect.error)}`;
    } else if (got instanceof Error) {
      why = `raised ${JSON.stringify(got.message)}`;
    } else if (got !== c.expect.prompt) {
      const at = firstDifference(got, c.expect.prompt!);
      why = `differs at ${at}: got ${JSON.stringify(got.slice(at, at + 60))}, want ${
        JSON.stringify(c.expect.prompt!.slice(at, at + 60))
      }`;
    }
    if (why === null) passed++;
    else perTemplate.set(c.template, [...perTemplate.get(c.template) ?? [], `${c.id}: ${why}`]);
  }
  console.log(`chatfmt render: ${passed}/${cases.length} byte-exact (${(100 * passed / cases.length).toFixed(1)}%)`);
  for (const [name, failures] of [...perTemplate].sort()) {
    console.log(`  ${name}: ${failures.length} failing\n    ${failures.join("\n    ")}`);
  }
  assert.ok(passed >= FLOOR, `${passed} passed, below the floor of ${FLOOR}`);
});
