/**
 * The interactive `tollama run` session: `>>> ` prompt, `"""` multi-line input, slash commands (/set, /show, /load,
 * /save, /clear, /bye, /?) with Ollama's wording, Ctrl+C to stop an answer, Ctrl+D to leave.
 * @module
 */
import type { Client } from "../client.ts";
import type { Terminal } from "../io.ts";
import { renderShowInfo, type ShowResponse } from "../commands/show.ts";
import { chatTurn, type RunOptions } from "./session.ts";
import type { LineReader } from "./line_reader.ts";
import { extractImages } from "./images.ts";

const HELP = `Available Commands:
  /set            Set session variables
  /show           Show model information
  /load <model>   Load a session or model
  /save <model>   Save your current session
  /clear          Clear session context
  /bye            Exit
  /?, /help       Help for a command
  /? shortcuts    Help for keyboard shortcuts

Use """ to begin a multi-line message.

`;

const HELP_SET = `Available Commands:
  /set parameter ...     Set a parameter
  /set system <string>   Set system message
  /set history           Enable history
  /set nohistory         Disable history
  /set wordwrap          Enable wordwrap
  /set nowordwrap        Disable wordwrap
  /set format json       Enable JSON mode
  /set noformat          Disable formatting
  /set verbose           Show LLM stats
  /set quiet             Disable LLM stats
  /set think             Enable thinking
  /set nothink           Disable thinking

`;

const HELP_SHOW = `Available Commands:
  /show info         Show details for this model
  /show license      Show model license
  /show modelfile    Show Modelfile for this model
  /show parameters   Show parameters for this model
  /show system       Show system message
  /show template     Show prompt template

`;

const HELP_SHORTCUTS = `Available keyboard shortcuts:
  Ctrl + a            Move to the beginning of the line (Home)
  Ctrl + e            Move to the end of the line (End)
  Ctrl + k            Delete the sentence after the cursor
  Ctrl + u            Delete the sentence before the cursor
  Ctrl + w            Delete the word before the cursor

  Ctrl + c            Stop the model from responding
  Ctrl + d            Exit tollama (/bye)

`;

const HELP_PARAMETERS = `Available Parameters:
  /set parameter seed <int>             Random number seed
  /set parameter num_predict <int>      Max number of tokens to predict
  /set parameter top_k <int>            Pick from top k num of tokens
  /set parameter top_p <float>          Pick token based on sum of probabilities
  /set parameter min_p <float>          Pick token based on top token probability * min_p
  /set parameter num_ctx <int>          Set the context size
  /set parameter temperature <float>    Set creativity level
  /set parameter repeat_penalty <float> How strongly to penalize repetitions
  /set parameter repeat_last_n <int>    Set how far back to look for repetitions
  /set parameter num_gpu <int>          The number of layers to send to the GPU
  /set parameter stop <string> <string> ...   Set the stop parameters

`;

const INT_PARAMETERS = new Set(["seed", "num_predict", "top_k", "num_ctx", "repeat_last_n", "num_gpu", "num_keep", "num_batch", "num_thread"]);
const FLOAT_PARAMETERS = new Set(["top_p", "min_p", "temperature", "repeat_penalty", "typical_p", "presence_penalty", "frequency_penalty"]);

/** A `/set parameter` value typed as Ollama's FormatParams would, or an error message. */
export function parseParameter(name: string, values: string[]): { value: unknown } | { error: string } {
  if (name === "stop") return { value: values };
  const raw = values[0];
  if (INT_PARAMETERS.has(name)) {
    const n = Number(raw);
    return Number.isInteger(n) ? { value: n } : { error: `invalid int value [${raw}]` };
  }
  if (FLOAT_PARAMETERS.has(name)) {
    const n = Number(raw);
    return Number.isFinite(n) ? { value: n } : { error: `invalid float value [${raw}]` };
  }
  return { error: `unknown parameter '${name}'` };
}

export class Repl {
  #client: Client;
  #term: Terminal;
  #opts: RunOptions;
  #reader: LineReader;
  #abort?: AbortController;

  constructor(client: Client, term: Terminal, opts: RunOptions, reader: LineReader) {
    this.#client = client;
    this.#term = term;
    this.#opts = opts;
    this.#reader = reader;
    reader.onInterrupt = () => this.#abort?.abort();
  }

