/**
 * Image formats tollama converts before libmtmd's decoder (stb_image: PNG, JPEG, BMP, GIF) sees them.
 * @module
 */
/** WebP (lossy VP8, lossless VP8L, with alpha) decoded and re-encoded as PNG, as Ollama does before its decoder. */
export { isWebp, readWebpHeader, WebpDecodeError, type WebpHeader, webpToPng } from "./webp.ts";
/** The WebP decoder (libwebp as WebAssembly) could not be loaded: a 500, not the image's fault. */
export { WebpDecoderUnavailableError } from "./webp_wasm.ts";
/** Pixels as a PNG file (RGB, or RGBA where any pixel is not opaque). */
export { encodePng } from "./encode_png.ts";
