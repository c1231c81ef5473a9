import { test } from "node:test";
import assert from "node:assert/strict";
import { truncateMessages } from "./truncate.ts";
import type { Message } from "./types.ts";

// One "token" per character keeps the arithmetic visible.
const render = (messages: Message[]) => messages.map((m) => `${m.role[0]}:${m.content};`).join("");
const countTokens = (text: string) => text.length;

const conversation: Message[] = [
  { role: "system", content: "sys" }, // 6
  { role: "user", content: "aaaa" }, // 7
  { role: "assistant", content: "bbbb" }, // 7
  { role: "user", content: "cccc" }, // 7
  { role: "assistant", content: "dddd" }, // 7
  { role: "user", content: "last" }, // 7
];

test("truncateMessages() keeps everything that fits", async () => {
  const r = await truncateMessages(conversation, { numCtx: 41, countTokens, render });
  assert.equal(r.dropped, 0);
  assert.equal(r.messages.length, 6);
  assert.equal(r.tokens, 41);
});

test("truncateMessages() drops the oldest non-system messages and reports how many", async () => {
  const r = await truncateMessages(conversation, { numCtx: 30, countTokens, render });
  assert.deepEqual(r.messages.map((m) => m.content), ["sys", "cccc", "dddd", "last"]);
  assert.equal(r.dropped, 2);
  assert.equal(r.prompt, "s:sys;u:cccc;a:dddd;u:last;");
});

test("truncateMessages() always keeps the system messages and the last message", async () => {
  const r = await truncateMessages(conversation, { numCtx: 5, countTokens: (t) => Promise.resolve(t.length), render });
  assert.deepEqual(r.messages.map((m) => m.content), ["sys", "last"]);
  assert.equal(r.dropped, 4);
  assert.equal(r.tokens, 13);
});

test("truncateMessages() counts image tokens", async () => {
  const withImage: Message[] = [...conversation.slice(0, 5), { role: "user", content: "last", images: ["x"] }];
  const r = await truncateMessages(withImage, { numCtx: 41, countTokens, render, imageTokens: 10 });
  assert.equal(r.tokens, 41 - 7 - 7 + 10);
  assert.equal(r.dropped, 2);
});

test("truncateMessages() rejects an empty conversation", async () => {
  await assert.rejects(truncateMessages([], { numCtx: 10, countTokens, render }), RangeError);
});
