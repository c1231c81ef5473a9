/**
 * Prompt rendering speed: a Llama-3.1-style Go template with 50 messages and 10 tools, against a
 * hand-written string concatenation of the same prompt in the same run (the two must be equal).
 *
 *   npx deno run -A bench/template.ts
 *   npx bun run bench/template.ts
 */
import { ChatTemplate, goJson, type Message, type Tool } from "../src/prompt/mod.ts";

const TEMPLATE = `{{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>
{{- if .System }}

{{ .System }}
{{- end }}
{{- if .Tools }}

You can call these functions. To call one, answer with JSON: {"name": <function name>, "parameters": <arguments object>}.
{{- range .Tools }}

{{ . }}
{{- end }}
{{- end }}<|eot_id|>
{{- end }}
{{- range $i, $m := .Messages }}
{{- if eq .Role "system" }}{{ continue }}{{ end }}<|start_header_id|>{{ if eq .Role "tool" }}ipython{{ else }}{{ .Role }}{{ end }}<|end_header_id|>

{{ if .ToolCalls }}{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}{{ else }}{{ .Content }}{{ end }}<|eot_id|>
{{- end }}<|start_header_id|>assistant<|end_header_id|>

`;

const tools: Tool[] = Array.from({ length: 10 }, (_, i) => ({
  type: "function",
  function: {
    name: `tool_${i}`,
    description: `Tool number ${i}: looks things up & reports <results>`,
    parameters: {
      type: "object",
      required: ["query"],
      properties: {
        query: { type: "string", description: "What to look for" },
        limit: { type: "integer", description: "How many results" },
        mode: { type: "string", enum: ["fast", "exact"], description: "Search mode" },
      },
    },
  },
}));

const messages: Message[] = [{ role: "system", content: "You are a helpful assistant." }];
for (let i = 1; i < 50; i++) {
  const kind = i % 4;
  if (kind === 1) messages.push({ role: "user", content: `Question ${i}: what is ${i} squared, and why?` });
  else if (kind === 2) {
    messages.push({
      role: "assistant",
      content: "",
      tool_calls: [{ function: { name: `tool_${i % 10}`, arguments: { query: `square of ${i}`, limit: 3 } } }],
    });
  } else if (kind === 3) messages.push({ role: "tool", content: `{"result": ${i * i}}` });
  else messages.push({ role: "assistant", content: `${i} squared is ${i * i}. Multiplying a number by itself gives its square.` });
}

/** The same prompt, built by hand. */
function baseline(): string {
  let out = "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.\n\n" +
    'You can call these functions. To call one, answer with JSON: {"name": <function name>, "parameters": <arguments object>}.';
  for (const t of tools) {
    const p = t.function.parameters!;
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p.properties!)) {
      props[k] = new Map<string, unknown>([["type", v.type], ["description", v.description], ["enum", v.enum]]);
    }
    const json = new Map<string, unknown>([
      ["type", t.type],
      ["function", new Map<string, unknown>([["name", t.function.name], ["description", t.function.description], [
        "parameters",
        new Map<string, unknown>([["type", p.type], ["required", p.required], ["properties", props]]),
      ]])],
    ]);
    out += "\n\n" + goJson(json);
  }
  out += "<|eot_id|>";
  for (const m of messages) {
    if (m.role === "system") continue;
    out += `<|start_header_id|>${m.role === "tool" ? "ipython" : m.role}<|end_header_id|>\n\n`;
    if (m.tool_calls?.length) {
      for (const c of m.tool_calls) {
        out += `{"name": "${c.function.name}", "parameters": ${goJson(c.function.arguments)}}`;
      }
    } else {
      out += m.content;
    }
    out += "<|eot_id|>";
  }
  return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

function rate(fn: () => string, ms: number): number {
  for (let i = 0; i < 20; i++) fn(); // warm up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

const template = ChatTemplate.get(TEMPLATE);
const render = () => ChatTemplate.get(TEMPLATE).render({ messages, tools });
const rendered = render();
const expected = baseline();
if (rendered !== expected) {
  console.error("template output differs from the baseline:\n--- template\n" + rendered + "\n--- baseline\n" + expected);
  throw new Error("bench/template.ts: outputs differ");
}
const runtimeName = "Bun" in globalThis ? "bun" : "deno";
// Alternate short rounds so both sides see the same machine load; report the medians.
const templateRates: number[] = [];
const baselineRates: number[] = [];
for (let round = 0; round < 5; round++) {
  templateRates.push(rate(render, 300));
  baselineRates.push(rate(baseline, 300));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const templateRate = median(templateRates);
const baselineRate = median(baselineRates);
console.log(`runtime: ${runtimeName}; prompt: ${rendered.length} chars, ${messages.length} messages, ${tools.length} tools`);
console.log(`template: ${templateRate.toFixed(0)} renders/s (parse cached: ${template === ChatTemplate.get(TEMPLATE)})`);
console.log(`baseline (string concatenation): ${baselineRate.toFixed(0)} renders/s`);
console.log(`ratio: template is ${(baselineRate / templateRate).toFixed(1)}x slower than concatenation`);
