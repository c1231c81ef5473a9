// Execution rules of Go's text/template that are easy to get wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Template, type TemplateOptions } from "./mod.ts";

function render(text: string, data: unknown = null, options?: TemplateOptions): string {
  return Template.parse(text, options).execute(data);
}

function fails(text: string, data: unknown, kind: "parse" | "exec", options?: TemplateOptions): string {
  try {
    render(text, data, options);
  } catch (e) {
    assert.equal((e as { kind?: string }).kind, kind, (e as Error).message);
    return (e as Error).message;
  }
  assert.fail(`${text}: expected a ${kind} error`);
}

test("trim markers remove only space, tab, CR and LF; {{-3}} is a number", () => {
  assert.equal(render("a \r\n\t{{- 1 -}} \n b"), "a1b");
  assert.equal(render("a\u00a0{{- 1 -}}\u00a0b"), "a\u00a01\u00a0b");
  assert.equal(render("a\v\f {{- 1 -}} \f\vb"), "a\v\f1\f\vb");
  assert.equal(render("a {{-3}} b"), "a -3 b");
  assert.equal(render("a {{ -3 }} b"), "a -3 b");
  assert.equal(render("x \n{{- /* c */ -}}\n y"), "xy");
  assert.equal(render("[\n{{- range .}}\n  {{.}},\n{{- end}}\n]", [1n, 2n]), "[\n  1,\n  2,\n]");
  fails("{{3-}}", null, "parse");
  fails("{{/* c */ }}", null, "parse");
  fails("{{ /* c */}}", null, "parse");
  fails("{{/* open", null, "parse");
});

