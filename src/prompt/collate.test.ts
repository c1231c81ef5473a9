import { test } from "node:test";
import assert from "node:assert/strict";
import { collate } from "./collate.ts";

test("collate() merges same-role runs but not tool results, and gathers system text", () => {
  const input = [
    { role: "system", content: "A" },
    { role: "system", content: "B" },
    { role: "user", content: "u1" },
    { role: "user", content: "u2", images: ["img"] },
    { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: {} } }] },
    { role: "tool", content: "r1" },
    { role: "tool", content: "r2" },
    { role: "system", content: "C" },
  ];
  const { system, messages } = collate(input);
  assert.equal(system, "A\n\nB\n\nC");
  assert.deepEqual(messages.map((m) => [m.role, m.content]), [
    ["system", "A\n\nB"],
    ["user", "u1\n\nu2"],
    ["assistant", ""],
    ["tool", "r1"],
    ["tool", "r2"],
    ["system", "C"],
  ]);
  assert.deepEqual(messages[1].images, ["img"]);
  assert.equal(input[0].content, "A", "input is not changed");
});
