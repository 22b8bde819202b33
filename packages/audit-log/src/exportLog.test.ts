import { describe, expect, test } from 'vitest'
import type * as AuditEntry from './AuditEntry.ts'
import { checkManifest, createManifest, exportForUr, parse } from './exportLog.ts'
import { show } from './show.ts'
import { keyA, keyB, linesOf, sampleLog } from './testing.test-helpers.ts'
import { verify } from './verify.ts'

const log = sampleLog(6)
const text = log.text()

describe('export', () => {
  test('exportForUr carries the key and the exact JSON Lines bytes', () => {
    const ur = exportForUr({ log: text })
    expect(ur.publicKey).toEqual(keyA.publicKey)
    expect(new TextDecoder().decode(ur.entries)).toBe(text)
    expect([ur.firstSeq, ur.lastSeq]).toEqual([0, 6])
    expect(verify(ur.entries, { publicKey: ur.publicKey }).ok).toBe(true)
  })

  test('a segment export verifies from its start anchor', () => {
    const ur = exportForUr({ log: text, fromSeq: 4 })
    expect([ur.firstSeq, ur.lastSeq]).toEqual([4, 6])
    const first = parse(ur.entries)[0] as AuditEntry.Entry
    expect(verify(ur.entries, { publicKey: keyA.publicKey, start: { seq: 4, prev: first.prev } }).ok).toBe(
      true,
    )
    expect(() => exportForUr({ log: text, fromSeq: 7 })).toThrow(/no entries to export/)
    expect(() => exportForUr({ log: text, publicKey: keyB.publicKey })).toThrow(/does not match/)
    expect(() => exportForUr({ log: text.slice(0, -3) })).toThrow(/partial line/)
  })

  test('the manifest pins bytes and head, and is signed', () => {
    const manifest = createManifest({
      log: text,
      file: 'audit.jsonl',
      signer: keyA,
      time: '2026-11-21T09:00:00.000Z',
    })
    expect(manifest).toMatchObject({ firstSeq: 0, lastSeq: 6, lastHash: log.head.hash, file: 'audit.jsonl' })
    expect(checkManifest(manifest, { publicKey: keyA.publicKey, log: text })).toBeUndefined()
    expect(checkManifest(manifest, { publicKey: keyB.publicKey })).toBe('manifest is for another key')
    for (const notObject of [null, [], 'manifest', 42]) {
      expect(checkManifest(notObject as never, { publicKey: keyA.publicKey })).toBe(
        'manifest is not a JSON object',
      )
    }
    expect(checkManifest({ ...manifest, lastSeq: 5 }, { publicKey: keyA.publicKey })).toBe(
      'manifest signature is invalid',
    )
    const cut = linesOf(text)
      .slice(0, 5)
      .map((l) => `${l}\n`)
      .join('')
    expect(checkManifest(manifest, { publicKey: keyA.publicKey, log: cut })).toMatch(/bytes/)
    const checkpoint = { seq: manifest.lastSeq, hash: manifest.lastHash }
    expect(verify(cut, { publicKey: keyA.publicKey, checkpoint }).firstBad?.reason).toBe('truncated')
  })

  test('parse names the first malformed line with a typed error', () => {
    const lines = linesOf(text)
    lines[3] = '{"v":1}'
    expect(() => parse(lines.map((l) => `${l}\n`).join(''))).toThrow(
      expect.objectContaining({ name: 'AuditLog.MalformedEntryError', line: 4 }),
    )
  })

  test('show prints one line per entry and the failure', () => {
    const result = verify(text.slice(0, -10), { publicKey: keyA.publicKey })
    expect(show(result.entries.slice(0, 4), { failure: result.firstBad })).toMatchInlineSnapshot(`
      "   seq  time                      event             decision      safeTxHash     reasons
           0  2026-11-21T08:00:00.000Z  log-opened        -             -
           1  2026-11-21T08:00:01.000Z  reviewed          -             0x3f3f…3f3f
           2  2026-11-21T08:00:02.000Z  signed            approved      0x3f3f…3f3f    tier 1; run 1
           3  2026-11-21T08:00:03.000Z  refused           refused       -              unknown target
      FAILED at line 7 (seq 6): torn-tail: The last line (7) is incomplete: no newline.
      "
    `)
  })
})
