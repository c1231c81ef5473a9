import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPrompt, DEFAULT_TEMPLATE } from "./build.ts";
import { chatml } from "./templates/chatml.ts";
import type { Message } from "./types.ts";

const messages: Message[] = [
  { role: "system", content: "S" },
  { role: "user", content: "first question" },
  { role: "assistant", content: "first answer" },
  { role: "user", content: "second" },
];

test("buildPrompt() uses the Go template when there is one", async () => {
  const built = await buildPrompt({ template: chatml.template, chatTemplate: "ignored {{", messages });
  assert.equal(built.templateKind, "go");
  assert.equal(built.dropped, 0);
  assert.ok(built.prompt.startsWith("<|im_start|>system\nS<|im_end|>\n"));
  assert.ok(built.goTemplate);
});

test("buildPrompt() falls back to the GGUF's Jinja template, then to {{ .Prompt }}", async () => {
  const jinja = await buildPrompt({ chatTemplate: chatml.fingerprints[0], messages, bosToken: "<s>" });
  assert.equal(jinja.templateKind, "jinja");
  assert.ok(jinja.prompt.endsWith("<|im_start|>user\nsecond<|im_end|>\n<|im_start|>assistant\n"));
  const plain = await buildPrompt({ messages: [{ role: "user", content: "just this" }] });
  assert.equal(plain.prompt, "just this");
  assert.equal(plain.goTemplate?.text, DEFAULT_TEMPLATE);
});

test("buildPrompt() truncates to num_ctx and says how many messages it dropped", async () => {
  const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;
  const full = await buildPrompt({ template: chatml.template, messages, truncate: { numCtx: 1000, countTokens } });
  assert.equal(full.dropped, 0);
  assert.equal(full.tokens, countTokens(full.prompt));
  const cut = await buildPrompt({ template: chatml.template, messages, truncate: { numCtx: full.tokens! - 1, countTokens } });
  assert.equal(cut.dropped, 1);
  const short = await buildPrompt({ template: chatml.template, messages, truncate: { numCtx: 5, countTokens } });
  assert.equal(short.dropped, 2);
  assert.deepEqual(short.messages.map((m) => m.content), ["S", "second"]);
  assert.equal(short.prompt, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nsecond<|im_end|>\n<|im_start|>assistant\n");
});

test("buildPrompt() renders fill-in-the-middle without truncation", async () => {
  const built = await buildPrompt({
    template: "{{ if .Suffix }}<PRE>{{ .Prompt }}<SUF>{{ .Suffix }}<MID>{{ end }}",
    prompt: "a",
    suffix: "b",
    truncate: { numCtx: 1, countTokens: () => 99 },
  });
  assert.equal(built.prompt, "<PRE>a<SUF>b<MID>");
});

test("buildPrompt() tags images as [img-N] after truncation", async () => {
  const withImages: Message[] = [
    { role: "user", content: "old", images: ["AAA"] },
    { role: "assistant", content: "ok" },
    { role: "user", content: "compare [img] with this", images: ["BBB", "CCC"] },
  ];
  const built = await buildPrompt({ template: "{{ range .Messages }}{{ .Content }}|{{ end }}", messages: withImages, imageTags: true });
  assert.equal(built.prompt, "[img-0]old|ok|[img-2]compare [img-1] with this|");
  assert.deepEqual(built.images, ["AAA", "BBB", "CCC"]);
  const cut = await buildPrompt({
    template: "{{ range .Messages }}{{ .Content }}|{{ end }}",
    messages: withImages,
    imageTags: true,
    truncate: { numCtx: 100, countTokens: (t) => t.length, imageTokens: 40 },
  });
  assert.equal(cut.dropped, 2);
  assert.equal(cut.prompt, "[img-1]compare [img-0] with this|");
  assert.deepEqual(cut.images, ["BBB", "CCC"]);
});
