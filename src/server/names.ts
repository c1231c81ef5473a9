/** Name validity at the edge, through the registry's parser (the one authority on Ollama's name grammar). */
import { tryParseModelName } from "../registry/mod.ts";

/** True when `name` parses to a valid, fully qualifiable model name. */
export function isValidModelName(name: string): boolean {
  return name !== "" && tryParseModelName(name) !== undefined;
}
