import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isWebp, readWebpHeader, WebpDecodeError, webpToPng } from "./webp.ts";
import { readPng, WEBP_VECTORS, webpPattern } from "../../tests/fixtures/webp_vectors.ts";

const file = (name: string) => new Uint8Array(Buffer.from(WEBP_VECTORS.find((v) => v.name === name)!.file, "base64"));

/** `bytes` with the RIFF size and the first chunk's size made to fit its length (a consistent, shorter file). */
function resized(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setUint32(4, out.length - 8, true);
  view.setUint32(16, out.length - 20, true);
  return out;
}

test("readWebpHeader() names the bitstream and size of lossless, lossy and extended files", () => {
  assert.deepEqual(readWebpHeader(file("lossless")), { format: "lossless", width: 40, height: 24, animated: false });
  assert.deepEqual(readWebpHeader(file("lossy")), { format: "lossy", width: 40, height: 24, animated: false });
  // lossy with alpha: a VP8X canvas around an ALPH chunk and the VP8 frame
  assert.deepEqual(readWebpHeader(file("lossy_alpha")), { format: "extended", width: 40, height: 24, animated: false });
  assert.ok(isWebp(file("lossless")));
  assert.ok(!isWebp(new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt ")));
});

test("webpToPng() gives libwebp's pixels: lossless exactly the source, lossy libwebp's own decoding, alpha kept", () => {
  for (const vector of WEBP_VECTORS) {
    const png = readPng(webpToPng(new Uint8Array(Buffer.from(vector.file, "base64"))));
    assert.equal(png.width, 40, vector.name);
    assert.equal(png.height, 24, vector.name);
    assert.equal(png.channels, vector.alpha ? 4 : 3, vector.name);
    const rgba = new Uint8Array(40 * 24 * 4);
    for (let i = 0; i < 40 * 24; i++) {
      rgba.set(png.pixels.subarray(i * png.channels, i * png.channels + 3), i * 4);
      rgba[i * 4 + 3] = png.channels === 4 ? png.pixels[i * 4 + 3] : 255;
    }
    assert.equal(
      createHash("sha256").update(rgba).digest("hex"),
      vector.rgbaSha256,
      `${vector.name}: libwebp's decoding`,
    );
    if (!vector.lossy) assert.deepEqual(rgba, webpPattern(vector.alpha).rgba, `${vector.name}: the source pixels`);
  }
});

test("webpToPng() refuses truncated, corrupt, animated and oversized files with WebpDecodeError", () => {
  const lossy = file("lossy");
  const lossless = file("lossless");
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["cut short (the RIFF size says more)", lossy.subarray(0, 200), /truncated/],
    ["cut short, sizes patched (the VP8 partitions run out)", resized(lossy.subarray(0, 60)), /corrupt or truncated/],
    ["cut short lossless, sizes patched", resized(lossless.subarray(0, 40)), /corrupt or truncated/],
    ["no bitstream", resized(lossy.subarray(0, 24)), /truncated/],
    [
      "a VP8 start code broken",
      (() => {
        const b = lossy.slice();
        b[24] = 0;
        return b;
      })(),
      /start code/,
    ],
    [
      "a VP8L signature broken",
      (() => {
        const b = lossless.slice();
        b[20] = 0;
        return b;
      })(),
      /VP8L signature/,
    ],
    [
      "an unknown chunk",
      (() => {
        const b = lossy.slice();
        b.set(new TextEncoder().encode("JUNK"), 12);
        return b;
      })(),
      /unknown first chunk/,
    ],
  ];
  // a VP8X canvas: animated, and one far larger than the limit
  const extended = (flags: number, side: number) => {
    const b = new Uint8Array(30 + 10);
    b.set(new TextEncoder().encode("RIFF"), 0);
    new DataView(b.buffer).setUint32(4, b.length - 8, true);
    b.set(new TextEncoder().encode("WEBPVP8X"), 8);
    new DataView(b.buffer).setUint32(16, 10, true);
    b[20] = flags;
    for (const at of [24, 27]) b.set([(side - 1) & 255, ((side - 1) >> 8) & 255, (side - 1) >> 16], at);
    return b;
  };
  cases.push(["animated", extended(0x02, 16), /animated/], ["16384×16384", extended(0, 16384), /more than/]);
  for (const [what, bytes, message] of cases) {
    assert.throws(() => webpToPng(bytes), (error: Error) => {
      assert.ok(error instanceof WebpDecodeError, `${what}: ${error}`);
      assert.match(error.message, message, what);
      return true;
    });
  }
});
