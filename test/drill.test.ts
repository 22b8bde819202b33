// npm run drill, as CI runs it: 24 simulated hours of attacks on anvil against the real signer engines,
// with assertions on the loss bound, the pause time and every refused attempt.

import { runCli } from '@airlock/cli/testing'
import { type Attempt, Drill, type DrillResult } from '@airlock/drill'
import { beforeAll, describe, expect, it } from 'vitest'

let report: DrillResult

beforeAll(async () => {
  report = await Drill.run({ hours: 24, perHour: 3 })
}, 240_000)

describe('the compromise drill (24 simulated hours)', () => {
  it('loses at most the velocity allowance and at most 2% of TVL; nothing through Critical or Existential actions', () => {
    expect(report.lostWei).toBeGreaterThan(0n) // the allowed drain does happen: the bound is measured, not assumed
    expect(report.lostWei).toBeLessThanOrEqual(report.velocityCapWei)
    expect(report.lostWei * 10_000n).toBeLessThanOrEqual(report.tvlWei * 200n)
    expect(report.lostCriticalWei).toBe(0n)
  })

  it('pauses the treasury through the guardian within two minutes of the sentry alert', () => {
    expect(report.pause).toBeDefined()
    expect(report.pause!.seconds).toBeLessThanOrEqual(120)
    expect(report.pause!.blocks).toBeGreaterThan(0n)
    // After the pause nothing executes: every later drain is blocked or refused.
    const afterPause = report.attempts.filter((a) => a.outcome === 'executed' && a.kind !== 'rotation-drain')
    expect(afterPause).toEqual([])
  })

  it('refuses every other class of attack, each with its reasons, in every phase', () => {
    const kinds = new Set(report.attempts.map((a) => a.kind))
    expect([...kinds].sort()).toEqual(
      [
        'bybit-delegatecall',
        'drain-to-attacker',
        'forged-attestations',
        'forged-policy-bundle',
        'guardian-abuse',
        'nested-safe-drain',
        'red-team-suite',
        'owner-takeover',
        'replay-executed',
        'resubmission',
        'rotation-drain',
        'small-transfer-to-attacker',
        'stolen-key-drain',
        'tier-and-label-lie',
        'unknown-function',
      ].sort(),
    )
    const harmful = (a: Attempt) =>
      a.kind !== 'rotation-drain' && (a.outcome === 'executed' || a.lostWei > 0n)
    expect(report.attempts.filter(harmful)).toEqual([])
    for (const a of report.attempts.filter((x) => x.outcome === 'refused'))
      expect(a.reasons.length, a.kind).toBeGreaterThan(0)
    expect(new Set(report.attempts.map((a) => a.phase))).toEqual(
      new Set(['coordinator', 'coordinator+inputs', 'coordinator+inputs+key']),
    )
    // Specific defences named where they apply.
    const reasonsOf = (kind: Attempt['kind']) =>
      new Set(report.attempts.filter((a) => a.kind === kind).flatMap((a) => a.reasons))
    expect(reasonsOf('forged-policy-bundle')).toContain('Signer.BundleRejectedError')
    expect(reasonsOf('guardian-abuse')).toContain('tier-understated')
    expect(reasonsOf('replay-executed')).toContain('the Safe nonce moved on')
  })

  it('prints the table and refuses a malformed --hours', async () => {
    const bad = await runCli(['drill', '--hours', 'many'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--hours must be a whole number')
  })
})
