import type { NamedTemplate } from "./types.ts";

/** Llama 2 Chat: [INST] <<SYS>>…<</SYS>> … [/INST] turns. */
export const llama2Chat: NamedTemplate = {
  name: "llama2-chat",
  template: `{{- $sys := "" }}[INST] {{ range .Messages }}
{{- if eq .Role "system" }}{{ if $sys }}{{ $sys = printf "%s\\n\\n%s" $sys .Content }}{{ else }}{{ $sys = .Content }}{{ end }}
{{- else if eq .Role "user" }}<<SYS>>
{{- with $sys }}
{{ . }}
{{ end }}{{ $sys = "" }}<</SYS>>

{{ .Content }} [/INST]
{{- else if eq .Role "assistant" }} {{ .Content }}</s><s>[INST] {{ end }}
{{- end }}`,
  parameters: {"stop": ["[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"]},
  fingerprints: [
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
  ],
};
