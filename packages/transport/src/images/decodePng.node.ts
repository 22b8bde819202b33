// Node only: decodes PNG files (camera captures, `qr encode` frames) to RGBA with pngjs, after the
// portable guard in png.ts. pngjs is reached with createRequire at call time, like loadZxingWasm.node.ts,
// so the images index stays free of Node built-ins.
import { ImageTooLargeError, InvalidImageError } from './errors.ts'
import * as Png from './png.ts'
import type { RgbaFrame } from './RgbaFrame.ts'

type PngJs = typeof import('pngjs')

let pngjs: PngJs | undefined
function loadPngJs(): PngJs {
  if (pngjs) return pngjs
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule
  if (typeof getBuiltin !== 'function') {
    throw new InvalidImageError('Decoding PNG files only works in Node.', {
      hint: 'In the browser or Electron renderer, draw the image on a canvas and read its ImageData.',
    })
  }
  const { createRequire } = getBuiltin('node:module') as typeof import('node:module')
  pngjs = createRequire(import.meta.url)('pngjs') as PngJs
  return pngjs
}

/**
 * Decodes PNG bytes to an RGBA frame for `QrReader.read`. The size is checked first (`Png.check`: a
 * decompression bomb is refused at once), and every decoder failure is a typed error:
 * `Transport.ImageTooLargeError` or `Transport.InvalidImageError`.
 *
 * @example
 * const frame = await decodePng(readFileSync('frame-0001.png'))
 * const symbols = await reader.read(frame)
 */
export async function decodePng(bytes: Uint8Array): Promise<RgbaFrame & { data: Uint8ClampedArray }> {
  await Png.check(bytes)
  const { PNG } = loadPngJs()
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
    return {
      data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
      width: png.width,
      height: png.height,
    }
  } catch (cause) {
    if (cause instanceof ImageTooLargeError) throw cause
    throw new InvalidImageError('The image is not a readable PNG.', {
      hint: 'Give PNG frames (a camera capture saved as PNG works too).',
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    })
  }
}
