// Cases from Ollama's model/renderers/gemma4_reference_test.go (expected prompts of the HF Gemma 4 template).
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderGemma4Large, renderGemma4Small } from "./gemma4.ts";
import { namedRenderer } from "./mod.ts";
import type { Message, Think, Tool } from "./types.ts";

const q = '<|"|>';
const fn = (name: string, description: string, properties: Record<string, unknown>, required?: string[]): Tool => ({
  type: "function",
  function: { name, description, parameters: { type: "object", ...(required ? { required } : {}), properties: properties as never } },
});
const bash = fn("bash", "Run a command", { command: { type: ["string"], description: "The command" } }, ["command"]);
const read = fn("read", "Read a file", { path: { type: ["string"], description: "File path" } }, ["path"]);
const bashDecl = `<|tool>declaration:bash{description:${q}Run a command${q},parameters:{properties:{command:{description:${q}The command${q},type:${q}STRING${q}}},required:[${q}command${q}],type:${q}OBJECT${q}}}<tool|>`;
const readDecl = `<|tool>declaration:read{description:${q}Read a file${q},parameters:{properties:{path:{description:${q}File path${q},type:${q}STRING${q}}},required:[${q}path${q}],type:${q}OBJECT${q}}}<tool|>`;

const cases: { name: string; messages: Message[]; tools?: Tool[]; think?: Think; expected: string }[] = [
  { name: "user_only", messages: [{ role: "user", content: "Hello" }], expected: "<bos><|turn>user\nHello<turn|>\n<|turn>model\n" },
  {
    name: "developer_user",
    messages: [{ role: "developer", content: "You are helpful." }, { role: "user", content: "Hi" }],
    expected: "<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n",
  },
  { name: "thinking_no_system", messages: [{ role: "user", content: "Hi" }], think: true, expected: "<bos><|turn>system\n<|think|>\n<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n" },
  {
    name: "developer_tools_thinking_trimmed",
    messages: [{ role: "developer", content: "  Prefer terse answers.\nUse tools when needed.  " }, { role: "user", content: "Hi" }],
    tools: [bash, read],
    think: true,
    expected: "<bos><|turn>system\n<|think|>\nPrefer terse answers.\nUse tools when needed." + bashDecl + readDecl + "<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n",
  },
  {
    name: "tool_call_response",
    messages: [
      { role: "system", content: "You are helpful." },
      { role: "user", content: "List files" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "bash", arguments: { command: "ls" } } }] },
      { role: "tool", tool_name: "bash", content: "file1.txt\nfile2.txt" },
    ],
    tools: [bash],
    expected: "<bos><|turn>system\nYou are helpful." + bashDecl + "<turn|>\n<|turn>user\nList files<turn|>\n" +
      `<|turn>model\n<|tool_call>call:bash{command:${q}ls${q}}<tool_call|><|tool_response>response:bash{value:${q}file1.txt\nfile2.txt${q}}<tool_response|>`,
  },
  {
    name: "tool_call_pending_response",
    messages: [
      { role: "system", content: "You are helpful." },
      { role: "user", content: "List files" },
      { role: "assistant", content: "Let me check.", tool_calls: [{ function: { name: "bash", arguments: { command: "ls" } } }] },
    ],
    tools: [bash],
    expected: "<bos><|turn>system\nYou are helpful." + bashDecl + "<turn|>\n<|turn>user\nList files<turn|>\n" +
      `<|turn>model\n<|tool_call>call:bash{command:${q}ls${q}}<tool_call|>Let me check.<|tool_response>`,
  },
  {
    name: "multiple_tool_calls_with_thinking_ids_and_continuation",
    messages: [
      { role: "system", content: "You are a coding assistant." },
      { role: "user", content: "List files, then read config." },
      {
        role: "assistant",
        content: "",
        thinking: "Need the directory listing before reading the config.",
        tool_calls: [
          { id: "call_bash", function: { name: "bash", arguments: { command: "ls -la" } } },
          { id: "call_read", function: { name: "read", arguments: { path: "config.json" } } },
        ],
      },
      { role: "tool", tool_call_id: "call_read", content: '{"debug": true}' },
      { role: "tool", tool_call_id: "call_bash", content: "config.json\nmain.go" },
      { role: "assistant", content: "Config loaded." },
    ],
    tools: [bash, read],
    think: true,
    expected: "<bos><|turn>system\n<|think|>\nYou are a coding assistant." + bashDecl + readDecl + "<turn|>\n<|turn>user\nList files, then read config.<turn|>\n" +
      "<|turn>model\n<|channel>thought\nNeed the directory listing before reading the config.\n<channel|>" +
      `<|tool_call>call:bash{command:${q}ls -la${q}}<tool_call|><|tool_call>call:read{path:${q}config.json${q}}<tool_call|>` +
      `<|tool_response>response:read{value:${q}{"debug": true}${q}}<tool_response|><|tool_response>response:bash{value:${q}config.json\nmain.go${q}}<tool_response|>` +
      "Config loaded.<turn|>\n<|turn>model\n",
  },
  {
    name: "strip_thinking_history",
    messages: [
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "<|channel>thought\nThinking...<channel|>4" },
      { role: "user", content: "And 3+3?" },
    ],
    expected: "<bos><|turn>user\nWhat is 2+2?<turn|>\n<|turn>model\n4<turn|>\n<|turn>user\nAnd 3+3?<turn|>\n<|turn>model\n",
  },
  {
    name: "nested_object_tool",
    messages: [{ role: "user", content: "Create" }],
    tools: [fn("create", "Create item", {
      name: { type: ["string"], description: "Name" },
      config: { type: ["object"], description: "Config", properties: { enabled: { type: ["boolean"], description: "On/off" } } },
    })],
    expected: `<bos><|turn>system\n<|tool>declaration:create{description:${q}Create item${q},parameters:{properties:{config:{description:${q}Config${q},` +
      `properties:{enabled:{description:${q}On/off${q},type:${q}BOOLEAN${q}}},type:${q}OBJECT${q}},name:{description:${q}Name${q},type:${q}STRING${q}}},type:${q}OBJECT${q}}}<tool|>` +
      "<turn|>\n<|turn>user\nCreate<turn|>\n<|turn>model\n",
  },
  {
    name: "array_tool",
    messages: [{ role: "user", content: "Batch" }],
    tools: [fn("batch", "Run batch", { commands: { type: ["array"], description: "Commands", items: { type: "string" } } })],
    expected: `<bos><|turn>system\n<|tool>declaration:batch{description:${q}Run batch${q},parameters:{properties:{commands:{description:${q}Commands${q},` +
      `items:{type:${q}STRING${q}},type:${q}ARRAY${q}}},type:${q}OBJECT${q}}}<tool|><turn|>\n<|turn>user\nBatch<turn|>\n<|turn>model\n`,
  },
  {
    name: "typed_property_union_type and enum",
    messages: [{ role: "user", content: "Hi" }],
    tools: [
      fn("maybe_name", "Test nullable union", { name: { type: ["string", "null"], description: "Name" } }),
      fn("set_mode", "Set mode", { mode: { type: ["string"], description: "The mode", enum: ["fast", "slow"] } }),
    ],
    expected: `<bos><|turn>system\n<|tool>declaration:maybe_name{description:${q}Test nullable union${q},parameters:{properties:{name:{description:${q}Name${q},` +
      `type:${q}['STRING', 'NULL']${q}}},type:${q}OBJECT${q}}}<tool|><|tool>declaration:set_mode{description:${q}Set mode${q},parameters:{properties:{mode:{` +
      `description:${q}The mode${q},enum:[${q}fast${q},${q}slow${q}],type:${q}STRING${q}}},type:${q}OBJECT${q}}}<tool|><turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n`,
  },
];

