import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as AuditEntry from './AuditEntry.ts'
import * as AuditKey from './AuditKey.ts'
import * as AuditLog from './AuditLog.ts'
import { nodeEd25519 } from './ed25519.node.ts'
import { tamperCases, text } from './tamperCases.test-helpers.ts'
import { join, keyA, linesOf, tickingClock } from './testing.test-helpers.ts'
import { verify } from './verify.ts'
import { verifyParallel } from './verifyParallel.node.ts'

const publicKey = keyA.publicKey
const sequential = (log: string | Uint8Array, options = {}) =>
  verify(log, { publicKey, ed25519: nodeEd25519, signatures: 'every', ...options })
// Workers even for the 12-entry sample, in batches of 3 so verdicts come from several batches and workers.
const forced = { publicKey, minEntries: 1, batchSize: 3, workers: 2 }

describe('verifyParallel', () => {
  test('accepts the untouched sample log exactly like verify', async () => {
    const result = await verifyParallel(text, forced)
    expect(result.ok).toBe(true)
    expect(result).toEqual(sequential(text))
    expect(await verifyParallel(new TextEncoder().encode(text), forced)).toEqual(sequential(text))
  })

  test.each(tamperCases)(
    'names the same first bad entry as verify when %s',
    async (_name, tamper, expected) => {
      const tampered = tamper()
      const result = await verifyParallel(tampered, forced)
      expect(result.firstBad).toMatchObject(expected)
      expect(result).toEqual(sequential(tampered))
    },
  )

  test('small logs take the single-thread path with the same result', async () => {
    const tampered = tamperCases.find(([name]) => name.includes('hash recomputed'))?.[1]() ?? ''
    expect(await verifyParallel(tampered, { publicKey })).toEqual(sequential(tampered))
  })

  test('throws typed errors for unusable input', async () => {
    await expect(verifyParallel(new Uint8Array([0x7b, 0xff, 0x0a]), forced)).rejects.toMatchObject({
      name: 'AuditLog.InvalidEncodingError',
    })
    await expect(verifyParallel(text, { ...forced, publicKey: new Uint8Array(3) })).rejects.toMatchObject({
      name: 'AuditLog.InvalidInputError',
    })
    await expect(verifyParallel(text, { ...forced, workers: 0 })).rejects.toMatchObject({
      name: 'AuditLog.InvalidInputError',
    })
  })

  test('agrees with verify on random tampering of a log that uses workers (fast-check)', async () => {
    // Large enough for the default threshold (2,000 entries), signed with node:crypto to build it fast.
    const signer = AuditKey.signer(keyA.privateKey, { ed25519: nodeEd25519 })
    const big = AuditLog.create({ signer, clock: tickingClock() })
    for (let i = 1; i < 2_100; i++) {
      big.append(
        i % 2 === 0
          ? { event: 'signed', decision: 'approved', reasons: [`run ${i}`], data: { n: i } }
          : { event: 'refused', decision: 'refused', reasons: ['unknown target'] },
      )
    }
    const lines = linesOf(big.text())
    const last = lines.length - 1
    /** The entry re-signed with a wrong signature and its hash fixed: only the signature check sees it. */
    const badSignature = (at: number) => {
      const entry = { ...(big.entries[at] as AuditEntry.Entry) }
      entry.sig = `${entry.sig.slice(0, 10)}${entry.sig[10] === 'a' ? 'b' : 'a'}${entry.sig.slice(11)}`
      return AuditEntry.toLine({ ...entry, hash: AuditEntry.computeHash(entry) })
    }
    const at = fc.integer({ min: 0, max: last })
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('signature' as const), at }),
      fc.record({ kind: fc.constant('byte' as const), at, offset: fc.nat(300) }),
      fc.record({ kind: fc.constant('delete' as const), at }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.integer({ min: 0, max: last - 1 }) }),
      fc.record({ kind: fc.constant('time' as const), at }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        let tampered = [...lines]
        for (const e of edits) {
          if (e.kind === 'signature') tampered[e.at] = badSignature(e.at)
          else if (e.kind === 'byte') {
            const line = tampered[e.at] as string
            const i = e.offset % line.length
            tampered[e.at] = `${line.slice(0, i)}${line[i] === '7' ? '8' : '7'}${line.slice(i + 1)}`
          } else if (e.kind === 'delete') tampered = tampered.filter((_, i) => i !== e.at)
          else if (e.kind === 'swap') {
            const [a, b] = [tampered[e.at], tampered[e.at + 1]]
            if (a !== undefined && b !== undefined) [tampered[e.at], tampered[e.at + 1]] = [b, a]
          } else {
            // Earlier than its predecessor, re-signed by the key holder: a time failure after a good signature.
            const entry = big.entries[e.at] as AuditEntry.Entry
            tampered[e.at] = AuditEntry.toLine(
              AuditEntry.create({
                input: { event: 'refused' },
                seq: entry.seq,
                prev: entry.prev,
                time: '2020-01-01T00:00:00.000Z',
                signer,
              }),
            )
          }
        }
        const log = join(tampered)
        const result = await verifyParallel(log, { publicKey })
        expect(result.ok).toBe(false)
        expect(result).toEqual(sequential(log))
      }),
      { numRuns: 12 },
    )
  })
})
