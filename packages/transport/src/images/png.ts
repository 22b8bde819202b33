// A minimal PNG writer for black-and-white QR images. Portable on purpose: `qrcode`'s own PNG
// renderer goes through pngjs and Node's zlib/Buffer, which the Electron renderer does not have.
// Also the guard every PNG passes before a decoder sees it (`check`): a small file can declare a huge
// image or inflate to gigabytes, so both are bounded first.
import { ImageTooLargeError, InvalidImageError } from './errors.ts'

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

let crcTable: Uint32Array | undefined
function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function adler32(bytes: Uint8Array): number {
  let a = 1
  let b = 0
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521
    b = (b + a) % 65521
  }
  return ((b << 16) | a) >>> 0
}

/** zlib stream made of stored (uncompressed) deflate blocks: the fallback where CompressionStream is missing. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535))
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4)
  out[0] = 0x78
  out[1] = 0x01
  let o = 2
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535
    const len = Math.min(65535, raw.length - start)
    out[o++] = b === blocks - 1 ? 1 : 0
    out[o++] = len & 0xff
    out[o++] = len >>> 8
    out[o++] = ~len & 0xff
    out[o++] = (~len >>> 8) & 0xff
    out.set(raw.subarray(start, start + len), o)
    o += len
  }
  new DataView(out.buffer).setUint32(o, adler32(raw))
  return out
}

async function zlib(raw: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === 'undefined') return zlibStored(raw)
  // 'deflate' is the zlib format (RFC 1950) that PNG's IDAT expects.
  const stream = new Blob([raw as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length))
  return out
}

/**
 * Encodes a 1-bit greyscale PNG. `dark(x, y)` says whether a pixel is black.
 * 1-bit keeps a version-25 code at scale 4 around a few hundred bytes once deflated.
 */
export async function encodeBilevelPng({
  width,
  height,
  dark,
  stored = false,
}: {
  width: number
  height: number
  dark: (x: number, y: number) => boolean
  /** Skip compression (tests exercise the portable fallback this way). */
  stored?: boolean | undefined
}): Promise<Uint8Array> {
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  header[8] = 1 // bit depth
  header[9] = 0 // colour type: greyscale
  const stride = Math.ceil(width / 8)
  const raw = new Uint8Array((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) // filter byte 0 (none) at row start
    for (let x = 0; x < width; x++) {
      // In 1-bit greyscale a set bit is white.
      if (!dark(x, y)) raw[row + 1 + (x >> 3)]! |= 0x80 >> (x & 7)
    }
  }
  const idat = stored ? zlibStored(raw) : await zlib(raw)
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', new Uint8Array())]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Longest side accepted, in pixels (the same bound as a camera frame, see RgbaFrame). */
export const maxSide = 16384
/** Most pixels accepted in one image: 40 megapixels (an 8K frame is 33), 160 MB once expanded to RGBA. */
export const maxPixels = 40_000_000

/** What a PNG's header declares. */
export type PngHeader = {
  width: number
  height: number
  bitDepth: number
  colorType: number
  interlaced: boolean
  /** Bytes the image data must inflate to (filter bytes included), from the header alone. */
  inflatedBytes: number
}

// Channels per colour type, and the bit depths PNG allows for each (ISO 15948 table 11.1).
const COLOUR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
}

// Adam7 passes: [x start, y start, x step, y step].
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const

function invalidPng(problem: string, details?: string): InvalidImageError {
  return new InvalidImageError(`The image is not a well-formed PNG: ${problem}.`, {
    hint: 'Give PNG frames (a camera capture saved as PNG works too).',
    details,
  })
}

function rowBytes(width: number, bitsPerPixel: number): number {
  return width === 0 ? 0 : 1 + Math.ceil((width * bitsPerPixel) / 8)
}

/**
 * Reads a PNG's chunk structure and header without decoding any pixels, and refuses an image whose
 * declared size is over `maxPixels`/`maxSide` (`Transport.ImageTooLargeError`) or whose structure is
 * broken (`Transport.InvalidImageError`). Returns the header and the concatenated compressed image data.
 *
 * @example
 * const { header } = Png.inspect(bytes) // throws at once for a 1 KB file declaring 100000 × 100000
 */
