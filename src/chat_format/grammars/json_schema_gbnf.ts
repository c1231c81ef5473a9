/**
 * Our JSON-Schema → GBNF converter, for `format: <schema>` and OpenAI `response_format: json_schema`. The grammar
 * is fed to libllama's grammar sampler, so every output the model can produce parses as JSON and validates
 * against the schema. Covered: object (properties in order, `required`, optional ones after), array (`items`,
 * `minItems`, `maxItems`), string (`enum`, `const`, `minLength`, `maxLength`), number, integer, boolean, null,
 * `enum`/`const` of any JSON value, `anyOf`/`oneOf`, type lists, `$ref` into `$defs`/`definitions`, and `{}`
 * (any JSON value). Whitespace between tokens is bounded so a sampler cannot wander forever in it.
 * @module
 */

/** A JSON schema as accepted here (the parts this converter reads). */
export type JsonSchema = boolean | { [key: string]: unknown };

/** Thrown for a schema this converter cannot express (the route answers 400 `invalid format: ...`). */
export class SchemaConversionError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "SchemaConversionError";
  }
}

const PRIMITIVES: Record<string, string> = {
  ws: `[ \\t\\n]{0,2}`,
  boolean: `("true" | "false") ws`,
  null: `"null" ws`,
  integer: `("-"? ("0" | [1-9] [0-9]{0,15})) ws`,
  number: `("-"? ("0" | [1-9] [0-9]{0,15})) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})? ws`,
  char: `[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})`,
  string: `"\\"" char* "\\"" ws`,
  value: `object | array | string | number | ("true" | "false" | "null") ws`,
  object: `"{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws`,
  array: `"[" ws ( value ("," ws value)* )? "]" ws`,
};

