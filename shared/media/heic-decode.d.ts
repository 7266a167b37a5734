// Types for heic-decode 2 (libheif compiled to WebAssembly), which ships none. Only what
// shared/media/heif.ts uses; see node_modules/heic-decode/lib.js.
declare module 'heic-decode' {
  /** Decodes the first top-level image. */
  function decode(input: { buffer: Uint8Array }): Promise<decode.DecodedImage>;

  namespace decode {
    interface DecodedImage {
      width: number;
      height: number;
      /** RGBA, 8 bits per channel, after the HEIF transformations (irot, imir, clap). */
      data: Uint8ClampedArray;
    }

    interface TopLevelImage {
      /** Size after the HEIF transformations, known before decoding. */
      width: number;
      height: number;
      decode(): Promise<DecodedImage>;
    }

    /** Parses the file; each top-level image decodes on demand. Call `dispose()` when done. */
    function all(input: { buffer: Uint8Array }): Promise<TopLevelImage[] & { dispose(): void }>;
  }

  export = decode;
}
