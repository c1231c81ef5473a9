import type { NamedTemplate } from "./types.ts";

/** Mistral Instruct: [INST] … [/INST] turns, system text before the user's. */
export const mistralInstruct: NamedTemplate = {
  name: "mistral-instruct",
  template: `[INST] {{ range .Messages }}
{{- if eq .Role "system" }}{{ .Content }}

{{ else if eq .Role "user" }}{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }} {{ .Content }}</s>[INST] {{ end }}
{{- end }}`,
  parameters: {"stop": ["[INST]", "[/INST]"]},
  fingerprints: [
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
  ],
};
