import { BaseError } from '@airlock/errors'

/** A value handed to the log (entry field, key, time) has the wrong type or format. */
export class InvalidInputError extends BaseError {
  override name = 'AuditLog.InvalidInputError'
}

/** A value cannot be encoded canonically (non-integer number, undefined, cycle, non-plain object). */
export class CanonicalEncodingError extends BaseError {
  override name = 'AuditLog.CanonicalEncodingError'
}

/** A log line is not a well-formed entry (bad JSON, missing or mistyped field). */
export class MalformedEntryError extends BaseError {
  override name = 'AuditLog.MalformedEntryError'
  readonly line: number
  constructor(
    shortMessage: string,
    options: { line: number; hint?: string; details?: string; cause?: unknown },
  ) {
    super(shortMessage, options)
    this.line = options.line
  }
}

/** Log bytes are not valid UTF-8 text. */
export class InvalidEncodingError extends BaseError {
  override name = 'AuditLog.InvalidEncodingError'
}

/** The clock reads earlier than the log's last entry: appending would make time run backwards. */
export class ClockRegressionError extends BaseError {
  override name = 'AuditLog.ClockRegressionError'
  /** Time of the last entry in the log. */
  readonly lastTime: string
  /** What the clock said. */
  readonly observedTime: string
  constructor({ lastTime, observedTime }: { lastTime: string; observedTime: string }) {
    super(`The clock reads ${observedTime}, earlier than the last log entry (${lastTime}).`, {
      hint: 'Record it with appendClockAnomaly(error), then fix the clock before signing again.',
    })
    this.lastTime = lastTime
    this.observedTime = observedTime
  }
}

/** The log ends with a partial line (a write was cut short by a crash). */
export class TornTailError extends BaseError {
  override name = 'AuditLog.TornTailError'
  readonly path: string
  /** Byte offset where the torn bytes start (= length of the intact log). */
  readonly offset: number
  readonly tornLength: number
  constructor({ path, offset, tornLength }: { path: string; offset: number; tornLength: number }) {
    super(`The audit log ${path} ends with a partial entry (${tornLength} bytes at offset ${offset}).`, {
      hint: "A write was interrupted. Open it with { onTorn: 'repair' } to move the partial bytes to a sidecar file and record the recovery.",
    })
    this.path = path
    this.offset = offset
    this.tornLength = tornLength
  }
}

/** The existing log does not verify, so nothing may be appended to it. */
export class CorruptLogError extends BaseError {
  override name = 'AuditLog.CorruptLogError'
}

/** Another live process holds the log's lock. */
export class LogLockedError extends BaseError {
  override name = 'AuditLog.LogLockedError'
  readonly lockPath: string
  readonly pid: number | undefined
  constructor({ lockPath, pid }: { lockPath: string; pid: number | undefined }) {
    super(`The audit log is in use${pid === undefined ? '' : ` by process ${pid}`} (lock ${lockPath}).`, {
      hint: 'Stop the other signer process. If none is running, delete the lock file by hand.',
    })
    this.lockPath = lockPath
    this.pid = pid
  }
}

/** The log handle can no longer be used (closed, or a write failed midway). */
export class LogClosedError extends BaseError {
  override name = 'AuditLog.LogClosedError'
}

/** A key file is missing, malformed, or readable by other users. */
export class KeyFileError extends BaseError {
  override name = 'AuditLog.KeyFileError'
}

/** A signature-verification worker thread crashed or exited before answering (verifyParallel). */
export class VerifyWorkerError extends BaseError {
  override name = 'AuditLog.VerifyWorkerError'
}

/** A tree size or leaf index outside the tree a Merkle proof is asked for. */
export class TreeRangeError extends BaseError {
  override name = 'AuditLog.TreeRangeError'
  constructor({ what, value, max }: { what: string; value: number; max: number }) {
    super(`The ${what} ${value} is outside the log's tree (0 to ${max}).`, {
      hint: 'Ask for a size the log has reached; a witnessed head larger than the log means entries are missing.',
    })
  }
}
