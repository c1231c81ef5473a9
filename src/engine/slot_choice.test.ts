import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseSlot, type SlotState } from "./slot_choice.ts";

const slot = (name: string, tokens: number[], lastUsed: number) => ({ name, tokens, lastUsed });
const commonWith = (prompt: number[]) => (s: SlotState) => {
  let n = 0;
  while (n < s.tokens.length && n < prompt.length && s.tokens[n] === prompt[n]) n++;
  return n;
};

test("chooseSlot() continues the conversation whose whole cache the prompt extends", () => {
  const chat = slot("chat", [1, 2, 3, 4, 5, 6], 5);
  const other = slot("other", [1, 2, 9], 1);
  assert.equal(chooseSlot([other, chat], commonWith([1, 2, 3, 4, 5, 6, 7, 8])).name, "chat");
});

test("chooseSlot() spares a long conversation when a short prompt shares only its header", () => {
  const chat = slot("chat", Array.from({ length: 72 }, (_, i) => i + 1), 5);
  const empty = slot("empty", [], 0);
  const old = slot("old", [50, 51], 1);
  const prompt = [1, 2, 3, 4, 5, 6, 7, 8, 100, 101];
  assert.equal(chooseSlot([chat, old, empty], commonWith(prompt)).name, "empty");
  assert.equal(chooseSlot([chat, old], commonWith(prompt)).name, "old");
});

test("chooseSlot() takes the least recently used slot when every cache would mostly go", () => {
  const a = slot("a", [1, 2, 3, 4], 3);
  const b = slot("b", [5, 6, 7, 8], 2);
  assert.equal(chooseSlot([a, b], commonWith([9])).name, "b");
  // on equal shared prefixes, the one used longest ago
  const c = slot("c", [1, 2], 4);
  const d = slot("d", [1, 2], 1);
  assert.equal(chooseSlot([c, d], commonWith([1, 2, 3])).name, "d");
});
