/**
 * The signing log on disk.
 *
 * Durability: the file is opened with O_APPEND; each entry is one line written with one write call
 * (looping only if the kernel reports a short write) and fsync'd before `append` resolves, so an
 * entry the signer has shown is on disk. The directory is fsync'd when the file is created.
 *
 * Torn tails: a crash mid-write can leave a last line without its newline. `openLog` never drops it
 * silently: by default it throws `TornTailError`; with `onTorn: 'repair'` it copies the partial bytes
 * to `<log>.torn-<time>` (fsync'd), truncates the log to its last complete line, and appends a
 * `log-recovered` entry recording the sidecar name, offset, length and SHA-256 of the bytes. Such
 * bytes were never acknowledged (append had not returned), so no shown signature is lost, and the
 * evidence stays on disk for a human. Anything else that fails to verify stops the open with
 * `CorruptLogError`: appending to a damaged log would bury the damage.
 */
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { type FileHandle, open, readFile, truncate } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import * as AuditEntry from './AuditEntry.ts'
import type { Signer } from './AuditKey.ts'
import type { AppendOptions, Clock, Head } from './AuditLog.ts'
import * as AuditLog from './AuditLog.ts'
import {
  type ClockRegressionError,
  CorruptLogError,
  InvalidEncodingError,
  LogClosedError,
  TornTailError,
} from './errors.ts'
import { createManifest, type Manifest } from './exportLog.ts'
import { acquireLock } from './lock.node.ts'
import { type VerifyReturnType, verify } from './verify.ts'

/** What `inspectLog` finds in a file, without changing it. */
export type LogFileState = {
  /** The complete lines (UTF-8 text ending in "\n", or ""). */
  text: string
  /** Bytes after the last newline, if any. */
  torn: { offset: number; bytes: Uint8Array } | undefined
  exists: boolean
}

/** What openLog did about a torn tail. */
export type Recovery = {
  sidecarPath: string
  offset: number
  tornLength: number
  /** SHA-256 of the torn bytes (hex). */
  tornSha256: string
  /** The `log-recovered` entry that records it. */
  entry: AuditEntry.Entry
}

export type OpenReport = {
  /** True when the file was new (or empty) and a log-opened entry was written. */
  created: boolean
  /** Entries in the log after opening (including any written by open). */
  entries: number
  recovered: Recovery | undefined
}

export type OpenLogParameters = {
  path: string
  signer: Signer
  clock?: Clock | undefined
  /** What to do with a partial last line: throw `TornTailError` (default) or repair it. */
  onTorn?: 'error' | 'repair' | undefined
  /** Verify the whole existing log (default) or only its last entry (faster for huge logs). */
  verifyOnOpen?: 'full' | 'head' | undefined
}

/** An open, locked log. One per file per machine. */
export type AuditLogFile = {
  readonly path: string
  readonly signer: Signer
  readonly opened: OpenReport
  /** The last entry written. */
  readonly head: Head
  /** Signs, appends and fsyncs one entry; resolves only once it is on disk. */
  append(input: AuditEntry.Input, options?: AppendOptions): Promise<AuditEntry.Entry>
  /** Logs a `clock-anomaly` for a `ClockRegressionError` thrown by `append`. */
  appendClockAnomaly(
    error: ClockRegressionError,
    options?: { reasons?: readonly string[] | undefined },
  ): Promise<AuditEntry.Entry>
  /** Copies the log to `to` and writes the signed manifest to `<to>.manifest.json`. */
  exportTo(to: string): Promise<{ path: string; manifestPath: string; manifest: Manifest }>
  /** Waits for pending appends, closes the file and releases the lock. */
  close(): Promise<void>
}

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()
const logMode = 0o640

/**
 * Reads a log file and splits off a torn tail, without locking or changing anything.
 *
 * @example
 * const { text, torn } = await inspectLog('/var/lib/airlock/audit.jsonl')
 */
