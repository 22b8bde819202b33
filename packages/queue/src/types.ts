import type { AnalyzeReturnType, Tier as SafeTier, SafeTx, SafeVersion } from '@airlock/safe'
import type { Address, Hex } from 'viem'

/**
 * Where an action is in its life. The happy path runs top to bottom; the last four are terminal
 * except `failed`, which may be retried (`failed → ready`) when the revert did not consume the nonce,
 * and `executed`, which goes back to `ready` only when a chain reorg drops its block (`recordReorg`).
 */
export type ActionState =
  | 'draft'
  | 'collecting-attestations'
  | 'delay-running'
  | 'collecting-signatures'
  | 'ready'
  | 'executed'
  | 'failed'
  | 'cancelled'
  | 'superseded'

/** The decoder's risk tier (from `analyze` in @airlock/safe). */
export type Tier = SafeTier.Tier

/** `transaction`: an ordinary action; `rejection`: an empty call to the Safe itself that burns a nonce. */
export type ActionKind = 'transaction' | 'rejection'

/** A Safe on a chain: the key of everything nonce-related. */
export type SafeRef = { chainId: bigint; address: Address }

/** A Safe on a chain with its version (the EIP-712 domain depends on it). */
export type SafeInfo = SafeRef & { version: SafeVersion.SafeVersion }

/** What an action needs before it can be executed; decided by the caller from the tier and org config. */
export type Requirements = {
  /** Safe signatures (usually the Safe's threshold). */
  signatures: number
  /** Round-1 approval attestations (0 for routine). */
  attestations: number
  /** Seconds of chain time between the last attestation and the start of signature collection. */
  delaySeconds: number
}

export type TimelockInfo = {
  /** The timelock's operation id (bytes32). */
  operationId: Hex
  /** When the scheduled operation becomes executable. */
  eta: Date
}

export type ExecutionInfo = {
  txHash: Hex
  blockNumber: bigint
  /** The block's hash; null for executions recorded before the queue kept it (migration 2). */
  blockHash: Hex | null
  /** The receipt status of the outer transaction. */
  status: 'success' | 'reverted'
  revertReason: string | null
}

export type Action = {
  /** A random UUID. */
  id: string
  safe: SafeInfo
  /** The exact SafeTx fields (bigints kept exact). */
  tx: SafeTx.SafeTx
  /** Computed by the store with SafeTxHash.compute at insert; never taken from input. */
  safeTxHash: Hex
  /**
   * Computed by the store with `analyze` at insert, by what is left to check: the inner calls of a
   * timelock `execute` whose `schedule` an executed or fully signed action of the same Safe holds
   * count no further (`TimelockTier.leftToCheck`).
   */
  tier: Tier
  kind: ActionKind
  title: string
  description: string
  state: ActionState
  /** Same as tx.nonce, for convenience. */
  nonce: bigint
  requirements: Requirements
  /** Counts of recorded signatures and attestations. */
  collected: { signatures: number; attestations: number }
  /** When the delay ends by chain time (set on entering `delay-running`), else null. */
  delayUntil: Date | null
  /** The action this one replaced (same Safe and nonce), if any. */
  supersedes: string | null
  /** The action that replaced this one, if any. */
  supersededBy: string | null
  timelock: TimelockInfo | null
  execution: ExecutionInfo | null
  createdBy: string
  /** The store's clock at creation. */
  createdAt: Date
  /** The chain's clock at creation (the latest block's timestamp) when the caller gave it, else null. */
  createdChainAt: Date | null
  updatedAt: Date
}

export type SignatureKind = 'safe-signature' | 'approval-attestation'

/** A signature or attestation as handed to `addSignature` (checked before it is stored). */
export type SignatureInput = {
  signer: Address | string
  signature: Hex | string
  kind: SignatureKind
}

export type StoredSignature = {
  actionId: string
  signer: Address
  signature: Hex
  kind: SignatureKind
  addedBy: string
  addedAt: Date
}

/**
 * Checks a signature before it is stored: it must recover to a current owner over `action.safeTxHash`
 * (the hash the store computed). Return false (or throw) to refuse it.
 */
