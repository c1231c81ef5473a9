// Bad input a client can send over real HTTP (issue 19): deeply nested JSON, broken request framing over raw TCP,
// and a request's own template that fails. Each is the client's error (400/413 in the API's error shape, or the
// connection closed), never a 500, and the server answers normally afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

const TEMPLATE = "{{ if .Tools }}{{ json .Tools }}{{ end }}{{ range .Messages }}{{ .Role }}: {{ .Content }}" +
  "{{ range .ToolCalls }}{{ json .Function.Arguments }}{{ end }}{{ end }}";

async function withTiny(server: TestServer): Promise<void> {
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"), { template: TEMPLATE });
}

async function post(server: TestServer, path: string, body: string | unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(server.url + path, {
    method: path === "/api/delete" ? "DELETE" : "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the assertion below shows the text
  }
  return { status: response.status, json };
}

/** The error message of an Ollama `{"error": "..."}` body or an OpenAI `{"error": {"message": ...}}` one. */
function errorMessage(path: string, json: unknown): string {
  const error = (json as { error?: unknown }).error;
  if (path.startsWith("/v1/")) {
    const shaped = error as { message: string; type: string; param: unknown; code: unknown };
    assert.equal(shaped.type, "invalid_request_error", JSON.stringify(json));
    assert.ok("param" in shaped && "code" in shaped, JSON.stringify(json));
    return shaped.message;
  }
  assert.equal(typeof error, "string", JSON.stringify(json));
  return error as string;
}

const nested = (n: number, inner = "") => "[".repeat(n) + inner + "]".repeat(n);
const schema = (levels: number) => '{"type":"object","properties":{"a":'.repeat(levels) + "{}" + "}}".repeat(levels);
const JSON_ROUTES = [
  "/api/generate",
  "/api/chat",
  "/api/show",
  "/api/create",
  "/api/copy",
  "/api/delete",
  "/api/pull",
  "/api/push",
  "/api/embed",
  "/api/embeddings",
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/embeddings",
];

test("bad requests: JSON nested past 10,000 levels is a 400 with Go's message on every JSON route", async () => {
  await using server = await startTestServer();
  for (const path of JSON_ROUTES) {
    for (const [body, open] of [
      [nested(3_000), ""],
      [nested(100_000), "["],
      [`{"model":"tiny","extra":${nested(20_000)}}`, "["],
      [`{"model":"tiny","format":${'{"a":'.repeat(10_001)}1${"}".repeat(10_001)}}`, "{"],
    ]) {
      const { status, json } = await post(server, path, body);
      assert.equal(status, 400, `${path}: ${JSON.stringify(json)}`);
      const message = errorMessage(path, json);
      if (open) assert.equal(message, `invalid character '${open}' exceeded max depth`, path);
    }
  }
  assert.equal((await fetch(`${server.url}/api/version`)).status, 200);
});

test("bad requests: an unknown field keeps Go's limit; fields the server walks stop at 500 levels", {
  skip: fixtureSkip("tiny-spm"),
}, async () => {
  await using server = await startTestServer();
  await withTiny(server);
  const shown = await post(server, "/api/show", `{"model":"tiny","extra":${nested(9_999)}}`);
  assert.equal(shown.status, 200, JSON.stringify(shown.json));

  const deep = JSON.parse(nested(600, "1"));
  const deepSchema = JSON.parse(schema(2_000));
  const tools = (parameters: unknown) => [{ type: "function", function: { name: "f", description: "", parameters } }];
  const user = [{ role: "user", content: "hi" }];
  const cases: Array<[string, unknown, RegExp]> = [
    ["/api/generate", { model: "tiny", prompt: "hi", format: deepSchema }, /^field "format" nests deeper than 500 levels$/],
    ["/api/generate", { model: "tiny", prompt: "hi", format: JSON.parse(schema(150)) }, /^invalid format: schema nests deeper than 100 levels$/],
    ["/api/chat", { model: "tiny", messages: user, tools: tools(deepSchema) }, /^field "tools" nests deeper than 500 levels$/],
    ["/api/chat", { model: "tiny", messages: user, format: JSON.parse(schema(150)) }, /^invalid format: schema nests/],
    ["/api/chat", {
      model: "tiny",
      messages: [{ role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: { a: deep } } }] }],
    }, /^field "messages" nests deeper than 500 levels$/],
    ["/api/generate", { model: "tiny", prompt: "hi", options: { stop: deep } }, /^field "options" nests deeper/],
    ["/api/create", { model: "x", from: "tiny", parameters: { foo: deep } }, /^field "parameters" nests deeper/],
    ["/api/embed", { model: "tiny", input: deep }, /^field "input" nests deeper/],
    ["/v1/chat/completions", {
      model: "tiny",
      messages: user,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: deepSchema } },
    }, /^field "response_format" nests deeper than 500 levels$/],
    ["/v1/chat/completions", {
      model: "tiny",
      messages: user,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: JSON.parse(schema(150)) } },
    }, /^invalid format: schema nests deeper than 100 levels$/],
    ["/v1/chat/completions", { model: "tiny", messages: user, tools: tools(JSON.parse(schema(150))), tool_choice: "required" }, /^schema nests deeper than 100 levels$/],
    ["/v1/chat/completions", {
      model: "tiny",
      messages: [{ role: "assistant", content: "", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: JSON.stringify({ a: deep }) } }] }],
    }, /^field "arguments" nests deeper than 500 levels$/],
  ];
  for (const [path, body, message] of cases) {
    const { status, json } = await post(server, path, body);
    assert.equal(status, 400, `${path}: ${JSON.stringify(json).slice(0, 300)}`);
    assert.match(errorMessage(path, json), message);
  }

  // Just under the limits, the walks (template printing and marshalling, grammar) finish on both runtimes.
  const under = JSON.parse(nested(240, '{"x":1}'));
  const chat = await post(server, "/api/chat", {
    model: "tiny",
    stream: false,
    options: { num_predict: 1 },
    tools: tools({ type: "object", properties: { a: { type: "array", items: under } } }),
    messages: [{ role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: { a: under } } }] }, ...user],
  });
  assert.equal(chat.status, 200, JSON.stringify(chat.json).slice(0, 300));
  const formatted = await post(server, "/api/generate", {
    model: "tiny",
    prompt: "hi",
    stream: false,
    format: JSON.parse(schema(90)),
    options: { num_predict: 1 },
  });
  assert.equal(formatted.status, 200, JSON.stringify(formatted.json).slice(0, 300));
});

