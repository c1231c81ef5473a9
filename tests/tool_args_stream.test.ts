// Tool-call arguments streamed in pieces as the model writes them, through the real clients: `openai` chat
// completions (`delta.tool_calls[].function.arguments`), `@anthropic-ai/sdk` (`input_json_delta`) and the Responses
// API (`response.function_call_arguments.delta`), with calls forced by tool_choice on a fixture model (random
// weights: the grammar makes the call certain). Ollama's /api/chat keeps its whole-call chunks.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { TOOLS_NO_SYSTEM_TEMPLATE } from "./helpers/templates.ts";

const parameters = {
  type: "object" as const,
  properties: { city: { type: "string", enum: ["Paris", "Oslo"] }, days: { type: "integer" } },
  required: ["city", "days"],
};
const ask = [{ role: "user" as const, content: "Weather?" }];

const skip = fixtureSkip("tiny-spm");
const opts = { skip, timeout: 180_000 };
let server: TestServer;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  await installGguf(server.store, "tooly:latest", await fixtureModel("tiny-spm"), { template: TOOLS_NO_SYSTEM_TEMPLATE });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

test("openai chat completions: a forced call's arguments arrive in pieces that join to its JSON", opts, async () => {
  const openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
  const tool = { type: "function" as const, function: { name: "get_weather", description: "Weather", parameters } };
  for (const tool_choice of ["required", { type: "function", function: { name: "get_weather" } }] as const) {
    const stream = await openai.chat.completions.create({ model: "tooly", messages: ask, tools: [tool], tool_choice, max_tokens: 80, temperature: 0, stream: true });
    const pieces: Array<{ index: number; id?: string; name?: string; arguments?: string }> = [];
    let finish: string | null = null;
    let finishedBeforeLastPiece = false;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (finish) finishedBeforeLastPiece = true;
        pieces.push({ index: c.index, id: c.id, name: c.function?.name, arguments: c.function?.arguments });
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, "tool_calls");
    assert.equal(finishedBeforeLastPiece, false);
    // the first piece names the call and carries its id; the rest add to its arguments only
    assert.match(pieces[0].id!, /\S/);
    assert.equal(pieces[0].name, "get_weather");
    assert.ok(pieces.every((p) => p.index === 0));
    assert.ok(pieces.slice(1).every((p) => p.id === undefined && p.name === undefined));
    const withText = pieces.filter((p) => p.arguments);
    assert.ok(withText.length > 1, JSON.stringify(pieces));
    const args = JSON.parse(pieces.map((p) => p.arguments ?? "").join(""));
    assert.ok(["Paris", "Oslo"].includes(args.city));
    assert.equal(typeof args.days, "number");
  }
  // the SDK's own accumulation reads the same call
  const runner = openai.chat.completions.stream({
    model: "tooly",
    messages: ask,
    tools: [tool],
    tool_choice: "required",
    max_tokens: 80,
    temperature: 0,
  });
  const done = await runner.finalChatCompletion();
  const call = done.choices[0].message.tool_calls![0] as { id: string; function: { name: string; arguments: string } };
  assert.equal(call.function.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(call.function.arguments).city));
});

test("anthropic messages: input_json_delta pieces as the arguments are written join to the tool_use input", opts, async () => {
  const client = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
  const tool = { name: "get_weather", description: "Weather", input_schema: parameters };
  const stream = client.messages.stream({ model: "tooly", messages: ask, tools: [tool], tool_choice: { type: "tool", name: "get_weather" }, max_tokens: 80 });
  const pieces: string[] = [];
  let stoppedBeforeLastPiece = false;
  let stopped = false;
  for await (const event of stream) {
    if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") {
      if (stopped) stoppedBeforeLastPiece = true;
      pieces.push(event.delta.partial_json);
    }
    if (event.type === "content_block_stop") stopped = true;
  }
  assert.equal(stoppedBeforeLastPiece, false);
  assert.ok(pieces.length > 1, JSON.stringify(pieces));
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, "tool_use");
  const block = message.content.find((b) => b.type === "tool_use")!;
  assert.match(block.id, /^toolu_/);
  assert.deepEqual(JSON.parse(pieces.join("")), block.input);
  assert.ok(["Paris", "Oslo"].includes((block.input as { city: string }).city));
});

test("responses: function_call_arguments.delta pieces join to the .done arguments and the item's", opts, async () => {
  const openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
  const tool = { type: "function" as const, name: "get_weather", description: "Weather", parameters, strict: false };
  const stream = await openai.responses.create({
    model: "tooly",
    input: "Weather?",
    tools: [tool],
    tool_choice: "required",
    max_output_tokens: 80,
    stream: true,
  });
  const pieces: Array<{ item_id: string; delta: string }> = [];
  let doneArgs: string | undefined;
  let added: { id?: string; call_id?: string } | undefined;
  let final: { id?: string; call_id?: string; arguments?: string } | undefined;
  for await (const event of stream) {
    if (event.type === "response.output_item.added" && event.item.type === "function_call") added = event.item;
    if (event.type === "response.function_call_arguments.delta") {
      assert.equal(doneArgs, undefined, "a delta after .done");
      pieces.push({ item_id: event.item_id, delta: event.delta });
    }
    if (event.type === "response.function_call_arguments.done") doneArgs = event.arguments;
    if (event.type === "response.output_item.done" && event.item.type === "function_call") final = event.item;
  }
  assert.ok(pieces.length > 1, JSON.stringify(pieces));
  assert.ok(pieces.every((p) => p.item_id === added!.id));
  assert.equal(pieces.map((p) => p.delta).join(""), doneArgs);
  assert.equal(final!.arguments, doneArgs);
  assert.equal(final!.id, added!.id);
  assert.equal(final!.call_id, added!.call_id);
  assert.ok(["Paris", "Oslo"].includes(JSON.parse(doneArgs!).city));
});

test("ollama /api/chat still sends a call whole in one chunk, and no chunk for its arguments alone", opts, async () => {
  const ollama = new Ollama({ host: server.url });
  const tool = { type: "function", function: { name: "get_weather", description: "Weather", parameters } };
  // /api/chat has no tool_choice: a format schema makes the output a call's JSON, which the parser reads as a call
  const format = {
    type: "object",
    properties: { name: { const: "get_weather" }, arguments: parameters },
    required: ["name", "arguments"],
  };
  const chunks = [];
  for await (const part of await ollama.chat({ model: "tooly", messages: ask, tools: [tool], format, stream: true, options: { temperature: 0, num_predict: 80 } })) {
    chunks.push(part);
  }
  const withCalls = chunks.filter((c) => c.message.tool_calls?.length);
  assert.equal(withCalls.length, 1, JSON.stringify(chunks));
  assert.equal(withCalls[0].message.tool_calls!.length, 1);
  const call = withCalls[0].message.tool_calls![0];
  assert.equal(call.function.name, "get_weather");
  assert.ok(["Paris", "Oslo"].includes((call.function.arguments as { city: string }).city));
  // every chunk before the last says something: the call's growing arguments made none
  assert.ok(chunks.slice(0, -1).every((c) => c.message.content !== "" || c.message.tool_calls?.length), JSON.stringify(chunks));
});
