import { test } from "node:test";
import assert from "node:assert/strict";
import { WrappingWriter } from "./display.ts";

/** Applies the cursor-back / erase-line escapes the writer emits to get what a terminal would show. */
function screen(raw: string): string[] {
  const lines: string[][] = [[]];
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const back = raw.startsWith("\x1b[", i) ? /^.\[(\d+)D/.exec(raw.slice(i)) : null;
    if (back) {
      col -= Number(back[1]);
      i += back[0].length - 1;
      continue;
    }
    if (raw.startsWith("\x1b[K", i)) {
      lines[lines.length - 1].length = col;
      i += 2;
      continue;
    }
    if (raw[i] === "\n") {
      lines.push([]);
      col = 0;
      continue;
    }
    lines[lines.length - 1][col++] = raw[i];
  }
  return lines.map((l) => l.join(""));
}

test("WrappingWriter moves a word that crosses the margin to the next line, whatever the chunking", () => {
  const text = "the quick brown fox jumps over the lazy dog and keeps running far away";
  for (const size of [1, 3, 7, 100]) {
    let out = "";
    const writer = new WrappingWriter((t) => (out += t), { width: 30, wordWrap: true });
    for (let i = 0; i < text.length; i += size) writer.write(text.slice(i, i + size));
    const shown = screen(out);
    for (const line of shown) assert.ok(line.length <= 25, `line too long: ${JSON.stringify(line)}`);
    assert.equal(shown.map((l) => l.trimEnd()).join(" ").replace(/\s+/g, " "), text);
  }
});

test("WrappingWriter passes text through untouched without word wrap", () => {
  let out = "";
  const writer = new WrappingWriter((t) => (out += t), { width: 20, wordWrap: false });
  writer.write("a long line that is not wrapped at all");
  assert.equal(out, "a long line that is not wrapped at all");
});
