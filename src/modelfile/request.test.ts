import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelfile } from "./parse.ts";
import { expandPath, isSemver, modelfileToCreateRequest } from "./request.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tollama-modelfile-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sha(bytes: string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

test("modelfileToCreateRequest() builds Ollama's request (TestCreateRequest)", async () => {
  const warnings: string[] = [];
  const toRequest = async (text: string) =>
    (await modelfileToCreateRequest(parseModelfile(text), { baseDir: "/nonexistent", onWarning: (w) => warnings.push(w) }))
      .request;

  assert.deepEqual(await toRequest("FROM test"), { from: "test" });
  assert.deepEqual(await toRequest("FROM test\nTEMPLATE some template\n"), { from: "test", template: "some template" });
  assert.deepEqual(await toRequest("FROM test\nLICENSE single license\nPARAMETER temperature 0.5\nMESSAGE user Hello\n"), {
    from: "test",
    license: ["single license"],
    parameters: { temperature: 0.5 },
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.deepEqual(
    await toRequest(`FROM test
PARAMETER temperature 0.5
PARAMETER top_k 1
SYSTEM You are a bot.
LICENSE license1
LICENSE license2
MESSAGE user Hello there!
MESSAGE assistant Hi! How are you?
PARAMETER stop <|a|>
PARAMETER stop "<|b|> "
PARAMETER mirostat 2
RENDERER qwen3
PARSER qwen3
REQUIRES v0.14.0
`),
    {
      from: "test",
      license: ["license1", "license2"],
      system: "You are a bot.",
      parameters: { temperature: 0.5, top_k: 1, stop: ["<|a|>", "<|b|> "] },
      messages: [{ role: "user", content: "Hello there!" }, { role: "assistant", content: "Hi! How are you?" }],
      renderer: "qwen3",
      parser: "qwen3",
      requires: "0.14.0",
    },
  );
  assert.deepEqual(warnings, ["warning: parameter mirostat is deprecated"]);

  await assert.rejects(toRequest("FROM test\nPARAMETER nope 1"), { message: "unknown parameter 'nope'" });
  await assert.rejects(toRequest("FROM test\nPARAMETER num_ctx big"), { message: "invalid int value [big]" });
  await assert.rejects(toRequest("FROM test\nREQUIRES 1.2.x"), { message: "requires must be a valid semver (e.g. 0.14.0)" });
});

test("modelfileToCreateRequest() hashes local FROM and ADAPTER files into blob digests", async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, "model.gguf"), "GGUF model bytes");
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "lora.gguf"), "GGUF adapter bytes");
    const modelfile = parseModelfile("FROM ./model.gguf\nADAPTER sub/lora.gguf\nSYSTEM hi");
    const { request, files } = await modelfileToCreateRequest(modelfile, { baseDir: dir });
    assert.deepEqual(request, {
      files: { "model.gguf": sha("GGUF model bytes") },
      adapters: { "lora.gguf": sha("GGUF adapter bytes") },
      system: "hi",
    });
    assert.deepEqual(files.map((f) => [f.kind, f.name, f.path, f.digest]), [
      ["model", "model.gguf", join(dir, "model.gguf"), sha("GGUF model bytes")],
      ["adapter", "lora.gguf", join(dir, "sub", "lora.gguf"), sha("GGUF adapter bytes")],
    ]);

    // An absolute path works the same; a missing path is an error, a missing name a model name; a directory gives
    // its GGUF files.
    const absolute = await modelfileToCreateRequest(parseModelfile(`FROM ${join(dir, "model.gguf")}`), { baseDir: "/" });
    assert.deepEqual(absolute.request.files, { "model.gguf": sha("GGUF model bytes") });
    for (const path of ["./missing.gguf", "missing.gguf", "../missing", "~/missing-tollama-test"]) {
      await assert.rejects(modelfileToCreateRequest(parseModelfile(`FROM ${path}`), { baseDir: dir }), {
        message: /^stat .*missing.*: no such file or directory$/,
      });
    }
    const named = await modelfileToCreateRequest(parseModelfile("FROM missing:7b"), { baseDir: dir });
    assert.deepEqual(named.request, { from: "missing:7b" });
    const fromDir = await modelfileToCreateRequest(parseModelfile("FROM ."), { baseDir: dir });
    assert.deepEqual(fromDir.request.files, { "model.gguf": sha("GGUF model bytes") });

    await assert.rejects(
      modelfileToCreateRequest(parseModelfile("FROM ./model.gguf\nDRAFT ./model.gguf"), { baseDir: dir }),
      { message: `DRAFT must not reference the same local path as FROM: ${join(dir, "model.gguf")}` },
    );
    // Several ADAPTER lines all count; files of the same name are told apart by their path.
    await writeFile(join(dir, "lora.gguf"), "other adapter");
    const two = await modelfileToCreateRequest(
      parseModelfile("FROM ./model.gguf\nADAPTER sub/lora.gguf\nADAPTER ./lora.gguf"),
      { baseDir: dir },
    );
    assert.deepEqual(two.request.adapters, { "sub/lora.gguf": sha("GGUF adapter bytes"), "lora.gguf": sha("other adapter") });
    await assert.rejects(
      modelfileToCreateRequest(parseModelfile("FROM x\nADAPTER ./none.gguf"), { baseDir: dir }),
      { code: "ENOENT" },
    );
  });
});

test("expandPath() resolves like Ollama's expandPath", () => {
  assert.equal(expandPath("/a/b/../c", "/x"), "/a/c");
  assert.equal(expandPath("m.gguf", "/x/y"), "/x/y/m.gguf");
  assert.ok(expandPath("~/m.gguf", "/x").endsWith("/m.gguf"));
  assert.ok(!expandPath("~/m.gguf", "/x").startsWith("/x"));
});

test("isSemver() accepts what golang.org/x/mod/semver accepts", () => {
  for (const ok of ["v0.14.0", "v1", "v1.2", "v1.2.3-rc.1", "v1.2.3+build.5", "v1.2.3-alpha.0+x"]) assert.ok(isSemver(ok), ok);
  for (const bad of ["0.14.0", "v01.2.3", "v1.2.3.4", "v1.2-rc1", "v1.2.3-01", "v", "vx"]) assert.ok(!isSemver(bad), bad);
});
