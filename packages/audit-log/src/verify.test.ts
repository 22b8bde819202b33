import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as AuditEntry from './AuditEntry.ts'
import * as AuditLog from './AuditLog.ts'
import { join, keyA, keyB, linesOf, sampleLog, tickingClock } from './testing.test-helpers.ts'
import { verify } from './verify.ts'

const log = sampleLog(12)
const text = log.text()
const lines = linesOf(text)
const publicKey = keyA.publicKey
const check = (t: string | Uint8Array, options = {}) => verify(t, { publicKey, ...options })

/** Replaces entry `seq` by a JSON-level edit, re-encoded canonically (a careful forger). */
function editEntry(seq: number, edit: (entry: Record<string, unknown>) => void, source = lines): string[] {
  const copy = [...source]
  const entry = JSON.parse(copy[seq] as string)
  edit(entry)
  copy[seq] = AuditEntry.toLine(entry)
  return copy
}

/** Re-signs entries from `from` on with `signer`, fixing every hash and link (a forger with a key). */
function reforge(entries: AuditEntry.Entry[], from: number, signer = keyA): string[] {
  const out: AuditEntry.Entry[] = entries.slice(0, from)
  for (const entry of entries.slice(from)) {
    const {
      seq,
      time,
      event,
      sig: _s,
      hash: _h,
      v: _v,
      prev: _p,
      keyId: _k,
      publicKey: _pk,
      ...fields
    } = entry
    const prev = out.length === 0 ? AuditEntry.genesisHash : (out[out.length - 1] as AuditEntry.Entry).hash
    out.push(AuditEntry.create({ input: { event, ...fields }, seq, prev, time, signer }))
  }
  return out.map(AuditEntry.toLine)
}

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

  test.each<[string, () => string, { line: number; seq: number; reason: string }]>([
    [
      'a field edited in place',
      () => join(editEntry(6, (e) => (e.decision = 'approved'))),
      { line: 7, seq: 6, reason: 'hash' },
    ],
    [
      'a field edited and the hash recomputed',
      () =>
        join(
          editEntry(5, (e) => {
            e.reasons = ['looks fine']
            const { hash: _h, ...rest } = e
            e.hash = AuditEntry.computeHash({ ...rest, hash: '' } as AuditEntry.Entry)
          }),
        ),
      { line: 6, seq: 5, reason: 'signature' },
    ],
    ['an entry deleted', () => join(lines.filter((_, i) => i !== 4)), { line: 5, seq: 5, reason: 'seq' }],
    [
      'two entries swapped',
      () => join([...lines.slice(0, 3), lines[4], lines[3], ...lines.slice(5)] as string[]),
      { line: 4, seq: 4, reason: 'seq' },
    ],
    [
      'an entry inserted (a copy of another)',
      () => join([...lines.slice(0, 7), lines[2], ...lines.slice(7)] as string[]),
      { line: 8, seq: 2, reason: 'seq' },
    ],
    [
      'an entry inserted and later seqs renumbered with hashes fixed (no key)',
      () => {
        const entries = log.entries as AuditEntry.Entry[]
        const inserted = { ...(entries[6] as AuditEntry.Entry), decision: 'inserted' }
        const out: AuditEntry.Entry[] = entries.slice(0, 7)
        for (const entry of [inserted, ...entries.slice(7)]) {
          const previous = out[out.length - 1] as AuditEntry.Entry
          const relinked = { ...entry, seq: previous.seq + 1, prev: previous.hash }
          out.push({ ...relinked, hash: AuditEntry.computeHash(relinked) })
        }
        return join(out.map(AuditEntry.toLine))
      },
      { line: 8, seq: 7, reason: 'signature' },
    ],
    ['the last line cut mid-way', () => text.slice(0, -40), { line: 13, seq: 12, reason: 'torn-tail' }],
    ['a trailing newline removed', () => text.slice(0, -1), { line: 13, seq: 12, reason: 'torn-tail' }],
    [
      'the whole log re-signed with another key',
      () => join(reforge(log.entries as AuditEntry.Entry[], 0, keyB)),
      { line: 1, seq: 0, reason: 'key-mismatch' },
    ],
    [
      'the key changed mid-log',
      () => join(reforge(log.entries as AuditEntry.Entry[], 6, keyB)),
      { line: 7, seq: 6, reason: 'key-changed' },
    ],
    [
      'time moved backwards (edit without key)',
      () => join(editEntry(9, (e) => (e.time = '2026-11-21T07:00:00.000Z'))),
      { line: 10, seq: 9, reason: 'hash' },
    ],
    [
      'time moved backwards and re-signed by the key holder',
      () => {
        const entries = [...log.entries] as AuditEntry.Entry[]
        entries[9] = { ...(entries[9] as AuditEntry.Entry), time: '2026-11-21T07:00:00.000Z' }
        return join(reforge(entries, 9))
      },
      { line: 10, seq: 9, reason: 'time' },
    ],
    [
      'an entry re-signed by the key holder but the chain not relinked',
      () => {
        const entries = [...log.entries] as AuditEntry.Entry[]
        const forged = reforge(entries, 3)
        forged[3] = AuditEntry.toLine(
          AuditEntry.create({
            input: { event: 'refused' },
            seq: 3,
            prev: AuditEntry.genesisHash,
            time: (entries[3] as AuditEntry.Entry).time,
            signer: keyA,
          }),
        )
        return join(forged)
      },
      { line: 4, seq: 3, reason: 'prev' },
    ],
    [
      'a line that is not JSON',
      () => join([...lines.slice(0, 2), '{"seq": 2', ...lines.slice(3)]),
      { line: 3, seq: 2, reason: 'malformed' },
    ],
    [
      'a line re-encoded with whitespace',
      () =>
        join(lines.map((l, i) => (i === 8 ? JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, '') : l))),
      { line: 9, seq: 8, reason: 'not-canonical' },
    ],
    ['an empty log', () => '', { line: 1, seq: 0, reason: 'empty' }],
    [
      'the log-opened entry removed',
      () => join(reforge((log.entries as AuditEntry.Entry[]).slice(1), 0)),
      { line: 1, seq: 1, reason: 'seq' },
    ],
  ])('detects %s and names the first bad entry', (_name, tamper, expected) => {
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
