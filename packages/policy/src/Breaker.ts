import type { BreakerConfig } from './OrgConfig.ts'

export type AssetAmount = { asset: string; amount: bigint }

/**
 * One past signing request from the signer's log, signed or refused. The breaker counts attempts,
 * not only signatures: an attacker's refused 50% drain must still trip it.
 */
export type ActionRecord = {
  /** Unix seconds. */
  time: number
  signed: boolean
  outflows: readonly AssetAmount[]
}

/** What the breaker needs to know about an asset (base units); assets without a treasury are not measured. */
export type BreakerAsset = { treasury: bigint | undefined; large: bigint | undefined }

export type TripCode = 'single-tx' | 'window' | 'consecutive-large'

export type TripReason = { code: TripCode; asset: string | undefined; at: number; message: string }

export type BreakerState = {
  /** Tripped before the candidate, or the candidate itself trips it. Only Emergency actions pass. */
  tripped: boolean
  /** True when it was calm and the candidate is what trips it. */
  byCandidate: boolean
  trippedAt: number | undefined
  /** When the cool-down ends (undefined: only a signed reset resumes, or not tripped). */
  resumesAt: number | undefined
  reasons: readonly TripReason[]
  /** Large actions in a row, counting the candidate. */
  consecutiveLarge: number
  /** Highest share of a treasury leaving within the window, over the assets the candidate moves, with it (bps). */
  windowBps: number
}

export type StateParameters = {
  history: readonly ActionRecord[]
  /** The outflows of the action being decided. */
  candidate: readonly AssetAmount[]
  assets: ReadonlyMap<string, BreakerAsset>
  config: BreakerConfig
  /** Unix seconds. */
  now: number
}

/**
 * Replays the log to find whether the auto-pause breaker is tripped, then tests the candidate.
 * It trips on a single action above `singleTxBps` of an asset's treasury, on signed outflow within
 * `windowSeconds` plus the action above `windowBps`, or on `consecutiveLarge` large actions in a row.
 * A trip lasts until `cooldownSeconds` pass or a signed bundle sets `resetAt` after it; history up
 * to either point no longer counts.
 *
 * @example
 * const state = Breaker.state({ history, candidate: [{ asset: 'USDC', amount: 10n }], assets, config, now })
 * if (state.tripped && tier !== 'emergency') refuse(state.reasons)
 */
export function state({ history, candidate, assets, config, now }: StateParameters): BreakerState {
  const actions = history
    .map((action) => ({ ...action, time: Math.min(action.time, now) }))
    .sort((a, b) => a.time - b.time)
  let since = config.resetAt ?? Number.NEGATIVE_INFINITY
  let trip: { at: number; reasons: TripReason[] } | undefined
  let consecutive = 0
  let counted: ActionRecord[] = []

  const resumeAt = (at: number) =>
    config.cooldownSeconds === undefined ? undefined : at + config.cooldownSeconds
  const resumeIfDue = (time: number) => {
    const resume = trip ? resumeAt(trip.at) : undefined
    if (trip && resume !== undefined && time >= resume) {
      since = resume
      trip = undefined
      consecutive = 0
      counted = []
    }
  }

  for (const action of actions) {
    if (action.time <= since) continue
    resumeIfDue(action.time)
    // While tripped, requests are refused anyway and do not extend the trip.
    if (trip || action.time <= since) continue
    const result = measure(action.time, action.outflows, counted, consecutive, assets, config)
    consecutive = result.consecutive
    if (result.reasons.length > 0) trip = { at: action.time, reasons: result.reasons }
    if (action.signed) counted.push(action)
  }
  resumeIfDue(now)

  const result = measure(now, candidate, counted, consecutive, assets, config)
  if (trip) {
    return {
      tripped: true,
      byCandidate: false,
      trippedAt: trip.at,
      resumesAt: resumeAt(trip.at),
      reasons: trip.reasons,
      consecutiveLarge: result.consecutive,
      windowBps: result.windowBps,
    }
  }
  const byCandidate = result.reasons.length > 0
  return {
    tripped: byCandidate,
    byCandidate,
    trippedAt: byCandidate ? now : undefined,
    resumesAt: byCandidate ? resumeAt(now) : undefined,
    reasons: result.reasons,
    consecutiveLarge: result.consecutive,
    windowBps: result.windowBps,
  }
}

function measure(
  time: number,
  outflows: readonly AssetAmount[],
  counted: readonly ActionRecord[],
  consecutive: number,
  assets: ReadonlyMap<string, BreakerAsset>,
  config: BreakerConfig,
) {
  const reasons: TripReason[] = []
  const totals = sumByAsset(outflows)
  let large = false
  let windowBps = 0
  for (const [asset, info] of assets) {
    const amount = totals.get(asset) ?? 0n
    if (info.large !== undefined && amount > info.large) large = true
    if (info.treasury === undefined || info.treasury === 0n) continue
    const treasury = info.treasury
    if (amount * 10_000n > treasury * BigInt(config.singleTxBps)) {
      reasons.push({
        code: 'single-tx',
        asset,
        at: time,
        message: `One action moves more than ${percent(config.singleTxBps)} of the ${asset} treasury.`,
      })
    }
    let window = amount
    for (const past of counted) {
      if (past.time > time - config.windowSeconds) window += sumByAsset(past.outflows).get(asset) ?? 0n
    }
    // Only assets this action moves: a pause must not be blocked by yesterday's outflow.
    if (amount === 0n) continue
    const bps = Number((window * 10_000n + treasury - 1n) / treasury)
    windowBps = Math.max(windowBps, Math.min(bps, Number.MAX_SAFE_INTEGER))
    if (window * 10_000n > treasury * BigInt(config.windowBps)) {
      reasons.push({
        code: 'window',
        asset,
        at: time,
        message: `Outflow within ${hours(config.windowSeconds)} would exceed ${percent(config.windowBps)} of the ${asset} treasury.`,
      })
    }
  }
  const next = large ? consecutive + 1 : 0
  if (next >= config.consecutiveLarge) {
    reasons.push({
      code: 'consecutive-large',
      asset: undefined,
      at: time,
      message: `${next} large actions in a row (limit ${config.consecutiveLarge}).`,
    })
  }
  return { reasons, consecutive: next, windowBps }
}

function sumByAsset(outflows: readonly AssetAmount[]): Map<string, bigint> {
  const totals = new Map<string, bigint>()
  for (const { asset, amount } of outflows) totals.set(asset, (totals.get(asset) ?? 0n) + amount)
  return totals
}

const percent = (bps: number) => `${bps / 100}%`
const hours = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds}s`)
