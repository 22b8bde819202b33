import { BaseError, type BaseErrorParameters } from '@airlock/errors'

/** The RPC endpoint does not answer (wrong URL, node down, no network). */
export class RpcUnreachableError extends BaseError {
  override name = 'Coordinator.RpcUnreachableError'
}

/** The RPC endpoint answered with an error or something unusable. */
export class RpcError extends BaseError {
  override name = 'Coordinator.RpcError'
}

/** The RPC endpoint serves another chain than the one configured. */
export class WrongChainError extends BaseError {
  override name = 'Coordinator.WrongChainError'
}

/** The address holds no Safe (no code, or no Safe interface behind it). */
export class NotASafeError extends BaseError {
  override name = 'Coordinator.NotASafeError'
}

/** The coordinator configuration is invalid or inconsistent with the org config. */
export class InvalidConfigError extends BaseError {
  override name = 'Coordinator.InvalidConfigError'
}

/** The parameters of an action cannot build a correct transaction. */
export class InvalidActionError extends BaseError {
  override name = 'Coordinator.InvalidActionError'
}

/** A Safe Transaction Builder JSON file cannot be imported; `field` says where. */
export class TransactionBuilderImportError extends BaseError {
  override name = 'Coordinator.TransactionBuilderImportError'
  readonly field: string
  constructor(shortMessage: string, { field, ...rest }: BaseErrorParameters & { field: string }) {
    super(shortMessage, rest)
    this.field = field
  }
}

/** A collected signature is not a valid owner signature over this transaction's hash. */
export class InvalidCollectedSignatureError extends BaseError {
  override name = 'Coordinator.InvalidCollectedSignatureError'
}

/** The transaction's nonce is not the Safe's current nonce (already used, or a gap before it). */
export class StaleNonceError extends BaseError {
  override name = 'Coordinator.StaleNonceError'
}

/** The tier's signatures, approvals or delay are not met yet: execution is refused. */
export class RequirementsNotMetError extends BaseError {
  override name = 'Coordinator.RequirementsNotMetError'
}

/** A sentry rule or its reads are invalid. */
export class InvalidSentryRuleError extends BaseError {
  override name = 'Coordinator.InvalidSentryRuleError'
}

/** The policy bundle would not be installed by a signer (bad signatures, schema, policies). */
export class PolicyBundleRejectedError extends BaseError {
  override name = 'Coordinator.PolicyBundleRejectedError'
}

/** A call of the transaction targets an address without code: it would do nothing, silently. */
export class TargetWithoutCodeError extends BaseError {
  override name = 'Coordinator.TargetWithoutCodeError'
}
