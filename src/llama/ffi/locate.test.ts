import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { candidateDirs, LibraryNotFoundError, llamaLibraryIn, locateLlama } from "./locate.ts";

test("llamaLibraryIn() picks libllama (versioned or not) and ignores libllama-common", () => {
  const dir = mkdtempSync(join(tmpdir(), "tollama-locate-"));
  try {
    assert.equal(llamaLibraryIn(dir), undefined);
    writeFileSync(join(dir, "libllama-common.so"), "");
    assert.equal(llamaLibraryIn(dir), undefined);
    writeFileSync(join(dir, "libllama.v0.5.0.so"), "");
    assert.equal(llamaLibraryIn(dir), join(dir, "libllama.v0.5.0.so"));
    assert.equal(llamaLibraryIn(join(dir, "missing")), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("locateLlama() searches LLAMA_LIB_DIR, lib/, the npm package, then next to the executable", () => {
  const dirs = candidateDirs({ libDir: "/x", execPath: "/opt/tollama/tollama" });
  assert.equal(dirs[0], "/x");
  assert.match(dirs[1], /\/lib$/);
  assert.match(dirs[2], /node_modules\/@node-llama-cpp\/linux-x64\/bins\/linux-x64$/);
  assert.deepEqual(dirs.slice(3), ["/opt/tollama", "/opt/tollama/lib", "/opt/tollama/llama-bins"]);
});

test("locateLlama() finds the repo's libraries, and a wrong LLAMA_LIB_DIR is an error, not a silent fallback", () => {
  const found = locateLlama({});
  assert.match(found.libraryPath, /libllama[^/]*\.so/);
  const empty = mkdtempSync(join(tmpdir(), "tollama-locate-"));
  try {
    assert.throws(() => locateLlama({ libDir: empty }), (e: Error) => e instanceof LibraryNotFoundError && /LLAMA_LIB_DIR/.test(e.message));
    assert.throws(() => locateLlama({ libDir: join(empty, "nope") }), LibraryNotFoundError);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