  async run(): Promise<void> {
    let buffer = "";
    let multiline: "none" | "prompt" | "system" = "none";
    for (;;) {
      const event = multiline === "none"
        ? await this.#reader.next(">>> ", "Send a message (/? for help)")
        : await this.#reader.next("... ", "Press Enter to send");
      if (event.kind === "eof") {
        this.#term.out("\n");
        return;
      }
      if (event.kind === "interrupt") {
        if (buffer === "" && multiline === "none") this.#term.out("\nUse Ctrl + d or /bye to exit.\n");
        buffer = "";
        multiline = "none";
        continue;
      }
      const line = event.line;
      if (multiline !== "none") {
        const end = line.endsWith('"""');
        buffer += end ? line.slice(0, -3) : line + "\n";
        if (!end) continue;
        if (multiline === "system") {
          this.#setSystem(buffer);
          buffer = "";
          multiline = "none";
          continue;
        }
        multiline = "none";
      } else if (line.startsWith('"""')) {
        const rest = line.slice(3);
        if (rest.endsWith('"""')) {
          buffer += rest.slice(0, -3);
        } else {
          buffer += rest + "\n";
          multiline = "prompt";
          continue;
        }
      } else if (line.startsWith("/")) {
        const result = await this.#command(line);
        if (result === "exit") return;
        if (typeof result === "object") {
          buffer = result.systemStart;
          multiline = "system";
        }
        continue;
      } else {
        buffer += line;
      }
      if (buffer.length > 0) {
        await this.#send(buffer);
        buffer = "";
      }
    }
  }

  async #send(content: string): Promise<void> {
    this.#abort = new AbortController();
    try {
      if (this.#opts.multimodal) {
        const attached = await extractImages(content);
        for (const path of attached.added) this.#term.out(`Added image '${path}'\n`);
        this.#opts.messages.push({ role: "user", content: attached.prompt, ...(attached.images.length ? { images: attached.images } : {}) });
      } else {
        this.#opts.messages.push({ role: "user", content });
      }
      const answer = await chatTurn(this.#client, this.#term, this.#opts, this.#abort.signal);
      if (answer) this.#opts.messages.push(answer);
      else this.#term.out("\n");
    } catch (error) {
      this.#term.out(`error: ${(error as Error).message}\n`);
    } finally {
      this.#abort = undefined;
    }
  }

