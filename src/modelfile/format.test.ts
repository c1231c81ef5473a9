import { test } from "node:test";
import assert from "node:assert/strict";
import { formatCommand, formatModelfile, isRepresentable, quoteValue } from "./format.ts";
import { type Command, type Modelfile, parseModelfile } from "./parse.ts";

/** mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"', '""', '"""', "\n", "\r\n", "\r", " ", "  ", "\t", "a", "hello world", "#", "é", "你好", "👋", "'", ":", ": ",
  "{{ .Prompt }}", "<|im_end|>", "\\n", "MESSAGE", "FROM x",
];
const NAMED = ["template", "system", "license", "adapter", "renderer", "parser", "requires", "draft"];
const PARAMS = ["stop", "temperature", "num_ctx", "top_k", "Mixed_Case9", "x"];
const ROLES = ["system", "user", "assistant"];

function generator(seed: number) {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const value = (): string => {
    let text = "";
    const n = Math.floor(next() * 8);
    for (let i = 0; i < n; i++) text += pick(PIECES);
    return text;
  };
  const command = (): Command => {
    const kind = next();
    if (kind < 0.4) return { name: pick(NAMED), args: value() };
    if (kind < 0.7) return { name: pick(PARAMS), args: value() };
    if (kind < 0.9) return { name: "message", args: `${pick(ROLES)}: ${value()}` };
    return { name: "model", args: value() };
  };
  return { value, command, next };
}

function valueOf(command: Command): string {
  return command.name === "message" ? command.args.slice(command.args.indexOf(": ") + 2) : command.args;
}

test("formatModelfile() round-trips: parseModelfile(formatModelfile(x)) equals x (seeded random Modelfiles)", () => {
  const gen = generator(20261122);
  let checked = 0;
  let tricky = 0;
  let skipped = 0;
  for (let i = 0; i < 1500; i++) {
    const commands: Command[] = [{ name: "model", args: gen.value() }];
    const count = Math.floor(gen.next() * 6);
    for (let j = 0; j < count; j++) commands.splice(Math.floor(gen.next() * (commands.length + 1)), 0, gen.command());
    if (!commands.every((command) => isRepresentable(valueOf(command)))) {
      skipped++;
      continue;
    }
    const modelfile: Modelfile = { commands };
    const text = formatModelfile(modelfile);
    assert.deepEqual(parseModelfile(text), modelfile, `seeded case ${i}:\n${text}`);
    // Formatting is stable: a second round gives the same text.
    assert.equal(formatModelfile(parseModelfile(text)), text);
    checked++;
    if (commands.some((command) => /["\n\r\t]|^ | $/.test(valueOf(command)))) tricky++;
  }
  assert.ok(checked > 1000, `only ${checked} representable cases (skipped ${skipped})`);
  assert.ok(tricky > 500, `only ${tricky} cases with quotes, newlines or edge spaces`);
});

test("quoteValue() writes what Ollama writes where Ollama's form reads back", () => {
  assert.equal(quoteValue("llama3.2"), "llama3.2");
  assert.equal(quoteValue("You are Mario."), "You are Mario.");
  assert.equal(quoteValue("<|im_end|>"), "<|im_end|>");
  assert.equal(quoteValue("say \"hi\" now"), 'say "hi" now');
  assert.equal(quoteValue("### User: "), '"### User: "');
  assert.equal(quoteValue("a\nb"), '"a\nb"');
  assert.equal(quoteValue('a\n"b" c'), '"""a\n"b" c"""');
  assert.equal(quoteValue(" lead"), '" lead"');
});

test("quoteValue() picks a form that reads back where Ollama's would not", () => {
  // Ollama writes these bare; the parser would strip the quotes, end at the \r, or trim the tab.
  assert.equal(quoteValue('"quoted"'), '""""quoted""""');
  assert.equal(quoteValue("a\rb"), '"a\rb"');
  assert.equal(quoteValue("\tx"), '"\tx"');
  assert.equal(quoteValue(""), '""');
  for (const value of ['"quoted"', "a\rb", "\tx", "", '""x\ny', 'x"']) {
    assert.equal(parseModelfile(`FROM m\nSYSTEM ${quoteValue(value)}`).commands[1].args, value, JSON.stringify(value));
  }
});

test("isRepresentable() is false only for values no quoting can carry", () => {
  assert.equal(isRepresentable('a"""\nb'), false, 'a line ending in """ ends a triple-quoted value early');
  assert.equal(isRepresentable('x"""  \ny'), false, "trailing blanks after the quotes do not help");
  assert.equal(isRepresentable('x"\ny'), true, "a single quote at a line end is safe inside triple quotes");
  assert.equal(quoteValue('x"\ny'), '"""x"\ny"""');
  assert.equal(isRepresentable("bell\u0007"), false, "the parser drops control characters");
  assert.equal(isRepresentable('a"""b\nc'), true);
  assert.equal(isRepresentable('a""" \tb'), true);
});

test("formatCommand() writes each instruction in Ollama's form", () => {
  assert.equal(formatCommand({ name: "model", args: "/blobs/sha256-abc" }), "FROM /blobs/sha256-abc");
  assert.equal(formatCommand({ name: "template", args: "{{ .Prompt }}" }), "TEMPLATE {{ .Prompt }}");
  assert.equal(formatCommand({ name: "system", args: "You are\nhelpful." }), 'SYSTEM "You are\nhelpful."');
  assert.equal(formatCommand({ name: "license", args: "MIT" }), "LICENSE MIT");
  assert.equal(formatCommand({ name: "adapter", args: "./lora.gguf" }), "ADAPTER ./lora.gguf");
  assert.equal(formatCommand({ name: "renderer", args: "qwen3" }), "RENDERER qwen3");
  assert.equal(formatCommand({ name: "parser", args: "qwen3" }), "PARSER qwen3");
  assert.equal(formatCommand({ name: "requires", args: "0.14.0" }), "REQUIRES 0.14.0");
  assert.equal(formatCommand({ name: "draft", args: "./draft" }), "DRAFT ./draft");
  assert.equal(formatCommand({ name: "stop", args: "<|eot_id|>" }), "PARAMETER stop <|eot_id|>");
  assert.equal(formatCommand({ name: "message", args: "user: Is Toronto in Canada?" }), "MESSAGE user Is Toronto in Canada?");
  assert.equal(
    formatModelfile({ commands: [{ name: "model", args: "m" }, { name: "temperature", args: "0.7" }] }),
    "FROM m\nPARAMETER temperature 0.7\n",
  );
});

test("formatModelfile() round-trips Ollama's TestParseFileFormatParseFile inputs", () => {
  const inputs = [
    `
FROM foo
ADAPTER adapter1
LICENSE MIT
PARAMETER param1 value1
PARAMETER param2 value2
TEMPLATE template1
MESSAGE system You are a file parser. Always parse things.
MESSAGE user Hey there!
MESSAGE assistant Hello, I want to parse all the things!
`,
    `
FROM foo
ADAPTER adapter1
LICENSE """
Very long and boring legal text.
Blah blah blah.
"Oh look, a quote!"
"""

PARAMETER param1 value1
TEMPLATE template1
MESSAGE system """
You are a store greeter. Always respond with "Hello!".
"""
MESSAGE user Hey there!
`,
    `
FROM foo
SYSTEM ""
`,
  ];
  for (const input of inputs) {
    const once = parseModelfile(input);
    assert.deepEqual(parseModelfile(formatModelfile(once)), once);
  }
});
