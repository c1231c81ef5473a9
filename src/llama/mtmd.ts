/**
 * Images through llama.cpp's libmtmd: a `Projector` (an mmproj GGUF loaded for a text model) turns a prompt with
 * media markers plus the original image files' bytes into a `MediaPrompt` — text chunks (token ids) and image
 * chunks (evaluated by the projector, then decoded into the context as embeddings). libmtmd is not in the npm
 * package: scripts/build_mtmd.mjs builds it at install; without it, only an image request fails, and says why.
 * @module
 */
import { createHash } from "node:crypto";
import type { Context } from "./context.ts";
import { locateMtmd } from "./ffi/locate.ts";
import { structLayout } from "./ffi/symbols.ts";
import type { LlamaFfi, MtmdFunctions, Pointer } from "./ffi/types.ts";
import { NativeHandle } from "./handle.ts";
import type { Model } from "./model.ts";
import { cstr, utf8 } from "./strings.ts";
import { LayoutMismatchError, readField } from "./check_layout.ts";
import { isWebp, WebpDecodeError, webpToPng } from "../image/mod.ts";

/** No libmtmd next to libllama nor in lib/: the install could not build it (no C++ compiler). */
export class MtmdUnavailableError extends Error {
  readonly status = 500;
  constructor(libDir: string) {
    super(
      `images need libmtmd, which is not next to libllama in ${libDir}: ` +
        "install g++ and run `node scripts/build_mtmd.mjs` (npm install runs it), or put libmtmd.so beside libllama",
    );
    this.name = "MtmdUnavailableError";
  }
}

/** The projector file could not be loaded for this model. */
export class ProjectorLoadError extends Error {
  constructor(readonly path: string) {
    super(`failed to load the vision projector ${path} (not an mmproj GGUF libmtmd supports, or not made for this model)`);
    this.name = "ProjectorLoadError";
  }
}

/** An image the decoder refused (not PNG/JPEG/BMP/GIF/WebP, truncated, too large) or a prompt that does not match its images. */
export class ImageInputError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = "ImageInputError";
  }
}

/** One piece of a tokenized multimodal prompt. */
export type MediaChunk =
  | { readonly type: "text"; readonly tokens: number[] }
  | {
    readonly type: "image";
    /** KV cells it takes (one per embedding). */
    readonly nTokens: number;
    /**
     * Positions it advances the sequence by: = nTokens, but for M-RoPE projectors (Qwen2-VL family), whose
     * tokens sit on a 2-D grid from one start position, max(grid width, grid height).
     */
    readonly nPos: number;
    /** The image's content hash: the prefix cache keys on it. */
    readonly hash: string;
    /** Its tokens attend to each other both ways (gemma3): they must fit in one ubatch. */
    readonly nonCausal: boolean;
    readonly pointer: Pointer;
  };

const bound = new WeakMap<LlamaFfi, MtmdFunctions>();

/** libmtmd bound once per thread (per `LlamaFfi`), its log routed to libllama's logger. */
function mtmdFunctions(model: Model, libraryPath?: string): MtmdFunctions {
  const ffi = model.llama.ffi;
  const cached = bound.get(ffi);
  if (cached) return cached;
  const path = libraryPath ?? locateMtmd(model.llama.libDir);
  if (!path) throw new MtmdUnavailableError(model.llama.libDir);
  const fn = ffi.mtmd(path);
  // a libmtmd from another llama.cpp release (LLAMA_LIB_DIR) may lay its params out differently: refuse it
  const defaults = fn.mtmd_context_params_default();
  const layout = structLayout("mtmd_context_params");
  const mismatches = layout.fields
    .filter(([field, , expected]) => expected !== undefined && Number(readField(defaults, "mtmd_context_params", field)) !== expected)
    .map(([field, , expected]) => `mtmd_context_params.${field} = ${readField(defaults, "mtmd_context_params", field)}, expected ${expected}`);
  if (mismatches.length) throw new LayoutMismatchError(mismatches, path);
  // libmtmd logs to stderr by default; hand it the process logger libllama already has
  const callback = new BigUint64Array(1);
  const userData = new BigUint64Array(1);
  ffi.fn.llama_log_get(callback, userData);
  fn.mtmd_helper_log_set(ffi.pointer(callback[0]), ffi.pointer(userData[0]));
  bound.set(ffi, fn);
  return fn;
}

export interface ProjectorOptions {
  /** Threads of the image encoder (use the context's). */
  nThreads: number;
  /** libmtmd's path (default: located next to libllama, then lib/). */
  libraryPath?: string;
}

