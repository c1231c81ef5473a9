/**
 * tollama: Ollama rebuilt in TypeScript, on Deno and on Bun.
 *
 * Run as a program (`deno run -A mod.ts serve`, `bun run mod.ts serve`) it is the CLI; imported, it is a library:
 *
 * @example Generate with a local GGUF file
 * ```ts
 * import { loadModel } from "./mod.ts";
 * const model = await loadModel("model.gguf", { numCtx: 2048 });
 * const r = await model.complete("Why is the sky blue?", { options: { temperature: 0, num_predict: 32 } });
 * console.log(r.text, r.timings.evalCount);
 * await model.close();
 * ```
 *
 * @example Render a chat and read a model's reply in its own format
 * ```ts
 * import { chatFormat } from "./mod.ts";
 * const fmt = chatFormat({ jinja: ggufChatTemplate, bosToken: "<s>" });
 * const prompt = fmt.render({ messages: [{ role: "user", content: "Hi" }], addGenerationPrompt: true });
 * const parser = fmt.parser({ prompt });
 * const { content, thinking, toolCalls } = parser.add(outputText);
 * ```
 *
 * @example Pull a model into the store, with Ollama's progress events
 * ```ts
 * import { pullModel } from "./mod.ts";
 * await pullModel("llama3.2", { onProgress: (p) => console.log(p.status, p.completed, p.total) });
 * ```
 * @module
 */
import { runtime } from "./src/runtime/mod.ts";
import { runCli } from "./src/cli/mod.ts";
import { serveUntilStopped } from "./src/server/mod.ts";
import { LOAD_PROBE_COMMAND, runLoadProbe } from "./src/engine/mod.ts";

export { TOLLAMA_VERSION } from "./src/version.ts";
/** Load a GGUF model in its own inference Worker: `complete()`, `generate()`, `embed()`, `close()`. */
export { type CompleteOptions, type Completion, type GenerateChunk, loadModel, type LoadModelOptions } from "./src/engine/mod.ts";
export type { OllamaOptions } from "./src/engine/mod.ts";
/** Pull and push models with a registry, resumably, in Ollama's protocol and store layout. */
export { pullModel, type PullOptions, type PullProgress, pushModel, type PushOptions } from "./src/registry/mod.ts";
/** Start the server in this process (`close()` stops it and unloads every model). */
export { serve, type ServeOptions, type TollamaServer } from "./src/server/mod.ts";
/** Go text/template, as Ollama renders prompt templates. */
export { Template } from "./src/template/mod.ts";
/**
 * A model's chat format (from Ollama's renderer/parser names, its Go TEMPLATE or its GGUF Jinja template): `render()`
 * a prompt as the model expects it, and `parser()` to split streamed output into content, thinking and tool calls.
 */
export { type ChatFormat, chatFormat, type ChatFormatOptions, type ChatFormatParser } from "./src/chat_format/mod.ts";

/** Runs the command line (`args` without the program name) and returns the exit code. */
export function main(args: string[]): Promise<number> {
  // The load probe's child (src/engine/load_probe.ts): this program again, loading one model and exiting.
  if (args[0] === LOAD_PROBE_COMMAND) return runLoadProbe(args.slice(1));
  return runCli(args, { serve: () => serveUntilStopped() });
}

if (import.meta.main) {
  runtime.exit(await main(runtime.args()));
}
