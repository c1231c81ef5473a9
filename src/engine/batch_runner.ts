/**
 * Continuous batching inside an inference Worker: one llama_context with `n_seq_max` sequences over a unified
 * KV cache; every running request owns one sequence (a "slot"). Each `step()` builds ONE llama_batch holding the
 * next token of every generating request plus chunks of pending prompts — capped while others generate, so a
 * long prompt never stalls their token stream for long — decodes it, and samples each request from its own
 * output row with its own sampler chain. Requests join and leave between steps; those beyond n_seq_max wait in
 * a queue here.
 *
 * Prefix cache: a finished request leaves its tokens in its slot's KV cache. A new request takes the free slot
 * sharing the longest token prefix with its prompt (multi-turn chat re-sends the history, so only the new turn is
 * computed), trims the rest (llama_memory_seq_rm), and copies a longer prefix held by another slot when there is
 * one (llama_memory_seq_cp: in a unified cache the cells are shared, not copied).
 * @module
 */
import { chooseSlot } from "./slot_choice.ts";
import type { Batch, Context, MediaChunk, Model, Projector } from "../llama/mod.ts";
import { AbortedError, ImageInputError } from "../llama/mod.ts";
import { fitPrompt, keepCount, shiftDiscard } from "./overflow.ts";
import type { CompletionRequest, DoneReason } from "./protocol.ts";
import { Sequence, type SequenceSink } from "./sequence.ts";

/** Most prompt tokens per step while other requests are generating (their next token waits for the step). */
const PREFILL_CHUNK_WHILE_GENERATING = 256;
/** Prefill tokens in a step from which the abort callback is installed (it costs a JS call per graph node). */
const ABORT_CALLBACK_FROM = 32;
/** Prompt tokens a copy of another slot's stream (non-unified cache: a whole KV buffer) must save. */
const MIN_STREAM_COPY_GAIN = 32;
/** Ollama bounds an open-ended generation (num_predict < 0) to this many contexts. */
const OPEN_ENDED_CONTEXTS = 10;

interface Slot {
  readonly id: number;
  /** Tokens whose KV entries this sequence holds, at positions 0..n-1. */
  tokens: number[];
  seq: Sequence | undefined;
  /** When the slot was last given or freed (least recently used slots are reused first). */
  lastUsed: number;
  /** When its current request was admitted (prefill goes oldest first). */
  admitted: number;
  /**
   * Positions below this may be cells shared with another slot (llama_memory_seq_cp): a shift must not move
   * them, since a cell has one position for all its sequences.
   */
  sharedUntil: number;
  /** Images in `tokens` that advance positions less than the cells they take (M-RoPE); empty otherwise. */
  images: HeldImage[];
}

/** An M-RoPE image held in a slot: cells `start`..`end` (token indexes), `nPos` positions from its start. */
interface HeldImage {
  readonly start: number;
  readonly end: number;
  readonly nPos: number;
}

export interface BatchRunnerOptions {
  /** Context length of one request. */
  nCtx: number;
  /** Requests decoded together (the context's n_seq_max). */
  nSeqMax: number;
  /** The context has one KV buffer for all sequences (cells can be shared by seq_cp). */
  unified: boolean;
  /** Logs a line (truncations, shifts). */
  log?: (message: string) => void;
  /** The model's vision projector, for requests with images (throws why there is none: no libmtmd, a bad file). */
  projector?: () => Projector;
}

export class BatchRunner {
  readonly #model: Model;
  readonly #context: Context;
  readonly #batch: Batch;
  readonly #nCtx: number;
  readonly #slots: Slot[];
  readonly #queue: Sequence[] = [];
  readonly #log: (message: string) => void;
  readonly #unified: boolean;
  readonly #projector: (() => Projector) | undefined;
  #clock = 0;

