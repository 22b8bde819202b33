// Limits that hold for the whole signer set, on anvil: a coordinator that rotates which three of the
// five owners it asks for 24 simulated hours, with the signer set's limits (nonce continuity and
// receipts) on and off. No sentry, no pause: the signers' limits are all that is measured.

import { Drill, type DrillResult } from '@airlock/drill'
import { beforeAll, describe, expect, it } from 'vitest'

let withSet: DrillResult
let without: DrillResult

beforeAll(async () => {
  const rotation = { hours: 24, perHour: 0, sentryDropBps: 10_000 }
  withSet = await Drill.run({ ...rotation, signerSet: true })
  without = await Drill.run({ ...rotation, signerSet: false })
}, 240_000)

const largestAction = (report: DrillResult) => {
  let largest = 0n
  for (const a of report.attempts) if (a.lostWei > largest) largest = a.lostWei
  return largest
}

describe('the rotation hole (3-of-5 treasury, 24 simulated hours)', () => {
  it('with continuity and receipts, at most the velocity cap plus the largest single allowed action leaves', () => {
    expect(withSet.lostWei).toBeGreaterThan(0n) // the allowed drain happens: the bound is measured
    expect(withSet.lostWei).toBeLessThanOrEqual(withSet.velocityCapWei + largestAction(withSet))
    // Every later slice is refused by the velocity limit, now counted for the set.
    const refused = withSet.attempts.filter((a) => a.outcome === 'refused')
    expect(refused.length).toBeGreaterThan(0)
    for (const a of refused) expect(a.reasons).toContain('treasury.velocity')
  })

  it('without them, each signer spends its own allowance and more than the cap leaves', () => {
    expect(without.lostWei * 10n).toBeGreaterThanOrEqual(without.velocityCapWei * 13n)
    expect(without.lostWei).toBeGreaterThan(withSet.lostWei)
  })
})
