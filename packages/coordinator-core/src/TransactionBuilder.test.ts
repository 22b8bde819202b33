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
    checksum: '',
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

// Saved by the app itself: the checksum is the one it wrote (set below, the algorithm is pinned by
// the recorded export in the checksum tests).
exported.meta.checksum = TransactionBuilder.checksum(exported)

describe('TransactionBuilder.parse', () => {
  it('imports raw calls and contract methods with their inputs', () => {
    const batch = TransactionBuilder.parse(JSON.stringify(exported), { chainId: 1 })
    expect(batch).toMatchObject({
      version: '1.0',
      chainId: 1,
      name: 'Payroll',
      description: 'June',
      checksum: 'valid',
    })
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
      'data that disagrees with its method',
      (c: typeof exported) => {
        ;(c.transactions[0] as Record<string, unknown>).data = '0xa9059cbb'
      },
      'transactions[0].data',
      'transactions[0].data disagrees with its contractMethod and contractInputsValues.',
    ],
    [
      'a malformed checksum',
      (c: typeof exported) => {
        c.meta.checksum = '0x'
      },
      'meta.checksum',
      'meta.checksum is not a 32-byte hex checksum.',
    ],
    [
      'a well-formed edit after saving',
      (c: typeof exported) => {
        ;(c.transactions[0]!.contractInputsValues as Record<string, string>).amount = '5000000001'
      },
      'meta.checksum',
      'The batch was changed after the Transaction Builder saved it (its checksum does not match).',
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

describe('TransactionBuilder.checksum', () => {
  // An export of Transaction Builder 1.18.2 as published in safe-global's safe-cli-nodejs notes.
  const recorded = {
    version: '1.0',
    chainId: '1',
    createdAt: 1761326849944,
    meta: {
      name: 'Transactions Batch',
      description: '',
      txBuilderVersion: '1.18.2',
      createdFromSafeAddress: '0xA77DE01e157f9f57C7c4A326eeE9C4874D0598b6',
      createdFromOwnerAddress: '',
      checksum: '0x8b5032f716845c8b08bab3d63dbd9ba92e056f3557793cd041e59b84e16aa989',
    },
    transactions: [
      {
        to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
        value: '0',
        data: null,
        contractMethod: {
          inputs: [
            { internalType: 'address', name: 'spender', type: 'address' },
            { internalType: 'uint256', name: 'value', type: 'uint256' },
          ],
          name: 'approve',
          payable: false,
        },
        contractInputsValues: {
          spender: '0x474e5Ded6b5D078163BFB8F6dBa355C3aA5478C8',
          value: '100000000000',
        },
      },
    ],
  }

  it('reproduces the checksum the Transaction Builder app wrote', () => {
    expect(TransactionBuilder.checksum(recorded)).toBe(recorded.meta.checksum)
    expect(TransactionBuilder.parse(recorded, { chainId: 1 }).checksum).toBe('valid')
    // The app leaves the batch name out, so renaming keeps it valid; any other edit does not.
    const renamed = { ...recorded, meta: { ...recorded.meta, name: 'Approve USDC' } }
    expect(TransactionBuilder.parse(renamed).checksum).toBe('valid')
    const later = { ...recorded, createdAt: recorded.createdAt + 1 }
    expect(() => TransactionBuilder.parse(later)).toThrow(TransactionBuilderImportError)
  })

  it('imports an edited file only when told to, and says so; a file without one is "absent"', () => {
    const edited = structuredClone(recorded)
    edited.transactions[0]!.contractInputsValues.value = '100000000001'
    const batch = TransactionBuilder.parse(edited, { checksum: 'ignore' })
    expect(batch.checksum).toBe('mismatch')
    expect(
      decodeFunctionData({
        abi: parseAbi(['function approve(address spender, uint256 value)']),
        data: batch.calls[0]!.data,
      }).args[1],
    ).toBe(100_000_000_001n)
    for (const stored of [undefined, null, '']) {
      const unsigned = { ...recorded, meta: { ...recorded.meta, checksum: stored } }
      expect(TransactionBuilder.parse(unsigned).checksum).toBe('absent')
    }
  })

  it('accepts data written next to its method when both encode the same call', () => {
    const both = structuredClone(recorded) as { transactions: Record<string, unknown>[] }
    const data = encodeFunctionData({
      abi: parseAbi(['function approve(address spender, uint256 value)']),
      args: ['0x474e5Ded6b5D078163BFB8F6dBa355C3aA5478C8', 100_000_000_000n],
    })
    both.transactions[0]!.data = data.toUpperCase().replace('0X', '0x')
    const batch = TransactionBuilder.parse(both, { checksum: 'ignore' })
    expect(batch.calls[0]!.data).toBe(data)
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
