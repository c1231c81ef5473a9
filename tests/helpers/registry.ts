/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1, a free port,
 * and a temp storage directory, started per test file and stopped by PID.
 *
 * ```ts
 * import { registrySkip, startRegistry } from "../tests/helpers/registry.ts";
 * test("pull from a real registry", { skip: registrySkip() }, async () => {
 *   await using registry = await startRegistry();             // or { auth: "basic" } / { auth: "token", authorizedKeys }
 *   const name = `${registry.host}/library/tiny:latest`;     // use with { insecure: true }
 *   // registry.url = "http://127.0.0.1:<port>", registry.storageDir = where the blobs land
 * });
 * ```
 *
 * Auth modes:
 * - `"basic"`: the registry's own htpasswd auth (bcrypt file made by `htpasswd -B`; `basicAuthSkip()` says when that
 *   tool is absent). Credentials: `registry.username` / `registry.password`.
 * - `"token"`: Ollama's scheme. A proxy of ours (tests/helpers/token_server.ts) sits in front of the registry on its own
 *   port, answers 401 with `WWW-Authenticate: Bearer realm="http://<proxy>/token",...`, serves that realm (checking
 *   the ed25519 signature of the token request against `authorizedKeys`) and forwards authorised requests.
 *   `registry.url`/`host` are the proxy's; `registry.tokens` counts issued tokens.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ProxyStats, startTokenProxy, type TokenProxy } from "./token_server.ts";

const CANDIDATES = ["/usr/bin/docker-registry", "/usr/local/bin/docker-registry", "/usr/bin/registry"];

