export type BaseErrorParameters = {
  /** What the user should do about it, in one sentence. */
  hint?: string | undefined
  /** Developer detail: offsets, raw values, library messages. Never shown as the headline. */
  details?: string | undefined
  cause?: unknown
}

/**
 * The base of every error Airlock throws on purpose.
 *
 * `shortMessage` says what was wrong (user-facing), `hint` what to do, `details` is for developers.
 * `name` is stable and namespaced (`Safe.InvalidHexError`), so callers and tests can match on it.
 *
 * @example
 * class InvalidHexError extends BaseError {
 *   override name = 'Safe.InvalidHexError'
 * }
 * throw new InvalidHexError('data is not hex', { hint: 'Pass 0x-prefixed, even-length hex.' })
 */
export class BaseError extends Error {
  override name = 'BaseError'
  readonly shortMessage: string
  readonly hint: string | undefined
  readonly details: string | undefined

  constructor(shortMessage: string, { hint, details, cause }: BaseErrorParameters = {}) {
    const message = [shortMessage, hint, details ? `Details: ${details}` : undefined]
      .filter((line): line is string => Boolean(line))
      .join('\n')
    super(message, cause === undefined ? undefined : { cause })
    this.shortMessage = shortMessage
    this.hint = hint
    this.details = details
  }

  /** One line for a terminal or a status bar: what was wrong, then what to do. */
  get oneLine(): string {
    return this.hint ? `${this.shortMessage} ${this.hint}` : this.shortMessage
  }
}

/** True for errors Airlock raised on purpose (as opposed to bugs). */
export function isBaseError(error: unknown): error is BaseError {
  return error instanceof BaseError
}
