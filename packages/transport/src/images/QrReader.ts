import {
  prepareZXingModule,
  type ReaderOptions,
  readBarcodes,
  ZXING_WASM_SHA256,
  type ZXingModuleOverrides,
} from 'zxing-wasm/reader'
import { InvalidFrameError, QrDecodeError, ZxingLoadError } from './errors.ts'
import { maxPixels } from './png.ts'
import { assert as assertFrame, type RgbaFrame } from './RgbaFrame.ts'

/** One QR code found in a frame. */
export type QrSymbol = {
  /** The decoded text (a UR part, for Airlock). */
  text: string
  /** The raw payload bytes of the symbol. */
  bytes: Uint8Array
  /** True when the code was light-on-dark (an inverted screen). */
  inverted: boolean
  /** Corner points in frame pixels: the UI draws its "locked on" outline from these. */
  corners: { x: number; y: number }[]
}

export type QrReader = {
  /** Decodes every QR code in one RGBA frame; an empty array when there is none. */
  read: (frame: RgbaFrame) => Promise<QrSymbol[]>
}

export type CreateParameters = {
  /**
   * The bytes of `zxing-wasm/reader/zxing_reader.wasm`, shipped with the app (never fetched: the
   * package's default is a CDN, and the signer is offline). In Node, `loadZxingReaderWasm()`.
   */
  wasmBinary?: Uint8Array | ArrayBuffer | undefined
  /** Or an already compiled module of that binary (compile once, share between readers/workers). */
  wasmModule?: WebAssembly.Module | undefined
  /** Check `wasmBinary` against the SHA-256 the JavaScript half was built for (default true). */
  verify?: boolean | undefined
  /** Also look for light-on-dark codes (default true: inverted wallet screens are common). */
  tryInvert?: boolean | undefined
  /**
   * Spend more time per frame on hard images (default false). An animated code shows the next
   * frame in 100 ms anyway, so it is cheaper to skip a hard frame than to dig into it.
   */
  tryHarder?: boolean | undefined
  /** Also scan a downscaled copy, for codes filmed too close or in large frames (default false). */
  tryDownscale?: boolean | undefined
  /** Most codes reported per frame (default 4). */
  maxSymbols?: number | undefined
}

/**
 * Creates a QR reader backed by zxing-cpp (WebAssembly), loaded only from the bytes or module you
 * pass: no network, ever.
 *
 * Options are tuned for animated codes from a camera: QR only, no rotation retries (QR finder
 * patterns are rotation-invariant already), inverted codes on, tryHarder off.
 *
 * @example
 * const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
 * const symbols = await reader.read({ data: imageData.data, width: 640, height: 480 })
 */
