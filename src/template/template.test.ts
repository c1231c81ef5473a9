// The public face: Template.parse / execute / root / withRoot / fromTree / identifiers, error kinds.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ActionNode,
  GO_JSON,
  GO_STRING,
  type ListNode,
  nodeString,
  Template,
  TemplateExecError,
  TemplateParseError,
} from "./mod.ts";
import { parseJsonLossless } from "./testdata_json.ts";

const CHAT = "{{- if .System }}<|system|>{{ .System }}{{ end }}" +
  "{{- range $i, $m := .Messages }}<|{{ $m.Role }}|>{{ $m.Content }}{{ end }}<|assistant|>{{ .Response }}<|end|>";

test("Template.parse memoises per text and options", () => {
  const a = Template.parse(CHAT, { funcs: "ollama", missingKey: "zero" });
  assert.equal(Template.parse(CHAT, { funcs: "ollama", missingKey: "zero" }), a);
  assert.notEqual(Template.parse(CHAT, { funcs: "none", missingKey: "zero" }), a);
  assert.equal(a.options.missingKey, "zero");
});

test("parse and execute errors carry kind and Go's message", () => {
  assert.throws(() => Template.parse("{{if}}"), (e: unknown) => {
    assert.ok(e instanceof TemplateParseError && e instanceof Error);
    assert.equal((e as TemplateParseError).kind, "parse");
    assert.equal((e as Error).message, "template: :1: missing value for if");
    return true;
  });
  assert.throws(() => Template.parse("x\n  {{.A.B}}").execute({ A: 1n }), (e: unknown) => {
    assert.ok(e instanceof TemplateExecError);
    assert.equal((e as TemplateExecError).kind, "exec");
    assert.equal(
      (e as Error).message,
      'template: :2:6: executing "" at <.A.B>: can\'t evaluate field B in type interface {}',
    );
    return true;
  });
});

test("root is a readable tree; withRoot runs an edited copy (cut at .Response)", () => {
  const t = Template.parse(CHAT, { missingKey: "zero" });
  const data = { System: "sys", Messages: [{ Role: "user", Content: "hi" }], Response: "" };
  assert.equal(t.execute(data), "<|system|>sys<|user|>hi<|assistant|><|end|>");
  const isResponse = (n: ListNode["nodes"][number]) =>
    n.type === "action" && n.pipe.cmds.length === 1 && n.pipe.cmds[0].args[0].type === "field" &&
    (n.pipe.cmds[0].args[0] as { ident: string[] }).ident.join(".") === "Response";
  const cut = t.root.nodes.findIndex(isResponse);
  assert.ok(cut > 0);
  const response = t.root.nodes[cut] as ActionNode;
  const edited: ListNode = { ...t.root, nodes: [...t.root.nodes.slice(0, cut), response] };
  assert.equal(nodeString(edited).endsWith("<|assistant|>{{.Response}}"), true);
  const t2 = t.withRoot(edited);
  assert.equal(t2.execute({ ...data, Response: "ok" }), "<|system|>sys<|user|>hi<|assistant|>ok");
  assert.equal(t.execute(data), "<|system|>sys<|user|>hi<|assistant|><|end|>", "the original is unchanged");
});

test("fromTree executes a tree with named templates", () => {
  const base = Template.parse('{{define "x"}}[{{.}}]{{end}}{{template "x" .A}}');
  const t = Template.fromTree(base.root, { missingKey: "default" }, base.trees);
  assert.equal(t.execute({ A: "a" }), "[a]");
  assert.throws(() => Template.fromTree(base.root).execute({ A: "a" }), /template "x" not defined/);
});

test("identifiers() lists lower-cased field and variable names, like Ollama's Vars()", () => {
  const t = Template.parse(
    '{{define "t"}}{{.Suffix}}{{end}}{{range .Messages}}{{if .ToolCalls}}{{range .ToolCalls}}{{.Function.Name}}{{end}}{{end}}{{end}}{{$x := .Tools}}{{$x.Y}}{{template "t" .}}',
  );
  assert.deepEqual(
    [...t.identifiers()].sort(),
    ["$x", "function", "messages", "name", "suffix", "toolcalls", "tools", "y"],
  );
});

