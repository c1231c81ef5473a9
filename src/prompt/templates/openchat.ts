import type { NamedTemplate } from "./types.ts";

/** OpenChat: GPT4 Correct User: / GPT4 Correct Assistant:. */
export const openchat: NamedTemplate = {
  name: "openchat",
  template: `{{- range .Messages }}GPT4 Correct
{{- if eq .Role "system" }} System:
{{- else if eq .Role "user" }} User:
{{- else if eq .Role "assistant" }} Assistant:
{{- end }} {{ .Content }}<|end_of_turn|>
{{- end }}GPT4 Correct Assistant:`,
  parameters: {"stop": ["<|end_of_turn|>"]},
  fingerprints: [
    "{{ bos_token }}{% for message in messages %}{{ 'GPT4 Correct ' + message['role'].title() + ': ' + message['content'] + '<|end_of_turn|>'}}{% endfor %}{% if add_generation_prompt %}{{ 'GPT4 Correct Assistant:' }}{% endif %}",
  ],
};
