import { test } from "node:test";
import assert from "node:assert/strict";
import { validate } from "./body.ts";
import { ChatRequestSchema, CreateRequestSchema, EmbedRequestSchema, GenerateRequestSchema } from "./schemas.ts";

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return "accepted";
};

test("GenerateRequestSchema refuses an array where Go decodes a map, with Go's message", () => {
  assert.equal(
    message(() => validate(EmbedRequestSchema, { model: "m", options: [] }, "EmbedRequest")),
    "json: cannot unmarshal array into Go struct field EmbedRequest.options of type map[string]interface {}",
  );
  assert.match(
    message(() => validate(CreateRequestSchema, { model: "m", files: ["a"] }, "CreateRequest")),
    /cannot unmarshal array into Go struct field CreateRequest\.files of type map\[string\]string/,
  );
  const call = { role: "assistant", tool_calls: [{ function: { name: "f", arguments: [] } }] };
  assert.match(
    message(() => validate(ChatRequestSchema, { messages: [call] }, "ChatRequest")),
    /api\.ToolCallFunctionArguments/,
  );
  assert.equal(
    message(() => validate(EmbedRequestSchema, { model: "m", options: { a: 1 } }, "EmbedRequest")),
    "accepted",
  );
});

test("GenerateRequestSchema decodes images as Go's []byte: bad base64 is the decoder's error", () => {
  assert.equal(
    message(() => validate(GenerateRequestSchema, { images: ["a==="] }, "GenerateRequest")),
    "illegal base64 data at input byte 1",
  );
  const chat = { messages: [{ role: "user", content: "x", images: ["aGk=", "!!"] }] };
  assert.equal(message(() => validate(ChatRequestSchema, chat, "ChatRequest")), "illegal base64 data at input byte 0");
  assert.equal(message(() => validate(GenerateRequestSchema, { images: ["aGk="] }, "GenerateRequest")), "accepted");
});
