import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonGrammar, jsonSchemaToGbnf, MAX_SCHEMA_DEPTH, SchemaConversionError } from "./json_schema_gbnf.ts";

/** Every rule referenced is defined, and root comes first. */
function assertClosed(grammar: string) {
  const lines = grammar.trim().split("\n");
  assert.match(lines[0], /^root ::= /);
  const defined = new Set(lines.map((l) => l.split(" ::= ")[0]));
  for (const line of lines) {
    const body = line.split(" ::= ")[1].replace(/"(\\.|[^"\\])*"/g, "").replace(/\[(\\.|[^\]\\])*\]/g, "");
    for (const name of body.match(/[a-z][a-z0-9-]*/g) ?? []) assert.ok(defined.has(name), `${name} undefined in ${line}`);
  }
}

test("jsonGrammar() is a closed grammar for a JSON object", () => {
  assertClosed(jsonGrammar());
});

test("jsonSchemaToGbnf() writes required keys in order, optional ones after, literals escaped", () => {
  const g = jsonSchemaToGbnf({
    type: "object",
    properties: {
      name: { type: "string", maxLength: 8 },
      kind: { enum: ["a", 'b"q'] },
      n: { type: "integer" },
      tags: { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 },
    },
    required: ["name", "kind"],
  });
  assertClosed(g);
  assert.match(g, /"\\"name\\"" ws ":" ws root-value-name-string "," ws "\\"kind\\"" ws ":" ws/);
  assert.match(g, /\("," ws "\\"n\\"" ws ":" ws integer\)\?/);
  assert.match(g, /"\\"b\\\\\\"q\\""/);
  assert.match(g, /char\{0,8\}/);
  assert.match(g, /\{0,2\}/);
});

test("jsonSchemaToGbnf() resolves $defs, anyOf and type lists", () => {
  const g = jsonSchemaToGbnf({
    $defs: { point: { type: "object", properties: { x: { type: "number" } }, required: ["x"] } },
    type: "object",
    properties: { p: { $ref: "#/$defs/point" }, v: { anyOf: [{ type: "string" }, { type: "null" }] }, w: { type: ["integer", "null"] } },
  });
  assertClosed(g);
  assert.match(g, /ref-point ::= /);
});

test("jsonSchemaToGbnf() refuses what it cannot express", () => {
  assert.throws(() => jsonSchemaToGbnf({ type: "tuple" }), SchemaConversionError);
  assert.throws(() => jsonSchemaToGbnf({ $ref: "http://x" }), SchemaConversionError);
  assert.throws(() => jsonSchemaToGbnf({ type: "string", minLength: 5, maxLength: 2 }), SchemaConversionError);
});

test("jsonSchemaToGbnf() refuses schemas nested past MAX_SCHEMA_DEPTH instead of exhausting the stack", () => {
  const nest = (n: number) => JSON.parse('{"type":"object","properties":{"a":'.repeat(n) + "{}" + "}}".repeat(n));
  assert.match(jsonSchemaToGbnf(nest(MAX_SCHEMA_DEPTH - 1)), /^root ::= /);
  for (const schema of [nest(MAX_SCHEMA_DEPTH), nest(5_000), JSON.parse('{"items":'.repeat(9_000) + "{}" + "}".repeat(9_000))]) {
    assert.throws(() => jsonSchemaToGbnf(schema), (e: unknown) => {
      assert.ok(e instanceof SchemaConversionError);
      assert.equal((e as Error).message, `schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
      return true;
    });
  }
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < 3_000; i++) defs[`d${i}`] = { type: "array", items: { $ref: `#/$defs/d${i + 1}` } };
  defs.d3000 = { type: "string" };
  assert.throws(() => jsonSchemaToGbnf({ $ref: "#/$defs/d0", $defs: defs }), SchemaConversionError);
});
