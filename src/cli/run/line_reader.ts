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
  /** Called on Ctrl+C while no line is being read (a generation is running). */
  onInterrupt?: () => void;
  reading = false;
  saveHistory = true;

  private constructor(rl: readline.Interface, historyFile?: string) {
    this.#rl = rl;
    this.#historyFile = historyFile;
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
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: Boolean(process.stdin.isTTY),
      history,
      historySize: 1000,
      removeHistoryDuplicates: true,
    });
    return new LineReader(rl, historyFile);
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

  /** Shows `prompt` and waits for the next line, Ctrl+C or Ctrl+D. */
  async next(prompt: string): Promise<LineEvent> {
    this.#rl.setPrompt(prompt);
    // A line already queued (pasted text: readline echoed several lines at once) is on the screen already; a
    // prompt drawn now would land after it and the answer would start on the prompt's line.
    if (this.#queue.length === 0) this.#rl.prompt();
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
    this.#rl.close();
  }
}
