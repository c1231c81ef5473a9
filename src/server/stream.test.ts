import { test } from "node:test";
import assert from "node:assert/strict";
import { ndjsonResponse, sseResponse } from "./stream.ts";
import { ApiError } from "./errors.ts";

async function* items(values: unknown[], failAt?: number) {
  for (let i = 0; i < values.length; i++) {
    if (i === failAt) throw new ApiError(500, "boom");
    yield values[i];
  }
  if (failAt === values.length) throw new ApiError(500, "boom");
}

test("ndjsonResponse() writes one JSON line per item", async () => {
  const res = await ndjsonResponse(items([{ a: 1 }, { b: 2 }]));
  assert.equal(res.headers.get("content-type"), "application/x-ndjson");
  assert.equal(await res.text(), '{"a":1}\n{"b":2}\n');
});

test("ndjsonResponse() answers an error before the first byte with its status", async () => {
  const res = await ndjsonResponse(items([{ a: 1 }], 0));
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { error: "boom" });
});

test("ndjsonResponse() ends a stream that fails midway with an error line", async () => {
  const res = await ndjsonResponse(items([{ a: 1 }], 1));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '{"a":1}\n{"error":"boom"}\n');
});

test("ndjsonResponse() aborts the producer when the client cancels", async () => {
  const abort = new AbortController();
  let closed = false;
  async function* endless() {
    try {
      for (let i = 0;; i++) yield { i };
    } finally {
      closed = true;
    }
  }
  const res = await ndjsonResponse(endless(), { abort });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(abort.signal.aborted, true);
  assert.equal(closed, true);
});

test("sseResponse() frames data lines and ends with [DONE]", async () => {
  const res = await sseResponse(items([{ a: 1 }]));
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  assert.equal(await res.text(), 'data: {"a":1}\n\ndata: [DONE]\n\n');
  const failed = await sseResponse(items([], 0));
  assert.equal(failed.status, 500);
  assert.equal((await failed.json()).error.type, "api_error");
});
