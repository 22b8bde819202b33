import { readFileSync } from 'node:fs'
import type { Failure, LedgerDevice } from '@airlock/devices'
import { type BaseError, Json } from '@airlock/errors'
import { InputFileError } from './errors.ts'

/** The command's view of the outside world, injectable so commands are testable in-process. */
export type Io = {
  stdout: (text: string) => void
  /** Raw bytes to standard output (a decoded payload). */
  stdoutBytes: (bytes: Uint8Array) => void
  stderr: (text: string) => void
  readStdin: () => Promise<Uint8Array>
  cwd: string
  /** Whether standard output is a terminal (animations redraw in place only there). */
  isTty: boolean
  /** Opens the Ledger; USB HID (node-hid) when absent. Tests hand in a simulated Ethereum app. */
  openLedger?: (() => Promise<LedgerDevice | Failure>) | undefined
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
    return new Uint8Array(Buffer.concat(chunks))
  },
  cwd: process.cwd(),
  isTty: Boolean(process.stdout.isTTY),
}

/** Reads and parses a JSON file, turning every failure into an InputFileError naming the file. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new InputFileError(`Cannot read the ${what} file ${path}.`, {
      hint: 'Check the path and the file permissions.',
      details: (cause as Error).message,
      cause,
    })
  }
  try {
    // Bounded: a deeply nested or huge file is refused here, before anything walks it recursively.
    return Json.parse(text, { what: `${what} file ${path}` })
  } catch (cause) {
    const { shortMessage, hint, details } = cause as BaseError
    throw new InputFileError(shortMessage, { hint, details, cause })
  }
}

/** JSON with bigints as decimal strings, for --json output. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2)
}
