/**
 * What llama.cpp's Jinja runtime gives chat templates that `@huggingface/jinja` lacks or does
 * differently: a frozen-clock `strftime_now`, filters (`min`, `max`, `items` on a JSON string
 * tolerated as llama.cpp's value layer does, `from_json`), and a render entry that runs a parsed
 * template with these. The library's interpreter is extended, not copied: only the missing cases
 * are handled here, everything else goes to the library.
 * @module
 */
import { Environment, Interpreter, Template } from "@huggingface/jinja";

// The library's runtime values are not exported; a scratch environment converts JS values into them.
// deno-lint-ignore no-explicit-any
type Value = any;
const scratch = new Environment();
function toValue(js: unknown): Value {
  scratch.variables.delete("_");
  return scratch.set("_", js);
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** C `strftime` in the C locale, on the UTC clock (llama.cpp formats `std::time` with `localtime`; servers run in UTC). */
export function strftime(date: Date, format: string): string {
  const pad = (n: number, w = 2, c = "0") => String(n).padStart(w, c);
  const hour12 = date.getUTCHours() % 12 || 12;
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  const yday = Math.floor((date.getTime() - start) / 86400000) + 1;
  return format.replace(/%([a-zA-Z%])/g, (whole, c: string) => {
    switch (c) {
      case "a":
        return DAYS[date.getUTCDay()].slice(0, 3);
      case "A":
        return DAYS[date.getUTCDay()];
      case "b":
      case "h":
        return MONTHS[date.getUTCMonth()].slice(0, 3);
      case "B":
        return MONTHS[date.getUTCMonth()];
      case "d":
        return pad(date.getUTCDate());
      case "e":
        return pad(date.getUTCDate(), 2, " ");
      case "H":
        return pad(date.getUTCHours());
      case "I":
        return pad(hour12);
      case "j":
        return pad(yday, 3);
      case "m":
        return pad(date.getUTCMonth() + 1);
      case "M":
        return pad(date.getUTCMinutes());
      case "p":
        return date.getUTCHours() < 12 ? "AM" : "PM";
      case "S":
        return pad(date.getUTCSeconds());
      case "y":
        return pad(date.getUTCFullYear() % 100);
      case "Y":
        return String(date.getUTCFullYear());
      case "Z":
        return "UTC";
      case "z":
        return "+0000";
      case "F":
        return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
      case "T":
        return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
      case "%":
        return "%";
      default:
        return whole;
    }
  });
}

/** A node that stands for a value already evaluated, so the library never evaluates an expression twice. */
const VALUE_NODE = "CompatValue";
function valueNode(value: Value): Value {
  return { type: VALUE_NODE, value };
}

/** Dicts written with integer keys: their keys read back as integers from `items()` and `dictsort`. */
const integerKeyed = new WeakSet<object>();
function itemPairs(object: Value): Value {
  const pairs = [...(object.value as Map<string, Value>)].map(([k, v]) =>
    new ArrayValueClass([toValue(integerKeyed.has(object) && /^-?\d+$/.test(k) ? Number(k) : k), v])
  );
  return new ArrayValueClass(pairs);
}

const ArrayValueClass = toValue([]).constructor as new (items: Value[]) => Value;

const DICT_METHODS = ["items", "keys", "values", "get"];

const isMissing = (v: Value) => v.type === "UndefinedValue" || v.type === "NullValue";

/** Python's `str.format` with positional (`{}`, `{0}`) and keyword (`{name}`) fields; `{{`/`}}` escape braces. */
function pyFormat(text: string, args: Value[], kwargs: Map<string, Value> | undefined): string {
  let next = 0;
  return text.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
    if (whole === "{{") return "{";
    if (whole === "}}") return "}";
    const name = (field ?? "").split(/[:!]/)[0];
    const value = name === "" ? args[next++] : /^\d+$/.test(name) ? args[Number(name)] : kwargs?.get(name);
    if (value === undefined) throw new Error(`format: no value for field {${field}}`);
    return value.type === "StringValue" ? value.value : String(value);
  });
}

/**
 * The library's interpreter, its evaluation steps typed as overridable (its declarations mark them
 * private; they are ordinary prototype methods).
 */