export async function inspectLog(path: string): Promise<LogFileState> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { text: '', torn: undefined, exists: false }
    throw error
  }
  const end = bytes.lastIndexOf(0x0a) + 1
  let text: string
  try {
    text = decoder.decode(bytes.subarray(0, end))
  } catch (error) {
    throw new InvalidEncodingError(`The audit log ${path} is not valid UTF-8 text.`, {
      hint: 'The file is damaged or is not an audit log; keep it for investigation.',
      cause: error,
    })
  }
  return {
    text,
    torn: end < bytes.length ? { offset: end, bytes: bytes.subarray(end) } : undefined,
    exists: true,
  }
}

/**
 * Opens (or creates) a log for appending: takes the lock, checks the existing entries, handles a
 * torn tail, and writes `log-opened` to a new log.
 *
 * @example
 * const log = await openLog({ path: 'audit.jsonl', signer, onTorn: 'repair' })
 * await log.append({ event: 'signed', safeTxHash, decision: 'approved', signature })
 * await log.close()
 */
export async function openLog({
  path: givenPath,
  signer,
  clock = () => new Date(),
  onTorn = 'error',
  verifyOnOpen = 'full',
}: OpenLogParameters): Promise<AuditLogFile> {
  const path = resolve(givenPath)
  const lock = acquireLock(`${path}.lock`)
  let handle: FileHandle | undefined
  try {
    const state = await inspectLog(path)
    let head = checkExisting(path, state.text, signer, verifyOnOpen)
    let count = head === undefined ? 0 : head.seq + 1
    let repair: Omit<Recovery, 'entry'> | undefined
    if (state.torn !== undefined) {
      const { offset, bytes } = state.torn
      if (onTorn !== 'repair') throw new TornTailError({ path, offset, tornLength: bytes.length })
      const sidecarPath = await writeSidecar(path, bytes, AuditLog.readClock(clock))
      await truncate(path, offset)
      await syncPath(path)
      repair = {
        sidecarPath,
        offset,
        tornLength: bytes.length,
        tornSha256: createHash('sha256').update(bytes).digest('hex'),
      }
    }

    handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, logMode)
    if (!state.exists) await syncPath(dirname(path))
    const file = handle
    const write = async (entry: AuditEntry.Entry) => {
      const bytes = encoder.encode(`${AuditEntry.toLine(entry)}\n`)
      let written = 0
      while (written < bytes.length) {
        const { bytesWritten } = await file.write(bytes, written, bytes.length - written, null)
        written += bytesWritten
      }
      await file.sync()
    }

    const created = head === undefined
    if (head === undefined) {
      const entry = AuditLog.next({
        head,
        input: { event: 'log-opened' },
        time: AuditLog.readClock(clock),
        signer,
      })
      await write(entry)
      head = AuditLog.headOf(entry)
      count = 1
    }
    let recovered: Recovery | undefined
    if (repair !== undefined) {
      // The recovery must be recorded even if the clock is behind: stamp it no earlier than the head.
      const now = AuditLog.readClock(clock)
      const behind = Date.parse(now) < Date.parse(head.time)
      const entry = AuditLog.next({
        head,
        input: {
          event: 'log-recovered',
          reasons: ['torn last line moved to sidecar'],
          data: {
            sidecar: basename(repair.sidecarPath),
            offset: repair.offset,
            tornLength: repair.tornLength,
            tornSha256: repair.tornSha256,
            ...(behind ? { observedTime: now } : {}),
          },
        },
        time: behind ? head.time : now,
        signer,
      })
      await write(entry)
      head = AuditLog.headOf(entry)
      count++
      recovered = { ...repair, entry }
    }
    return fileLog({
      path,
      signer,
      clock,
      write,
      handle,
      lock,
      head,
      opened: { created, entries: count, recovered },
    })
  } catch (error) {
    await handle?.close().catch(() => {})
    lock.release()
    throw error
  }
}