for (const c of cases) {
  test(`renderGemma4Small() ${c.name}`, () => {
    assert.equal(renderGemma4Small({ messages: c.messages, tools: c.tools, think: c.think }), c.expected);
  });
}

test("gemma4 variants differ only at the generation prompt; large writes an empty thought block unless thinking", () => {
  const messages = [{ role: "user", content: "Hello" }];
  assert.equal(namedRenderer("gemma4")!({ messages }), "<bos><|turn>user\nHello<turn|>\n<|turn>model\n");
  assert.equal(namedRenderer("gemma4-small")!({ messages }), "<bos><|turn>user\nHello<turn|>\n<|turn>model\n");
  assert.equal(namedRenderer("gemma4-large")!({ messages }), "<bos><|turn>user\nHello<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
  assert.equal(renderGemma4Large({ messages, think: true }), "<bos><|turn>system\n<|think|>\n<turn|>\n<|turn>user\nHello<turn|>\n<|turn>model\n");
});

test("gemma4 continues adjacent assistant messages and tool results in one model turn", () => {
  const messages: Message[] = [
    { role: "user", content: "Use the tool" },
    { role: "assistant", content: "First." },
    { role: "assistant", content: "Checking.", tool_calls: [{ function: { name: "bash", arguments: { command: null } } }] },
    { role: "tool", tool_name: "bash", content: "done" },
    { role: "assistant", content: "Done." },
    { role: "user", content: "Next" },
  ];
  const tool = fn("bash", "Run", { command: { type: ["string"], description: "Cmd" } }, ["command"]);
  const base = `<bos><|turn>system\n<|tool>declaration:bash{description:${q}Run${q},parameters:{properties:{command:{description:${q}Cmd${q},type:${q}STRING${q}}},` +
    `required:[${q}command${q}],type:${q}OBJECT${q}}}<tool|><turn|>\n<|turn>user\nUse the tool<turn|>\n<|turn>model\nFirst.<|tool_call>call:bash{command:null}<tool_call|>` +
    `<|tool_response>response:bash{value:${q}done${q}}<tool_response|>Checking.Done.<turn|>\n<|turn>user\nNext<turn|>\n<|turn>model\n`;
  assert.equal(renderGemma4Small({ messages, tools: [tool] }), base);
  assert.equal(renderGemma4Large({ messages, tools: [tool] }), base + "<|channel>thought\n<channel|>");
  // a result with neither name nor id answers "unknown"
  const unknown = renderGemma4Small({
    messages: [{ role: "user", content: "go" }, { role: "assistant", content: "", tool_calls: [{ function: { name: "bash", arguments: {} } }] }, { role: "tool", content: "x" }],
  });
  assert.ok(unknown.includes(`<|tool_response>response:unknown{value:${q}x${q}}<tool_response|>`));
});

test("resolveRendererName() picks the gemma4 template by model name, then parameter size", async () => {
  const { resolveRendererName } = await import("./mod.ts");
  assert.equal(resolveRendererName("gemma4", { name: "gemma4:e4b" }), "gemma4-small");
  assert.equal(resolveRendererName("gemma4", { name: "gemma4:31b" }), "gemma4-large");
  assert.equal(resolveRendererName("gemma4", { name: "mine:latest", parameterSize: "26.1B" }), "gemma4-large");
  assert.equal(resolveRendererName("gemma4", { name: "mine:latest", parameterSize: "4.3B" }), "gemma4-small");
  assert.equal(resolveRendererName("gemma4"), "gemma4-small");
  assert.equal(resolveRendererName("qwen3.5", { name: "x:31b" }), "qwen3.5");
});
