// `tollama run` in a real pseudo-terminal: tmux runs the CLI (a child of the runtime running the test) against a
// real server; keys are sent as a person types them and the screen is read back with capture-pane at every step.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { childEnv, cliCommand } from "./helpers/cli.ts";
import { registrySkip, startRegistry } from "./helpers/registry.ts";

const TMUX = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].find((path) => existsSync(path));
const skip = fixtureSkip("tiny-spm") || (TMUX ? false : "tmux is not installed (apt-get install -y tmux): pseudo-terminal tests skipped");
const PARAMS = { num_predict: 8 };

let server: TestServer;
let home: string;
// Its own tmux server (-L socket) and session name, so nothing of anyone else's tmux is touched.
const socket = `tollama-pty-${randomUUID().slice(0, 8)}`;
const session = "cli";

before(async () => {
  if (skip) return;
  home = await mkdtemp(join(tmpdir(), "tollama-pty-"));
  server = await startTestServer();
  await installGguf(server.store, "tiny", await fixtureModel("tiny-spm"), { params: PARAMS });
});
after(async () => {
  if (skip) return;
  await tmux("kill-server").catch(() => undefined);
  await server?.[Symbol.asyncDispose]();
  await rm(home, { recursive: true, force: true });
});

function tmux(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(TMUX!, ["-L", socket, ...args], { env: childEnv() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tmux ${args.join(" ")}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The visible screen, trailing blank lines dropped. */
async function screen(target = session): Promise<string> {
  return (await tmux("capture-pane", "-p", "-t", target)).replace(/\n+$/, "");
}

/** Polls the screen until `predicate` holds; fails with the screen as it was after `timeoutMs`. */
async function waitForScreen(what: string, predicate: (text: string) => boolean, timeoutMs = 60_000, target = session): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screen(target);
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The lines of the screen. */
const lines = (text: string) => text.split("\n");
/** True when the last line is an empty `>>> ` prompt, showing its placeholder until the first key, as Ollama's does. */
const atPrompt = (text: string) => lines(text).at(-1) === ">>> Send a message (/? for help)";
/** Text with all white space removed: word wrap moves words to new lines, so compare without it. */
const squeeze = (text: string) => text.replace(/\s+/g, "");

async function chat(messages: Array<{ role: string; content: string }>, options: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${server.url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "tiny", messages, options, stream: false }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).message.content;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The shell command that runs `tollama <args>` against the test server and then shows its exit code. */
function shellCommand(args: string[]): string {
  const env = { OLLAMA_HOST: server.url, HOME: home };
  const command = [...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`), ...cliCommand().map(quote), ...args.map(quote)];
  // The shell stays after the CLI exits, so its exit code can be read off the screen.
  return `${command.join(" ")}; echo "[exited $?]"; sleep 600`;
}

test("tollama run in a terminal: prompt, /set, \"\"\" input, Ctrl+C mid-answer, /show, /bye", { skip, timeout: 300_000 }, async () => {
  await tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "40", shellCommand(["run", "tiny"]));

  await waitForScreen("the first prompt", atPrompt);
  await tmux("send-keys", "-t", session, "/set parameter temperature 0", "Enter");
  await waitForScreen("the parameter confirmation", (t) => t.includes("Set parameter 'temperature' to '0'") && atPrompt(t));

  // A question: the answer streams onto the screen and the prompt comes back.
  const question = "Why is the sky blue?";
  const first = await chat([{ role: "user", content: question }], { temperature: 0 });
  assert.ok(first.trim().length > 0);
  await tmux("send-keys", "-t", session, question, "Enter");
  let text = await waitForScreen("the first answer", (t) => atPrompt(t) && t.includes(`>>> ${question}`));
  const afterQuestion = text.slice(text.indexOf(`>>> ${question}`) + 4 + question.length, text.lastIndexOf(">>>"));
  assert.equal(squeeze(afterQuestion), squeeze(first));

  // """ starts a multi-line message: the continuation prompt, then the whole message is sent with its newline.
  await tmux("send-keys", "-t", session, '"""Tell me', "Enter");
  await waitForScreen("the continuation prompt", (t) => lines(t).at(-1) === "... Press Enter to send");
  await tmux("send-keys", "-t", session, 'a story"""', "Enter");
  const second = await chat([
    { role: "user", content: question },
    { role: "assistant", content: first },
    { role: "user", content: "Tell me\na story" },
  ], { temperature: 0 });
  text = await waitForScreen("the multi-line answer", (t) => atPrompt(t) && t.includes('... a story"""'));
  const afterStory = text.slice(text.indexOf('... a story"""') + 14, text.lastIndexOf(">>>"));
  assert.equal(squeeze(afterStory), squeeze(second));

  // Pasted lines arrive together: readline echoes them at once, and no stale "... " prompt is drawn after them.
  await tmux("send-keys", "-t", session, '"""pasted one', "Enter", 'pasted two"""', "Enter");
  const third = await chat([
    { role: "user", content: question },
    { role: "assistant", content: first },
    { role: "user", content: "Tell me\na story" },
    { role: "assistant", content: second },
    { role: "user", content: "pasted one\npasted two" },
  ], { temperature: 0 });
  text = await waitForScreen("the pasted answer", (t) => atPrompt(t) && t.includes('pasted two"""'));
  // (Delivered in two reads the second line gets its "... " prompt; either way the answer starts on a line of its own.)
  assert.match(text, /\n>>> """pasted one\n(\.\.\. )?pasted two"""\n(?!\.\.\.)/);
  const afterPaste = text.slice(text.indexOf('pasted two"""') + 13, text.lastIndexOf(">>>"));
  assert.equal(squeeze(afterPaste), squeeze(third));

  // Ctrl+C while the answer is still streaming stops it; the session lives on at a fresh prompt.
  await tmux("send-keys", "-t", session, "/set parameter num_predict 100000", "Enter");
  await waitForScreen("num_predict set", (t) => t.includes("Set parameter 'num_predict' to '100000'") && atPrompt(t));
  await tmux("send-keys", "-t", session, "/clear", "Enter");
  await waitForScreen("the cleared context", (t) => t.includes("Cleared session context") && atPrompt(t));
  await tmux("send-keys", "-t", session, "Tell me a very long story", "Enter");
  text = await waitForScreen("a streaming answer", (t) => {
    const at = t.lastIndexOf(">>> Tell me a very long story");
    return at >= 0 && squeeze(t.slice(at + 29)).length > 20;
  });
  assert.ok(!atPrompt(text), "the answer is still streaming when Ctrl+C is sent");
  await tmux("send-keys", "-t", session, "C-c");
  const stoppedAt = Date.now();
  text = await waitForScreen("the prompt after Ctrl+C", atPrompt, 15_000);
  assert.ok(Date.now() - stoppedAt < 15_000);
  // Stopped for good: nothing more arrives after the prompt.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(atPrompt(await screen()));

  // Ctrl+C at an empty prompt only says how to leave.
  await tmux("send-keys", "-t", session, "C-c");
  await waitForScreen("the exit hint", (t) => t.includes("Use Ctrl + d or /bye to exit.") && atPrompt(t));

  await tmux("send-keys", "-t", session, "/show parameters", "Enter");
  text = await waitForScreen("the parameters", (t) => t.includes("User defined parameters:") && atPrompt(t));
  const shown = text.slice(text.lastIndexOf("Model defined parameters:"));
  assert.match(shown, /^Model defined parameters:\n {2}num_predict +8\n\nUser defined parameters:\n/);
  assert.match(shown, /\n {2}temperature {20}0\n/);
  assert.match(shown, /\n {2}num_predict {20}100000\n/);

  await tmux("send-keys", "-t", session, "/bye", "Enter");
  await waitForScreen("the exit", (t) => t.includes("[exited 0]"));
});

test("tollama pull in a terminal: one progress bar per layer, redrawn in place", { skip: skip || registrySkip(), timeout: 120_000 }, async () => {
  await using registry = await startRegistry();
  const name = `${registry.host}/library/tiny:bars`;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(server.url + path, { method: "POST", body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.clone().text());
    await response.text();
  };
  await post("/api/copy", { source: "tiny", destination: name });
  await post("/api/push", { model: name, insecure: true, stream: false });
  // Deleting the only other name of the weights would remove the blob too; keep "tiny", so this pull finds the
  // big layer present and the bars still run to 100%.
  const deleted = await fetch(server.url + "/api/delete", { method: "DELETE", body: JSON.stringify({ model: name }) });
  assert.equal(deleted.status, 200);

  await tmux("new-session", "-d", "-s", "pull", "-x", "100", "-y", "20", shellCommand(["pull", "--insecure", name]));
  const text = await waitForScreen("the end of the pull", (t) => t.includes("[exited 0]") || t.includes("[exited 1]"), 60_000, "pull");
  const rows = lines(text);
  assert.equal(rows[0], "pulling manifest", text);
  const bars = rows.filter((r) => r.startsWith("pulling ") && r !== "pulling manifest");
  assert.ok(bars.length >= 2, text);
  for (const bar of bars) {
    assert.match(bar, /^pulling [0-9a-f]{12} 100% ▕█+▏ +\d+(\.\d)? (B|KB|MB)$/);
    // Each bar is drawn once: redraws go over the same lines, not below them.
    assert.equal(rows.filter((r) => r.slice(0, 20) === bar.slice(0, 20)).length, 1, text);
    assert.ok([...bar].length <= 100);
  }
  assert.deepEqual(rows.slice(-4), ["verifying sha256 digest", "writing manifest", "success", "[exited 0]"]);
});

test("tollama run in a terminal: /set system, /save with the conversation, shown again on the next run, /load, Ctrl+D", { skip, timeout: 180_000 }, async () => {
  const target = "repl";
  const send = (...keys: string[]) => tmux("send-keys", "-t", target, ...keys);
  const wait = (what: string, predicate: (text: string) => boolean) => waitForScreen(what, predicate, 60_000, target);
  await tmux("new-session", "-d", "-s", target, "-x", "100", "-y", "50", shellCommand(["run", "tiny"]));
  await wait("the first prompt", atPrompt);

  await send("/set system You answer in haiku.", "Enter");
  await wait("the system confirmation", (t) => t.includes("Set system message.") && atPrompt(t));
  await send("/show system", "Enter");
  await wait("the system message", (t) => t.includes(">>> /show system\nYou answer in haiku.\n") && atPrompt(t));
  await send("/set parameter temperature 0", "Enter");
  // typed before the prompt is back, the question would be echoed above the confirmation (seen on a loaded box)
  await wait("the parameter confirmation", (t) => t.includes("Set parameter 'temperature' to '0'") && atPrompt(t));
  await send("Hello there", "Enter");
  const answer = await chat([{ role: "system", content: "You answer in haiku." }, { role: "user", content: "Hello there" }], { temperature: 0 });
  let text = await wait("the answer", (t) => atPrompt(t) && t.includes(">>> Hello there"));
  assert.equal(squeeze(text.slice(text.indexOf(">>> Hello there") + 15, text.lastIndexOf(">>>"))), squeeze(answer));

  await send("/save haiku", "Enter");
  await wait("the saved model", (t) => t.includes("Created new model 'haiku'") && atPrompt(t));
  const saved = await (await fetch(`${server.url}/api/show`, { method: "POST", body: JSON.stringify({ model: "haiku" }) })).json();
  assert.equal(saved.system, "You answer in haiku.");
  assert.match(saved.parameters, /^temperature +0$/m);
  assert.deepEqual(saved.messages.map((m: { role: string }) => m.role), ["user", "assistant"]);
  assert.equal(saved.messages[1].content, answer);

  await send("/bogus", "Enter");
  await wait("the unknown command", (t) => t.includes("Unknown command '/bogus'. Type /? for help") && atPrompt(t));
  await send("/load nope", "Enter");
  await wait("the failed load", (t) => t.includes("Loading model 'nope'\nCouldn't find model 'nope'") && atPrompt(t));
  await send("/load haiku", "Enter");
  await wait("the load", (t) => t.includes("Loading model 'haiku'") && atPrompt(t));
  await send("/show parameters", "Enter");
  await wait("haiku's parameters", (t) => /Model defined parameters:\n {2}num_predict +8\n {2}temperature +0\n/.test(t) || /Model defined parameters:\n {2}temperature +0\n {2}num_predict +8\n/.test(t));
  await send("C-d");
  await wait("the exit on Ctrl+D", (t) => t.includes("[exited 0]"));

  // A new session on the saved model opens with its conversation on the screen.
  await tmux("kill-session", "-t", target);
  await tmux("new-session", "-d", "-s", target, "-x", "100", "-y", "50", shellCommand(["run", "haiku"]));
  text = await wait("the saved conversation", atPrompt);
  assert.ok(text.startsWith(">>> Hello there\n"), text);
  assert.equal(squeeze(text.slice(15, text.lastIndexOf(">>>"))), squeeze(answer));
  await send("/bye", "Enter");
  await wait("the exit", (t) => t.includes("[exited 0]"));
  await fetch(`${server.url}/api/delete`, { method: "DELETE", body: JSON.stringify({ model: "haiku" }) });
});
