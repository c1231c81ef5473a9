import type { NamedTemplate } from "./types.ts";

/** Falcon Instruct: System: / User: / Falcon: turns. */
export const falconInstruct: NamedTemplate = {
  name: "falcon-instruct",
  template: `{{- range .Messages }}
{{- if eq .Role "system" }}System: {{ .Content }}
{{ else }}
{{- if eq .Role "user" }}User:{{ else if eq .Role "assistant" }}Falcon:{{ end }}
{{ .Content }}
{{ end }}
{{- end }}Falcon:
`,
  parameters: {"stop": ["User:", "Assistant:"]},
  fingerprints: [
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ 'User: \\n' + message['content'] }}\n{% elif message['role'] == 'system' %}\n{{ 'System: ' + message['content'] }}\n{% elif message['role'] == 'assistant' %}\n{{ 'Falcon: \\n' + message['content'] }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ 'Falcon:' }}\n{% endif %}\n{% endfor %}",
    "{% for message in messages %}{% if not loop.first %}{{ '\\n' }}{% endif %}{% if message['role'] == 'system' %}{{ 'System: ' }}{% elif message['role'] == 'user' %}{{ 'User: ' }}{% elif message['role'] == 'assistant' %}{{ 'Falcon: ' }}{% endif %}{{ message['content'] }}{% endfor %}{% if add_generation_prompt %}{{ '\\n' + 'Falcon:' }}{% endif %}",
  ],
};
