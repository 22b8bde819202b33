import * as QRCodeLib from 'qrcode'
import { QrEncodeError } from './errors.ts'
import { encodeBilevelPng } from './png.ts'
import type { RgbaFrame } from './RgbaFrame.ts'

/** QR error-correction level: recovers about 7% (L), 15% (M), 25% (Q), 30% (H) of codewords. */
export type EcLevel = 'L' | 'M' | 'Q' | 'H'

/** How the text was put into the symbol. */
export type QrMode = 'alphanumeric' | 'byte'

/** An encoded QR symbol: a square matrix of modules, 1 = dark, row-major, without quiet zone. */
export type QrCode = {
  /** Modules per side (17 + 4 × version). */
  size: number
  modules: Uint8Array
  version: number
  ecLevel: EcLevel
  mode: QrMode
  text: string
}

export type EncodeParameters = {
  /** Default 'M': see QrDensity for why. */
  ecLevel?: EcLevel | undefined
  /** Force a version (1–40); by default the smallest that fits. */
  version?: number | undefined
  /** Refuse texts that need a version above this (default 40). */
  maxVersion?: number | undefined
}

export type LayoutParameters = {
  /** Quiet-zone width in modules (the spec asks for 4). */
  margin?: number | undefined
  /** Swap dark and light (light-on-dark, as some wallets display). */
  invert?: boolean | undefined
}

export type RasterParameters = LayoutParameters & {
  /** Pixels per module. */
  scale?: number | undefined
}

// The QR alphanumeric set. Uppercase UR strings ("UR:TYPE/1-9/LPAD…") use only these characters,
// which encode at 5.5 bits each instead of 8 in byte mode: 31% smaller symbols.
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/

/**
 * Encodes text into a QR matrix. Texts made only of QR alphanumeric characters (uppercase UR
 * parts) are passed to `qrcode` as one explicit alphanumeric segment, so it cannot fall back to
 * byte mode; anything else goes in as one byte segment (UTF-8).
 *
 * @example
 * const qr = QrCode.encode('UR:BYTES/HDCXLKAHSSQZWFVSLOFZOXWKRE', { ecLevel: 'M' })
 * qr.mode // 'alphanumeric'
 */
