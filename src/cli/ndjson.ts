/**
 * Reads a stream of newline-delimited JSON values. A line that is not JSON throws (never silently dropped, unlike
 * ollama-js), and a partial last line is parsed when the stream ends.
 */
export async function* parseNdjson<T>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let buffer = "";
  const parse = (line: string): T => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new SyntaxError(`Invalid JSON line in stream: ${line.slice(0, 200)}`);
    }
  };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield parse(line);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) yield parse(buffer.trim());
}
