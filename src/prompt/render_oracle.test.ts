// Ollama's own templates and expected prompts (../shared/ollama-templates, a test oracle read at
// test time): our rendering must give the same prompts, and our named templates must too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatTemplate } from "./render.ts";
import { namedTemplate } from "./templates/mod.ts";
import { oracleFile, oracleSkip } from "./_oracle.ts";
import type { Message } from "./types.ts";

interface RenderCase {
  template: string;
  input: { messages: Message[] };
  expected: string;
  strip_one_trailing_space_from_actual: boolean;
}
interface InlineCase {
  name: string;
  templates: { variant: string; template: string }[];
  input: { messages?: Message[]; prompt?: string; suffix?: string };
  expected: string;
}

const cases = oracleSkip ? null : JSON.parse(oracleFile("cases.json")) as {
  render_cases: RenderCase[];
  inline_cases: { cases: InlineCase[] };
};

function stripOne(s: string, strip: boolean): string {
  return strip && s.endsWith(" ") ? s.slice(0, -1) : s;
}

test("ChatTemplate renders Ollama's named templates as Ollama does (render cases)", { skip: oracleSkip }, () => {
  const failures: string[] = [];
  for (const c of cases!.render_cases) {
    const actual = ChatTemplate.get(oracleFile(c.template)).render({ messages: c.input.messages });
    const want = oracleFile(c.expected);
    if (stripOne(actual, c.strip_one_trailing_space_from_actual) !== want) failures.push(c.expected);
  }
  console.log(`ollama-templates render: ${cases!.render_cases.length - failures.length}/${cases!.render_cases.length}`);
  assert.deepEqual(failures, []);
});

test("ChatTemplate renders the inline cases in every mode (messages, legacy, suffix)", { skip: oracleSkip }, () => {
  const failures: string[] = [];
  let total = 0;
  for (const c of cases!.inline_cases.cases) {
    for (const v of c.templates) {
      total++;
      const actual = ChatTemplate.get(v.template).render(c.input);
      if (actual !== c.expected) failures.push(`${c.name} / ${v.variant}: ${JSON.stringify(actual)}`);
    }
  }
  console.log(`ollama-templates inline: ${cases!.inline_cases.cases.length} cases, ${total - failures.length}/${total} variants`);
  assert.deepEqual(failures, []);
});

test("our named templates give the prompts Ollama's give", { skip: oracleSkip }, () => {
  const failures: string[] = [];
  for (const c of cases!.render_cases) {
    const name = c.template.replace(/\.gotmpl$/, "");
    const ours = namedTemplate(name);
    assert.ok(ours, `we have no named template ${name}`);
    const actual = ChatTemplate.get(ours.template).render({ messages: c.input.messages });
    const want = oracleFile(c.expected);
    if (stripOne(actual, c.strip_one_trailing_space_from_actual) !== want) {
      failures.push(`${c.expected}: ${JSON.stringify(actual)} != ${JSON.stringify(want)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test("our named templates keep Ollama's default parameters", { skip: oracleSkip }, () => {
  for (const c of cases!.render_cases) {
    const name = c.template.replace(/\.gotmpl$/, "");
    const theirs = JSON.parse(oracleFile(`${name}.json`)) as { stop: string[] };
    // Ollama's mistral-instruct lists ChatML's stop words (a copy slip); ours stops on [INST].
    if (name === "mistral-instruct") continue;
    assert.deepEqual(namedTemplate(name)?.parameters, theirs, name);
  }
});
