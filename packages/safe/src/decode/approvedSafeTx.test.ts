import { encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import * as NestedSafe from '../NestedSafe.ts'
import * as SafeTx from '../SafeTx.ts'
import * as SafeTxHash from '../SafeTxHash.ts'
import { analyze } from './analyze.ts'
import * as Effects from './Effects.ts'
import * as OrgConfig from './OrgConfig.ts'

// An owner Safe approves a transaction of the treasury it owns: shown in full, the approval is
// analysed as that transaction; blind, it stays a Critical approveHash.
const owner = SafeTx.context({
  chainId: 1,
  safe: '0x00000000000000000000000000000000000000a1',
  version: '1.4.1',
})
const treasury = SafeTx.context({
  chainId: 1,
  safe: '0x00000000000000000000000000000000000000b2',
  version: '1.4.1',
})
const bob = '0x000000000000000000000000000000000000b0b0'
const org = OrgConfig.parse({
  safes: [{ address: owner.safe }, { address: treasury.safe }],
  allowlistedRecipients: [{ address: bob, label: 'Bob' }],
})
const approvalOf = (inner: SafeTx.SafeTx, context = treasury) =>
  NestedSafe.approval({
    safeTxHash: SafeTxHash.compute({ tx: inner, context }).safeTxHash,
    child: treasury.safe,
    parent: owner,
    nonce: 3,
  }).tx

const payBob = SafeTx.from({ to: bob, value: 10n ** 18n, nonce: 7 })
const addOwner = SafeTx.from({
  to: treasury.safe,
  nonce: 7,
  data: encodeFunctionData({
    abi: parseAbi(['function addOwnerWithThreshold(address owner, uint256 threshold)']),
    args: [bob, 1n],
  }),
})

describe('analyze with an approved inner transaction', () => {
  it('opens a matching approveHash as the inner Safe’s transaction: its tier, its outflows', () => {
    const tx = approvalOf(payBob)
    const blind = analyze({ tx, context: owner, org })
    expect(blind.tier).toBe('critical')
    expect(blind.findings.map((f) => f.code)).toContain('safe-approve-hash')
    expect(blind.nested[0]).toMatchObject({ via: 'approve-hash', tier: undefined })

    const shown = analyze({ tx, context: owner, org, approved: [{ context: treasury, tx: payBob }] })
    expect(shown.tier).toBe('routine')
    expect(shown.findings.map((f) => f.code)).not.toContain('safe-approve-hash')
    expect(shown.findings.map((f) => f.code)).toContain('safe-nested-transaction')
    expect(shown.calls.children[0]).toMatchObject({
      origin: 'nested-safe-tx',
      sender: treasury.safe,
      to: bob,
    })
    expect(shown.nested[0]).toMatchObject({ via: 'approve-hash', safe: treasury.safe, tier: 'routine' })
    expect(Effects.outflowFacts(shown)).toEqual([
      expect.objectContaining({ asset: 'native', amount: 10n ** 18n, safe: treasury.safe.toLowerCase() }),
    ])
  })

  it('an approval of an Existential inner transaction is Existential', () => {
    const shown = analyze({
      tx: approvalOf(addOwner),
      context: owner,
      org,
      approved: [{ context: treasury, tx: addOwner }],
    })
    expect(shown.tier).toBe('existential')
    expect(shown.nested[0]?.tier).toBe('existential')
  })

  it('ignores a given transaction that does not hash to the approved one (another nonce, chain or Safe)', () => {
    const tx = approvalOf(payBob)
    for (const approved of [
      { context: treasury, tx: { ...payBob, nonce: 8n } },
      { context: { ...treasury, chainId: 5n }, tx: payBob },
      { context: owner, tx: payBob },
    ]) {
      const result = analyze({ tx, context: owner, org, approved: [approved] })
      expect(result.calls.children).toEqual([])
      expect(result.tier).toBe('critical')
    }
  })
})
