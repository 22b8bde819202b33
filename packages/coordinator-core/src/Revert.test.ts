import { encodeErrorResult, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import * as Revert from './Revert.ts'

const errorAbi = parseAbi(['error Error(string)', 'error Panic(uint256)', 'error Unauthorized(address)'])

describe('Revert.decode', () => {
  it('turns Safe GS codes into sentences', () => {
    const data = encodeErrorResult({ abi: errorAbi, errorName: 'Error', args: ['GS026'] })
    expect(Revert.decode(data)).toMatchObject({
      reason: 'GS026',
      code: 'GS026',
      message: expect.stringMatching(/^GS026: A signature is not from an owner/),
    })
  })
  it('keeps other reasons, panics and custom errors readable', () => {
    expect(
      Revert.decode(encodeErrorResult({ abi: errorAbi, errorName: 'Error', args: ['TestVault: paused'] }))
        .message,
    ).toBe('The call reverted: TestVault: paused.')
    expect(
      Revert.decode(encodeErrorResult({ abi: errorAbi, errorName: 'Panic', args: [0x11n] })).reason,
    ).toBe('Panic(0x11)')
    const custom = encodeErrorResult({
      abi: errorAbi,
      errorName: 'Unauthorized',
      args: ['0x0000000000000000000000000000000000000001'],
    })
    expect(Revert.decode(custom)).toMatchObject({ reason: custom.slice(0, 10), code: undefined })
    expect(Revert.decode(undefined).message).toBe('The call reverted without a reason.')
  })
})
