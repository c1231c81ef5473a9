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

/**
 * The reader went away (`tollama run … | head`): stop at once and quietly, as a Go program killed by SIGPIPE does
 * (the shell sees 141). Deno throws EPIPE from `write` itself, Bun reports it on the stream.
 */
function exitOnBrokenPipe(error: unknown): void {
  if ((error as { code?: string })?.code !== "EPIPE") throw error;
  process.exit(141);
}

function writeTo(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch (error) {
    exitOnBrokenPipe(error);
  }
}

let pipeWatch = false;
/** Streams report a closed reader as an `error` event too; without a listener that is an uncaught error. */
function watchPipes(): void {
  if (pipeWatch) return;
  pipeWatch = true;
  process.stdout.on("error", exitOnBrokenPipe);
  process.stderr.on("error", exitOnBrokenPipe);
}

export const processTerminal: Terminal = {
  out: (text) => {
    watchPipes();
    writeTo(process.stdout, text);
  },
  err: (text) => {
    watchPipes();
    writeTo(process.stderr, text);
  },
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
