import { isBaseError } from '@airlock/errors'
import fc from 'fast-check'
import { type Address, encodeFunctionData, getAddress, type Hex, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { RequestTooComplexError } from '../errors.ts'
import { multiSendData, packMultiSend, SAFE } from '../fixtures/decoding.ts'
import * as SafeTx from '../SafeTx.ts'
import * as Abis from './Abis.ts'
import * as Calls from './Calls.ts'

const context = SafeTx.context({ chainId: 1n, safe: SAFE, version: '1.4.1' })
const CALL_ONLY: Address = '0x9641d764fc13c8B624c04430C7356C1C7C8102e2'
const WETH: Address = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2'
const erc20 = parseAbi(['function transfer(address to, uint256 amount)'])
const weth = parseAbi(['function transfer(address dst, uint256 wad)', 'function deposit()'])

const tx = (fields: SafeTx.SafeTxInput) => SafeTx.from(fields)
const recipient = (i: number) => getAddress(`0x${(i + 1).toString(16).padStart(40, '0')}`)

describe('Calls.decode', () => {
  it('opens a 100-call MultiSend into 100 children with their paths and senders', () => {
    const inner = Array.from({ length: 100 }, (_, i) => ({
      operation: 0 as const,
      to: WETH,
      value: 0n,
      data: encodeFunctionData({ abi: erc20, functionName: 'transfer', args: [recipient(i), BigInt(i)] }),
    }))
    const root = Calls.decode({
      tx: tx({ to: CALL_ONLY, operation: 1, data: multiSendData(inner) }),
      context,
    })
    expect(root.children).toHaveLength(100)
    root.children.forEach((child, i) => {
      expect(child.path).toEqual([i])
      expect(child.sender).toBe(SAFE)
      expect(child.kind === 'function' && child.function.named).toEqual({
        to: recipient(i),
        amount: BigInt(i),
      })
    })
    expect([...Calls.walk(root)]).toHaveLength(101)
    expect(Calls.at(root, [42])?.data).toBe(inner[42]?.data)
    expect(Calls.at(root, [100])).toBeUndefined()
  })

  it('refuses nesting deeper than maxDepth with a typed error', () => {
    let data: Hex = '0x'
    for (let i = 0; i <= Calls.maxDepth + 1; i++) {
      data = multiSendData([{ operation: 1, to: CALL_ONLY, value: 0n, data }])
    }
    const decode = () => Calls.decode({ tx: tx({ to: CALL_ONLY, operation: 1, data }), context })
    expect(decode).toThrow(RequestTooComplexError)
    expect(decode).toThrow(/levels deep/)
  })

  it('keeps a malformed inner batch as a non-canonical node that says what is wrong', () => {
    const broken =
      `0x8d80ff0a${encodeFunctionData({ abi: parseAbi(['function f(bytes)']), functionName: 'f', args: ['0x0011'] }).slice(10)}` as Hex
    const data = multiSendData([
      { operation: 0, to: WETH, value: 0n, data: '0x' },
      { operation: 1, to: CALL_ONLY, value: 0n, data: broken },
    ])
    const root = Calls.decode({ tx: tx({ to: CALL_ONLY, operation: 1, data }), context })
    expect(Calls.at(root, [1])).toMatchObject({
      kind: 'unknown',
      reason: 'non-canonical-encoding',
      signature: 'multiSend(bytes)',
      detail: expect.stringContaining('truncated in the header of call 1'),
      effect: { kind: 'unknown', reason: 'non-canonical-encoding' },
      children: [],
    })
  })

  it('lets a per-address ABI name the arguments, while the meaning still comes from the signature', () => {
    const abis = Abis.registry({ byAddress: { [WETH.toLowerCase()]: weth } })
    const data = encodeFunctionData({ abi: weth, functionName: 'transfer', args: [recipient(1), 5n] })
    const root = Calls.decode({ tx: tx({ to: WETH, data }), context, abis })
    expect(root.kind === 'function' && root.function).toMatchObject({
      source: 'user',
      named: { dst: recipient(1), wad: 5n },
    })
    expect(root.action).toMatchObject({ type: 'token-transfer', to: recipient(1), amount: 5n })
  })

  it('consults global user ABIs only after the built-in ones', () => {
    const abis = Abis.registry({ global: [weth] })
    const transfer = encodeFunctionData({ abi: weth, functionName: 'transfer', args: [recipient(1), 5n] })
    const deposit = encodeFunctionData({ abi: weth, functionName: 'deposit' })
    const a = Calls.decode({ tx: tx({ to: WETH, data: transfer }), context, abis })
    const b = Calls.decode({ tx: tx({ to: WETH, data: deposit }), context, abis })
    expect(a.kind === 'function' && a.function.source).toBe('builtin')
    expect(b.kind === 'function' && b.function.signature).toBe('deposit()')
  })

  it('refuses ABIs that are not ABIs with typed errors', () => {
    expect(() => Abis.registry({ byAddress: { nope: [] } })).toThrow(
      expect.objectContaining({ name: 'Safe.InvalidAddressError' }),
    )
    expect(() => Abis.registry({ byAddress: { [WETH]: {} as never } })).toThrow(
      expect.objectContaining({ name: 'Safe.InvalidFieldError' }),
    )
    expect(() => Abis.registry({ global: 'abi' as never })).toThrow(
      expect.objectContaining({ name: 'Safe.InvalidFieldError' }),
    )
  })

  it('keeps an empty delegatecall as an explicit unknown node', () => {
    const root = Calls.decode({ tx: tx({ to: WETH, operation: 1, data: '0x' }), context })
    expect(root).toMatchObject({ kind: 'unknown', reason: 'empty-delegatecall', selector: undefined })
  })

  it('formats paths for people', () => {
    expect(Calls.formatPath([])).toBe('root')
    expect(Calls.formatPath([2, 0])).toBe('2.0')
  })

  it('never throws an untyped error, whatever the calldata after a known selector', () => {
    const selectors = [...Abis.defaultRegistry.builtin.keys()]
    fc.assert(
      fc.property(
        fc.constantFrom(...selectors),
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom(0 as const, 1 as const),
        (selector, tail, operation) => {
          const data = `${selector}${Buffer.from(tail).toString('hex')}` as Hex
          try {
            const root = Calls.decode({ tx: tx({ to: WETH, operation, data }), context })
            expect(root.selector).toBe(selector)
          } catch (error) {
            expect(isBaseError(error)).toBe(true)
          }
        },
      ),
    )
  })

  it('never throws an untyped error on a random batch payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const data =
          multiSendData([]).slice(0, 10) +
          encodeFunctionData({
            abi: parseAbi(['function f(bytes)']),
            functionName: 'f',
            args: [`0x${Buffer.from(bytes).toString('hex')}`],
          }).slice(10)
        // A random payload is a batch or a non-canonical node: never an exception.
        const root = Calls.decode({ tx: tx({ to: CALL_ONLY, operation: 1, data }), context })
        expect(
          root.kind === 'function' || (root.kind === 'unknown' && root.reason === 'non-canonical-encoding'),
        ).toBe(true)
      }),
    )
  })

  it('decodes the same packed batch whether built by the fixtures or by hand', () => {
    const packed = packMultiSend([{ operation: 0, to: WETH, value: 1n, data: '0x' }])
    expect(packed).toBe(`0x00${WETH.slice(2).toLowerCase()}${'1'.padStart(64, '0')}${'0'.repeat(64)}`)
  })
})
