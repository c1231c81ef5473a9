/**
 * Registry auth: answers a 401's `WWW-Authenticate` challenge with the `Authorization` value for the retry.
 * - `Bearer realm=…,service=…,scope=…` on the registry's own host: Ollama's signed token request (server/auth.go):
 *   `GET <realm>?nonce=…&scope=…&service=…&ts=…` with `Authorization: <ssh public key>:<ed25519 signature>` over
 *   `GET,<that URL>,<base64(hex(sha256("")))>`, signed with `~/.ollama/id_ed25519` (created when missing).
 * - `Bearer` with a realm on another host (Docker Hub, ghcr.io and other OCI registries): the key never signs
 *   anything for a foreign host (Ollama refuses such realms outright); the token is asked for anonymously, or with
 *   Basic credentials where the user has some for that host.
 * - `Basic realm=…` (htpasswd registries): the user's credentials, else `unauthorized: access denied`.
 * Credentials come from the caller, else from `~/.docker/config.json` (`auths.<host>.auth`), as docker login writes it.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { config } from "../config.ts";
import { type AuthHook, describeFetchError, RegistryError, UnauthorizedError, USER_AGENT } from "./http.ts";
import { defaultKeyPath, type KeyPair, loadOrCreateKeyPair } from "./keypair.ts";

/** A parsed `WWW-Authenticate` challenge. `scheme` is lower-case; parameter names are lower-case. */
export interface Challenge {
  scheme: string;
  realm: string;
  service: string;
  scope: string;
  params: Record<string, string>;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface AuthOptions {
  /** Private key file (default `~/.ollama/id_ed25519`, created when missing). */
  keyPath?: string;
  /** Credentials for Basic challenges and foreign token realms; default: `~/.docker/config.json`. */
  credentials?: Credentials | ((host: string) => Credentials | undefined | Promise<Credentials | undefined>);
  signal?: AbortSignal;
  /** Clock for the `ts` parameter, in ms (tests). */
  now?: () => number;
}

/** Parses `Scheme k="v",k2=v2`: quoted values may hold commas and `\"`, as in `scope="repository:a/b:pull,push"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const text = header.trim();
  const space = text.search(/\s/);
  const scheme = (space < 0 ? text : text.slice(0, space)).toLowerCase();
  if (!scheme) return undefined;
  const params: Record<string, string> = {};
  let i = space < 0 ? text.length : space;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i])) i++;
    const eq = text.indexOf("=", i);
    if (eq < 0) break;
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
      i++; // closing quote
    } else {
      const end = text.indexOf(",", i);
      value = text.slice(i, end < 0 ? text.length : end).trim();
      i = end < 0 ? text.length : end;
    }
    if (key) params[key] = value;
  }
  return { scheme, realm: params.realm ?? "", service: params.service ?? "", scope: params.scope ?? "", params };
}

/** Go's url.QueryEscape: unreserved `A-Za-z0-9-_.~` kept, space as `+`, every other byte as `%XX`. */
function goQueryEscape(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * The token request URL exactly as Ollama builds it: the realm's own query plus `service`, one `scope` per
 * space-separated scope, `ts` (unix seconds) and `nonce` (base64url of 16 random bytes), encoded as Go's
 * `url.Values.Encode` does (keys sorted, values in insertion order).
 */
export function tokenRequestUrl(challenge: Challenge, options: { now?: number; nonce?: string } = {}): string {
  const realm = new URL(challenge.realm);
  const values = new Map<string, string[]>();
  const add = (key: string, value: string) => values.set(key, [...(values.get(key) ?? []), value]);
  for (const [key, value] of realm.searchParams) add(key, value);
  add("service", challenge.service);
  for (const scope of challenge.scope.split(" ")) add("scope", scope);
  add("ts", String(Math.floor((options.now ?? Date.now()) / 1000)));
  add("nonce", options.nonce ?? randomBytes(16).toString("base64url"));
  const query = [...values.keys()].sort()
    .flatMap((key) => values.get(key)!.map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
    .join("&");
  realm.search = "";
  realm.hash = "";
  return `${realm.href}?${query}`;
}

/** `base64(hex(sha256("")))`: the body hash Ollama puts in the signed string of a GET. */
const EMPTY_BODY_HASH = btoa(createHash("sha256").update("").digest("hex"));

/** The `Authorization` value of a signed token request: `<public key base64>:<base64 signature>`. */
export function signTokenRequest(key: KeyPair, url: string): string {
  const signature = key.sign(`GET,${url},${EMPTY_BODY_HASH}`);
  return `${key.publicKeyField}:${Buffer.from(signature).toString("base64")}`;
}

/**
 * Makes the hook `registryFetch` calls on a 401. The key is loaded (or created) only when a challenge needs it.
 * @example
 * ```ts
 * const auth = createAuthHook();
 * await registryFetch(url, { method: "HEAD" }, { auth, session });
 * ```
 */
export function createAuthHook(options: AuthOptions = {}): AuthHook {
  let key: Promise<KeyPair> | undefined;
  const getKey = () => key ??= loadOrCreateKeyPair(options.keyPath ?? defaultKeyPath());
  return async (header, request) => {
    const challenge = parseChallenge(header);
    const host = request.url.host;
    if (challenge?.scheme === "basic") {
      const credentials = await credentialsFor(host, options);
      if (!credentials) throw new UnauthorizedError("", `${host} wants a user name and password`);
      return basic(credentials);
    }
    if (challenge?.scheme !== "bearer" || !challenge.realm) {
      throw new UnauthorizedError("", `unsupported challenge from ${host}: ${header}`);
    }
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      throw new UnauthorizedError("", `bad realm in challenge from ${host}: ${challenge.realm}`);
    }
    const url = tokenRequestUrl(challenge, { now: options.now?.() });
    const headers: Record<string, string> = { "user-agent": USER_AGENT };
    // Credentials are the registry's (docker login keys them by registry host), sent to its token service.
    const credentials = await credentialsFor(host, options);
    if (credentials) headers.authorization = basic(credentials);
    else if (realm.host === host) headers.authorization = signTokenRequest(await getKey(), url);
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: options.signal });
    } catch (error) {
      throw options.signal?.aborted ? error : await describeFetchError(error, new URL(url));
    }
    const body = (await response.text()).trim();
    if (response.status === 401 || response.status === 403) throw new UnauthorizedError(body);
    if (!response.ok) throw new RegistryError(response.status, body);
    let token: unknown;
    try {
      const json = JSON.parse(body);
      token = json.token ?? json.access_token;
    } catch {
      // handled below
    }
    if (typeof token !== "string" || token === "") {
      throw new RegistryError(response.status, body, `token server ${realm.host} sent no token`);
    }
    return `Bearer ${token}`;
  };
}

function basic({ username, password }: Credentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

async function credentialsFor(host: string, options: AuthOptions): Promise<Credentials | undefined> {
  if (typeof options.credentials === "function") return await options.credentials(host);
  if (options.credentials) return options.credentials;
  return await dockerCredentials(host);
}

/** `auths.<host>` of `~/.docker/config.json`: `auth` (base64 `user:pass`) or `username`/`password`. */
export async function dockerCredentials(
  host: string,
  path = join(config.homeDir(), ".docker", "config.json"),
): Promise<Credentials | undefined> {
  let auths: Record<string, { auth?: string; username?: string; password?: string }>;
  try {
    auths = JSON.parse(await readFile(path, "utf8")).auths ?? {};
  } catch {
    return undefined;
  }
  const entry = auths[host] ?? auths[`https://${host}`] ?? auths[`http://${host}`];
  if (!entry) return undefined;
  if (entry.auth) {
    const text = Buffer.from(entry.auth, "base64").toString();
    const colon = text.indexOf(":");
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}
