/**
 * `tollama create MODEL [-f Modelfile] [-q TYPE]`: reads the Modelfile (default `./Modelfile`, else `FROM .`), uploads
 * every local file it names as a blob (HEAD, then POST only when the server lacks it), then asks the server to create.
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { modelfileToCreateRequest, parseModelfile } from "../../modelfile/mod.ts";
import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";
import { streamProgress } from "./transfer.ts";
import { uploadBlob } from "./upload_blob.ts";

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