interface OpenInterpreter {
  run(program: unknown): Value;
  // deno-lint-ignore no-explicit-any
  evaluate(statement: any, environment: Environment): Value;
  // deno-lint-ignore no-explicit-any
  evaluateFor(node: any, environment: Environment): Value;
  // deno-lint-ignore no-explicit-any
  evaluateTestExpression(node: any, environment: Environment): Value;
  // deno-lint-ignore no-explicit-any
  evaluateBlock(statements: any[], environment: Environment): Value;
  // deno-lint-ignore no-explicit-any
  evaluateMemberExpression(expr: any, environment: Environment): Value;
  // deno-lint-ignore no-explicit-any
  evaluateBinaryExpression(node: any, environment: Environment): Value;
  // deno-lint-ignore no-explicit-any
  evaluateCallExpression(expr: any, environment: Environment): Value;
  evaluateArguments(args: unknown[], environment: Environment): [Value[], Map<string, Value>];
  // deno-lint-ignore no-explicit-any
  applyFilter(operand: Value, filterNode: any, environment: Environment): Value;
}
const OpenInterpreter = Interpreter as unknown as new (env: Environment) => OpenInterpreter;

/** How llama.cpp's runtime writes a value out: strings and numbers as text, lists item by item, anything else as nothing. */
function printed(v: Value): string {
  switch (v.type) {
    case "StringValue":
      return v.value;
    case "IntegerValue":
    case "FloatValue":
      return v.toString();
    case "BooleanValue":
      return v.value ? "True" : "False";
    case "ArrayValue":
    case "TupleValue":
      return (v.value as Value[]).map(printed).join("");
  }
  return "";
}

/** Python's `repr`, as llama.cpp's `string` filter writes lists and dicts. */
function pyRepr(v: Value): string {
  switch (v.type) {
    case "StringValue":
      return v.value.includes("'") ? JSON.stringify(v.value) : `'${v.value}'`;
    case "ArrayValue":
      return `[${(v.value as Value[]).map(pyRepr).join(", ")}]`;
    case "TupleValue":
      return v.value.length === 1 ? `(${pyRepr(v.value[0])},)` : `(${(v.value as Value[]).map(pyRepr).join(", ")})`;
    case "ObjectValue":
      return `{${[...(v.value as Map<string, Value>)].map(([k, x]) => `${pyRepr(toValue(k))}: ${pyRepr(x)}`).join(", ")}}`;
    case "NullValue":
      return "None";
    case "UndefinedValue":
      return "";
    case "BooleanValue":
      return v.value ? "True" : "False";
  }
  return v.toString();
}

/** The interpreter with what llama.cpp's runtime adds: methods, filters and lenient undefined values. */
class CompatInterpreter extends OpenInterpreter {
  // deno-lint-ignore no-explicit-any
  override evaluate(statement: any, environment: Environment): Value {
    if (statement?.type === VALUE_NODE) return statement.value;
    if (statement?.type === "ObjectLiteral") {
      // Integer keys (`{512: 128}`) are held as their text; lookups with an integer find them.
      // deno-lint-ignore no-explicit-any
      const entries = [...statement.value].map(([k, v]: [any, unknown]): [unknown, unknown] => [
        k.type === "IntegerLiteral" ? { type: "StringLiteral", value: String(k.value) } : k,
        v,
      ]);
      const object = super.evaluate({ ...statement, value: new Map(entries) }, environment);
      // deno-lint-ignore no-explicit-any
      if ([...statement.value.keys()].some((k: any) => k.type === "IntegerLiteral")) integerKeyed.add(object);
      return object;
    }
    return super.evaluate(statement, environment);
  }

  // deno-lint-ignore no-explicit-any
  override evaluateBlock(statements: any[], environment: Environment): Value {
    let out = "";
    for (const statement of statements) out += printed(this.evaluate(statement, environment));
    return toValue(out);
  }

  // llama.cpp counts undefined as an (empty) iterable and sequence, and a dict as neither.
  // deno-lint-ignore no-explicit-any
  override evaluateTestExpression(node: any, environment: Environment): Value {
    const name: string = node.test.value;
    if (name !== "iterable" && name !== "sequence") return super.evaluateTestExpression(node, environment);
    const operand = this.evaluate(node.operand, environment);
    const result = ["ArrayValue", "TupleValue", "StringValue", "UndefinedValue"].includes(operand.type);
    return toValue(node.negate ? !result : result);
  }