test("bad requests: a request's own template that fails is a 400 with Go's message", { skip: fixtureSkip("tiny-spm") }, async () => {
  await using server = await startTestServer();
  await withTiny(server);
  const cases: Array<[string, string | RegExp]> = [
    ["{{ .Prompt", "template: :1: unclosed action"],
    ["{{ if }}", "template: :1: missing value for if"],
    ["{{ nosuchfunc .Prompt }}", 'template: :1: function "nosuchfunc" not defined'],
    ["{{ break }}", "template: :1: {{break}} outside {{range}}"],
    ["{{ index .Messages 5 }}", 'template: :1:3: executing "" at <index .Messages 5>: error calling index: index out of range: 5'],
    ["{{ call .Nothing }}", 'template: :1:3: executing "" at <call .Nothing>: error calling call: call of nil'],
    [
      '{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}',
      /^template: :1:\d+: executing "a" at <\{\{template "a" \.\}\}>: exceeded maximum template depth \(100000\)$/,
    ],
    ["{{ if 1 }}".repeat(5_000) + "{{ end }}".repeat(5_000), "template: :1: max nesting depth exceeded"],
    [`{{ ${"(".repeat(20_000)}1${")".repeat(20_000)} }}`, "template: :1: max expression depth exceeded"],
  ];
  for (const stream of [false, true]) {
    for (const [template, message] of cases) {
      const { status, json } = await post(server, "/api/generate", {
        model: "tiny",
        prompt: "hi",
        template,
        stream,
        options: { num_predict: 1 },
      });
      assert.equal(status, 400, `${template.slice(0, 40)}: ${JSON.stringify(json).slice(0, 300)}`);
      if (typeof message === "string") assert.equal(errorMessage("/api/generate", json), message);
      else assert.match(errorMessage("/api/generate", json), message);
    }
  }
  const good = await post(server, "/api/generate", {
    model: "tiny",
    prompt: "hi",
    template: "{{ .Prompt }}",
    stream: false,
    options: { num_predict: 1 },
  });
  assert.equal(good.status, 200, JSON.stringify(good.json));
});

