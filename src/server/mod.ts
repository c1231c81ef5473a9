/**
 * The HTTP server: Ollama's REST API and the OpenAI-compatible API on hono, with valibot-validated bodies,
 * NDJSON/SSE streaming, CORS and the DNS-rebinding guard.
 * @module
 */
export { createApp } from "./app.ts";
export { type RunningServer, startServer, type StartServerOptions } from "./server.ts";
/** The whole server over the real store, registry, modelfile, engine and prompt parts. */
export { serve, type ServeOptions, type TollamaServer } from "./serve.ts";
/** `tollama serve`: serve on OLLAMA_HOST until SIGINT/SIGTERM; resolves to the exit code. */
export { serveUntilStopped } from "./serve_command.ts";
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
export * from "./schemas.ts";
export { ApiError } from "./errors.ts";
export { jsonGrammar, jsonSchemaToGbnf, SchemaConversionError } from "./json_schema_gbnf.ts";
