import { BaseError } from '@airlock/errors'

/** The coordinator home has no config.json (or an unreadable one). */
export class NotInitializedError extends BaseError {
  override name = 'Coordinator.NotInitializedError'
}

/** `coordinator init` would overwrite an existing config. */
export class AlreadyInitializedError extends BaseError {
  override name = 'Coordinator.AlreadyInitializedError'
}

/** config.json exists but does not hold a usable coordinator config. */
export class ConfigFileError extends BaseError {
  override name = 'Coordinator.ConfigFileError'
}

/** The queue says this action may not run now (not ready, earlier nonce pending, nonce conflict…). */
export class NotExecutableError extends BaseError {
  override name = 'Coordinator.NotExecutableError'
}

/** `action confirm` was asked about an action with no successful execution recorded. */
export class NothingToConfirmError extends BaseError {
  override name = 'Coordinator.NothingToConfirmError'
}

/** The execution reverted (in simulation or on chain) or the Safe's inner call failed. */
export class ExecutionFailedError extends BaseError {
  override name = 'Coordinator.ExecutionFailedError'
}

/** The executor key file is missing or does not hold a private key. */
export class ExecutorKeyError extends BaseError {
  override name = 'Coordinator.ExecutorKeyError'
}
