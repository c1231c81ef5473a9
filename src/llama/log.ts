/**
 * Where libllama's log lines go. ggml logs in fragments (level 5 = CONT continues the previous line), from any
 * thread; we join fragments into lines, filter by level (OLLAMA_DEBUG: 0 → errors only, so a default server's log
 * stays Ollama's lines; 1 → warnings and info, 2 → debug) and hand whole lines to a sink (stderr unless the embedder
 * sets one).
 * @module
 */

/** ggml_log_level values. */
export const LogLevel = { none: 0, debug: 1, info: 2, warn: 3, error: 4, cont: 5 } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export type LogSink = (level: LogLevel, line: string) => void;

/** The default sink: one `llama LEVEL: text` line on stderr. */
export const stderrLogSink: LogSink = (level, line) => {
  const tag = level === LogLevel.error ? "ERROR" : level === LogLevel.warn ? "WARN" : level === LogLevel.debug ? "DEBUG" : "INFO";
  console.error(`llama ${tag}: ${line}`);
};

let sink: LogSink = stderrLogSink;
let minLevel: LogLevel = LogLevel.error;
let pendingLevel: LogLevel = LogLevel.info;
let pending = "";
const watchers = new Set<(line: string) => void>();

/** Replaces the sink (e.g. with the server's logger). */
export function setLogSink(next: LogSink): void {
  sink = next;
}

/** OLLAMA_DEBUG level → the least severe ggml level shown (0: errors only). */
export function setLogVerbosity(debugLevel: number): void {
  minLevel = debugLevel >= 2 ? LogLevel.debug : debugLevel >= 1 ? LogLevel.info : LogLevel.error;
}

/** Sees every complete line, whatever its level (used to learn which CPU backend loaded). */
export function watchLog(watcher: (line: string) => void): () => void {
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}

/** Feeds one fragment as libllama delivers it. */
export function logFragment(level: number, text: string): void {
  if (level !== LogLevel.cont) {
    if (pending) flush();
    pendingLevel = (level >= 1 && level <= 4 ? level : LogLevel.info) as LogLevel;
  }
  pending += text;
  let newline = pending.indexOf("\n");
  while (newline >= 0) {
    emit(pending.slice(0, newline));
    pending = pending.slice(newline + 1);
    newline = pending.indexOf("\n");
  }
}

function flush(): void {
  emit(pending);
  pending = "";
}

function emit(line: string): void {
  if (line.trim() === "") return;
  for (const watcher of watchers) watcher(line);
  if (pendingLevel >= minLevel) sink(pendingLevel, line);
}
