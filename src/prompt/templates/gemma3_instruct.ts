import type { NamedTemplate } from "./types.ts";

/** Gemma 3: like Gemma, the system text opens the first user turn. */
export const gemma3Instruct: NamedTemplate = {
  name: "gemma3-instruct",
  template: `{{- range $i, $m := .Messages }}
{{- if eq $m.Role "user" }}<start_of_turn>user
{{- if and (eq $i 1) $.System }}
{{ $.System }}
{{ end }}
{{ $m.Content }}<end_of_turn>
{{ else if eq $m.Role "assistant" }}<start_of_turn>model
{{ $m.Content }}<end_of_turn>
{{ end }}
{{- if eq (len (slice $.Messages $i)) 1 }}<start_of_turn>model
{{ end }}
{{- end }}
`,
  parameters: {"stop": ["<end_of_turn>"], "temperature": 0.1},
  fingerprints: [],
};
