// The JSON-schema → GBNF converter checked end to end: each grammar goes into libllama's grammar sampler through a
// real model (random weights, temperature 1, several seeds), and every output must parse and validate.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";

type Schema = Record<string, unknown>;

/** A small validator for the schema features the converter covers. */
function validate(value: unknown, schema: Schema, root: Schema, path = "$"): void {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop()!;
    return validate(value, (root.$defs as Record<string, Schema>)[name], root, path);
  }
  if ("const" in schema) return assert.deepEqual(value, schema.const, path);
  if (Array.isArray(schema.enum)) return assert.ok(schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)), path);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) {
    const ok = alternatives.some((alt) => {
      try {
        validate(value, alt, root, path);
        return true;
      } catch {
        return false;
      }
    });
    return assert.ok(ok, `${path} matches no alternative`);
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return assert.ok(types.some((t) => { try { validate(value, { ...schema, type: t }, root, path); return true; } catch { return false; } }), path);
  switch (types[0]) {
    case "object": {
      assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${path} is an object`);
      const obj = value as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required ?? []) as string[]) assert.ok(key in obj, `${path}.${key} required`);
      for (const [key, v] of Object.entries(obj)) {
        assert.ok(key in props, `${path}.${key} is not a property`);
        validate(v, props[key], root, `${path}.${key}`);
      }
      return;
    }
    case "array": {
      assert.ok(Array.isArray(value), `${path} is an array`);
      const arr = value as unknown[];
      if (typeof schema.minItems === "number") assert.ok(arr.length >= schema.minItems, `${path} minItems`);
      if (typeof schema.maxItems === "number") assert.ok(arr.length <= schema.maxItems, `${path} maxItems`);
      arr.forEach((item, i) => validate(item, (schema.items ?? {}) as Schema, root, `${path}[${i}]`));
      return;
    }
    case "string":
      assert.equal(typeof value, "string", path);
      if (typeof schema.maxLength === "number") assert.ok((value as string).length <= schema.maxLength, `${path} maxLength`);
      if (typeof schema.minLength === "number") assert.ok((value as string).length >= schema.minLength, `${path} minLength`);
      return;
    case "integer":
      return assert.ok(Number.isInteger(value), `${path} integer`);
    case "number":
      return assert.equal(typeof value, "number", path);
    case "boolean":
      return assert.equal(typeof value, "boolean", path);
    case "null":
      return assert.equal(value, null, path);
  }
}

const SCHEMAS: Schema[] = [
  { type: "object", properties: { a: { type: "integer" }, b: { type: "boolean" } }, required: ["a", "b"] },
  {
    type: "object",
    properties: {
      person: {
        type: "object",
        properties: { name: { type: "string", minLength: 1, maxLength: 5 }, age: { type: "integer" } },
        required: ["name"],
      },
      tags: { type: "array", items: { type: "string", maxLength: 3 }, minItems: 1, maxItems: 2 },
    },
    required: ["person", "tags"],
  },
  { type: "object", properties: { x: { type: "number" }, y: { type: "null" }, z: { enum: [1, "two", true] } } },
  {
    $defs: { pt: { type: "object", properties: { x: { type: "integer" } }, required: ["x"] } },
    type: "object",
    properties: { p: { $ref: "#/$defs/pt" }, v: { anyOf: [{ type: "integer" }, { type: "string", maxLength: 2 }] }, w: { type: ["boolean", "null"] } },
    required: ["p", "v", "w"],
  },
  { type: "array", items: { type: "object", properties: { k: { const: "k" } }, required: ["k"] }, maxItems: 3 },
];

const skip = fixtureSkip("tiny-spm");
let server: TestServer;
before(async () => {
  if (skip) return;
  server = await startTestServer();
  await installGguf(server.store, "tiny:latest", await fixtureModel("tiny-spm"));
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

test("jsonSchemaToGbnf() grammars constrain a real model: every output parses and validates", { skip, timeout: 120_000 }, async () => {
  for (const [i, schema] of SCHEMAS.entries()) {
    for (const seed of [11 + i]) {
      const res = await fetch(server.url + "/api/generate", {
        method: "POST",
        body: JSON.stringify({ model: "tiny", prompt: "JSON", raw: true, stream: false, format: schema, options: { temperature: 1, seed, num_predict: 300 } }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      let value: unknown;
      try {
        value = JSON.parse(body.response);
      } catch {
        assert.fail(`schema ${i} seed ${seed}: not JSON (${body.done_reason}): ${body.response}`);
      }
      validate(value, schema, schema);
      console.log(`schema ${i}: ${body.eval_count} tokens in ${(body.eval_duration / 1e9).toFixed(1)} s`);
    }
  }
});
