/** The contract every runtime adapter fills in. Nothing outside src/runtime/ asks which runtime it runs on. */

/** A request handler in web-standard form; `info.remoteAddress` is the peer's IP where the runtime knows it. */
export type Handler = (request: Request, info: { remoteAddress?: string }) => Response | Promise<Response>;

/** Request bodies have no size limit of the runtime's: handlers stream them and set their own limits. */
export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port; the handle reports the one bound. */
  port: number;
  /** Aborting it stops the server (as `close()` does). */
  signal?: AbortSignal;
}

export interface ServerHandle {
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting connections and waits for the open ones to finish. */
  close(): Promise<void>;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
}

export interface Runtime {
  readonly name: "deno" | "bun";
  readonly version: string;
  serve(handler: Handler, options: ServeOptions): Promise<ServerHandle>;
  env(name: string): string | undefined;
  /** Command-line arguments after the script name. */
  args(): string[];
  exit(code: number): never;
  /**
   * A module Worker running `url` (e.g. `new URL("./worker.ts", import.meta.url)`). `entry` is the same file's path
   * from the repository root (`src/engine/worker.ts`): inside a single executable modules have no file URLs of
   * their own, and the Worker is found by that path instead (it must be an entry point of the build).
   */
  spawnWorker(url: URL, options?: { name?: string; entry?: string }): Worker;
  /** Resident set size of this process in bytes. */
  rss(): number;
  /** This machine's memory in bytes: `free` is what new allocations can get (Linux MemAvailable), `swapFree` apart. */
  systemMemory(): { total: number; free: number; swapFree: number };
  /**
   * A full garbage collection now, where the runtime offers one (Bun); elsewhere nothing. For moments after which a
   * lot was let go (a model's Worker ended), so an idle server gives that memory back instead of keeping it.
   */
  collectGarbage(): void;
  /** Path of the running executable (the deno/bun binary, or a compiled tollama). */
  execPath(): string;
  /** True inside a single executable made by `bun build --compile` or `deno compile`. */
  readonly compiled: boolean;
}
