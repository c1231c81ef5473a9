/**
 * A parsed Modelfile turned into an `/api/create` request, as Ollama's CLI does it (parser.go CreateRequest and
 * cmd.go CreateHandler): `FROM ./file.gguf` is hashed into a blob digest for `files`, `FROM name` becomes `from`,
 * parameters are typed against the options table, licenses collect into a list.
 * @module
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { DEPRECATED_PARAMETERS, parseParameterValue } from "./options.ts";
import type { Modelfile } from "./parse.ts";
import type { CreateRequest, MessageInput } from "./types.ts";

/** A local file the request refers to by digest: the CLI uploads it (HEAD/POST /api/blobs) before creating. */
export interface LocalFile {
  /** Absolute path on this machine. */
  path: string;
  /** `sha256:<hex>` of its bytes. */
  digest: string;
  /** The name it has in the request's `files`, `adapters` or `draft_files` map. */
  name: string;
  kind: "model" | "adapter" | "draft";
}

export interface ModelfileRequest {
  request: CreateRequest;
  /** Every local file named by FROM, ADAPTER or DRAFT, to be uploaded as a blob. */
  files: LocalFile[];
}

export interface ToCreateRequestOptions {
  /** Directory relative paths are resolved against: the Modelfile's own directory. */
  baseDir: string;
  /** Called with `warning: parameter X is deprecated` (Ollama prints it); default: console.warn. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** No model weights in a FROM directory (Ollama's parser.ErrModelNotFound). */
export class ModelFilesNotFoundError extends Error {
  constructor() {
    super("no Modelfile or safetensors files found");
    this.name = "ModelFilesNotFoundError";
  }
}

/**
 * Builds the create request for a Modelfile. Local paths (absolute, `~`, `~user` or relative to `baseDir`) that exist
 * are hashed; a FROM that names no existing path is a model name. Throws `unknown parameter 'x'`,
 * `invalid int value [x]`, `requires must be a valid semver (e.g. 0.14.0)`, and
 * `DRAFT must not reference the same local path as FROM: <path>`.
 */
export async function modelfileToCreateRequest(
  modelfile: Modelfile,
  options: ToCreateRequestOptions,
): Promise<ModelfileRequest> {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const request: CreateRequest = {};
  const local: Array<{ path: string; digest: string; kind: LocalFile["kind"] }> = [];
  const messages: MessageInput[] = [];
  const licenses: string[] = [];
  const parameters: Record<string, unknown> = {};
  const modelPaths: string[] = [];
  const draftPaths: string[] = [];

  for (const { name, args } of modelfile.commands) {
    switch (name) {
      case "model": {
        const path = expandPath(args, options.baseDir);
        await rejectNonGguf(path);
        const found = await filesAt(path, options.signal);
        if (!found) {
          // `./nope.gguf` is a file that is missing, not a model name for the server to look up.
          if (looksLikePath(args)) throw missingFile(path);
          request.from = args;
          break;
        }
        await rejectSamePath("DRAFT", path, draftPaths);
        modelPaths.push(path);
        for (const [file, digest] of found) local.push({ path: file, digest, kind: "model" });
        break;
      }
      case "draft": {
        const path = expandPath(args, options.baseDir);
        const found = await filesAt(path, options.signal);
        if (!found) throw missingFile(path);
        await rejectSamePath("DRAFT", path, modelPaths);
        draftPaths.push(path);
        for (const [file, digest] of found) local.push({ path: file, digest, kind: "draft" });
        break;
      }
      case "adapter": {
        const path = expandPath(args, options.baseDir);
        const found = await filesAt(path, options.signal);
        if (!found) throw missingFile(path);
        // Every ADAPTER line counts (Ollama keeps only the last): the adapters are applied together.
        for (const [file, digest] of found) local.push({ path: file, digest, kind: "adapter" });
        break;
      }
      case "template":
        request.template = args;
        break;
      case "system":
        request.system = args;
        break;
      case "license":
        licenses.push(args);
        break;
      case "renderer":
        request.renderer = args;
        break;
      case "parser":
        request.parser = args;
        break;
      case "requires": {
        const version = args.startsWith("v") ? args : `v${args}`;
        if (!isSemver(version)) throw new Error("requires must be a valid semver (e.g. 0.14.0)");
        request.requires = version.slice(1);
        break;
      }
      case "message": {
        const cut = args.indexOf(": ");
        messages.push(
          cut < 0 ? { role: args, content: "" } : { role: args.slice(0, cut), content: args.slice(cut + 2) },
        );
        break;
      }
      default: {
        if (DEPRECATED_PARAMETERS.includes(name)) {
          warn(`warning: parameter ${name} is deprecated`);
          break;
        }
        const value = parseParameterValue(name, [args]);
        const existing = parameters[name];
        parameters[name] = Array.isArray(existing) && Array.isArray(value) ? [...existing, ...value] : value;
      }
    }
  }

  if (Object.keys(parameters).length > 0) request.parameters = parameters;
  if (messages.length > 0) request.messages = messages;
  if (licenses.length > 0) request.license = licenses;

  const files: LocalFile[] = [];
  for (const kind of ["model", "adapter", "draft"] as const) {
    const group = local.filter((file) => file.kind === kind);
    if (group.length === 0) continue;
    const names = requestFileNames(group.map((file) => file.path));
    const map: Record<string, string> = {};
    group.forEach((file, i) => {
      map[names[i]] = file.digest;
      files.push({ ...file, name: names[i] });
    });
    if (kind === "model") request.files = map;
    else if (kind === "adapter") request.adapters = map;
    else request.draft_files = map;
  }
  return { request, files };
}

/** A path as Ollama expands it: absolute stays, `~` and `~user` go to a home directory, the rest joins `baseDir`. */
export function expandPath(path: string, baseDir: string): string {
  if (isAbsolute(path) || path.startsWith("\\") || path.startsWith("/")) return resolve(path);
  if (path === "~" || path.startsWith("~/")) return resolve(join(currentHome(), path.slice(1)));
  if (path.startsWith("~")) {
    const [user, ...rest] = path.slice(1).split("/");
    // Only the current user's home can be found without a user database; others are looked up by convention.
    const home = user === userInfo().username ? currentHome() : join(dirname(currentHome()), user);
    return resolve(join(home, rest.join("/")));
  }
  return resolve(join(baseDir, path));
}

function currentHome(): string {
  return homedir();
}

/** The files a path stands for with their digests, or undefined when nothing exists there. */
async function filesAt(path: string, signal?: AbortSignal): Promise<Map<string, string> | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") {
      return undefined;
    }
    throw error;
  }
  const paths = info.isDirectory() ? await filesForModel(path) : [path];
  const digests = new Map<string, string>();
  for (const file of paths) digests.set(file, await fileDigest(file, { signal }));
  return digests;
}

