/**
 * Ollama's identity key: an ed25519 pair at `~/.ollama/id_ed25519` (OpenSSH private key, mode 0600) and
 * `id_ed25519.pub` (authorized_keys line, 0644). Files written here are readable by `ssh-keygen -y` and by Ollama
 * itself; files written by Ollama (Go's ssh.MarshalPrivateKey) load here. Unencrypted keys only, as Ollama's.
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { config } from "../config.ts";

const MAGIC = "openssh-key-v1\0";
const KEY_TYPE = "ssh-ed25519";

/** Thrown for a key file that is not an unencrypted OpenSSH ed25519 private key. */
export class KeyFormatError extends Error {
  constructor(path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = "KeyFormatError";
  }
}

/** A loaded identity: signs bytes and names itself by its public key. */
export class KeyPair {
  readonly #privateKey: KeyObject;
  /** The 32 raw public key bytes. */
  readonly publicKeyRaw: Uint8Array;

  constructor(seed: Uint8Array, publicKeyRaw: Uint8Array) {
    this.#privateKey = createPrivateKey({
      key: { kty: "OKP", crv: "Ed25519", d: b64url(seed), x: b64url(publicKeyRaw) },
      format: "jwk",
    });
    this.publicKeyRaw = publicKeyRaw;
  }

  /** The base64 field of the authorized_keys line (`AAAAC3NzaC1lZDI1NTE5AAAA…`), as Ollama sends it. */
  get publicKeyField(): string {
    return Buffer.from(publicWire(this.publicKeyRaw)).toString("base64");
  }

  /** `ssh-ed25519 <base64>`: the `.pub` file's line, without newline. */
  get authorizedKey(): string {
    return `${KEY_TYPE} ${this.publicKeyField}`;
  }

  /** The public key as a node:crypto KeyObject (for verifying). */
  publicKey(): KeyObject {
    return createPublicKey(this.#privateKey);
  }

  /** Raw 64-byte ed25519 signature over `data`. */
  sign(data: Uint8Array | string): Uint8Array {
    return new Uint8Array(sign(null, typeof data === "string" ? Buffer.from(data) : data, this.#privateKey));
  }
}

/** Default location of the private key: `~/.ollama/id_ed25519`. */
export function defaultKeyPath(): string {
  return join(config.homeDir(), ".ollama", "id_ed25519");
}

/** Loads the key at `path`, creating the pair (private 0600, `.pub` 0644, dir 0755) when it does not exist. */
export async function loadOrCreateKeyPair(path: string = defaultKeyPath()): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return await createKeyPair(path);
  }
  return parsePrivateKey(text, path);
}

/** Generates a fresh pair and writes both files (each through a temp file and rename, so none is half-written). */
export async function createKeyPair(path: string = defaultKeyPath()): Promise<KeyPair> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const seed = Buffer.from(jwk.d!, "base64url");
  const pair = new KeyPair(seed, Buffer.from(jwk.x!, "base64url"));
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeAtomic(path, formatPrivateKey(seed, pair.publicKeyRaw), 0o600);
  await writeAtomic(`${path}.pub`, pair.authorizedKey + "\n", 0o644);
  return pair;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  // flag "wx": never follow or reuse an existing file, and the mode applies at creation
  await writeFile(temp, text, { mode, flag: "wx" });
  await rename(temp, path);
}

/** The OpenSSH PEM text of an unencrypted ed25519 private key (PROTOCOL.key), comment empty, as Go writes it. */
export function formatPrivateKey(seed: Uint8Array, publicKeyRaw: Uint8Array, comment = ""): string {
  const check = randomBytes(4);
  const inner = [
    check,
    check,
    sshString(KEY_TYPE),
    sshString(publicKeyRaw),
    sshString(Buffer.concat([seed, publicKeyRaw])),
    sshString(comment),
  ];
  let privateSection = Buffer.concat(inner);
  const pad = (8 - (privateSection.length % 8)) % 8;
  privateSection = Buffer.concat([privateSection, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const blob = Buffer.concat([
    Buffer.from(MAGIC, "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(publicWire(publicKeyRaw)),
    sshString(privateSection),
  ]);
  const base64 = blob.toString("base64").replace(/.{1,70}/g, "$&\n");
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${base64}-----END OPENSSH PRIVATE KEY-----\n`;
}

/** Reads an OpenSSH PEM private key; only unencrypted ed25519 keys are accepted. */
export function parsePrivateKey(text: string, path = "private key"): KeyPair {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!match) throw new KeyFormatError(path, "not an OpenSSH private key");
  const reader = new WireReader(Buffer.from(match[1].replace(/\s+/g, ""), "base64"), path);
  if (reader.bytes(MAGIC.length).toString("latin1") !== MAGIC) throw new KeyFormatError(path, "bad magic");
  const cipher = reader.string().toString();
  const kdf = reader.string().toString();
  reader.string();
  if (cipher !== "none" || kdf !== "none") throw new KeyFormatError(path, "encrypted keys are not supported");
  if (reader.uint32() !== 1) throw new KeyFormatError(path, "expected exactly one key");
  reader.string(); // public key, repeated inside the private section
  const section = new WireReader(reader.string(), path);
  if (section.uint32() !== section.uint32()) throw new KeyFormatError(path, "check bytes differ (corrupt key)");
  const type = section.string().toString();
  if (type !== KEY_TYPE) throw new KeyFormatError(path, `key type ${type} is not ${KEY_TYPE}`);
  const publicKeyRaw = section.string();
  const secret = section.string();
  if (publicKeyRaw.length !== 32 || secret.length !== 64) throw new KeyFormatError(path, "bad ed25519 key length");
  const pair = new KeyPair(secret.subarray(0, 32), publicKeyRaw);
  // A key whose public half does not belong to its seed would sign with one key and name another.
  const derived = createPublicKey(createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", d: b64url(secret.subarray(0, 32)), x: b64url(publicKeyRaw) },
    format: "jwk",
  })).export({ format: "jwk" }).x;
  if (derived !== b64url(publicKeyRaw)) throw new KeyFormatError(path, "public key does not match private key");
  return pair;
}

/** The SSH wire encoding of an ed25519 public key: string "ssh-ed25519", string <32 bytes>. */
function publicWire(raw: Uint8Array): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(raw)]);
}

function uint32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
}

function sshString(value: string | Uint8Array): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value) : Buffer.from(value);
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

class WireReader {
  #offset = 0;
  readonly #buffer: Buffer;
  readonly #path: string;
  constructor(buffer: Buffer, path: string) {
    this.#buffer = buffer;
    this.#path = path;
  }
  bytes(n: number): Buffer {
    if (this.#offset + n > this.#buffer.length) throw new KeyFormatError(this.#path, "truncated key");
    const out = this.#buffer.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
}
