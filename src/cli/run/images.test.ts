import { test } from "node:test";
import assert from "node:assert/strict";
import { extractImages } from "./images.ts";

const files: Record<string, string> = { "./cat.png": "cat", "/tmp/my dog.JPG": "dog", "C:\\pics\\x.webp": "x" };
const read = (path: string): Promise<Uint8Array> => {
  if (path in files) return Promise.resolve(new TextEncoder().encode(files[path]));
  return Promise.reject(Object.assign(new Error("no such file"), { code: "ENOENT" }));
};
const b64 = (text: string) => btoa(text);

test("extractImages attaches existing image paths and takes them out of the prompt", async () => {
  const got = await extractImages("what is in ./cat.png and /tmp/my\\ dog.JPG?", read);
  assert.deepEqual(got, { prompt: "what is in  and ?", images: [b64("cat"), b64("dog")], added: ["./cat.png", "/tmp/my dog.JPG"] });
});

test("extractImages leaves missing files, other extensions and relative names as text", async () => {
  const got = await extractImages("see ./missing.png, ./notes.txt and cat.png", read);
  assert.deepEqual(got, { prompt: "see ./missing.png, ./notes.txt and cat.png", images: [], added: [] });
});

test("extractImages takes quoted paths and drive letters", async () => {
  const got = await extractImages("'./cat.png' C:\\pics\\x.webp describe", read);
  assert.deepEqual(got.added, ["./cat.png", "C:\\pics\\x.webp"]);
  assert.equal(got.prompt, "describe");
});

test("extractImages reports a file it cannot read", async () => {
  const failing = () => Promise.reject(Object.assign(new Error("permission denied"), { code: "EACCES" }));
  await assert.rejects(extractImages("look at ./cat.png", failing), /couldn't read image \.\/cat\.png: permission denied/);
});
