// The layering rules of style.md, checked on the source: runtime differences live only in src/runtime/ and
// src/llama/ffi/, the environment is read only in src/config.ts (and by the runtime adapter), and the folders of
// src/ import each other without cycles, and only through each folder's mod.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

const files = sourceFiles(src).map((path) => ({ path, rel: relative(root, path), text: readFileSync(path, "utf8") }));
/** Code without comments and string contents, so a word in a doc comment or a message does not count. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
}

test("Deno and Bun globals are used only in src/runtime/ and src/llama/ffi/", () => {
  const offenders = files
    .filter((f) => !f.rel.startsWith("src/runtime/") && !f.rel.startsWith("src/llama/ffi/"))
    .filter((f) => /\b(Deno|Bun)\.[a-zA-Z]/.test(code(f.text)) || /runtime\.name\s*===/.test(code(f.text)))
    .map((f) => f.rel);
  assert.deepEqual(offenders, []);
});

test("the environment is read only in src/config.ts and the runtime adapter", () => {
  const offenders = files
    .filter((f) => f.rel !== "src/config.ts" && !f.rel.startsWith("src/runtime/"))
    .filter((f) => /process\.env|Deno\.env|runtime\.env\(/.test(code(f.text)))
    .map((f) => f.rel);
  assert.deepEqual(offenders, []);
});

test("the folders of src/ import each other without cycles", () => {
  const folderOf = (path: string) => relative(src, path).split("/")[0].replace(/\.ts$/, "");
  const edges = new Map<string, Set<string>>();
  for (const f of files) {
    const from = folderOf(f.path);
    for (const m of f.text.matchAll(/(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g)) {
      const target = resolve(dirname(f.path), m[1] ?? m[2]);
      if (!target.startsWith(src + "/")) continue;
      const to = folderOf(target);
      if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
    }
  }
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of edges.get(node) ?? []) {
      if (next === path[0]) cycles.push([...path, next].join(" → "));
      else if (!path.includes(next)) visit(next, [...path, next]);
    }
  };
  for (const node of edges.keys()) visit(node, [node]);
  assert.deepEqual(cycles, []);
});

test("a folder of src/ is entered only through its mod.ts (src/config.ts, src/log.ts and src/version.ts are single files)", () => {
  // test files too: a test beside the code uses the other folders as any caller would
  const all = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : [];
    });
  })(src);
  const singleFiles = new Set(["config.ts", "log.ts", "version.ts"]);
  const offenders: string[] = [];
  for (const path of all) {
    const from = relative(src, path).split("/")[0];
    const text = readFileSync(path, "utf8");
    const imports = /(?:import|export)[^"';]*?from\s+["'](\.[^"']+)["']|import\s*\(?\s*["'](\.[^"']+)["']/g;
    for (const m of text.matchAll(imports)) {
      const target = relative(src, resolve(dirname(path), m[1] ?? m[2]));
      if (target.startsWith("..")) continue; // outside src/ (tests/helpers)
      const folder = target.split("/")[0];
      if (folder === from || singleFiles.has(target) || target === `${folder}/mod.ts`) continue;
      offenders.push(`${relative(root, path)} → src/${target}`);
    }
  }
  assert.deepEqual(offenders, []);
});
