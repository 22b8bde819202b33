import fc from 'fast-check'
import { decodeFunctionData, encodeFunctionData, getAddress, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Args from './Args.ts'
import { TransactionBuilderImportError } from './errors.ts'
import * as TransactionBuilder from './TransactionBuilder.ts'

const token = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const payroll = '0x0000000000000000000000000000000000002001'

// The shape the Safe Transaction Builder app exports.
const exported = {
  version: '1.0',
  chainId: '1',
  createdAt: 1718000000000,
  meta: {
    name: 'Payroll',
    description: 'June',
    txBuilderVersion: '1.16.5',
    createdFromSafeAddress: '0x00000000000000000000000000000000000a11ce',
    createdFromOwnerAddress: '',
    checksum: '0x',
  },
  transactions: [
    {
      to: token,
      value: '0',
      data: null,
      contractMethod: {
        inputs: [
          { internalType: 'address', name: 'to', type: 'address' },
          { internalType: 'uint256', name: 'amount', type: 'uint256' },
        ],
        name: 'transfer',
        payable: false,
      },
      contractInputsValues: { to: payroll, amount: '5000000000' },
    },
    { to: payroll, value: '1000000000000000000', data: '0x' },
    {
      to: token,
      value: '0',
      data: null,
      contractMethod: {
        inputs: [
          { name: 'targets', type: 'address[]' },
          { name: 'flags', type: 'bool' },
          {
            name: 'order',
            type: 'tuple',
            components: [
              { name: 'id', type: 'uint64' },
              { name: 'tag', type: 'bytes4' },
            ],
          },
        ],
        name: 'configure',
        payable: false,
      },
      contractInputsValues: {
        targets: `["${payroll}","${token}"]`,
        flags: 'true',
        order: '{"id":"7","tag":"0xdeadbeef"}',
      },
    },
  ],
}

describe('TransactionBuilder.parse', () => {
  it('imports raw calls and contract methods with their inputs', () => {
    const batch = TransactionBuilder.parse(JSON.stringify(exported), { chainId: 1 })
    expect(batch).toMatchObject({ version: '1.0', chainId: 1, name: 'Payroll', description: 'June' })
    expect(batch.createdFromSafeAddress).toBe(getAddress('0x00000000000000000000000000000000000a11ce'))
    expect(batch.calls[0]).toEqual({
      to: token,
      value: 0n,
      data: encodeFunctionData({
        abi: parseAbi(['function transfer(address to, uint256 amount)']),
        args: [payroll, 5_000_000_000n],
      }),
    })
    expect(batch.calls[1]).toEqual({ to: payroll, value: 10n ** 18n, data: '0x' })
    const configure = parseAbi([
      'function configure(address[] targets, bool flags, (uint64 id, bytes4 tag) order)',
    ])
    expect(decodeFunctionData({ abi: configure, data: batch.calls[2]!.data }).args).toEqual([
      [payroll, token],
      true,
      { id: 7n, tag: '0xdeadbeef' },
    ])
  })

  const broken = (mutate: (copy: typeof exported) => unknown) => {
    const copy = structuredClone(exported)
    const input = mutate(copy) ?? copy
    try {
      TransactionBuilder.parse(input, { chainId: 1 })
    } catch (error) {
      if (error instanceof TransactionBuilderImportError)
        return { field: error.field, message: error.shortMessage }
      throw error
    }
    throw new Error('expected an import error')
  }

  it.each([
    ['not JSON', () => '{"version":', '', 'The Transaction Builder file is not valid JSON.'],
    [
      'another chain',
      (c: typeof exported) => {
        c.chainId = '10'
      },
      'chainId',
      'The batch is for chain 10, but the coordinator is on chain 1.',
    ],
    [
      'no transactions',
      (c: typeof exported) => {
        c.transactions = []
      },
      'transactions',
      'The batch has no transactions.',
    ],
    [
      'a bad address',
      (c: typeof exported) => {
        c.transactions[1]!.to = '0x1234'
      },
      'transactions[1].to',
      'transactions[1].to is not an address.',
    ],
    [
      'a missing input value',
      (c: typeof exported) =>
        void delete (c.transactions[0]!.contractInputsValues as Record<string, string>).amount,
      'transactions[0].contractInputsValues.amount',
      'transactions[0].contractInputsValues.amount is missing.',
    ],
    [
      'a non-numeric amount',
      (c: typeof exported) => {
        ;(c.transactions[0]!.contractInputsValues as Record<string, string>).amount = '5e9'
      },
      'transactions[0].contractInputsValues.amount',
      'transactions[0].contractInputsValues.amount is not a whole number.',
    ],
    [
      'an out-of-range integer',
      (c: typeof exported) => {
        ;(c.transactions[2]!.contractInputsValues as Record<string, string>).order =
          '{"id":"18446744073709551616","tag":"0xdeadbeef"}'
      },
      'transactions[2].contractInputsValues.order.id',
      'transactions[2].contractInputsValues.order.id is out of range for uint64.',
    ],
    [
      'both data and a method',
      (c: typeof exported) => {
        ;(c.transactions[0] as Record<string, unknown>).data = '0xa9059cbb'
      },
      'transactions[0]',
      'transactions[0] has both data and contractMethod.',
    ],
    [
      'odd hex data',
      (c: typeof exported) => {
        c.transactions[1]!.data = '0xabc'
      },
      'transactions[1].data',
      'transactions[1].data is not 0x-prefixed hex.',
    ],
  ])('refuses %s, naming the field', (_name, mutate, field, message) => {
    expect(broken(mutate as (copy: typeof exported) => unknown)).toEqual({ field, message })
  })
})

describe('Args.coerce', () => {
  const fail: Args.ErrorFactory = (message) => new Error(message)
  it('round-trips integers given as decimal strings for every width', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        (bytes, raw) => {
          const bits = BigInt(bytes * 8)
          const value = raw % (1n << bits)
          const type = `uint${bits}`
          expect(Args.coerce({ type, name: 'x' }, value.toString(), 'x', fail)).toBe(value)
          expect(() =>
            Args.coerce({ type, name: 'x' }, ((1n << bits) + value).toString(), 'x', fail),
          ).toThrow('out of range')
        },
      ),
      { numRuns: 200 },
    )
  })
})