export function inspect(
  bytes: Uint8Array,
  { maxPixels: limit = maxPixels }: { maxPixels?: number | undefined } = {},
): { header: PngHeader; idat: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw invalidPng('no bytes were given')
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b))
    throw invalidPng('the PNG signature is missing')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let header: PngHeader | undefined
  const idatParts: Uint8Array[] = []
  let idatBytes = 0
  let ended = false
  for (let o = 8; !ended; ) {
    if (o + 12 > bytes.length) throw invalidPng('it is truncated (no IEND chunk)')
    const length = view.getUint32(o)
    const type = String.fromCharCode(bytes[o + 4]!, bytes[o + 5]!, bytes[o + 6]!, bytes[o + 7]!)
    if (length > bytes.length - o - 12)
      throw invalidPng(`the ${JSON.stringify(type)} chunk runs past the end`)
    const data = bytes.subarray(o + 8, o + 8 + length)
    if (header === undefined && type !== 'IHDR') throw invalidPng('the first chunk is not IHDR')
    if (type === 'IHDR') {
      if (header !== undefined) throw invalidPng('it has two IHDR chunks')
      header = readHeader(data, limit)
    } else if (type === 'IDAT') {
      idatParts.push(data)
      idatBytes += length
    } else if (type === 'IEND') ended = true
    o += 12 + length
  }
  if (header === undefined || idatParts.length === 0) throw invalidPng('it has no image data')
  const idat = new Uint8Array(idatBytes)
  let at = 0
  for (const part of idatParts) {
    idat.set(part, at)
    at += part.length
  }
  return { header, idat }
}

function readHeader(data: Uint8Array, limit: number): PngHeader {
  if (data.length !== 13) throw invalidPng('the IHDR chunk is not 13 bytes')
  const view = new DataView(data.buffer, data.byteOffset, 13)
  const width = view.getUint32(0)
  const height = view.getUint32(4)
  const [bitDepth, colorType, compression, filter, interlace] = [8, 9, 10, 11, 12].map((i) => data[i]!) as [
    number,
    number,
    number,
    number,
    number,
  ]
  if (width === 0 || height === 0) throw invalidPng(`it declares an empty image (${width} × ${height})`)
  if (width > maxSide || height > maxSide || width * height > limit) {
    throw new ImageTooLargeError(
      `The image declares ${width} × ${height} pixels, more than a camera frame.`,
      {
        hint: `Give frames of at most ${maxSide} pixels a side and ${limit} pixels in all (downscale the capture).`,
      },
    )
  }
  const colour = COLOUR_TYPES[colorType]
  if (!colour?.depths.includes(bitDepth))
    throw invalidPng(`colour type ${colorType} with bit depth ${bitDepth} is not a PNG format`)
  if (compression !== 0 || filter !== 0 || interlace > 1)
    throw invalidPng('it uses an unknown compression, filter or interlace method')
  const bitsPerPixel = colour.channels * bitDepth
  const inflatedBytes =
    interlace === 0
      ? height * rowBytes(width, bitsPerPixel)
      : ADAM7.reduce((sum, [x0, y0, dx, dy]) => {
          const w = Math.ceil(Math.max(0, width - x0) / dx)
          const h = Math.ceil(Math.max(0, height - y0) / dy)
          return sum + (w === 0 ? 0 : h * rowBytes(w, bitsPerPixel))
        }, 0)
  return { width, height, bitDepth, colorType, interlaced: interlace === 1, inflatedBytes }
}

/**
 * Checks a PNG before any decoder sees it: the header (see `inspect`), then the image data is inflated
 * in a stream that stops as soon as it passes the size the header implies, so a decompression bomb costs
 * at most one image's worth of work. Throws `Transport.ImageTooLargeError` or `Transport.InvalidImageError`.
 *
 * @example
 * const header = await Png.check(readFileSync('frame-0001.png'))
 * const png = PNG.sync.read(bytes) // now bounded
 */
export async function check(
  bytes: Uint8Array,
  options: { maxPixels?: number | undefined } = {},
): Promise<PngHeader> {
  const { header, idat } = inspect(bytes, options)
  const reader = new Blob([idat as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'))
    .getReader()
  let inflated = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      inflated += value.length
      if (inflated > header.inflatedBytes) {
        await reader.cancel().catch(() => undefined)
        throw new ImageTooLargeError('The image data inflates to more than its declared size.', {
          hint: 'The file is damaged or hostile (a decompression bomb); capture the frame again.',
          details: `more than ${header.inflatedBytes} bytes for ${header.width} × ${header.height}`,
        })
      }
    }
  } catch (error) {
    if (error instanceof ImageTooLargeError) throw error
    throw invalidPng(
      'its compressed image data is corrupt',
      error instanceof Error ? error.message : String(error),
    )
  }
  if (inflated < header.inflatedBytes)
    throw invalidPng(
      'its image data is shorter than the header declares',
      `${inflated} of ${header.inflatedBytes} bytes`,
    )
  return header
}

/**
 * Checks an image file picked in a window (`<input type=file>`) before the browser decodes it: only
 * PNG is accepted (the browser would decode any format with no size limit), then `check`.
 *
 * @example
 * await Png.checkFile(input.files[0]) // throws Transport.ImageTooLargeError for a decompression bomb
 * const bitmap = await createImageBitmap(input.files[0])
 */
export async function checkFile(file: Blob): Promise<PngHeader> {
  if (file.type !== 'image/png') {
    throw new InvalidImageError(
      `Only PNG images can be imported (this is ${file.type || 'an unknown type'}).`,
      {
        hint: 'Save the QR frames as PNG (screenshots and Airlock frames are PNG).',
      },
    )
  }
  return check(new Uint8Array(await file.arrayBuffer()))
}
