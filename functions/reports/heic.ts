/**
 * The HEIC decoder of the jobs and the sandbox: heic-convert (libheif compiled to JavaScript, several
 * MB), loaded on first use, so a run with no iPhone photo to render does not pay for it. Never
 * imported by the HTTP function, whose bundle must stay small.
 */
import type { HeicRenderer } from '../core/evidence-files.ts';

/** Quality of the JPEG rendition: a photo kept as evidence, shown on pages and in the circular. */
const QUALITY = 0.85;

export const heicRenderer: HeicRenderer = {
  async toJpeg(heic) {
    const { default: convert } = await import('heic-convert');
    return new Uint8Array(await convert({ buffer: heic, format: 'JPEG', quality: QUALITY }));
  },
};
