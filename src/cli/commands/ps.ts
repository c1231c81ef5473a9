import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";
import { humanBytes, humanTime, renderTable } from "../format.ts";

interface PsResponse {
  models: Array<{ name: string; digest: string; size: number; size_vram: number; expires_at: string; context_length: number }>;
}

function processor(size: number, sizeVram: number): string {
  if (sizeVram === 0) return "100% CPU";
  if (sizeVram === size) return "100% GPU";
  if (sizeVram > size || size === 0) return "Unknown";
  const cpu = Math.round(((size - sizeVram) / size) * 100);
  return `${cpu}%/${100 - cpu}% CPU/GPU`;
}

/** `tollama ps`: NAME ID SIZE PROCESSOR CONTEXT UNTIL, as `ollama ps`. */
export async function psCommand(client: Client, term: Terminal, args: string[]): Promise<number> {
  const { models } = await client.json<PsResponse>("GET", "/api/ps");
  const now = new Date();
  const rows = models
    .filter((m) => !args[0] || m.name.startsWith(args[0]))
    .map((m) => {
      const expires = new Date(m.expires_at);
      const until = expires.getTime() < now.getTime() ? "Stopping..." : humanTime(expires, "Never", now);
      return [m.name, m.digest.slice(0, 12), humanBytes(m.size), processor(m.size, m.size_vram), String(m.context_length), until];
    });
  term.out(renderTable(["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"], rows));
  return 0;
}
