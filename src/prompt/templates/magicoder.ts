import type { NamedTemplate } from "./types.ts";

/** Magicoder: @@ Instruction / @@ Response. */
export const magicoder: NamedTemplate = {
  name: "magicoder",
  template: `{{- $sys := "" }}
{{- range .Messages }}
{{- if eq .Role "system" }}{{ if $sys }}{{ $sys = printf "%s\\n\\n%s" $sys .Content }}{{ else }}{{ $sys = .Content }}{{ end }}
{{- else }}
{{- if eq .Role "user" }}{{ with $sys }}{{ . }}

{{ end }}{{ $sys = "" }}@@ Instruction
{{- else if eq .Role "assistant" }}@@ Response
{{- end }}
{{ .Content }}

{{ end }}
{{- end }}@@ Response
`,
  parameters: {"stop": ["@@ Instruction", "@@ Response"]},
  fingerprints: [
    "{{bos_token}}{{'You are an exceptionally intelligent coding assistant that consistently delivers accurate and reliable responses to user instructions.\\n\\n'}}\n{%- for message in messages %}\n    {%- if message['role'] == 'system' %}\n        {{ raise_exception('System messages are not allowed in this template.') }}\n    {%- else %}\n        {%- if message['role'] == 'user' %}\n{{'@@ Instruction\\n' + message['content'] + '\\n\\n'}}\n        {%- else %}\n{{'@@ Response\\n' + message['content'] + eos_token + '\\n\\n'}}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{{'@@ Response\\n'}}",
  ],
};
