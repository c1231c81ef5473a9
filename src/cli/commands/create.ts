/**
 * `tollama create MODEL [-f Modelfile] [-q TYPE]`: reads the Modelfile (default `./Modelfile`, else `FROM .`), uploads
 * every local file it names as a blob (HEAD, then POST only when the server lacks it), then asks the server to create.
 * @module
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { Readable } from "node:stream";
import { modelfileToCreateRequest, parseModelfile } from "../../modelfile/mod.ts";
import { type Client, ResponseError } from "../client.ts";
import type { Terminal } from "../io.ts";
import { streamProgress } from "./transfer.ts";

export interface CreateFlags {
  file?: string;
  quantize?: string;
  link?: boolean;
}

async function readModelfileText(path: string | undefined): Promise<{ text: string | Uint8Array; baseDir: string }> {
  const file = resolve(path ?? "Modelfile");
  try {
    return { text: await readFile(file), baseDir: dirname(file) };
  } catch (error) {
    // Without -f and without ./Modelfile, Ollama builds from the current directory.
    if (path === undefined && (error as NodeJS.ErrnoException).code === "ENOENT") return { text: "FROM .", baseDir: process.cwd() };
    // Go's wording, as `ollama create -f missing` prints it.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`open ${path}: no such file or directory`);
    throw error;
  }
}

/** Uploads `path` as blob `digest` unless the server already has it. */
async function uploadBlob(client: Client, term: Terminal, path: string, digest: string): Promise<void> {
  try {
    await client.request("HEAD", `/api/blobs/${digest}`);
    return;
  } catch (error) {
    if (!(error instanceof ResponseError) || error.status !== 404) throw error;
  }
  const size = (await stat(path)).size;
  // On a terminal the line is redrawn in place when the upload ends; in a log only the final line appears.
  if (term.stderrIsTTY) term.err(`copying file ${digest} 0%\r`);
  const body = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as unknown as ReadableStream<Uint8Array>;
  const response = await fetch(`${client.baseUrl}/api/blobs/${digest}`, {
    method: "POST",
    body,
    headers: { "Content-Length": String(size), "Content-Type": "application/octet-stream" },
    duplex: "half",
  } as RequestInit);
  if (!response.ok) {
    const text = await response.text();
    let message = text;
    try {
      message = JSON.parse(text).error ?? text;
    } catch { /* plain text */ }
    throw new ResponseError(message, response.status);
  }
  await response.body?.cancel();
  term.err(`copying file ${digest} 100%\n`);
}

export async function createCommand(client: Client, term: Terminal, args: string[], flags: CreateFlags): Promise<number> {
  const { text, baseDir } = await readModelfileText(flags.file);
  const modelfile = parseModelfile(text);
  const { request, files } = await modelfileToCreateRequest(modelfile, { baseDir, onWarning: (m) => term.err(`${m}\n`) });
  term.err("gathering model components\n");
  if (flags.link) {
    // Import in place: the server records the file where it is instead of receiving a copy.
    const model = files.find((f) => f.kind === "model");
    if (!model) throw new Error("--link needs FROM to name a local GGUF file");
    await streamProgress(client, term, "/api/create", {
      ...request,
      files: undefined,
      from: model.path,
      link: true,
      model: args[0],
      quantize: flags.quantize,
      stream: true,
    });
    return 0;
  }
  for (const file of files) await uploadBlob(client, term, file.path, file.digest);
  await streamProgress(client, term, "/api/create", { ...request, model: args[0], quantize: flags.quantize, stream: true });
  return 0;
}
