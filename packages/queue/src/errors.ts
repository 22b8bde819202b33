import { BaseError } from '@airlock/errors'
import type { ActionState } from './types.ts'

/** No action has this id. */
export class UnknownActionError extends BaseError {
  override name = 'Queue.UnknownActionError'
  readonly actionId: string
  constructor(actionId: string) {
    super(`No action with id "${actionId}" is in the queue.`, {
      hint: 'Check the id (airlock action list shows them); it may belong to another database.',
    })
    this.actionId = actionId
  }
}

/** The state machine does not allow this move. */
export class InvalidTransitionError extends BaseError {
  override name = 'Queue.InvalidTransitionError'
  readonly from: ActionState
  readonly to: ActionState
  constructor({ from, to, hint }: { from: ActionState; to: ActionState; hint?: string | undefined }) {
    super(`An action cannot go from "${from}" to "${to}".`, {
      hint:
        hint ??
        'Check the action’s state first; terminal actions (executed, cancelled, superseded) never change.',
    })
    this.from = from
    this.to = to
  }
}

/** The nonce is below the Safe's current on-chain nonce: it can never execute. */
export class StaleNonceError extends BaseError {
  override name = 'Queue.StaleNonceError'
  readonly nonce: bigint
  readonly onchainNonce: bigint
  constructor({ nonce, onchainNonce }: { nonce: bigint; onchainNonce: bigint }) {
    super(`Nonce ${nonce} is already used: the Safe's on-chain nonce is ${onchainNonce}.`, {
      hint: `Use nonce ${onchainNonce} or later (queue next-nonce suggests one).`,
    })
    this.nonce = nonce
    this.onchainNonce = onchainNonce
  }
}

/** The same signer already has different bytes recorded for this action and kind. */
export class SignatureConflictError extends BaseError {
  override name = 'Queue.SignatureConflictError'
}

/** The verifier refused the signature (it does not recover to a current owner over our hash). */
export class SignatureRejectedError extends BaseError {
  override name = 'Queue.SignatureRejectedError'
}

/** The action is not in a state that takes this kind of signature. */
export class NotAcceptingSignaturesError extends BaseError {
  override name = 'Queue.NotAcceptingSignaturesError'
}

/** A live action with the same safeTxHash is already queued. */
export class DuplicateActionError extends BaseError {
  override name = 'Queue.DuplicateActionError'
  readonly existingId: string
  constructor({ existingId, safeTxHash }: { existingId: string; safeTxHash: string }) {
    super(`The same Safe transaction (${safeTxHash}) is already queued as action ${existingId}.`, {
      hint: 'Collect signatures on the existing action, or cancel it first.',
    })
    this.existingId = existingId
  }
}

/** Two actions that must share a Safe and nonce do not. */
export class NonceMismatchError extends BaseError {
  override name = 'Queue.NonceMismatchError'
}

/** Several actions are ready at the nonce that executes next. */
export class NonceConflictError extends BaseError {
  override name = 'Queue.NonceConflictError'
  readonly actionIds: string[]
  constructor({ nonce, actionIds }: { nonce: bigint; actionIds: string[] }) {
    super(`${actionIds.length} actions are ready at nonce ${nonce}: ${actionIds.join(', ')}.`, {
      hint: 'Decide which one runs: supersede or cancel the others first.',
    })
    this.actionIds = actionIds
  }
}

/** A field of the input is missing or malformed (title, requirements, actor, times…). */
export class InvalidQueueInputError extends BaseError {
  override name = 'Queue.InvalidInputError'
}

/** A migration failed, or an applied migration differs from the shipped file. */
export class MigrationError extends BaseError {
  override name = 'Queue.MigrationError'
}

/** The embedded queue's directory is held by another live process (PGlite is single-process). */
export class QueueInUseError extends BaseError {
  override name = 'Queue.QueueInUseError'
  readonly pid: number | undefined
  readonly lockPath: string
  constructor({ dir, lockPath, pid }: { dir: string; lockPath: string; pid: number | undefined }) {
    super(
      `The embedded queue in ${dir} is in use by ${pid === undefined ? 'another process' : `PID ${pid}`}.`,
      {
        hint: `Wait for that command to finish (or stop it); for several operators at once, set DATABASE_URL to a shared PostgreSQL. If no such process runs, delete ${lockPath}.`,
      },
    )
    this.pid = pid
    this.lockPath = lockPath
  }
}

/** The database cannot be opened or reached. */
export class DatabaseUnavailableError extends BaseError {
  override name = 'Queue.DatabaseUnavailableError'
}

/** A reorg cannot be recorded: the Safe's recorded nonce is already past the action's next nonce. */
export class ReorgRefusedError extends BaseError {
  override name = 'Queue.ReorgRefusedError'
  readonly nonce: bigint
  readonly onchainNonce: bigint
  constructor({ actionId, nonce, onchainNonce }: { actionId: string; nonce: bigint; onchainNonce: bigint }) {
    super(
      `Action ${actionId} (nonce ${nonce}) cannot go back to ready: the Safe's recorded nonce is ${onchainNonce}, not ${nonce + 1n}, so later actions already executed on top of it.`,
      {
        hint: 'Reorgs must be followed newest first: record the reorg of the later executions first, or check the chain (the later ones may still be included).',
      },
    )
    this.nonce = nonce
    this.onchainNonce = onchainNonce
  }
}

/** A signer's witnessed head changed since the caller read it (another operator witnessed a response first). */
export class WitnessConflictError extends BaseError {
  override name = 'Queue.WitnessConflictError'
}