  // A missing key (`d[undefined]`) reads as undefined, as in llama.cpp.
  // deno-lint-ignore no-explicit-any
  override evaluateMemberExpression(expr: any, environment: Environment): Value {
    if (!expr.computed) {
      // As Jinja's getattr: `obj.items` is the dict method even where the dict has an "items" key.
      const object = this.evaluate(expr.object, environment);
      if (object.type === "ObjectValue" && DICT_METHODS.includes(expr.property.value)) {
        return object.builtins.get(expr.property.value);
      }
      // llama.cpp's functions have no attributes: reading one is an error, not undefined.
      if (object.type === "FunctionValue") throw new Error("Function has no builtins");
      return super.evaluateMemberExpression({ ...expr, object: valueNode(object) }, environment);
    }
    if (expr.property.type === "SliceExpression") return super.evaluateMemberExpression(expr, environment);
    const object = this.evaluate(expr.object, environment);
    let property = this.evaluate(expr.property, environment);
    if (isMissing(property)) return toValue(undefined);
    if (object.type === "ObjectValue" && property.type === "IntegerValue") property = toValue(String(property.value));
    return super.evaluateMemberExpression({ ...expr, object: valueNode(object), property: valueNode(property) }, environment);
  }

  // An undefined or none iterable loops zero times (runs the loop's else), as in llama.cpp.
  // deno-lint-ignore no-explicit-any
  override evaluateFor(node: any, environment: Environment): Value {
    if (node.iterable.type === "SelectExpression") return super.evaluateFor(node, environment);
    const iterable = this.evaluate(node.iterable, new Environment(environment));
    let given = isMissing(iterable) ? toValue([]) : iterable;
    // Tuples unpack like lists (`for a, b in [("x", "y")]`).
    if (given.type === "ArrayValue" && given.value.some((x: Value) => x.type === "TupleValue")) {
      given = new ArrayValueClass(given.value.map((x: Value) => x.type === "TupleValue" ? new ArrayValueClass(x.value) : x));
    }
    return super.evaluateFor({ ...node, iterable: valueNode(given) }, environment);
  }

  // `+` and `~` with an undefined side treat it as an empty string (llama.cpp prints undefined as "").
  // deno-lint-ignore no-explicit-any
  override evaluateBinaryExpression(node: any, environment: Environment): Value {
    const op: string = node.operator.value;
    if (op !== "+" && op !== "~" && op !== "*") return super.evaluateBinaryExpression(node, environment);
    let left = this.evaluate(node.left, environment);
    let right = this.evaluate(node.right, environment);
    if (op === "*") {
      // Python's string repetition: "  " * depth.
      if (left.type === "StringValue" && right.type === "IntegerValue") return toValue(left.value.repeat(Math.max(0, right.value)));
      if (right.type === "StringValue" && left.type === "IntegerValue") return toValue(right.value.repeat(Math.max(0, left.value)));
    }
    if (left.type === "UndefinedValue" && right.type === "StringValue") left = toValue("");
    if (right.type === "UndefinedValue" && left.type === "StringValue") right = toValue("");
    return super.evaluateBinaryExpression({ ...node, left: valueNode(left), right: valueNode(right) }, environment);
  }

  // deno-lint-ignore no-explicit-any
  override evaluateCallExpression(expr: any, environment: Environment): Value {
    const callee = expr.callee;
    if (callee.type !== "MemberExpression" || callee.computed) return super.evaluateCallExpression(expr, environment);
    const object = this.evaluate(callee.object, environment);
    const name: string = callee.property.value;
    const method = this.#method(object, name);
    if (method !== undefined) {
      const [args, kwargs] = this.evaluateArguments(expr.args, environment);
      return method(args, kwargs);
    }
    return super.evaluateCallExpression({ ...expr, callee: { ...callee, object: valueNode(object) } }, environment);
  }

