import { BaseError } from './BaseError.ts'

/** What went wrong and what to do, by errno code: one table, so every file fault reads the same. */
const faults: Record<string, { what: (path: string) => string; hint: string }> = {
  EROFS: {
    what: (path) => `${path} is on a read-only file system.`,
    hint: 'Remount it read-write, or choose a location on a writable disk.',
  },
  ENOSPC: {
    what: (path) => `The disk holding ${path} is full.`,
    hint: 'Free some space (or choose another disk) and run the command again; nothing was half-written.',
  },
  EDQUOT: {
    what: (path) => `The disk quota for ${path} is exhausted.`,
    hint: 'Free some space within the quota and run the command again; nothing was half-written.',
  },
  EACCES: {
    what: (path) => `Permission denied on ${path}.`,
    hint: 'Check the owner and mode of the file and its directory, or run as the user that owns them.',
  },
  EPERM: {
    what: (path) => `The operation is not permitted on ${path}.`,
    hint: 'Check the owner, mode and attributes (e.g. immutable) of the file and its directory.',
  },
  EISDIR: {
    what: (path) => `${path} is a directory, not a file.`,
    hint: 'Give the path of a file (inside that directory, for example).',
  },
  ENOTDIR: {
    what: (path) => `A part of ${path} is a file, not a directory.`,
    hint: 'Check the path: one of its parent components is a regular file.',
  },
  ENOENT: {
    what: (path) => `${path} does not exist.`,
    hint: 'Check the path (and create its directory first if it is an output).',
  },
  EEXIST: {
    what: (path) => `${path} already exists.`,
    hint: 'Choose a new path, or move the existing one away.',
  },
  EMFILE: {
    what: (path) => `Too many open files while using ${path}.`,
    hint: 'Raise the open-file limit (ulimit -n) or close other programs, then run the command again.',
  },
  EIO: {
    what: (path) => `The disk reported an I/O error on ${path}.`,
    hint: 'Check the disk (dmesg, SMART); restore from backup if the file is damaged.',
  },
}

/**
 * A file-system operation failed for a reason outside Airlock's control (a read-only or full disk, a
 * permission, a directory where a file was expected). `code` is the errno name (`EROFS`, `ENOSPC` …).
 *
 * @example
 * throw FileSystemError.from({ cause: error, path: '/var/lib/airlock/out.json', doing: 'write' })
 */
export class FileSystemError extends BaseError {
  override name = 'Errors.FileSystemError'
  readonly code: string | undefined
  readonly path: string

  constructor({
    path,
    code,
    doing,
    cause,
  }: {
    path: string
    code?: string | undefined
    doing?: string | undefined
    cause?: unknown
  }) {
    const fault = code === undefined ? undefined : faults[code]
    super(
      `${doing ? `Cannot ${doing}: ` : ''}${fault ? fault.what(path) : `The file system refused ${path}.`}`,
      {
        hint: fault?.hint ?? 'Check the path, the disk and the permissions, then run the command again.',
        details: cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause),
        cause,
      },
    )
    this.code = code
    this.path = path
  }

  /**
   * The typed error for a Node system error (anything with an errno `code`); the path defaults to the
   * one the system error names.
   *
   * @example
   * try { writeFileSync(path, text) } catch (cause) { throw FileSystemError.from({ cause, path, doing: 'write the bundle' }) }
   */
  static from({
    cause,
    path,
    doing,
  }: {
    cause: unknown
    path?: string | undefined
    doing?: string | undefined
  }): FileSystemError {
    const system = systemErrorOf(cause)
    return new FileSystemError({
      path: path ?? system?.path ?? 'a file',
      code: system?.code,
      doing,
      cause,
    })
  }
}

/**
 * The errno code and path of a Node system error (`{ code: 'EROFS', syscall, path }`), or undefined
 * for anything else, so a front end can turn a stray file fault into a FileSystemError.
 *
 * @example
 * systemErrorOf(error)?.code // 'ENOSPC'
 */
export function systemErrorOf(error: unknown): { code: string; path: string | undefined } | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const { code, syscall, path } = error as { code?: unknown; syscall?: unknown; path?: unknown }
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code) || typeof syscall !== 'string') return undefined
  return { code, path: typeof path === 'string' ? path : undefined }
}
