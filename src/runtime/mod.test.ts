import { test } from "node:test";
import assert from "node:assert/strict";
import { detectRuntime, runtime } from "./mod.ts";

test("runtime.serve() answers real HTTP on loopback and stops on close()", async () => {
  const server = await runtime.serve((request) => new Response(`hello ${new URL(request.url).pathname}`), {
    hostname: "127.0.0.1",
    port: 0,
  });
  assert.ok(server.port > 0);
  const response = await fetch(`http://127.0.0.1:${server.port}/x`);
  assert.equal(await response.text(), "hello /x");
  await server.close();
  await server.finished;
  await assert.rejects(fetch(`http://127.0.0.1:${server.port}/x`));
});

test("runtime.serve() stops when its signal aborts", async () => {
  const controller = new AbortController();
  const server = await runtime.serve(() => new Response("ok"), { hostname: "127.0.0.1", port: 0, signal: controller.signal });
  controller.abort();
  await server.finished;
});

test("detectRuntime() names the runtime running the tests", () => {
  assert.equal(runtime.name, detectRuntime());
  assert.ok(runtime.version.length > 0);
  assert.ok(runtime.rss() > 0);
  assert.equal(typeof runtime.env("PATH"), "string");
});

test("runtime.spawnWorker() runs a module worker", async () => {
  const source = `self.onmessage = (e) => self.postMessage(e.data * 2);`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = runtime.spawnWorker(new URL(url), { entry: "unused-outside-compiled-builds.js" });
  const reply = await new Promise((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.postMessage(21);
  });
  worker.terminate();
  assert.equal(reply, 42);
});
