import type { NamedTemplate } from "./types.ts";

/** SOLAR Instruct: ### System: / ### User: / ### Assistant:. */
export const solarInstruct: NamedTemplate = {
  name: "solar-instruct",
  template: `{{- range .Messages }}
{{- if eq .Role "assistant" }}### Assistant:
{{ .Content }}</s>

{{ else }}
{{- if eq .Role "system" }}### System:{{ else if eq .Role "user" }}### User:{{ end }}
{{ .Content }}

{{ end }}
{{- end }}### Assistant:
`,
  parameters: {"stop": ["### System:", "### User:", "### Assistant"]},
  fingerprints: [
    "{% for message in messages %}{% if message['role'] == 'system' %}{% if message['content']%}{{'### System:\\n' + message['content']+'\\n\\n'}}{% endif %}{% elif message['role'] == 'user' %}{{'### User:\\n' + message['content']+'\\n\\n'}}{% elif message['role'] == 'assistant' %}{{'### Assistant:\\n'  + message['content']}}{% endif %}{% if loop.last and add_generation_prompt %}{{ '### Assistant:\\n' }}{% endif %}{% endfor %}",
  ],
};
