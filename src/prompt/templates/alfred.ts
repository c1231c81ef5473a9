import type { NamedTemplate } from "./types.ts";

/** Falcon Alfred: <start_role>…<end_message>. */
export const alfred: NamedTemplate = {
  name: "alfred",
  template: `{{- range .Messages }}<start_{{ .Role }}>{{ .Content }}<end_message>
{{- end }}<start_assistant>`,
  parameters: {"stop": ["<start_system>", "<end_message>", "<start_user>", "<start_assistant>"]},
  fingerprints: [
    "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<start_user>' + message['content'].strip() + '<end_message>' }}{% elif message['role'] == 'system' %}{{ '<start_system>' + message['content'].strip() + '<end_message>' }}{% elif message['role'] == 'assistant' %}{{ '<start_assistant>'  + message['content'] + '<end_message>' }}{% else %}{{ raise_exception('Only system, user and assistant roles are supported.') }}{% endif %}{% if loop.last and add_generation_prompt %}{{ '<start_assistant>' }}{% endif %}{% endfor %}",
  ],
};
