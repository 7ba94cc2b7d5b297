/** The parts of libheif's WASM build (libheif-js) and pngjs that functions/reports/heic.ts and photo-codec.ts use. */
declare module 'libheif-js/libheif-wasm/libheif.js' {
  interface HeifImage {
    get_width(): number;
    get_height(): number;
    display(target: { data: Uint8ClampedArray; width: number; height: number }, done: (result: { data: Uint8ClampedArray } | null) => void): void;
    free(): void;
  }
  export interface LibHeif {
    HeifDecoder: new () => { decode(bytes: Uint8Array): HeifImage[]; decoder: { delete(): void } };
  }
  /** Emscripten's module factory: given the .wasm's bytes, it compiles no file of its own. */
  export default function libheif(options: { wasmBinary: Uint8Array; print?: (s: string) => void; printErr?: (s: string) => void }): Promise<LibHeif>;
}

declare module 'pngjs' {
  export class PNG {
    constructor(options: { width: number; height: number });
    width: number;
    height: number;
    data: Buffer;
    static sync: { read(bytes: Buffer): PNG; write(png: PNG): Buffer };
  }
}
