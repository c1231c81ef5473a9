import { test } from "node:test";
import assert from "node:assert/strict";
import {
  displayName,
  formatModelName,
  InsecureProtocolError,
  InvalidModelNameError,
  isValidModelName,
  parseModelName,
  registryBaseUrl,
  sameModelName,
  tryParseModelName,
} from "./name.ts";

function parts(text: string): string {
  const n = parseModelName(text);
  return `${n.scheme}|${n.host}|${n.namespace}|${n.model}|${n.tag}`;
}

test("parseModelName() fills Ollama's defaults", () => {
  assert.equal(parts("llama3.2"), "https|registry.ollama.ai|library|llama3.2|latest");
  assert.equal(parts("llama3.2:1b"), "https|registry.ollama.ai|library|llama3.2|1b");
  assert.equal(parts("jmorgan/tiny"), "https|registry.ollama.ai|jmorgan|tiny|latest");
  assert.equal(parts("example.com/ns/model:v1.0"), "https|example.com|ns|model|v1.0");
  assert.equal(parts("127.0.0.1:5000/library/tiny:latest"), "https|127.0.0.1:5000|library|tiny|latest");
  assert.equal(parts("localhost:5000/a/b"), "https|localhost:5000|a|b|latest");
  assert.equal(parts("http://127.0.0.1:5000/library/tiny:q4_K_M"), "http|127.0.0.1:5000|library|tiny|q4_K_M");
  assert.equal(parts("https://registry.ollama.ai/library/qwen3:0.6b"), "https|registry.ollama.ai|library|qwen3|0.6b");
  assert.equal(parts("_x/_y:_z"), "https|registry.ollama.ai|_x|_y|_z");
  assert.equal(parts("Mixed-Case/Model_Name:Tag-1"), "https|registry.ollama.ai|Mixed-Case|Model_Name|Tag-1");
});

test("parseModelName() takes the tag only after the last slash", () => {
  // "host:port/model" has its last ':' before the last '/': no tag, and the host becomes the namespace part.
  assert.equal(tryParseModelName("host:5000/model"), undefined); // ':' is not allowed in a namespace
  assert.equal(parts("host.example/ns/model"), "https|host.example|ns|model|latest");
});

test("parseModelName() enforces lengths per part", () => {
  assert.ok(tryParseModelName("a".repeat(80)));
  assert.equal(tryParseModelName("a".repeat(81)), undefined);
  assert.ok(tryParseModelName(`m:${"t".repeat(80)}`));
  assert.equal(tryParseModelName(`m:${"t".repeat(81)}`), undefined);
  assert.ok(tryParseModelName(`${"n".repeat(80)}/m`));
  assert.equal(tryParseModelName(`${"n".repeat(81)}/m`), undefined);
  assert.ok(tryParseModelName(`${"h".repeat(350)}/n/m`));
  assert.equal(tryParseModelName(`${"h".repeat(351)}/n/m`), undefined);
});

const INVALID = [
  "",
  ":",
  ":tag",
  "model:",
  "/model",
  "ns/",
  "//model",
  "host//model",
  "a/b/c/d",
  "a/b/c/d:e",
  "model name",
  " model",
  "model ",
  "model:tag with space",
  "-model",
  ".model",
  "model:-tag",
  "model:.tag",
  "ns.dot/model",
  "model/x:y:z",
  "model@sha256:abc",
  "model+Q4_0",
  "mödel",
  "model\0",
  "model\n",
  "ftp://host/ns/model",
  "http://model",
  "[::1]:5000/ns/model",
  // path traversal and separators smuggled into a part
  "..",
  "../model",
  "../../etc/passwd",
  "ns/..",
  "../ns/model",
  "host/../model",
  "host/ns/..:latest",
  "model:..",
  "model:../../x",
  "..%2f..%2fetc",
  "model\\..\\x",
  "ns\\model",
  "C:\\models\\x",
  "/etc/passwd",
  "/abs/ns/model",
  "./model",
  "host/./model",
  "model/..",
  "ho st/ns/model",
  "host/n-s/m:t/x",
];

test("parseModelName() rejects invalid names and path traversal", () => {
  for (const text of INVALID) {
    assert.throws(() => parseModelName(text), InvalidModelNameError, JSON.stringify(text));
    assert.equal(tryParseModelName(text), undefined, JSON.stringify(text));
  }
  assert.throws(() => parseModelName("../x"), { message: "invalid model name" });
});

test("no valid name produces a part that could leave the store", () => {
  const samples = ["a..b", "a.b.c:d..e", "h..x/ns/m", "x/y", "m:1.0"];
  for (const text of samples) {
    const n = parseModelName(text);
    for (const part of [n.host, n.namespace, n.model, n.tag]) {
      assert.ok(!part.includes("/") && !part.includes("\\") && part !== "." && part !== "..", `${text}: ${part}`);
      assert.ok(!part.startsWith("."), `${text}: ${part}`);
    }
  }
});

test("isValidModelName() checks split names read back from disk", () => {
  assert.ok(isValidModelName({ host: "registry.ollama.ai", namespace: "library", model: "m", tag: "latest" }));
  assert.ok(!isValidModelName({ host: "..", namespace: "library", model: "m", tag: "latest" }));
  assert.ok(!isValidModelName({ host: "h", namespace: "a.b", model: "m", tag: "latest" }));
  assert.ok(!isValidModelName({ host: "h", namespace: "n", model: "m", tag: "" }));
});

test("displayName() is the shortest form", () => {
  assert.equal(displayName(parseModelName("llama3.2")), "llama3.2:latest");
  assert.equal(displayName(parseModelName("REGISTRY.ollama.ai/Library/llama3.2:1b")), "llama3.2:1b");
  assert.equal(displayName(parseModelName("me/tiny")), "me/tiny:latest");
  assert.equal(displayName(parseModelName("127.0.0.1:5000/library/tiny")), "127.0.0.1:5000/library/tiny:latest");
  assert.equal(formatModelName(parseModelName("tiny")), "registry.ollama.ai/library/tiny:latest");
});

test("sameModelName() ignores case and scheme", () => {
  assert.ok(sameModelName(parseModelName("Llama3:Latest"), parseModelName("llama3")));
  assert.ok(sameModelName(parseModelName("http://h:1/n/m"), parseModelName("H:1/N/M:latest")));
  assert.ok(!sameModelName(parseModelName("llama3:8b"), parseModelName("llama3")));
});

test("registryBaseUrl() needs insecure for http and downgrades with it", () => {
  assert.equal(registryBaseUrl(parseModelName("tiny")), "https://registry.ollama.ai");
  assert.throws(() => registryBaseUrl(parseModelName("http://127.0.0.1:5000/library/tiny")), InsecureProtocolError);
  assert.throws(() => registryBaseUrl(parseModelName("http://h/n/m")), { message: "insecure protocol http" });
  assert.equal(registryBaseUrl(parseModelName("http://h:1/n/m"), { insecure: true }), "http://h:1");
  assert.equal(registryBaseUrl(parseModelName("127.0.0.1:5000/library/tiny"), { insecure: true }), "http://127.0.0.1:5000");
});
