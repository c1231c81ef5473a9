/**
 * `tollama run MODEL [PROMPT]`: pulls the model when missing, then answers one prompt (argument or piped stdin) or
 * opens the interactive session.
 * @module
 */
import { join } from "node:path";
import { config } from "../../config.ts";
import { type Client, ResponseError } from "../client.ts";
import { readStdin, type Terminal } from "../io.ts";
import { streamProgress } from "../commands/transfer.ts";
import type { ShowResponse } from "../commands/show.ts";
import { generateOnce, type RunOptions, showText } from "./session.ts";
import { LineReader } from "./line_reader.ts";
import { Repl } from "./repl.ts";
import { extractImages } from "./images.ts";

export interface RunFlags {
  format?: string;
  think?: string;
  hidethinking?: boolean;
  keepalive?: string;
  verbose?: boolean;
  nowordwrap?: boolean;
  insecure?: boolean;
  dimensions?: string;
  truncate?: boolean;
}

function thinkValue(flag: string | undefined): boolean | string | undefined {
  if (flag === undefined) return undefined;
  if (flag === "" || flag === "true") return true;
  if (flag === "false") return false;
  if (["high", "medium", "low", "max"].includes(flag)) return flag;
  throw new Error(`invalid value for --think: ${JSON.stringify(flag)} (must be true, false, high, medium, low, or max)`);
}

/** Shows the model, pulling it first when the server does not have it (as `ollama run` does). */
async function showOrPull(client: Client, term: Terminal, model: string, insecure: boolean): Promise<ShowResponse> {
  try {
    return await client.json<ShowResponse>("POST", "/api/show", { model });
  } catch (error) {
    if (!(error instanceof ResponseError) || error.status !== 404) throw error;
  }
  await streamProgress(client, term, "/api/pull", { model, insecure, stream: true });
  return await client.json<ShowResponse>("POST", "/api/show", { model });
}

export async function runCommand(client: Client, term: Terminal, args: string[], flags: RunFlags): Promise<number> {
  const model = args[0];
  const prompts = args.slice(1);
  let interactive = true;
  if (!term.stdinIsTTY) {
    const piped = await readStdin();
    if (piped.length > 0) prompts.unshift(piped);
    interactive = false;
  }
  if (prompts.length > 0 || !term.stdoutIsTTY) interactive = false;
  const prompt = prompts.join(" ");

  const opts: RunOptions = {
    model,
    messages: [],
    options: {},
    format: flags.format,
    think: thinkValue(flags.think),
    keepAlive: flags.keepalive,
    wordWrap: !flags.nowordwrap && term.stdoutIsTTY,
    verbose: flags.verbose ?? false,
    hideThinking: flags.hidethinking ?? false,
  };
  if (opts.format && opts.format !== "json") throw new Error(`invalid format: ${opts.format}`);

  const info = await showOrPull(client, term, model, flags.insecure ?? false);
  if (info.capabilities?.includes("embedding") && !info.capabilities.includes("completion")) {
    if (!prompt) throw new Error(`embedding models require input text. Usage: tollama run ${model} "your text here"`);
    const body: Record<string, unknown> = { model, input: prompt, keep_alive: opts.keepAlive };
    if (flags.dimensions) body.dimensions = Number(flags.dimensions);
    if (flags.truncate !== undefined) body.truncate = flags.truncate;
    const result = await client.json<{ embeddings: number[][] }>("POST", "/api/embed", body);
    term.out(JSON.stringify(result.embeddings[0]) + "\n");
    return 0;
  }

  opts.multimodal = info.capabilities?.includes("vision") ?? false;
  if (!interactive) {
    const abort = new AbortController();
    const attached = opts.multimodal ? await extractImages(prompt) : { prompt, images: [], added: [] };
    for (const path of attached.added) term.err(`Added image '${path}'\n`);
    await generateOnce(client, term, opts, attached.prompt, abort.signal, attached.images);
    return 0;
  }

  // Load the model before the first prompt so the person waits once, up front.
  await client.json("POST", "/api/generate", { model, keep_alive: opts.keepAlive, stream: false });
  // A model saved with a conversation shows it first, as the turns it will continue from (Ollama does the same).
  opts.loadedMessages = info.messages ?? [];
  for (const message of opts.loadedMessages) {
    if (message.role === "user") term.out(`>>> ${message.content}\n`);
    if (message.role === "assistant") showText(term, opts, message.content);
  }
  const history = config.noHistory() ? undefined : join(config.homeDir(), ".ollama", "history");
  const reader = await LineReader.open(history);
  try {
    await new Repl(client, term, opts, reader).run();
  } finally {
    reader.close();
  }
  return 0;
}
