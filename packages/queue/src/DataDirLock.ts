// The embedded queue is one PGlite database in one directory, and PGlite is single-process: two
// processes on one directory corrupt or lose each other's writes. So the directory is held by one
// process at a time through `<dir>.lock` holding the holder's PID. A lock whose PID is dead (a
// crash, a SIGKILL) is taken over; teams that need several writers use PostgreSQL.
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { FileSystemError, systemErrorOf } from '@airlock/errors'
import { QueueInUseError } from './errors.ts'

export type DataDirLock = {
  readonly path: string
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void
}

/**
 * Takes the exclusive lock of an embedded queue directory, or throws QueueInUseError naming the live
 * holder at once (no waiting); a stale lock left by a dead process is taken over.
 *
 * @example
 * const lock = lockDataDir('/home/alice/.airlock/coordinator/queue')
 * try { … } finally { lock.release() }
 */
export function lockDataDir(dir: string): DataDirLock {
  const path = `${dir}.lock`
  const mine = `${process.pid} ${randomBytes(6).toString('hex')}\n`
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(path, mine)) return handle(path, mine)
    const held = read(path)
    if (held === undefined) continue // released in between: try again
    const pid = Number.parseInt(held.split(' ')[0] ?? '', 10)
    if (!Number.isSafeInteger(pid) || pid <= 0 || alive(pid)) {
      throw new QueueInUseError({ dir, lockPath: path, pid: Number.isSafeInteger(pid) ? pid : undefined })
    }
    takeOver(path, held)
  }
  throw new QueueInUseError({ dir, lockPath: path, pid: undefined })
}

/** Creates the lock with its content in one step (temp file + link), so nobody reads it half-written. */
function create(path: string, content: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fd = openSync(temp, 'wx', 0o600)
    try {
      writeSync(fd, content)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    linkSync(temp, path)
    return true
  } catch (cause) {
    if (systemErrorOf(cause)?.code === 'EEXIST') return false
    throw FileSystemError.from({ cause, path, doing: 'lock the queue directory' })
  } finally {
    try {
      unlinkSync(temp)
    } catch {}
  }
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (cause) {
    if (systemErrorOf(cause)?.code === 'ENOENT') return undefined
    throw FileSystemError.from({ cause, path, doing: 'read the queue lock' })
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return systemErrorOf(error)?.code === 'EPERM'
  }
}

/** Moves a dead holder's lock aside; if it changed meanwhile (someone live took it), puts it back. */
function takeOver(path: string, stale: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    renameSync(path, aside)
  } catch (cause) {
    if (systemErrorOf(cause)?.code === 'ENOENT') return
    throw FileSystemError.from({ cause, path, doing: 'take over the stale queue lock' })
  }
  if (readFileSync(aside, 'utf8') !== stale) {
    try {
      linkSync(aside, path)
    } catch {}
  }
  unlinkSync(aside)
}

function handle(path: string, content: string): DataDirLock {
  let released = false
  return {
    path,
    release() {
      if (released) return
      released = true
      if (read(path) === content) unlinkSync(path)
    },
  }
}
