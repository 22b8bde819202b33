import { OrgConfig as PolicyOrg } from '@airlock/policy'
import type { AnalyzeReturnType, Tier } from '@airlock/safe'
import type { Address } from 'viem'
import type { SafeState } from './Chain.ts'
import * as Config from './Config.ts'
import { InvalidActionError } from './errors.ts'

/** What an action needs before it can execute, from its tier and the org's tier table. */
export type Requirements = {
  tier: Tier.Tier
  /** Valid owner signatures the Safe checks on chain: its threshold. */
  signatures: number
  /** Distinct owners that must approve (attest or sign): 1, M, M+1 or N by the org's tier table. */
  approvals: number
  /** Round-1 approval attestations signers want before releasing a signature (Critical and above). */
  attestations: number
  /** How long after the action was created signers wait before signing. */
  delaySeconds: number
  /**
   * Where the org config and the chain disagree (owners, threshold): signers may refuse to sign until
   * a new policy bundle is installed. Shown to operators; it does not block executing collected signatures.
   */
  drift: string[]
}

/** How far an action is, given what the queue has collected. */
export type Progress = {
  ready: boolean
  signatures: { have: number; need: number }
  approvals: { have: number; need: number }
  attestations: { have: number; need: number }
  delay: { elapsedSeconds: number; needSeconds: number; readyAt: number }
  /** One sentence per unmet requirement. */
  missing: string[]
}

const attested: readonly Tier.Tier[] = ['critical', 'existential']

/**
 * Requirements of an analysed transaction on a Safe: the Safe's own threshold for signatures, the
 * org's tier table (for the Safe as the org config lists it) for approvals, attestations and delay.
 *
 * @example
 * const req = Requirements.of({ config, state, tier: analysis.tier })
 * req.approvals // M+1 for a Critical action
 */
export function of({
  config,
  state,
  tier,
}: {
  config: Config.Config
  state: SafeState
  tier: Tier.Tier | AnalyzeReturnType['tier']
}): Requirements {
  const listed = Config.safe(config, state.address)
  const drift: string[] = []
  const threshold = Number(state.threshold)
  let approvals: number
  if (listed === undefined) {
    drift.push(`Safe ${state.address} is not in the org config: signers will refuse to sign for it.`)
    approvals = Number.POSITIVE_INFINITY
  } else {
    approvals = PolicyOrg.requiredApprovals(config.org, listed, tier)
    const configured = new Set(listed.owners.map((owner) => owner.toLowerCase()))
    const onChain = new Set(state.owners.map((owner) => owner.toLowerCase()))
    const added = [...onChain].filter((owner) => !configured.has(owner))
    const removed = [...configured].filter((owner) => !onChain.has(owner))
    if (added.length > 0) drift.push(`Owners on chain but not in the org config: ${added.join(', ')}.`)
    if (removed.length > 0) drift.push(`Owners in the org config but not on chain: ${removed.join(', ')}.`)
    if (listed.threshold !== threshold) {
      drift.push(`The org config says threshold ${listed.threshold}, the Safe has ${threshold}.`)
    }
  }
  return {
    tier,
    signatures: threshold,
    approvals,
    attestations: attested.includes(tier) ? approvals : 0,
    delaySeconds: config.org.tiers[tier].delaySeconds,
    drift,
  }
}

/**
 * Checks collected signers and attesters (already verified by the caller) against the requirements.
 * Only current owners count; each owner counts once.
 *
 * @example
 * const p = Requirements.progress({ requirements, owners: state.owners, signers, attesters, createdAt, now })
 * if (!p.ready) console.log(p.missing.join('\n'))
 */
