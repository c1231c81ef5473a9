/**
 * Image formats tollama converts before libmtmd's decoder (stb_image: PNG, JPEG, BMP, GIF) sees them.
 * @module
 */
/** WebP (lossy VP8, lossless VP8L, with alpha) decoded and re-encoded as PNG, as Ollama does before its decoder. */
export {
  isWebp,
  readWebpHeader,
  WebpDecodeError,
  WebpDecoderUnavailableError,
  type WebpHeader,
  webpToPng,
} from "./webp.ts";
/** Pixels as a PNG file (RGB, or RGBA where any pixel is not opaque). */
export { encodePng } from "./encode_png.ts";
