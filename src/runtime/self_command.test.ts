import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { runtime, selfCommand } from "./mod.ts";
import { selfCommandOf } from "./self_command.ts";
import { TOLLAMA_VERSION } from "../version.ts";

test("selfCommand() runs this program again, from any directory", { timeout: 60_000 }, async () => {
  const [program, ...args] = selfCommand();
  assert.equal(program, runtime.execPath());
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(program, [...args, "--version"], { cwd: tmpdir() }, (error, out, err) => {
      if (error) reject(new Error(`${error.message}\n${err}`));
      else resolve(out);
    })
  );
  assert.equal(stdout.trim(), `tollama version is ${TOLLAMA_VERSION}`);
});

test("selfCommandOf() is the executable alone when compiled", () => {
  assert.deepEqual(selfCommandOf({ name: "bun", execPath: () => "/opt/tollama", compiled: true }), ["/opt/tollama"]);
  assert.match(
    selfCommandOf({ name: "bun", execPath: () => "/bin/bun", compiled: false }).join(" "),
    /^\/bin\/bun run \/.*\/mod\.ts$/,
  );
});
