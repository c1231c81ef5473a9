/** `pull` and `push`: stream the server's progress into bars (TTY) or lines (pipes). */
import type { Client, ProgressEvent } from "../client.ts";
import type { Terminal } from "../io.ts";
import { ProgressRenderer } from "../progress.ts";

export async function streamProgress(
  client: Client,
  term: Terminal,
  path: string,
  body: unknown,
): Promise<void> {
  const renderer = new ProgressRenderer({
    write: (text) => term.err(text),
    isTTY: term.stderrIsTTY,
    columns: term.columns(),
  });
  for await (const event of client.stream<ProgressEvent>(path, body)) renderer.update(event);
}

export async function pullCommand(client: Client, term: Terminal, args: string[], flags: { insecure?: boolean }) {
  await streamProgress(client, term, "/api/pull", { model: args[0], insecure: flags.insecure ?? false, stream: true });
  return 0;
}

export async function pushCommand(client: Client, term: Terminal, args: string[], flags: { insecure?: boolean }) {
  await streamProgress(client, term, "/api/push", { model: args[0], insecure: flags.insecure ?? false, stream: true });
  return 0;
}
