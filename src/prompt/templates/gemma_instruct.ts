import type { NamedTemplate } from "./types.ts";

/** Gemma: <start_of_turn>user/model turns; system text goes into the next user turn. */
export const gemmaInstruct: NamedTemplate = {
  name: "gemma-instruct",
  template: `{{- $sys := "" }}
{{- range .Messages }}
{{- if eq .Role "system" }}{{ if $sys }}{{ $sys = printf "%s\\n\\n%s" $sys .Content }}{{ else }}{{ $sys = .Content }}{{ end }}
{{- else }}
{{- if eq .Role "user" }}<start_of_turn>user
{{- with $sys }}
{{ . }}
{{- end }}{{ $sys = "" }}
{{- else if eq .Role "assistant" }}<start_of_turn>model
{{- end }}
{{ .Content }}<end_of_turn>
{{ end }}
{{- end }}<start_of_turn>model
`,
  parameters: {"stop": ["<start_of_turn>", "<end_of_turn>"]},
  fingerprints: [
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
  ],
};
