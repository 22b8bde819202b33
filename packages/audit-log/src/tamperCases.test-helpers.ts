// Tamper cases shared by verify.test.ts and verifyParallel.node.test.ts: a 12-entry sample log and
// edits of it, each with the first bad entry that any verifier must name.
import * as AuditEntry from './AuditEntry.ts'
import { join, keyA, keyB, linesOf, sampleLog } from './testing.test-helpers.ts'

export const log = sampleLog(12)
export const text = log.text()
export const lines = linesOf(text)
/** Replaces entry `seq` by a JSON-level edit, re-encoded canonically (a careful forger). */
export function editEntry(
  seq: number,
  edit: (entry: Record<string, unknown>) => void,
  source = lines,
): string[] {
  const copy = [...source]
  const entry = JSON.parse(copy[seq] as string)
  edit(entry)
  copy[seq] = AuditEntry.toLine(entry)
  return copy
}

/** Re-signs entries from `from` on with `signer`, fixing every hash and link (a forger with a key). */
export function reforge(entries: AuditEntry.Entry[], from: number, signer = keyA): string[] {
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

export type TamperCase = [
  name: string,
  tamper: () => string,
  expected: { line: number; seq: number; reason: string },
]

export const tamperCases: TamperCase[] = [
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
]
