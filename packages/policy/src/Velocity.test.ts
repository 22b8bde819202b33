import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as Velocity from './Velocity.ts'

const day = 86_400
const epochLimit = { seconds: day, cap: 1_000n, origin: 0 }
const bucketLimit = { capacity: 1_000n, refillPerSecond: 1n }
const at = (time: number, amount: bigint, asset = 'USDC') => ({ time, asset, amount })

describe('Velocity.epoch', () => {
  test('sums the current epoch only', () => {
    const now = 10 * day + 5_000
    const history = [
      at(9 * day + 100, 900n),
      at(10 * day, 300n),
      at(10 * day + 4_000, 200n),
      at(10 * day, 999n, 'ETH'),
    ]
    expect(Velocity.epoch({ history, asset: 'USDC', amount: 400n, limit: epochLimit, now })).toEqual({
      epochStart: 10 * day,
      epochEnd: 11 * day,
      cap: 1_000n,
      used: 500n,
      after: 900n,
      remaining: 500n,
      wouldExceed: false,
    })
    expect(Velocity.epoch({ history, asset: 'USDC', amount: 501n, limit: epochLimit, now }).wouldExceed).toBe(
      true,
    )
    // A new epoch starts empty.
    expect(
      Velocity.epoch({ history, asset: 'USDC', amount: 1_000n, limit: epochLimit, now: 11 * day }).used,
    ).toBe(0n)
  })

  test('a candidate that moves nothing never exceeds, even over the cap', () => {
    const history = [at(100, 2_000n)]
    const usage = Velocity.epoch({ history, asset: 'USDC', amount: 0n, limit: epochLimit, now: 200 })
    expect([usage.remaining, usage.wouldExceed]).toEqual([0n, false])
  })

  test('many small steps add up to the same cap as one big one', () => {
    const history = Array.from({ length: 99 }, (_, i) => at(1_000 + i * 60, 10n))
    expect(
      Velocity.epoch({ history, asset: 'USDC', amount: 10n, limit: epochLimit, now: 9_000 }).wouldExceed,
    ).toBe(false)
    expect(
      Velocity.epoch({ history, asset: 'USDC', amount: 11n, limit: epochLimit, now: 9_000 }).wouldExceed,
    ).toBe(true)
  })
})

describe('Velocity.bucket', () => {
  test('drains at the refill rate and never below empty', () => {
    const history = [at(0, 600n), at(100, 300n)]
    // 600 drains to 500 by t=100, +300 = 800, drains 50 by t=150.
    expect(Velocity.bucket({ history, asset: 'USDC', amount: 250n, limit: bucketLimit, now: 150 })).toEqual({
      capacity: 1_000n,
      refillPerSecond: 1n,
      level: 750n,
      after: 1_000n,
      remaining: 250n,
      wouldExceed: false,
    })
    expect(
      Velocity.bucket({ history, asset: 'USDC', amount: 251n, limit: bucketLimit, now: 150 }).wouldExceed,
    ).toBe(true)
    expect(
      Velocity.bucket({ history, asset: 'USDC', amount: 0n, limit: bucketLimit, now: 10_000 }).level,
    ).toBe(0n)
  })

  test('many small steps faster than the refill are stopped; slower ones pass', () => {
    const fast: Velocity.Outflow[] = []
    let refusedFast = 0
    for (let t = 0; t < 200; t++) {
      const usage = Velocity.bucket({ history: fast, asset: 'USDC', amount: 10n, limit: bucketLimit, now: t })
      if (usage.wouldExceed) refusedFast++
      else fast.push(at(t, 10n))
    }
    // 10 per second against a refill of 1 per second: after the first ~1000 only the refill gets through.
    expect(refusedFast).toBeGreaterThan(0)
    expect(fast.reduce((sum, o) => sum + o.amount, 0n)).toBeLessThanOrEqual(1_000n + 200n)

    const slow: Velocity.Outflow[] = []
    for (let t = 0; t < 2_000; t += 10) {
      const usage = Velocity.bucket({ history: slow, asset: 'USDC', amount: 10n, limit: bucketLimit, now: t })
      expect(usage.wouldExceed).toBe(false)
      slow.push(at(t, 10n))
    }
  })

  test('future-dated history counts as now (a skewed log does not help)', () => {
    const usage = Velocity.bucket({
      history: [at(5_000, 900n)],
      asset: 'USDC',
      amount: 200n,
      limit: bucketLimit,
      now: 100,
    })
    expect(usage.wouldExceed).toBe(true)
  })

  test('whatever the split, accepted outflows within any span T stay under capacity + rate·T (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.bigInt({ min: 1n, max: 400n })), {
          maxLength: 40,
        }),
        (attempts) => {
          const accepted: Velocity.Outflow[] = []
          let now = 0
          for (const [gap, amount] of attempts) {
            now += gap
            const usage = Velocity.bucket({
              history: accepted,
              asset: 'USDC',
              amount,
              limit: bucketLimit,
              now,
            })
            if (!usage.wouldExceed) accepted.push(at(now, amount))
          }
          for (const start of accepted) {
            for (const end of accepted) {
              if (end.time < start.time) continue
              const sum = accepted
                .filter((o) => o.time >= start.time && o.time <= end.time)
                .reduce((total, o) => total + o.amount, 0n)
              expect(sum).toBeLessThanOrEqual(
                bucketLimit.capacity + BigInt(end.time - start.time) * bucketLimit.refillPerSecond,
              )
            }
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('Velocity.check', () => {
  test('reports both limits per asset and flags the asset that would exceed', () => {
    const limits = new Map([
      ['USDC', { epoch: epochLimit, bucket: bucketLimit }],
      ['ETH', { epoch: { seconds: day, cap: 5n, origin: 0 }, bucket: undefined }],
    ])
    const result = Velocity.check({
      history: [at(10, 4n, 'ETH'), at(10, 100n)],
      candidate: new Map([
        ['ETH', 2n],
        ['USDC', 10n],
      ]),
      limits,
      now: 20,
    })
    expect(result.map((r) => [r.asset, r.wouldExceed, r.epoch?.after, r.bucket?.after])).toEqual([
      ['ETH', true, 6n, undefined],
      ['USDC', false, 110n, 100n],
    ])
  })
})
