// Reference for tests/vision.test.ts: what libllama + libmtmd's own C API generate greedily for a model, its
// projector, image files and a prompt (one <__media__> marker per image), with the settings tollama uses
// (CPU only, no warm-up, 1 thread); mtmd_helper_eval_chunks places M-RoPE images on their 2-D positions.
// Prints `prompt_tokens=N` (KV cells, image tokens included), `prompt_ms=` (image decode + encode + prompt eval,
// for bench/vision.ts), `generated=<ids>` and `text_hex=<the pieces' bytes>`.
// Usage: mtmd_check <lib dir> <model.gguf> <mmproj.gguf> <prompt> <n_gen> [image ...]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "llama.h"
#include "ggml-backend.h"
#include "mtmd.h"
#include "mtmd-helper.h"

static void quiet(enum ggml_log_level level, const char * text, void * user_data) {
    (void) user_data;
    if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int fail(const char * message) {
    fprintf(stderr, "mtmd_check: %s\n", message);
    return 1;
}

int main(int argc, char ** argv) {
    if (argc < 6) return fail("usage: mtmd_check <lib dir> <model> <mmproj> <prompt> <n_gen> [image ...]");
    const char * prompt = argv[4];
    const int n_gen = atoi(argv[5]);
    const int n_images = argc - 6;

    llama_log_set(quiet, NULL);
    mtmd_helper_log_set(quiet, NULL);
    ggml_backend_load_all_from_path(argv[1]);
    llama_backend_init();

    struct llama_model_params mparams = llama_model_default_params();
    mparams.n_gpu_layers = 0;
    struct llama_model * model = llama_model_load_from_file(argv[2], mparams);
    if (!model) return fail("model load failed");

    struct llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = 2048;
    cparams.n_batch = 512;
    cparams.n_threads = 1;
    cparams.n_threads_batch = 1;
    struct llama_context * ctx = llama_init_from_model(model, cparams);
    if (!ctx) return fail("context failed");

    struct mtmd_context_params pparams = mtmd_context_params_default();
    pparams.use_gpu = false;
    pparams.print_timings = false;
    pparams.warmup = false;
    pparams.n_threads = 1;
    mtmd_context * mctx = mtmd_init_from_file(argv[3], model, pparams);
    if (!mctx) return fail("projector load failed");

    const double started = now_ms();
    mtmd_bitmap ** bitmaps = calloc(n_images > 0 ? n_images : 1, sizeof(mtmd_bitmap *));
    for (int i = 0; i < n_images; i++) {
        struct mtmd_helper_bitmap_wrapper w =
            mtmd_helper_bitmap_init_from_file(mctx, argv[6 + i], false, mtmd_helper_init_opt_default());
        if (!w.bitmap) return fail("image decode failed");
        bitmaps[i] = w.bitmap;
    }
    mtmd_input_text text = { prompt, strlen(prompt), true, true };
    mtmd_input_chunks * chunks = mtmd_input_chunks_init();
    if (mtmd_tokenize(mctx, chunks, &text, (const mtmd_bitmap **) bitmaps, n_images) != 0) return fail("tokenize failed");
    llama_pos n_past = 0;
    if (mtmd_helper_eval_chunks(mctx, ctx, chunks, 0, 0, 512, true, &n_past) != 0) return fail("eval failed");
    printf("prompt_tokens=%zu\nprompt_ms=%.3f\n", mtmd_helper_get_n_tokens(chunks), now_ms() - started);

    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    struct llama_sampler * greedy = llama_sampler_init_greedy();
    llama_token * generated = calloc(n_gen > 0 ? n_gen : 1, sizeof(llama_token));
    int n_out = 0;
    struct llama_batch next = llama_batch_init(1, 0, 1);
    printf("generated=");
    for (int i = 0; i < n_gen; i++) {
        llama_token token = llama_sampler_sample(greedy, ctx, -1);
        if (llama_vocab_is_eog(vocab, token)) break;
        printf("%s%d", i ? " " : "", token);
        generated[n_out++] = token;
        // at n_past, not the cache's last position + 1: after an M-RoPE image (Qwen2-VL family) they differ, the
        // image's tokens sharing one temporal position while the sequence advances by its n_pos
        next.n_tokens = 1;
        next.token[0] = token;
        next.pos[0] = n_past++;
        next.n_seq_id[0] = 1;
        next.seq_id[0][0] = 0;
        next.logits[0] = 1;
        if (llama_decode(ctx, next) != 0) return fail("decode failed");
    }
    printf("\ntext_hex=");
    // piece by piece, as a streaming server sends it
    for (int i = 0; i < n_out; i++) {
        char piece[256];
        const int n = llama_token_to_piece(vocab, generated[i], piece, (int32_t) sizeof(piece), 0, false);
        if (n < 0) return fail("llama_token_to_piece failed");
        for (int j = 0; j < n; j++) printf("%02x", (unsigned char) piece[j]);
    }
    printf("\n");
    free(generated);
    llama_batch_free(next);
    llama_sampler_free(greedy);
    for (int i = 0; i < n_images; i++) mtmd_bitmap_free(bitmaps[i]);
    free(bitmaps);
    mtmd_input_chunks_free(chunks);
    mtmd_free(mctx);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
