import { InvalidTransitionError } from './errors.ts'
import type { ActionState } from './types.ts'

/** Every state, in life order. */
export const states: readonly ActionState[] = [
  'draft',
  'collecting-attestations',
  'delay-running',
  'collecting-signatures',
  'ready',
  'executed',
  'failed',
  'cancelled',
  'superseded',
]

/**
 * States no ordinary transition leaves. `cancelled` and `superseded` never change again; `executed`
 * leaves only when a chain reorg drops its block (`reorg`, through the store's `recordReorg`).
 */
export const terminal: readonly ActionState[] = ['executed', 'cancelled', 'superseded']

/** States in which an action still holds its nonce (it may yet run). */
export const live: readonly ActionState[] = states.filter((state) => !terminal.includes(state))

/**
 * The one move outside `transitions`: a reorg removed the execution's block, so the nonce is unused
 * again and the action (still fully signed) goes back to `ready`. Only `recordReorg` makes it, never
 * `transition()`: it must also roll the Safe's recorded nonce back.
 */
export const reorg = { from: 'executed', to: 'ready' } as const satisfies {
  from: ActionState
  to: ActionState
}

const withdraw: ActionState[] = ['cancelled', 'superseded']

/**
 * The allowed moves. An action only moves forward, except that a failed execution may be retried
 * (`failed → ready`) when the revert did not consume the nonce.
 */
export const transitions: Readonly<Record<ActionState, readonly ActionState[]>> = {
  draft: ['collecting-attestations', ...withdraw],
  'collecting-attestations': ['delay-running', 'collecting-signatures', ...withdraw],
  'delay-running': ['collecting-signatures', ...withdraw],
  'collecting-signatures': ['ready', ...withdraw],
  ready: ['executed', 'failed', ...withdraw],
  failed: ['ready', ...withdraw],
  executed: [],
  cancelled: [],
  superseded: [],
}

/**
 * Whether `from → to` is allowed.
 *
 * @example
 * StateMachine.canTransition('ready', 'executed') // true
 */
export function canTransition(from: ActionState, to: ActionState): boolean {
  return transitions[from].includes(to)
}

/**
 * Throws `Queue.InvalidTransitionError` unless `from → to` is allowed.
 *
 * @example
 * StateMachine.assertTransition('executed', 'ready') // throws
 */
export function assertTransition(from: ActionState, to: ActionState): void {
  if (!canTransition(from, to)) {
    const allowed = transitions[from]
    throw new InvalidTransitionError({
      from,
      to,
      hint:
        allowed.length === 0
          ? `"${from}" is final; create a new action instead.`
          : `From "${from}" it can go to: ${allowed.join(', ')}.`,
    })
  }
}

/**
 * Throws `Queue.InvalidTransitionError` unless `from` may follow a reorg (only `executed` may).
 *
 * @example
 * StateMachine.assertReorg('executed') // ok
 * StateMachine.assertReorg('ready') // throws
 */
export function assertReorg(from: ActionState): void {
  if (from !== reorg.from) {
    throw new InvalidTransitionError({
      from,
      to: reorg.to,
      hint: `Only an executed action can follow a reorg; this one is ${from}.`,
    })
  }
}

/**
 * Whether a string is a state name (for input from JSON or a CLI).
 *
 * @example
 * StateMachine.isState('ready') // true
 */
export function isState(value: unknown): value is ActionState {
  return typeof value === 'string' && (states as readonly string[]).includes(value)
}
