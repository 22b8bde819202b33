import { statSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { UrDecoder, type UrResult } from '@airlock/transport'
import { readInputFile } from './commands/atomicFile.ts'
import { decodeImages } from './commands/qr.ts'
import { InputFileError, UsageError } from './errors.ts'
import type { Io } from './io.ts'

function isImageInput(path: string): boolean {
  try {
    return statSync(path).isDirectory() || extname(path).toLowerCase() === '.png'
  } catch {
    return false
  }
}

/**
 * Reads one UR from what crossed the air gap: PNG frames (files or a directory, decoded with zxing),
 * or a text file of UR parts, one per line; optionally the raw CBOR of `cborType` itself. Every
 * problem is an InputFileError naming the input and saying what to do.
 *
 * @example
 * const ur = await readUrInput({ inputs: ['frames/'], io, expectedTypes: ['airlock-signature'], what: 'signature' })
 */
export async function readUrInput({
  inputs,
  io,
  expectedTypes,
  what,
  cborType,
}: {
  inputs: string[]
  io: Io
  expectedTypes: string[]
  /** What the input is, for messages ("request", "Keystone signature"). */
  what: string
  /** Accept a file holding the raw CBOR of this UR type as well. */
  cborType?: string | undefined
}): Promise<UrResult> {
  const [first] = inputs
  if (first === undefined) {
    throw new UsageError(`Give the ${what}: a file of UR parts or PNG frames.`, {
      hint: "Run with '--help'.",
    })
  }
  const path = resolve(io.cwd, first)
  if (inputs.length > 1 || isImageInput(path)) return decodeImages({ inputs, io, expectedTypes })
  const bytes = readInputFile(path, what)
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).trim()
  if (!/^ur:/i.test(text)) {
    if (cborType !== undefined) return { type: cborType, payload: bytes }
    throw new InputFileError(`${first} does not hold UR text.`, {
      hint: `Give the ${what} as ur:${expectedTypes[0]}/… parts, one per line, or as PNG frames.`,
    })
  }
  const decoder = new UrDecoder({ expectedTypes })
  for (const line of text.split(/\s+/)) {
    const status = decoder.receive(line)
    if (status.status === 'complete') return status.result
    if ('error' in status && status.status !== 'new-session') {
      throw new InputFileError(`${first}: ${status.message}`, { hint: status.hint, cause: status.error })
    }
  }
  const { estimatedPercent } = decoder.progress()
  throw new InputFileError(`${first} holds an incomplete ${what} (${estimatedPercent}% of the message).`, {
    hint: 'Scan more frames of the animated QR code into the file, one part per line.',
  })
}
