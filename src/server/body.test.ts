import { test } from "node:test";
import assert from "node:assert/strict";
import { checkNesting, MAX_FIELD_DEPTH, readJsonValue } from "./body.ts";
import { ApiError } from "./errors.ts";

const nested = (n: number) => JSON.parse("[".repeat(n) + "]".repeat(n));

test("checkNesting() names the first field nested past MAX_FIELD_DEPTH, without recursion", () => {
  checkNesting({ ok: nested(MAX_FIELD_DEPTH), text: "x", n: 1, nil: null });
  for (const value of [{ tools: nested(MAX_FIELD_DEPTH + 1) }, { tools: nested(100_000) }]) {
    assert.throws(() => checkNesting(value), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.equal(e.message, `field "tools" nests deeper than ${MAX_FIELD_DEPTH} levels`);
      return true;
    });
  }
});

test("readJsonValue() answers a body cut short by the client with 400 unexpected EOF", async () => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"model":'));
      controller.error(new Error("Cannot read request body as underlying resource unavailable"));
    },
  });
  const request = new Request("http://x/api/show", { method: "POST", body, duplex: "half" } as RequestInit);
  await assert.rejects(readJsonValue(request), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 400);
    assert.equal(e.message, "unexpected EOF");
    return true;
  });
});

test("readJsonValue() refuses the 10,001st nesting level with Go's message", async () => {
  const request = (text: string) => new Request("http://x/", { method: "POST", body: text });
  await assert.rejects(readJsonValue(request("[".repeat(10_001) + "]".repeat(10_001))), {
    message: "invalid character '[' exceeded max depth",
  });
  assert.ok(Array.isArray(await readJsonValue(request("[".repeat(10_000) + "]".repeat(10_000)))));
});
