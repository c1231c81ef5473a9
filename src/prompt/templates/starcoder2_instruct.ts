import type { NamedTemplate } from "./types.ts";

/** StarCoder2 Instruct: ### Instruction / ### Response. */
export const starcoder2Instruct: NamedTemplate = {
  name: "starcoder2-instruct",
  template: `{{- $sys := "" }}
{{- range .Messages }}
{{- if eq .Role "system" }}{{ if $sys }}{{ $sys = printf "%s\\n\\n%s" $sys .Content }}{{ else }}{{ $sys = .Content }}{{ end }}
{{- else if eq .Role "user" }}{{ with $sys }}{{ . }}

{{ end }}{{ $sys = "" }}### Instruction
{{ .Content }}

{{ else if eq .Role "assistant" }}### Response
{{ .Content }}<|endoftext|>

{{ end }}
{{- end }}### Response
`,
  parameters: {"stop": ["### Instruction", "### Response", "<|endoftext|>"]},
  fingerprints: [
    "{{bos_token}}{{'You are an exceptionally intelligent coding assistant that consistently delivers accurate and reliable responses to user instructions.\\n\\n'}}\n{%- for message in messages %}\n    {%- if message['role'] == 'system' %}\n        {{ raise_exception('System messages are not allowed in this template.') }}\n    {%- else %}\n        {%- if message['role'] == 'user' %}\n{{'### Instruction\\n' + message['content'] + '\\n\\n'}}\n        {%- else %}\n{{'### Response\\n' + message['content'] + eos_token + '\\n\\n'}}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{{'### Response\\n'}}",
  ],
};