test("data conventions: objects are maps, Map keeps insertion order, bigint is int64, number is float64", () => {
  const t = Template.parse('{{.}} {{printf "%T %T" .I .F}}');
  assert.equal(t.execute(new Map<string, unknown>([["I", 1n], ["F", 2]])), "map[I:1 F:2] int64 float64");
  assert.equal(Template.parse("{{.}}").execute({ b: 2, a: [1n, null] }), "map[a:[1 <nil>] b:2]");
  assert.equal(Template.parse("{{.}}").execute(undefined), "<no value>");
});

test("lossless JSON keeps ints as bigint and 2.0 as a float", () => {
  const v = parseJsonLossless(
    '{"i": 9007199254740993, "f": 2.0, "e": 1e2, "big": 18446744073709551616, "s": "\\u00e9", "n": null}',
  ) as Record<string, unknown>;
  assert.equal(v.i, 9007199254740993n);
  assert.equal(typeof v.f, "number");
  assert.equal(v.e, 100);
  assert.equal(typeof v.big, "number");
  assert.equal(v.s, "é");
  assert.equal(v.n, null);
  assert.equal(Template.parse("{{.f}} {{.i}}").execute(v), "2 9007199254740993");
  assert.throws(() => parseJsonLossless("{"), SyntaxError);
});

test("GO_STRING and GO_JSON methods act as Go's fmt.Stringer and json.Marshaler", () => {
  class Args {
    city = "Paris";
    [GO_STRING]() {
      return '{"city":"Paris"}';
    }
    [GO_JSON]() {
      return '{"city":"<Paris>"}';
    }
  }
  const list = Object.defineProperty([{ a: 1n }], GO_STRING, { value: () => "[LIST]" });
  const t = Template.parse('{{.A}}|{{.A.city}}|{{print .A}}|{{printf "%s %q %d" .A .A .A}}|{{.L}}|{{.M}}|{{json .A}}', {
    funcs: "ollama",
  });
  assert.equal(
    t.execute({ A: new Args(), L: list, M: { k: new Args() } }),
    '{"city":"Paris"}|Paris|{"city":"Paris"}|{"city":"Paris"} "{\\"city\\":\\"Paris\\"}" map[%!d(string=city):%!d(string=Paris)]|[LIST]|map[k:{"city":"Paris"}]|{"city":"\\u003cParis\\u003e"}',
  );
  assert.equal(GO_STRING, Symbol.for("tollama.template.String"));
  assert.equal(GO_JSON, Symbol.for("tollama.template.MarshalJSON"));
});

test("Template.parse() caps nesting at 1,000 levels with a parse error, never a stack overflow", () => {
  const ifs = (n: number) => "{{ if 1 }}".repeat(n) + "x" + "{{ end }}".repeat(n);
  assert.equal(Template.parse(ifs(1000)).execute({}), "x");
  for (const [text, message] of [
    [ifs(1001), "template: :1: max nesting depth exceeded"],
    [ifs(5000), "template: :1: max nesting depth exceeded"],
    ["{{ range .A }}".repeat(3000), "template: :1: max nesting depth exceeded"],
    ["{{ if 0 }}" + "{{ else if 0 }}".repeat(5000) + "{{ end }}", "template: :1: max nesting depth exceeded"],
    [`{{ ${"(print ".repeat(1001)}1${")".repeat(1001)} }}`, "template: :1: max expression depth exceeded"],
    [`{{ ${"(".repeat(100_000)}`, "template: :1: max expression depth exceeded"],
  ] as const) {
    assert.throws(() => Template.parse(text), (e: unknown) => {
      assert.ok(e instanceof TemplateParseError);
      assert.equal((e as Error).message, message);
      return true;
    });
  }
});

test("Template.execute() reports endless {{template}} recursion with Go's message", () => {
  const t = Template.parse('{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}');
  assert.throws(() => t.execute({}), (e: unknown) => {
    assert.ok(e instanceof TemplateExecError);
    assert.match((e as Error).message, /^template: :1:\d+: executing "a" at <\{\{template "a" \.\}\}>: exceeded maximum template depth \(100000\)$/);
    return true;
  });
});
