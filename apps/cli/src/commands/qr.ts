import { readdirSync, rmSync, statSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import { isBaseError } from '@airlock/errors'
import {
  AuditLogExport,
  EthSignature,
  EthSignRequest,
  PolicyBundle,
  SignatureResponse,
  SignRequest,
  Ur,
  UrDecoder,
  UrTypes,
} from '@airlock/transport'
import type { DensityPlan } from '@airlock/transport/images'
import { decode as cborDecode, encode as cborEncode } from 'cborg'
import type { Command, OptionSpec } from '../command.ts'
import { InputFileError, UsageError } from '../errors.ts'
import { type Io, toJson } from '../io.ts'
import { hex } from '../print.ts'
import { forceOption, readInputFile, writeOutputDir, writeOutputFile } from './atomicFile.ts'

// The QR code (qrcode, pngjs, zxing) loads only when frames are drawn or read: commands that merely
// import this module (`sign review` of a UR file) start without it.
function images() {
  return import('@airlock/transport/images')
}

export const densityOptions: Record<string, OptionSpec> = {
  type: {
    type: 'string',
    help: 'UR type (default bytes: the file is wrapped as a CBOR byte string; UR text keeps its own type)',
  },
  fragment: { type: 'string', help: 'fragment size in bytes (default: auto-tuned for a ~2 s scan)' },
  fps: { type: 'string', help: 'frames per second (default: auto-tuned)' },
  'density-step': densityStepOption(),
}

/**
 * The --density-step option: the user's step from the default density (sparser below 0, denser above).
 *
 * @example
 * options: { 'density-step': densityStepOption() }
 */
export function densityStepOption(): OptionSpec {
  return {
    type: 'string',
    help: 'step the QR density from the default: -3..3, e.g. --density-step=-1 sparser (a weak camera), 1 denser (faster)',
  }
}

/** The UR message for a payload: `bytes` wraps it as a CBOR byte string, other types carry CBOR as-is. */
function urMessage(type: string, payload: Uint8Array): Uint8Array {
  return type === 'bytes' ? cborEncode(payload) : payload
}

/**
 * What to encode from an input file: UR text (`ur:type/…`, one part per line, as `sign approve`
 * prints it) keeps its own type and message; anything else is a payload of --type (default bytes).
 */
function messageOf(input: Uint8Array, typeFlag: unknown): { type: string; message: Uint8Array } {
  let text: string | undefined
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(input).trim()
  } catch {
    text = undefined
  }
  if (text !== undefined && /^ur:[a-z0-9-]+\//i.test(text)) {
    const decoder = new UrDecoder()
    let status: ReturnType<UrDecoder['receive']> | undefined
    for (const part of text.split(/\s+/)) status = decoder.receive(part)
    if (status?.status !== 'complete') {
      throw new InputFileError('The input holds UR text, but not one complete UR.', {
        hint: 'Give every part of the UR, one per line (or the whole single-part UR).',
      })
    }
    const { type, payload } = status.result
    if (typeof typeFlag === 'string' && typeFlag !== type) {
      throw new UsageError(`The input is a ${type} UR, not ${typeFlag}.`, {
        hint: 'Leave out --type for UR text.',
      })
    }
    return { type, message: payload }
  }
  const type = typeof typeFlag === 'string' ? typeFlag : 'bytes'
  return { type, message: urMessage(type, input) }
}

/**
 * A positive whole-number flag, or undefined when absent; a UsageError otherwise.
 *
 * @example
 * positiveInt(values.frames, 'frames') // 12
 */
