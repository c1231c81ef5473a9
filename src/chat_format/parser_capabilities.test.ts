import { test } from "node:test";
import assert from "node:assert/strict";
import { PARSER_CAPABILITIES, parserCapabilities } from "./parser_capabilities.ts";

test("parserCapabilities() follows each of Ollama's parsers' HasToolSupport / HasThinkingSupport", () => {
  assert.equal(Object.keys(PARSER_CAPABILITIES).length, 27);
  assert.deepEqual(parserCapabilities("qwen3-coder"), ["tools"]);
  assert.deepEqual(parserCapabilities("qwen3-thinking"), ["tools", "thinking"]);
  assert.deepEqual(parserCapabilities("olmo3-think"), ["thinking"]);
  assert.deepEqual(parserCapabilities("glm-ocr"), ["tools"]);
  assert.deepEqual(parserCapabilities("passthrough"), []);
  assert.deepEqual(parserCapabilities("nope"), []);
});
