import type { NamedTemplate } from "./types.ts";

/** Granite Code Instruct: System: / Question: / Answer: turns. */
export const graniteInstruct: NamedTemplate = {
  name: "granite-instruct",
  template: `{{- range .Messages }}
{{- if eq .Role "system" }}System:
{{- else if eq .Role "user" }}Question:
{{- else if eq .Role "assistant" }}Answer:
{{- end }}
{{ .Content }}

{{ end }}Answer:
`,
  parameters: {"stop": ["System:", "Question:", "Answer:"]},
  fingerprints: [
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ 'Question:\\n' + message['content'] + '\\n\\n' }}{% elif message['role'] == 'system' %}\n{{ 'System:\\n' + message['content'] + '\\n\\n' }}{% elif message['role'] == 'assistant' %}{{ 'Answer:\\n'  + message['content'] + '\\n\\n' }}{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ 'Answer:\\n' }}{% endif %}{% endfor %}",
  ],
};