/** A GBNF string literal for `text`. */
function literal(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

/**
 * How deep a schema may nest (properties, items, anyOf/oneOf, type lists, $ref chains). The converter recurses once
 * per level; a request may carry 10,000 levels of JSON (Go's limit), far more than a JS stack holds here.
 */
export const MAX_SCHEMA_DEPTH = 100;

class Converter {
  #rules = new Map<string, string>();
  #depth = 0;
  #root: { [key: string]: unknown };
  #refPrefix = "";

  constructor(root: { [key: string]: unknown }) {
    this.#root = root;
  }

  /** Reads `$ref`s against another schema's `$defs` from now on, their rules named under `prefix`. */
  withRoot(root: { [key: string]: unknown }, prefix: string): void {
    this.#root = root;
    this.#refPrefix = prefix;
  }

  /**
   * Rule `name` without the whitespace it allows after its value (a call's arguments that end the reply:
   * what the model writes after them would be content). Any other expression comes back as it is.
   */
  withoutTrailingSpace(name: string): string {
    const body = this.#rules.get(name);
    if (body === undefined || !body.endsWith(" ws")) return name;
    return this.#add(`${name}-end`, body.slice(0, -" ws".length));
  }

  /** The rules made so far, one `name ::= body` line each. */
  lines(): string[] {
    return [...this.#rules].map(([name, body]) => `${name} ::= ${body}`);
  }

  #use(name: keyof typeof PRIMITIVES): string {
    if (!this.#rules.has(name)) {
      this.#rules.set(name, PRIMITIVES[name]);
      for (const dep of PRIMITIVES[name].match(/\b[a-z]+\b/g) ?? []) {
        if (dep in PRIMITIVES && dep !== name && !/^(true|false|null|u)$/.test(dep)) this.#use(dep as keyof typeof PRIMITIVES);
      }
    }
    return name;
  }

  #add(hint: string, body: string): string {
    const base = hint.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase() || "r";
    let name = base;
    for (let i = 1; this.#rules.has(name) && this.#rules.get(name) !== body; i++) name = `${base}-${i}`;
    this.#rules.set(name, body);
    return name;
  }

  #ref(ref: string, hint: string): string {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    if (!match) throw new SchemaConversionError(`unsupported $ref ${JSON.stringify(ref)}`);
    const defs = this.#root[match[1]] as Record<string, JsonSchema> | undefined;
    const target = defs?.[match[2]];
    if (target === undefined) throw new SchemaConversionError(`unresolved $ref ${JSON.stringify(ref)}`);
    const name = `${this.#refPrefix}ref-${match[2]}`.replace(/[^a-zA-Z0-9]+/g, "-").toLowerCase();
    if (!this.#rules.has(name)) {
      this.#rules.set(name, "");
      this.#rules.set(name, this.visit(target, `${hint}-${match[2]}`));
    }
    return name;
  }

  /** A GBNF expression for `schema`. */
  visit(schema: JsonSchema, hint: string): string {
    if (this.#depth >= MAX_SCHEMA_DEPTH) throw new SchemaConversionError(`schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
    this.#depth++;
    try {
      return this.#visit(schema, hint);
    } finally {
      this.#depth--;
    }
  }

  #visit(schema: JsonSchema, hint: string): string {
    if (schema === true) return this.#use("value");
    if (schema === false) throw new SchemaConversionError("schema `false` accepts nothing");
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      throw new SchemaConversionError("a schema must be an object");
    }
    if (typeof schema.$ref === "string") return this.#ref(schema.$ref, hint);
    if ("const" in schema) return `${literal(JSON.stringify(schema.const))} ws`;
    if (Array.isArray(schema.enum)) {
      if (schema.enum.length === 0) throw new SchemaConversionError("empty enum");
      this.#use("ws");
      return `(${schema.enum.map((value) => literal(JSON.stringify(value))).join(" | ")}) ws`;
    }
    const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(alternatives)) {
      return this.#add(hint, alternatives.map((alt, i) => this.visit(alt, `${hint}-${i}`)).join(" | "));
    }
    const type = schema.type;
    if (Array.isArray(type)) {
      return this.#add(hint, type.map((t) => this.visit({ ...schema, type: t }, `${hint}-${t}`)).join(" | "));
    }
    switch (type) {
      case "object":
        return this.#object(schema, hint);
      case "array":
        return this.#array(schema, hint);
      case "string":
        return this.#string(schema, hint);
      case "number":
      case "integer":
      case "boolean":
      case "null":
        return this.#use(type);
      case undefined:
        if (schema.properties) return this.#object(schema, hint);
        if (schema.items) return this.#array(schema, hint);
        return this.#use("value");
      default:
        throw new SchemaConversionError(`unsupported type ${JSON.stringify(type)}`);
    }
  }

  #string(schema: { [key: string]: unknown }, hint: string): string {
    this.#use("string");
    const min = typeof schema.minLength === "number" ? Math.max(0, Math.floor(schema.minLength)) : 0;
    const max = typeof schema.maxLength === "number" ? Math.floor(schema.maxLength) : undefined;
    if (min === 0 && max === undefined) return "string";
    if (max !== undefined && max < min) throw new SchemaConversionError("maxLength is below minLength");
    return this.#add(`${hint}-string`, `"\\"" char{${min},${max ?? ""}} "\\"" ws`);
  }

  #array(schema: { [key: string]: unknown }, hint: string): string {
    this.#use("ws");
    const item = this.visit((schema.items ?? true) as JsonSchema, `${hint}-item`);
    const min = typeof schema.minItems === "number" ? Math.max(0, Math.floor(schema.minItems)) : 0;
    const max = typeof schema.maxItems === "number" ? Math.floor(schema.maxItems) : undefined;
    if (max !== undefined && max < min) throw new SchemaConversionError("maxItems is below minItems");
    if (max === 0) return this.#add(hint, `"[" ws "]" ws`);
    const more = `("," ws ${item}){${Math.max(0, min - 1)},${max === undefined ? "" : max - 1}}`;
    const list = `${item} ${more}`;
    return this.#add(hint, `"[" ws ${min === 0 ? `(${list})?` : list} "]" ws`);
  }

  #object(schema: { [key: string]: unknown }, hint: string): string {
    this.#use("ws");
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
    const entries = Object.entries(properties);
    if (entries.length === 0) {
      if (schema.additionalProperties === false) return this.#add(hint, `"{" ws "}" ws`);
      return this.#use("object");
    }
    const pair = (key: string, value: JsonSchema) =>
      `${literal(JSON.stringify(key))} ws ":" ws ${this.visit(value, `${hint}-${key}`)}`;
    const req = entries.filter(([key]) => required.has(key)).map(([key, value]) => pair(key, value));
    const opt = entries.filter(([key]) => !required.has(key)).map(([key, value]) => pair(key, value));
    let body: string;
    if (req.length) {
      body = [req.join(` "," ws `), ...opt.map((p) => `("," ws ${p})?`)].join(" ");
    } else {
      // No required key: any ordered subset of the optional ones, commas only between chosen keys.
      const starts = opt.map((p, i) => [p, ...opt.slice(i + 1).map((q) => `("," ws ${q})?`)].join(" "));
      body = `(${starts.join(" | ")})?`;
    }
    return this.#add(hint, `"{" ws ${body} "}" ws`);
  }

  grammar(rootExpr: string): string {
    const lines = [`root ::= ${rootExpr}`];
    for (const [name, body] of this.#rules) lines.push(`${name} ::= ${body}`);
    return lines.join("\n") + "\n";
  }
}

/**
 * Rules for several schemas in one grammar (a forced tool call: one argument schema per tool), each
 * schema's `$ref`s read against its own `$defs`.
 */
export class SchemaRules {
  #converter = new Converter({});

  /** The GBNF expression accepting exactly the JSON documents valid under `schema`; `hint` names its rules. */
  add(schema: JsonSchema, hint: string): string {
    const root = typeof schema === "object" && schema !== null ? schema : {};
    this.#converter.withRoot(root, `${hint}-`);
    return this.#converter.visit(schema, hint);
  }

  /** As `add`, without whitespace after the document's end. */
  addTrimmed(schema: JsonSchema, hint: string): string {
    return this.#converter.withoutTrailingSpace(this.add(schema, hint));
  }

  /** Every rule the added schemas need. */
  lines(): string[] {
    return this.#converter.lines();
  }
}

/** GBNF for any JSON object (`format: "json"`). */
export function jsonGrammar(): string {
  const converter = new Converter({});
  return converter.grammar(converter.visit({ type: "object" }, "root-object"));
}

/** GBNF accepting exactly the JSON documents valid under `schema`. */
export function jsonSchemaToGbnf(schema: JsonSchema): string {
  const root = typeof schema === "object" && schema !== null ? schema : {};
  const converter = new Converter(root);
  return converter.grammar(converter.visit(schema, "root-value"));
}
