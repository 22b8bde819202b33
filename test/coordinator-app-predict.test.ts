// The coordinator's predicted verdict against the signers' real one, on the public suites' shapes
// (test/signer-redteam.test.ts and test/signer-benign.test.ts, built with the same fixtures): before
// each request reaches an owner's signer, the coordinator predicts it with the installed bundle; the
// signer then decides. They must agree on the verdict and on every refusal code. A prediction made
// from an empty log covers a first sighting; given the signer's log state (what a coordinator can
// reconstruct from the queue) it covers replays, the two rounds and velocity too.
import { Predict, type PredictedVerdict } from '@airlock/coordinator-core'
import { type ApproveResult, DecisionLog } from '@airlock/signer-core'
import type { SignRequest } from '@airlock/transport'
import { type Address, toHex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import * as F from './support/signer-fixtures.ts'

const ATTACKER = '0x00000000000000000000000000000000DeaDBeef' as Address
let installed: Awaited<ReturnType<typeof Predict.install>>

beforeAll(async () => {
  installed = await Predict.install({ bundle: await F.sharedBundle(), cedar: F.cedar })
})

const verdictOf = (result: ApproveResult): PredictedVerdict =>
  result.status === 'released' ? (result.kind === 'approval-attestation' ? 'attest' : 'sign') : 'refuse'

type Compared = { name: string; predicted: string; real: string }

/** Predicts, then lets the owner's signer decide; returns both for comparison. */
async function both(p: F.Peer, name: string, request: SignRequest.SignRequest, { withLog = true } = {}) {
  const prediction = await Predict.verdict({
    installed,
    request,
    owners: [p.owner.address],
    keyKinds: { [p.owner.address.toLowerCase()]: 'software' },
    nowMs: p.clock.now * 1000,
    log: withLog ? DecisionLog.state(p.signer.log.entries) : undefined,
  })
  const owner = prediction.owners[0]!
  const result = await p.signer.approve(request, { key: p.key })
  // The signer puts its breaker's own verdict first; the set of reasons is what must agree.
  const codes = (list: readonly { code: string }[]) =>
    list
      .map((r) => r.code)
      .sort()
      .join(',')
  return {
    name,
    predicted: `${owner.verdict} ${codes(owner.refusals)}`,
    real: `${verdictOf(result)} ${result.status === 'refused' ? codes(result.refusals) : ''}`,
  }
}

const expectAgreement = (rows: readonly Compared[]) =>
  expect(rows.filter((r) => r.predicted !== r.real)).toEqual([])

const upgrade = (nonce: number) =>
  F.tokenCall(F.LENDING_POOL, F.upgradeData('0x0000000000000000000000000000000000003333'), nonce)

describe('predicted verdict = the signer’s verdict', () => {
  it('on the red-team shapes, first sighting (no log)', async () => {
    const rows: Compared[] = []
    const cases: [string, SignRequest.SignRequest][] = [
      [
        '1 delegatecall to an unknown contract',
        F.request(F.SafeTxFrom({ to: ATTACKER, operation: 1, data: '0x12345678', nonce: 0 })),
      ],
      [
        '2 owner change hidden in a batch',
        F.request(
          F.batch(
            [
              { to: F.USDC, value: 0n, data: F.usdcTransferData(F.PAYROLL, 10n * F.USDC_UNIT) },
              { to: F.TREASURY, value: 0n, data: F.addOwnerData(ATTACKER) },
            ],
            0,
          ),
        ),
      ],
      [
        '3 gas refund to the executor',
        F.request(
          F.SafeTxFrom({
            to: F.PAYROLL,
            value: F.ETH,
            gasPrice: 10n ** 9n,
            refundReceiver: ATTACKER,
            nonce: 0,
          }),
        ),
      ],
      ['4 unlimited approval', F.request(F.usdcApprove(F.MARKET_MAKER, 2n ** 256n - 1n, 0))],
      [
        '5 plain MultiSend',
        F.request(F.batch([{ to: F.PAYROLL, value: F.ETH, data: '0x' }], 0, F.MULTISEND_141)),
      ],
      ['6 unknown recipient', F.request(F.ethTransfer(ATTACKER, F.ETH, 0))],
      [
        '7 unlisted token',
        F.request(
          F.tokenCall(
            '0x6B175474E89094C44Da98b954EedeAC495271d0F',
            F.usdcTransferData(F.PAYROLL, 10n ** 18n),
            0,
          ),
        ),
      ],
      [
        '8 nested delegatecall in a batch',
        F.request(F.batch([{ to: ATTACKER, value: 0n, data: '0xdeadbeef', operation: 1 }], 0)),
      ],
      ['9 wrong chain', F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx: F.context(F.TREASURY, 10) })],
      [
        '10 unlisted Safe',
        F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), {
          ctx: F.context('0x1c694Fc3006D81ff4a56F97E1b99529066a23725'),
        }),
      ],
      [
        '11 Safe version mismatch',
        F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx: F.context(F.TREASURY, 1, '1.3.0') }),
      ],
      [
        '21 forged prior signature',
        await (async () => {
          const req = F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0))
          return {
            ...req,
            signatures: [
              { signer: F.owners[1]!.address, signature: await F.outsider.sign({ hash: F.hashOf(req) }) },
            ],
          }
        })(),
      ],
      [
        '22 tier lie: routine owner change',
        F.request(F.tokenCall(F.TREASURY, F.addOwnerData(ATTACKER), 0), { claimedTier: 'routine' }),
      ],
      ['23 tier lie: routine upgrade', F.request(upgrade(0), { claimedTier: 'routine' })],
      [
        'guardian may not send ETH',
        F.request(F.ethTransfer(F.PAYROLL, F.ETH, 0), { ctx: F.context(F.GUARDIAN), claimedTier: 'routine' }),
      ],
      ['29 single action above 5% of the treasury', F.request(F.ethTransfer(F.PAYROLL, 600n * F.ETH, 0))],
    ]
    for (const [name, request] of cases)
      rows.push(await both(await F.peer(), name, request, { withLog: false }))
    // None of them gets a Safe signature (the hidden owner change only an attestation, as in the suite).
    expect(rows.filter((r) => r.real.startsWith('sign'))).toEqual([])
    expectAgreement(rows)
  })

  it('on the red-team shapes that need the signer’s memory: replays, two rounds, forged attestations, velocity', async () => {
    const rows: Compared[] = []
    const p = await F.peer()
    const payment = F.request(F.ethTransfer(F.PAYROLL, F.ETH, 3))
    rows.push(await both(p, '13 first signature', payment))
    rows.push(await both(p, '13 the same request again (replay)', payment))
    rows.push(
      await both(
        p,
        '14 another payload for a signed nonce',
        F.request(F.ethTransfer(F.MARKET_MAKER, 9n * F.ETH, 3)),
      ),
    )

    const critical = F.request(upgrade(4))
    rows.push(await both(p, 'Critical round 1', critical))
    const good = await Promise.all([1, 2].map((i) => F.attestation(critical, F.owners[i]!, 'critical')))
    rows.push(
      await both(p, '25 round 2 before the delay', {
        ...critical,
        attestations: [...good, await F.attestation(critical, F.owners[3]!, 'critical')],
      }),
    )
    p.clock.advance(49 * 3600)
    rows.push(
      await both(p, '16 forged attestation', {
        ...critical,
        attestations: [
          ...good,
          await F.attestation(critical, F.outsider, 'critical', { signer: F.owners[3]!.address }),
        ],
      }),
    )
    rows.push(
      await both(p, '17 attestation for another hash', {
        ...critical,
        attestations: [
          ...good,
          await F.attestation(critical, F.owners[3]!, 'critical', { safeTxHash: toHex(1, { size: 32 }) }),
        ],
      }),
    )
    rows.push(
      await both(p, '19 duplicate attestation', {
        ...critical,
        attestations: [good[0]!, good[1]!, good[0]!],
      }),
    )
    rows.push(
      await both(p, '20 attestations for another tier', {
        ...critical,
        attestations: await Promise.all(
          [1, 2, 3].map((i) => F.attestation(critical, F.owners[i]!, 'existential')),
        ),
      }),
    )
    rows.push(
      await both(p, 'Critical round 2 after the delay', {
        ...critical,
        attestations: [...good, await F.attestation(critical, F.owners[3]!, 'critical')],
      }),
    )

    // 28: velocity exceeded in small steps.
    const v = await F.peer()
    for (let nonce = 0; nonce < 54; nonce++) {
      rows.push(await both(v, `28 step ${nonce}`, F.request(F.ethTransfer(F.PAYROLL, 19n * F.ETH, nonce))))
      v.clock.advance(60)
    }
    expect(rows.some((r) => r.real.includes('treasury.velocity'))).toBe(true)
    expect(rows.some((r) => r.real.startsWith('sign'))).toBe(true)
    expectAgreement(rows)
  })

  it('on a benign stream like the benign suite’s (transfers, approvals, batches, guardian pauses)', async () => {
    const rows: Compared[] = []
    const me = await F.peer()
    let seed = 2026
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const recipients = [F.PAYROLL, F.MARKET_MAKER, F.GUARDIAN]
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!
    const nonces = new Map<string, number>()
    const next = (safe: string) => {
      const n = nonces.get(safe) ?? 0
      nonces.set(safe, n + 1)
      return n
    }
    for (let i = 0; i < 40; i++) {
      const roll = rand()
      const amount = BigInt(1 + Math.floor(rand() * 1000))
      let request: SignRequest.SignRequest
      if (roll < 0.3)
        request = F.request(F.ethTransfer(pick(recipients), (amount * F.ETH) / 100n, next(F.TREASURY)))
      else if (roll < 0.55)
        request = F.request(F.usdcTransfer(pick(recipients), amount * 50n * F.USDC_UNIT, next(F.TREASURY)))
      else if (roll < 0.65)
        request = F.request(F.usdcApprove(F.MARKET_MAKER, amount * 20n * F.USDC_UNIT, next(F.TREASURY)))
      else if (roll < 0.85)
        request = F.request(
          F.batch(
            [
              { to: pick(recipients), value: (amount * F.ETH) / 400n, data: '0x' },
              { to: F.USDC, value: 0n, data: F.usdcTransferData(pick(recipients), amount * F.USDC_UNIT) },
            ],
            next(F.TREASURY),
          ),
        )
      else
        request = F.request(F.tokenCall(pick([F.LENDING_POOL, F.BRIDGE]), F.pauseData, next(F.GUARDIAN)), {
          ctx: F.context(F.GUARDIAN),
          claimedTier: 'emergency',
        })
      rows.push(await both(me, `#${i}`, request))
      me.clock.advance(3600)
    }
    expect(rows.filter((r) => !r.real.startsWith('sign'))).toEqual([])
    expectAgreement(rows)
  })
})
