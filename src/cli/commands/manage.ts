/** `cp`, `rm` and `stop`: one request each, with Ollama's confirmations and messages. */
import { type Client, ResponseError } from "../client.ts";
import type { Terminal } from "../io.ts";

export async function copyCommand(client: Client, term: Terminal, args: string[]): Promise<number> {
  const [source, destination] = args;
  await client.json("POST", "/api/copy", { source, destination });
  term.out(`copied '${source}' to '${destination}'\n`);
  return 0;
}

export async function removeCommand(client: Client, term: Terminal, args: string[]): Promise<number> {
  for (const model of args) {
    // Unload first so a running model does not keep its weights mapped (Ollama does the same).
    try {
      await client.json("POST", "/api/generate", { model, keep_alive: 0, stream: false });
    } catch (error) {
      if (!(error instanceof ResponseError) || !/not found/i.test(error.message)) {
        term.err(`Warning: unable to stop model '${model}'\n`);
      }
    }
    await client.json("DELETE", "/api/delete", { model });
    term.out(`deleted '${model}'\n`);
  }
  return 0;
}

export async function stopCommand(client: Client, _term: Terminal, args: string[]): Promise<number> {
  try {
    await client.json("POST", "/api/generate", { model: args[0], keep_alive: 0, stream: false });
  } catch (error) {
    if (error instanceof ResponseError && /not found/.test(error.message)) {
      throw new Error(`couldn't find model "${args[0]}" to stop`);
    }
    throw error;
  }
  return 0;
}
