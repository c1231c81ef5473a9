// The CLI driven as a person drives it: each command a child process (`deno run -A mod.ts ...` / `bun run mod.ts
// ...`) talking to a real server over OLLAMA_HOST, its output checked against what the server says over its API.
// One server and one model for the file; commands that do not depend on each other run side by side.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureModel, fixtureSkip } from "./fixtures/mod.ts";
import { installGguf, startTestServer, type TestServer } from "./helpers/server.ts";
import { registrySkip, startRegistry } from "./helpers/registry.ts";
import { type CliResult, type CliRunOptions, runCliProcess } from "./helpers/cli.ts";
import { TOLLAMA_VERSION } from "../src/version.ts";
import { freePort } from "./helpers/net.ts";

const skip = fixtureSkip("tiny-spm");
const SYSTEM = "You are a terse assistant.";
const PARAMS = { temperature: 0, num_predict: 8, stop: ["<|im_end|>"] };

let server: TestServer;
let home: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), "tollama-cli-"));
  if (skip) return;
  server = await startTestServer();
  await installGguf(server.store, "tiny", await fixtureModel("tiny-spm"), { system: SYSTEM, params: PARAMS });
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
  await rm(home, { recursive: true, force: true });
});

/** `tollama <args>` against the test server. */
function cli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  return runCliProcess(args, { ...options, env: { OLLAMA_HOST: server?.url ?? "", HOME: home, ...options.env } });
}

async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(server.url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return await response.json() as T;
}

/** Asserts a failed command: exit code 1, nothing on stdout, exactly one `Error: ...` line on stderr. */
function assertError(r: CliResult, message: RegExp | string): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Error: [^\n]+\n$/);
  if (typeof message === "string") assert.equal(r.stderr, `Error: ${message}\n`);
  else assert.match(r.stderr, message);
}

/** Splits a table into rows of cells (columns are separated by at least two spaces; cells hold single spaces). */
function tableRows(text: string): string[][] {
  return text.trimEnd().split("\n").map((line) => line.split(/\s{2,}/));
}

/** The Parameters section of `show` as Ollama lays it out: name and value columns, in the server's order. */
function parametersSection(parameters: string): string {
  const rows = parameters.split("\n").filter(Boolean).map((line) => line.trim().split(/\s+/));
  const width = Math.max(...rows.map(([name]) => name.length));
  return `  Parameters\n${rows.map(([name, value]) => `    ${name.padEnd(width)}    ${value}\n`).join("")}\n`;
}

test("tollama --version, --help and help for every command", { timeout: 120_000 }, async () => {
  const commands = ["serve", "create", "show", "run", "stop", "pull", "push", "list", "ls", "ps", "cp", "rm"];
  const [version, short, help, helpRun, ...each] = await Promise.all([
    cli(["--version"]),
    cli(["-v"]),
    cli(["--help"]),
    cli(["help", "run"]),
    ...commands.map((c) => cli([c, "--help"])),
  ]);
  assert.deepEqual(version, { code: 0, stdout: `tollama version is ${TOLLAMA_VERSION}\n`, stderr: "" });
  assert.deepEqual(short, version);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Large language model runner\n\nUsage:\n {2}tollama \[flags\]\n {2}tollama \[command\]\n/);
  for (const c of ["serve", "create", "show", "run", "stop", "pull", "push", "list", "ps", "cp", "rm", "help"]) {
    assert.match(help.stdout, new RegExp(`^ {2}${c} +\\S`, "m"), `${c} in the command list`);
  }
  assert.equal(helpRun.code, 0);
  assert.match(helpRun.stdout, /^Run a model\n\nUsage:\n {2}tollama run MODEL \[PROMPT\] \[flags\]\n/);
  for (const flag of ["--format string", "--keepalive string", "--verbose", "--nowordwrap", "--insecure", "--think string"]) {
    assert.ok(helpRun.stdout.includes(flag), `run --help lists ${flag}`);
  }
  for (const [i, r] of each.entries()) {
    const name = commands[i] === "ls" ? "list" : commands[i];
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.equal(r.stderr, "");
    // cobra puts a command's aliases between its usage and its flags (serve, start; list, ls)
    assert.match(r.stdout, new RegExp(`\nUsage:\n {2}tollama ${name}\\b[^\n]*\\[flags\\]\n\n(Aliases:\n {2}${name}, \\w+\n\n)?Flags:\n {2}-h, --help +help for ${name}\n`));
  }
  assert.match(each[commands.indexOf("show")].stdout, /--modelfile +Show Modelfile of a model/);
  assert.match(each[commands.indexOf("create")].stdout, /-f, --file string +Name of the Modelfile/);
});

