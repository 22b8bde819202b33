// Node-only file helpers for commands that read inputs and write results. Every output is written to
// a temporary file beside it, fsynced and renamed (or linked) into place: a crash, a full disk or a
// read-only mount leaves the old file or the new one, never half of either, and never a stray temp file.
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { FileSystemError, systemErrorOf } from '@airlock/errors'
import type { OptionSpec } from '../command.ts'
import { InputFileError, OutputExistsError } from '../errors.ts'

/** The `--force` flag of every command that writes an output. */
export const forceOption: Record<'force', OptionSpec> = {
  force: {
    type: 'boolean',
    help: 'replace an existing output file (directories are never replaced or emptied)',
  },
}

/**
 * Writes a file atomically: a temp file beside it, fsync, then rename over the target (or, with
 * `replace: false`, link it into place, which fails if the target exists, so nothing is clobbered even
 * when another process creates the file in between). File-system faults become FileSystemError.
 *
 * @example
 * writeFileAtomic('bundle.json', `${JSON.stringify(bundle, null, 2)}\n`)
 */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  { mode = 0o644, replace = true }: { mode?: number | undefined; replace?: boolean | undefined } = {},
): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let created = false
  try {
    const fd = openSync(temp, 'wx', mode)
    created = true
    try {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
      let written = 0
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    if (replace) renameSync(temp, path)
    else {
      linkSync(temp, path)
      unlinkSync(temp)
    }
    created = false
    syncDirectory(dirname(path))
  } catch (cause) {
    if (created) rmSync(temp, { force: true })
    if (systemErrorOf(cause)?.code === 'EEXIST' && !replace) throw outputExists(path)
    throw writeError(cause, path)
  }
}

/**
 * Writes a command's output file: refused when the path exists or is one of the command's inputs,
 * unless `force`; a directory is never replaced. Atomic like `writeFileAtomic`.
 *
 * @example
 * writeOutputFile({ path: out, content: payload, force: values.force === true, inputs: [inputPath] })
 */
export function writeOutputFile({
  path,
  content,
  force = false,
  inputs = [],
  mode,
}: {
  path: string
  content: string | Uint8Array
  force?: boolean | undefined
  inputs?: readonly string[] | undefined
  mode?: number | undefined
}): void {
  const existing = kindOf(path)
  if (existing === 'directory') {
    throw new OutputExistsError(`${path} is a directory; the output is a file.`, {
      hint: 'Give a file path (directories are never replaced).',
    })
  }
  if (existing === 'file' && !force) {
    throw isInput(path, inputs)
      ? new OutputExistsError(`${path} is also an input of this command.`, {
          hint: 'Write the output to a new file (or add --force to replace the input).',
        })
      : outputExists(path)
  }
  writeFileAtomic(path, content, { mode, replace: force })
}

/**
 * Writes files into an output directory. A missing directory is created whole: staged as a temporary
 * directory beside it and renamed into place. An existing empty directory is filled; a non-empty one is
 * refused unless `force`, and even then only the named files are written (atomically), never the others.
 *
 * @example
 * writeOutputDir({ path: 'frames', files: [['parts.txt', text]], force: false })
 */
export function writeOutputDir({
  path,
  files,
  force = false,
}: {
  path: string
  files: readonly (readonly [name: string, content: string | Uint8Array])[]
  force?: boolean | undefined
}): void {
  const existing = checkOutputDir({ path, force })
  if (existing !== 'missing') {
    const empty = existing === 'empty'
    for (const [name, content] of files) writeFileAtomic(join(path, name), content, { replace: !empty })
    return
  }
  const parent = dirname(path)
  const staging = join(parent, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    mkdirSync(parent, { recursive: true })
    mkdirSync(staging)
  } catch (cause) {
    throw writeError(cause, path)
  }
  try {
    for (const [name, content] of files) writeFileAtomic(join(staging, name), content, { replace: false })
    // rename(2) onto a directory that appeared meanwhile succeeds only if that one is empty.
    renameSync(staging, path)
    syncDirectory(parent)
  } catch (cause) {
    rmSync(staging, { recursive: true, force: true })
    const code = systemErrorOf(cause)?.code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw outputExists(path)
    throw cause instanceof FileSystemError ? cause : writeError(cause, path)
  }
}

/**
 * Checks an output directory as `writeOutputDir` will, so a command refuses a bad `--out` before any
 * slow work (reading the chain): a file is never replaced; a non-empty directory needs `force`.
 *
 * @example
 * checkOutputDir({ path: out, force: values.force === true })
 */
export function checkOutputDir({
  path,
  force = false,
}: {
  path: string
  force?: boolean | undefined
}): 'missing' | 'empty' | 'filled' {
  const existing = kindOf(path)
  if (existing === 'file') {
    throw new OutputExistsError(`${path} is a file; the output is a directory.`, {
      hint: 'Give a new directory path (an existing file is never replaced by a directory).',
    })
  }
  if (existing === undefined) return 'missing'
  if (readdirOrThrow(path).length === 0) return 'empty'
  if (!force) {
    throw new OutputExistsError(`${path} exists and is not empty.`, {
      hint: 'Choose a new directory (or add --force to write into it; other files in it are kept).',
    })
  }
  return 'filled'
}

function kindOf(path: string): 'file' | 'directory' | undefined {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file'
  } catch (cause) {
    const code = systemErrorOf(cause)?.code
    if (code === 'ENOENT') return undefined
    throw FileSystemError.from({ cause, path, doing: `check the output ${path}` })
  }
}

function readdirOrThrow(path: string): string[] {
  try {
    return readdirSync(path)
  } catch (cause) {
    throw FileSystemError.from({ cause, path, doing: `read the output directory ${path}` })
  }
}

function isInput(path: string, inputs: readonly string[]): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p)
    } catch {
      return resolve(p)
    }
  }
  const target = real(path)
  return inputs.some((input) => input !== '-' && real(input) === target)
}

function syncDirectory(dir: string): void {
  // The rename is durable only once the directory entry is; some file systems refuse fsync on a directory.
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {}
}

function outputExists(path: string): OutputExistsError {
  return new OutputExistsError(`${path} already exists.`, {
    hint: 'Choose a new output path (or add --force to replace it).',
  })
}

function writeError(cause: unknown, path: string): Error {
  if (cause instanceof FileSystemError || cause instanceof OutputExistsError) return cause
  return FileSystemError.from({ cause, path, doing: `write ${path}` })
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
