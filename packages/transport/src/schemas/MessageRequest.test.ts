import { MessageEffects } from '@airlock/safe'
import { describe, expect, it } from 'vitest'
import { encodeCanonical } from './codec.ts'
import * as MessageRequest from './MessageRequest.ts'
import * as MessageSignature from './MessageSignature.ts'

const context = { chainId: 1n, safe: '0x00000000000000000000000000000000000A11cE', version: '1.4.1' } as const
const typed = {
  types: { Order: [{ name: 'maker', type: 'address' }] },
  primaryType: 'Order',
  domain: { chainId: '1', verifyingContract: MessageEffects.PERMIT2 },
  message: { maker: '0x00000000000000000000000000000000000A11cE' },
}
const base = {
  requestId: `0x${'11'.repeat(16)}`,
  createdAt: 1_767_225_600,
  context,
  title: 'Sign in',
  description: 'From the coordinator.',
} as const

describe('MessageRequest', () => {
  it('round-trips text and typed data through canonical CBOR and UR', () => {
    for (const message of ['Hello\nworld', typed]) {
      const request = { ...base, message }
      const decoded = MessageRequest.fromUr(MessageRequest.toUr(request))
      expect(decoded).toEqual(request)
      expect(MessageRequest.encode(decoded)).toEqual(MessageRequest.encode(request))
    }
  })

  it('refuses non-canonical JSON, deep JSON, a wrong type and unknown keys', () => {
    const bytes = MessageRequest.encode({ ...base, message: typed })
    // Same typed data with whitespace: not the canonical encoding.
    const map = new Map<number, unknown>([
      [0, 1],
      [1, new Uint8Array(16).fill(0x11)],
      [2, base.createdAt],
      [3, 1],
      [
        4,
        new Uint8Array(20).fill(0).map((_, i) => (i === 17 ? 0x0a : i === 18 ? 0x11 : i === 19 ? 0xce : 0)),
      ],
      [5, '1.4.1'],
      [6, 'typed-data'],
      [7, new TextEncoder().encode(JSON.stringify(typed, null, 1))],
      [8, base.title],
      [9, base.description],
    ])
    expect(() => MessageRequest.decode(encodeCanonical(map))).toThrow(/canonical/)
    map.set(7, new TextEncoder().encode('['.repeat(50)))
    expect(() => MessageRequest.decode(encodeCanonical(map))).toThrow(/message/)
    expect(bytes.length).toBeGreaterThan(0)
    expect(() => MessageRequest.fromUr({ type: 'airlock-sign-request', payload: bytes })).toThrow()
    expect(() => MessageRequest.encode({ ...base, message: 'x', extra: 1 } as never)).toThrow(/extra/)
  })
})

describe('MessageSignature', () => {
  it('round-trips', () => {
    const response = {
      requestId: base.requestId,
      messageHash: `0x${'22'.repeat(32)}`,
      signer: '0x00000000000000000000000000000000000A11cE',
      signature: `0x${'33'.repeat(65)}`,
    } as const
    expect(MessageSignature.fromUr(MessageSignature.toUr(response))).toEqual(response)
    expect(() => MessageSignature.encode({ ...response, signature: '0x33' })).toThrow()
  })
})