test("tollama: usage errors are one line on stderr and exit 1", { timeout: 120_000 }, async () => {
  const cases: Array<[string[], string]> = [
    [["show"], "accepts 1 arg(s), received 0"],
    [["cp", "a"], "accepts 2 arg(s), received 1"],
    [["rm"], "requires at least 1 arg(s), only received 0"],
    [["run"], "requires at least 1 arg(s), only received 0"],
    [["pull", "a", "b"], "accepts 1 arg(s), received 2"],
    [["serve", "extra"], "accepts 0 arg(s), received 1"],
    [["list", "--bogus"], "unknown flag: --bogus"],
    [["show", "tiny", "-x"], "unknown shorthand flag: 'x' in -x"],
    [["run", "tiny", "--format"], "flag needs an argument: --format"],
    [["create", "x", "-f"], "flag needs an argument: 'f' in -f"],
    [["run", "tiny", "--verbose=maybe"], 'invalid argument "maybe" for "--verbose" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [["run", "tiny", "--think=sometimes", "hi"], 'invalid value for --think: "sometimes" (must be true, false, high, medium, low, or max)'],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(args, { env: { OLLAMA_HOST: "127.0.0.1:9" } })));
  for (const [i, r] of results.entries()) assertError(r, cases[i][1]);
  const unknown = await cli(["bogus"]);
  assert.equal(unknown.code, 1);
  // cobra's wording; Ollama silences cobra's own "Run '... --help' for usage." line
  assert.equal(unknown.stderr, `Error: unknown command "bogus" for "tollama"\n`);
});

test("tollama: no server at OLLAMA_HOST says how to start one", { timeout: 60_000 }, async () => {
  const port = await freePort();
  const [list, run] = await Promise.all([
    cli(["list"], { env: { OLLAMA_HOST: `127.0.0.1:${port}` } }),
    cli(["run", "tiny", "hi"], { env: { OLLAMA_HOST: `http://127.0.0.1:${port}` } }),
  ]);
  const message = `could not connect to tollama server at http://127.0.0.1:${port}, is it running? Start it with 'tollama serve'`;
  assertError(list, message);
  assertError(run, message);
  // A bind-all address is where a server listens, not where to connect: the client goes to loopback instead.
  if (server) {
    const bindAll = await cli(["list"], { env: { OLLAMA_HOST: server.url.replace("127.0.0.1", "0.0.0.0") } });
    assert.equal(bindAll.code, 0, bindAll.stderr);
    assert.match(bindAll.stdout, /^NAME {4}/);
  }
});

test("tollama list and show: Ollama's tables, from the server's state", { skip, timeout: 120_000 }, async () => {
  const [list, ls, filtered, info, verbose, modelfile, parameters, system, template, missing, twoFields] = await Promise.all([
    cli(["list"]),
    cli(["ls"]),
    cli(["list", "nothing-like-this"]),
    cli(["show", "tiny"]),
    cli(["show", "tiny", "-v"]),
    cli(["show", "tiny", "--modelfile"]),
    cli(["show", "tiny", "--parameters"]),
    cli(["show", "tiny", "--system"]),
    cli(["show", "tiny", "--template"]),
    cli(["show", "nope"]),
    cli(["show", "tiny", "--license", "--system"]),
  ]);
  const { models } = await api<{ models: Array<{ name: string; digest: string; size: number }> }>("GET", "/api/tags");
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stderr, "");
  const rows = tableRows(list.stdout);
  assert.deepEqual(rows[0], ["NAME", "ID", "SIZE", "MODIFIED"]);
  assert.deepEqual(rows.slice(1).map((r) => r.slice(0, 3)), models.map((m) => [m.name, m.digest.slice(0, 12), `${Math.trunc(m.size / 1e6)} MB`]));
  assert.match(rows[1][3], /^(Less than a second|1 second|\d+ seconds|About a minute|\d+ minutes) ago$/);
  // Left-aligned columns: each cell starts under its header.
  const [header, row] = list.stdout.split("\n");
  assert.equal(row.indexOf(models[0].digest.slice(0, 12)), header.indexOf("ID"));
  assert.equal(row.indexOf(" MB") - String(Math.trunc(models[0].size / 1e6)).length, header.indexOf("SIZE"));
  // `ls` is `list` (MODIFIED may have ticked over a second between the two).
  assert.deepEqual(tableRows(ls.stdout).map((r) => r.slice(0, 3)), rows.map((r) => r.slice(0, 3)));
  assert.equal(filtered.stdout, "NAME    ID    SIZE    MODIFIED\n");

  const shown = await api("POST", "/api/show", { model: "tiny" });
  assert.equal(info.code, 0, info.stderr);
  assert.equal(
    info.stdout,
    "  Model\n" +
      "    architecture        llama\n" +
      `    parameters          ${shown.details.parameter_size}\n` +
      "    context length      2048\n" +
      "    embedding length    64\n" +
      `    quantization        ${shown.details.quantization_level}\n\n` +
      "  Capabilities\n    completion\n\n" +
      parametersSection(shown.parameters) +
      `  System\n    ${SYSTEM}\n\n`,
  );
  assert.match(verbose.stdout, /\n {2}Metadata\n {4}general\.architecture +llama\n/);
  assert.match(verbose.stdout, /\n {2}Tensors\n {4}token_embd\.weight +F32 +\[64 32000\]\n/);
  assert.equal(modelfile.stdout, `${shown.modelfile}\n`);
  assert.match(modelfile.stdout, /^# Modelfile generated by "ollama show"\n/m);
  assert.match(modelfile.stdout, /^FROM \S+sha256-[0-9a-f]{64}$/m);
  assert.match(modelfile.stdout, /^PARAMETER num_predict 8$/m);
  assert.equal(parameters.stdout, `${shown.parameters}\n`);
  assert.match(parameters.stdout, /^temperature +0$/m);
  assert.equal(system.stdout, SYSTEM);
  assert.equal(template.stdout, shown.template);
  assertError(missing, "model 'nope' not found");
  assertError(twoFields, "only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified");
});

test("tollama run MODEL PROMPT: the answer on stdout, as /api/generate gives it", { skip, timeout: 120_000 }, async () => {
  const prompt = "Why is the sky blue?";
  const expected = await api("POST", "/api/generate", { model: "tiny", prompt, stream: false });
  const json = await api("POST", "/api/generate", { model: "tiny", prompt, format: "json", stream: false });
  const [oneShot, piped, words, formatted, verbose] = await Promise.all([
    cli(["run", "tiny", prompt]),
    cli(["run", "tiny"], { stdin: prompt }),
    cli(["run", "tiny", "Why", "is", "the", "sky", "blue?"]),
    cli(["run", "tiny", "--format", "json", prompt]),
    cli(["run", "--verbose", "tiny", prompt]),
  ]);
  assert.ok(expected.response.length > 0);
  for (const r of [oneShot, piped, words]) assert.deepEqual(r, { code: 0, stdout: `${expected.response}\n\n`, stderr: "" });
  assert.equal(formatted.code, 0, formatted.stderr);
  assert.equal(formatted.stdout, `${json.response}\n\n`);
  assert.match(formatted.stdout, /^\{/);

  assert.equal(verbose.code, 0, verbose.stderr);
  assert.equal(verbose.stdout, `${expected.response}\n\n`);
  const d = String.raw`\d+(\.\d+)?(ns|µs|ms|s)|\d+m\d+(\.\d+)?s`;
  assert.match(
    verbose.stderr,
    new RegExp(
      `^total duration: {7}(${d})\n` +
        `(load duration: {8}(${d})\n)?` +
        `prompt eval count: {4}\\d+ token\\(s\\)\n` +
        `prompt eval duration: (${d})\nprompt eval rate: {5}\\d+\\.\\d\\d tokens/s\n` +
        `eval count: {11}8 token\\(s\\)\neval duration: {8}(${d})\neval rate: {12}\\d+\\.\\d\\d tokens/s\n$`,
    ),
  );
});

test("tollama run on an embedding model prints the vector, as /api/embed gives it", { skip: skip || fixtureSkip("embed"), timeout: 120_000 }, async () => {
  await installGguf(server.store, "emb", await fixtureModel("embed"));
  try {
    const expected = await api("POST", "/api/embed", { model: "emb", input: "hello world" });
    const short = await api("POST", "/api/embed", { model: "emb", input: "hello world", dimensions: 8 });
    const [full, dims, piped, none] = await Promise.all([
      cli(["run", "emb", "hello world"]),
      cli(["run", "emb", "--dimensions", "8", "hello", "world"]),
      cli(["run", "emb"], { stdin: "hello world" }),
      cli(["run", "emb"]),
    ]);
    assert.deepEqual(full, { code: 0, stdout: `${JSON.stringify(expected.embeddings[0])}\n`, stderr: "" });
    assert.deepEqual(dims, { code: 0, stdout: `${JSON.stringify(short.embeddings[0])}\n`, stderr: "" });
    assert.equal(JSON.parse(dims.stdout).length, 8);
    assert.deepEqual(piped, full);
    assertError(none, `embedding models require input text. Usage: tollama run emb "your text here"`);
    // stop and rm unload an embedding-only model too (an empty prompt with keep_alive 0), as Ollama does.
    const stopped = await cli(["stop", "emb"]);
    assert.deepEqual(stopped, { code: 0, stdout: "", stderr: "" });
    const removed = await cli(["rm", "emb"]);
    assert.deepEqual(removed, { code: 0, stdout: "deleted 'emb'\n", stderr: "" });
  } finally {
    await fetch(server.url + "/api/delete", { method: "DELETE", body: JSON.stringify({ model: "emb" }) });
  }
});

test("tollama ps and stop: the loaded model, then none", { skip, timeout: 120_000 }, async () => {
  const loaded = await cli(["run", "tiny", "--keepalive", "10m", "hi"]);
  assert.equal(loaded.code, 0, loaded.stderr);
  const ps = await cli(["ps"]);
  const running = await api<{ models: Array<{ name: string; digest: string; size: number; context_length: number }> }>("GET", "/api/ps");
  assert.equal(ps.code, 0, ps.stderr);
  const rows = tableRows(ps.stdout);
  assert.deepEqual(rows[0], ["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"]);
  assert.equal(rows.length, running.models.length + 1);
  const model = running.models.find((m) => m.name === "tiny:latest")!;
  const row = rows.find((r) => r[0] === "tiny:latest")!;
  assert.deepEqual(row.slice(0, 5), [model.name, model.digest.slice(0, 12), `${Math.trunc(model.size / 1e6)} MB`, "100% CPU", String(model.context_length)]);
  assert.match(row[5], /^(9|10) minutes from now$/);

  // A negative keep-alive is a value, not a flag: loaded for good.
  assert.equal((await cli(["run", "tiny", "--keepalive", "-1", "hi"])).code, 0);
  assert.match((await cli(["ps", "tiny"])).stdout, /\n[^\n]+ {4}Forever\n$/);

  const [stop, stopMissing] = await Promise.all([cli(["stop", "tiny"]), cli(["stop", "nope"])]);
  assert.deepEqual(stop, { code: 0, stdout: "", stderr: "" });
  assertError(stopMissing, `couldn't find model "nope" to stop`);
  const after = await api<{ models: Array<{ name: string }> }>("GET", "/api/ps");
  assert.ok(!after.models.some((m) => m.name === "tiny:latest"));
  assert.deepEqual(tableRows((await cli(["ps"])).stdout).length, after.models.length + 1);
  assert.equal((await cli(["ps", "tiny"])).stdout, "NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL\n");
});

test("tollama cp and rm", { skip, timeout: 120_000 }, async () => {
  const cp = await cli(["cp", "tiny", "tiny-copy:v2"]);
  assert.deepEqual(cp, { code: 0, stdout: "copied 'tiny' to 'tiny-copy:v2'\n", stderr: "" });
  const names = async () => (await api<{ models: Array<{ name: string }> }>("GET", "/api/tags")).models.map((m) => m.name).sort();
  assert.deepEqual(await names(), ["tiny-copy:v2", "tiny:latest"]);
  assert.match((await cli(["list"])).stdout, /^tiny-copy:v2 /m);
  const [removed, missing, missingSource] = await Promise.all([
    cli(["rm", "tiny-copy:v2"]),
    cli(["rm", "nope"]),
    cli(["cp", "nope", "other"]),
  ]);
  assert.deepEqual(removed, { code: 0, stdout: "deleted 'tiny-copy:v2'\n", stderr: "" });
  assertError(missing, "model 'nope' not found");
  assertError(missingSource, /^Error: model ["']nope["'] not found\n$/);
  assert.deepEqual(await names(), ["tiny:latest"]);
});

test("tollama create: FROM ./file.gguf uploads the blob; FROM a model adds SYSTEM and PARAMETER", { skip, timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-cli-create-"));
  try {
    // A file the server does not have yet (tiny-bpe), so the upload really happens.
    await symlink(await fixtureModel("tiny-bpe"), join(dir, "tiny.gguf"));
    await writeFile(join(dir, "Modelfile"), "FROM ./tiny.gguf\nPARAMETER num_predict 4\n");
    const created = await cli(["create", "fromfile"], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, "");
    assert.match(created.stderr, /^gathering model components\n/);
    assert.match(created.stderr, /copying file sha256:[0-9a-f]{64} 100%\n/);
    assert.match(created.stderr, /\nsuccess\n$/);
    assert.ok(!created.stderr.includes("\x1b"), "no escape sequences when stderr is not a terminal");
    const shown = await api("POST", "/api/show", { model: "fromfile" });
    assert.equal(shown.model_info["tokenizer.ggml.model"], "gpt2");
    assert.match(shown.parameters, /^num_predict +4$/m);

    await writeFile(
      join(dir, "Derived"),
      `FROM tiny\nSYSTEM """Answer in French."""\nPARAMETER temperature 0.5\nPARAMETER num_predict 3\n` +
        `LICENSE """Tiny License\nFree to use.\nNo warranty."""\n`,
    );
    const derived = await cli(["create", "derived", "-f", join(dir, "Derived")]);
    assert.equal(derived.code, 0, derived.stderr);
    assert.doesNotMatch(derived.stderr, /copying file/);
    const [system, parameters, run, license, info] = await Promise.all([
      cli(["show", "derived", "--system"]),
      cli(["show", "derived", "--parameters"]),
      cli(["run", "derived", "--verbose", "Bonjour"]),
      cli(["show", "derived", "--license"]),
      cli(["show", "derived"]),
    ]);
    assert.equal(license.stdout, "Tiny License\nFree to use.\nNo warranty.\n");
    // The info view shows the first two lines of the system message and of the license.
    assert.match(info.stdout, /\n {2}System\n {4}Answer in French\.\n\n {2}License\n {4}Tiny License\n {4}Free to use\.\n {4}\.\.\.\n\n$/);
    assert.equal(system.stdout, "Answer in French.");
    assert.match(parameters.stdout, /^temperature +0\.5$/m);
    assert.match(parameters.stdout, /^num_predict +3$/m);
    assert.match(run.stderr, /^eval count: +3 token\(s\)$/m);

    await writeFile(join(dir, "Bad"), "FROM tiny\nPARAMETER nonsense 1\n");
    const [bad, noFile] = await Promise.all([
      cli(["create", "bad", "-f", join(dir, "Bad")]),
      cli(["create", "bad", "-f", join(dir, "Missing")]),
    ]);
    assertError(bad, "unknown parameter 'nonsense'");
    assertError(noFile, `open ${join(dir, "Missing")}: no such file or directory`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await fetch(server.url + "/api/delete", { method: "DELETE", body: JSON.stringify({ model: "fromfile" }) });
    await fetch(server.url + "/api/delete", { method: "DELETE", body: JSON.stringify({ model: "derived" }) });
  }
});

test("tollama create with PARSER and RENDERER: show prints them, and the named parser splits the output", { skip, timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tollama-cli-parser-"));
  // The template opens a thinking block when asked to think but names no thinking tags itself (no `.Thinking`):
  // alone it reads the whole answer as content; Ollama's qwen3 parser knows the block the prompt opened.
  const template = "{{ .Prompt }}\n{{ if .Think }}<think>\n{{ end }}";
  try {
    await writeFile(join(dir, "Named"), `FROM tiny\nTEMPLATE """${template}"""\nRENDERER qwen3\nPARSER qwen3\n`);
    await writeFile(join(dir, "Plain"), `FROM tiny\nTEMPLATE """${template}"""\n`);
    await writeFile(join(dir, "Bad"), "FROM tiny\nPARSER nope\n");
    const [named, plain, bad] = await Promise.all([
      cli(["create", "named", "-f", join(dir, "Named")]),
      cli(["create", "plain", "-f", join(dir, "Plain")]),
      cli(["create", "bad", "-f", join(dir, "Bad")]),
    ]);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(plain.code, 0, plain.stderr);
    // The server refuses it, after the CLI's first progress line (as Ollama's create prints it).
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /\nError: unknown parser "nope"\n$/);

    const [modelfile, shown] = await Promise.all([cli(["show", "named", "--modelfile"]), api("POST", "/api/show", { model: "named" })]);
    assert.deepEqual([shown.renderer, shown.parser], ["qwen3", "qwen3"]);
    assert.equal(modelfile.stdout, `${shown.modelfile}\n`);
    assert.match(modelfile.stdout, /^RENDERER qwen3\nPARSER qwen3$/m);

    // Greedy decoding: both models write the same text; only the named parser reads it as thinking.
    const request = { prompt: "Why is the sky blue?", think: true, stream: false, options: { num_predict: 8 } };
    const [withParser, withTemplate] = [
      await api("POST", "/api/generate", { ...request, model: "named" }),
      await api("POST", "/api/generate", { ...request, model: "plain" }),
    ];
    assert.ok(withTemplate.response.trim().length > 0, "the fixture writes some text");
    assert.equal(withTemplate.thinking, undefined);
    assert.equal(withParser.response, "");
    assert.equal(withParser.thinking.trim(), withTemplate.response.trim());
  } finally {
    await rm(dir, { recursive: true, force: true });
    for (const model of ["named", "plain"]) {
      await fetch(server.url + "/api/delete", { method: "DELETE", body: JSON.stringify({ model }) });
    }
  }
});

test("tollama push, pull, and run pulling a missing model, with a registry: plain progress lines when stderr is not a terminal", { skip: skip || registrySkip(), timeout: 120_000 }, async () => {
  await using registry = await startRegistry();
  const name = `${registry.host}/library/tiny:v1`;
  assert.equal((await cli(["cp", "tiny", name])).code, 0);
  const pushed = await cli(["push", "--insecure", name]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(pushed.stdout, "");
  assert.ok(!pushed.stderr.includes("\x1b"), "no escape sequences");
  assert.match(pushed.stderr, /^retrieving manifest\n/);
  assert.match(pushed.stderr, /^pushing [0-9a-f]{12} 100% \d+ MB\/\d+ MB$/m);
  assert.match(pushed.stderr, /\npushing manifest\nsuccess\n$/);

  // run pulls a model the server lacks, then answers.
  assert.equal((await cli(["rm", name])).code, 0);
  const ran = await cli(["run", "--insecure", name, "hi"]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stderr, /^pulling manifest\n[^]*\nsuccess\n$/);
  const answer = await api("POST", "/api/generate", { model: name, prompt: "hi", stream: false });
  assert.equal(ran.stdout, `${answer.response}\n\n`);

  assert.equal((await cli(["rm", name])).code, 0);
  const [pulled, missing, runMissing] = await Promise.all([
    cli(["pull", "--insecure", name]),
    cli(["pull", "--insecure", `${registry.host}/library/nope:latest`]),
    cli(["run", "--insecure", `${registry.host}/library/nope:latest`, "hi"]),
  ]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(pulled.stdout, "");
  assert.ok(!pulled.stderr.includes("\x1b"), "no escape sequences");
  assert.match(pulled.stderr, /^pulling manifest\n/);
  assert.match(pulled.stderr, /^pulling [0-9a-f]{12} 100% \d+ MB\/\d+ MB$/m);
  assert.match(pulled.stderr, /\nverifying sha256 digest\nwriting manifest\nsuccess\n$/);
  assert.match((await cli(["list"])).stdout, new RegExp(`^${name.replaceAll(".", "\\.")} `, "m"));
  // A model the registry lacks: the progress so far, then the error line (run pulls a missing model first).
  for (const r of [missing, runMissing]) {
    assert.deepEqual(r, { code: 1, stdout: "", stderr: "pulling manifest\nError: pull model manifest: file does not exist\n" });
  }
  await fetch(server.url + "/api/delete", { method: "DELETE", body: JSON.stringify({ model: name }) });
});
