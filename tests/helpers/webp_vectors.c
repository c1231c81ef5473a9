// Provenance of the WebP test vectors in tests/webp_vectors.ts: encodes seeded patterns with the system's libwebp
// (Google's encoder; the prototypes are libwebp's public encode.h/decode.h API) as lossless and lossy files, with and
// without alpha, and prints each file and libwebp's own decoding of it (RGBA) as hex.
// Build: cc webp_vectors.c -o webp_vectors -l:libwebp.so.7   Run: ./webp_vectors
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

size_t WebPEncodeRGBA(const uint8_t * rgba, int width, int height, int stride, float quality, uint8_t ** output);
size_t WebPEncodeLosslessRGBA(const uint8_t * rgba, int width, int height, int stride, uint8_t ** output);
uint8_t * WebPDecodeRGBA(const uint8_t * data, size_t size, int * width, int * height);
void WebPFree(void * ptr);

enum { W = 40, H = 24 };

static void hex(const char * key, const uint8_t * bytes, size_t n) {
    printf("%s=", key);
    for (size_t i = 0; i < n; i++) printf("%02x", bytes[i]);
    printf("\n");
}

int main(void) {
    uint8_t * rgba = malloc(W * H * 4);
    for (int alpha = 0; alpha < 2; alpha++) {
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                uint8_t * p = rgba + (y * W + x) * 4;
                p[0] = (uint8_t) (x * 6);
                p[1] = (uint8_t) (y * 10);
                p[2] = (uint8_t) ((x * y) % 256);
                p[3] = alpha ? (uint8_t) (255 - x * 5) : 255;
            }
        }
        for (int lossy = 0; lossy < 2; lossy++) {
            uint8_t * out = NULL;
            const size_t n = lossy ? WebPEncodeRGBA(rgba, W, H, W * 4, 80.0f, &out)
                                   : WebPEncodeLosslessRGBA(rgba, W, H, W * 4, &out);
            if (n == 0) return 1;
            char key[64];
            snprintf(key, sizeof key, "%s%s", lossy ? "lossy" : "lossless", alpha ? "_alpha" : "");
            hex(key, out, n);
            int w = 0, h = 0;
            uint8_t * decoded = WebPDecodeRGBA(out, n, &w, &h);
            if (!decoded || w != W || h != H) return 2;
            snprintf(key, sizeof key, "%s%s_rgba", lossy ? "lossy" : "lossless", alpha ? "_alpha" : "");
            hex(key, decoded, (size_t) w * h * 4);
            WebPFree(decoded);
            WebPFree(out);
        }
    }
    free(rgba);
    return 0;
}
