import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicKey, verify } from "node:crypto";
import { createKeyPair, formatPrivateKey, KeyFormatError, loadOrCreateKeyPair, parsePrivateKey } from "./keypair.ts";

const sshKeygen = ["/usr/bin/ssh-keygen", "/usr/local/bin/ssh-keygen"].find((p) => existsSync(p));

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "tollama-key-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("loadOrCreateKeyPair() creates id_ed25519 (0600) and .pub (0644) once, then loads the same key", async () => {
  await withDir(async (dir) => {
    const path = join(dir, ".ollama", "id_ed25519");
    const created = await loadOrCreateKeyPair(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(`${path}.pub`)).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, ".ollama"))).mode & 0o777, 0o755);
    const pub = await readFile(`${path}.pub`, "utf8");
    assert.equal(pub, `${created.authorizedKey}\n`);
    assert.match(pub, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA[A-Za-z0-9+/]+=*\n$/);
    const text = await readFile(path, "utf8");
    assert.match(text, /^-----BEGIN OPENSSH PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,70}\n)+-----END OPENSSH PRIVATE KEY-----\n$/);
    const loaded = await loadOrCreateKeyPair(path);
    assert.equal(loaded.publicKeyField, created.publicKeyField);
    assert.equal(await readFile(path, "utf8"), text, "an existing key is never rewritten");
  });
});

test("KeyPair.sign() makes ed25519 signatures that node:crypto verify() accepts with the .pub key", async () => {
  await withDir(async (dir) => {
    const key = await createKeyPair(join(dir, "id_ed25519"));
    const wire = Buffer.from(key.publicKeyField, "base64");
    const raw = wire.subarray(wire.length - 32);
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
    const data = Buffer.from("GET,http://example/token?ts=1,abc");
    const signature = key.sign(data);
    assert.equal(signature.length, 64);
    assert.ok(verify(null, data, publicKey, signature));
    assert.ok(!verify(null, Buffer.from("GET,http://example/token?ts=2,abc"), publicKey, signature));
  });
});

test("createKeyPair() writes a key ssh-keygen reads (ssh-keygen -y prints the same public key)", {
  skip: sshKeygen ? false : "ssh-keygen is not installed",
}, async () => {
  await withDir(async (dir) => {
    const path = join(dir, "id_ed25519");
    const key = await createKeyPair(path);
    const result = spawnSync(sshKeygen!, ["-y", "-f", path], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim().split(" ").slice(0, 2).join(" "), key.authorizedKey);
  });
});

test("parsePrivateKey() reads a key ssh-keygen generated", {
  skip: sshKeygen ? false : "ssh-keygen is not installed",
}, async () => {
  await withDir(async (dir) => {
    const path = join(dir, "k");
    const made = spawnSync(sshKeygen!, ["-q", "-t", "ed25519", "-N", "", "-C", "me@host", "-f", path], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const key = parsePrivateKey(await readFile(path, "utf8"), path);
    assert.equal(key.authorizedKey, (await readFile(`${path}.pub`, "utf8")).trim().split(" ").slice(0, 2).join(" "));
  });
});

test("parsePrivateKey() rejects encrypted, truncated, foreign and mismatched keys with KeyFormatError", () => {
  assert.throws(() => parsePrivateKey("-----BEGIN RSA PRIVATE KEY-----\nAA\n-----END RSA PRIVATE KEY-----"), KeyFormatError);
  const good = formatPrivateKey(new Uint8Array(32).fill(7), new Uint8Array(32).fill(9));
  assert.throws(() => parsePrivateKey(good), /public key does not match private key/);
  const body = good.split("\n").slice(1, -2).join("");
  const truncated = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.slice(0, 100)}\n-----END OPENSSH PRIVATE KEY-----\n`;
  assert.throws(() => parsePrivateKey(truncated), /truncated key/);
  const encrypted = Buffer.from(body, "base64");
  encrypted.write("aes2", 15 + 4); // "none" → "aes2" in the cipher name
  assert.throws(
    () => parsePrivateKey(`-----BEGIN OPENSSH PRIVATE KEY-----\n${encrypted.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----`),
    /encrypted keys are not supported/,
  );
});

test("loadOrCreateKeyPair() reports a corrupt key file instead of replacing it", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "id_ed25519");
    await writeFile(path, "garbage");
    await assert.rejects(loadOrCreateKeyPair(path), KeyFormatError);
    assert.equal(await readFile(path, "utf8"), "garbage");
  });
});
