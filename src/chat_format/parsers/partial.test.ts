import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatParser } from "../format_parser.ts";
import { tool } from "../_check.ts";
import { harmony } from "./harmony.ts";
import { hermes } from "./hermes.ts";
import { kimi } from "./kimi.ts";
import { mistral } from "./mistral.ts";
import type { OutputSyntax } from "../types.ts";

const tools = [tool("get_weather")];

function partialAfter(syntax: OutputSyntax, text: string) {
  const p = new FormatParser(syntax, { tools });
  p.add(text);
  return p.partialCall();
}

test("FormatParser.partialCall() shows the arguments of a call being written", () => {
  assert.deepStrictEqual(partialAfter(hermes, '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Par'), {
    name: "get_weather",
    arguments: '{"location": "Par',
  });
  assert.deepStrictEqual(partialAfter(mistral, '[TOOL_CALLS]get_weather[ARGS]{"loc'), { name: "get_weather", arguments: '{"loc' });
  assert.deepStrictEqual(
    partialAfter(harmony, '<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"a":'),
    { name: "get_weather", arguments: '{"a":' },
  );
  assert.deepStrictEqual(
    partialAfter(kimi, "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"),
    { name: "get_weather", arguments: "{", id: "functions.get_weather:0" },
  );
  assert.deepStrictEqual(partialAfter(mistral, '[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{"l'), {
    name: "get_weather",
    arguments: '{"l',
    id: "a1b2c3d4e",
  });
  assert.equal(partialAfter(hermes, "Just text"), null);
});

test("FormatParser.partialCall() asked after every piece gives what it gives for the text fed at once", () => {
  // The argument scan goes on from where the last one stopped; escapes, nested values and a second
  // call in the same section must come out as a scan from the start finds them.
  const cases: [OutputSyntax, string][] = [
    [
      hermes,
      'Hi <tool_call>{"name": "get_weather", "arguments": {"q": "a \\"}\\\\", "n": [1, {"b": "]"}]}}</tool_call>' +
      '<tool_call>{"name": "get_weather", "arguments": {"q": "z"}}</tool_call> after',
    ],
    [mistral, '[TOOL_CALLS]get_weather[ARGS]{"q": "x\\"{", "r": {"s": [2]}}'],
    [
      kimi,
      "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{\"a\": \"}\"}" +
      "<|tool_call_end|><|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>{\"b\": [\"]\"]}<|tool_call_end|>",
    ],
  ];
  for (const [syntax, text] of cases) {
    const streamed = new FormatParser(syntax, { tools });
    for (let i = 0; i < text.length; i++) {
      streamed.add(text[i]);
      assert.deepStrictEqual(streamed.partialCall(), partialAfter(syntax, text.slice(0, i + 1)), text.slice(0, i + 1));
    }
  }
});

test("sections whose JSON scan goes on between tokens (Mistral, bare JSON, generic, Granite, harmony, Functionary) read alike at every split point", async () => {
  const { parseEverySplit } = await import("../_check.ts");
  const { llama3 } = await import("./llama3.ts");
  const { generic } = await import("./generic.ts");
  const { granite } = await import("./granite.ts");
  const { functionaryV31, functionaryV32 } = await import("./functionary.ts");
  // escapes, brackets inside strings and nested values: a resumed scan must end each value where a fresh one does
  const args = '{"q": "a \\"}\\\\ ]", "n": [1, {"b": "]}"}], "s": "Zoé 日本"}';
  const want = { q: 'a "}\\ ]', n: [1, { b: "]}" }], s: "Zoé 日本" };
  const cases: [OutputSyntax, string, number][] = [
    [mistral, `[TOOL_CALLS]get_weather[ARGS]${args}`, 1],
    [mistral, `[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]${args}`, 1],
    [mistral, `[TOOL_CALLS][{"name": "get_weather", "arguments": ${args}}, {"name": "get_weather", "arguments": ${args}}]`, 2],
    [llama3, `{"name": "get_weather", "parameters": ${args}}; {"name": "get_weather", "parameters": ${args}}`, 2],
    [llama3, `<|python_tag|>{"name": "get_weather", "parameters": ${args}}`, 1],
    [generic, `{"tool_calls": [{"name": "get_weather", "arguments": ${args}}]}`, 1],
    [granite, `<|tool_call|>[{"name": "get_weather", "arguments": ${args}}]`, 1],
    [harmony, `<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>${args}<|call|>`, 1],
    [functionaryV31, `<function=get_weather>${args}</function>`, 1],
    [functionaryV32, `>>>get_weather\n${args}`, 1],
  ];
  for (const [syntax, text, n] of cases) {
    const got = parseEverySplit(syntax, text, { tools });
    assert.equal(got.toolCalls.length, n, text);
    for (const call of got.toolCalls) assert.deepStrictEqual(call.arguments, want, text);
  }
  // JSON that is no call stays content, whatever the chunking
  const notACall = `{"note": ${args}} and more`;
  assert.equal(parseEverySplit(llama3, notACall, { tools }).content, notACall);
});
