// llama.cpp's own quantization of a GGUF, for comparing tollama's result with it byte for byte:
//   quantize_check <libdir> <in.gguf> <out.gguf> <llama_ftype> <nthread>
// It calls llama_model_quantize with llama_model_quantize_default_params() and only ftype and nthread changed,
// as tollama does. Exit code 1 on failure; libllama's log goes to stderr (warnings and errors).
#include <stdio.h>
#include <stdlib.h>

#include "ggml-backend.h"
#include "llama.h"

static void on_log(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

int main(int argc, char ** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: quantize_check <libdir> <in> <out> <ftype> <nthread>\n");
        return 1;
    }
    llama_log_set(on_log, NULL);
    ggml_backend_load_all_from_path(argv[1]);
    llama_backend_init();
    llama_model_quantize_params params = llama_model_quantize_default_params();
    params.ftype = (enum llama_ftype) atoi(argv[4]);
    params.nthread = atoi(argv[5]);
    const uint32_t rc = llama_model_quantize(argv[2], argv[3], &params);
    llama_backend_free();
    if (rc != 0) {
        fprintf(stderr, "quantize_check: llama_model_quantize returned %u\n", rc);
        return 1;
    }
    printf("ok\n");
    return 0;
}