/** An mmproj GGUF loaded for a text model (CPU only, no warm-up pass). Closed with its model. */
export class Projector extends NativeHandle {
  readonly model: Model;
  readonly path: string;
  readonly handle: Pointer;
  readonly #fn: MtmdFunctions;
  /** The marker text that stands for one image in a prompt given to `tokenize`. */
  readonly marker: string;

  private constructor(model: Model, path: string, handle: Pointer, fn: MtmdFunctions) {
    super("projector", model);
    this.model = model;
    this.path = path;
    this.handle = handle;
    this.#fn = fn;
    this.marker = model.llama.ffi.cstring(fn.mtmd_default_marker());
  }

  static load(model: Model, path: string, options: ProjectorOptions): Projector {
    const fn = mtmdFunctions(model, options.libraryPath);
    const ffi = model.llama.ffi;
    const params = fn.mtmd_context_params_default();
    const view = new DataView(params.buffer, params.byteOffset, params.byteLength);
    const at = structLayout("mtmd_context_params").offsets;
    // the defaults ask for the GPU, 4 threads, timings on stderr and a warm-up encode: none of that here
    view.setUint8(at.use_gpu, 0);
    view.setUint8(at.print_timings, 0);
    view.setUint8(at.warmup, 0);
    view.setInt32(at.n_threads, Math.max(1, Math.trunc(options.nThreads)), true);
    const handle = fn.mtmd_init_from_file(cstr(path), model.handle, params);
    if (ffi.address(handle) === 0n) throw new ProjectorLoadError(path);
    if (!fn.mtmd_support_vision(handle)) {
      fn.mtmd_free(handle);
      throw new ProjectorLoadError(path);
    }
    return new Projector(model, path, handle, fn);
  }

  /**
   * M-RoPE models (Qwen2-VL…) place an image's tokens on a 2-D grid of positions from one start: the image
   * advances the sequence by its chunk's `nPos`, fewer positions than the KV cells it takes.
   */
  get usesMrope(): boolean {
    this.assertOpen();
    return this.#fn.mtmd_decode_use_mrope(this.handle);
  }

  /**
   * Tokenizes `text` (with one `marker` per image, in order) and decodes each image from its file bytes
   * (PNG, JPEG, BMP, GIF: stb_image; WebP through src/image/). Throws ImageInputError for an image that cannot be decoded.
   */
  tokenize(text: string, images: readonly Uint8Array[], options: { addSpecial: boolean; parseSpecial: boolean }): MediaPrompt {
    this.assertOpen();
    const fn = this.#fn;
    const ffi = this.model.llama.ffi;
    const bitmaps: Pointer[] = [];
    const hashes: string[] = [];
    const free = () => bitmaps.forEach((b) => fn.mtmd_bitmap_free(b));
    try {
      const opt = fn.mtmd_helper_init_opt_default();
      images.forEach((bytes, i) => {
        if (bytes.length === 0) throw new ImageInputError(`image ${i} is empty`);
        let data = bytes;
        if (isWebp(bytes)) {
          // stb_image reads no WebP (libmtmd decodes it only in a build with ffmpeg): as Ollama does, decode it and
          // hand the decoder the same pixels as PNG
          try {
            data = webpToPng(bytes, { wasmDirs: [this.model.llama.libDir] });
          } catch (error) {
            if (!(error instanceof WebpDecodeError)) throw error;
            throw new ImageInputError(`image ${i} is WebP that could not be decoded: ${error.message}`);
          }
        }
        const wrapper = fn.mtmd_helper_bitmap_init_from_buf(this.handle, data, data.length, false, opt);
        const address = new DataView(wrapper.buffer, wrapper.byteOffset).getBigUint64(0, true);
        if (address === 0n) {
          throw new ImageInputError(`image ${i} could not be decoded: not a PNG, JPEG, BMP or GIF image, or truncated`);
        }
        const bitmap = ffi.pointer(address);
        bitmaps.push(bitmap);
        if (fn.mtmd_bitmap_is_audio(bitmap)) throw new ImageInputError(`image ${i} is audio, which this model cannot take`);
        hashes.push(createHash("sha256").update(bytes).digest("hex"));
      });
      const textBytes = utf8(text);
      const textz = new Uint8Array(textBytes.length + 1);
      textz.set(textBytes);
      const input = new Uint8Array(structLayout("mtmd_input_text").size);
      const at = structLayout("mtmd_input_text").offsets;
      const view = new DataView(input.buffer);
      view.setBigUint64(at.text, ffi.bufferAddress(textz), true);
      view.setBigUint64(at.text_len, BigInt(textBytes.length), true);
      view.setUint8(at.add_special, options.addSpecial ? 1 : 0);
      view.setUint8(at.parse_special, options.parseSpecial ? 1 : 0);
      const list = new BigUint64Array(Math.max(1, bitmaps.length));
      bitmaps.forEach((b, i) => (list[i] = ffi.address(b)));
      const chunks = fn.mtmd_input_chunks_init();
      const rc = fn.mtmd_tokenize(this.handle, chunks, input, list, bitmaps.length);
      // keep the text alive through the call (the struct holds only its address)
      void textz.length;
      if (rc !== 0) {
        fn.mtmd_input_chunks_free(chunks);
        throw new ImageInputError(
          rc === 1
            ? `the prompt has a different number of image places than the ${images.length} image(s) given`
            : "an image could not be preprocessed for this model's projector",
        );
      }
      return new MediaPrompt(this, fn, chunks, hashes);
    } finally {
      free(); // the chunks hold their own copies of the preprocessed images
    }
  }