test("missingkey: default prints <no value>, zero gives nil, error fails", () => {
  assert.equal(render("{{.A}}|{{print .A}}|{{.A.B}}", {}), "<no value>|<nil>|<no value>");
  assert.equal(render("{{.A}}|{{print .A}}", {}, { missingKey: "zero" }), "<no value>|<nil>");
  assert.match(fails("{{.A.B}}", {}, "exec", { missingKey: "zero" }), /nil pointer evaluating interface \{\}\.B/);
  assert.match(fails("{{.A}}", {}, "exec", { missingKey: "error" }), /map has no entry for key "A"/);
  assert.match(fails("{{.A}}", null, "exec", { missingKey: "error" }), /nil data; no entry for key "A"/);
  assert.equal(render("{{.A.B}}", { A: { B: "ok" } }, { missingKey: "error" }), "ok");
  // a null value: prints <no value>, is nil for functions, and stops a field chain
  assert.equal(render("{{.A}}|{{print .A}}", { A: null }), "<no value>|<nil>");
  assert.match(fails("{{.A.B}}", { A: null }, "exec"), /nil pointer evaluating/);
  assert.match(fails("{{.A.B}}", { A: "s" }, "exec"), /can't evaluate field B/);
  // keys are exact and case-sensitive; undefined counts as absent
  assert.equal(render("{{.name}}|{{.Name}}|{{.U}}", { Name: "N", U: undefined }), "<no value>|N|<no value>");
});

test("truthiness, and/or return operands and short-circuit", () => {
  const data = { E: [], M: { a: 1n }, Z: 0.0, S: "0", N: [null] };
  assert.equal(
    render(
      "{{if .E}}t{{else}}f{{end}}{{if .M}}t{{end}}{{if .Z}}t{{else}}f{{end}}{{if .S}}t{{end}}{{if .N}}t{{end}}",
      data,
    ),
    "ftftt",
  );
  assert.equal(
    render('{{and 1 0}} {{or 0 "" "z"}} {{and 1 .Nope}} {{or 0 1 (index nil 1)}}', data),
    "0 z <no value> 1",
  );
  assert.equal(render("{{not 0}} {{not .M}} {{0 | or 0}}", data), "true false 0");
  fails("{{or 0 0 (index nil 1)}}", null, "exec");
});

test("comparisons only between like kinds; ints of any sign compare; eq takes many operands", () => {
  assert.equal(
    render('{{eq . 1}} {{eq \'a\' 97}} {{eq "b" "a" "b"}} {{lt "a" "b"}} {{ge 2 1}}', 1n),
    "true true true true true",
  );
  assert.equal(render('{{eq .A .B}} {{eq .A "x"}} {{eq .N nil}}', { N: null }), "true false true");
  assert.equal(render("{{eq (index \"x\" 0) 'x'}}"), "true");
  assert.match(fails("{{eq .F 1}}", { F: 1.0 }, "exec"), /incompatible types for comparison/);
  assert.match(fails("{{eq 2 2.0}}", null, "exec"), /incompatible types/);
  assert.match(fails("{{lt .Missing 1}}", {}, "exec"), /invalid type for comparison/);
  assert.match(fails("{{lt true false}}", null, "exec"), /invalid type for comparison/);
  assert.match(fails("{{eq .L .L}}", { L: [1n] }, "exec"), /non-comparable type/);
  fails("{{eq 1}}", null, "exec");
  fails("{{lt 1 2 3}}", null, "exec");
});

test("len, index and slice count UTF-8 bytes on strings", () => {
  assert.equal(
    render('{{len "héllo"}} {{index "abc" 1}} {{slice "abcdef" 1 3}} {{printf "%T" (index "a" 0)}}'),
    "6 98 bc uint8",
  );
  assert.equal(
    render('{{index .L 1 0}} {{index .M "a" "b"}} {{index .M "zz"}}', { L: [[1n], [2n, 3n]], M: { a: { b: "ab" } } }),
    "2 ab <no value>",
  );
  assert.equal(render("{{slice .L 1}} {{slice .L 1 2 3}} {{len (slice .L 1)}}", { L: ["a", "b", "c"] }), "[b c] [b] 2");
  fails("{{index .L 5}}", { L: [1n] }, "exec");
  fails("{{index .M 1}}", { M: {} }, "exec");
  fails("{{slice .L 2 1}}", { L: [1n, 2n, 3n] }, "exec");
  fails("{{len 3}}", null, "exec");
  fails("{{len .N}}", { N: null }, "exec");
});

test("html, js and urlquery escape fmt.Sprint of their arguments", () => {
  assert.equal(
    render(`{{html "<a href=\\"x\\">O'Neil & co</a>"}}`),
    "&lt;a href=&#34;x&#34;&gt;O&#39;Neil &amp; co&lt;/a&gt;",
  );
  assert.equal(render('{{html .X}} {{html 1 "a" 2}}', {}), "&lt;no value&gt; 1a2");
  assert.equal(
    render("{{js .}}", 'It\'s <b> & "q" = \\ \u2028\u00a0é'),
    'It\\\'s \\u003Cb\\u003E \\u0026 \\"q\\" \\u003D \\\\ \\u2028\\u00A0é',
  );
  assert.equal(render('{{js "\\x01\\x1f"}}'), "\\u0001\\u001F");
  assert.equal(render(`{{urlquery "a b&c=d/é?" "~-_.!*'()"}}`), "a+b%26c%3Dd%2F%C3%A9%3F~-_.%21%2A%27%28%29");
});

test("variables: declare, assign, scope ends at {{end}}, templates see only their own $", () => {
  assert.equal(render("{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{$y}}{{end}}{{$x}}"), "32");
  assert.equal(render("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}"), "21");
  assert.equal(render("{{with $x := .A}}yes{{else}}no {{$x}}{{end}}", { A: "" }), "no ");
  assert.equal(render('{{define "t"}}{{$}}{{end}}{{template "t" 5}}|{{$.A}}', { A: "a" }), "5|a");
  fails("{{$x}}", null, "parse");
  fails('{{define "t"}}{{$x}}{{end}}{{$x := 1}}{{template "t"}}', null, "parse");
  assert.match(fails("{{$x = 1}}", null, "exec"), /undefined variable: \$x/);
});

test("range: lists, maps in sorted key order, JS Maps in insertion order, else, break, continue", () => {
  const M = { b: 1n, a: 2n, C: 3n, "10": 4n, "9": 5n, é: 6n, _: 7n };
  assert.equal(render("{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", M), "10=4;9=5;C=3;_=7;a=2;b=1;é=6;");
  const ordered = new Map<string, unknown>([["z", 1n], ["a", 2n]]);
  assert.equal(render("{{range $k, $v := .}}{{$k}}={{$v}};{{end}}{{.}}", ordered), "z=1;a=2;map[z:1 a:2]");
  assert.equal(render("{{range $i, $e := .}}{{$i}}:{{$e}} {{end}}", ["a", "b"]), "0:a 1:b ");
  assert.equal(render("{{range .}}x{{else}}empty{{end}}|{{range .}}x{{else}}e{{end}}", []), "empty|e");
  assert.equal(render("{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", [1n, 2n, 3n, 4n]), "12");
  assert.equal(render("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", [1n, 2n, 3n]), "13");
  assert.equal(render("{{range .}}[{{.}}|{{print .}}]{{end}}", [null, 1n]), "[<no value>|<nil>][1|1]");
  fails("{{range .}}x{{end}}", "abc", "exec");
  fails("{{range .}}x{{end}}", 5n, "exec");
  fails("{{break}}", null, "parse");
  fails('{{range .}}{{define "x"}}{{end}}{{end}}', null, "parse");
});

test("define, template and block; redefinition rules", () => {
  assert.equal(render('{{define "a"}}A{{.}}{{end}}{{template "a" 1}}'), "A1");
  assert.equal(render('{{template "late" .}}{{define "late"}}L{{.}}{{end}}', 7n), "L7");
  assert.equal(render('a({{block "inner" .}}bar({{.}}){{end}})b', "hi"), "a(bar(hi))b");
  assert.equal(render('{{define "a"}}A{{end}}{{define "a"}}  {{end}}{{template "a"}}'), "A");
  fails('{{define "a"}}A{{end}}{{define "a"}}B{{end}}', null, "parse");
  assert.match(fails('{{template "nope"}}', null, "exec"), /template "nope" not defined/);
  assert.match(
    fails('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', null, "exec"),
    /exceeded maximum template depth/,
  );
});

test("errors carry Go's line:col and the failing node", () => {
  const msg = fails("line 1\nline 2\n  {{index .L 9}}", { L: [] }, "exec");
  assert.equal(msg, 'template: :3:4: executing "" at <index .L 9>: error calling index: index out of range: 9');
  assert.equal(fails("a\n{{if}}", null, "parse"), "template: :2: missing value for if");
  assert.equal(fails("{{.X | nosuch}}", null, "parse"), 'template: :1: function "nosuch" not defined');
  assert.equal(fails("{{nil}}", null, "exec"), 'template: :1:2: executing "" at <nil>: nil is not a command');
});

test("number literals keep Go's typing", () => {
  assert.equal(
    render("{{printf \"%T %T %T %T %T %T\" 1 1.0 0x10 0x1p4 1i 'a'}}"),
    "int float64 int float64 complex128 int",
  );
  assert.equal(render("{{print 0b101 0o17 017 1_000 0x_1F 1e3 .5 -0x10}}"), "5 15 15 1000 31 1000 0.5 -16");
  assert.equal(render("{{9223372036854775807}} {{-9223372036854775808}}"), "9223372036854775807 -9223372036854775808");
  fails("{{9223372036854775808}}", null, "exec");
  fails("{{08}}", null, "parse");
  fails("{{1e}}", null, "parse");
  fails("{{1__0}}", null, "parse");
  assert.equal(render('{{printf "%T %T" . .X}}', { X: 1 }), "map[string]interface {} float64");
});

test("Ollama functions: json, currentDate, yesterdayDate, toTypeScriptType", () => {
  const o: TemplateOptions = { funcs: "ollama", missingKey: "zero", now: new Date(2024, 2, 1, 0, 30) };
  assert.equal(
    render("{{json .}}", { b: 1n, a: [1n, 2.5, "x"], c: { z: null, y: true } }, o),
    '{"a":[1,2.5,"x"],"b":1,"c":{"y":true,"z":null}}',
  );
  assert.equal(
    render("{{json .}}", [1e-7, 1e21, 1e20, 2.0, -0, 0.000001], o),
    "[1e-7,1e+21,100000000000000000000,2,-0,0.000001]",
  );
  assert.equal(render("{{json .}}", '<b>&\u2028\b"', o), '"\\u003cb\\u003e\\u0026\\u2028\\u0008\\""');
  assert.equal(render("{{json .}}", { M: new Map([["z", 1n], ["a", 2n]]) }, o), '{"M":{"z":1,"a":2}}');
  assert.equal(render("{{json .Missing}} {{json .X}}", { X: NaN }, o), "null ");
  assert.equal(render("{{currentDate}} {{yesterdayDate}}", null, o), "2024-03-01 2024-02-29");
  assert.equal(render("{{toTypeScriptType .}}", { Type: ["integer", "null"] }, o), "number | null");
  assert.equal(
    render("{{toTypeScriptType .}}", { AnyOf: [{ Type: "array" }, { Type: "object" }, {}] }, o),
    "any[] | Record<string, any> | any",
  );
  assert.equal(render("{{toTypeScriptType .}}", "string", o), "any");
  fails("{{json .}}", null, "parse", { funcs: "none" });
});

test("call invokes JS functions from the data", () => {
  assert.equal(render("{{call .F 1 .S}}", { F: (a: number, b: string) => `${a + 1}${b}`, S: "x" }), "2x");
  assert.match(
    fails("{{call .F}}", {
      F: () => {
        throw new Error("boom");
      },
    }, "exec"),
    /error calling call: boom/,
  );
  assert.match(fails("{{call .F}}", { F: "notfunc" }, "exec"), /non-function of type string/);
  fails("{{call nil}}", null, "exec");
});

test("slice reaches past the length up to Go's append capacity and shares the backing array", () => {
  // encoding/json builds a 3-element []interface{} with capacity 4: the extra element is nil
  const L = [1n, 2n, 3n];
  assert.equal(render("{{slice .L 1 4}}", { L }), "[2 3 <nil>]");
  assert.match(fails("{{slice .L 1 5}}", { L }, "exec"), /index out of range: 5/);
  assert.equal(render("{{slice (slice .L 0 1) 0 3}}", { L }), "[1 2 3]");
  assert.match(fails("{{slice (slice .L 0 1 2) 0 3}}", { L }, "exec"), /index out of range: 3/);
  // an index taken straight from a map is an unwrapped interface{}: Go's slice rejects it
  assert.match(
    fails("{{slice .S .I}}", { S: "abc", I: 1n }, "exec"),
    /cannot index slice\/array with type interface \{\}/,
  );
  assert.equal(render("{{slice .S (.I)}} {{$i := .I}}{{slice .S $i}}", { S: "abc", I: 1n }), "bc bc");
});

test("printable runes follow Go 1.19 (Unicode 13), not the JS engine", () => {
  // U+1AC4 (Unicode 14) and U+31418 (Unicode 15) are unassigned for Go 1.19
  assert.equal(render('{{printf "%q" .}}', "\u1ac4\u{31418}é"), '"\\u1ac4\\U00031418é"');
  assert.equal(render("{{js .}}", "\u{31418}"), "\\u31418");
  assert.equal(render('{{printf "%q" .}}', "日本\u{1F600}"), '"日本\u{1F600}"');
});

test("strings are bytes: invalid UTF-8 from escapes and byte slices counts and quotes as Go's bytes", () => {
  assert.equal(render('{{len "\\xff"}} {{printf "%q %x" "\\xffé" "\\xff"}} {{len (slice "é" 0 1)}}'), '1 "\\xffé" ff 1');
  // raw bytes show as U+FFFD in the output, as Go's bytes read once decoded
  assert.equal(render('{{"a\\xffb"}}|{{slice "é" 0 1}}|{{json "\\xff"}}', null, { funcs: "ollama" }), "a\ufffdb|\ufffd|\"\\ufffd\"");
  assert.equal(render("{{'\\xff'}} {{'é'}}"), "255 233");
  fails("{{'\\xc3\\xa9'}}", null, "parse");
});
