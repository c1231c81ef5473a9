// `/api/create` with `link: true` over real HTTP: a GGUF outside the store used in place (ollama/ollama#7254). The
// blob is a symlink to the file and the manifest has the file's real sha256; generate runs through it; show reports
// where the weights live; a changed, grown or moved file is refused with a clear 409 at show and at load; a touched
// but unchanged file still works; deleting the model leaves the user's file alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, copyFile, lstat, mkdtemp, open, readFile, readlink, rename, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelName } from "../src/registry/mod.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const skip = fixtureSkip("tiny-spm");

async function post(server: TestServer, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: path === "/api/delete" ? "DELETE" : "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : {} };
}

/** Streams a create and returns its progress lines (an `error` line ends it). */
async function createStream(server: TestServer, body: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${server.url}/api/create`, { method: "POST", body: JSON.stringify({ ...body, stream: true }) });
  const text = await response.text();
  if (response.status !== 200) return [{ status: response.status, ...JSON.parse(text) }];
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

function generate(server: TestServer, model: string) {
  return post(server, "/api/generate", {
    model,
    prompt: "The quick brown fox",
    raw: true,
    stream: false,
    options: { temperature: 0, num_predict: 4, num_ctx: 256 },
  });
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** Inverts one byte of a file in place. */
async function patchByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const byte = new Uint8Array(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] ^= 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

test("create with link uses a GGUF in place: symlinked blob, generate, show, changes detected, delete keeps the file", {
  skip,
  timeout: 120_000,
}, async () => {
  const outside = await mkdtemp(join(tmpdir(), "tollama-link-"));
  await using server = await startTestServer();
  try {
    const file = join(outside, "weights.gguf");
    await copyFile(await fixtureModel("tiny-spm"), file);
    const digest = `sha256:${await sha256(file)}`;

    const lines = await createStream(server, { model: "linked", from: file, link: true });
    const statuses = lines.map((l) => l.status);
    assert.equal(statuses.at(-1), "success", JSON.stringify(lines));
    assert.ok(statuses.includes("parsing GGUF"));
    const hashing = lines.filter((l) => l.status === `linking ${file}`);
    assert.ok(hashing.length >= 1 && hashing.at(-1)!.completed === hashing.at(-1)!.total, JSON.stringify(lines));
    assert.ok(statuses.includes(`linking layer ${digest} to ${file}`), JSON.stringify(statuses));

    // The manifest holds the real digest and size; the blob is a symlink to the file: nothing was copied.
    const stored = await server.store.readManifest(parseModelName("linked"));
    const layer = stored.manifest.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model")!;
    assert.equal(layer.digest, digest);
    assert.equal(layer.size, (await lstat(file)).size);
    const blob = server.store.blobPath(digest);
    assert.ok((await lstat(blob)).isSymbolicLink());
    assert.equal(await readlink(blob), file);

    const generated = await generate(server, "linked");
    assert.equal(generated.status, 200, JSON.stringify(generated.json));
    assert.equal(generated.json.done, true);
    assert.ok(Number(generated.json.eval_count) > 0);

    const shown = await post(server, "/api/show", { model: "linked" });
    assert.equal(shown.status, 200);
    assert.equal(shown.json.link, file);
    assert.match(String(shown.json.modelfile), new RegExp(`\\nFROM ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`));
    assert.equal((shown.json.details as Record<string, unknown>).quantization_level, "F32");

    // Touched but unchanged: still fine (the whole file is hashed again once, and the record refreshed).
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    assert.equal((await post(server, "/api/show", { model: "linked" })).status, 200);

    const refused = async (reason: string) => {
      const message = `model weights moved or changed: ${file} (${reason})`;
      const show = await post(server, "/api/show", { model: "linked" });
      assert.equal(show.status, 409, JSON.stringify(show.json));
      assert.ok(String(show.json.error).startsWith(message), String(show.json.error));
      const gen = await generate(server, "linked");
      assert.equal(gen.status, 409, JSON.stringify(gen.json));
      assert.ok(String(gen.json.error).startsWith(message), String(gen.json.error));
    };

    // One byte changed outside the sampled windows, same size: the new mtime makes it hash the whole file.
    const size = (await lstat(file)).size;
    const offset = Math.floor(size / 8) + 12_345;
    await patchByte(file, offset);
    await refused("content differs");
    await patchByte(file, offset); // flips it back: the same bytes again, so it works again
    assert.equal((await generate(server, "linked")).status, 200);

    // Bytes appended.
    await appendFile(file, new Uint8Array(100));
    await refused("size differs");
    await truncate(file, size);
    assert.equal((await generate(server, "linked")).status, 200);

    // Moved away, then back.
    await rename(file, `${file}.moved`);
    await refused("file not found");
    const tags = await fetch(`${server.url}/api/tags`).then((r) => r.json()) as { models: Array<{ name: string }> };
    assert.deepEqual(tags.models.map((m) => m.name), ["linked:latest"]); // still listed, never an error for the list
    await rename(`${file}.moved`, file);
    assert.equal((await post(server, "/api/show", { model: "linked" })).status, 200);

    // Deleting the model removes the link, never the user's file.
    const deleted = await post(server, "/api/delete", { model: "linked" });
    assert.equal(deleted.status, 200);
    assert.equal(existsSync(blob), false);
    assert.equal(await lstat(blob).catch(() => undefined), undefined);
    assert.equal(await sha256(file), digest.slice(7));
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});

test("create with link refuses relative, missing and non-GGUF paths; with quantize it stores the result and links nothing", {
  skip,
  timeout: 120_000,
}, async () => {
  const outside = await mkdtemp(join(tmpdir(), "tollama-link-"));
  await using server = await startTestServer();
  try {
    const relative = await post(server, "/api/create", { model: "x", from: "weights.gguf", link: true, stream: false });
    assert.equal(relative.status, 400);
    assert.equal(relative.json.error, "'link' needs 'from' to be an absolute path to a GGUF file");
    const missing = await post(server, "/api/create", { model: "x", from: join(outside, "nope.gguf"), link: true, stream: false });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error, `no such file: ${join(outside, "nope.gguf")}`);
    await writeFile(join(outside, "text.gguf"), "not a model at all");
    const text = await post(server, "/api/create", { model: "x", from: join(outside, "text.gguf"), link: true, stream: false });
    assert.equal(text.status, 400);
    assert.equal(text.json.error, "supplied file was not in GGUF format");

    const file = join(outside, "weights.gguf");
    await copyFile(await fixtureModel("tiny-spm"), file);
    const before = await sha256(file);
    const lines = await createStream(server, { model: "q", from: file, link: true, quantize: "q8_0" });
    assert.equal(lines.at(-1)!.status, "success", JSON.stringify(lines));
    assert.ok(lines.some((l) => l.status === "quantizing F32 model to Q8_0"));
    assert.ok(!lines.some((l) => String(l.status).startsWith("linking")), JSON.stringify(lines));
    const layer = (await server.store.readManifest(parseModelName("q"))).manifest.layers[0];
    assert.ok((await lstat(server.store.blobPath(layer.digest))).isFile());
    const shown = await post(server, "/api/show", { model: "q" });
    assert.equal(shown.json.link, undefined);
    assert.equal((shown.json.details as Record<string, unknown>).quantization_level, "Q8_0");
    assert.equal((await generate(server, "q")).status, 200);
    assert.equal(await sha256(file), before);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
