import { encodePng } from "./encode_png.ts";
import { decodeWebpRgba } from "./webp_wasm.ts";

/** Pixels a WebP may have before it is refused (libwebp's own limit is 16383 × 16383; this bounds the RGBA copy). */
const MAX_PIXELS = 1 << 26;

/** A WebP file that is malformed, truncated, animated or too large. */
export class WebpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebpDecodeError";
  }
}

/** What a WebP file's header says: its bitstream and size. */
export interface WebpHeader {
  /** `VP8 ` lossy, `VP8L` lossless, `VP8X` extended (alpha, metadata or animation around either). */
  format: "lossy" | "lossless" | "extended";
  width: number;
  height: number;
  animated: boolean;
}

const tag = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

/** A RIFF container of WebP data ("RIFF" size "WEBP"). */
export function isWebp(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && tag(bytes, 0) === "RIFF" && tag(bytes, 8) === "WEBP";
}

/** Reads the first chunk's header (RIFF container, then VP8 / VP8L / VP8X); throws WebpDecodeError. */
export function readWebpHeader(bytes: Uint8Array): WebpHeader {
  if (!isWebp(bytes)) throw new WebpDecodeError("not a RIFF WEBP file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffSize = view.getUint32(4, true);
  if (riffSize + 8 > bytes.length) {
    throw new WebpDecodeError(`truncated: the RIFF header says ${riffSize + 8} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length < 30) throw new WebpDecodeError("truncated: no bitstream header");
  const chunk = tag(bytes, 12);
  const size = view.getUint32(16, true);
  if (size + 20 > riffSize + 8) throw new WebpDecodeError(`the ${chunk.trim()} chunk runs past the end of the file`);
  let header: WebpHeader;
  if (chunk === "VP8 ") {
    // frame tag (3 bytes; bit 0 clear on a key frame), start code 9d 01 2a, then 14-bit width and height
    if (bytes[20] & 1) throw new WebpDecodeError("the VP8 frame is not a key frame");
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) throw new WebpDecodeError("bad VP8 start code");
    header = {
      format: "lossy",
      width: view.getUint16(26, true) & 0x3fff,
      height: view.getUint16(28, true) & 0x3fff,
      animated: false,
    };
  } else if (chunk === "VP8L") {
    // signature 0x2f, then width - 1 and height - 1 in 14 bits each, an alpha hint, a 3-bit version (0)
    if (bytes[20] !== 0x2f) throw new WebpDecodeError("bad VP8L signature");
    const bits = view.getUint32(21, true);
    if (bits >>> 29 !== 0) throw new WebpDecodeError(`unknown VP8L version ${bits >>> 29}`);
    header = { format: "lossless", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, animated: false };
  } else if (chunk === "VP8X") {
    // flags, 3 reserved bytes, then canvas width - 1 and height - 1 in 24 bits each
    const u24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    header = { format: "extended", width: u24(24) + 1, height: u24(27) + 1, animated: (bytes[20] & 0x02) !== 0 };
  } else {
    throw new WebpDecodeError(`unknown first chunk "${chunk}" (expected VP8, VP8L or VP8X)`);
  }
  if (header.width === 0 || header.height === 0) throw new WebpDecodeError("zero width or height");
  return header;
}

/**
 * Decodes a WebP file (libwebp compiled to WebAssembly, from the pinned npm package @cwasm/webp) and re-encodes its
 * pixels as PNG, which libmtmd reads; alpha is kept in the PNG. Animated files are refused (Ollama's decoder reads no
 * animation either). `wasmDirs`: where else to look for webp.wasm (a single executable puts it beside libllama).
 */
export function webpToPng(bytes: Uint8Array, options: { wasmDirs?: readonly string[] } = {}): Uint8Array {
  const header = readWebpHeader(bytes);
  if (header.animated) throw new WebpDecodeError("animated WebP is not supported");
  if (header.width * header.height > MAX_PIXELS) {
    throw new WebpDecodeError(`${header.width}×${header.height} is more than ${MAX_PIXELS} pixels`);
  }
  const image = decodeWebpRgba(bytes, options);
  if (!image) throw new WebpDecodeError(`the ${header.format} bitstream is corrupt or truncated`);
  if (image.width !== header.width || image.height !== header.height) {
    throw new WebpDecodeError(
      `the header says ${header.width}×${header.height}, the bitstream ${image.width}×${image.height}`,
    );
  }
  return encodePng(image.width, image.height, image.rgba);
}
