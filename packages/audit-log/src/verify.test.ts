import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type * as AuditEntry from './AuditEntry.ts'
import * as AuditLog from './AuditLog.ts'
import { editEntry, lines, log, tamperCases, text } from './tamperCases.test-helpers.ts'
import { join, keyA, tickingClock } from './testing.test-helpers.ts'
import { verify } from './verify.ts'

const publicKey = keyA.publicKey
const check = (t: string | Uint8Array, options = {}) => verify(t, { publicKey, ...options })

describe('verify', () => {
  test('accepts an untouched log and returns its entries and head', () => {
    const result = check(text)
    expect(result.ok).toBe(true)
    expect(result.entries).toHaveLength(13)
    expect(result.head).toEqual(AuditLog.headOf(log.entries[12] as AuditEntry.Entry))
    expect(result.firstBad).toBeUndefined()
    expect(check(new TextEncoder().encode(text)).ok).toBe(true)
    expect(check(text, { signatures: 'head' }).ok).toBe(true)
  })

  test.each(tamperCases)('detects %s and names the first bad entry', (_name, tamper, expected) => {
    for (const signatures of ['every', 'head'] as const) {
      const result = check(tamper(), { signatures })
      expect(result.ok).toBe(false)
      expect(result.firstBad).toMatchObject(expected)
      expect(result.entries).toHaveLength(expected.line - 1)
    }
  })

  test('detects whole entries cut from the end only against a checkpoint', () => {
    const cut = join(lines.slice(0, 10))
    // A hash chain alone cannot tell a cut log from a shorter one.
    expect(check(cut).ok).toBe(true)
    const checkpoint = { seq: 12, hash: (log.entries[12] as AuditEntry.Entry).hash }
    expect(check(cut, { checkpoint }).firstBad).toMatchObject({ line: 11, seq: 10, reason: 'truncated' })
    expect(check(text, { checkpoint }).ok).toBe(true)
    const rewritten = join(editEntry(12, (e) => (e.hash = '0'.repeat(64))))
    expect(check(rewritten, { checkpoint: { seq: 12, hash: '1'.repeat(64) } }).firstBad?.reason).toBe('hash')
    const other = { seq: 12, hash: 'f'.repeat(64) }
    expect(check(text, { checkpoint: other }).firstBad).toMatchObject({
      seq: 12,
      reason: 'checkpoint-mismatch',
    })
  })

  test('verifies a segment against a start anchor', () => {
    const segment = join(lines.slice(5))
    const fifth = log.entries[5] as AuditEntry.Entry
    expect(check(segment).firstBad?.reason).toBe('seq')
    expect(check(segment, { start: { seq: 5, prev: fifth.prev } }).ok).toBe(true)
    expect(check(segment, { start: { seq: 5, prev: '1'.repeat(64) } }).firstBad).toMatchObject({
      seq: 5,
      reason: 'prev',
    })
  })

  test('throws typed errors for unusable input', () => {
    expect(() => check(new Uint8Array([0x7b, 0xff, 0x0a]))).toThrow(
      expect.objectContaining({ name: 'AuditLog.InvalidEncodingError' }),
    )
    expect(() => verify(text, { publicKey: new Uint8Array(3) })).toThrow(
      expect.objectContaining({ name: 'AuditLog.InvalidInputError' }),
    )
  })

  test('any single-byte change is detected on the line it touches (fast-check)', () => {
    const bytes = new TextEncoder().encode(text)
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (offset, delta) => {
        const edited = bytes.slice()
        edited[offset] = ((edited[offset] as number) + delta) % 256
        let result: ReturnType<typeof check>
        try {
          result = check(edited)
        } catch (error) {
          // Only invalid UTF-8 may throw, and only as the typed error.
          expect(error).toMatchObject({ name: 'AuditLog.InvalidEncodingError' })
          return
        }
        expect(result.ok).toBe(false)
        expect(result.firstBad?.line).toBe(lineOf(offset))
      }),
      { numRuns: 300 },
    )
  })

  test('random structural edits are detected at the first entry they touch (fast-check)', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.integer({ min: 0, max: 11 }) }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.integer({ min: 0, max: 11 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.integer({ min: 0, max: 12 }),
        copy: fc.integer({ min: 0, max: 12 }),
      }),
      fc.record({
        kind: fc.constant('field' as const),
        at: fc.integer({ min: 0, max: 12 }),
        field: fc.constantFrom('time', 'event', 'decision', 'reasons', 'data', 'prev', 'sig', 'seq'),
      }),
    )
    fc.assert(
      fc.property(edit, (e) => {
        let tampered: string[]
        let firstLine: number
        if (e.kind === 'delete') {
          tampered = lines.filter((_, i) => i !== e.at)
          firstLine = e.at + 1
        } else if (e.kind === 'swap') {
          tampered = [...lines]
          tampered[e.at] = lines[e.at + 1] as string
          tampered[e.at + 1] = lines[e.at] as string
          firstLine = e.at + 1
        } else if (e.kind === 'insert') {
          tampered = [...lines.slice(0, e.at), lines[e.copy] as string, ...lines.slice(e.at)]
          // A copy of the very entry it is inserted before leaves that line as it was.
          firstLine = e.copy === e.at ? e.at + 2 : e.at + 1
        } else {
          const values: Record<string, unknown> = {
            time: '2030-01-01T00:00:00.000Z',
            event: 'breaker-reset',
            decision: 'forged',
            reasons: ['forged'],
            data: { forged: 1 },
            prev: 'e'.repeat(64),
            sig: 'e'.repeat(128),
            seq: 99,
          }
          tampered = editEntry(e.at, (entry) => (entry[e.field] = values[e.field]))
          firstLine = e.at + 1
        }
        const result = check(join(tampered))
        expect(result.ok).toBe(false)
        expect(result.firstBad?.line).toBe(firstLine)
      }),
      { numRuns: 200 },
    )
  })

  test('a log from another clock-injected writer with equal content verifies identically', () => {
    const again = AuditLog.create({ signer: keyA, clock: tickingClock() })
    for (const entry of log.entries.slice(1)) {
      const { seq: _s, time: _t, prev: _p, keyId: _k, v: _v, sig: _g, hash: _h, ...input } = entry
      again.append(input)
    }
    // Ed25519 is deterministic and the encoding canonical: same inputs, same bytes.
    expect(again.text()).toBe(text)
  })
})
