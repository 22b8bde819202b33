import { isBaseError } from '@airlock/errors'
import { Bundle, type CedarApi, type KeyKind } from '@airlock/policy'
import {
  DecisionLog,
  type Identity,
  Installed,
  type LogState,
  Refusal,
  type Review,
  type ReviewFinding,
  review,
} from '@airlock/signer-core'
import type { SignRequest } from '@airlock/transport'
import type { Address, Hex } from 'viem'
import { PolicyBundleRejectedError } from './errors.ts'

/** What one owner's signer is predicted to do with the request in its first round. */
export type Verdict =
  /** Release a Safe signature (Routine, Emergency). */
  | 'sign'
  /** Release an approval attestation (round 1 of Critical / Existential). */
  | 'attest'
  /** Refuse. */
  | 'refuse'

export type OwnerPrediction = {
  owner: Address
  verdict: Verdict
  /** Every reason the owner's signer would give, its own first (empty unless refused). */
  refusals: readonly Refusal.Refusal[]
}

/**
 * The signers' verdict as the coordinator predicts it: the installed policy bundle evaluated by the
 * signer engine's own `review`, for every owner, on an empty log and the given clock. It is a
 * prediction only: each signer decides for itself from its own log (first sightings, what it signed
 * before, velocity history) and its own clock.
 */
export type Prediction = {
  /** `sign` / `attest` when enough owners are predicted to allow it for the tier, else `refuse`. */
  verdict: Verdict
  tier: Review['tier']
  /** The reasons shared by the refusing owners, most common first (e.g. `treasury.large-transfer-tier`). */
  refusals: readonly Refusal.Refusal[]
  owners: readonly OwnerPrediction[]
  /** How many owners allow it now, and how many the tier needs (Safe threshold, or the policy's approvals). */
  allowing: number
  needed: number
  findings: readonly ReviewFinding[]
  bundle: { hash: Hex; version: number }
}

export type PredictParameters = {
  /** The policy the signers run (`Predict.install` on the bundle they installed). */
  installed: Installed.Installed
  /** The exact request the signers will scan. */
  request: SignRequest.SignRequest
  /** Owners to predict for; defaults to the Safe's owners in the org config. */
  owners?: readonly Address[] | undefined
  /** What kind of key each owner signs with; hardware (`ledger`) unless given. */
  keyKinds?: Readonly<Record<string, KeyKind>> | undefined
  /** The clock (ms); the signers use their own, so a prediction near a delay boundary may differ. */
  nowMs?: number | undefined
  /** A signer's memory, when known (defaults to an empty log: a first sighting). */
  log?: LogState | undefined
}

/** A signer that has seen nothing yet (derived by the signer's own replay, so it tracks the log's shape). */
export const emptyLog: LogState = DecisionLog.state([])

/**
 * Verifies a policy bundle exactly as a signer does before installing it (K-of-M admin signatures,
 * schema, policies) and loads it for predictions. Throws PolicyBundleRejectedError listing the issues.
 *
 * @example
 * const installed = await Predict.install({ bundle: JSON.parse(text), cedar })
 */
export async function install({
  bundle,
  cedar,
}: {
  bundle: unknown
  cedar: CedarApi
}): Promise<Installed.Installed> {
  const verification = await Bundle.verify(bundle, { cedar })
  if (!verification.valid) {
    throw new PolicyBundleRejectedError('The policy bundle would be rejected by the signers.', {
      hint: 'Use the bundle the security leads signed and the signers installed.',
      details: verification.issues.map((issue) => `${issue.code}: ${issue.message}`).join('\n'),
    })
  }
  return Installed.fromBundle(Bundle.parse(bundle), { cedar })
}

/**
 * Predicts what the signers will do with a request, with the signer engine itself (no device, no log).
 * Never throws for a bad request: an undecodable one is predicted as refused, like a signer would.
 *
 * @example
 * const prediction = await Predict.verdict({ installed, request: Action.signRequest(action) })
 * prediction.verdict // 'refuse'
 * prediction.refusals[0]?.code // 'treasury.large-transfer-tier'
 */
export async function verdict({
  installed,
  request,
  owners,
  keyKinds = {},
  nowMs = Date.now(),
  log = emptyLog,
}: PredictParameters): Promise<Prediction> {
  const safe = installed.org.safes.find(
    (s) => s.address === request.context.safe.toLowerCase() && BigInt(s.chainId) === request.context.chainId,
  )
  const list = owners ?? safe?.owners ?? []
  const predictions: OwnerPrediction[] = []
  let last: Review | undefined
  for (const owner of list) {
    const identity: Identity = { address: owner, keyKind: keyKinds[owner.toLowerCase()] ?? 'ledger' }
    let result: Review
    try {
      result = await review(request, { state: { installed, log, identity, nowMs } })
    } catch (error) {
      if (!isBaseError(error)) throw error
      predictions.push({
        owner,
        verdict: 'refuse',
        refusals: [Refusal.signer('undecodable', error.shortMessage)],
      })
      continue
    }
    last = result
    predictions.push({
      owner,
      verdict: result.allowed ? (result.stage === 'attestation' ? 'attest' : 'sign') : 'refuse',
      refusals: result.refusals,
    })
  }
  const allowing = predictions.filter((p) => p.verdict !== 'refuse')
  const tier = last?.tier
  const needed =
    safe === undefined || tier === undefined
      ? 1
      : tier === 'critical' || tier === 'existential'
        ? Installed.requirement(installed, safe, tier).approvals
        : tier === 'emergency'
          ? 1
          : safe.threshold
  const counts = new Map<string, { refusal: Refusal.Refusal; count: number }>()
  for (const p of predictions) {
    for (const refusal of p.refusals) {
      const entry = counts.get(refusal.code)
      if (entry) entry.count += 1
      else counts.set(refusal.code, { refusal, count: 1 })
    }
  }
  const refusals = [...counts.values()].sort((a, b) => b.count - a.count).map((e) => e.refusal)
  if (list.length === 0) refusals.push(Refusal.signer('unknown-safe'))
  const first = allowing[0]
  return {
    verdict: first !== undefined && allowing.length >= needed ? first.verdict : 'refuse',
    tier,
    refusals,
    owners: predictions,
    allowing: allowing.length,
    needed,
    findings: last?.findings ?? [],
    bundle: { hash: installed.hash, version: installed.version },
  }
}