export type SignatureVerifier = (parameters: {
  action: Action
  signer: Address
  signature: Hex
  kind: SignatureKind
}) => boolean | Promise<boolean>

/** One recorded state change (or the creation, with `from` null). */
export type ActionEvent = {
  id: bigint
  actionId: string
  at: Date
  actor: string
  from: ActionState | null
  to: ActionState
  reason: string
}

export type CreateActionParameters = {
  safe: SafeInfo
  /** The SafeTx; loose input is validated by SafeTx.from (typed errors). `nonce` is the action's nonce. */
  tx: SafeTx.SafeTx | SafeTx.SafeTxInput
  title: string
  description?: string | undefined
  /** Fixed requirements, or a function of the store's own analysis (tier, findings). */
  requirements: Requirements | ((analysis: AnalyzeReturnType) => Requirements)
  /** Who creates it (operator name or address), recorded in the history. */
  actor: string
  /** Passed to `analyze` (the decoder's OrgConfig, extra ABIs, approved inner Safe transactions). */
  analyze?: { org?: unknown; abis?: unknown; approved?: unknown } | undefined
  /**
   * The Safe's current on-chain nonce when the caller knows it: recorded (it only moves forward) and a
   * nonce below it is refused. Without it the last recorded on-chain nonce is used.
   */
  onchainNonce?: bigint | undefined
  /** Replace this action (same Safe and nonce) atomically: it becomes `superseded`. */
  replaces?: string | undefined
  /** Kept in `draft` (default) or submitted at once (`true`: enters collecting-attestations). */
  submit?: boolean | undefined
  /**
   * The latest block's timestamp now, recorded as `createdChainAt` so the tier's delay can be judged
   * by chain time on both ends (the chain's clock, like the signers' and the timelock's); with
   * `submit` it also starts a delay that needs no attestations.
   */
  chainTime?: Date | undefined
}

export type CreateRejectionParameters = {
  safe: SafeInfo
  nonce: bigint
  actor: string
  requirements: Requirements | ((analysis: AnalyzeReturnType) => Requirements)
  title?: string | undefined
  description?: string | undefined
  onchainNonce?: bigint | undefined
  /** The action being rejected; it becomes `superseded` by the rejection. */
  replaces?: string | undefined
  submit?: boolean | undefined
  /** The latest block's timestamp now (see `CreateActionParameters.chainTime`). */
  chainTime?: Date | undefined
}

export type ListActionsFilter = {
  safe?: SafeRef | undefined
  states?: readonly ActionState[] | undefined
  nonce?: bigint | undefined
  /** Only live actions (not executed, cancelled or superseded; failed counts as live). */
  live?: boolean | undefined
}

export type AddSignatureOptions = {
  actor: string
  /** Overrides the store's default verifier for this call. */
  verify?: SignatureVerifier | undefined
  /** The latest block's timestamp: starts or ends a tier's delay when this signature moves the action. */
  chainTime?: Date | undefined
}

export type AddSignatureResult = {
  /** `added`: newly stored; `duplicate`: the same bytes were already stored (nothing changed). */
  status: 'added' | 'duplicate'
  signature: StoredSignature
  /** The action after the ingestion (and any state advancement in the same transaction). */
  action: Action
}

/** Actions sharing one Safe and nonce. */
export type NonceGroup = {
  safe: SafeRef
  nonce: bigint
  actions: Action[]
}

export type CanExecuteResult =
  | { ok: true; action: Action }
  | {
      ok: false
      reason:
        | 'not-ready'
        | 'nonce-used'
        | 'earlier-nonce-pending'
        | 'nonce-conflict'
        | 'delay-running'
        | 'timelock-pending'
      message: string
      action: Action
    }

export type RecordExecutionParameters = Omit<ExecutionInfo, 'blockHash'> & {
  /** The hash of the block holding the transaction (so a later reorg at the same height is seen). */
  blockHash: Hex
  actor: string
}

export type RecordReorgParameters = {
  actor: string
  /** Why (e.g. "block 123 0xabc… is no longer canonical"), recorded in the history. */
  reason: string
}