export function positiveInt(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive whole number, got "${value}".`, {
      hint: `Example: --${flag} 400`,
    })
  }
  return n
}

async function readInput(path: string, io: Io): Promise<Uint8Array> {
  return path === '-' ? io.readStdin() : readInputFile(resolve(io.cwd, path), 'input')
}

/**
 * The QR density for a message: auto-tuned, or the --fragment / --fps the user gave.
 *
 * @example
 * const density = await plan(values, message, 'airlock-sign-request')
 */
export async function plan(
  values: Record<string, unknown>,
  message: Uint8Array,
  type: string,
): Promise<DensityPlan> {
  const fragmentBytes = positiveInt(values.fragment, 'fragment')
  const fps = positiveInt(values.fps, 'fps')
  const step = densityStep(values['density-step'])
  const { QrDensity } = await images()
  // A Keystone reads what it shows itself (200 B @ 5 fps), whatever suits Airlock's own scanner.
  if (type === EthSignRequest.urType && fragmentBytes === undefined && fps === undefined) {
    return QrDensity.keystone({ messageBytes: message.length, type, step })
  }
  return QrDensity.tune({
    messageBytes: message.length,
    type,
    step,
    ...(fragmentBytes === undefined ? {} : { fragmentBytes }),
    ...(fps === undefined ? {} : { fps }),
  })
}

function densityStep(value: unknown): number {
  if (value === undefined) return 0
  const n = Number(value)
  if (!Number.isInteger(n) || Math.abs(n) > 3) {
    throw new UsageError(`--density-step must be a whole number from -3 to 3, got "${value}".`, {
      hint: 'Example: --density-step=-1 for a sparser code that a weak camera reads more easily.',
    })
  }
  return n
}

export const qrEncode: Command = {
  path: ['qr', 'encode'],
  summary: 'Encode a file as animated UR QR frames (numbered PNGs plus an animated preview.html).',
  usage: 'qr encode <file|-> --out DIR [--force] [--type bytes] [--fragment N] [--fps N] [--frames N]',
  allowPositionals: true,
  options: {
    ...densityOptions,
    out: { type: 'string', help: 'directory for frame-0001.png … and preview.html (created; never emptied)' },
    ...forceOption,
    frames: {
      type: 'string',
      help: 'frames to write (default: twice the fragment count, for dropped frames)',
    },
  },
  run: async ({ values, positionals, io }) => {
    const [input] = positionals
    if (!input || positionals.length > 1) {
      throw new UsageError('Give exactly one input file (or - for standard input).', {
        hint: `Usage: airlock ${qrEncode.usage}`,
      })
    }
    if (typeof values.out !== 'string')
      throw new UsageError('--out DIR is required.', { hint: `Usage: airlock ${qrEncode.usage}` })
    const { type, message } = messageOf(await readInput(input, io), values.type)
    const density = await plan(values, message, type)
    const encoder = Ur.encode({ type, payload: message, maxFragmentLength: density.maxFragmentLength })
    const count =
      positiveInt(values.frames, 'frames') ?? (encoder.isSinglePart ? 1 : 2 * encoder.fragmentCount)
    const parts = encoder.firstParts(count)

    await writeFrames({ out: values.out, parts, density, io, force: values.force === true })
    io.stderr(
      `${parts.length} frames (${encoder.fragmentCount} fragments of ${density.fragmentBytes} bytes, QR version ${density.version}, EC ${density.ecLevel}) at ${density.fps} fps: about ${density.expectedSeconds.toFixed(1)} s to scan.\n`,
    )
    return 0
  },
}

/**
 * Writes UR parts as frame-0001.png …, preview.html and parts.txt into a new (or empty) directory; a
 * new one is staged beside it and renamed into place, so a failure leaves nothing half-written. A
 * non-empty directory is refused unless `force` (then frames of an earlier, longer run are removed so
 * they do not mix with these; other files are kept).
 *
 * @example
 * await writeFrames({ out: 'frames', parts: encoder.firstParts(8), density, io })
 */
export async function writeFrames({
  out: outArg,
  parts,
  density,
  io,
  force = false,
}: {
  out: string
  parts: readonly string[]
  density: Pick<DensityPlan, 'ecLevel' | 'version' | 'fps'>
  io: Io
  force?: boolean | undefined
}): Promise<void> {
  const out = resolve(io.cwd, outArg)
  const files: [string, string | Uint8Array][] = []
  const svgs: string[] = []
  const { QrCode } = await images()
  for (const [i, part] of parts.entries()) {
    const qr = QrCode.encode(part, { ecLevel: density.ecLevel, version: density.version })
    files.push([frameName(i + 1), await QrCode.toPng(qr, { scale: 6 })])
    svgs.push(QrCode.toSvg(qr, { scale: 6 }))
  }
  files.push(['preview.html', previewHtml(svgs, density.fps)], ['parts.txt', `${parts.join('\n')}\n`])
  writeOutputDir({ path: out, files, force })
  if (force) {
    const fresh = new Set(files.map(([name]) => name))
    for (const name of readdirSync(out))
      if (/^frame-\d{4,}\.png$/.test(name) && !fresh.has(name)) rmSync(join(out, name), { force: true })
  }
}

const frameName = (n: number) => `frame-${String(n).padStart(4, '0')}.png`

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function previewHtml(svgs: string[], fps: number): string {
  const frames = svgs.map((svg) => JSON.stringify(svg)).join(',\n')
  return `<!doctype html>
<meta charset="utf-8"><title>Airlock QR</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<style>body{margin:0;display:grid;place-items:center;height:100vh;background:#fff;font:14px system-ui}#q svg{width:min(90vw,90vh);height:auto}</style>
<div id="q"></div><p id="n"></p>
<script>
const frames = [${frames}];
let i = 0;
const show = () => { document.getElementById('q').innerHTML = frames[i]; document.getElementById('n').textContent = 'frame ' + (i + 1) + ' / ' + frames.length; i = (i + 1) % frames.length; };
show(); if (frames.length > 1) setInterval(show, ${Math.round(1000 / fps)});
</script>
`
}

function listImages(inputs: string[], io: Io): string[] {
  const files: string[] = []
  for (const input of inputs) {
    const path = resolve(io.cwd, input)
    if (existsDir(path)) {
      files.push(
        ...readdirSync(path)
          .filter((name) => extname(name).toLowerCase() === '.png')
          .sort()
          .map((name) => join(path, name)),
      )
    } else files.push(path)
  }
  if (files.length === 0) {
    throw new UsageError('No PNG images found.', {
      hint: 'Give a directory of frame PNGs or the image files.',
    })
  }
  return files
}

async function readPng(file: string): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const bytes = readInputFile(file, 'image')
  try {
    // Dimensions and inflated size are bounded before pngjs allocates or inflates anything.
    return await (await images()).decodePng(bytes)
  } catch (cause) {
    if (!isBaseError(cause)) throw cause
    throw new InputFileError(`${file}: ${cause.shortMessage}`, {
      hint: cause.hint,
      details: cause.details,
      cause,
    })
  }
}

/** Describes a decoded UR in JSON terms: Airlock and Keystone types are decoded and validated. */
export function describeUr(type: string, payload: Uint8Array): Record<string, unknown> {
  const ur = { type, payload }
  switch (type) {
    case UrTypes.SIGN_REQUEST:
      return { type, signRequest: SignRequest.fromUr(ur) }
    case UrTypes.SIGNATURE:
      return { type, signature: SignatureResponse.fromUr(ur) }
    case UrTypes.POLICY_BUNDLE:
      return { type, policyBundle: PolicyBundle.fromUr(ur) }
    case UrTypes.AUDIT_LOG:
      return { type, auditLog: AuditLogExport.fromUr(ur) }
    case EthSignRequest.urType:
      return { type, ethSignRequest: EthSignRequest.fromUr(ur) }
    case EthSignature.urType:
      return { type, ethSignature: EthSignature.decode(payload) }
    case 'bytes':
      return { type, length: unwrapBytes(payload).length, hex: hex(unwrapBytes(payload)) }
    default:
      return { type, length: payload.length, cbor: hex(payload) }
  }
}

function unwrapBytes(message: Uint8Array): Uint8Array {
  const value = (() => {
    try {
      return cborDecode(message)
    } catch {
      return undefined
    }
  })()
  if (!(value instanceof Uint8Array)) {
    throw new InputFileError('The ur:bytes message is not a CBOR byte string.', {
      hint: 'The sender did not follow the bytes UR type; ask it for a standard ur:bytes stream.',
    })
  }
  return value
}

/**
 * Decodes PNG frames (files or directories of them) with zxing into one UR, reporting each frame's
 * progress on stderr. Throws InputFileError when the frames do not complete the message.
 *
 * @example
 * const { type, payload } = await decodeImages({ inputs: ['frames/'], io, expectedTypes: ['airlock-signature'] })
 */
export async function decodeImages({
  inputs,
  io,
  expectedTypes,
}: {
  inputs: string[]
  io: Io
  expectedTypes?: string[] | undefined
}): Promise<{ type: string; payload: Uint8Array }> {
  const files = listImages(inputs, io)
  const { QrReader, loadZxingReaderWasm } = await images()
  const reader = await QrReader.create({ wasmBinary: await loadZxingReaderWasm() })
  const decoder = new UrDecoder(expectedTypes ? { expectedTypes } : {})
  let problems = 0
  for (const file of files) {
    const symbols = await reader.read(await readPng(file))
    if (symbols.length === 0) io.stderr(`${file}: no QR code found\n`)
    for (const symbol of symbols) {
      const status = decoder.receive(symbol.text)
      const { receivedParts, expectedParts, estimatedPercent } = status.progress
      if ('message' in status) {
        problems += 1
        io.stderr(`${file}: ${status.message}\n`)
      } else {
        io.stderr(
          `${file}: ${status.status}, ${receivedParts}/${expectedParts ?? '?'} parts, ${estimatedPercent}%\n`,
        )
      }
      if (status.status === 'complete') break
    }
    if (decoder.isComplete) break
  }
  const result = decoder.result()
  if (!result) {
    const progress = decoder.progress()
    throw new InputFileError(
      `The frames did not complete the message: ${progress.estimatedPercent}% after ${progress.framesSeen} frames${problems ? `, ${problems} unusable` : ''}.`,
      { hint: 'Capture more frames (let the animation run longer) and decode again.' },
    )
  }
  return result
}

export const qrDecode: Command = {
  path: ['qr', 'decode'],
  summary: 'Decode UR QR frames (PNG images or a directory of them) back into the payload.',
  usage: 'qr decode <DIR|images...> [--out FILE [--force]] [--json] [--type T]',
  allowPositionals: true,
  options: {
    out: { type: 'string', help: 'write the payload to FILE instead of stdout (a new file)' },
    ...forceOption,
    json: { type: 'boolean', help: 'describe the UR as JSON (Airlock and Keystone types decoded)' },
    type: { type: 'string', multiple: true, help: 'accept only this UR type (repeatable)' },
  },
  run: async ({ values, positionals, io }) => {
    if (positionals.length === 0)
      throw new UsageError('Give a directory of frames or image files.', {
        hint: `Usage: airlock ${qrDecode.usage}`,
      })
    const result = await decodeImages({
      inputs: positionals,
      io,
      expectedTypes: values.type as string[] | undefined,
    })
    if (values.json) {
      io.stdout(`${toJson(describeUr(result.type, result.payload))}\n`)
      return 0
    }
    const payload = result.type === 'bytes' ? unwrapBytes(result.payload) : result.payload
    if (typeof values.out === 'string') {
      writeOutputFile({
        path: resolve(io.cwd, values.out),
        content: payload,
        force: values.force === true,
        inputs: positionals.map((input) => resolve(io.cwd, input)),
      })
    } else io.stdoutBytes(payload)
    return 0
  },
}

export const qrShow: Command = {
  path: ['qr', 'show'],
  summary: 'Show a file as an animated UR QR code in the terminal.',
  usage: 'qr show <file|-> [--type bytes] [--fragment N] [--fps N] [--density-step N] [--loops N] [--light]',
  allowPositionals: true,
  options: {
    ...densityOptions,
    loops: {
      type: 'string',
      help: 'times to cycle through the fragments (default: until interrupted on a TTY, once otherwise)',
    },
    light: { type: 'boolean', help: 'for terminals with dark text on a light background' },
  },
  run: async ({ values, positionals, io }) => {
    const [input] = positionals
    if (!input)
      throw new UsageError('Give the file to show (or - for standard input).', {
        hint: `Usage: airlock ${qrShow.usage}`,
      })
    const { type, message } = messageOf(await readInput(input, io), values.type)
    const density = await plan(values, message, type)
    const encoder = Ur.encode({ type, payload: message, maxFragmentLength: density.maxFragmentLength })
    const loops = positiveInt(values.loops, 'loops') ?? (io.isTty ? Number.POSITIVE_INFINITY : 1)
    const background = values.light ? 'light' : 'dark'
    const total = encoder.isSinglePart ? 1 : Math.min(loops * encoder.fragmentCount, Number.MAX_SAFE_INTEGER)
    const { QrCode } = await images()
    for (let shown = 0; shown < total; shown++) {
      const part = encoder.nextPart()
      const qr = QrCode.encode(part, { ecLevel: density.ecLevel, version: density.version })
      const frame = `${QrCode.toTerminal(qr, { background })}\n${shown + 1}/${encoder.fragmentCount} ${part.slice(0, 32)}…\n`
      io.stdout(io.isTty ? `\x1b[H\x1b[2J${frame}` : frame)
      if (total > 1) await new Promise((done) => setTimeout(done, 1000 / density.fps))
    }
    return 0
  },
}
