import { test } from "node:test";
import assert from "node:assert/strict";
import { promptRenderer } from "./prompt_adapter.ts";
import type { ResolvedModel, ToolCallDelta } from "./deps.ts";
import type { Tool, ToolCall } from "./schemas.ts";

const tools: Tool[] = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }];

/** Feeds `pieces` through the adapter's parser as a model's output; returns what each step produced. */
function run(template: string, pieces: string[]) {
  const model = { template } as ResolvedModel;
  const parser = promptRenderer.parser({ model, tools, prompt: "" });
  return pieces.map((p, i) => parser.add(p, i === pieces.length - 1));
}

const HERMES = `{{ range .Messages }}{{ .Content }}{{ end }}{{ if .Tools }}<tool_call>{{ end }}`;

test("a call's arguments stream as they are written; the deltas join to the text the model wrote", () => {
  const steps = run(HERMES, ["<tool_call>\n{\"name\": \"get_weather\", ", "\"arguments\": {\"ci", "ty\": \"Pa", "ris\", \"n\": [1, 2]}", "}\n</tool_call>", ""]);
  const deltas: ToolCallDelta[] = steps.flatMap((s) => s.toolCallDeltas ?? []);
  const calls: ToolCall[] = steps.flatMap((s) => s.toolCalls);
  // deltas come before the whole call, in the steps the text arrived
  const callStep = steps.findIndex((s) => s.toolCalls.length);
  assert.ok(steps.slice(0, callStep).filter((s) => s.toolCallDeltas?.some((d) => d.arguments)).length >= 3);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].function.arguments, { city: "Paris", n: [1, 2] });
  // the model's own spacing is kept: the pieces join to what it wrote, not to a re-serialisation
  assert.equal(deltas.map((d) => d.arguments).join(""), '{"city": "Paris", "n": [1, 2]}');
  assert.ok(deltas.every((d) => d.id === calls[0].id && d.index === calls[0].function.index && d.name === "get_weather"));
});

test("a call finished within one piece gets the rest of its text as a last delta", () => {
  const steps = run(HERMES, ['<tool_call>{"name": "get_weather", "arguments": {"a"', ': 1}}</tool_call>', ""]);
  const deltas = steps.flatMap((s) => s.toolCallDeltas ?? []);
  const calls = steps.flatMap((s) => s.toolCalls);
  assert.equal(deltas.map((d) => d.arguments).join(""), '{"a": 1}');
  assert.equal(deltas[0].arguments, "");
  assert.equal(calls[0].id, deltas[0].id);
});

test("two calls stream one after the other with their own ids and indexes", () => {
  const steps = run(HERMES, [
    '<tool_call>{"name": "get_weather", "arguments": {"a": ',
    "1}}</tool_call>",
    '<tool_call>{"name": "get_weather", "arguments": {"b"',
    ": 2}}</tool_call>",
    "",
  ]);
  const deltas = steps.flatMap((s) => s.toolCallDeltas ?? []);
  const calls = steps.flatMap((s) => s.toolCalls);
  assert.equal(calls.length, 2);
  for (const call of calls) {
    const mine = deltas.filter((d) => d.index === call.function.index);
    assert.ok(mine.every((d) => d.id === call.id));
    assert.deepEqual(JSON.parse(mine.map((d) => d.arguments).join("")), call.function.arguments);
  }
  assert.notEqual(calls[0].id, calls[1].id);
});

test("a bare JSON call (forced by a grammar where the format has no tag) streams too; unknown names do not", () => {
  const BARE = `{{ if .Tools }}Tools: {{ json .Tools }}{{ end }}{{ range .Messages }}{{ if .ToolCalls }}{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}{{ end }}{{ else }}{{ .Content }}{{ end }}{{ end }}`;
  const steps = run(BARE, ['{"name": "get_weather", "arguments": {"ci', 'ty": "Oslo"}}', ""]);
  const deltas = steps.flatMap((s) => s.toolCallDeltas ?? []);
  assert.equal(deltas.map((d) => d.arguments).join(""), '{"city": "Oslo"}');
  assert.equal(steps.flatMap((s) => s.toolCalls)[0].id, deltas[0].id);
  const other = run(BARE, ['{"name": "nope", "arguments": {"ci', 'ty": "Oslo"}}', ""]);
  assert.equal(other.flatMap((s) => s.toolCallDeltas ?? []).length, 0);
});

test("a format's own call id (Mistral's [CALL_ID]) is the id of the deltas and of the whole call", () => {
  const MISTRAL = `{{ range .Messages }}{{ .Content }}{{ end }}{{ if .Tools }}[AVAILABLE_TOOLS]{{ json .Tools }}[/AVAILABLE_TOOLS]{{ end }}[TOOL_CALLS]`;
  const steps = run(MISTRAL, ['[TOOL_CALLS]get_weather[CALL_ID]abc123XYZ[ARGS]{"ci', 'ty": "Oslo"}', ""]);
  const deltas = steps.flatMap((s) => s.toolCallDeltas ?? []);
  const calls = steps.flatMap((s) => s.toolCalls);
  assert.equal(calls.length, 1, JSON.stringify(steps));
  assert.equal(calls[0].id, "abc123XYZ");
  assert.ok(deltas.length > 1 && deltas.every((d) => d.id === "abc123XYZ"));
  assert.equal(deltas.map((d) => d.arguments).join(""), '{"city": "Oslo"}');
});
