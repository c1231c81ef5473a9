/**
 * The HTTP server: Ollama's REST API and the OpenAI-compatible API on hono, with valibot-validated bodies,
 * NDJSON/SSE streaming, CORS and the DNS-rebinding guard, over the store, registry, modelfile, engine and prompt
 * folders.
 * @module
 */
/** The hono app for given dependencies (tests call `app.request()` without a port). */
export { createApp } from "./app.ts";
/** Binds an app with `runtime.serve`; `close()` stops it and unloads the models. */
export { type RunningServer, startServer, type StartServerOptions } from "./server.ts";
/** The whole server over the real store, registry, modelfile, engine and prompt parts. */
export { serve, type ServeOptions, type TollamaServer } from "./serve.ts";
/** `tollama serve`: serve on OLLAMA_HOST until SIGINT/SIGTERM; resolves to the exit code. */
export { serveUntilStopped } from "./serve_command.ts";
/** The seams the routes use (store, loaded model, prompt renderer). */
export type {
  AppDeps,
  GenerationChunk,
  GenerationRequest,
  OutputParser,
  PromptRenderer,
  ResolvedModel,
  ServerRunner,
  ServerStore,
} from "./deps.ts";
/** Ollama's wire types: request schemas and response shapes. */
export * from "./schemas.ts";
/** An error with an HTTP status and Ollama's message. */
export { ApiError } from "./errors.ts";
/** JSON (and JSON-schema) constrained output as GBNF for libllama's grammar sampler. */
export { jsonGrammar, jsonSchemaToGbnf, SchemaConversionError } from "../chat_format/mod.ts";
