/** tollama's version, and the Ollama API version it speaks (reported by /api/version so clients enable features). */
export const TOLLAMA_VERSION = "0.1.0";
export const OLLAMA_COMPAT_VERSION = "0.33.0";