/**
 * Writes `text` on a fresh TCP connection (optionally half-closing it) and returns what came back. With several
 * parts, each goes 200 ms after the one before, so the handler is already reading the body when the fault arrives.
 */
function rawRequest(server: TestServer, text: string | string[], halfClose: boolean): Promise<string> {
  const { hostname, port } = new URL(server.url);
  const parts = typeof text === "string" ? [text] : text;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0) await new Promise((wait) => setTimeout(wait, 200));
        socket.write(part);
      }
      if (halfClose) socket.end();
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within 30 s to ${JSON.stringify(parts[0].slice(0, 80))}`));
    }, 30_000);
    socket.on("data", (data: Buffer) => chunks.push(data));
    socket.on("error", () => {}); // a reset is one way of closing
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
  });
}

/** Parses an HTTP/1.1 answer (status and body; chunked bodies joined). */
function parseAnswer(raw: string): { status: number; body: string } | undefined {
  if (raw === "") return undefined;
  const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n([\s\S]*)$/.exec(raw);
  assert.ok(match, `not an HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`);
  let body = match[3];
  if (/transfer-encoding: chunked/i.test(match[2])) {
    let out = "";
    for (let rest = body; rest.length > 0;) {
      const size = parseInt(rest, 16);
      if (!size) break;
      const start = rest.indexOf("\r\n") + 2;
      out += rest.slice(start, start + size);
      rest = rest.slice(start + size + 2);
    }
    body = out;
  }
  return { status: Number(match[1]), body };
}

test("bad requests: broken framing over raw TCP is a 4xx or a closed connection, never a 500", async () => {
  await using server = await startTestServer();
  const head = (path: string, headers: string) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n${headers}\r\n`;
  const blob = `/api/blobs/sha256:${"0".repeat(64)}`;
  for (const path of ["/api/show", "/api/generate", "/v1/chat/completions", blob]) {
    const chunked = head(path, "Transfer-Encoding: chunked\r\n") + '2\r\n{"\r\n';
    const cases: Array<[string, string | string[], boolean, number[]]> = [
      ["Content-Length larger than the body, then a half-close", head(path, "Content-Length: 100\r\n") + '{"model":', true, [400]],
      ["a chunk size that is not hex", head(path, "Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n", false, [400]],
      ["a bad second chunk size", head(path, "Transfer-Encoding: chunked\r\n") + '2\r\n{"\r\nzz\r\nab\r\n0\r\n\r\n', false, [400]],
      ["a chunk cut short, then a half-close", head(path, "Transfer-Encoding: chunked\r\n") + '10\r\n{"model', true, [400]],
      ["a chunk size past 2^64", head(path, "Transfer-Encoding: chunked\r\n") + "ffffffffffffffffff\r\n{}", true, [400, 413]],
      ["a declared 1 TB body", head(path, "Content-Length: 1000000000000\r\n") + "{}", true, [400, 413]],
      ["Content-Length and chunked together", head(path, "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n") + "{}", true, [400]],
      ["a Content-Length that is not a number", head(path, "Content-Length: abc\r\n") + "{}", true, [400]],
      ["a bad chunk size while the body is read", [chunked, "zz\r\nab\r\n0\r\n\r\n"], false, [400]],
      ["a chunk size past 2^64 while the body is read", [chunked, "fffffffffffffffffffff\r\nab\r\n"], false, [400, 413]],
      ["a half-close while the chunked body is read", [chunked], true, [400]],
      ["a half-close while a sized body is read", [head(path, "Content-Length: 50\r\n") + '{"a"', ":"], true, [400]],
    ];
    for (const [what, text, halfClose, statuses] of cases) {
      const answer = parseAnswer(await rawRequest(server, text, halfClose));
      if (answer === undefined) continue; // the runtime closed the connection: fine
      assert.ok(statuses.includes(answer.status), `${path}, ${what}: ${answer.status} ${answer.body}`);
      // The runtime's own parser answers some of these before any handler runs, with no body; ours carry JSON.
      if (answer.body !== "") {
        const json = JSON.parse(answer.body);
        const message = path.startsWith("/v1/") ? json.error.message : json.error;
        assert.match(message, /^(unexpected EOF|malformed chunked encoding|request body too large .*)$/, `${path}, ${what}`);
      }
    }
  }
  const version = await fetch(`${server.url}/api/version`);
  assert.equal(version.status, 200);
  await version.body?.cancel();
});
