/**
 * An Ollama-style auth front for a test registry: every `/v2/` request needs `Authorization: Bearer <token>` with the
 * right scope, else 401 with `WWW-Authenticate: Bearer realm="<this server>/token",service=...,scope=...`. The realm
 * checks the token request the way ollama.com does: `Authorization: <ssh public key base64>:<base64 ed25519 signature>`
 * over `GET,<full request URL>,<base64(hex(sha256("")))>`, verified with node:crypto against the authorized keys.
 * Authorised requests are forwarded to the upstream registry, with its `Location` headers rewritten to point here.
 * Realm and registry share one host:port because clients refuse a realm on another host (as Ollama does).
 * @module
 */
import { createHash, createPublicKey, randomBytes, verify } from "node:crypto";
import { runtime, type ServerHandle } from "../../src/runtime/mod.ts";

export interface TokenProxyOptions {
  /** Base URL of the registry to forward to. */
  upstream: string;
  /** OpenSSH ed25519 public keys (`ssh-ed25519 AAAA... comment` or just the base64 field). */
  authorizedKeys: string[];
  /** Service name in challenges (default "tollama-test-registry"). */
  service?: string;
}

export interface ProxyStats {
  issued: number;
  refused: number;
  lastRefusal?: string;
  /** `<METHOD> <path+query> <status>` of each request passed to the registry, in order. */
  forwarded: string[];
}

export interface TokenProxy {
  readonly url: string;
  /** Tokens issued, token requests refused (bad key, bad signature, stale ts), and every request forwarded. */
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

const EMPTY_BODY_HASH = btoa(createHash("sha256").update("").digest("hex"));

/** Starts the proxy on 127.0.0.1 with a free port. */
export async function startTokenProxy(options: TokenProxyOptions): Promise<TokenProxy> {
  const upstream = new URL(options.upstream);
  const service = options.service ?? "tollama-test-registry";
  const keys = new Set(options.authorizedKeys.map(keyField));
  const tokens = new Map<string, Set<string>>(); // token → granted "repo:action" entries
  const stats: ProxyStats = { issued: 0, refused: 0, forwarded: [] };
  let origin = "";

  const refuse = (why: string) => {
    stats.refused++;
    stats.lastRefusal = why;
    return Response.json({ errors: [{ code: "UNAUTHORIZED", message: why }] }, { status: 401 });
  };

  const issueToken = (request: Request): Response => {
    const url = new URL(request.url);
    const header = request.headers.get("authorization") ?? "";
    const colon = header.lastIndexOf(":");
    if (colon < 0) return refuse("missing signature");
    const key = header.slice(0, colon);
    const signature = Buffer.from(header.slice(colon + 1), "base64");
    if (!keys.has(key)) return refuse("unknown key");
    const ts = Number(url.searchParams.get("ts"));
    if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return refuse("stale or missing ts");
    if (!url.searchParams.get("nonce")) return refuse("missing nonce");
    if (url.searchParams.get("service") !== service) return refuse("wrong service");
    // The client signed the URL it sent; request.url is that URL as received on this host.
    const signed = Buffer.from(`GET,${origin}${url.pathname}${url.search},${EMPTY_BODY_HASH}`);
    if (!verify(null, signed, ed25519Key(key), signature)) return refuse("bad signature");
    const granted = new Set<string>();
    for (const scope of url.searchParams.getAll("scope")) {
      const first = scope.indexOf(":");
      const last = scope.lastIndexOf(":");
      if (first < 0 || last <= first || scope.slice(0, first) !== "repository") continue;
      const repo = scope.slice(first + 1, last);
      for (const action of scope.slice(last + 1).split(",")) granted.add(`${repo}:${action}`);
    }
    const token = randomBytes(24).toString("hex");
    tokens.set(token, granted);
    stats.issued++;
    return Response.json({ token });
  };

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === "/token") return issueToken(request);
    if (!url.pathname.startsWith("/v2/")) return new Response("404 page not found", { status: 404 });
    const needed = requiredScopes(request.method, url);
    const bearer = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const granted = bearer ? tokens.get(bearer) : undefined;
    const ok = granted && [...needed].every(([repo, actions]) => actions.every((a) => granted.has(`${repo}:${a}`)));
    if (!ok) {
      const scope = [...needed].map(([repo, actions]) => `repository:${repo}:${actions.join(",")}`).join(" ");
      const challenge = `Bearer realm="${origin}/token",service="${service}"` + (scope ? `,scope="${scope}"` : "");
      return Response.json(
        { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
        { status: 401, headers: { "www-authenticate": challenge } },
      );
    }
    return await forward(request, url);
  };

  const forward = async (request: Request, url: URL): Promise<Response> => {
    const headers = new Headers(request.headers);
    headers.delete("authorization");
    headers.delete("host");
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const response = await fetch(new URL(url.pathname + url.search, upstream), {
      method: request.method,
      headers,
      body,
      redirect: "manual",
    });
    stats.forwarded.push(`${request.method} ${url.pathname}${url.search} ${response.status}`);
    const out = new Headers(response.headers);
    const location = out.get("location");
    if (location?.startsWith(upstream.origin)) out.set("location", origin + location.slice(upstream.origin.length));
    // The runtime recomputes framing headers for the body it sends.
    out.delete("content-encoding");
    if (request.method !== "HEAD") out.delete("content-length");
    const bodyOut = request.method === "HEAD" || response.status === 204 ? null : response.body;
    if (bodyOut === null) await response.body?.cancel();
    return new Response(bodyOut, { status: response.status, headers: out });
  };

  const server: ServerHandle = await runtime.serve(handler, { hostname: "127.0.0.1", port: 0 });
  origin = `http://127.0.0.1:${server.port}`;
  return { url: origin, stats, close: () => server.close() };
}

/** Which repositories and actions a registry request needs, as distribution's token auth computes them. */
function requiredScopes(method: string, url: URL): Map<string, string[]> {
  const needed = new Map<string, string[]>();
  const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(url.pathname);
  if (!match) return needed;
  const write = !["GET", "HEAD"].includes(method);
  needed.set(match[1], write ? ["pull", "push"] : ["pull"]);
  const from = url.searchParams.get("from");
  if (write && url.searchParams.get("mount") && from && from !== match[1]) needed.set(from, ["pull"]);
  return needed;
}

/** The base64 field of an authorized_keys line (or the field itself). */
function keyField(line: string): string {
  const parts = line.trim().split(/\s+/);
  return parts.length > 1 ? parts[1] : parts[0];
}

/** An ed25519 public key from the SSH wire format: string "ssh-ed25519", string <32 raw bytes>. */
function ed25519Key(field: string) {
  const wire = Buffer.from(field, "base64");
  const typeLength = wire.readUInt32BE(0);
  const type = wire.subarray(4, 4 + typeLength).toString();
  if (type !== "ssh-ed25519") throw new TypeError(`not an ed25519 key: ${type}`);
  const rawLength = wire.readUInt32BE(4 + typeLength);
  const raw = wire.subarray(8 + typeLength, 8 + typeLength + rawLength);
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}
