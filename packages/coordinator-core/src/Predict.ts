import { isBaseError } from '@airlock/errors'
import { Bundle, type CedarApi, type KeyKind } from '@airlock/policy'
import { analyze, type DecoderOrg, type SafeContext, type SafeTx, SafeTxHash } from '@airlock/safe'
import {
  DecisionLog,
  type Identity,
  Installed,
  type LogState,
  Refusal,
  type Released,
  type Review,
  type ReviewFinding,
  review,
  Timelock,
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
  /** Each owner's memory as far as the coordinator knows it (`Predict.logOf`), by lowercase address. */
  logs?: ReadonlyMap<string, LogState> | undefined
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
  logs,
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
      result = await review(request, {
        state: { installed, log: logs?.get(owner.toLowerCase()) ?? log, identity, nowMs },
      })
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

/** A transaction an owner signed and that was executed, as the coordinator's queue knows it. */
export type SignedAction = {
  tx: SafeTx.SafeTx
  context: SafeContext
  /** The owners whose Safe signatures the queue collected for it. */
  signers: readonly Address[]
  /** Unix seconds when it was signed (the queue's record). */
  signedAt: number
}

/**
 * An owner's signer memory as far as the coordinator can know it: the Safe signatures it collected
 * from that owner for executed actions, and the timelock operations those scheduled (so a later
 * execute of an operation the owner's signer scheduled is predicted as that signer will judge it).
 * First sightings and refusals stay unknown: the real log may hold more.
 *
 * @example
 * const logs = new Map(owners.map((o) => [o.toLowerCase(), Predict.logOf({ owner: o, actions, org })]))
 */
export function logOf({
  owner,
  actions,
  org,
}: {
  owner: Address
  actions: readonly SignedAction[]
  /** The decoder's org config for the chain (decodes the scheduled calls as the signer does). */
  org?: DecoderOrg.OrgConfig | undefined
}): LogState {
  const released: Released[] = []
  const scheduled = new Map<string, number>()
  for (const { tx, context, signers, signedAt } of actions) {
    if (!signers.some((s) => s.toLowerCase() === owner.toLowerCase())) continue
    const chainId = Number(context.chainId)
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    released.push({
      kind: 'safe-signature',
      safeTxHash,
      chainId,
      safe: context.safe,
      nonce: tx.nonce,
      time: signedAt,
    })
    let calls: ReturnType<typeof analyze>['calls']
    try {
      calls = analyze({ tx, context, org }).calls
    } catch (error) {
      if (!isBaseError(error)) throw error
      continue
    }
    for (const operation of Timelock.operations(calls, { chainId, safe: context.safe })) {
      if (operation.op === 'schedule' && !scheduled.has(operation.key)) scheduled.set(operation.key, signedAt)
    }
  }
  return { ...emptyLog, released, scheduled }
}
