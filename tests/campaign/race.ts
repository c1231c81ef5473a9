/**
 * Concurrent create, copy, delete and show of one name, round after round: every answer must be clear (2xx, or
 * a 4xx such as 404 when the name is gone), and afterwards the store scan must find no manifest pointing at a
 * missing blob. Each create carries its own system prompt, so each makes and orphans a blob of its own.
 * @module
 */
import type { Case, Outcome } from "./case.ts";
import type { Campaign } from "./runner.ts";
import { MODELS } from "./requests_native.ts";

const ANY_CLEAR: Outcome[] = ["2xx", "4xx"];

/** The operations of round `round` on `name`. */
function roundCases(round: number, name: string): Case[] {
  const post = (id: string, path: string, body: unknown, method = "POST"): Case => ({
    id: `race round ${round} ${id}`,
    method,
    path,
    body,
    api: "ollama",
    allow: ANY_CLEAR,
  });
  return [
    post("create A", "/api/create", { model: name, from: MODELS.text, system: `round ${round} A`, stream: false }),
    post("create B", "/api/create", {
      model: name,
      from: MODELS.text,
      system: `round ${round} B`,
      template: "{{ .Prompt }}",
      stream: false,
    }),
    post("copy onto it", "/api/copy", { source: MODELS.text, destination: name }),
    post("delete it", "/api/delete", { model: name }, "DELETE"),
    post("copy it away", "/api/copy", { source: name, destination: `${name}-copy` }),
    post("delete the copy", "/api/delete", { model: `${name}-copy` }, "DELETE"),
    post("show it", "/api/show", { model: name }),
  ];
}

/** Runs `rounds` rounds of the operations at once on `name`. */
export async function raceRounds(campaign: Campaign, rounds: number, name = "campaign-race"): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(roundCases(round, name).map((c) => campaign.run(c)));
  }
}
