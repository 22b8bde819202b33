import type { BucketLimit, EpochLimit } from './OrgConfig.ts'

/** One past outflow the signer signed (read from its own log), in the asset's base units. */
export type Outflow = {
  /** Unix seconds. */
  time: number
  /** The org config's asset id (e.g. `USDC`). */
  asset: string
  amount: bigint
}

export type EpochUsage = {
  epochStart: number
  /** Exclusive. */
  epochEnd: number
  cap: bigint
  /** Signed outflow in the current epoch before the candidate. */
  used: bigint
  /** `used` plus the candidate. */
  after: bigint
  /** What may still leave this epoch before the candidate (never negative). */
  remaining: bigint
  wouldExceed: boolean
}

export type BucketUsage = {
  capacity: bigint
  refillPerSecond: bigint
  /** Water in the bucket now (recent usage not yet drained), before the candidate. */
  level: bigint
  /** `level` plus the candidate. */
  after: bigint
  /** Room left now before the candidate (never negative). */
  remaining: bigint
  wouldExceed: boolean
}

export type Parameters<limit> = {
  history: readonly Outflow[]
  asset: string
  /** The candidate's outflow of this asset (0n when it moves none). */
  amount: bigint
  limit: limit
  /** Unix seconds. */
  now: number
}

/**
 * Fixed-epoch cap: the sum of signed outflows in the epoch containing `now`, plus the candidate,
 * must not exceed the cap. Outflows dated after `now` still count (a skewed clock must not help).
 *
 * @example
 * Velocity.epoch({ history, asset: 'USDC', amount: 5n, limit: { seconds: 86400, cap: 100n, origin: 0 }, now })
 * // { used: 90n, after: 95n, remaining: 10n, wouldExceed: false, … }
 */
export function epoch({ history, asset, amount, limit, now }: Parameters<EpochLimit>): EpochUsage {
  const index = Math.floor(Math.max(0, now - limit.origin) / limit.seconds)
  const epochStart = limit.origin + index * limit.seconds
  let used = 0n
  for (const item of history) {
    if (item.asset === asset && item.time >= epochStart) used += item.amount
  }
  const after = used + amount
  return {
    epochStart,
    epochEnd: epochStart + limit.seconds,
    cap: limit.cap,
    used,
    after,
    remaining: used >= limit.cap ? 0n : limit.cap - used,
    // A candidate that moves none of this asset never exceeds its limit.
    wouldExceed: amount > 0n && after > limit.cap,
  }
}

/**
 * Leaky bucket: every signed outflow pours its amount in, the bucket drains at `refillPerSecond`,
 * and the candidate must fit under `capacity`. So over any span of T seconds at most
 * `capacity + refillPerSecond·T` can leave, however the outflows are split up.
 *
 * @example
 * Velocity.bucket({ history, asset: 'USDC', amount: 5n, limit: { capacity: 100n, refillPerSecond: 1n }, now })
 * // { level: 40n, after: 45n, remaining: 60n, wouldExceed: false, … }
 */
export function bucket({ history, asset, amount, limit, now }: Parameters<BucketLimit>): BucketUsage {
  const events = history
    .filter((item) => item.asset === asset)
    // Future-dated entries are taken as happening now: conservative.
    .map((item) => ({ time: Math.min(item.time, now), amount: item.amount }))
    .sort((a, b) => a.time - b.time)
  let level = 0n
  let last = events[0]?.time ?? now
  for (const event of events) {
    level = drain(level, event.time - last, limit.refillPerSecond) + event.amount
    last = event.time
  }
  level = drain(level, now - last, limit.refillPerSecond)
  const after = level + amount
  return {
    capacity: limit.capacity,
    refillPerSecond: limit.refillPerSecond,
    level,
    after,
    remaining: level >= limit.capacity ? 0n : limit.capacity - level,
    wouldExceed: amount > 0n && after > limit.capacity,
  }
}

export type AssetVelocity = {
  asset: string
  amount: bigint
  epoch: EpochUsage | undefined
  bucket: BucketUsage | undefined
  wouldExceed: boolean
}

export type CheckParameters = {
  history: readonly Outflow[]
  /** The candidate's outflow per asset id. */
  candidate: ReadonlyMap<string, bigint>
  /** Limits per asset id; assets without limits are not rate limited here. */
  limits: ReadonlyMap<string, { epoch: EpochLimit | undefined; bucket: BucketLimit | undefined }>
  now: number
}

/**
 * Both limits for every asset that has a limit or that the candidate moves.
 *
 * @example
 * Velocity.check({ history, candidate: new Map([['USDC', 5n]]), limits, now }).some((a) => a.wouldExceed)
 */
export function check({ history, candidate, limits, now }: CheckParameters): AssetVelocity[] {
  const assets = [...new Set([...limits.keys(), ...candidate.keys()])].sort()
  return assets.map((asset) => {
    const amount = candidate.get(asset) ?? 0n
    const limit = limits.get(asset)
    const e = limit?.epoch ? epoch({ history, asset, amount, limit: limit.epoch, now }) : undefined
    const b = limit?.bucket ? bucket({ history, asset, amount, limit: limit.bucket, now }) : undefined
    return { asset, amount, epoch: e, bucket: b, wouldExceed: Boolean(e?.wouldExceed || b?.wouldExceed) }
  })
}

function drain(level: bigint, seconds: number, rate: bigint): bigint {
  const drained = BigInt(Math.max(0, seconds)) * rate
  return level > drained ? level - drained : 0n
}
