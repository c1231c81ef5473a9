// Create from an uploaded GGUF blob, push to a real registry, delete, pull back, generate — all over real HTTP
// through the ollama client against the real server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Ollama } from "ollama";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { registrySkip, startRegistry } from "./helpers/registry.ts";
import { startTestServer } from "./helpers/server.ts";

const skip = fixtureSkip("tiny-spm") || registrySkip();

test("server: create from a blob, push, delete, pull, generate (ollama client, real registry)", { skip, timeout: 120_000 }, async () => {
  await using registry = await startRegistry();
  await using server = await startTestServer();
  const ollama = new Ollama({ host: server.url });
  const bytes = await readFile(await fixtureModel("tiny-spm"));
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

  // The client's two steps before create: HEAD, then POST when absent.
  assert.equal((await fetch(`${server.url}/api/blobs/${digest}`, { method: "HEAD" })).status, 404);
  const upload = await fetch(`${server.url}/api/blobs/${digest}`, { method: "POST", body: bytes });
  assert.equal(upload.status, 201);

  const name = `${registry.host}/library/tiny:v1`;
  const statuses: string[] = [];
  for await (const p of await ollama.create({ model: name, files: { "tiny.gguf": digest }, system: "Be brief.", stream: true } as never)) {
    statuses.push(p.status);
  }
  assert.equal(statuses.at(-1), "success");
  assert.ok(statuses.includes("writing manifest"), statuses.join(", "));
  const shown = await ollama.show({ model: name });
  assert.equal(shown.system, "Be brief.");
  assert.ok(shown.capabilities?.includes("completion"));

  const pushed: string[] = [];
  for await (const p of await ollama.push({ model: name, insecure: true, stream: true })) pushed.push(p.status);
  assert.equal(pushed.at(-1), "success");

  await ollama.delete({ model: name });
  assert.equal((await ollama.list()).models.length, 0);

  const pulled = await ollama.pull({ model: name, insecure: true, stream: false });
  assert.equal(pulled.status, "success");
  const list = await ollama.list();
  assert.deepEqual(list.models.map((m) => m.name), [name]);

  const r = await ollama.generate({ model: name, prompt: "Hi", stream: false, options: { num_predict: 4, temperature: 0 } });
  assert.equal(r.done, true);

  // Errors of the progress routes: an unknown model and a bad name.
  await assert.rejects(ollama.pull({ model: `${registry.host}/library/nope:latest`, insecure: true, stream: false }), /file does not exist|not found/);
  await assert.rejects(ollama.create({ model: "x", files: { "a.gguf": "sha256:abc" } } as never), /invalid digest format|digest/);
});
