/**
 * Line input for the REPL on top of node:readline (line editing, arrow-key history, Ctrl+A/E/K/U/W come with it),
 * turned into an awaitable `next()` that reports a line, an interrupt (Ctrl+C) or end of input (Ctrl+D).
 * @module
 */
import readline from "node:readline";
import process from "node:process";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";

export type LineEvent = { kind: "line"; line: string } | { kind: "interrupt" } | { kind: "eof" };

export class LineReader {
  #rl: readline.Interface;
  #queue: LineEvent[] = [];
  #waiting?: (event: LineEvent) => void;
  #historyFile?: string;
  #terminal: boolean;
  #placeholderShown = false;
  /** Called on Ctrl+C while no line is being read (a generation is running). */
  onInterrupt?: () => void;
  reading = false;
  saveHistory = true;

  private constructor(rl: readline.Interface, terminal: boolean, historyFile?: string) {
    this.#rl = rl;
    this.#terminal = terminal;
    this.#historyFile = historyFile;
    // Ahead of readline's own listener: the first key erases the placeholder before readline echoes anything.
    if (terminal) process.stdin.prependListener("keypress", this.#clearPlaceholder);
    rl.on("line", (line) => this.#push({ kind: "line", line }));
    rl.on("SIGINT", () => {
      if (this.reading) this.#push({ kind: "interrupt" });
      else this.onInterrupt?.();
    });
    rl.on("close", () => this.#push({ kind: "eof" }));
  }

  /** Opens the reader; `historyFile` (e.g. ~/.ollama/history) is read for arrow-up recall and appended to. */
  static async open(historyFile?: string): Promise<LineReader> {
    let history: string[] = [];
    if (historyFile) {
      history = (await readFile(historyFile, "utf8").catch(() => "")).split("\n").filter(Boolean).slice(-1000).reverse();
    }
    const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal,
      history,
      historySize: 1000,
      removeHistoryDuplicates: true,
    });
    return new LineReader(rl, terminal, historyFile);
  }

  #push(event: LineEvent): void {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve(event);
    } else {
      this.#queue.push(event);
    }
  }

  #clearPlaceholder = (): void => {
    if (!this.#placeholderShown) return;
    this.#placeholderShown = false;
    process.stdout.write("\x1b[K");
  };

  /**
   * Shows `prompt` and waits for the next line, Ctrl+C or Ctrl+D. On a terminal, `placeholder` is shown dimmed
   * after the prompt until the first key (Ollama's "Send a message (/? for help)").
   */
  async next(prompt: string, placeholder?: string): Promise<LineEvent> {
    this.#rl.setPrompt(prompt);
    // A line already queued (pasted text: readline echoed several lines at once) is on the screen already; a
    // prompt drawn now would land after it and the answer would start on the prompt's line.
    if (this.#queue.length === 0) {
      this.#rl.prompt();
      if (placeholder && this.#terminal && this.#rl.line === "") {
        // Dim text, then the cursor back to where typing starts.
        process.stdout.write(`\x1b[90m${placeholder}\x1b[0m\x1b[${placeholder.length}D`);
        this.#placeholderShown = true;
      }
    }
    this.reading = true;
    const event = this.#queue.shift() ?? await new Promise<LineEvent>((resolve) => (this.#waiting = resolve));
    this.reading = false;
    if (event.kind === "line" && this.saveHistory && this.#historyFile && event.line.trim()) {
      await mkdir(dirname(this.#historyFile), { recursive: true });
      await appendFile(this.#historyFile, event.line.replace(/\n/g, " ") + "\n");
    }
    return event;
  }

  close(): void {
    this.#clearPlaceholder();
    if (this.#terminal) process.stdin.off("keypress", this.#clearPlaceholder);
    this.#rl.close();
  }
}
