// Test-only access to Ollama's template files (../shared/ollama-templates from the repo root):
// an oracle to compare against, never shipped or copied into the repo.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The oracle folder, or null (with the reason) when this checkout has none. */
export const oracleDir: string | null = existsSync(join(root, "../shared/ollama-templates/cases.json"))
  ? join(root, "../shared/ollama-templates")
  : null;

/** Why oracle tests are skipped, for `test(name, { skip })`. */
export const oracleSkip: string | false = oracleDir === null
  ? "../shared/ollama-templates is absent: Ollama's template oracle is not available here"
  : false;

/** A file of the oracle folder, as text. */
export function oracleFile(path: string): string {
  if (oracleDir === null) throw new Error("Ollama's template oracle is not available");
  return readFileSync(join(oracleDir, path), "utf8");
}