  protected free(): void {
    this.#fn.mtmd_free(this.handle);
  }
}

/** A tokenized multimodal prompt: owns libmtmd's chunks until closed. */
export class MediaPrompt extends NativeHandle {
  readonly chunks: MediaChunk[];
  readonly #projector: Projector;
  readonly #fn: MtmdFunctions;
  readonly #handle: Pointer;

  constructor(projector: Projector, fn: MtmdFunctions, handle: Pointer, hashes: string[]) {
    super("media prompt", projector);
    this.#projector = projector;
    this.#fn = fn;
    this.#handle = handle;
    const ffi = projector.model.llama.ffi;
    const chunks: MediaChunk[] = [];
    const count = Number(fn.mtmd_input_chunks_size(handle));
    const nTokens = new BigUint64Array(1);
    let image = 0;
    for (let i = 0; i < count; i++) {
      const chunk = fn.mtmd_input_chunks_get(handle, i);
      const type = fn.mtmd_input_chunk_get_type(chunk);
      if (type === 0) {
        const tokens = fn.mtmd_input_chunk_get_tokens_text(chunk, nTokens);
        const n = Number(nTokens[0]);
        chunks.push({ type: "text", tokens: n === 0 ? [] : Array.from(new Int32Array(ffi.view(tokens, n * 4))) });
      } else {
        chunks.push({
          type: "image",
          nTokens: Number(fn.mtmd_input_chunk_get_n_tokens(chunk)),
          nPos: fn.mtmd_input_chunk_get_n_pos(chunk),
          hash: hashes[image++] ?? "",
          nonCausal: fn.mtmd_decode_use_non_causal(projector.handle, chunk),
          pointer: chunk,
        });
      }
    }
    this.chunks = chunks;
  }

  /** KV cells the whole prompt takes. */
  get nTokens(): number {
    return this.chunks.reduce((n, c) => n + (c.type === "text" ? c.tokens.length : c.nTokens), 0);
  }

  /** Positions the whole prompt advances a sequence by (fewer than nTokens for M-RoPE images). */
  get nPos(): number {
    return this.chunks.reduce((n, c) => n + (c.type === "text" ? c.tokens.length : c.nPos), 0);
  }

  /**
   * Encodes an image chunk and decodes its embeddings into `context` for sequence `seqId` from position `nPast`
   * (M-RoPE: on its 2-D grid from there); `logitsLast`: the last embedding gets logits (an image that ends the
   * prompt). Returns the position after the image (`nPast + chunk.nPos`).
   */
  evalImage(context: Context, chunk: MediaChunk, nPast: number, seqId: number, logitsLast: boolean): number {
    this.assertOpen();
    if (chunk.type !== "image") throw new TypeError("evalImage takes an image chunk");
    const out = new Int32Array(1);
    const rc = this.#fn.mtmd_helper_eval_chunk_single(
      this.#projector.handle,
      context.handle,
      chunk.pointer,
      nPast,
      seqId,
      context.nBatch,
      logitsLast,
      out,
    );
    if (rc !== 0) throw new ImageInputError(`the image could not be evaluated (libmtmd returned ${rc})`);
    return out[0];
  }

  protected free(): void {
    this.#fn.mtmd_input_chunks_free(this.#handle);
  }
}
