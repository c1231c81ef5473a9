/**
 * An HTTP proxy between a pull and a real registry that misbehaves on purpose, on a schedule a test decides
 * (seeded, so a failure reproduces): connection resets mid-body, stalls before and during the body, 5xx, 200 instead
 * of 206, a truncated body, corrupted bytes, a wrong Content-Range, a cross-host 307 "CDN" redirect (to `localhost`
 * vs `127.0.0.1`, served by this same proxy), and throttling. It counts the blob bytes it sends, so a test can
 * tell how much a resumed pull fetched again.
 *
 * ```ts
 * await using proxy = await startFaultProxy({ upstream: registry.url, schedule: ({ blobGet }) => blobGet === 2 ? { kind: "reset", after: 1000 } : undefined });
 * await pullModel(`${proxy.host}/library/tiny:latest`, { insecure: true });
 * ```
 * @module
 */
import { runtime, type ServerHandle } from "../../src/runtime/mod.ts";

export type Fault =
  /** Close the connection after `after` body bytes (the client sees a reset / unexpected EOF). */
  | { kind: "reset"; after: number }
  /** Send nothing for `ms` before the response (headers included). */
  | { kind: "stall-before"; ms: number }
  /** Send `after` body bytes, then nothing for `ms`, then the rest. */
  | { kind: "stall-during"; after: number; ms: number }
  /** Answer with this status and a short body, without asking upstream. */
  | { kind: "status"; status: number }
  /** Forward without the Range header: upstream answers 200 with the whole blob. */
  | { kind: "ignore-range" }
  /** End the body cleanly after `after` bytes, with headers that agree (a server that sends less than it says in Content-Range). */
  | { kind: "truncate"; after: number }
  /** Flip the bits of the body byte at `at`. */
  | { kind: "corrupt"; at: number }
  /** Answer 206 with a Content-Range shifted by `shift` bytes (the body is upstream's). */
  | { kind: "wrong-range"; shift: number }
  /** 307 to the same path on `http://localhost:<port>` (or `to`): a cross-host CDN redirect. */
  | { kind: "redirect"; to?: string }
  /** Answer 200 with an HTML page (a captive portal, a misconfigured proxy). */
  | { kind: "html" }
  /** Answer with this body (a manifest that is not one, say), without asking upstream. */
  | { kind: "body"; body: string; status?: number; headers?: Record<string, string> };

export interface ProxyRequest {
  method: string;
  /** Path and query, e.g. `/v2/library/tiny/blobs/sha256:…`. */
  path: string;
  /** Host header as sent (`127.0.0.1:<port>` or `localhost:<port>`). */
  host: string;
  /** Requested range, if any. */
  range?: { start: number; end?: number };
  /** 1-based count of blob GETs since the schedule was set, this one included (0 for other requests). */
  blobGet: number;
  /** 1-based count of all requests so far. */
  index: number;
}

export interface FaultProxyOptions {
  /** Base URL of the registry (e.g. `http://127.0.0.1:5000`). */
  upstream: string;
  /** Which fault, if any, to apply to a request. */
  schedule?: (request: ProxyRequest) => Fault | undefined;
  /** Throttle blob bodies to about this many bytes per second (whole proxy, shared by all connections). */
  bytesPerSecond?: number;
  /** Throttle each blob response on its own to this rate (a CDN that caps each connection). */
  perConnectionBytesPerSecond?: number;
}

export interface ProxyStats {
  /** Body bytes of blob GETs sent to clients. */
  blobBytes: number;
  requests: number;
  blobGets: number;
  /** Faults applied, by kind. */
  faults: Record<string, number>;
  /** Requests, for debugging a failure: `METHOD path range → status`. */
  log: string[];
  /** Blob byte ranges sent, per blob GET: [start, end) within the blob. */
  served: Array<{ digest: string; start: number; end: number }>;
  /** When each ranged blob body (not the one-byte probes) started and finished sending, in ms. */
  spans: Array<{ from: number; to?: number }>;
}

