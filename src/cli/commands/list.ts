import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";
import { humanBytes, humanTime, renderTable } from "../format.ts";

interface TagsResponse {
  models: Array<{ name: string; digest: string; size: number; modified_at: string }>;
}

/** `tollama list [PREFIX]`: NAME ID SIZE MODIFIED, as `ollama list`. */
export async function listCommand(client: Client, term: Terminal, args: string[]): Promise<number> {
  const { models } = await client.json<TagsResponse>("GET", "/api/tags");
  const prefix = args[0]?.toLowerCase();
  const rows = models
    .filter((m) => !prefix || m.name.toLowerCase().startsWith(prefix))
    .map((m) => [m.name, m.digest.slice(0, 12), humanBytes(m.size), humanTime(new Date(m.modified_at), "Never")]);
  term.out(renderTable(["NAME", "ID", "SIZE", "MODIFIED"], rows));
  return 0;
}
