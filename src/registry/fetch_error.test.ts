/**
 * describeFetchError() sorts the fetch failures of both runtimes the same way. Each runtime only ever produces its
 * own shapes, so the shapes of both (as Deno 2.9 and Bun 1.4 throw them; tests/registry_errors.test.ts makes the
 * real ones) are written out here and checked under either runtime.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeFetchError, RegistryConnectionError } from "./fetch_error.ts";

/** Deno: `TypeError("fetch failed")` whose cause carries hyper's and rustls' words. */
function denoError(cause: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(`error sending request for url (https://x/): client error (Connect): ${cause}`) });
}

/** Bun: a TypeError with a system error code and its own sentence. */
function bunError(code: string, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}

const url = new URL("https://registry.example:5000/v2/library/tiny/manifests/latest");
const prefix = `Get "${url.href}": `;

const cases: Array<[string, unknown, string, string, boolean]> = [
  ["deno refused", denoError("tcp connect error: Connection refused (os error 111)"), "refused", "dial tcp registry.example:5000: connect: connection refused", false],
  ["bun refused", bunError("ECONNREFUSED", "ECONNREFUSED: Unable to connect. Is the computer able to access the url?"), "refused", "dial tcp registry.example:5000: connect: connection refused", false],
  ["deno dns", denoError("dns error: failed to lookup address information: Name or service not known"), "dns", "dial tcp: lookup registry.example: no such host", false],
  ["bun dns", bunError("ENOTFOUND", "getaddrinfo ENOTFOUND registry.example"), "dns", "dial tcp: lookup registry.example: no such host", false],
  ["deno no route", denoError("tcp connect error: No route to host (os error 113)"), "unreachable", "dial tcp registry.example:5000: connect: no route to host", false],
  ["bun no route", bunError("EHOSTUNREACH", "EHOSTUNREACH: Unable to connect. Is the computer able to access the url?"), "unreachable", "dial tcp registry.example:5000: connect: no route to host", false],
  ["deno self-signed", denoError("invalid peer certificate: UnknownIssuer"), "certificate", "tls: failed to verify certificate: x509: certificate signed by unknown authority", false],
  ["deno ca as leaf", denoError("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"), "certificate", "tls: failed to verify certificate: x509: certificate signed by unknown authority", false],
  ["bun self-signed", bunError("DEPTH_ZERO_SELF_SIGNED_CERT", "self signed certificate"), "certificate", "tls: failed to verify certificate: x509: certificate signed by unknown authority", false],
  ["deno expired", denoError("invalid peer certificate: Expired"), "certificate", "tls: failed to verify certificate: x509: certificate has expired or is not yet valid", false],
  ["bun expired", bunError("CERT_HAS_EXPIRED", "certificate has expired"), "certificate", "tls: failed to verify certificate: x509: certificate has expired or is not yet valid", false],
  ["deno wrong name", denoError("invalid peer certificate: NotValidForName"), "certificate", "tls: failed to verify certificate: x509: certificate is not valid for registry.example", false],
  ["bun wrong name", bunError("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames"), "certificate", "tls: failed to verify certificate: x509: certificate is not valid for registry.example", false],
  ["deno reset", denoError("connection reset by peer"), "reset", "read: connection reset by peer", true],
  ["bun reset", bunError("ECONNRESET", "The socket connection was closed unexpectedly."), "reset", "read: connection reset by peer", true],
  ["bun timeout", bunError("ETIMEDOUT", "ETIMEDOUT: operation timed out"), "timeout", "dial tcp registry.example:5000: i/o timeout", true],
];

for (const [name, error, kind, cause, retryable] of cases) {
  test(`describeFetchError() names ${name} as Go does`, async () => {
    const described = await describeFetchError(error, url);
    assert.ok(described instanceof RegistryConnectionError);
    assert.equal(described.kind, kind);
    assert.equal(described.message, prefix + cause);
    assert.equal(described.retryable, retryable);
    assert.equal(described.url, url.href);
    assert.equal(described.cause, error);
  });
}

test("describeFetchError() names the method as Go's client does", async () => {
  const described = await describeFetchError(bunError("ECONNREFUSED", "refused"), new URL("http://h/v2/x/blobs/uploads/"), "POST");
  assert.equal((described as Error).message, `Post "http://h/v2/x/blobs/uploads/": dial tcp h:80: connect: connection refused`);
});

test("describeFetchError() leaves aborts and non-network errors alone", async () => {
  const abort = new DOMException("stopped", "AbortError");
  assert.equal(await describeFetchError(abort, url), abort);
  const other = new RangeError("not a fetch failure");
  assert.equal(await describeFetchError(other, url), other);
});

test("describeFetchError() keeps an unknown failure's own words and lets it be retried", async () => {
  const described = await describeFetchError(denoError("something new"), url) as RegistryConnectionError;
  assert.equal(described.kind, "other");
  assert.equal(described.retryable, true);
  assert.match(described.message, /^Get "https:\/\/registry\.example:5000\/v2\/library\/tiny\/manifests\/latest": error sending request .*something new$/);
});
