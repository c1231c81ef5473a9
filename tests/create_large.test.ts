// `tollama create` of a 300 MB GGUF through a real `serve` process, on the runtime running the test (the single
// executable has its own case in tests/compiled.test.ts): the model is created, its blob has the file's digest, the
// server's peak RSS grows by far less than the file, and the progress line on a terminal passes intermediate
// percentages. Then the upload's failure modes against the same server: a wrong digest answers 400 and keeps
// nothing; a client that drops the connection mid-upload leaves no temp file and the server goes on serving.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliCommand } from "./helpers/cli.ts";
import { writeBigGguf } from "./helpers/big_gguf.ts";
import {
  copyPercents,
  peakRss,
  runOnPty,
  SCRIPT,
  type ServeProcess,
  sha256File,
  startServeProcess,
} from "./helpers/large_create.ts";

const SIZE = 300 * 2 ** 20;
const skip = SCRIPT ? false : "util-linux `script` is not installed: the pseudo-terminal run is not possible";

let dir: string;
let models: string;
let file: string;
let digest: string;
let server: ServeProcess;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tollama-create-large-"));
  models = join(dir, "models");
  file = await writeBigGguf(join(dir, "big.gguf"), SIZE);
  digest = await sha256File(file);
  server = await startServeProcess(cliCommand(), { env: { OLLAMA_MODELS: models }, cwd: dir });
});
after(async () => {
  if (skip) return;
  await server?.[Symbol.asyncDispose]();
  await rm(dir, { recursive: true, force: true });
});

/** The files in the store's blobs folder. */
const blobFiles = async () => (await readdir(join(models, "blobs")).catch(() => [] as string[])).sort();

test("tollama create of a 300 MB GGUF: created, right digest, server memory flat, progress moves", { skip, timeout: 300_000 }, async () => {
  await writeFile(join(dir, "Modelfile"), "FROM ./big.gguf\n");
  const rssBefore = peakRss(server.pid);
  const run = await runOnPty([...cliCommand(), "create", "big", "-f", join(dir, "Modelfile")], {
    env: { OLLAMA_HOST: server.host },
    cwd: dir,
  });
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /success/);

  const percents = copyPercents(run.output, digest);
  assert.equal(percents.at(-1), 100, run.output);
  assert.ok(percents.some((p) => p > 0 && p < 100), `intermediate percentages drawn: ${percents.join(" ")}`);
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), "the percentage never goes back");

  const blob = `sha256-${digest.slice(7)}`;
  assert.equal((await stat(join(models, "blobs", blob))).size, (await stat(file)).size);
  assert.equal(await sha256File(join(models, "blobs", blob)), digest);
  const manifest = JSON.parse(await readFile(join(models, "manifests/registry.ollama.ai/library/big/latest"), "utf8"));
  assert.ok(
    manifest.layers.some((l: { mediaType: string; digest: string }) => l.mediaType === "application/vnd.ollama.image.model" && l.digest === digest),
    JSON.stringify(manifest.layers),
  );
  assert.deepEqual((await blobFiles()).filter((name) => name.startsWith(".")), [], "no temp files left");

  const rssAfter = peakRss(server.pid);
  if (rssBefore !== undefined && rssAfter !== undefined) {
    // Measured: ~55 MB on both runtimes, for 300 MB and 1 GiB alike (chunks the GC has not freed yet).
    assert.ok(rssAfter - rssBefore < SIZE / 3, `server peak RSS grew ${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
  }
});

test("POST /api/blobs with a wrong digest: 400 with Ollama's message, no blob and no temp file kept", { skip, timeout: 120_000 }, async () => {
  const body = randomBytes(8 << 20);
  const wrong = `sha256:${"0".repeat(64)}`;
  const response = await fetch(`http://${server.host}/api/blobs/${wrong}`, { method: "POST", body });
  assert.equal(response.status, 400);
  const { error } = await response.json();
  assert.match(error, /^digest mismatch, expected "sha256:0{64}", got "sha256:[0-9a-f]{64}"$/);
  const files = await blobFiles();
  assert.ok(!files.includes(`sha256-${"0".repeat(64)}`), files.join(", "));
  assert.deepEqual(files.filter((name) => name.startsWith(".")), [], "no temp files left");
});

test("POST /api/blobs cut off mid-upload: the temp file goes, the server serves on", { skip, timeout: 120_000 }, async () => {
  const [hostname, port] = server.host.split(":");
  const before = await blobFiles();
  // A client that announces 300 MB, sends 16 MiB, and drops the connection.
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /api/blobs/sha256:${"1".repeat(64)} HTTP/1.1\r\nHost: ${server.host}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${SIZE}\r\n\r\n`,
      );
      const piece = randomBytes(1 << 20);
      let sent = 0;
      const more = () => {
        while (sent < 16) {
          sent++;
          if (!socket.write(piece)) return void socket.once("drain", more);
        }
        // Dropped once the server's temp file is there and filling.
        void (async () => {
          const deadline = Date.now() + 30_000;
          while (!(await blobFiles()).some((name) => name.startsWith(".")) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          assert.ok((await blobFiles()).some((name) => name.startsWith(".")), "the upload was under way");
          socket.destroy();
          resolve();
        })().catch(reject);
      };
      more();
    });
    socket.on("error", reject);
  });
  const deadline = Date.now() + 30_000;
  let left = await blobFiles();
  while (left.some((name) => name.startsWith(".")) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await blobFiles();
  }
  assert.deepEqual(left, before, "no temp file and no blob from the dropped upload");
  assert.ok(server.alive(), server.log());

  // The server still takes uploads.
  const body = randomBytes(1 << 20);
  const good = `sha256:${createHash("sha256").update(body).digest("hex")}`;
  const response = await fetch(`http://${server.host}/api/blobs/${good}`, { method: "POST", body });
  assert.equal(response.status, 201, await response.text());
  assert.ok((await blobFiles()).includes(`sha256-${good.slice(7)}`));
});
