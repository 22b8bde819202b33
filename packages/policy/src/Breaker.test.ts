import { describe, expect, test } from 'vitest'
import * as Breaker from './Breaker.ts'
import { defaultBreaker } from './OrgConfig.ts'

const hour = 3_600
const assets = new Map([
  ['USDC', { treasury: 1_000_000n, large: 20_000n }],
  ['ETH', { treasury: undefined, large: undefined }],
])
const usdc = (amount: bigint) => [{ asset: 'USDC', amount }]
const action = (time: number, amount: bigint, signed = true): Breaker.ActionRecord => ({
  time,
  signed,
  outflows: usdc(amount),
})
const now = 100 * hour

describe('Breaker.state', () => {
  test('calm: nothing tripped, window share reported', () => {
    const state = Breaker.state({
      history: [action(now - hour, 10_000n)],
      candidate: usdc(30_000n),
      assets,
      config: defaultBreaker,
      now,
    })
    expect(state).toMatchObject({
      tripped: false,
      byCandidate: false,
      reasons: [],
      windowBps: 400,
      consecutiveLarge: 1,
    })
  })

  test('a single action above 5% trips it, and only the candidate is blamed', () => {
    const state = Breaker.state({
      history: [],
      candidate: usdc(50_001n),
      assets,
      config: defaultBreaker,
      now,
    })
    expect(state.tripped).toBe(true)
    expect(state.byCandidate).toBe(true)
    expect(state.resumesAt).toBe(now + 24 * hour)
    expect(state.reasons.map((r) => r.message)).toMatchInlineSnapshot(`
      [
        "One action moves more than 5% of the USDC treasury.",
      ]
    `)
    expect(
      Breaker.state({ history: [], candidate: usdc(50_000n), assets, config: defaultBreaker, now }).tripped,
    ).toBe(false)
  })

  test('window outflow above 10% trips it; outflow older than the window does not count', () => {
    // 20 000 is not "large" (the threshold is strictly above), so only the window counts here.
    const steps = (first: number) => [first, 20, 15, 10].map((h) => action(now - h * hour, 20_000n))
    expect(
      Breaker.state({
        history: steps(23),
        candidate: usdc(20_001n),
        assets,
        config: defaultBreaker,
        now,
      }).reasons.map((r) => r.code),
    ).toEqual(['window'])
    const older = steps(25)
    expect(
      Breaker.state({ history: older, candidate: usdc(20_001n), assets, config: defaultBreaker, now })
        .tripped,
    ).toBe(false)
  })

  test('three large actions in a row trip it; a small one in between resets the count', () => {
    const two = [action(now - 2 * hour, 20_001n), action(now - hour, 20_001n)]
    expect(
      Breaker.state({
        history: two,
        candidate: usdc(20_001n),
        assets,
        config: defaultBreaker,
        now,
      }).reasons.map((r) => r.code),
    ).toEqual(['consecutive-large'])
    const broken = [action(now - 3 * hour, 20_001n), action(now - 2 * hour, 5n), action(now - hour, 20_001n)]
    expect(
      Breaker.state({ history: broken, candidate: usdc(20_001n), assets, config: defaultBreaker, now })
        .tripped,
    ).toBe(false)
  })

  test('a refused attempt still trips it, and it stays tripped until the cool-down ends', () => {
    const history = [action(now - hour, 600_000n, false)]
    const state = Breaker.state({ history, candidate: [], assets, config: defaultBreaker, now })
    expect(state).toMatchObject({
      tripped: true,
      byCandidate: false,
      trippedAt: now - hour,
      resumesAt: now + 23 * hour,
    })
    // After the cool-down the old attempt is forgiven and no longer counts in the window either.
    const later = Breaker.state({
      history,
      candidate: usdc(10_000n),
      assets,
      config: defaultBreaker,
      now: now + 23 * hour,
    })
    expect(later.tripped).toBe(false)
    expect(later.windowBps).toBe(100)
  })

  test('without a cool-down only a signed reset resumes it', () => {
    const config = { ...defaultBreaker, cooldownSeconds: undefined }
    const history = [action(now - 30 * 24 * hour, 600_000n, false)]
    expect(Breaker.state({ history, candidate: [], assets, config, now }).tripped).toBe(true)
    expect(Breaker.state({ history, candidate: [], assets, config, now }).resumesAt).toBeUndefined()
    const reset = { ...config, resetAt: now - 24 * hour }
    expect(Breaker.state({ history, candidate: usdc(10n), assets, config: reset, now }).tripped).toBe(false)
    // A trip after the reset counts again.
    const again = [...history, action(now - hour, 600_000n, false)]
    expect(Breaker.state({ history: again, candidate: [], assets, config: reset, now }).tripped).toBe(true)
  })

  test('requests while tripped do not extend the trip', () => {
    const history = [action(now - 25 * hour, 600_000n, false), action(now - 20 * hour, 600_000n, false)]
    // Tripped at now-25h, resumed at now-1h; the attempt at now-20h came while tripped.
    expect(Breaker.state({ history, candidate: [], assets, config: defaultBreaker, now }).tripped).toBe(false)
  })

  test('assets without a declared treasury are not measured', () => {
    const state = Breaker.state({
      history: [],
      candidate: [{ asset: 'ETH', amount: 10n ** 30n }],
      assets,
      config: defaultBreaker,
      now,
    })
    expect(state.tripped).toBe(false)
  })
})