/** Bytes read per step of {@link fileDigest}: one buffer, reused, about a core's L2 cache. */
const DIGEST_READ = 1 << 20;
/** {@link fileDigest} lets the event loop run (checks its signal, reports progress) after this many bytes. */
const DIGEST_YIELD = 64 << 20;

/**
 * `sha256:<hex>` of a file's bytes. Synchronous reads into one reused buffer, with a turn of the event loop every
 * 64 MiB. A read stream allocates (and zeroes) a buffer per chunk and pays a promise for each: for 1 GiB it cost
 * 1.25 s of CPU on Deno and 1.0 s on Bun, this loop 0.75 s and 0.72 s.
 */
export async function fileDigest(
  path: string,
  options: { signal?: AbortSignal; onProgress?: (completed: number) => void } = {},
): Promise<string> {
  const hash = createHash("sha256");
  const buffer = new Uint8Array(DIGEST_READ);
  const fd = openSync(await realpath(path), "r");
  let completed = 0;
  try {
    let sinceYield = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.byteLength, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      completed += read;
      sinceYield += read;
      if (sinceYield >= DIGEST_YIELD) {
        sinceYield = 0;
        options.onProgress?.(completed);
        await new Promise((resolve) => setTimeout(resolve, 0));
        options.signal?.throwIfAborted();
      }
    }
  } finally {
    closeSync(fd);
  }
  options.onProgress?.(completed);
  return `sha256:${hash.digest("hex")}`;
}

/**
 * The model files of a directory, in Ollama's order of preference: `model*.safetensors` (and one level down),
 * `consolidated*.safetensors`, `pytorch_model*.bin`, `consolidated*.pth`, `*.gguf`, `*.bin`; then `*.json` (and one
 * level down), `chat_template.jinja`, `tokenizer.model`. Symlinks must stay inside the directory.
 */
