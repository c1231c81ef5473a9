/** A named chat template: our Go template for one prompt format, with its defaults. */
export interface NamedTemplate {
  /** Ollama's name for the format (`chatml`, `llama3-instruct` ...). */
  name: string;
  /** Go text/template source, as a TEMPLATE layer holds it. */
  template: string;
  /** Default parameters for the params layer (at least `stop`). */
  parameters: { stop: string[]; [key: string]: unknown };
  /** Hugging Face Jinja chat templates of models that use this format, for detection. */
  fingerprints: string[];
}
