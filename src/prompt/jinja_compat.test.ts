import { test } from "node:test";
import assert from "node:assert/strict";
import { renderJinja } from "./jinja.ts";
import { parseTemplate, renderParsed, strftime } from "./jinja_compat.ts";

const now = new Date("2026-01-02T03:04:05Z");
const render = (text: string, data: Record<string, unknown> = {}) => renderParsed(parseTemplate(text), data, now);

test("strftime() formats the frozen clock in the C locale", () => {
  assert.equal(strftime(now, "%Y-%m-%d %H:%M:%S %a %A %b %B %e %j %y %p %%"), "2026-01-02 03:04:05 Fri Friday Jan January  2 002 26 AM %");
  assert.equal(render("{{ strftime_now('%d %b %Y') }}"), "02 Jan 2026");
});

test("llama.cpp's runtime: methods, filters and lenient undefined values", () => {
  assert.equal(render("{{ '<t{}>{x}'.format(1, x='y') }}"), "<t1>y");
  assert.equal(render("{% set l = [] %}{% set _ = l.append(2) %}{{ l | length }}{{ [3, 1, 2] | min }}{{ [3, 1, 2] | max }}"), "113");
  assert.equal(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", { d: { items: 1, b: 2 } }), "items=1;b=2;");
  assert.equal(render("{% for t in tools %}x{% endfor %}{{ missing | trim }}{{ 'a' + missing }}"), "a");
  assert.equal(render("{{ none | selectattr('type', 'equalto', 'x') | list | length }}"), "0");
  assert.equal(render("{{ d[undefined_key] is defined }}", { d: { a: 1 } }), "False");
  assert.equal(render("{% for a, b in [('x', 'y')] %}{{ a }}{{ b }}{% endfor %}{{ '-' * 3 }}"), "xy---");
  assert.equal(render("{% set m = {0: 'z', 512: 'a'} %}{{ m[512] }}{% for k, v in m | dictsort %}{{ k + 1 }}{% endfor %}"), "a1513");
  assert.equal(render("{{ missing is iterable }}{{ {} is iterable }}"), "TrueFalse");
});

test("values print as llama.cpp prints them: lists item by item, dicts as nothing, string filter as Python repr", () => {
  assert.equal(render("{{ ['a', ['b', 1]] }}|{{ d }}|{{ d | string }}", { d: { k: "v", n: [true, null] } }), "ab1||{'k': 'v', 'n': [True, None]}");
  assert.throws(() => render("{{ d.items.type }}", { d: { a: 1 } }), /Function has no builtins/);
});

test("renderJinja() adapts the conversation as llama.cpp does around a template", () => {
  // No system role: the system prompt is merged into the first user message.
  const noSystem = "{% for m in messages %}{% if m.role == 'user' %}[U]{{ m.content }}{% endif %}{% endfor %}";
  assert.equal(
    renderJinja(noSystem, { messages: [{ role: "system", content: "S" }, { role: "user", content: "U" }] }),
    "[U]S\nU",
  );
  // Typed content only: strings become text parts.
  const typed = "{% for m in messages %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endfor %}";
  assert.equal(renderJinja(typed, { messages: [{ role: "user", content: "hi" }] }), "hi");
  // Arguments as objects where the template reads them, as the client's text where it prints the text.
  const objects =
    "{% for m in messages %}{% for c in m.tool_calls or [] %}{% for k, v in c.function.arguments.items() %}{{ k }}={{ v }}{% endfor %}{% endfor %}{% endfor %}";
  const text = "{% for m in messages %}{% for c in m.tool_calls or [] %}{{ c.function.arguments }}{% endfor %}{% endfor %}";
  const messages = [{ role: "user", content: "q" }, {
    role: "assistant",
    content: "",
    tool_calls: [{ function: { name: "f", arguments: '{"city": "Oslo"}' } }],
  }];
  assert.equal(renderJinja(objects, { messages }), "city=Oslo");
  assert.equal(renderJinja(text, { messages }), '{"city": "Oslo"}');
  // developer is read as system; datetime and date_string come from the clock given.
  assert.equal(
    renderJinja("{{ messages[0].role }}:{{ messages[0].content }} {{ datetime }} / {{ date_string }}", { messages: [{ role: "developer", content: "d" }], now }),
    "system:d Jan 02 2026 / 02 Jan 2026",
  );
});