export interface FaultProxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>`, the host part of model names. */
  readonly host: string;
  readonly port: number;
  readonly stats: ProxyStats;
  /** Replace the schedule (between phases of a test). */
  setSchedule(schedule: FaultProxyOptions["schedule"]): void;
  setRate(bytesPerSecond: number | undefined): void;
  setPerConnectionRate(bytesPerSecond: number | undefined): void;
  close(): Promise<void>;
}

/** Most spans overlapping at one moment (spans still open are left out). */
export function maxOverlap(spans: Array<{ from: number; to?: number }>): number {
  const events: Array<[number, number]> = [];
  for (const span of spans) if (span.to !== undefined) events.push([span.from, 1], [span.to, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of events) most = Math.max(most, now += delta);
  return most;
}

/** A small deterministic PRNG (mulberry32) for seeded schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOP_HEADERS = ["connection", "keep-alive", "transfer-encoding", "host", "content-length", "accept-encoding"];

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let schedule = options.schedule;
  let scheduledBlobGets = 0;
  let rate = options.bytesPerSecond;
  let perConnection = options.perConnectionBytesPerSecond;
  const stats: ProxyStats = { blobBytes: 0, requests: 0, blobGets: 0, faults: {}, log: [], served: [], spans: [] };
  const closing = new AbortController();
  // Throttle: a shared clock of when the next byte may go out.
  let nextSendAt = 0;
  const throttle = async (bytes: number, signal: AbortSignal) => {
    if (!rate) return;
    const now = Date.now();
    nextSendAt = Math.max(nextSendAt, now) + (bytes / rate) * 1000;
    const wait = nextSendAt - now - (bytes / rate) * 1000;
    if (wait > 0) await sleep(wait, signal);
  };
  let port = 0;

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const isBlobGet = request.method === "GET" && /\/blobs\/sha256:[0-9a-f]{64}$/.test(url.pathname);
    stats.requests++;
    if (isBlobGet) {
      stats.blobGets++;
      scheduledBlobGets++;
    }
    const rangeHeader = request.headers.get("range");
    const rangeMatch = /^bytes=(\d+)-(\d*)$/.exec(rangeHeader ?? "");
    const info: ProxyRequest = {
      method: request.method,
      path: url.pathname + url.search,
      host: request.headers.get("host") ?? url.host,
      range: rangeMatch ? { start: Number(rangeMatch[1]), end: rangeMatch[2] ? Number(rangeMatch[2]) : undefined } : undefined,
      blobGet: isBlobGet ? scheduledBlobGets : 0,
      index: stats.requests,
    };
    const fault = schedule?.(info);
    if (fault) stats.faults[fault.kind] = (stats.faults[fault.kind] ?? 0) + 1;
    const note = (status: number) =>
      stats.log.push(`${request.method} ${info.path} ${rangeHeader ?? ""} ${fault ? `[${fault.kind}] ` : ""}→ ${status}`);

    if (fault?.kind === "stall-before") await sleep(fault.ms, closing.signal);
    if (fault?.kind === "status") {
      note(fault.status);
      return new Response(`injected ${fault.status}`, { status: fault.status });
    }
    if (fault?.kind === "html") {
      note(200);
      return new Response("<!doctype html><html><body>Please sign in to the Wi-Fi</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      });
    }
    if (fault?.kind === "body") {
      note(fault.status ?? 200);
      return new Response(fault.body, { status: fault.status ?? 200, headers: fault.headers });
    }
    if (fault?.kind === "redirect") {
      const target = fault.to ?? `http://localhost:${port}`;
      note(307);
      return new Response(null, { status: 307, headers: { location: `${target}${info.path}` } });
    }

    const headers = new Headers();
    request.headers.forEach((value, key) => {
      if (!HOP_HEADERS.includes(key)) headers.set(key, value);
    });
    if (fault?.kind === "ignore-range") headers.delete("range");
    const upstream = await fetch(`${options.upstream}${info.path}`, {
      method: request.method,
      headers,
      body: request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
      redirect: "manual",
    });
    const out = new Headers();
    upstream.headers.forEach((value, key) => {
      if (!HOP_HEADERS.includes(key) || key === "content-length") out.set(key, value);
    });
    const location = out.get("location");
    if (location?.startsWith(options.upstream)) out.set("location", location.replace(options.upstream, `http://${info.host}`));
    const status = upstream.status;
    if (fault?.kind === "wrong-range" && status === 206) {
      const match = /bytes (\d+)-(\d+)\/(\d+)/.exec(out.get("content-range") ?? "");
      if (match) {
        out.set("content-range", `bytes ${Number(match[1]) + fault.shift}-${Number(match[2]) + fault.shift}/${match[3]}`);
      }
    }
    if (fault?.kind === "truncate") {
      // Honest framing for fewer bytes: the client reads a clean end, short of what Content-Range promised.
      const length = Number(out.get("content-length") ?? 0);
      out.set("content-length", String(Math.min(length, fault.after)));
    }
    note(status);
    if (!upstream.body || request.method === "HEAD") {
      await upstream.body?.cancel();
      return new Response(null, { status, headers: out });
    }
    if (!isBlobGet && !fault) return new Response(upstream.body, { status, headers: out });

    const reader = upstream.body.getReader();
    let sent = 0;
    // Where this body starts in the blob: the Content-Range start of a 206, else 0.
    const bodyStart = Number(/bytes (\d+)-/.exec(out.get("content-range") ?? "")?.[1] ?? 0);
    const record = { digest: url.pathname.slice(url.pathname.lastIndexOf("/") + 1), start: bodyStart, end: bodyStart };
    if (isBlobGet && status < 300) stats.served.push(record);
    let stalledDuring = false;
    let ownNext = 0;
    const ownThrottle = async (bytes: number) => {
      if (!perConnection) return;
      const now = Date.now();
      ownNext = Math.max(ownNext, now) + (bytes / perConnection) * 1000;
      const wait = ownNext - now - (bytes / perConnection) * 1000;
      if (wait > 0) await sleep(wait, signal);
    };
    const span: { from: number; to?: number } = { from: Date.now() };
    if (isBlobGet && rangeHeader !== "bytes=0-0") stats.spans.push(span);
    const finishActive = () => {
      span.to ??= Date.now();
    };
    const count = (bytes: number) => {
      if (!isBlobGet) return;
      stats.blobBytes += bytes;
      record.end += bytes;
    };
    const signal = closing.signal;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          finishActive();
          return controller.close();
        }
        const chunk = value;
        // Small slices, so throttling and faults land at precise byte positions.
        for (let i = 0; i < chunk.byteLength;) {
          let slice = chunk.subarray(i, Math.min(chunk.byteLength, i + 16384));
          if (fault?.kind === "reset" && sent + slice.byteLength > fault.after) {
            slice = slice.subarray(0, Math.max(0, fault.after - sent));
            if (slice.byteLength) controller.enqueue(slice);
            count(slice.byteLength);
            await reader.cancel().catch(() => {});
            finishActive();
            controller.error(new Error("injected reset"));
            return;
          }
          if (fault?.kind === "truncate" && sent + slice.byteLength >= fault.after) {
            slice = slice.subarray(0, fault.after - sent);
            if (slice.byteLength) controller.enqueue(slice);
            count(slice.byteLength);
            await reader.cancel().catch(() => {});
            controller.close();
            return;
          }
          if (fault?.kind === "stall-during" && !stalledDuring && sent + slice.byteLength > fault.after) {
            const head = slice.subarray(0, fault.after - sent);
            if (head.byteLength) controller.enqueue(head);
            sent += head.byteLength;
            count(head.byteLength);
            i += head.byteLength;
            stalledDuring = true;
            await sleep(fault.ms, signal);
            if (signal.aborted) {
              await reader.cancel().catch(() => {});
              controller.error(new Error("client went away"));
              return;
            }
            continue;
          }
          if (fault?.kind === "corrupt" && fault.at >= sent && fault.at < sent + slice.byteLength) {
            slice = slice.slice();
            slice[fault.at - sent] ^= 0xff;
          }
          if (isBlobGet) {
            await throttle(slice.byteLength, signal);
            await ownThrottle(slice.byteLength);
          }
          if (signal.aborted) {
            await reader.cancel().catch(() => {});
            controller.error(new Error("client went away"));
            return;
          }
          controller.enqueue(slice);
          sent += slice.byteLength;
          count(slice.byteLength);
          i += slice.byteLength;
        }
      },
      async cancel() {
        finishActive();
        await reader.cancel().catch(() => {});
      },
    });
    return new Response(body, { status, headers: out });
  };

  const server: ServerHandle = await runtime.serve(handler, { hostname: "127.0.0.1", port: 0 });
  port = server.port;
  const close = async () => {
    closing.abort();
    await server.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    stats,
    setSchedule: (next) => {
      schedule = next;
      scheduledBlobGets = 0;
    },
    setRate: (next) => rate = next,
    setPerConnectionRate: (next) => perConnection = next,
    close,
    [Symbol.asyncDispose]: close,
  };
}
