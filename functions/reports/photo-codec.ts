/**
 * The photo codec of the evidence processing (core/evidence-processing.ts): JPEG decode and encode
 * with jpeg-js, PNG decode with pngjs, HEIC decode with libheif's WASM build (heic.ts), all pure
 * JavaScript or WebAssembly: nothing native to build for Lambda.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Picture, PhotoCodec } from '../core/evidence-processing.ts';
import { decodeHeic } from './heic.ts';

/** The most a photo may hold when decoded: a 20 MB phone photo is at most about 50 megapixels. */
const MAX_MEGAPIXELS = 100;
const MAX_MEMORY_MB = 1024;

/** Transparent pixels over white: a JPEG has no alpha, and a transparent PNG's black would show. */
function overWhite(picture: Picture): Picture {
  const data = new Uint8Array(picture.data);
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    if (a === 255) continue;
    for (let c = 0; c < 3; c++) data[i + c] = Math.round((data[i + c]! * a + 255 * (255 - a)) / 255);
    data[i + 3] = 255;
  }
  return { ...picture, data };
}

export const photoCodec: PhotoCodec = {
  async decode(bytes, format) {
    if (format === 'heic') return decodeHeic(bytes);
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return overWhite({ width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) });
    }
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: MAX_MEMORY_MB });
    return { width: image.width, height: image.height, data: image.data };
  },
  async encodeJpeg(picture, quality) {
    const encoded = jpeg.encode({ width: picture.width, height: picture.height, data: picture.data }, quality);
    return new Uint8Array(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength);
  },
};