  #setSystem(text: string): void {
    this.#opts.system = text;
    const last = this.#opts.messages.at(-1);
    if (last?.role === "system") last.content = text;
    else this.#opts.messages.push({ role: "system", content: text });
    this.#term.out("Set system message.\n");
  }

  /** Runs a slash command; "exit" ends the session, an object starts a multi-line system message. */
  async #command(line: string): Promise<void | "exit" | { systemStart: string }> {
    const args = line.trim().split(/\s+/);
    const out = (text: string) => this.#term.out(text);
    switch (args[0]) {
      case "/bye":
      case "/exit":
        return "exit";
      case "/?":
      case "/help":
        if (args[1] === "set") this.#term.err(HELP_SET);
        else if (args[1] === "show") this.#term.err(HELP_SHOW);
        else if (args[1] === "shortcut" || args[1] === "shortcuts") this.#term.err(HELP_SHORTCUTS);
        else this.#term.err(HELP);
        return;
      case "/clear":
        this.#opts.messages = this.#opts.system ? [{ role: "system", content: this.#opts.system }] : [];
        out("Cleared session context\n");
        return;
      case "/set":
        return this.#set(args, line);
      case "/show":
        return await this.#show(args[1]);
      case "/load": {
        if (!args[1]) return void out("Usage:\n  /load <modelname>\n");
        out(`Loading model '${args[1]}'\n`);
        try {
          const info = await this.#client.json<ShowResponse>("POST", "/api/show", { model: args[1] });
          await this.#client.json("POST", "/api/generate", { model: args[1], keep_alive: this.#opts.keepAlive, stream: false });
          this.#opts.model = args[1];
          this.#opts.messages = [];
          this.#opts.loadedMessages = info.messages ?? [];
        } catch (error) {
          out((error as Error).message.includes("not found") ? `Couldn't find model '${args[1]}'\n` : `error: ${(error as Error).message}\n`);
        }
        return;
      }
      case "/save": {
        if (!args[1]) return void out("Usage:\n  /save <modelname>\n");
        // The model's own conversation first, so a saved session saved again keeps all of it.
        const messages = [...(this.#opts.loadedMessages ?? []), ...this.#opts.messages.filter((m) => m.role !== "system")];
        try {
          await this.#client.json("POST", "/api/create", {
            model: args[1],
            from: this.#opts.model,
            system: this.#opts.system,
            parameters: Object.keys(this.#opts.options).length ? this.#opts.options : undefined,
            messages: messages.length ? messages : undefined,
            stream: false,
          });
          out(`Created new model '${args[1]}'\n`);
        } catch (error) {
          out(`error: ${(error as Error).message}\n`);
        }
        return;
      }
      default:
        out(`Unknown command '${args[0]}'. Type /? for help\n`);
    }
  }

  #set(args: string[], line: string): void | { systemStart: string } {
    const out = (text: string) => this.#term.out(text);
    switch (args[1]) {
      case undefined:
        this.#term.err(HELP_SET);
        return;
      case "history":
        this.#reader.saveHistory = true;
        return;
      case "nohistory":
        this.#reader.saveHistory = false;
        return;
      case "wordwrap":
        this.#opts.wordWrap = true;
        return void out("Set 'wordwrap' mode.\n");
      case "nowordwrap":
        this.#opts.wordWrap = false;
        return void out("Set 'nowordwrap' mode.\n");
      case "verbose":
        this.#opts.verbose = true;
        return void out("Set 'verbose' mode.\n");
      case "quiet":
        this.#opts.verbose = false;
        return void out("Set 'quiet' mode.\n");
      case "think":
        this.#opts.think = args[2] ?? true;
        return void out(args[2] ? `Set 'think' mode to '${args[2]}'.\n` : "Set 'think' mode.\n");
      case "nothink":
        this.#opts.think = false;
        return void out("Set 'nothink' mode.\n");
      case "format":
        if (args[2] !== "json") return void out("Invalid or missing format. For 'json' mode use '/set format json'\n");
        this.#opts.format = "json";
        return void out("Set format to 'json' mode.\n");
      case "noformat":
        this.#opts.format = undefined;
        return void out("Disabled format.\n");
      case "parameter": {
        if (args.length < 4) return void this.#term.err(HELP_PARAMETERS);
        const parsed = parseParameter(args[2], args.slice(3));
        if ("error" in parsed) return void out(`Couldn't set parameter: ${JSON.stringify(parsed.error)}\n`);
        this.#opts.options[args[2]] = parsed.value;
        return void out(`Set parameter '${args[2]}' to '${args.slice(3).join(", ")}'\n`);
      }
      case "system": {
        if (args.length < 3) return void this.#term.err(HELP_SET);
        let text = line.trim().replace(/^\/set\s+system\s+/, "");
        if (text.startsWith('"""')) {
          text = text.slice(3);
          if (!text.endsWith('"""')) return { systemStart: text + "\n" };
          text = text.slice(0, -3);
        }
        this.#setSystem(text);
        return;
      }
      default:
        out(`Unknown command '/set ${args[1]}'. Type /? for help\n`);
    }
  }

  async #show(what: string | undefined): Promise<void> {
    const out = (text: string) => this.#term.out(text);
    if (!what) return void this.#term.err(HELP_SHOW);
    let info: ShowResponse;
    try {
      info = await this.#client.json<ShowResponse>("POST", "/api/show", { model: this.#opts.model });
    } catch {
      return void out("error: couldn't get model\n");
    }
    switch (what) {
      case "info":
        return void out(renderShowInfo(info, false));
      case "license":
        return void out(info.license ? `${info.license}\n` : "No license was specified for this model.\n");
      case "modelfile":
        return void out(`${info.modelfile ?? ""}\n`);
      case "parameters": {
        out("Model defined parameters:\n");
        if (!info.parameters) out("  No additional parameters were specified for this model.\n");
        else for (const l of info.parameters.split("\n").filter(Boolean)) out(`  ${l}\n`);
        out("\n");
        const user = Object.entries(this.#opts.options);
        if (user.length) {
          out("User defined parameters:\n");
          for (const [k, v] of user) out(`  ${k.padEnd(30)} ${Array.isArray(v) ? `[${v.join(" ")}]` : v}\n`);
          out("\n");
        }
        return;
      }
      case "system":
        if (this.#opts.system) return void out(`${this.#opts.system}\n\n`);
        return void out(info.system ? `${info.system}\n\n` : "No system message was specified for this model.\n");
      case "template":
        return void out(info.template ? `${info.template}\n` : "No prompt template was specified for this model.\n");
      default:
        out(`Unknown command '/show ${what}'. Type /? for help\n`);
    }
  }
}