function checkExisting(path: string, text: string, signer: Signer, mode: 'full' | 'head'): Head | undefined {
  if (text.length === 0) return undefined
  let result: VerifyReturnType
  if (mode === 'full') {
    result = verify(text, { publicKey: signer.publicKey, ed25519: signer.ed25519 })
  } else {
    const lines = text.split('\n')
    lines.pop()
    const last = lines[lines.length - 1] as string
    const lastLine = lines.length
    let entry: AuditEntry.Entry | undefined
    try {
      entry = AuditEntry.parseLine(last, { line: lastLine })
    } catch {}
    const start = entry === undefined ? undefined : { seq: entry.seq, prev: entry.prev }
    result = verify(`${last}\n`, { publicKey: signer.publicKey, ed25519: signer.ed25519, start })
    // `start` skips seq 0's checks; the line number must still point into the real file.
    if (result.firstBad !== undefined) result.firstBad.line = lastLine
    if (result.ok && entry !== undefined && entry.seq !== lastLine - 1) {
      result = {
        ok: false,
        entries: [],
        head: undefined,
        firstBad: {
          line: lastLine,
          seq: entry.seq,
          reason: 'seq',
          message: `Last entry has seq ${entry.seq} on line ${lastLine}.`,
        },
      }
    }
  }
  if (!result.ok || result.head === undefined) {
    const bad = result.firstBad
    throw new CorruptLogError(
      `The audit log ${path} does not verify${bad ? ` at line ${bad.line} (seq ${bad.seq}): ${bad.reason}` : ''}.`,
      {
        hint: 'Do not append to it: keep the file for investigation and start a new log.',
        details: bad?.message,
      },
    )
  }
  return result.head
}

async function writeSidecar(path: string, bytes: Uint8Array, time: string): Promise<string> {
  const stamp = time.replace(/[:.]/g, '-')
  for (let n = 0; ; n++) {
    const sidecarPath = `${path}.torn-${stamp}${n === 0 ? '' : `-${n}`}`
    let handle: FileHandle
    try {
      handle = await open(sidecarPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, logMode)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && n < 1000) continue
      throw error
    }
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await syncPath(dirname(path))
    return sidecarPath
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function fileLog({
  path,
  signer,
  clock,
  write,
  handle,
  lock,
  head: initialHead,
  opened,
}: {
  path: string
  signer: Signer
  clock: Clock
  write: (entry: AuditEntry.Entry) => Promise<void>
  handle: FileHandle
  lock: { release(): void }
  head: Head
  opened: OpenReport
}): AuditLogFile {
  let head = initialHead
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false
  // After a failed write the file may end in a partial line: refuse further appends until reopened.
  let broken: unknown

  const usable = () => {
    if (closed)
      throw new LogClosedError('The audit log is closed.', { hint: 'Open it again with openLog().' })
    if (broken !== undefined) {
      throw new LogClosedError('An earlier write to the audit log failed; it accepts no more entries.', {
        hint: "Close it and open it again with { onTorn: 'repair' }.",
        cause: broken,
      })
    }
  }
  // Appends run one after another: each needs the previous head.
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task)
    queue = run.catch(() => {})
    return run
  }

  const append = (input: AuditEntry.Input, options: AppendOptions = {}) =>
    serial(async () => {
      usable()
      const entry = AuditLog.next({ head, input, time: options.time ?? AuditLog.readClock(clock), signer })
      try {
        await write(entry)
      } catch (error) {
        broken = error
        throw error
      }
      head = AuditLog.headOf(entry)
      return entry
    })

  return {
    path,
    signer,
    opened,
    get head() {
      return head
    },
    append,
    appendClockAnomaly: (error, options = {}) => {
      const [input, appendOptions] = AuditLog.clockAnomaly(error, options)
      return append(input, appendOptions)
    },
    exportTo: (to) =>
      serial(async () => {
        usable()
        const bytes = await readFile(path)
        const target = resolve(to)
        const manifest = createManifest({
          log: bytes,
          file: basename(target),
          signer,
          time: AuditLog.readClock(clock),
        })
        const manifestPath = `${target}.manifest.json`
        await writeNew(target, bytes)
        await writeNew(manifestPath, encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`))
        return { path: target, manifestPath, manifest }
      }),
    close: async () => {
      if (closed) return
      await queue
      closed = true
      try {
        await handle.close()
      } finally {
        lock.release()
      }
    },
  }
}

async function writeNew(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, logMode)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
}
