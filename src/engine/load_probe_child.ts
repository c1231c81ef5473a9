/**
 * The child side of the load probe (load_probe.ts): this program started again as `tollama __probe-load <path>`
 * loads the model for real (vocabulary and weights), builds a small context (libllama builds its graphs there) and
 * decodes one token (the CPU kernels run on every weight: a tensor of the wrong type often aborts only there), then
 * exits 0. A libllama assert ends this process instead of the server; a clean refusal exits with
 * {@link PROBE_REFUSED} and the reason as JSON on stdout.
 * @module
 */
import process from "node:process";
import { config } from "../config.ts";
import { runtime } from "../runtime/mod.ts";
import { loadModelFile } from "../compat/mod.ts";
import { Batch, Llama } from "../llama/mod.ts";

/** The hidden subcommand (not in the help): `tollama __probe-load <model path>`. */
export const LOAD_PROBE_COMMAND = "__probe-load";
/** Exit code of a probe whose model libllama refused with an error (no crash). */
export const PROBE_REFUSED = 3;
/** Tokens of the probe's context: llama.cpp pads a context to 256 anyway. */
const PROBE_CONTEXT = 256;
/** Below this many bytes of weights the probe's one-token decode runs on one thread. */
const SMALL_MODEL_BYTES = 1 << 30;

/** Runs the probe for `args` (`[path]`) and returns the exit code. */
export async function runLoadProbe(args: string[]): Promise<number> {
  const path = args[0];
  if (!path) {
    process.stderr.write(`usage: tollama ${LOAD_PROBE_COMMAND} <model path>\n`);
    return 2;
  }
  try {
    const llama = await Llama.open({
      libDir: config.llamaLibDir(),
      execPath: runtime.compiled ? runtime.execPath() : undefined,
      debugLevel: config.debugLevel(),
    });
    using model = await loadModelFile(llama, path);
    if (model.hasEncoder) return 0; // an encoder-decoder model decodes only after an encode: loading is the test
    // One token of a small model decodes fastest on one thread (no pool to wake, a busy machine stays usable); a big
    // one reads gigabytes of weights for it, and gets every thread.
    const nThreads = model.size < SMALL_MODEL_BYTES ? 1 : undefined;
    using context = model.createContext({ nCtx: PROBE_CONTEXT, nBatch: 1, nThreads });
    using batch = new Batch(llama.ffi, 1, 1);
    const bos = model.vocab.bos;
    batch.add(bos >= 0 ? bos : 0, 0, 0, true);
    try {
      context.decode(batch);
    } catch {
      // A decode refused with an error code is no crash (an embedding-only model may refuse it): loading passed.
    }
    return 0;
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
    return PROBE_REFUSED;
  }
}
