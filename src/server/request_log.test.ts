import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { formatRequestLine, requestLog } from "./request_log.ts";

test("formatRequestLine() is gin's line without colors", () => {
  const line = formatRequestLine({
    time: new Date(2026, 11, 5, 1, 2, 3),
    status: 200,
    latencyMs: 12.3,
    client: "127.0.0.1",
    method: "POST",
    path: "/api/chat",
  });
  assert.equal(line, `[GIN] 2026/12/05 - 01:02:03 | 200 |        12.3ms |       127.0.0.1 | POST     "/api/chat"`);
  const colored = formatRequestLine({ time: new Date(2026, 11, 5, 1, 2, 3), status: 404, latencyMs: 1, client: "::1", method: "GET", path: "/x" }, {
    color: true,
  });
  assert.equal(colored, `[GIN] 2026/12/05 - 01:02:03 |\x1b[90;43m 404 \x1b[0m|           1ms |             ::1 |\x1b[97;44m GET     \x1b[0m "/x"`);
  const slow = formatRequestLine({ time: new Date(), status: 500, latencyMs: 61_234.5, client: "::1", method: "GET", path: "/" });
  assert.match(slow, / \| 500 \| {10}1m1s \| {13}::1 \| GET {6}"\/"$/, "over a minute: whole seconds");
});

test("requestLog() logs a streamed answer once, after its last chunk", async () => {
  const lines: string[] = [];
  const app = new Hono();
  app.use("*", requestLog((line) => lines.push(line)));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  app.post("/api/chat", () => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"done":false}\n'));
        await gate;
        controller.enqueue(new TextEncoder().encode('{"done":true}\n'));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
  });
  app.get("/api/version", (c) => c.json({ version: "0" }));
  const response = await app.request("/api/chat", { method: "POST" }, { remoteAddress: "10.0.0.7" });
  const reader = response.body!.getReader();
  await reader.read();
  assert.equal(lines.length, 0, "not before the stream ends");
  release();
  let text = "";
  for (let next = await reader.read(); !next.done; next = await reader.read()) text += new TextDecoder().decode(next.value);
  assert.equal(text, '{"done":true}\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], / \| 200 \| +\S+ \| +10\.0\.0\.7 \| POST {5}"\/api\/chat"$/);
  await (await app.request("/api/version")).json();
  assert.equal(lines.length, 2);
  assert.match(lines[1], / \| 200 \| .* \| GET {6}"\/api\/version"$/);
});
