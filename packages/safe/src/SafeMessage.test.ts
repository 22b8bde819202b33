import { describe, expect, it } from 'vitest'
import * as SafeMessage from './SafeMessage.ts'

// The vector of the Safe Transaction Service reference (shared/reference, section 8).
const context = {
  chainId: 11155111n,
  safe: '0x933F49a0649Ebb92483F019D15896Ca7F1814CA7',
  version: '1.4.1',
} as const

describe('SafeMessage.hash', () => {
  it('matches the Transaction Service for a text message', () => {
    expect(SafeMessage.hash({ message: 'Approve offline policy v3', context })).toEqual({
      digest: '0x1be63829abcefe3dec820a0d2fdbb3b52588a8f45ef3112dbcc37ccc9320ed14',
      messageHash: '0xee5de5cab7958133d43c2a510a5ca61fab9e976edae839c90a59916e0dfd6601',
    })
  })

  it('depends on the Safe, the chain and every byte of the message', () => {
    const base = SafeMessage.hash({ message: 'Approve offline policy v3', context }).messageHash
    expect(SafeMessage.hash({ message: 'Approve offline policy v4', context }).messageHash).not.toBe(base)
    expect(
      SafeMessage.hash({ message: 'Approve offline policy v3', context: { ...context, chainId: 1n } })
        .messageHash,
    ).not.toBe(base)
    expect(
      SafeMessage.hash({
        message: 'Approve offline policy v3',
        context: { ...context, safe: '0x0000000000000000000000000000000000000001' },
      }).messageHash,
    ).not.toBe(base)
  })
})