export function progress({
  requirements,
  owners,
  signers,
  attesters = [],
  createdAt,
  now,
}: {
  requirements: Requirements
  owners: readonly Address[]
  signers: readonly Address[]
  attesters?: readonly Address[] | undefined
  /**
   * Unix seconds when the action was created (the signers' first-seen time is close to it), by the
   * same clock as `now`: chain time on both ends (block timestamps) wherever it is known.
   */
  createdAt: number
  now: number
}): Progress {
  const ownerSet = new Set(owners.map((owner) => owner.toLowerCase()))
  const distinct = (list: readonly Address[]) =>
    new Set(list.map((a) => a.toLowerCase()).filter((a) => ownerSet.has(a)))
  const signed = distinct(signers)
  const attestedBy = distinct(attesters)
  const approved = new Set([...signed, ...attestedBy])
  const elapsedSeconds = Math.max(0, now - createdAt)
  const missing: string[] = []
  const { signatures, approvals, attestations, delaySeconds, tier } = requirements
  if (signed.size < signatures) {
    missing.push(`${signatures - signed.size} more owner signature(s): the Safe needs ${signatures}.`)
  }
  if (attestedBy.size < attestations) {
    missing.push(
      `${attestations - attestedBy.size} more approval attestation(s): ${tier} needs ${attestations} owners to attest first.`,
    )
  }
  // Approvals are signers and attesters together: only worth a line when the counts above are met.
  if (approved.size < approvals && signed.size >= signatures && attestedBy.size >= attestations) {
    missing.push(
      Number.isFinite(approvals)
        ? `${approvals - approved.size} more approving owner(s): ${tier} needs ${approvals}.`
        : 'The Safe is not in the org config: no number of approvals is enough.',
    )
  }
  if (elapsedSeconds < delaySeconds) {
    missing.push(`${delaySeconds - elapsedSeconds} more second(s) of delay: ${tier} waits ${delaySeconds}s.`)
  }
  return {
    ready: missing.length === 0,
    signatures: { have: signed.size, need: signatures },
    approvals: { have: approved.size, need: approvals },
    attestations: { have: attestedBy.size, need: attestations },
    delay: { elapsedSeconds, needSeconds: delaySeconds, readyAt: createdAt + delaySeconds },
    missing,
  }
}

/** A queued action (as `@airlock/queue` stores it): only what its progress needs. */
export type QueuedForProgress = {
  safe: { address: Address }
  tier: Tier.Tier
  createdAt: Date
  /** The latest block's timestamp at creation, when the queue recorded it. */
  createdChainAt?: Date | null | undefined
  requirements: { signatures: number; attestations: number; delaySeconds: number }
}

/**
 * What a queued action still needs, from the queue's counts and the org's tier table (no chain read):
 * signatures, approvals (signers and attesters together), attestations and the tier's delay.
 * Stored signatures were checked against the on-chain owners when they came in. The delay is judged
 * like with like: by chain time when the action recorded it and `chainNow` is given, else by the
 * coordinator's clock on both ends (`createdAt` and `now`).
 *
 * @example
 * const { ready, missing } = Requirements.progressOf({ config, action, collected: await store.signatures(action.id) })
 */
export function progressOf({
  config,
  action,
  collected,
  now = Math.floor(Date.now() / 1000),
  chainNow,
}: {
  config: Config.Config
  action: QueuedForProgress
  collected: readonly { signer: Address; kind: 'safe-signature' | 'approval-attestation' }[]
  /** Unix seconds by the coordinator's clock (compared with `createdAt`). */
  now?: number | undefined
  /** Unix seconds of the latest block (compared with `createdChainAt`). */
  chainNow?: number | undefined
}): Progress {
  const listed = Config.safe(config, action.safe.address)
  const approvals = listed
    ? PolicyOrg.requiredApprovals(config.org, listed, action.tier)
    : Number.POSITIVE_INFINITY
  const signers = collected.filter((s) => s.kind === 'safe-signature').map((s) => s.signer)
  const attesters = collected.filter((s) => s.kind === 'approval-attestation').map((s) => s.signer)
  return progress({
    requirements: { ...action.requirements, tier: action.tier, approvals, drift: [] },
    owners: [...signers, ...attesters],
    signers,
    attesters,
    ...(action.createdChainAt != null && chainNow !== undefined
      ? { createdAt: Math.floor(action.createdChainAt.getTime() / 1000), now: chainNow }
      : { createdAt: Math.floor(action.createdAt.getTime() / 1000), now }),
  })
}

/**
 * The queue's requirements for a tier on a Safe. A Safe missing from the org config has no finite
 * approval count: signers refuse every request for it, so queueing is refused with a typed error.
 *
 * @example
 * await store.createAction({ …, requirements: Requirements.forQueue(Requirements.of({ config, state, tier })) })
 */
export function forQueue(requirements: Requirements): {
  signatures: number
  attestations: number
  delaySeconds: number
} {
  if (!Number.isFinite(requirements.attestations) || !Number.isFinite(requirements.approvals)) {
    throw new InvalidActionError(
      'This Safe is not in the org config: signers would refuse every request for it.',
      {
        hint: 'Add the Safe to the org config (and the signers’ policy bundle) first.',
      },
    )
  }
  return {
    signatures: requirements.signatures,
    attestations: requirements.attestations,
    delaySeconds: requirements.delaySeconds,
  }
}
