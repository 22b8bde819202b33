/**
 * The portable append logic: chain state, clock checks and entry building, with no I/O.
 * `openLog` (Node) stores what this produces; tests and other runtimes can use `AuditLog.create`
 * to build a log in memory.
 */

import * as AuditEntry from './AuditEntry.ts'
import type { Signer } from './AuditKey.ts'
import { ClockRegressionError, InvalidInputError } from './errors.ts'

/** The last entry of a log: what the next entry chains to. */
export type Head = { readonly seq: number; readonly hash: string; readonly time: string }

/** Returns the current time; injectable so tests and the signer can control it. */
export type Clock = () => Date

export type AppendOptions = {
  /** Use this time instead of the clock (ISO 8601 UTC with ms). Still must not go backwards. */
  time?: string | undefined
}

/**
 * Reads the clock as the log's time format. A clock that returns an invalid date is an error.
 *
 * @example
 * AuditLog.readClock(() => new Date(0)) // '1970-01-01T00:00:00.000Z'
 */
export function readClock(clock: Clock): string {
  const now = clock()
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new InvalidInputError('The clock returned an invalid date.', {
      hint: 'Check the signer clock source.',
    })
  }
  return now.toISOString()
}

/**
 * Builds the next entry after `head` (or the `log-opened` entry when `head` is undefined) without
 * storing it. Throws `ClockRegressionError` when the time is earlier than the head's time.
 *
 * @example
 * const entry = AuditLog.next({ head, input: { event: 'reviewed' }, time: now, signer })
 */
export function next({
  head,
  input,
  time,
  signer,
}: {
  head: Head | undefined
  input: AuditEntry.Input
  time: string
  signer: Signer
}): AuditEntry.Entry {
  AuditEntry.assertTime(time)
  if (head === undefined && input.event !== 'log-opened') {
    throw new InvalidInputError('The first entry of a log must be log-opened.', {
      hint: 'Open the log with openLog() or AuditLog.create(), which write it.',
    })
  }
  if (head !== undefined && input.event === 'log-opened') {
    throw new InvalidInputError('log-opened can only be the first entry of a log.', {
      hint: 'Start a new log file to use a new key.',
    })
  }
  if (head !== undefined && Date.parse(time) < Date.parse(head.time)) {
    throw new ClockRegressionError({ lastTime: head.time, observedTime: time })
  }
  return AuditEntry.create({
    input,
    seq: head === undefined ? 0 : head.seq + 1,
    prev: head === undefined ? AuditEntry.genesisHash : head.hash,
    time,
    signer,
  })
}

/**
 * The entry to log after a `ClockRegressionError`: a `clock-anomaly` stamped with the last entry's
 * time (so the chain stays monotonic) that records what the clock said.
 *
 * @example
 * try { await log.append(input) } catch (e) {
 *   if (e instanceof ClockRegressionError) await log.append(...AuditLog.clockAnomaly(e))
 * }
 */
export function clockAnomaly(
  error: ClockRegressionError,
  { reasons }: { reasons?: readonly string[] | undefined } = {},
): [AuditEntry.Input, { time: string }] {
  return [
    {
      event: 'clock-anomaly',
      reasons: reasons ?? ['clock reads earlier than the last entry'],
      data: { lastTime: error.lastTime, observedTime: error.observedTime },
    },
    { time: error.lastTime },
  ]
}

/**
 * Converts an entry to its head.
 *
 * @example
 * const head = AuditLog.headOf(entry)
 */
export function headOf(entry: AuditEntry.Entry): Head {
  return { seq: entry.seq, hash: entry.hash, time: entry.time }
}

/** An in-memory log: same rules as the file log, kept as lines. */
export type MemoryLog = {
  readonly signer: Signer
  readonly entries: readonly AuditEntry.Entry[]
  readonly head: Head
  append(input: AuditEntry.Input, options?: AppendOptions): AuditEntry.Entry
  /** The log as JSON Lines, each line ending in "\n". */
  text(): string
}

/**
 * Starts an in-memory log (writes its `log-opened` entry).
 *
 * @example
 * const log = AuditLog.create({ signer: AuditKey.signer(AuditKey.generate()) })
 * log.append({ event: 'reviewed', safeTxHash })
 * verify(log.text(), { publicKey: log.signer.publicKey }).ok // true
 */
export function create({
  signer,
  clock = () => new Date(),
}: {
  signer: Signer
  clock?: Clock | undefined
}): MemoryLog {
  const entries: AuditEntry.Entry[] = []
  const lines: string[] = []
  let head: Head | undefined
  const append = (input: AuditEntry.Input, options: AppendOptions = {}) => {
    const entry = next({ head, input, time: options.time ?? readClock(clock), signer })
    entries.push(entry)
    lines.push(`${AuditEntry.toLine(entry)}\n`)
    head = headOf(entry)
    return entry
  }
  append({ event: 'log-opened' })
  return {
    signer,
    entries,
    get head() {
      return head as Head
    },
    append,
    text: () => lines.join(''),
  }
}
