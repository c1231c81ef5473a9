/**
 * Rendering a model's Go chat template the way Ollama's `template.Execute` does, in one of three
 * modes: suffix (fill-in-the-middle, `.Prompt` + `.Suffix`), messages (the template ranges over
 * `.Messages`), or legacy (`.System`/`.Prompt`/`.Response` executed once per turn, the last turn
 * cut after `.Response` so the model continues it).
 * @module
 */
import { Template } from "../template/mod.ts";
import { collate } from "./collate.ts";
import { PromptTemplateError } from "./errors.ts";
import { goMessage, goThink, goTools } from "./go_data.ts";
import { cutAtResponse, thinkingTags, type ToolCallTags, toolCallTags } from "./tags.ts";
import type { Message, Think, Tool } from "./types.ts";

/** What to render. */
export interface RenderInput {
  /** The conversation (`/api/chat`, or generate's system + user prompt). */
  messages?: readonly Message[];
  tools?: readonly Tool[];
  /** `/api/generate`'s prompt, used with `suffix` for fill-in-the-middle. */
  prompt?: string;
  suffix?: string;
  /** The request's `think`; undefined when the request did not set it. */
  think?: Think;
}

/** A capability a template gives a model. */
export type TemplateCapability = "tools" | "insert" | "thinking";

const OPTIONS = { funcs: "ollama", missingKey: "zero" } as const;
const CACHE_LIMIT = 64;
const cache = new Map<string, ChatTemplate>();

/** A parsed Go chat template with what it reveals about the model. Parse once with `ChatTemplate.get()`. */
export class ChatTemplate {
  /** The template source. */
  readonly text: string;
  /** Lower-cased field and variable names the template uses (Ollama's `Vars()`). */
  readonly vars: ReadonlySet<string>;
  readonly #template: Template;
  readonly #usesMessages: boolean;
  #lastTurn: Template | undefined;
  #toolTags: ToolCallTags | undefined;
  #thinking: { openTag: string; closeTag: string } | undefined;

  private constructor(text: string) {
    this.text = text;
    let template: Template;
    try {
      template = Template.parse(text, OPTIONS);
    } catch (cause) {
      throw new PromptTemplateError(`template error: ${(cause as Error).message}`, { cause });
    }
    this.vars = new Set(template.identifiers());
    this.#usesMessages = this.vars.has("messages");
    // Ollama appends `{{ .Response }}` to templates that have no place for the response.
    if (!this.#usesMessages && !this.vars.has("response")) {
      const response = Template.parse("{{ .Response }}", OPTIONS).root.nodes;
      template = template.withRoot({ ...template.root, nodes: [...template.root.nodes, ...response] });
    }
    this.#template = template;
  }

  /** The parsed template for `text`, from a cache keyed by the text. */
  static get(text: string): ChatTemplate {
    let t = cache.get(text);
    if (t !== undefined) {
      // Refresh its place so the cache drops the least recently used template first.
      cache.delete(text);
    } else {
      t = new ChatTemplate(text);
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    }
    cache.set(text, t);
    return t;
  }

  /** `tools` (uses `.Tools`), `insert` (uses `.Suffix`), `thinking` (uses `.Thinking` or `.Think`). */
  get capabilities(): TemplateCapability[] {
    const caps: TemplateCapability[] = [];
    if (this.vars.has("tools")) caps.push("tools");
    if (this.vars.has("suffix")) caps.push("insert");
    if (this.vars.has("thinking") || this.vars.has("think")) caps.push("thinking");
    return caps;
  }

  /** The text that opens (and closes) a tool call in this template's output format. */
  get toolCallTags(): ToolCallTags {
    return this.#toolTags ??= toolCallTags(this.#template.root);
  }

  /** The tags around thinking, or empty strings when the template shows none. */
  get thinkingTags(): { openTag: string; closeTag: string } {
    return this.#thinking ??= thinkingTags(this.#template.root);
  }

  /** Renders the prompt for `input`. */
  render(input: RenderInput): string {
    try {
      return this.#render(input);
    } catch (cause) {
      if (cause instanceof PromptTemplateError) throw cause;
      throw new PromptTemplateError(`template error: ${(cause as Error).message}`, { cause });
    }
  }

  #render(input: RenderInput): string {
    const think = goThink(input.think);
    if (input.prompt && input.suffix) {
      return this.#template.execute({ Prompt: input.prompt, Suffix: input.suffix, Response: "", ...think });
    }
    const { system, messages } = collate(input.messages ?? []);
    if (this.#usesMessages) {
      return this.#template.execute({
        System: system,
        Messages: messages.map(goMessage),
        Tools: goTools(input.tools),
        Response: "",
        ...think,
      });
    }
    // Legacy: one execution per turn, the last one cut after `.Response`.
    let out = "";
    let turn = { System: "", Prompt: "", Response: "" };
    const flush = () => {
      out += this.#template.execute({ ...turn, ...think });
      turn = { System: "", Prompt: "", Response: "" };
    };
    for (const m of messages) {
      if (m.role === "system") {
        if (turn.Prompt !== "" || turn.Response !== "") flush();
        turn.System = m.content;
      } else if (m.role === "user") {
        if (turn.Response !== "") flush();
        turn.Prompt = m.content;
      } else if (m.role === "assistant") {
        turn.Response = m.content;
      }
    }
    this.#lastTurn ??= this.#template.withRoot(cutAtResponse(this.#template.root));
    return out + this.#lastTurn.execute({ ...turn, ...think });
  }
}

/** The capabilities a Go template gives a model (`tools`, `insert`, `thinking`). */
export function templateCapabilities(templateText: string): TemplateCapability[] {
  return ChatTemplate.get(templateText).capabilities;
}