export function encode(
  text: string,
  { ecLevel = 'M', version, maxVersion = 40 }: EncodeParameters = {},
): QrCode {
  if (typeof text !== 'string' || text.length === 0) {
    throw new QrEncodeError('There is no text to put in the QR code.', {
      hint: 'Pass a non-empty string, e.g. one UR part.',
    })
  }
  const mode: QrMode = ALPHANUMERIC.test(text) ? 'alphanumeric' : 'byte'
  const segment: QRCodeLib.QRCodeSegment =
    mode === 'alphanumeric' ? { data: text, mode: 'alphanumeric' } : { data: utf8(text), mode: 'byte' }
  let symbol: QRCodeLib.QRCode
  try {
    symbol = QRCodeLib.create([segment], {
      errorCorrectionLevel: ecLevel,
      ...(version === undefined ? {} : { version }),
    })
  } catch (cause) {
    throw new QrEncodeError('The text does not fit in a QR code of the allowed size.', {
      hint: 'Use smaller UR fragments (maxFragmentLength) or a lower error-correction level.',
      details: `${text.length} characters, mode ${mode}, ecLevel ${ecLevel}${version ? `, version ${version}` : ''}: ${(cause as Error).message}`,
      cause,
    })
  }
  if (symbol.version > maxVersion) {
    throw new QrEncodeError('The text needs a QR code denser than cameras read reliably.', {
      hint: 'Use smaller UR fragments (maxFragmentLength) so each frame stays at or below the allowed version.',
      details: `${text.length} characters need version ${symbol.version}, allowed at most ${maxVersion}`,
    })
  }
  return {
    size: symbol.modules.size,
    modules: Uint8Array.from(symbol.modules.data),
    version: symbol.version,
    ecLevel,
    mode,
    text,
  }
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** Whether the pixel at module coordinates (mx, my), quiet zone included, is dark. */
function darkAt(qr: QrCode, mx: number, my: number, margin: number, invert: boolean): boolean {
  const x = mx - margin
  const y = my - margin
  const inside = x >= 0 && y >= 0 && x < qr.size && y < qr.size
  const dark = inside && qr.modules[y * qr.size + x] === 1
  return dark !== invert
}

function checkLayout(margin: number, scale = 1): void {
  if (
    !Number.isInteger(margin) ||
    margin < 0 ||
    margin > 64 ||
    !Number.isInteger(scale) ||
    scale < 1 ||
    scale > 64
  ) {
    throw new QrEncodeError('The QR image layout is invalid.', {
      hint: 'Use an integer margin from 0 to 64 modules and an integer scale from 1 to 64 pixels.',
      details: `margin ${margin}, scale ${scale}`,
    })
  }
}

/**
 * Rasterises a QR matrix to raw RGBA pixels (no PNG round trip): what tests and the camera
 * simulator start from.
 *
 * @example
 * const frame = QrCode.toRgba(QrCode.encode('UR:BYTES/…'), { scale: 4, margin: 4 })
 */
export function toRgba(
  qr: QrCode,
  { scale = 4, margin = 4, invert = false }: RasterParameters = {},
): RgbaFrame & {
  data: Uint8ClampedArray
} {
  checkLayout(margin, scale)
  const side = (qr.size + 2 * margin) * scale
  const data = new Uint8ClampedArray(side * side * 4)
  for (let y = 0; y < side; y++) {
    const my = Math.floor(y / scale)
    for (let x = 0; x < side; x++) {
      const v = darkAt(qr, Math.floor(x / scale), my, margin, invert) ? 0 : 255
      const i = (y * side + x) * 4
      data[i] = v
      data[i + 1] = v
      data[i + 2] = v
      data[i + 3] = 255
    }
  }
  return { data, width: side, height: side }
}

/**
 * Renders a QR matrix as a 1-bit PNG file.
 *
 * @example
 * const png: Uint8Array = await QrCode.toPng(QrCode.encode('UR:BYTES/…'), { scale: 6 })
 */
export async function toPng(
  qr: QrCode,
  { scale = 4, margin = 4, invert = false }: RasterParameters = {},
): Promise<Uint8Array> {
  checkLayout(margin, scale)
  const side = (qr.size + 2 * margin) * scale
  return encodeBilevelPng({
    width: side,
    height: side,
    dark: (x, y) => darkAt(qr, Math.floor(x / scale), Math.floor(y / scale), margin, invert),
  })
}

/**
 * Renders a QR matrix as a standalone SVG document: one path, one unit per module, scaled by
 * `scale` in the width/height attributes. `shape-rendering: crispEdges` avoids anti-aliased seams
 * between modules, which cost cameras contrast.
 *
 * @example
 * const svg: string = QrCode.toSvg(QrCode.encode('UR:BYTES/…'), { scale: 8 })
 */
export function toSvg(qr: QrCode, { scale = 4, margin = 4, invert = false }: RasterParameters = {}): string {
  checkLayout(margin, scale)
  const side = qr.size + 2 * margin
  let path = ''
  for (let y = 0; y < side; y++) {
    let x = 0
    while (x < side) {
      if (!darkAt(qr, x, y, margin, invert)) {
        x++
        continue
      }
      const start = x
      while (x < side && darkAt(qr, x, y, margin, invert)) x++
      path += `M${start} ${y}h${x - start}v1h${start - x}z`
    }
  }
  const px = side * scale
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`
  )
}

/**
 * Renders a QR matrix for a terminal with Unicode half blocks (two modules per character cell).
 *
 * A block character is drawn in the terminal's foreground colour. On the usual dark background
 * (`background: 'dark'`, the default) blocks therefore mark the *light* modules, so the code still
 * reads dark-on-light, which every phone scanner handles; pass `background: 'light'` for terminals
 * with dark text on a light background.
 *
 * @example
 * console.log(QrCode.toTerminal(QrCode.encode('UR:BYTES/…')))
 */
export function toTerminal(
  qr: QrCode,
  {
    margin = 2,
    invert = false,
    background = 'dark',
  }: LayoutParameters & { background?: 'dark' | 'light' | undefined } = {},
): string {
  checkLayout(margin)
  const side = qr.size + 2 * margin
  // Blocks are "ink": light modules on a dark terminal, dark modules on a light one.
  const ink = (x: number, y: number) => darkAt(qr, x, y, margin, invert) === (background === 'light')
  const lines: string[] = []
  for (let y = 0; y < side; y += 2) {
    let line = ''
    for (let x = 0; x < side; x++) {
      const top = ink(x, y)
      // The row below the last one is outside the symbol: give it the quiet-zone colour.
      const bottom = y + 1 < side ? ink(x, y + 1) : background === 'dark'
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' '
    }
    lines.push(line)
  }
  return lines.join('\n')
}
