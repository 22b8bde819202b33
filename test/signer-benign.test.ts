// The benign suite: ordinary treasury work must never be refused. One owner's signer processes a
// generated day-by-day stream of actions (transfers of ETH and USDC to allow-listed recipients and
// the org's own Safes, limited approvals, MultiSendCallOnly batches, guardian pauses, Critical
// upgrades attested by real peer signers and signed after the delay, an acknowledged replacement).

import { verify } from '@airlock/audit-log'
import { Signature } from '@airlock/safe'
import { Attestation, DecisionLog, reviewText } from '@airlock/signer-core'
import { SignatureResponse } from '@airlock/transport'
import { beforeAll, describe, expect, it } from 'vitest'
import * as F from './support/signer-fixtures.ts'

// A small deterministic PRNG so the stream is the same on every run.
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Action = { name: string; run: () => Promise<void> }

// A spender the treasury once approved and no longer trusts (not an allow-listed recipient).
const OLD_SPENDER = '0x0000000000000000000000000000000000007001' as const

describe('benign treasury actions', () => {
  const clock = new F.TestClock()
  let me: F.Peer
  let others: F.Peer[]
  beforeAll(async () => {
    me = await F.peer({ ownerIndex: 0, clock })
    others = await Promise.all([1, 2, 3].map((ownerIndex) => F.peer({ ownerIndex, clock })))
  })

  const nonces = new Map<string, number>()
  const nextNonce = (safe: string) => {
    const n = nonces.get(safe) ?? 0
    nonces.set(safe, n + 1)
    return n
  }
  const refused: string[] = []
  let released = 0

  async function expectReleased(
    name: string,
    req: ReturnType<typeof F.request>,
    kind: SignatureResponse.Kind,
    ack = false,
  ) {
    const result = await me.signer.approve(req, { key: me.key, acknowledgeReplacement: ack })
    if (result.status !== 'released' || result.kind !== kind) {
      refused.push(
        `${name}: ${result.status} ${result.status === 'refused' ? result.refusals.map((r) => r.code).join(',') : ''}`,
      )
      return undefined
    }
    released += 1
    // What comes back round-trips the wire format and, for a Safe signature, recovers to the owner.
    const decoded = SignatureResponse.decode(SignatureResponse.encode(result.response))
    expect(decoded.safeTxHash).toBe(F.hashOf(req))
    if (kind === 'safe-signature') {
      const [entry] = Signature.parse(decoded.signature)
      expect(entry?.type).toBe('ecdsa')
      expect(Signature.recover({ signature: entry as never, safeTxHash: decoded.safeTxHash })).toBe(
        me.owner.address,
      )
    }
    return result
  }

  function generate(count: number): Action[] {
    const rand = prng(2026)
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!
    const between = (lo: bigint, hi: bigint) =>
      lo + (BigInt(Math.floor(rand() * 1_000_000)) * (hi - lo)) / 1_000_000n
    const recipients = [F.PAYROLL, F.MARKET_MAKER, F.GUARDIAN]
    const actions: Action[] = []
    for (let i = 0; i < count; i++) {
      const roll = rand()
      if (roll < 0.35) {
        const to = pick(recipients)
        const amount = between(F.ETH / 100n, 20n * F.ETH)
        actions.push({
          name: `#${i} ETH ${amount} -> ${to}`,
          run: async () => {
            await expectReleased(
              `#${i}`,
              F.request(F.ethTransfer(to, amount, nextNonce(F.TREASURY)), { claimedTier: 'routine' }),
              'safe-signature',
            )
          },
        })
      } else if (roll < 0.65) {
        const to = pick(recipients)
        const amount = between(F.USDC_UNIT, 100_000n * F.USDC_UNIT)
        actions.push({
          name: `#${i} USDC ${amount} -> ${to}`,
          run: async () => {
            await expectReleased(
              `#${i}`,
              F.request(F.usdcTransfer(to, amount, nextNonce(F.TREASURY))),
              'safe-signature',
            )
          },
        })
      } else if (roll < 0.72) {
        const amount = between(F.USDC_UNIT, 50_000n * F.USDC_UNIT)
        actions.push({
          name: `#${i} USDC approve ${amount} -> market maker`,
          run: async () => {
            await expectReleased(
              `#${i}`,
              F.request(F.usdcApprove(F.MARKET_MAKER, amount, nextNonce(F.TREASURY))),
              'safe-signature',
            )
          },
        })
      } else if (roll < 0.88) {
        const size = 2 + Math.floor(rand() * 6)
        const calls = Array.from({ length: size }, () =>
          rand() < 0.5
            ? { to: pick(recipients), value: between(F.ETH / 100n, 4n * F.ETH), data: '0x' as const }
            : {
                to: F.USDC,
                value: 0n,
                data: F.usdcTransferData(pick(recipients), between(F.USDC_UNIT, 15_000n * F.USDC_UNIT)),
              },
        )
        actions.push({
          name: `#${i} batch of ${size}`,
          run: async () => {
            await expectReleased(`#${i}`, F.request(F.batch(calls, nextNonce(F.TREASURY))), 'safe-signature')
          },
        })
      } else if (roll < 0.96) {
        const targets = rand() < 0.7 ? [pick([F.LENDING_POOL, F.BRIDGE])] : [F.LENDING_POOL, F.BRIDGE]
        actions.push({
          name: `#${i} guardian pause of ${targets.join(', ')}`,
          run: async () => {
            const tx =
              targets.length === 1
                ? F.tokenCall(targets[0]!, F.pauseData, nextNonce(F.GUARDIAN))
                : F.batch(
                    targets.map((to) => ({ to, value: 0n, data: F.pauseData })),
                    nextNonce(F.GUARDIAN),
                  )
            const result = await expectReleased(
              `#${i}`,
              F.request(tx, { ctx: F.context(F.GUARDIAN), claimedTier: 'emergency' }),
              'safe-signature',
            )
            if (result) expect(result.review.tier).toBe('emergency')
          },
        })
      } else {
        const implementation = `0x${(0x3000 + i).toString(16).padStart(40, '0')}` as const
        actions.push({
          name: `#${i} upgrade of the lending pool (Critical)`,
          run: async () => {
            const tx = F.tokenCall(F.LENDING_POOL, F.upgradeData(implementation), nextNonce(F.TREASURY))
            const round1 = F.request(tx, { claimedTier: 'critical' })
            const attested = await expectReleased(`#${i} round 1`, round1, 'approval-attestation')
            if (!attested) return
            expect(attested.review.tier).toBe('critical')
            // The other owners' own signers attest (round 1 on their side).
            const peers = await Promise.all(others.map((o) => o.signer.approve(round1, { key: o.key })))
            const attestations = peers.map((r) => {
              expect(r.status).toBe('released')
              if (r.status !== 'released') throw new Error('peer refused')
              expect(r.kind).toBe('approval-attestation')
              return { signer: r.response.signer, signature: r.response.signature, tier: 'critical' }
            })
            clock.advance(48 * 3600 + 60)
            const round2 = { ...round1, attestations }
            const signed = await expectReleased(`#${i} round 2`, round2, 'safe-signature')
            if (signed) expect(signed.review.approvals.owners.length).toBe(4)
          },
        })
      }
    }
    return actions
  }

  it('signs 200+ generated ordinary actions without a single refusal', async () => {
    const actions = generate(210)
    for (const action of actions) {
      await action.run()
      clock.advance(3600) // one action an hour
    }
    expect(refused).toEqual([])
    expect(released).toBeGreaterThanOrEqual(210)
  })

  it('signs an acknowledged replacement for an already-signed nonce', async () => {
    const nonce = nextNonce(F.TREASURY)
    await expectReleased('original', F.request(F.ethTransfer(F.PAYROLL, F.ETH, nonce)), 'safe-signature')
    clock.advance(600)
    await expectReleased(
      'replacement',
      F.request(F.ethTransfer(F.PAYROLL, 2n * F.ETH, nonce)),
      'safe-signature',
      true,
    )
    expect(refused).toEqual([])
  })

  it('signs an Existential owner change under the default policy once every owner attested and 72h passed', async () => {
    const last = await F.peer({ ownerIndex: 4, clock })
    const newOwner = '0x0000000000000000000000000000000000003001' as const
    const round1 = F.request(F.tokenCall(F.TREASURY, F.addOwnerData(newOwner), nextNonce(F.TREASURY)), {
      claimedTier: 'existential',
    })
    const attested = await expectReleased('owner change round 1', round1, 'approval-attestation')
    expect(attested?.review.tier).toBe('existential')
    const attestations = []
    for (const peer of [...others, last]) {
      const r = await peer.signer.approve(round1, { key: peer.key })
      if (r.status !== 'released') throw new Error(`peer refused: ${r.status}`)
      attestations.push({ signer: r.response.signer, signature: r.response.signature, tier: 'existential' })
    }
    clock.advance(72 * 3600 + 60)
    const signed = await expectReleased('owner change round 2', { ...round1, attestations }, 'safe-signature')
    expect(signed?.review.approvals).toMatchObject({ required: 5 })
    expect(signed?.review.approvals.owners.length).toBe(5)
    expect(refused).toEqual([])
  })

  it('executes a timelock upgrade it scheduled as Routine, without a second Critical round', async () => {
    const upgrade = { to: F.LENDING_POOL, value: 0n, data: F.upgradeData(F.MARKET_MAKER) }
    const schedule = F.request(
      F.tokenCall(F.TIMELOCK, F.timelockData('schedule', upgrade), nextNonce(F.TREASURY)),
    )
    const before = DecisionLog.state(me.signer.log.entries).released.length
    const scheduled = await F.twoRounds(me, others, schedule, 'critical')
    expect(scheduled.status).toBe('released')
    released += DecisionLog.state(me.signer.log.entries).released.length - before
    clock.advance(3600)
    const execute = F.request(
      F.tokenCall(F.TIMELOCK, F.timelockData('execute', upgrade), nextNonce(F.TREASURY)),
    )
    const result = await expectReleased('timelock execute', execute, 'safe-signature')
    expect(result?.review.tier).toBe('routine')
    expect(result?.review.timelock.approved).toHaveLength(1)
    expect(result?.review.findings.map((f) => f.code)).toContain('timelock-execute-approved')
    expect(refused).toEqual([])
  })

  it('revokes an old allowance (approve(spender, 0)): benign, moves nothing', async () => {
    const result = await expectReleased(
      'allowance revocation',
      F.request(F.usdcApprove(OLD_SPENDER, 0n, nextNonce(F.TREASURY))),
      'safe-signature',
    )
    expect(result?.review.outflows).toEqual([])
    expect(refused).toEqual([])
  })

  it('swaps on the router the bundle allows, with the recipient constrained to the treasury', async () => {
    const swapper = await F.peer({ ownerIndex: 0, installed: await F.bundle({ org: F.orgWithSwap() }) })
    for (let i = 0; i < 3; i++) {
      const req = F.request(
        F.tokenCall(F.UNISWAP_ROUTER, F.swapData(F.TREASURY, BigInt(i + 1) * 1000n * F.USDC_UNIT), i),
      )
      const result = await swapper.signer.approve(req, { key: swapper.key })
      // Another signer's log: counted in `refused`, not in `released` (the last test replays `me`'s log).
      if (result.status !== 'released') refused.push(`swap ${i}: ${result.status}`)
      else {
        expect(result.review.tier).toBe('routine')
        // The struct is shown in full: the recipient (labelled) and the amount in USDC next to base units.
        const shown = reviewText(result.review)
        expect(shown).toMatch(/params\.recipient: 0x0+a11ce \(this Safe\)/i)
        expect(shown).toContain(`params.amountIn: ${BigInt(i + 1) * 1000n * F.USDC_UNIT}`)
        expect(shown).toContain(`= ${(i + 1) * 1000} USDC`)
      }
    }
    expect(refused).toEqual([])
  })

  it('wrote a verifiable log whose state matches what was released', async () => {
    const log = me.signer.log as ReturnType<typeof DecisionLog.memory>
    const checked = verify(log.text(), { publicKey: log.publicKey })
    expect(checked.ok).toBe(true)
    const state = DecisionLog.state(log.entries)
    expect(state.released.length).toBe(released)
    expect(state.history.every((h) => h.signed)).toBe(true)
    // The generated stream really exercised both rounds and the guardian path.
    expect(state.released.filter((r) => r.kind === 'approval-attestation').length).toBeGreaterThan(3)
    expect(state.released.filter((r) => r.safe === F.GUARDIAN.toLowerCase()).length).toBeGreaterThan(5)
    expect(Attestation.isAttestedTier('critical')).toBe(true)
  })
})