  /** Methods llama.cpp's values have and the library's lack (or hides behind a same-named key). */
  #method(object: Value, name: string): ((args: Value[], kwargs: Map<string, Value>) => Value) | undefined {
    switch (object.type) {
      case "StringValue":
        if (name === "format") return (args, kwargs) => toValue(pyFormat(object.value, args, kwargs));
        return undefined;
      case "ArrayValue": {
        const items: Value[] = object.value;
        switch (name) {
          case "append":
            return ([x]) => (items.push(x), toValue(null));
          case "extend":
            return ([xs]) => (items.push(...xs.value), toValue(null));
          case "insert":
            return ([i, x]) => (items.splice(i.value, 0, x), toValue(null));
          case "pop":
            return ([i]) => {
              if (items.length === 0) throw new Error("pop from empty list");
              const at = i === undefined ? items.length - 1 : i.value < 0 ? items.length + i.value : i.value;
              return items.splice(at, 1)[0];
            };
        }
        return undefined;
      }
      case "ObjectValue":
        // A dict's methods win over its keys when called (`props.items()` where a key is "items").
        if (name === "items" && integerKeyed.has(object)) return () => itemPairs(object);
        if (DICT_METHODS.includes(name)) {
          const builtin = object.builtins.get(name);
          return (args) => builtin.value(args);
        }
        return undefined;
    }
    return undefined;
  }

  // deno-lint-ignore no-explicit-any
  override applyFilter(operand: Value, filterNode: any, environment: Environment): Value {
    const name: string | undefined = filterNode.type === "Identifier"
      ? filterNode.value
      : filterNode.type === "CallExpression" && filterNode.callee.type === "Identifier"
      ? filterNode.callee.value
      : undefined;
    const extra = name === undefined ? undefined : this.#extraFilter(name, operand);
    if (extra !== undefined) return extra;
    if (isMissing(operand) && name !== undefined && name !== "default" && name !== "tojson") {
      // Undefined and none behave as empty: strings for string filters, lists for list filters.
      if (["trim", "lower", "upper", "title", "capitalize", "string", "indent", "replace"].includes(name)) {
        if (name === "string" && operand.type === "NullValue") return toValue("None");
        return super.applyFilter(toValue(""), filterNode, environment);
      }
      if (["selectattr", "rejectattr", "list", "map", "select", "reject", "unique", "sort", "join", "length", "first", "last"].includes(name)) {
        return super.applyFilter(toValue([]), filterNode, environment);
      }
    }
    return super.applyFilter(operand, filterNode, environment);
  }

  #extraFilter(name: string, operand: Value): Value | undefined {
    const type: string = operand.type;
    if ((name === "dictsort" || name === "items") && type === "ObjectValue" && integerKeyed.has(operand)) {
      const pairs = itemPairs(operand);
      if (name === "dictsort") pairs.value.sort((a: Value, b: Value) => a.value[0].value < b.value[0].value ? -1 : a.value[0].value > b.value[0].value ? 1 : 0);
      return pairs;
    }
    if (name === "string" && (type === "ArrayValue" || type === "ObjectValue" || type === "TupleValue")) {
      return toValue(pyRepr(operand));
    }
    if ((name === "min" || name === "max") && type === "ArrayValue") {
      const items: Value[] = operand.value;
      if (items.length === 0) return toValue(undefined);
      return items.reduce((a, b) => {
        const less = a.value < b.value;
        return name === "min" ? (less ? a : b) : (less ? b : a);
      });
    }
    return undefined;
  }
}

/** The globals every render gets (the library's set, with the clock given). */
function globals(env: Environment, now: Date): void {
  env.set("false", false);
  env.set("true", true);
  env.set("none", null);
  env.set("True", true);
  env.set("False", false);
  env.set("None", null);
  env.set("raise_exception", (message: unknown) => {
    throw new Error(String(message));
  });
  env.set("range", (start: number, stop?: number, step = 1) => {
    if (stop === undefined) [start, stop] = [0, start];
    const out: number[] = [];
    if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
    else if (step < 0) for (let i = start; i > stop; i += step) out.push(i);
    return out;
  });
  env.set("strftime_now", (format: string) => strftime(now, format));
}

/** A parsed template. */
export type ParsedTemplate = Template;

/** Parses a template as llama.cpp does (blocks trimmed and left-stripped). */
export function parseTemplate(text: string): ParsedTemplate {
  return new Template(text);
}

/** Renders a parsed template with llama.cpp's globals and filters. */
export function renderParsed(template: ParsedTemplate, data: Record<string, unknown>, now: Date): string {
  const env = new Environment();
  globals(env, now);

  for (const [key, value] of Object.entries(data)) env.set(key, value);
  return new CompatInterpreter(env).run(template.parsed).value as string;
}
