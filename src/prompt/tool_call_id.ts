/**
 * Tool-call ids for calls a model's format writes without one.
 * @module
 */
import { randomBytes } from "node:crypto";

/** `call_` + 8 random lower-case letters and digits, as Ollama makes them. */
export function makeToolCallId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let id = "call_";
  for (const byte of randomBytes(8)) id += alphabet[byte % alphabet.length];
  return id;
}
