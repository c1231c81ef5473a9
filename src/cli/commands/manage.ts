/** `cp`, `rm` and `stop`: one request each, silent on success as Ollama's are (but for the confirmations it prints). */
import type { Client } from "../client.ts";
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
    await client.json("POST", "/api/generate", { model, keep_alive: 0 }).catch(() => undefined);
    await client.json("DELETE", "/api/delete", { model });
    term.out(`deleted '${model}'\n`);
  }
  return 0;
}

export async function stopCommand(client: Client, _term: Terminal, args: string[]): Promise<number> {
  await client.json("POST", "/api/generate", { model: args[0], keep_alive: 0, stream: false });
  return 0;
}
