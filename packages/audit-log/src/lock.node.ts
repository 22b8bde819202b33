/**
 * Single-writer lock: `<log>.lock` holds "pid nonce". It is created atomically with its content
 * (write a temp file, then link(2), which fails if the lock exists), so nobody ever sees an empty
 * lock. A lock whose pid is dead is stale (the signer crashed) and is broken by renaming it away;
 * the renamed file is re-read so a lock that another process took in between is put back.
 */
import { randomBytes } from 'node:crypto'
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { LogLockedError } from './errors.ts'

export type Lock = {
  readonly path: string
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void
}

/**
 * Takes the lock at `lockPath` or throws `LogLockedError` naming the live holder.
 *
 * @example
 * const lock = acquireLock('/var/lib/airlock/audit.jsonl.lock')
 * try { ... } finally { lock.release() }
 */
export function acquireLock(lockPath: string): Lock {
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`
  const temp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temp, content, { mode: 0o600 })
  } catch (error) {
    // A full disk creates the file but not its content: never leave it behind.
    rmSync(temp, { force: true })
    throw error
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(temp, lockPath)
        return lockHandle(lockPath, content)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const holder = readHolder(lockPath)
      if (holder === undefined) continue // vanished in between: try again
      if (isAlive(holder.pid)) throw new LogLockedError({ lockPath, pid: holder.pid })
      breakStale(lockPath, holder.raw)
    }
    throw new LogLockedError({ lockPath, pid: readHolder(lockPath)?.pid })
  } finally {
    unlinkSync(temp)
  }
}

function lockHandle(lockPath: string, content: string): Lock {
  let released = false
  return {
    path: lockPath,
    release() {
      if (released) return
      released = true
      if (readHolder(lockPath)?.raw === content) unlinkSync(lockPath)
    },
  }
}

function readHolder(lockPath: string): { pid: number | undefined; raw: string } | undefined {
  let raw: string
  try {
    raw = readFileSync(lockPath, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const pid = Number.parseInt(raw.split(' ')[0] ?? '', 10)
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined, raw }
}

function isAlive(pid: number | undefined): boolean {
  // A lock without a readable pid was not written by this code: treat as held, a human decides.
  if (pid === undefined) return true
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function breakStale(lockPath: string, staleContent: string): void {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    renameSync(lockPath, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = readFileSync(aside, 'utf8')
  if (moved !== staleContent) {
    // Someone took the lock after we read it: give it back (link fails if yet another exists).
    try {
      linkSync(aside, lockPath)
    } catch {}
  }
  unlinkSync(aside)
}
