declare module 'heic-convert' {
  interface Options {
    buffer: Uint8Array | ArrayBuffer;
    format: 'JPEG' | 'PNG';
    /** 0 to 1, JPEG only. */
    quality?: number;
  }
  export default function convert(options: Options): Promise<ArrayBuffer>;
}
