// Node-only file helpers for commands that read inputs and write results.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { InputFileError } from '../errors.ts'

/**
 * Writes a file atomically: a temp file beside it, fsync, then rename over the target, so a crash
 * leaves either the old file or the new one, never half of either.
 *
 * @example
 * writeFileAtomic('bundle.json', `${JSON.stringify(bundle, null, 2)}\n`)
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, { mode = 0o644 } = {}): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  try {
    const fd = openSync(temp, 'wx', mode)
    try {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
      let written = 0
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
  } catch (cause) {
    rmSync(temp, { force: true })
    throw new InputFileError(`Cannot write ${path}.`, {
      hint: 'Check that the directory exists and is writable.',
      details: (cause as Error).message,
      cause,
    })
  }
}

/**
 * Reads a file's bytes, turning a missing or unreadable file into an InputFileError naming it.
 *
 * @example
 * const bytes = readInputFile('audit.jsonl', 'audit log')
 */
export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path))
  } catch (cause) {
    throw new InputFileError(`Cannot read the ${what} file ${path}.`, {
      hint: 'Check the path and the file permissions.',
      details: (cause as Error).message,
      cause,
    })
  }
}
