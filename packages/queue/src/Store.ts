import type { SignerSetStore } from './SignerSetStore.ts'
import type * as TimelockTier from './TimelockTier.ts'
import type {
  Action,
  ActionEvent,
  ActionState,
  AddSignatureOptions,
  AddSignatureResult,
  CanExecuteResult,
  CreateActionParameters,
  CreateRejectionParameters,
  ListActionsFilter,
  NonceGroup,
  RecordExecutionParameters,
  RecordReorgParameters,
  SafeRef,
  SignatureInput,
  SignatureKind,
  SignatureVerifier,
  StoredSignature,
  TimelockInfo,
} from './types.ts'

/**
 * The coordinator's action queue. PGlite (embedded) and PostgreSQL (teams) implement it identically,
 * over the same SQL migrations. Every mutating call runs in one transaction that locks the action row,
 * so nothing is half-recorded and concurrent operators neither lose nor duplicate anything.
 *
 * The queue is untrusted by the signers (they recompute hashes and re-check signatures); its job is to
 * know what each action still needs and never to let a later nonce run before an earlier one.
 */
export type Store = SignerSetStore & {
  readonly kind: 'pglite' | 'postgres'

  /** Creates an action: validates the SafeTx, computes safeTxHash and tier, records the creation. */
  createAction(parameters: CreateActionParameters): Promise<Action>
  /** Creates an on-chain rejection: an empty call to the Safe itself at `nonce`. */
  createRejection(parameters: CreateRejectionParameters): Promise<Action>

  /** The action, or `Queue.UnknownActionError`. */
  getAction(id: string): Promise<Action>
  /** Actions oldest nonce first, then oldest first. */
  listActions(filter?: ListActionsFilter | undefined): Promise<Action[]>
  signatures(id: string, options?: { kind?: SignatureKind | undefined }): Promise<StoredSignature[]>
  /** Every state change of the action, oldest first (the creation first). */
  history(id: string): Promise<ActionEvent[]>

  /**
   * draft → collecting-attestations, then advances as far as the collected items allow. `chainTime`
   * (the latest block's timestamp) starts a tier's delay; see `advance`.
   */
  submit(
    id: string,
    options: { actor: string; reason?: string | undefined; chainTime?: Date | undefined },
  ): Promise<Action>
  /**
   * A manual transition allowed by the state machine (`Queue.InvalidTransitionError` otherwise).
   * `executed`/`failed` go through `recordExecution`, `superseded` through `supersede`.
   */
  transition(
    id: string,
    options: { to: ActionState; actor: string; reason: string; chainTime?: Date | undefined },
  ): Promise<Action>
  cancel(id: string, options: { actor: string; reason: string }): Promise<Action>
  /** Marks `id` superseded by `by` (same Safe and nonce; `by` must be live). */
  supersede(options: { id: string; by: string; actor: string; reason: string }): Promise<Action>
  /**
   * Moves the action forward if its conditions are met now (attestations, delay end, signatures).
   * A tier's delay runs by chain time only: it starts at `chainTime` (the latest block's timestamp the
   * caller read) when the last attestation is in, `delayUntil` is chain time, and it ends once a later
   * call's `chainTime` reaches it. Without `chainTime` the delay neither starts nor ends: the store's
   * own clock never decides it (anvil time travel or a skewed host must not shorten or stretch it).
   */
  advance(id: string, options: { actor: string; chainTime?: Date | undefined }): Promise<Action>

  /**
   * Records a signature or attestation and advances the state, in one transaction. Idempotent for the
   * same bytes; the same signer with different bytes is `Queue.SignatureConflictError`.
   */
  addSignature(id: string, input: SignatureInput, options: AddSignatureOptions): Promise<AddSignatureResult>

  setTimelock(id: string, options: TimelockInfo & { actor: string }): Promise<Action>
  /**
   * Records an execution: `success` → executed (the Safe's nonce moves past it and every other live
   * action at that nonce becomes superseded); `reverted` → failed.
   */
  recordExecution(id: string, parameters: RecordExecutionParameters): Promise<Action>
  /**
   * Records that a chain reorg dropped the block holding this action's execution: executed → ready,
   * the execution fields cleared and the Safe's recorded nonce set back to the action's nonce, in one
   * transaction. Only from `executed` (`Queue.InvalidTransitionError`), and only while the recorded
   * nonce is exactly nonce + 1 (`Queue.ReorgRefusedError`: a later action executed on top of it).
   * Actions the execution superseded stay superseded: the operator chose this action for the nonce,
   * and it is still fully signed and ready to run again.
   */
  recordReorg(id: string, parameters: RecordReorgParameters): Promise<Action>

  /** The last recorded on-chain nonce of the Safe (0 if never recorded). */
  onchainNonce(safe: SafeRef): Promise<bigint>
  /**
   * Records the Safe's on-chain nonce (it only moves forward); live actions below it can never run and
   * become superseded. Returns those actions.
   */
  syncNonce(options: { safe: SafeRef; onchainNonce: bigint; actor: string }): Promise<Action[]>
  /** The nonce a new action should use: one past the highest live queued nonce, at least the on-chain one. */
  nextNonce(safe: SafeRef): Promise<bigint>
  /** Nonces with more than one live action. */
  conflicts(safe: SafeRef): Promise<NonceGroup[]>
  /**
   * The one action that may be executed now: ready, at exactly the on-chain nonce, and alone there
   * (`Queue.NonceConflictError` if several are ready at that nonce). Undefined when none is.
   */
  nextExecutable(options: {
    safe: SafeRef
    onchainNonce: bigint
    chainTime?: Date | undefined
  }): Promise<Action | undefined>
  /**
   * Whether this action may be executed now, and why not. `chainTime` (the latest block's timestamp)
   * decides a timelock operation's readiness, as the timelock itself does; without it an action held
   * by a timelock is not executable.
   */
  canExecute(
    id: string,
    options: { onchainNonce: bigint; chainTime?: Date | undefined },
  ): Promise<CanExecuteResult>

  /**
   * The timelock operations (lowercase timelock and id) whose `schedule` an executed or fully signed
   * (`ready`) action of this Safe holds: an execute of one of them needs only what is left to check.
   */
  scheduledOperations(safe: SafeRef): Promise<TimelockTier.OperationRef[]>

  /** The applied migrations, oldest first. */
  migrations(): Promise<{ version: number; name: string; appliedAt: Date }[]>
  close(): Promise<void>
}

export type StoreOptions = {
  /**
   * The clock (defaults to `new Date()`) of the records' timestamps (created, updated, events). Delays
   * and timelocks are judged by the chain time callers pass, never by it.
   */
  now?: (() => Date) | undefined
  /** Verifies every signature unless a call passes its own; without one, callers must verify. */
  verify?: SignatureVerifier | undefined
}
