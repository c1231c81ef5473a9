// Runs every case of the Go text/template conformance corpus (outputs produced by Go itself).
// The corpus lives outside the repository; without it the test is skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Template } from "./mod.ts";
import { parseJsonLossless } from "./testdata_json.ts";

const corpus = fileURLToPath(new URL("../../../shared/conformance/gotmpl/cases.jsonl", import.meta.url));
const present = existsSync(corpus);
// The corpus fixes the clock at 2024-01-02 (local calendar date).
const NOW = new Date(2024, 0, 2, 12, 0, 0);

interface Case {
  name: string;
  template: string;
  data: unknown;
  funcs: "none" | "ollama";
  missingkey: "default" | "zero" | "error";
  output?: string;
  error_kind?: "parse" | "exec";
  error?: string;
}

function run(c: Case): string | null {
  let t: Template;
  try {
    t = Template.parse(c.template, { funcs: c.funcs, missingKey: c.missingkey, now: NOW });
  } catch (e) {
    const kind = (e as { kind?: string }).kind;
    if (kind !== "parse") return `parse threw a non-template error: ${(e as Error).stack}`;
    if (c.error_kind === "parse") return null;
    return `unexpected parse error: ${(e as Error).message}`;
  }
  let out: string;
  try {
    out = t.execute(c.data);
  } catch (e) {
    const kind = (e as { kind?: string }).kind;
    if (kind !== "exec") return `execute threw a non-template error: ${(e as Error).stack}`;
    if (c.error_kind === "exec") return null;
    return `unexpected exec error: ${(e as Error).message}`;
  }
  if (c.error_kind !== undefined) {
    return `expected ${c.error_kind} error (${c.error}), got output ${JSON.stringify(out)}`;
  }
  if (out !== c.output) return `output ${JSON.stringify(out)} != expected ${JSON.stringify(c.output)}`;
  return null;
}

test("gotmpl conformance corpus", { skip: present ? false : `corpus not found at ${corpus}` }, () => {
  const lines = readFileSync(corpus, "utf8").split("\n").filter((l) => l.length > 0);
  const failures: string[] = [];
  for (const line of lines) {
    const c = parseJsonLossless(line) as Case;
    const problem = run(c);
    if (problem !== null) failures.push(`${c.name}: ${JSON.stringify(c.template).slice(0, 200)}\n    ${problem}`);
  }
  const passed = lines.length - failures.length;
  console.log(`gotmpl conformance: ${passed}/${lines.length}`);
  assert.equal(failures.length, 0, `${failures.length} of ${lines.length} cases failed:\n${failures.join("\n")}`);
});
