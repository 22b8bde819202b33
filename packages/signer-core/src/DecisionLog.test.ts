import { verify } from '@airlock/audit-log'
import { describe, expect, it } from 'vitest'
import * as DecisionLog from './DecisionLog.ts'

const safe = '0x00000000000000000000000000000000000a11ce'
const hashA = `0x${'aa'.repeat(32)}` as const
const hashB = `0x${'bb'.repeat(32)}` as const
const at = (seconds: number) => ({ time: new Date(seconds * 1000).toISOString() })

describe('DecisionLog.state', () => {
  it('derives first sightings, releases and outflow history from the entries alone', async () => {
    const log = DecisionLog.memory({ clock: () => new Date(1_000_000) })
    const data = (kind: DecisionLog.DecisionData['kind'], amount: bigint) =>
      DecisionLog.data({
        kind,
        requestId: `0x${'01'.repeat(16)}`,
        chainId: 1,
        safe,
        nonce: 5n,
        tier: 'critical',
        outflows: [{ asset: 'native', amount, to: '0x0000000000000000000000000000000000002001' }],
      })
    await log.append({ event: 'reviewed', safeTxHash: hashA, data: data('review', 7n) }, at(2000))
    await log.append({ event: 'signed', safeTxHash: hashA, data: data('approval-attestation', 7n) }, at(3000))
    await log.append({ event: 'signed', safeTxHash: hashA, data: data('safe-signature', 7n) }, at(4000))
    await log.append({ event: 'refused', safeTxHash: hashB, data: data('refusal', 9n) }, at(5000))
    await log.append({ event: 'policy-imported', policyBundleHash: hashB }, at(6000))

    const state = DecisionLog.state(log.entries)
    expect(state.firstSeen.get(hashA)).toBe(2000)
    expect(state.firstSeen.get(hashB)).toBe(5000)
    expect(state.released.map((r) => [r.kind, r.nonce])).toEqual([
      ['approval-attestation', 5n],
      ['safe-signature', 5n],
    ])
    // Attestations move nothing; refusals count for the breaker as unsigned attempts.
    expect(state.history).toEqual([
      { time: 4000, chainId: 1, signed: true, outflows: [{ asset: 'native', amount: 7n }] },
      { time: 5000, chainId: 1, signed: false, outflows: [{ asset: 'native', amount: 9n }] },
    ])
    expect(state.installedBundleHash).toBe(hashB)
    expect(state.lastTimeMs).toBe(6_000_000)
    expect(verify(log.text(), { publicKey: log.publicKey }).ok).toBe(true)
  })

  it('leaves "not yet" refusals out of the breaker history, and counts other refusals', async () => {
    const log = DecisionLog.memory({ clock: () => new Date(0) })
    const refusal = (notYet: boolean) =>
      DecisionLog.data({
        kind: 'refusal',
        requestId: `0x${'01'.repeat(16)}`,
        chainId: 1,
        safe,
        nonce: 5n,
        tier: 'critical',
        outflows: [{ asset: 'native', amount: 3n, to: '0x0000000000000000000000000000000000002001' }],
        notYet,
      })
    expect(refusal(false)).not.toHaveProperty('notYet')
    await log.append({ event: 'refused', safeTxHash: hashA, data: refusal(true) }, at(10))
    await log.append({ event: 'refused', safeTxHash: hashA, data: refusal(true) }, at(20))
    await log.append({ event: 'refused', safeTxHash: hashB, data: refusal(false) }, at(30))
    const state = DecisionLog.state(log.entries)
    expect(state.history).toEqual([
      { time: 30, chainId: 1, signed: false, outflows: [{ asset: 'native', amount: 3n }] },
    ])
    // The early retries still count as sightings (the delay runs from the first one).
    expect(state.firstSeen.get(hashA)).toBe(10)
  })

  it('refuses a decision entry it did not write', async () => {
    const log = DecisionLog.memory({ clock: () => new Date(0) })
    await log.append(
      { event: 'signed', safeTxHash: hashA, data: { kind: 'safe-signature', chainId: 1 } },
      at(1),
    )
    expect(() => DecisionLog.state(log.entries)).toThrow(
      expect.objectContaining({ name: 'Signer.InvalidDecisionLogError' }),
    )
  })
})
