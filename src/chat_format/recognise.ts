/**
 * Which format a model writes: its config's `parser`/`renderer` name (Ollama's names) first, then
 * the special tokens of its Go TEMPLATE or GGUF Jinja template, then the tool-call and thinking tags
 * the Go template's parse tree shows (today's inference); a Jinja template no family names is read by
 * rendering it with and without reasoning and a call (template_analysis.ts), else bare JSON.
 * @module
 */
import { ChatTemplate } from "../prompt/mod.ts";
import { FAMILIES, type Family, familyNamed, GENERIC, OLLAMA_NAMES, withThinking } from "./families.ts";
import { hermesBody } from "./parsers/hermes.ts";
import { namedParser } from "./named_parsers.ts";
import { taggedSyntax } from "./parsers/tagged.ts";
import { readBareJson } from "./parsers/llama3.ts";
import { analyseTemplate, type TemplateAnalysis } from "./template_analysis.ts";
import type { OutputSyntax } from "./types.ts";

/** What {@linkcode recogniseFormat} reads. */
export interface RecogniseInput {
  jinja?: string;
  template?: string;
  renderer?: string;
  parser?: string;
}

/** A recognised format: its name and output syntax (empty for `passthrough`). */
export interface Recognised {
  name: string;
  syntax: OutputSyntax;
}

function byMarks(text: string): Family | undefined {
  return FAMILIES.find((f) => f.marks.every((m) => text.includes(m)));
}

function byName(name: string): Recognised | undefined {
  const named = namedParser(name);
  if (named) return { name: named.family, syntax: named.syntax };
  const family = OLLAMA_NAMES[name] ?? (familyNamed(name) ? name : undefined);
  if (family === "passthrough") return { name, syntax: {} };
  const found = family ? familyNamed(family) : undefined;
  return found ? { name: found.name, syntax: found.syntax } : undefined;
}

// The Go template's own tags, as Ollama infers them (tools.parseTag, thinking.InferTags).
function byGoTags(template: string): Recognised {
  const t = ChatTemplate.get(template);
  const { tag, closeTag } = t.toolCallTags;
  const { openTag, closeTag: thinkClose } = t.thinkingTags;
  const syntax: OutputSyntax = {};
  if (openTag && thinkClose) syntax.thinking = { open: [openTag], close: [thinkClose] };
  if (tag === "{" || tag === "") {
    syntax.tools = { open: ["{"], atStartOnly: true, parse: (x, f, tools, scan) => readBareJson(x, f, tools, 0, scan) };
  } else if (closeTag) syntax.tools = taggedSyntax([tag], closeTag, hermesBody);
  else syntax.tools = { open: [tag], parse: (x, f, tools, scan) => readBareJson(x, f, tools, tag.length, scan) };
  return { name: "go-template", syntax };
}

/** Whether `name` is one of Ollama's parser/renderer names (or a family name here) that picks a format. */
export function isFormatName(name: string): boolean {
  return byName(name) !== undefined;
}

/** The format of a model from what its config and templates say. */
export function recogniseFormat(input: RecogniseInput): Recognised {
  for (const name of [input.parser, input.renderer]) {
    if (!name) continue;
    const found = byName(name);
    if (found) return found;
  }
  if (input.template) {
    const family = byMarks(input.template);
    if (family) return { name: family.name, syntax: withThinking(family.syntax, input.template) };
    return byGoTags(input.template);
  }
  const jinja = input.jinja ?? "";
  const family = byMarks(jinja);
  if (!jinja) return { name: GENERIC.name, syntax: GENERIC.syntax };
  const analysis = analyseTemplate(jinja);
  let syntax = family ? withThinking(family.syntax, jinja) : byAnalysis(analysis, jinja);
  // As llama.cpp: only what the generation prompt writes is in front of the output.
  if (syntax.thinking && !syntax.thinking.open.some((t) => t.trim() && analysis.generationPrompt.includes(t.trim()))) {
    syntax = { ...syntax, promptOpensThinking: false };
  }
  return { name: family?.name ?? (syntax.tools === GENERIC.syntax.tools ? GENERIC.name : "analysed"), syntax };
}

// A template no family's marks name: the thinking tags and call markers its renders show (llama.cpp's autoparser).
function byAnalysis(analysis: TemplateAnalysis, jinja: string): OutputSyntax {
  const syntax: OutputSyntax = { ...withThinking(GENERIC.syntax, jinja) };
  if (analysis.thinking) syntax.thinking = analysis.thinking;
  if (analysis.tools) syntax.tools = analysis.tools;
  return syntax;
}