async function filesForModel(dir: string): Promise<string[]> {
  const top = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => e.name).sort();
  const subdirs = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const nested = async (pattern: RegExp) => {
    const out: string[] = [];
    for (const sub of subdirs) {
      for (const name of (await readdir(join(dir, sub))).sort()) if (pattern.test(name)) out.push(join(dir, sub, name));
    }
    return out;
  };
  const match = (pattern: RegExp) => top.filter((name) => pattern.test(name)).map((name) => join(dir, name));

  let files: string[];
  const safetensors = match(/^model.*\.safetensors$/);
  if (safetensors.length > 0) files = [...safetensors, ...await nested(/^model.*\.safetensors$/)];
  else {
    files = [/^consolidated.*\.safetensors$/, /^pytorch_model.*\.bin$/, /^consolidated.*\.pth$/, /\.gguf$/, /\.bin$/]
      .map(match).find((found) => found.length > 0) ?? [];
    if (files.length === 0) throw new ModelFilesNotFoundError();
  }
  files.push(...match(/\.json$/), ...await nested(/\.json$/), ...match(/^chat_template\.jinja$/));
  const tokenizer = match(/^tokenizer\.model$/);
  files.push(...(tokenizer.length > 0 ? tokenizer : await nested(/^tokenizer\.model$/)));

  const root = await realpath(dir);
  const out: string[] = [];
  for (const file of files) {
    const real = await realpath(file);
    const rel = relative(root, real);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      throw new Error(rel.includes(".cache") ? `insecure path: ${rel}\n\nUse --local-dir <dir> when downloading model to disable caching` : `insecure path: ${rel}`);
    }
    out.push(real);
  }
  return out;
}

/** Names for the request maps: the base name, or the path below the files' common directory when there are several. */
function requestFileNames(paths: string[]): string[] {
  if (paths.length < 2) return paths.map((path) => basename(path));
  const dirs = paths.map((path) => dirname(resolve(path)));
  let root = dirs[0];
  while (!dirs.every((dir) => dir === root || dir.startsWith(root.endsWith(sep) ? root : root + sep))) {
    const parent = dirname(root);
    if (parent === root) return paths.map((path) => basename(path));
    root = parent;
  }
  return paths.map((path) => {
    const rel = relative(root, resolve(path));
    return rel && !rel.startsWith("..") ? rel.split(sep).join("/") : basename(path);
  });
}

async function rejectSamePath(what: string, path: string, others: string[]): Promise<void> {
  const real = await realpath(path);
  for (const other of others) {
    if (await realpath(other) === real) throw new Error(`${what} must not reference the same local path as FROM: ${path}`);
  }
}

/** A FROM argument that can only mean a file: a path prefix, or a model file's extension (`tiny.gguf`). */
function looksLikePath(text: string): boolean {
  return /^(\.{1,2}|~)?[\/\\]|^\.{1,2}$|^~/.test(text) || /\.(gguf|safetensors|bin|pth)$/i.test(text);
}

/**
 * A single FROM file must be a GGUF (or a safetensors file, which the server names as such): said here, with the
 * path, before the file is hashed and uploaded, instead of by the server after the upload.
 */
async function rejectNonGguf(path: string): Promise<void> {
  let head: Buffer;
  try {
    if (!(await stat(path)).isFile() || /\.safetensors$/i.test(path)) return;
    await using file = await open(path, "r");
    head = Buffer.alloc(4);
    await file.read(head, 0, 4, 0);
  } catch {
    return; // missing or unreadable: the usual path reports it
  }
  if (head.toString("latin1") !== "GGUF") throw new Error(`${path} is not a GGUF file (supplied file was not in GGUF format)`);
}

function missingFile(path: string): Error {
  return Object.assign(new Error(`stat ${path}: no such file or directory`), { code: "ENOENT" });
}

/** golang.org/x/mod/semver IsValid: `vMAJOR[.MINOR[.PATCH[-pre][+build]]]`, no leading zeros. */
export function isSemver(version: string): boolean {
  const num = "(?:0|[1-9]\\d*)";
  const ident = "[0-9A-Za-z-]+";
  const pre = `(?:-(?:${ident})(?:\\.${ident})*)?`;
  const build = `(?:\\+${ident}(?:\\.${ident})*)?`;
  const match = new RegExp(`^v${num}(?:\\.${num}(?:\\.${num}${pre}${build})?)?$`).exec(version);
  if (!match) return false;
  // Numeric pre-release identifiers may not have leading zeros.
  const prerelease = /-([^+]*)/.exec(version.slice(1))?.[1];
  return !prerelease || prerelease.split(".").every((part) => !/^0\d+$/.test(part));
}
