// The native reference for LoRA adapters: loads a base GGUF and any number of GGUF LoRA adapters through the real
// libllama (llama_adapter_lora_init, llama_set_adapters_lora at scale 1), then decodes greedily (argmax of the
// logits) until n_gen tokens or an end-of-generation token. tests/adapter.test.ts compiles and runs it.
//   lora_check <libdir> <model> <prompt> <n_gen> [adapter.gguf ...]
// Output: "generated=<ids>" and "text_hex=<hex of the generated pieces' bytes>" on stdout; libllama's
// warnings go to stderr. Exit code 1 on any failure (a refused adapter included).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml-backend.h"
#include "llama.h"

#define MAX_ADAPTERS 8
#define MAX_TOKENS 1024

static void on_log(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (level >= GGML_LOG_LEVEL_WARN) fputs(text, stderr);
}

static int fail(const char * what) {
    fprintf(stderr, "lora_check: %s\n", what);
    return 1;
}

int main(int argc, char ** argv) {
    if (argc < 5) return fail("usage: lora_check <libdir> <model> <prompt> <n_gen> [adapter.gguf ...]");
    const char * prompt = argv[3];
    const int n_gen = atoi(argv[4]);
    const int n_adapters = argc - 5;
    if (n_adapters > MAX_ADAPTERS) return fail("too many adapters");

    llama_log_set(on_log, NULL);
    ggml_backend_load_all_from_path(argv[1]);
    llama_backend_init();

    struct llama_model * model = llama_model_load_from_file(argv[2], llama_model_default_params());
    if (!model) return fail("llama_model_load_from_file returned NULL");

    // Adapters before the context: the context sizes its graph by the adapters its model has.
    struct llama_adapter_lora * adapters[MAX_ADAPTERS];
    float scales[MAX_ADAPTERS];
    for (int i = 0; i < n_adapters; i++) {
        adapters[i] = llama_adapter_lora_init(model, argv[5 + i]);
        if (!adapters[i]) return fail("llama_adapter_lora_init returned NULL");
        scales[i] = 1.0f;
    }

    struct llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = 512;
    cparams.n_batch = 512;
    cparams.n_threads = 1; // the test machine is shared; the engine side runs with one thread too
    cparams.n_threads_batch = 1;
    struct llama_context * ctx = llama_init_from_model(model, cparams);
    if (!ctx) return fail("llama_init_from_model returned NULL");
    if (n_adapters > 0 && llama_set_adapters_lora(ctx, adapters, (size_t) n_adapters, scales) != 0) {
        return fail("llama_set_adapters_lora failed");
    }

    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    llama_token tokens[MAX_TOKENS];
    const int n_prompt = llama_tokenize(vocab, prompt, (int32_t) strlen(prompt), tokens, MAX_TOKENS, true, true);
    if (n_prompt <= 0) return fail("llama_tokenize failed");
    if (llama_decode(ctx, llama_batch_get_one(tokens, n_prompt)) != 0) return fail("llama_decode (prompt) failed");

    llama_token generated[MAX_TOKENS];
    int n_out = 0;
    for (int step = 0; step < n_gen && step < MAX_TOKENS; step++) {
        const float * logits = llama_get_logits_ith(ctx, -1);
        llama_token best = 0;
        for (llama_token t = 1; t < n_vocab; t++) if (logits[t] > logits[best]) best = t;
        if (llama_vocab_is_eog(vocab, best)) break;
        generated[n_out++] = best;
        if (llama_decode(ctx, llama_batch_get_one(&best, 1)) != 0) return fail("llama_decode (token) failed");
    }

    printf("generated=");
    for (int i = 0; i < n_out; i++) printf(i ? " %d" : "%d", generated[i]);
    printf("\ntext_hex=");
    // Piece by piece, as a streaming server sends it (llama_detokenize would drop the first piece's leading space).
    for (int i = 0; i < n_out; i++) {
        char piece[256];
        const int n = llama_token_to_piece(vocab, generated[i], piece, (int32_t) sizeof(piece), 0, false);
        if (n < 0) return fail("llama_token_to_piece failed");
        for (int j = 0; j < n; j++) printf("%02x", (unsigned char) piece[j]);
    }
    printf("\n");

    llama_free(ctx);
    for (int i = 0; i < n_adapters; i++) llama_adapter_lora_free(adapters[i]);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
