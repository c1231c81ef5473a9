// The native reference for bench/generate.ts: the same libllama, model, threads, threadpool use and greedy
// (argmax over the logits) loop as tollama's engine, measured the same way. Compiled at bench time with cc.
//
//   generate <model.gguf> <lib dir> <threads> <n_ctx> <n_batch> <tokens file> <n_gen> [cached]
//
// `cached`: that many leading prompt tokens are decoded before the clock starts, as the engine's prefix cache
// holds them; the timed prefill is the rest, on the same cache state.
//
// The tokens file holds the prompt's token ids, whitespace-separated (tollama tokenized it). Prints one JSON line:
// {"prompt_tokens":N,"prompt_ms":x,"gen_tokens":M,"gen_ms":y,"prompt_cpu_ms":a,"gen_cpu_ms":b} (CPU: process time)
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "llama.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void quiet(enum ggml_log_level level, const char * text, void * data) {
    (void) data;
    if (level >= GGML_LOG_LEVEL_WARN && level != GGML_LOG_LEVEL_CONT) fputs(text, stderr);
}

static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int argmax(const float * logits, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
}

int main(int argc, char ** argv) {
    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: %s model libdir threads n_ctx n_batch tokens_file n_gen [cached]\n", argv[0]);
        return 2;
    }
    const int n_threads = atoi(argv[3]), n_ctx = atoi(argv[4]), n_batch = atoi(argv[5]), n_gen = atoi(argv[7]);
    const int cached = argc == 9 ? atoi(argv[8]) : 0;
    llama_log_set(quiet, NULL);
    ggml_backend_load_all_from_path(argv[2]);
    llama_backend_init();

    FILE * f = fopen(argv[6], "r");
    if (!f) { perror(argv[6]); return 1; }
    static llama_token prompt[65536];
    int n_prompt = 0;
    while (n_prompt < 65536 && fscanf(f, "%d", &prompt[n_prompt]) == 1) n_prompt++;
    fclose(f);

    struct llama_model * model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx; cp.n_batch = n_batch; cp.n_ubatch = n_batch;
    cp.n_threads = n_threads; cp.n_threads_batch = n_threads;
    struct llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create context\n"); return 1; }

    // the same persistent threadpool the engine attaches
    ggml_backend_reg_t cpu = ggml_backend_reg_by_name("CPU");
    struct ggml_threadpool * (*tp_new)(struct ggml_threadpool_params *) =
        (struct ggml_threadpool * (*)(struct ggml_threadpool_params *)) ggml_backend_reg_get_proc_address(cpu, "ggml_threadpool_new");
    void (*tp_free)(struct ggml_threadpool *) =
        (void (*)(struct ggml_threadpool *)) ggml_backend_reg_get_proc_address(cpu, "ggml_threadpool_free");
    struct ggml_threadpool_params tpp;
    ggml_threadpool_params_init(&tpp, n_threads);
    struct ggml_threadpool * tp = tp_new(&tpp);
    llama_attach_threadpool(ctx, tp, NULL);

    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    struct llama_batch batch = llama_batch_init(n_batch, 0, 1);

    // warm-up, as the engine's context is warm: one short prefill and a few tokens, then forget them
    const int warm = n_prompt < 16 ? n_prompt : 16;
    batch.n_tokens = warm;
    for (int k = 0; k < warm; k++) {
        batch.token[k] = prompt[k]; batch.pos[k] = k; batch.n_seq_id[k] = 1; batch.seq_id[k][0] = 0;
        batch.logits[k] = k == warm - 1;
    }
    if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "warm-up decode failed\n"); return 1; }
    for (int k = 0; k < 4; k++) {
        batch.n_tokens = 1;
        batch.token[0] = prompt[0]; batch.pos[0] = warm + k; batch.n_seq_id[0] = 1; batch.seq_id[0][0] = 0; batch.logits[0] = 1;
        if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "warm-up decode failed\n"); return 1; }
    }
    llama_memory_clear(llama_get_memory(ctx), true);
    if (cached > 0) {
        batch.n_tokens = cached;
        for (int k = 0; k < cached; k++) {
            batch.token[k] = prompt[k]; batch.pos[k] = k; batch.n_seq_id[k] = 1; batch.seq_id[k][0] = 0; batch.logits[k] = 0;
        }
        if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "cached-prefix decode failed\n"); return 1; }
    }

    double c0 = cpu_ms(), t0 = now_ms();
    for (int from = cached; from < n_prompt; from += n_batch) {
        int count = n_prompt - from < n_batch ? n_prompt - from : n_batch;
        batch.n_tokens = count;
        for (int k = 0; k < count; k++) {
            batch.token[k] = prompt[from + k]; batch.pos[k] = from + k;
            batch.n_seq_id[k] = 1; batch.seq_id[k][0] = 0; batch.logits[k] = k == count - 1;
        }
        if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "prompt decode failed\n"); return 1; }
    }
    double c1 = cpu_ms(), t1 = now_ms();
    int out = batch.n_tokens - 1, pos = n_prompt, generated = 0;
    for (;;) {
        int token = argmax(llama_get_logits_ith(ctx, out), n_vocab);
        if (llama_vocab_is_eog(vocab, token)) break;
        generated++;
        if (generated >= n_gen) break;
        batch.n_tokens = 1;
        batch.token[0] = token; batch.pos[0] = pos++; batch.n_seq_id[0] = 1; batch.seq_id[0][0] = 0; batch.logits[0] = 1;
        if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        out = 0;
    }
    double c2 = cpu_ms(), t2 = now_ms();
    printf("{\"prompt_tokens\":%d,\"prompt_ms\":%.4f,\"gen_tokens\":%d,\"gen_ms\":%.4f,\"prompt_cpu_ms\":%.4f,\"gen_cpu_ms\":%.4f}\n",
           n_prompt - cached, t1 - t0, generated, t2 - t1, c1 - c0, c2 - c1);
    llama_batch_free(batch);
    llama_free(ctx);
    tp_free(tp);
    llama_model_free(model);
    return 0;
}
