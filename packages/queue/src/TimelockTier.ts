import {
  type AnalyzeParameters,
  type AnalyzeReturnType,
  Effects,
  type SafeContext,
  Tier,
} from '@airlock/safe'
import type { Address, Hex } from 'viem'

/** A TimelockController operation, by the timelock and the id it computes (both lowercase). */
export type OperationRef = { timelock: Address; operationId: Hex }

/** A `schedule`/`scheduleBatch` or `execute`/`executeBatch` the Safe itself sends, and where it sits. */
export type Operation = OperationRef & { op: 'schedule' | 'execute'; path: readonly number[] }

/**
 * The timelock schedules and executes a Safe transaction sends from the Safe itself (directly or in a
 * MultiSend), with the operation ids the decoder derived (`hashOperation` / `hashOperationBatch`).
 *
 * @example
 * TimelockTier.operations(analysis).filter((o) => o.op === 'schedule') // [{ timelock, operationId, … }]
 */
export function operations(analysis: Pick<AnalyzeReturnType, 'calls' | 'context'>): Operation[] {
  const safe = analysis.context.safe.toLowerCase()
  const found: Operation[] = []
  for (const entry of Effects.list(analysis.calls)) {
    const { effect } = entry
    if (effect.kind !== 'timelock' || effect.op === 'cancel' || effect.operationId === undefined) continue
    if (entry.sender.toLowerCase() !== safe) continue
    found.push({
      op: effect.op,
      timelock: entry.to.toLowerCase() as Address,
      operationId: effect.operationId.toLowerCase() as Hex,
      path: entry.path,
    })
  }
  return found
}

export type LeftToCheck = {
  /** The tier of what is left once the already-approved timelock executions are set aside. */
  tier: Tier.Tier
  tierReasons: Tier.Reason[]
  /** The executes whose schedule was approved before (their inner calls count no further). */
  approved: Operation[]
}

/**
 * The tier of a transaction by what is left to check, as the signers judge it: an `execute` of a
 * timelock operation whose `schedule` the same Safe already ran through its own (Critical) round is
 * not a second Critical round; its inner calls were checked when it was scheduled, and the timelock
 * enforces the delay by block time. Everything else in the transaction keeps its tier.
 *
 * @example
 * const { tier } = TimelockTier.leftToCheck({ analysis, org, scheduled: [{ timelock, operationId }] })
 * tier // 'routine' for a lone execute of a scheduled operation
 */
export function leftToCheck({
  analysis,
  org,
  scheduled,
}: {
  analysis: Pick<AnalyzeReturnType, 'calls' | 'context' | 'findings' | 'tier' | 'tierReasons'>
  /** The decoder's org config the analysis used. */
  org?: AnalyzeParameters['org'] | undefined
  /** Operations whose schedule the Safe already executed (or fully signed). */
  scheduled: readonly OperationRef[]
}): LeftToCheck {
  const known = new Set(scheduled.map((s) => key(s)))
  const approved = operations(analysis).filter((o) => o.op === 'execute' && known.has(key(o)))
  if (approved.length === 0) return { tier: analysis.tier, tierReasons: analysis.tierReasons, approved }
  // Strictly inside an approved execute: the calls the schedule carried (the execute itself stays).
  const checkedBefore = (path: readonly number[]) =>
    approved.some((e) => path.length > e.path.length && e.path.every((index, i) => path[i] === index))
  const { tier, reasons } = Tier.classify({
    calls: analysis.calls,
    findings: analysis.findings.filter((f) => !checkedBefore(f.path)),
    context: analysis.context as SafeContext,
    org,
  })
  return { tier, tierReasons: reasons, approved }
}

function key({ timelock, operationId }: OperationRef): string {
  return `${timelock.toLowerCase()}:${operationId.toLowerCase()}`
}
