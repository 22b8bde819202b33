// Nested Safes on the signer: an owner Safe's approveHash carrying the inner Safe's transaction is
// reviewed as both together (the inner one decoded with the same default-deny analysis, its hash
// recomputed and matched, its tier governing); a mismatch is refused with a stable code.

import { NestedSafe, SafeTx, SafeTxHash } from '@airlock/safe'
import { reviewView } from '@airlock/signer-app/review-view'
import { reviewText } from '@airlock/signer-core'
import { SignRequest } from '@airlock/transport'
import { type Address, encodeFunctionData, parseAbi } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import * as F from './support/signer-fixtures.ts'

const OWNER_SAFE = '0x0000000000000000000000000000000000000e5a' as Address
const ownerSafe = F.context(OWNER_SAFE)
const treasury = F.context(F.TREASURY)

let peer: F.Peer
beforeAll(async () => {
  const org = F.orgJson()
  const safes = org.safes as Record<string, unknown>[]
  org.safes = [...safes, { ...safes[0], name: 'owner-safe', address: OWNER_SAFE, threshold: 2 }]
  peer = await F.peer({ installed: await F.bundle({ org }) })
}, 60_000)

// The owner Safe's request approving `inner` (a treasury transaction), carrying it unless told not to.
function approval(inner: SafeTx.SafeTx, { carried = inner }: { carried?: SafeTx.SafeTx | null } = {}) {
  const { safeTxHash } = SafeTxHash.compute({ tx: inner, context: treasury })
  const { tx } = NestedSafe.approval({ safeTxHash, child: F.TREASURY, parent: ownerSafe, nonce: 0 })
  const request = F.request(tx, { ctx: ownerSafe })
  return carried === null ? request : { ...request, approves: { context: treasury, tx: carried } }
}

const review = (request: SignRequest.SignRequest) =>
  peer.signer.review(SignRequest.decode(SignRequest.encode(request)), {
    identity: { address: peer.owner.address, keyKind: 'software' },
  })

const payPayroll = F.ethTransfer(F.PAYROLL, F.ETH, 4)
const addOwner = SafeTx.from({
  to: F.TREASURY,
  nonce: 4,
  data: encodeFunctionData({
    abi: parseAbi(['function addOwnerWithThreshold(address owner, uint256 threshold)']),
    args: [F.outsider.address, 1n],
  }),
})

describe('an owner Safe’s approveHash with the inner transaction', () => {
  it('shows both, decodes the inner one, and signs it at the inner tier (Routine)', async () => {
    const result = await review(approval(payPayroll))
    expect(result.refusals).toEqual([])
    expect(result.approves?.matches).toBe(true)
    expect(result.approves?.hashes.safeTxHash).toBe(
      SafeTxHash.compute({ tx: payPayroll, context: treasury }).safeTxHash,
    )
    expect(result.tier).toBe('routine')
    expect(result.outflows).toEqual([
      expect.objectContaining({ asset: 'native', amount: F.ETH, safe: F.TREASURY.toLowerCase() }),
    ])
    const text = reviewText(result)
    expect(text).toContain(`Approves       a transaction of Safe ${F.TREASURY}`)
    expect(text).toContain(`  safeTxHash   ${result.approves?.hashes.safeTxHash}`)
    expect(text).toMatch(
      /approveHash\(hashToApprove: 0x[0-9a-f]{64}\)\n {4}0 {2}CALL 0x0+2001 \(Payroll\) value 1000000000000000000 wei/,
    )
    // The signer app's review screen gets the same pair: the inner Safe, its hashes, matched.
    expect(reviewView({ review: result, device: 'software' }).approves).toEqual({
      safe: F.TREASURY,
      safeVersion: '1.4.1',
      nonce: '4',
      hashes: result.approves?.hashes,
      approvedHash: result.approves?.hashes.safeTxHash.toLowerCase(),
      matches: true,
    })
    const approved = await peer.signer.approve(approval(payPayroll), { key: peer.key })
    expect(approved.status).toBe('released')
  })

  it('an approval of an Existential inner action is Existential (round 1: attestation)', async () => {
    const result = await review(approval(addOwner))
    expect(result.tier).toBe('existential')
    expect(result.stage).toBe('attestation')
    expect(result.findings.map((f) => f.code)).toContain('safe-owner-change')
  })

  it('without the inner transaction it stays a blind approveHash: Critical', async () => {
    const result = await review(approval(payPayroll, { carried: null }))
    expect(result.approves).toBeUndefined()
    expect(result.tier).toBe('critical')
    expect(result.findings.map((f) => f.code)).toContain('safe-approve-hash')
  })

  it('refuses an inner transaction that is not the approved one (approved-hash-mismatch)', async () => {
    const swapped = await review(approval(payPayroll, { carried: F.ethTransfer(F.PAYROLL, F.ETH / 2n, 4) }))
    expect(swapped.allowed).toBe(false)
    expect(swapped.refusals.map((r) => r.code)).toContain('approved-hash-mismatch')
    expect(swapped.approves?.matches).toBe(false)
    // Not decoded under the approval: the blind approveHash stands.
    expect(swapped.tier).toBe('critical')
    expect(reviewText(swapped)).toContain('DOES NOT MATCH')

    const notApproveHash = await review({
      ...F.request(F.ethTransfer(F.PAYROLL, 1n, 0), { ctx: ownerSafe }),
      approves: { context: treasury, tx: payPayroll },
    })
    expect(notApproveHash.refusals.map((r) => r.code)).toContain('approved-hash-mismatch')

    // Unreadable (not through the wire format): a typed refusal, not an internal error.
    const unreadable = await peer.signer.review(
      {
        ...approval(payPayroll),
        approves: { context: treasury, tx: { ...payPayroll, to: '0x12' as never } },
      },
      { identity: { address: peer.owner.address, keyKind: 'software' } },
    )
    expect(unreadable.refusals.map((r) => r.code)).toEqual(['approved-hash-mismatch'])

    const result = await peer.signer.approve(
      approval(payPayroll, { carried: { ...payPayroll, nonce: 5n } }),
      { key: peer.key },
    )
    expect(result.status).toBe('refused')
  })
})
