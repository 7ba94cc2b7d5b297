/**
 * The HEIC decoder: libheif's WebAssembly build (libheif-js). Its small JavaScript glue is bundled;
 * the .wasm (about 1.4 MB) is a file of its own, never inlined: beside the bundle on AWS (the
 * evidence function ships it, infra/evidence.ts), else read from node_modules. Compiled at first
 * use, once per process. Only the evidence processing loads it: never the jobs or the HTTP app.
 */
import libheif, { type LibHeif } from 'libheif-js/libheif-wasm/libheif.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Picture } from '../core/evidence-processing.ts';

export const LIBHEIF_WASM = 'libheif.wasm';

/** Where the .wasm is: DUBAN_LIBHEIF_WASM, beside this module (the bundle), else the package's own. */
export function libheifWasmPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DUBAN_LIBHEIF_WASM) return env.DUBAN_LIBHEIF_WASM;
  const beside = fileURLToPath(new URL(`./${LIBHEIF_WASM}`, import.meta.url));
  if (existsSync(beside)) return beside;
  return createRequire(import.meta.url).resolve(`libheif-js/libheif-wasm/${LIBHEIF_WASM}`);
}

let loaded: Promise<LibHeif> | undefined;

function library(): Promise<LibHeif> {
  loaded ??= readFile(libheifWasmPath()).then((wasmBinary) => libheif({ wasmBinary: new Uint8Array(wasmBinary) }));
  return loaded;
}

/** The primary image of a HEIC/HEIF file as RGBA; throws on a file libheif cannot read. */
export async function decodeHeic(bytes: Uint8Array): Promise<Picture> {
  const heif = await library();
  const decoder = new heif.HeifDecoder();
  const images = decoder.decode(bytes);
  try {
    const image = images[0];
    if (!image) throw new Error('HEIF: no image could be read');
    const width = image.get_width();
    const height = image.get_height();
    const shown = await new Promise<{ data: Uint8ClampedArray }>((resolve, reject) =>
      image.display({ data: new Uint8ClampedArray(width * height * 4), width, height }, (result) => (result ? resolve(result) : reject(new Error('HEIF: image could not be decoded')))),
    );
    return { width, height, data: new Uint8Array(shown.data.buffer, shown.data.byteOffset, shown.data.byteLength) };
  } finally {
    for (const image of images) image.free();
    decoder.decoder?.delete();
  }
}
