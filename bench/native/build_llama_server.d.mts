/** Types of build_llama_server.mjs (a plain Node script, so that it also runs without TypeScript). */
/** The path of llama-server built against lib/, or the reasons it cannot be built. */
export function buildLlamaServer(options?: { force?: boolean }): Promise<string | string[]>;