  constructor(model: Model, context: Context, batch: Batch, options: BatchRunnerOptions) {
    this.#model = model;
    this.#context = context;
    this.#batch = batch;
    this.#nCtx = options.nCtx;
    this.#log = options.log ?? (() => {});
    this.#unified = options.unified;
    this.#projector = options.projector;
    this.#slots = Array.from(
      { length: options.nSeqMax },
      (_, id) => ({ id, tokens: [], seq: undefined, lastUsed: 0, admitted: 0, sharedUntil: 0, images: [] }),
    );
  }

  /** Requests running or waiting. */
  get busy(): boolean {
    return this.#queue.length > 0 || this.#slots.some((s) => s.seq);
  }

  /** The prompt's token ids: given ids as they are, raw text as llama.cpp tokenizes it, else through the chat template. */
  promptTokens(request: CompletionRequest): number[] {
    if (typeof request.prompt !== "string") {
      const nVocab = this.#model.vocab.nTokens;
      for (const t of request.prompt) {
        if (!Number.isInteger(t) || t < 0 || t >= nVocab) throw new RangeError(`invalid token id ${t} in the prompt`);
      }
      return request.prompt;
    }
    let text = request.prompt;
    if (!request.raw && this.#model.chatTemplate() !== undefined) {
      text = this.#model.applyChatTemplate([{ role: "user", content: request.prompt }], true);
    }
    return this.#model.vocab.tokenize(text, { addSpecial: request.addSpecial ?? true, parseSpecial: true });
  }

  /** Queues a request; errors in the request itself (bad ids, too long a prompt) go to `sink.fail` at once. */
  submit(request: CompletionRequest, sink: SequenceSink): void {
    let sequence: Sequence;
    let media: { tokens: number[]; media: NonNullable<Sequence["media"]> } | undefined;
    try {
      if (sink.cancelled()) throw new AbortedError();
      media = request.images?.length ? this.#mediaPrompt(request) : undefined;
      const original = media?.tokens ?? this.promptTokens(request);
      if (original.length === 0) throw new RangeError("the prompt is empty after tokenization");
      const options = request.options ?? {};
      const nCtx = this.#nCtx;
      const addsBos = this.#model.vocab.addBos;
      const numKeep = options.num_keep ?? 4;
      const fitted = fitPrompt(original, {
        nCtx,
        numKeep,
        addsBos,
        shift: request.shift ?? true,
        // a cut through an image would leave half an image: a prompt with images must fit as it is
        truncate: media ? false : request.truncate ?? true,
      });
      if (fitted.dropped > 0) {
        this.#log(`truncating input prompt: limit ${nCtx}, prompt ${original.length}, keep ${numKeep}, new ${fitted.tokens.length}`);
      }
      const limit = OPEN_ENDED_CONTEXTS * nCtx;
      const wanted = options.num_predict ?? -1;
      sequence = new Sequence(request, sink, {
        original,
        prompt: fitted.tokens,
        dropped: fitted.dropped,
        keep: keepCount(numKeep, fitted.tokens.length, addsBos, nCtx),
        numPredict: wanted < 0 || wanted > limit ? limit : wanted,
      });
      if (media) sequence.media = media.media;
    } catch (error) {
      media?.media.prompt.close();
      sink.fail(error as Error);
      return;
    }
    this.#queue.push(sequence);
  }

  /** Ends every request with `error` (the model is closing). */
  cancelAll(error: Error): void {
    for (const sequence of this.#queue.splice(0)) sequence.fail(error);
    for (const slot of this.#slots) {
      if (slot.seq) this.#release(slot, (s) => s.fail(error), true);
    }
  }

  /** One decode: admits waiting requests, builds the batch, decodes it, samples. */
  step(): void {
    this.#admit();
    const batch = this.#batch;
    batch.clear();
    const members: Slot[] = [];
    let generating = 0;
    for (const slot of this.#slots) {
      const seq = slot.seq;
      if (!seq || seq.pending === undefined) continue;
      if (seq.sink.cancelled()) {
        this.#release(slot, (s) => s.fail(), true);
        continue;
      }
      if (slot.tokens.length + 1 >= this.#nCtx && !(seq.shift && this.#shift(slot, seq))) {
        this.#release(slot, (s) => s.finish("length"));
        continue;
      }
      seq.batchStart = slot.tokens.length;
      seq.batchCount = 1;
      seq.outIndex = batch.add(seq.pending, positionOf(slot.images, seq.batchStart), slot.id, true);
      members.push(slot);
      generating++;
    }
    let budget = batch.capacity - batch.length;
    if (generating > 0) budget = Math.min(budget, PREFILL_CHUNK_WHILE_GENERATING);
    let prefill = 0;
    for (const slot of this.#byAge()) {
      const seq = slot.seq!;
      if (!seq.prefilling) continue;
      if (seq.sink.cancelled()) {
        this.#release(slot, (s) => s.fail(), true);
        continue;
      }
      if (seq.media) {
        const span = seq.media.spans.get(seq.next);
        if (span) {
          // an image goes through the projector into this sequence on its own (a batch of embeddings)
          this.#evalImage(slot, seq, span);
          continue;
        }
      }
      if (budget <= 0) continue;
      let count = Math.min(budget, seq.prompt.length - seq.next);
      if (seq.media) {
        const nextImage = seq.media.starts.find((start) => start > seq.next);
        if (nextImage !== undefined) count = Math.min(count, nextImage - seq.next);
      }
      seq.batchStart = seq.next;
      seq.batchCount = count;
      // positions trail token indexes by what M-RoPE images before saved (a run of text never spans an image)
      const offset = positionOf(slot.images, seq.next) - seq.next;
      for (let k = 0; k < count; k++) {
        const at = seq.next + k;
        const last = at === seq.prompt.length - 1;
        const i = batch.add(seq.prompt[at], at + offset, slot.id, last);
        if (last) seq.outIndex = i;
      }
      budget -= count;
      prefill += count;
      members.push(slot);
    }
    if (members.length === 0) return;
    this.#decode(members, prefill);
  }

  /** Tokenizes a prompt with images through the projector: text tokens, and hash-derived ids at image positions. */
  #mediaPrompt(request: CompletionRequest): { tokens: number[]; media: NonNullable<Sequence["media"]> } {
    if (!this.#projector) throw new ImageInputError("this model does not support images");
    const projector = this.#projector();
    if (typeof request.prompt !== "string") throw new ImageInputError("images need a text prompt");
    const images = request.images!;
    let text = request.prompt;
    if (!request.raw && this.#model.chatTemplate() !== undefined) {
      text = this.#model.applyChatTemplate([{ role: "user", content: request.prompt }], true);
    }
    // Ollama's placeholders: `[img-N]` puts image N there; images the prompt does not place go before the text
    const order: number[] = [];
    text = text.replace(/\[img-(\d+)\]/g, (tag, n) => {
      const index = Number(n);
      if (index >= images.length || order.includes(index)) return tag;
      order.push(index);
      return projector.marker;
    });
    const unplaced = images.map((_, i) => i).filter((i) => !order.includes(i));
    text = projector.marker.repeat(unplaced.length) + text;
    order.unshift(...unplaced);
    const prompt = projector.tokenize(text, order.map((i) => images[i]), {
      addSpecial: request.addSpecial ?? true,
      parseSpecial: true,
    });
    const tokens: number[] = [];
    const spans = new Map<number, { n: number; chunk: MediaChunk }>();
    for (const chunk of prompt.chunks) {
      if (chunk.type === "text") {
        tokens.push(...chunk.tokens);
        continue;
      }
      if (chunk.nonCausal && chunk.nTokens > this.#context.nUbatch) {
        prompt.close();
        throw new ImageInputError(
          `an image of this model takes ${chunk.nTokens} tokens, decoded in one batch: set num_batch to at least ${chunk.nTokens}`,
        );
      }
      spans.set(tokens.length, { n: chunk.nTokens, chunk });
      const base = parseInt(chunk.hash.slice(0, 7), 16);
      for (let k = 0; k < chunk.nTokens; k++) tokens.push(-1 - ((base + k) % 0x4000_0000));
    }
    return { tokens, media: { prompt, spans, starts: [...spans.keys()] } };
  }

  /** Evaluates the image starting at the sequence's next position; an image that ends the prompt is sampled after. */
  #evalImage(slot: Slot, seq: Sequence, span: { n: number; chunk: MediaChunk }): void {
    const last = seq.next + span.n === seq.prompt.length;
    try {
      seq.media!.prompt.evalImage(this.#context, span.chunk, positionOf(slot.images, seq.next), slot.id, last);
    } catch (error) {
      this.#release(slot, (s) => s.fail(error as Error), true);
      return;
    }
    const nPos = span.chunk.type === "image" ? span.chunk.nPos : span.n;
    if (nPos !== span.n) slot.images.push({ start: seq.next, end: seq.next + span.n, nPos });
    for (let k = 0; k < span.n; k++) slot.tokens.push(seq.prompt[seq.next + k]);
    seq.next += span.n;
    if (!last) return;
    seq.outIndex = -1; // the last row of the image's decode
    let reason: DoneReason | undefined;
    try {
      reason = seq.sample(this.#context, this.#model);
    } catch (error) {
      this.#release(slot, (s) => s.fail(error as Error), true);
      return;
    }
    if (reason) this.#release(slot, (s) => s.finish(reason));
  }

  #decode(members: Slot[], prefill: number): void {
    const context = this.#context;
    const watched = prefill >= ABORT_CALLBACK_FROM;
    // Abort a decode only when every request in it is cancelled: the others' work must not be lost.
    if (watched) context.setAbort(() => members.every((slot) => slot.seq?.sink.cancelled() ?? true));
    try {
      context.decode(this.#batch);
    } catch (error) {
      // what the failed decode wrote stays in the cache: drop each member's part of it
      for (const slot of members) {
        const failed = error instanceof AbortedError ? new AbortedError() : error as Error;
        this.#release(slot, (s) => s.fail(failed), true);
      }
      return;
    } finally {
      if (watched) context.setAbort(null);
    }
    for (const slot of members) {
      const seq = slot.seq!;
      if (seq.pending !== undefined && !seq.prefilling) {
        slot.tokens.push(seq.pending);
        seq.pending = undefined;
      } else {
        for (let k = 0; k < seq.batchCount; k++) slot.tokens.push(seq.prompt[seq.batchStart + k]);
        seq.next += seq.batchCount;
        if (seq.prefilling) continue;
      }
      let reason: DoneReason | undefined;
      try {
        reason = seq.sample(context, this.#model);
      } catch (error) {
        this.#release(slot, (s) => s.fail(error as Error), true);
        continue;
      }
      if (reason) this.#release(slot, (s) => s.finish(reason));
    }
  }

  /** Moves waiting requests into free slots, each onto the slot whose cache shares the longest prefix. */
  #admit(): void {
    while (this.#queue.length > 0) {
      const seq = this.#queue[0];
      if (seq.sink.cancelled()) {
        this.#queue.shift();
        seq.fail();
        continue;
      }
      const free = this.#slots.filter((s) => !s.seq);
      if (free.length === 0) return;
      this.#queue.shift();
      const prompt = seq.prompt;
      const max = prompt.length - 1; // evaluate at least one token: its logits give the first output
      const common = (slot: Slot) => Math.min(commonPrefix(slot.tokens, prompt), max);
      const slot = chooseSlot(free, common);
      let best = common(slot);
      // a longer prefix in another slot (running or not) is shared into this one; separate streams copy the whole
      // buffer, which pays only for a real gain
      let source: Slot | undefined;
      let shared = best + (this.#unified ? 0 : MIN_STREAM_COPY_GAIN - 1);
      for (const other of this.#slots) {
        if (other === slot) continue;
        const n = common(other);
        if (n > shared) [source, shared] = [other, n];
      }
      if (source) best = shared;
      // a cached prefix that ends inside an image starts that image again
      for (const [start, span] of seq.media?.spans ?? []) if (best > start && best < start + span.n) best = start;
      const context = this.#context;
      if (source) {
        // the KV cache cuts by position: where token `best` sits in the source (the same in the copy)
        const cut = positionOf(source.images, best);
        context.seqRm(slot.id, -1, -1);
        if (this.#unified) {
          context.seqCp(source.id, slot.id, 0, cut);
          slot.sharedUntil = best;
          source.sharedUntil = Math.max(source.sharedUntil, best);
        } else {
          // separate streams copy whole sequences only (a buffer copy), then the tail goes
          context.seqCp(source.id, slot.id, -1, -1);
          context.seqRm(slot.id, cut, -1);
        }
        slot.tokens = source.tokens.slice(0, best);
        slot.images = source.images;
      } else if (!context.seqRm(slot.id, positionOf(slot.images, best), -1)) {
        context.seqRm(slot.id, -1, -1); // a memory that cannot cut a sequence in the middle
        best = 0;
      }
      slot.tokens.length = best;
      slot.images = slot.images.filter((image) => image.end <= best);
      slot.sharedUntil = Math.min(slot.sharedUntil, best);
      slot.seq = seq;
      slot.admitted = ++this.#clock;
      try {
        seq.start(this.#model, best, this.#nCtx);
      } catch (error) {
        this.#release(slot, (s) => s.fail(error as Error));
      }
    }
  }

  /** Frees the context of a sequence that reached the end: keep the first `keep` tokens, drop half of the rest. */
  #shift(slot: Slot, seq: Sequence): boolean {
    // llama.cpp cannot move M-RoPE positions (it aborts the process): such a model ends at the context's length
    if (slot.images.length > 0 || !this.#context.canShift) return false;
    const used = slot.tokens.length;
    // shared cells stay where they are: keep them too
    const keep = Math.max(Math.min(seq.keep, used - 1), slot.sharedUntil);
    if (keep >= used - 1) return false;
    const discard = shiftDiscard(used, keep);
    const context = this.#context;
    context.seqRm(slot.id, keep, keep + discard);
    context.seqAdd(slot.id, keep + discard, used, -discard);
    slot.tokens.splice(keep, discard);
    seq.shifted = true;
    this.#log(`context shift: sequence ${slot.id} kept ${keep}, dropped ${discard} of ${used} tokens`);
    return true;
  }

  /** Ends the slot's request through `end`; `clear` also drops its KV (cancelled, failed, or shifted). */
  #release(slot: Slot, end: (seq: Sequence) => void, clear = false): void {
    const seq = slot.seq;
    slot.seq = undefined;
    slot.lastUsed = ++this.#clock;
    if (clear || seq?.shifted) {
      this.#context.seqRm(slot.id, -1, -1);
      slot.tokens = [];
      slot.sharedUntil = 0;
      slot.images = [];
    }
    if (seq) end(seq);
  }

  /** Slots with a request, oldest request first (prefill order). */
  #byAge(): Slot[] {
    return this.#slots.filter((s) => s.seq).sort((a, b) => a.admitted - b.admitted);
  }
}

/** Where token `index` of a slot sits: its index, less the positions M-RoPE images before it did not take. */
function positionOf(images: readonly HeldImage[], index: number): number {
  let position = index;
  for (const image of images) if (image.end <= index) position -= image.end - image.start - image.nPos;
  return position;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
