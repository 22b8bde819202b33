import { BaseError } from '@airlock/errors'

/** A screen asked for the request before one was scanned. */
export class NoRequestError extends BaseError {
  override name = 'SignerApp.NoRequestError'
}

/** The Answer screen was opened before anything was signed. */
export class NothingToAnswerError extends BaseError {
  override name = 'SignerApp.NothingToAnswerError'
}

/** Install was pressed with no bundle scanned or imported. */
export class NoBundleCandidateError extends BaseError {
  override name = 'SignerApp.NoBundleCandidateError'
}

/** An IPC message came from somewhere other than the app's own page, or named no known method. */
export class ForbiddenSenderError extends BaseError {
  override name = 'SignerApp.ForbiddenSenderError'
}
