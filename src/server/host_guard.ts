/**
 * The DNS-rebinding guard (Ollama's allowedHostsMiddleware): when the server is bound to a loopback address, a request
 * whose Host header names anything but this machine or a local/private address is refused with 403 and no body.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { hostname as machineHostname, networkInterfaces } from "node:os";
import { isIP } from "node:net";

/** True for 127/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  return a === "localhost" || a === "::1" || /^127\./.test(a) || /^::ffff:127\./.test(a);
}

function isPrivateOrUnspecified(ip: string): boolean {
  const a = ip.toLowerCase().replace(/^::ffff:/, "");
  if (a === "0.0.0.0" || a === "::") return true;
  if (/^10\./.test(a) || /^192\.168\./.test(a) || /^169\.254\./.test(a)) return true;
  const m = /^172\.(\d+)\./.exec(a);
  if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  return /^f[cd][0-9a-f]{2}:/.test(a) || /^fe80:/.test(a);
}

function localInterfaceAddresses(): Set<string> {
  const set = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) set.add(entry.address.toLowerCase());
  }
  return set;
}

/** The host part of a Host header value (brackets and port removed). */
export function hostOnly(header: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return bracketed[1];
  if (/^[^:]*:\d*$/.test(header)) return header.slice(0, header.lastIndexOf(":"));
  return header;
}

/** Whether a Host header value may reach a loopback-bound server. */
export function hostAllowed(header: string | undefined): boolean {
  if (!header) return true;
  const host = hostOnly(header.trim()).toLowerCase();
  if (host === "") return true;
  if (isIP(host)) return isLoopback(host) || isPrivateOrUnspecified(host) || localInterfaceAddresses().has(host);
  if (host === "localhost" || host === machineHostname().toLowerCase()) return true;
  return host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal");
}

/** The guard; `bindHost` is the address the server listens on (the guard is off unless it is loopback). */
export function hostGuard(bindHost: string): MiddlewareHandler {
  const active = isLoopback(bindHost);
  return async (c, next) => {
    if (active && !hostAllowed(c.req.header("host"))) return c.body(null, 403);
    await next();
  };
}
