/** The terminal the CLI talks to: stdout/stderr writers and whether they are TTYs (node:process works on both runtimes). */
import process from "node:process";

export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  /** Progress (pull, push, create) goes to stderr: bars when it is a terminal, plain lines when it is a file or pipe. */
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  columns(): number;
}

export const processTerminal: Terminal = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  get stdoutIsTTY() {
    return Boolean(process.stdout.isTTY);
  },
  get stderrIsTTY() {
    return Boolean(process.stderr.isTTY);
  },
  get stdinIsTTY() {
    return Boolean(process.stdin.isTTY);
  },
  columns: () => process.stdout.columns || process.stderr.columns || 80,
};

/** Reads all of stdin (for a piped prompt). */
export async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
