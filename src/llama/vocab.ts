/**
 * The model's vocabulary: tokenize, detokenize, pieces, special tokens. Owned by its Model (no own handle).
 * @module
 */
import type { LlamaFfi, Pointer } from "./ffi/types.ts";
import { utf8 } from "./strings.ts";

export interface TokenizeOptions {
  /** Add BOS/EOS as the model's metadata asks (llama.cpp's `add_special`). Default true. */
  addSpecial?: boolean;
  /** Turn special-token text such as `<|im_start|>` into its token (llama.cpp's `parse_special`). Default true. */
  parseSpecial?: boolean;
}

export class Vocab {
  readonly #ffi: LlamaFfi;
  readonly #handle: Pointer;
  readonly #assertOpen: () => void;
  /** Reused for pieces: the token loop calls piece() once per token. */
  #pieceBuffer = new Uint8Array(256);

  constructor(ffi: LlamaFfi, handle: Pointer, assertOpen: () => void) {
    this.#ffi = ffi;
    this.#handle = handle;
    this.#assertOpen = assertOpen;
  }

  get nTokens(): number {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_n_tokens(this.#handle);
  }

  /** 1 SPM, 2 BPE, 3 WPM, 4 UGM, 5 RWKV, 6 PLaMo-2. */
  get type(): number {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_type(this.#handle);
  }

  get bos(): number {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_bos(this.#handle);
  }

  get eos(): number {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_eos(this.#handle);
  }

  get eot(): number {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_eot(this.#handle);
  }

  get addBos(): boolean {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_get_add_bos(this.#handle);
  }

  get addEos(): boolean {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_get_add_eos(this.#handle);
  }

  /** End of generation: EOS, EOT and every other token the model marks as ending a turn. */
  isEog(token: number): boolean {
    return this.#ffi.fn.llama_vocab_is_eog(this.#handle, token);
  }

  isControl(token: number): boolean {
    this.#assertOpen();
    return this.#ffi.fn.llama_vocab_is_control(this.#handle, token);
  }

  /**
   * Text → token ids. With `addSpecial`, a text that itself starts with the BOS the tokenizer adds (templates and
   * Ollama's renderers write `<bos>`) gets one BOS, not two: llama.cpp's chat layer and Ollama drop the written one.
   */
  tokenize(text: string, options: TokenizeOptions = {}): number[] {
    this.#assertOpen();
    const bytes = utf8(text);
    const addSpecial = options.addSpecial ?? true;
    const parseSpecial = options.parseSpecial ?? true;
    let capacity = bytes.length + 8;
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = new Int32Array(capacity);
      const n = this.#ffi.fn.llama_tokenize(this.#handle, bytes, bytes.length, out, capacity, addSpecial, parseSpecial);
      if (n >= 0) {
        const doubled = addSpecial && n >= 2 && out[0] === out[1] && this.addBos && out[0] === this.bos;
        return Array.from(out.subarray(doubled ? 1 : 0, n));
      }
      if (n === -2147483648) throw new RangeError("text too long to tokenize");
      capacity = -n;
    }
    throw new Error("llama_tokenize kept asking for more room");
  }

  /** Token ids → text, as one string (handles SPM's leading space and multi-token characters). */
  detokenize(tokens: ArrayLike<number>, options: { removeSpecial?: boolean; unparseSpecial?: boolean } = {}): string {
    this.#assertOpen();
    const ids = Int32Array.from(tokens);
    let capacity = ids.length * 8 + 16;
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = new Uint8Array(capacity);
      const n = this.#ffi.fn.llama_detokenize(
        this.#handle,
        ids,
        ids.length,
        out,
        capacity,
        options.removeSpecial ?? false,
        options.unparseSpecial ?? false,
      );
      if (n >= 0) return new TextDecoder().decode(out.subarray(0, n));
      capacity = -n;
    }
    throw new Error("llama_detokenize kept asking for more room");
  }

  /**
   * The bytes of one token (may be part of a UTF-8 character; feed them to a streaming TextDecoder). The result
   * is a view of a reused buffer, valid until the next call. `special` renders control tokens as text.
   */
  piece(token: number, special = false): Uint8Array {
    let n = this.#ffi.fn.llama_token_to_piece(this.#handle, token, this.#pieceBuffer, this.#pieceBuffer.length, 0, special);
    if (n < 0) {
      this.#pieceBuffer = new Uint8Array(-n * 2);
      n = this.#ffi.fn.llama_token_to_piece(this.#handle, token, this.#pieceBuffer, this.#pieceBuffer.length, 0, special);
    }
    return this.#pieceBuffer.subarray(0, Math.max(0, n));
  }
}
