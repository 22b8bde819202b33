// QR reading in the window: zxing's WebAssembly from the app's own files (never a CDN), over camera
// frames or imported images. Only the decoded text goes to main, which does every check.

import { prepareZXingModule, type ReaderOptions, readBarcodes } from 'zxing-wasm/reader'
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url'

let ready: Promise<unknown> | undefined

const options: ReaderOptions = {
  formats: ['QRCode'],
  tryHarder: true,
  tryInvert: false,
  maxNumberOfSymbols: 2,
  textMode: 'Plain',
}

function prepare() {
  ready ??= prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
    },
    fireImmediately: true,
  })
  return ready
}

/** The QR texts in one frame (a camera frame or an imported image). */
export async function readQr(image: ImageData): Promise<string[]> {
  await prepare()
  const results = await readBarcodes(image, options)
  return results.filter((r) => r.isValid && r.text !== '').map((r) => r.text)
}

/** Draws a video frame or an image into the canvas and returns its pixels. */
export function pixels(
  canvas: HTMLCanvasElement,
  source: HTMLVideoElement | ImageBitmap,
  width: number,
  height: number,
): ImageData | undefined {
  if (width === 0 || height === 0) return undefined
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d', { willReadFrequently: true })
  if (!context) return undefined
  context.drawImage(source, 0, 0, width, height)
  return context.getImageData(0, 0, width, height)
}
