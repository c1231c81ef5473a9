// Writes .cache/deno-namespace.d.ts: only the `Deno` namespace of `deno types`, so `tsc` (with Bun's and the DOM's types)
// can check src/runtime/deno.ts and src/llama/ffi/deno.ts without the web globals Deno's file also declares.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const all = execFileSync(join(root, "node_modules/.bin/deno"), ["types"], { encoding: "utf8", maxBuffer: 64 << 20 });
const lines = all.split("\n");
const out = [];
for (let i = 0; i < lines.length; i++) {
  if (!lines[i].startsWith("declare namespace Deno {")) continue;
  for (; i < lines.length; i++) {
    out.push(lines[i]);
    if (lines[i] === "}") break;
  }
}
mkdirSync(join(root, ".cache"), { recursive: true });
writeFileSync(join(root, ".cache/deno-namespace.d.ts"), out.join("\n") + "\n");