export async function create({
  wasmBinary,
  wasmModule,
  verify = true,
  tryInvert = true,
  tryHarder = false,
  tryDownscale = false,
  maxSymbols = 4,
}: CreateParameters): Promise<QrReader> {
  const overrides = await moduleOverrides({ wasmBinary, wasmModule, verify })
  let failed: ((error: unknown) => void) | undefined
  const failure = new Promise<never>((_, reject) => {
    failed = reject
  })
  if (wasmModule) overrides.instantiateWasm = instantiateFrom(wasmModule, (error) => failed?.(error))
  try {
    await Promise.race([prepareZXingModule({ overrides, fireImmediately: true }), failure])
  } catch (cause) {
    throw new ZxingLoadError('The QR decoder (zxing WebAssembly) could not be started.', {
      hint: 'Ship the zxing_reader.wasm file of the installed zxing-wasm version with the app.',
      details: String(cause),
      cause,
    })
  }
  const options: ReaderOptions = {
    formats: ['QRCode'],
    tryHarder,
    tryRotate: false,
    tryInvert,
    tryDownscale,
    tryDenoise: false,
    binarizer: 'LocalAverage',
    maxNumberOfSymbols: maxSymbols,
    textMode: 'Plain',
  }
  return {
    async read(frame) {
      assertFrame(frame)
      // zxing copies the frame and builds a luminance plane and binarised matrix of the same size:
      // bound the pixels so one oversized frame cannot exhaust the renderer's memory.
      if (frame.width * frame.height > maxPixels) {
        throw new InvalidFrameError('The camera frame has more pixels than a QR frame needs.', {
          hint: `Downscale frames to at most ${maxPixels} pixels before reading.`,
          details: `${frame.width} × ${frame.height}`,
        })
      }
      // Re-assert our overrides right before reading: zxing-wasm keeps one module per process, and
      // if anything else reset it, its default would be to fetch the binary from a CDN.
      prepareZXingModule({ overrides, fireImmediately: true })
      let results: Awaited<ReturnType<typeof readBarcodes>>
      try {
        results = await readBarcodes(frame as ImageData, options)
      } catch (cause) {
        throw new QrDecodeError('The QR decoder failed on a camera frame.', {
          hint: 'Skip this frame; if it keeps happening, restart the scan.',
          details: String(cause),
          cause,
        })
      }
      return results
        .filter((result) => result.isValid)
        .map((result) => ({
          text: result.text,
          bytes: result.bytes,
          inverted: result.isInverted,
          corners: [
            result.position.topLeft,
            result.position.topRight,
            result.position.bottomRight,
            result.position.bottomLeft,
          ].map(({ x, y }) => ({ x, y })),
        }))
    },
  }
}

async function moduleOverrides({
  wasmBinary,
  wasmModule,
  verify,
}: {
  wasmBinary: Uint8Array | ArrayBuffer | undefined
  wasmModule: WebAssembly.Module | undefined
  verify: boolean
}): Promise<ZXingModuleOverrides> {
  // Whatever happens, never resolve the binary to a URL (the package default is a CDN).
  const overrides: ZXingModuleOverrides = { locateFile: (file: string) => file }
  if (wasmModule) {
    if (!(wasmModule instanceof WebAssembly.Module)) {
      throw new ZxingLoadError('The QR decoder module is not a compiled WebAssembly module.', {
        hint: 'Pass WebAssembly.compile(bytes of zxing_reader.wasm), or pass the bytes as wasmBinary.',
      })
    }
    return overrides
  }
  if (!(wasmBinary instanceof Uint8Array || wasmBinary instanceof ArrayBuffer)) {
    throw new ZxingLoadError('The QR decoder needs the zxing WebAssembly binary.', {
      hint: 'Pass wasmBinary (bytes of zxing-wasm/reader/zxing_reader.wasm); it is never downloaded.',
    })
  }
  const bytes = wasmBinary instanceof Uint8Array ? wasmBinary : new Uint8Array(wasmBinary)
  if (verify && globalThis.crypto?.subtle) {
    const digest = new Uint8Array(
      await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>),
    )
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
    if (hex !== ZXING_WASM_SHA256) {
      throw new ZxingLoadError('The QR decoder binary does not match the installed zxing-wasm.', {
        hint: 'Ship zxing_reader.wasm from the same zxing-wasm version as the JavaScript.',
        details: `sha256 ${hex}, expected ${ZXING_WASM_SHA256}`,
      })
    }
  }
  // Emscripten reads wasmBinary as-is; hand it an exact copy so later mutation of the caller's
  // buffer cannot affect a lazily re-instantiated module.
  overrides.wasmBinary = bytes.slice().buffer
  return overrides
}

function instantiateFrom(
  wasmModule: WebAssembly.Module,
  onError: (error: unknown) => void,
): (imports: WebAssembly.Imports, success: (instance: WebAssembly.Instance) => void) => WebAssembly.Exports {
  return (imports, success) => {
    // Emscripten only gives a success callback; report failures through our own promise instead of hanging.
    WebAssembly.instantiate(wasmModule, imports).then(
      (instance) =>
        (success as (instance: WebAssembly.Instance, module: WebAssembly.Module) => void)(
          instance,
          wasmModule,
        ),
      onError,
    )
    return {}
  }
}
