/**
 * The one place where a failed `fetch` becomes a named error. Deno and Bun word the same failure differently
 * (Deno: `fetch failed` with a hyper/rustls cause; Bun: `ECONNREFUSED: Unable to connect…`, `EPROTO`, OpenSSL
 * codes), so the runtime's text is sorted into a few kinds and each kind gets one message, Go's wording as Ollama
 * prints it: `Get "https://host/v2/…": dial tcp host:443: connect: connection refused`. The kind also says whether
 * another try can help: a refused connection, an unknown host or a certificate the client rejects stay that way.
 * @module
 */

/** What went wrong below HTTP. */
export type ConnectionFailureKind =
  | "refused"
  | "unreachable"
  | "dns"
  | "http-to-https"
  | "certificate"
  | "tls"
  | "reset"
  | "timeout"
  | "other";

/** A registry request that got no HTTP answer. `message` names the method, the URL and the cause. */
export class RegistryConnectionError extends Error {
  readonly url: string;
  readonly kind: ConnectionFailureKind;
  /** Whether trying again can help (a reset or timeout can; a refused port, a missing route or an unknown host will
   * not within seconds). */
  readonly retryable: boolean;
  constructor(method: string, url: URL, kind: ConnectionFailureKind, cause: string, options?: ErrorOptions) {
    super(`${goMethod(method)} "${url.href}": ${cause}`, options);
    this.name = "RegistryConnectionError";
    this.url = url.href;
    this.kind = kind;
    this.retryable = kind === "reset" || kind === "timeout" || kind === "other";
  }
}

/** Go's `http.Client` names the method as `Get`, `Head`, `Put`… in its errors. */
function goMethod(method: string): string {
  const upper = method.toUpperCase();
  return upper.charAt(0) + upper.slice(1).toLowerCase();
}

/** Everything the runtime said about an error: message, code and the chain of causes. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== "object") {
      parts.push(String(e));
      break;
    }
    const { message, code } = e as { message?: unknown; code?: unknown };
    if (typeof message === "string") parts.push(message);
    if (typeof code === "string") parts.push(code);
  }
  return parts.join(" | ");
}

/** `host:port` with the scheme's default port, as Go's dialer names it. */
function dialAddress(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

/**
 * Sorts a failed fetch of `url` into a `RegistryConnectionError`. A TLS handshake that fails without a certificate
 * complaint is checked once with a plain-HTTP request to the same address: an HTTP answer there means the registry
 * speaks plain HTTP (Go: `server gave HTTP response to HTTPS client`). Abort reasons are the caller's and are
 * returned unchanged, as is anything that is not a network failure.
 */
export async function describeFetchError(error: unknown, url: URL, method = "GET"): Promise<unknown> {
  if (error instanceof RegistryConnectionError) return error;
  if (!(error instanceof TypeError) && typeof (error as { code?: unknown })?.code !== "string") return error;
  const text = errorText(error);
  const make = (kind: ConnectionFailureKind, cause: string) =>
    new RegistryConnectionError(method, url, kind, cause, { cause: error });

  if (/ECONNREFUSED|connection refused/i.test(text)) {
    return make("refused", `dial tcp ${dialAddress(url)}: connect: connection refused`);
  }
  if (/EHOSTUNREACH|no route to host/i.test(text)) {
    return make("unreachable", `dial tcp ${dialAddress(url)}: connect: no route to host`);
  }
  if (/ENETUNREACH|network is unreachable/i.test(text)) {
    return make("unreachable", `dial tcp ${dialAddress(url)}: connect: network is unreachable`);
  }
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|dns error|failed to lookup address|name or service not known|name resolution/i.test(text)) {
    return make("dns", `dial tcp: lookup ${url.hostname}: no such host`);
  }
  const certificate = certificateProblem(text, url.hostname);
  if (certificate) return make("certificate", `tls: failed to verify certificate: ${certificate}`);
  if (url.protocol === "https:" && /EPROTO|TLS|SSL|handshake|corrupt message|InvalidContentType|wrong version number/i.test(text)) {
    if (await speaksPlainHttp(url)) {
      return make("http-to-https", "http: server gave HTTP response to HTTPS client (a plain-HTTP registry needs --insecure)");
    }
    return make("tls", "remote error: tls: handshake failure");
  }
  if (/ECONNRESET|connection reset|reset by peer|closed unexpectedly|connection closed before|EPIPE|broken pipe/i.test(text)) {
    return make("reset", "read: connection reset by peer");
  }
  if (/ETIMEDOUT|timed out|timeout/i.test(text)) return make("timeout", `dial tcp ${dialAddress(url)}: i/o timeout`);
  return make("other", firstLine(text));
}

/** The x509 part of a rejected certificate, in Go's words, or undefined when the failure was not about one. */
function certificateProblem(text: string, hostname: string): string | undefined {
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|\bExpired\b|NotValidYet|certificate has expired/i.test(text)) {
    return "x509: certificate has expired or is not yet valid";
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|NotValidForName|Hostname\/IP does not match|not valid for name/i.test(text)) {
    return `x509: certificate is not valid for ${hostname}`;
  }
  if (
    /SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF|UnknownIssuer|CaUsedAsEndEntity|self[- ]signed|unknown (authority|issuer|ca)/i
      .test(text)
  ) {
    return "x509: certificate signed by unknown authority";
  }
  if (/invalid peer certificate|CERT_|certificate verify failed|BadSignature/i.test(text)) return "x509: certificate is not trusted";
  return undefined;
}

/** Whether `url`'s address answers plain HTTP (asked once, bounded to 3 s, nothing kept). */
async function speaksPlainHttp(url: URL): Promise<boolean> {
  const plain = new URL(url.href);
  plain.protocol = "http:";
  if (!url.port) plain.port = "443";
  try {
    const response = await fetch(plain, { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(3000) });
    await response.body?.cancel().catch(() => {});
    return true;
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  const line = text.split(" | ").find((part) => part && part !== "fetch failed") ?? text;
  return line.split("\n")[0];
}
