// Malformed model files against a real server process (issue 19, item 2): each is uploaded as a blob, created as a
// model through the HTTP API and used; every one gets a clear JSON error (a 400 at create, or Ollama's 500 "llama
// runner process has terminated: ..." at load), and the server process lives on and answers. Files that libllama
// would abort on are caught by validateGguf (gguf/) or by the load probe (a child process, engine/load_probe.ts);
// the probe's verdict survives a restart in load-verdicts.json.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf } from "../src/gguf/mod.ts";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { childEnv, cliCommand } from "./helpers/cli.ts";
import { freePort } from "./helpers/net.ts";
import { flipBits, rename, setU32, stringAt, tensorFields, view } from "./helpers/gguf_edit.ts";

const skip = fixtureSkip("tiny-spm");

interface ServerProcess {
  url: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** `tollama serve` as its own process, on the runtime running this test, over the store at `models`. */
async function startServer(home: string, models: string): Promise<ServerProcess> {
  const port = await freePort();
  const [program, ...args] = cliCommand();
  const child = spawn(program, [...args, "serve"], {
    env: childEnv({ HOME: home, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: models, OLLAMA_NUM_PARALLEL: "1" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 60_000);
    const onData = (chunk: Uint8Array) => {
      log += new TextDecoder().decode(chunk);
      if (log.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code, signal) => reject(new Error(`serve exited (${code ?? signal}): ${log}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

// ---- the server under test ----

let home: string;
let server: ServerProcess;
let fixture: Uint8Array;
let tensorDataOffset: number;

before(async () => {
  if (skip) return;
  const path = await fixtureModel("tiny-spm");
  fixture = new Uint8Array(readFileSync(path)); // a plain copy: Buffer.slice() would share the bytes
  tensorDataOffset = (await readGguf(path, { maxArrayElements: 0 })).tensorDataOffset;
  home = await mkdtemp(join(tmpdir(), "tollama-malformed-"));
  server = await startServer(home, join(home, "models"));
  const good = await createModel("good", fixture);
  assert.equal(good.status, 200, JSON.stringify(good.body));
});

after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path, { method: "POST", body: JSON.stringify(body) });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body: parsed };
}

/** Uploads `bytes` as a blob and creates model `name` from it. */
async function createModel(name: string, bytes: Uint8Array) {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const upload = await fetch(`${server.url}/api/blobs/${digest}`, {
    method: "POST",
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  assert.ok(upload.status === 201 || upload.status === 200, `blob upload: ${upload.status}`);
  await upload.body?.cancel();
  return await post("/api/create", { model: name, files: { "model.gguf": digest }, stream: false });
}

/** The server process is running and a good model still generates. */
async function assertAlive(after: string): Promise<void> {
  assert.equal(server.child.exitCode, null, `the server exited after ${after}:\n${server.log().slice(-2000)}`);
  assert.equal(server.child.signalCode, null, `the server died after ${after}:\n${server.log().slice(-2000)}`);
  const r = await post("/api/generate", {
    model: "good",
    prompt: "Once upon a time",
    stream: false,
    options: { num_predict: 2 },
  });
  assert.equal(r.status, 200, `generate after ${after}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.done, true);
}

type Outcome = { stage: "create" | "load"; status: number; error: string } | { stage: "ok" };

/** Creates and uses one malformed file; the server must answer with JSON and survive. */
async function tryModel(name: string, bytes: Uint8Array): Promise<Outcome> {
  let outcome: Outcome;
  const created = await createModel(name, bytes);
  if (created.status !== 200) {
    assert.ok(created.status >= 400 && created.status < 600, `${name}: create answered ${created.status}`);
    assert.equal(typeof created.body.error, "string", `${name}: ${JSON.stringify(created.body)}`);
    outcome = { stage: "create", status: created.status, error: created.body.error as string };
  } else {
    const used = await post("/api/generate", {
      model: name,
      prompt: "Hello",
      stream: false,
      options: { num_predict: 2 },
    });
    if (used.status === 200) {
      outcome = { stage: "ok" };
    } else {
      assert.ok(used.status >= 400 && used.status < 600, `${name}: generate answered ${used.status}`);
      assert.equal(typeof used.body.error, "string", `${name}: ${JSON.stringify(used.body)}`);
      outcome = { stage: "load", status: used.status, error: used.body.error as string };
    }
  }
  await assertAlive(name);
  return outcome;
}

function assertRefused(outcome: Outcome, stage: "create" | "load", status: number, error: RegExp): void {
  assert.notEqual(outcome.stage, "ok", "the malformed model loaded");
  if (outcome.stage === "ok") return;
  assert.deepEqual({ stage: outcome.stage, status: outcome.status }, { stage, status }, outcome.error);
  assert.match(outcome.error, error);
}

test("block_count 0 and 1000 are refused at create (libllama asserts 1..512)", { skip, timeout: 120_000 }, async () => {
  assertRefused(
    await tryModel("blocks0", setU32(fixture, "llama.block_count", 0)),
    "create",
    400,
    /^invalid model file: llama\.block_count is 0; llama\.cpp supports 1 to 512 layers$/,
  );
  assertRefused(
    await tryModel("blocks1000", setU32(fixture, "llama.block_count", 1000)),
    "create",
    400,
    /block_count is 1000/,
  );
  assertRefused(
    await tryModel("blocks3", setU32(fixture, "llama.block_count", 3)),
    "create",
    400,
    /no tensors for layer 2/,
  );
  // Quantizing reads the hyperparameters as a load does (and would abort in-process): a linked file is checked first.
  const external = join(home, "blocks0.gguf");
  await writeFile(external, setU32(fixture, "llama.block_count", 0));
  const quantized = await post("/api/create", {
    model: "q-blocks0",
    from: external,
    link: true,
    quantize: "q8_0",
    stream: false,
  });
  assert.deepEqual(quantized, {
    status: 400,
    body: { error: "invalid model file: llama.block_count is 0; llama.cpp supports 1 to 512 layers" },
  });
  await assertAlive("quantizing block_count 0");
  assertRefused(
    await tryModel("ctx-max", setU32(fixture, "llama.context_length", 0xffffffff)),
    "create",
    400,
    /context_length is 4294967295/,
  );
});

test("format damage is refused at create: truncated, offset past EOF, bad type id, huge array, duplicate tensor", {
  skip,
  timeout: 120_000,
}, async () => {
  assertRefused(
    await tryModel("truncated", fixture.subarray(0, fixture.length >> 1)),
    "create",
    400,
    /past the end of the file/,
  );
  const pastEof = fixture.slice();
  view(pastEof).setBigUint64(tensorFields(pastEof, "output.weight").offsetAt, 1n << 40n, true);
  assertRefused(await tryModel("offset-eof", pastEof), "create", 400, /'output\.weight' data .* extends past the end/);
  const badType = fixture.slice();
  view(badType).setUint32(tensorFields(badType, "blk.0.attn_k.weight").typeAt, 99, true);
  assertRefused(await tryModel("type99", badType), "create", 400, /unknown ggml type 99/);
  const hugeArray = fixture.slice();
  // the element count of tokenizer.ggml.tokens: after its key, the array type (9) and the element type (8)
  const tokensAt = stringAt(hugeArray, "tokenizer.ggml.tokens") + 8 + "tokenizer.ggml.tokens".length + 8;
  view(hugeArray).setBigUint64(tokensAt, 1n << 40n, true);
  assertRefused(
    await tryModel("huge-array", hugeArray),
    "create",
    400,
    /array 'tokenizer\.ggml\.tokens' of 1099511627776/,
  );
  const duplicate = rename(fixture, "blk.1.attn_q.weight", "blk.0.attn_q.weight");
  assertRefused(
    await tryModel("dup-tensor", duplicate),
    "create",
    400,
    /duplicate tensor name 'blk\.0\.attn_q\.weight'/,
  );
  const beyond = rename(fixture, "blk.1.attn_q.weight", "blk.7.attn_q.weight");
  assertRefused(await tryModel("blk-beyond", beyond), "create", 400, /tensors for layer 7/);
});

test("a missing layer tensor and a repeated token are refused at load, with 500 as Ollama's dead runner", {
  skip,
  timeout: 120_000,
}, async () => {
  // blk.1 keeps its other tensors: libllama itself refuses the file cleanly ("missing tensor")
  const missing = rename(fixture, "blk.1.attn_q.weight", "xxx.1.attn_q.weight");
  assertRefused(await tryModel("missing-blk", missing), "load", 500, /failed to load model/);
  // "<0x0B>" becomes a second "<0x0A>": llama_vocab asserts (abort) on a repeated token; create skips the vocabulary
  const repeated = rename(fixture, "<0x0B>", "<0x0A>");
  assertRefused(
    await tryModel("dup-token", repeated),
    "load",
    500,
    /^llama runner process has terminated: error loading model: invalid model file: tokenizer\.ggml\.tokens has token 14 equal to token 13/,
  );
});

test("a tensor type that keeps the sizes (F32 → I32) crashes the load probe, not the server; the verdict is kept", {
  skip,
  timeout: 180_000,
}, async () => {
  const i32 = fixture.slice();
  view(i32).setUint32(tensorFields(i32, "token_embd.weight").typeAt, 26, true);
  const first = await tryModel("i32-embd", i32);
  assertRefused(first, "load", 500, /^llama runner process has terminated: signal: [a-z /]+/);
  const digest = `sha256:${createHash("sha256").update(i32).digest("hex")}`;
  const verdicts = JSON.parse(await readFile(join(home, "models", "load-verdicts.json"), "utf8"));
  assert.equal(verdicts[digest].ok, false);
  assert.equal(first.stage === "load" && first.error, `llama runner process has terminated: ${verdicts[digest].error}`);
  // good models are remembered too: the one every case used
  assert.ok(Object.values(verdicts).some((v) => (v as { ok: boolean }).ok));

  // A restart reads the verdict: the same answer, with no probe and no load.
  await server.stop();
  server = await startServer(home, join(home, "models"));
  const again = await post("/api/generate", { model: "i32-embd", prompt: "Hello", stream: false });
  assert.deepEqual(again, { status: 500, body: { error: first.stage === "load" ? first.error : "" } });
  await assertAlive("the restart");
});

test("seeded bit flips in the header and the tensor infos: a JSON answer each time, the server lives", {
  skip,
  timeout: 300_000,
}, async () => {
  const range = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => lo + i);
  // the values of the llama.* hyperparameters: each flip there parses, and only a check can tell
  const values = ["context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count"]
    .flatMap((key) => {
      const at = stringAt(fixture, `llama.${key}`) + 8 + `llama.${key}`.length + 4; // past the key and the type
      return range(at, at + 4);
    });
  const areas: Array<[string, number[]]> = [
    ["header", range(24, stringAt(fixture, "tokenizer.ggml.tokens"))],
    ["values", values],
    ["infos", range(stringAt(fixture, "token_embd.weight"), tensorDataOffset)],
  ];
  const counts = { create: 0, load: 0, ok: 0 };
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const [area, positions] of areas) {
      const outcome = await tryModel(`flip-${area}-${seed}`, flipBits(fixture, seed, 4, positions));
      counts[outcome.stage]++;
    }
  }
  console.log(`bit flips (15 files, 4 bits each): ${JSON.stringify(counts)}`);
  assert.ok(counts.create + counts.load > 0, "no flip was caught");
});
