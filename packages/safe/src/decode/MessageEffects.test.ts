import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as SafeMessage from '../SafeMessage.ts'
import * as MessageEffects from './MessageEffects.ts'

const SAFE = '0x933F49a0649Ebb92483F019D15896Ca7F1814CA7'
const context = { chainId: 11155111n, safe: SAFE, version: '1.4.1' } as const
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const SPENDER = '0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD'

const permitSingle = (amount: string) => ({
  types: {
    PermitSingle: [
      { name: 'details', type: 'PermitDetails' },
      { name: 'spender', type: 'address' },
      { name: 'sigDeadline', type: 'uint256' },
    ],
    PermitDetails: [
      { name: 'token', type: 'address' },
      { name: 'amount', type: 'uint160' },
      { name: 'expiration', type: 'uint48' },
      { name: 'nonce', type: 'uint48' },
    ],
  },
  primaryType: 'PermitSingle',
  domain: { name: 'Permit2', chainId: '11155111', verifyingContract: MessageEffects.PERMIT2 },
  message: {
    details: { token: USDC, amount, expiration: '1800000000', nonce: '0' },
    spender: SPENDER,
    sigDeadline: '1800000000',
  },
})

const permit = (value: string, owner = SAFE) => ({
  types: {
    Permit: [
      { name: 'owner', type: 'address' },
      { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
  },
  primaryType: 'Permit',
  domain: { name: 'USD Coin', version: '2', chainId: 11155111, verifyingContract: USDC },
  message: { owner, spender: SPENDER, value, nonce: 0, deadline: '1800000000' },
})

describe('MessageEffects.decode', () => {
  it('a text message is text, shown escaped, hashed like SafeMessage.hash', () => {
    const decoded = MessageEffects.decode({ message: 'Approve\u202e v3', context })
    expect(decoded.effect).toEqual({ kind: 'text', text: 'Approve\\u{202e} v3' })
    expect(decoded.flows).toEqual([])
    expect(decoded.hashes.messageHash).toBe(
      SafeMessage.hash({ message: 'Approve\u202e v3', context }).messageHash,
    )
    expect(MessageEffects.ledger(decoded).messageHash).toMatch(/^0x[0-9A-F]{64}$/)
  })

  it('ERC-2612 Permit by the Safe is an allowance on the verifying contract', () => {
    const decoded = MessageEffects.decode({ message: permit('5000000'), context })
    expect(decoded.effect).toMatchObject({
      kind: 'allowance',
      grants: [{ standard: 'erc20', asset: USDC, spender: SPENDER, amount: 5000000n, unlimited: false }],
    })
    expect(decoded.flows).toMatchObject([{ kind: 'allowance', asset: USDC, to: SPENDER, amount: 5000000n }])
    // A permit for someone else's tokens means nothing signed by the Safe.
    expect(
      MessageEffects.decode({ message: permit('1', '0x0000000000000000000000000000000000000001'), context })
        .effect,
    ).toEqual({ kind: 'unknown', reason: 'no-known-effect' })
  })

  it('Permit2 PermitSingle: allowance per token, unlimited at 2^160-1', () => {
    const decoded = MessageEffects.decode({ message: permitSingle('1000000'), context })
    expect(decoded.effect).toMatchObject({
      kind: 'allowance',
      grants: [{ standard: 'permit2', amount: 1000000n }],
    })
    const max = MessageEffects.decode({ message: permitSingle(String(2n ** 160n - 1n)), context })
    expect(max.effect).toMatchObject({ kind: 'allowance', grants: [{ unlimited: true }] })
    // The same struct for another verifying contract is not Permit2.
    const other = permitSingle('1')
    other.domain.verifyingContract = USDC as typeof MessageEffects.PERMIT2
    expect(MessageEffects.decode({ message: other, context }).effect.kind).toBe('unknown')
  })

  it('Permit2 transfers are outflows to the spender', () => {
    const message = {
      types: {
        PermitBatchTransferFrom: [
          { name: 'permitted', type: 'TokenPermissions[]' },
          { name: 'spender', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
        TokenPermissions: [
          { name: 'token', type: 'address' },
          { name: 'amount', type: 'uint256' },
        ],
      },
      primaryType: 'PermitBatchTransferFrom',
      domain: { name: 'Permit2', chainId: 11155111, verifyingContract: MessageEffects.PERMIT2 },
      message: { permitted: [{ token: USDC, amount: '7' }], spender: SPENDER, nonce: 1, deadline: 2 },
    }
    const decoded = MessageEffects.decode({ message, context })
    expect(decoded.flows).toMatchObject([{ kind: 'transfer', asset: USDC, amount: 7n, to: SPENDER }])
  })

  it('Permit2 witness transfers (single and batch) are outflows to the spender, the witness shown and unknown', () => {
    const witnessTransfer = (batch: boolean, witnessType = 'LimitOrder') => ({
      types: {
        [batch ? 'PermitBatchWitnessTransferFrom' : 'PermitWitnessTransferFrom']: [
          { name: 'permitted', type: batch ? 'TokenPermissions[]' : 'TokenPermissions' },
          { name: 'spender', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
          { name: 'witness', type: witnessType },
        ],
        TokenPermissions: [
          { name: 'token', type: 'address' },
          { name: 'amount', type: 'uint256' },
        ],
        LimitOrder: [
          { name: 'recipient', type: 'address' },
          { name: 'minOutput', type: 'uint256' },
        ],
      },
      primaryType: batch ? 'PermitBatchWitnessTransferFrom' : 'PermitWitnessTransferFrom',
      domain: { name: 'Permit2', chainId: 11155111, verifyingContract: MessageEffects.PERMIT2 },
      message: {
        permitted: batch
          ? [
              { token: USDC, amount: '7' },
              { token: SPENDER, amount: '8' },
            ]
          : { token: USDC, amount: '7' },
        spender: SPENDER,
        nonce: '1',
        deadline: '1800000000',
        witness: { recipient: SAFE, minOutput: '5' },
      },
    })
    const single = MessageEffects.decode({ message: witnessTransfer(false), context })
    expect(single.effect).toMatchObject({
      kind: 'outflow',
      transfers: [{ asset: USDC, amount: 7n, to: SPENDER }],
    })
    expect(single.flows).toMatchObject([{ kind: 'transfer', asset: USDC, amount: 7n, to: SPENDER }])
    expect(single.witness).toEqual({
      field: 'witness',
      type: 'LimitOrder',
      // What the Permit2 contract concatenates to its stub (EIP-712 encodeType order).
      typeString:
        'LimitOrder witness)LimitOrder(address recipient,uint256 minOutput)TokenPermissions(address token,uint256 amount)',
      value: { recipient: SAFE, minOutput: 5n },
      effect: { kind: 'unknown', reason: 'undecoded' },
    })
    expect(single.deadlines).toEqual([{ path: 'deadline', kind: 'signature', at: 1_800_000_000n }])
    const text = MessageEffects.describe(single)
    expect(text.join('\n')).toContain('Witness witness of type LimitOrder (unknown')
    expect(text.join('\n')).toContain('"minOutput":"5"')
    const batch = MessageEffects.decode({ message: witnessTransfer(true), context })
    expect(batch.flows.map((f) => f.amount)).toEqual([7n, 8n])
    expect(batch.witness?.type).toBe('LimitOrder')
    // A witness that is not a struct of the dapp's own type is not a witness transfer.
    for (const type of ['uint256', 'TokenPermissions', 'LimitOrder[]']) {
      const odd = witnessTransfer(false, type)
      odd.message.witness = (
        type === 'uint256' ? '1' : type === 'TokenPermissions' ? { token: USDC, amount: '1' } : []
      ) as never
      expect(MessageEffects.decode({ message: odd, context }).effect).toEqual({
        kind: 'unknown',
        reason: 'undecoded',
      })
    }
  })

  it('lists the deadlines: signature deadline and Permit2 allowance expiration (0 is this block)', () => {
    const decoded = MessageEffects.decode({ message: permitSingle('1'), context })
    expect(decoded.deadlines).toEqual([
      { path: 'sigDeadline', kind: 'signature', at: 1_800_000_000n },
      { path: 'details.expiration', kind: 'allowance', at: 1_800_000_000n },
    ])
    const thisBlock = permitSingle('1')
    thisBlock.message.details.expiration = '0'
    expect(MessageEffects.decode({ message: thisBlock, context }).deadlines).toHaveLength(1)
    expect(MessageEffects.decode({ message: permit('1'), context }).deadlines).toEqual([
      { path: 'deadline', kind: 'signature', at: 1_800_000_000n },
    ])
    expect(MessageEffects.deadlineText(1_800_000_000n)).toBe('2027-01-15T08:00:00Z')
    expect(MessageEffects.deadlineText(2n ** 256n - 1n)).toBe('never (type(uint256).max)')
  })

  it('look-alike and unknown typed data is unknown', () => {
    const lookalike = permitSingle('1')
    lookalike.types.PermitDetails.push({ name: 'extra', type: 'uint256' })
    ;(lookalike.message.details as Record<string, string>).extra = '1'
    expect(MessageEffects.decode({ message: lookalike, context }).effect).toEqual({
      kind: 'unknown',
      reason: 'undecoded',
    })
    const order = {
      types: { Order: [{ name: 'maker', type: 'address' }] },
      primaryType: 'Order',
      domain: { chainId: 11155111 },
      message: { maker: SAFE },
    }
    expect(MessageEffects.decode({ message: order, context }).effect.kind).toBe('unknown')
  })

  it('refuses malformed typed data with a typed error', () => {
    const bad = (mutate: (m: ReturnType<typeof permitSingle>) => unknown) => () =>
      MessageEffects.decode({ message: mutate(permitSingle('1')), context })
    const error = { name: 'Safe.InvalidMessageError' }
    expect(bad((m) => ({ ...m, domain: { ...m.domain, chainId: '1' } }))).toThrow(
      expect.objectContaining(error),
    )
    expect(bad((m) => ({ ...m, domain: { name: 'Permit2' } }))).toThrow(expect.objectContaining(error))
    expect(bad((m) => ({ ...m, primaryType: 'EIP712Domain' }))).toThrow(expect.objectContaining(error))
    expect(bad((m) => ({ ...m, primaryType: 'Missing' }))).toThrow(expect.objectContaining(error))
    expect(bad((m) => ({ ...m, extra: 1 }))).toThrow(expect.objectContaining(error))
    for (const amount of ['0x10', '01', '1e3', '-1', String(2n ** 160n)])
      expect(
        bad((m) => ({ ...m, message: { ...m.message, details: { ...m.message.details, amount } } })),
      ).toThrow(expect.objectContaining(error))
    expect(
      bad((m) => ({ ...m, message: { ...m.message, spender: SPENDER.toLowerCase().replace('fc', 'FC') } })),
    ).toThrow(expect.objectContaining(error))
    expect(() => MessageEffects.parseTypedData('['.repeat(100))).toThrow(expect.objectContaining(error))
    expect(() => MessageEffects.parseTypedData('x'.repeat(70_000))).toThrow(expect.objectContaining(error))
  })

  it('round-trips through JSON', () => {
    const decoded = MessageEffects.decode({ message: permitSingle('1000000'), context })
    const again = MessageEffects.decode({
      message: MessageEffects.parseTypedData(MessageEffects.toJson(decoded.message)),
      context,
    })
    expect(again.hashes).toEqual(decoded.hashes)
  })
})

describe('MessageEffects.decode on hostile input', () => {
  it('returns a decoded message or throws Safe.InvalidMessageError, never anything else', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom(
          '0x',
          USDC,
          SPENDER,
          '11155111',
          '-1',
          '1e3',
          'uint256',
          'PermitSingle',
          'EIP712Domain',
        ),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(
          fc.constantFrom(
            'types',
            'primaryType',
            'domain',
            'message',
            'name',
            'type',
            'chainId',
            'details',
            'amount',
          ),
          tie('value'),
          { maxKeys: 5 },
        ),
      ),
    })).value
    // Start from a valid permit and replace one part with arbitrary JSON.
    const mutated = fc
      .tuple(fc.constantFrom('types', 'primaryType', 'domain', 'message', 'details', 'amount', 'field'), json)
      .map(([where, value]) => {
        const m = permitSingle('1') as Record<string, unknown> & ReturnType<typeof permitSingle>
        if (where === 'details') (m.message as Record<string, unknown>).details = value
        else if (where === 'amount') (m.message.details as Record<string, unknown>).amount = value
        else if (where === 'field') (m.types.PermitDetails as unknown[])[1] = value
        else (m as Record<string, unknown>)[where] = value
        return m
      })
    fc.assert(
      fc.property(fc.oneof(json, mutated), (message) => {
        try {
          const decoded = MessageEffects.decode({ message, context })
          expect(decoded.hashes.messageHash).toMatch(/^0x[0-9a-f]{64}$/)
        } catch (error) {
          expect((error as Error).name).toBe('Safe.InvalidMessageError')
        }
      }),
      { numRuns: 500, seed: 15 },
    )
  })
})
