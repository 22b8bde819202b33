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

/** A scanned signer response is not accepted: wrong hash, not an owner, malformed, or for no live action. */
export class SignatureRefusedError extends BaseError {
  override name = 'Coordinator.SignatureRefusedError'
}

/** A call to the Safe Transaction Service failed (unreachable, HTTP error, refused by the service). */
export class ServiceRequestError extends BaseError {
  override name = 'Coordinator.ServiceRequestError'
  constructor({ what, why, cause }: { what: string; why: string; cause?: unknown }) {
    super(`Could not ${what}: ${why}`, {
      hint: 'Check the service URL (it ends in /api), the API key and the network; the queue is unchanged.',
      ...(cause === undefined ? {} : { cause }),
    })
  }
}

/** The Safe Transaction Service answered with something that is not what its API describes. */
export class ServiceResponseError extends BaseError {
  override name = 'Coordinator.ServiceResponseError'
  constructor({ why, cause }: { why: string; cause?: unknown }) {
    super(`The Transaction Service answered with something unusable: ${why}.`, {
      hint: 'Nothing from this answer was used. Check that the URL points at a Safe Transaction Service.',
      ...(cause === undefined ? {} : { cause }),
    })
  }
}

/** A transaction from the Transaction Service is not imported: its data does not check out. */
export class ServiceTransactionRefusedError extends BaseError {
  override name = 'Coordinator.ServiceTransactionRefusedError'
  constructor({ problems }: { problems: readonly string[] }) {
    super(`The transaction from the Transaction Service is refused: ${problems.join('; ')}.`, {
      hint: 'Ask the proposer to propose it again; a service that alters transactions must not be trusted.',
    })
  }
}

/** The executor key (from its key file) is not a usable secp256k1 private key. */
export class InvalidExecutorKeyError extends BaseError {
  override name = 'Coordinator.InvalidExecutorKeyError'
}

/** Why an ENS name did not resolve (`EnsResolutionError.reason`). */
export type EnsFailure = 'invalid' | 'no-registry' | 'no-resolver' | 'resolver-without-code' | 'no-address'

/** An ENS name the coordinator was given does not resolve to an address; `reason` says why. */
export class EnsResolutionError extends BaseError {
  override name = 'Coordinator.EnsResolutionError'
  readonly ensName: string
  readonly reason: EnsFailure
  constructor({
    name,
    reason,
    registry,
    resolver,
    blockNumber,
    details,
  }: {
    name: string
    reason: EnsFailure
    registry?: string | undefined
    resolver?: string | undefined
    blockNumber?: bigint | undefined
    details?: string | undefined
  }) {
    const at = blockNumber === undefined ? '' : ` at block ${blockNumber}`
    const [message, hint] = ((): [string, string] => {
      switch (reason) {
        case 'invalid':
          return [
            `"${name}" is not a valid ENS name (ENSIP-15 normalisation refuses it).`,
            'Check the spelling, or give the 0x address.',
          ]
        case 'no-registry':
          return [
            `There is no ENS registry at ${registry} on this chain${at}, so "${name}" cannot be resolved.`,
            'Set "ensRegistry" in the coordinator config to this chain’s ENS registry, or give the 0x address.',
          ]
        case 'no-resolver':
          return [
            `"${name}" has no resolver in the ENS registry${at}: it is not registered, or not set up.`,
            'Check the name (a typo resolves to nothing), or give the 0x address.',
          ]
        case 'resolver-without-code':
          return [
            `The resolver of "${name}" (${resolver}) has no code${at}.`,
            'The name’s owner must set a working resolver; until then give the 0x address.',
          ]
        case 'no-address':
          return [
            `"${name}" has no Ethereum address in its resolver (${resolver})${at}.`,
            'Ask the name’s owner to set its address record, or give the 0x address.',
          ]
        default:
          return reason satisfies never
      }
    })()
    super(message, { hint, ...(details === undefined ? {} : { details }) })
    this.ensName = name
    this.reason = reason
  }
}
