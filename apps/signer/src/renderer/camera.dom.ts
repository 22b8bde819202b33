// The camera loop: frames from getUserMedia, QR codes found with zxing (WebAssembly from the app's
// own files, never a CDN), raw texts and a few frame measurements handed to main. Main decodes the UR.
import { QrReader } from '@airlock/transport/images'
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url'
import type { FrameMetrics } from '../api.ts'

let reader: Promise<Awaited<ReturnType<typeof QrReader.create>>> | undefined

/** The zxing reader, loaded once from the bundled binary. */
export function qrReader() {
  reader ??= fetch(wasmUrl)
    .then((response) => response.arrayBuffer())
    .then((wasmBinary) => QrReader.create({ wasmBinary }))
  return reader
}

export type FrameResult = { texts: string[]; metrics: FrameMetrics }

/**
 * Reads one video frame: the QR texts in it, how much of it is glare, how tall the code is.
 *
 * @example
 * const { texts, metrics } = await readFrame(video, canvas)
 */
export async function readFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): Promise<FrameResult> {
  const width = video.videoWidth
  const height = video.videoHeight
  if (width === 0 || height === 0)
    return { texts: [], metrics: { glare: 0, inverted: false, codeShare: undefined } }
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d', { willReadFrequently: true })
  if (!context) return { texts: [], metrics: { glare: 0, inverted: false, codeShare: undefined } }
  context.drawImage(video, 0, 0, width, height)
  const image = context.getImageData(0, 0, width, height)
  const symbols = await (await qrReader()).read({ data: image.data, width, height })
  let bright = 0
  let samples = 0
  for (let i = 0; i < image.data.length; i += 64) {
    const y = 0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!
    if (y > 250) bright += 1
    samples += 1
  }
  let codeShare: number | undefined
  for (const symbol of symbols) {
    const ys = symbol.corners.map((c) => c.y)
    const share = (Math.max(...ys) - Math.min(...ys)) / height
    codeShare = Math.max(codeShare ?? 0, share)
  }
  return {
    texts: symbols.map((s) => s.text),
    metrics: {
      // A white code background is bright too: count glare only beyond what the code itself covers.
      glare: Math.max(0, bright / samples - (codeShare ?? 0) ** 2),
      inverted: symbols.length > 0 && symbols.every((s) => s.inverted),
      codeShare,
    },
  }
}