/** Path of the registry binary, or undefined where it is not installed. */
export function registryBinary(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

/** For node:test's `skip` option: false when the registry can run, else the reason. */
export function registrySkip(): string | false {
  return registryBinary() ? false : "docker-registry is not installed (apt-get install -y docker-registry)";
}

/** For node:test's `skip` option in Basic-auth tests: needs the registry and `htpasswd` (apache2-utils) for bcrypt. */
export function basicAuthSkip(): string | false {
  return registrySkip() || (htpasswdBinary() ? false : "htpasswd is not installed (apt-get install -y apache2-utils)");
}

function htpasswdBinary(): string | undefined {
  return ["/usr/bin/htpasswd", "/usr/local/bin/htpasswd"].find((path) => existsSync(path));
}

export interface StartRegistryOptions {
  /** Default "none". */
  auth?: "none" | "basic" | "token";
  /** Basic auth user (default "tollama"). */
  username?: string;
  /** Basic auth password (default "secret-pass"). */
  password?: string;
  /** Token mode: OpenSSH public keys (`ssh-ed25519 AAAA...` lines or the bare base64 field) allowed to get tokens. */
  authorizedKeys?: string[];
}

export interface RegistryHandle extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: what clients talk to (the proxy in token mode). */
  readonly url: string;
  /** `127.0.0.1:<port>`: the host part of model names. */
  readonly host: string;
  readonly port: number;
  /** The registry process itself (differs from `url` in token mode). */
  readonly registryUrl: string;
  readonly storageDir: string;
  readonly auth: "none" | "basic" | "token";
  readonly username: string;
  readonly password: string;
  /** Token mode: tokens issued and refused, and the requests forwarded to the registry (`METHOD path status`). */
  readonly tokens: ProxyStats;
  /** Process id of the registry. */
  readonly pid: number;
  /** Kills the registry (and the proxy) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a registry and waits until `/v2/` answers. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RegistryHandle> {
  const binary = registryBinary();
  if (!binary) throw new Error(registrySkip() as string);
  const auth = options.auth ?? "none";
  const username = options.username ?? "tollama";
  const password = options.password ?? "secret-pass";
  const dir = await mkdtemp(join(tmpdir(), "tollama-registry-"));
  const storageDir = join(dir, "data");
  let authBlock = "";
  if (auth === "basic") {
    const tool = htpasswdBinary();
    if (!tool) throw new Error(basicAuthSkip() as string);
    const made = spawnSync(tool, ["-nbB", username, password], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr}`);
    await writeFile(join(dir, "htpasswd"), made.stdout.trim() + "\n");
    authBlock = `auth:\n  htpasswd:\n    realm: tollama-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  // Port 0: the registry picks a free port and logs it, so parallel test files never race for one.
  const configYml = `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: tollama-test-secret
${authBlock}`;
  await writeFile(join(dir, "config.yml"), configYml);

  const child = spawn(binary, ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  track(child);
  let log = "";
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`registry did not start in 10 s:\n${log}`)), 10_000);
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => {
        log = (log + chunk).slice(-8000);
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`registry exited with ${code} before listening:\n${log}`));
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await kill(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  // Keep draining stderr so the registry never blocks on a full pipe.
  child.stderr!.removeAllListeners("data");
  child.stderr!.resume();
  const registryUrl = `http://127.0.0.1:${port}`;

  let proxy: TokenProxy | undefined;
  const stop = async () => {
    await proxy?.close();
    proxy = undefined;
    await kill(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForV2(registryUrl);
    if (auth === "token") {
      proxy = await startTokenProxy({ upstream: registryUrl, authorizedKeys: options.authorizedKeys ?? [] });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const url = proxy ? proxy.url : registryUrl;
  const tokens = proxy ? proxy.stats : { issued: 0, refused: 0, forwarded: [] };
  return {
    url,
    host: new URL(url).host,
    port: Number(new URL(url).port),
    registryUrl,
    storageDir,
    auth,
    username,
    password,
    tokens,
    pid: child.pid!,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function waitForV2(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not answer /v2/ in 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test process that ends without stop() must not leave registries behind.
    process.once("exit", () => {
      for (const each of running) {
        try {
          process.kill(each.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
    });
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !running.has(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(child.pid!, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid!, "SIGKILL");
    } catch {
      // gone between the two signals
    }
  }, 2000);
  await exited;
  clearTimeout(timer);
}

/** Raw registry HTTP for assertions (no tollama code involved): GET a blob's bytes, or undefined on 404. */
export async function fetchBlob(
  registry: RegistryHandle,
  repo: string,
  digest: string,
): Promise<Uint8Array | undefined> {
  const response = await fetch(`${registry.registryUrl}/v2/${repo}/blobs/${digest}`, { headers: basicHeader(registry) });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`GET blob ${digest}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Raw registry HTTP for assertions: the manifest bytes exactly as stored, or undefined on 404. */
export async function fetchManifest(
  registry: RegistryHandle,
  repo: string,
  tag: string,
): Promise<Uint8Array | undefined> {
  const response = await fetch(`${registry.registryUrl}/v2/${repo}/manifests/${tag}`, {
    headers: { ...basicHeader(registry), accept: "application/vnd.docker.distribution.manifest.v2+json" },
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`GET manifest ${repo}:${tag}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Raw registry HTTP for seeding a test registry without tollama's push: monolithic blob uploads, then the manifest.
 * `blobs` maps digest → bytes; `manifest` is stored byte for byte.
 */
export async function seedRegistry(
  registry: RegistryHandle,
  repo: string,
  tag: string,
  blobs: Map<string, Uint8Array<ArrayBuffer>>,
  manifest: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const base = registry.registryUrl;
  const auth = basicHeader(registry);
  for (const [digest, bytes] of blobs) {
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", headers: auth });
    await start.body?.cancel();
    if (start.status !== 202) throw new Error(`start upload: ${start.status}`);
    const location = new URL(start.headers.get("location")!, base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`upload ${digest}: ${put.status} ${await put.text()}`);
    await put.body?.cancel();
  }
  const put = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/vnd.docker.distribution.manifest.v2+json" },
    body: manifest,
  });
  if (put.status !== 201) throw new Error(`put manifest: ${put.status} ${await put.text()}`);
  await put.body?.cancel();
}

function basicHeader(registry: RegistryHandle): Record<string, string> {
  if (registry.auth !== "basic") return {};
  return { authorization: `Basic ${btoa(`${registry.username}:${registry.password}`)}` };
}
