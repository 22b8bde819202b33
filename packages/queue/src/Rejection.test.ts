import { SafeTx } from '@airlock/safe'
import fc from 'fast-check'
import { getAddress } from 'viem'
import { expect, test } from 'vitest'
import * as Rejection from './Rejection.ts'

test('a rejection is an empty call from the Safe to itself at the nonce, and only that', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
      (bytes, nonce) => {
        const safe = getAddress(`0x${Buffer.from(bytes).toString('hex')}`)
        const tx = Rejection.tx({ safe, nonce })
        expect(SafeTx.from(tx)).toEqual(tx)
        expect(tx).toMatchObject({ to: safe, value: 0n, data: '0x', operation: 0, nonce })
        expect(Rejection.isRejection({ tx, safe })).toBe(true)
        expect(Rejection.isRejection({ tx: { ...tx, value: 1n }, safe })).toBe(false)
        expect(Rejection.isRejection({ tx: { ...tx, data: '0x00' }, safe })).toBe(false)
        expect(Rejection.isRejection({ tx: { ...tx, operation: 1 }, safe })).toBe(false)
      },
    ),
  )
})
