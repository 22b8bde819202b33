import { describe, expect, it } from 'vitest'
import * as TreeHead from './TreeHead.ts'
import { join, keyA, keyB, linesOf, sampleLog } from './testing.test-helpers.ts'

const time = new Date('2026-12-01T10:00:00.000Z')

describe('TreeHead: signed heads witnessed for a log', () => {
  const log = sampleLog(20)
  const text = log.text()
  const leaves = TreeHead.leavesOf(text)
  const headAt = (size: number) => TreeHead.sign({ leaves, size, signer: keyA, time })

  it('signs a head that checks against the same log, and round-trips through strict parsing', () => {
    const head = headAt(leaves.length)
    expect(head.size).toBe(21)
    expect(TreeHead.parse(JSON.parse(JSON.stringify(head)))).toEqual(head)
    expect(TreeHead.verifySignature(head, { publicKey: keyA.publicKey })).toBe(true)
    expect(TreeHead.verifySignature(head, { publicKey: keyB.publicKey })).toBe(false)
    expect(TreeHead.checkpoint(head)).toMatch(
      /^airlock\.audit-log\/v1\n21\n[A-Za-z0-9+/]{43}=\ntime 2026-12-01T10:00:00\.000Z\n$/,
    )
    expect(
      TreeHead.check({ log: text, heads: [headAt(1), headAt(7), head], publicKey: keyA.publicKey }),
    ).toEqual([
      { head: headAt(1), status: 'ok' },
      { head: headAt(7), status: 'ok' },
      { head, status: 'ok' },
    ])
  })

  it('names a cut tail, an edited entry and a forged head', () => {
    const heads = [headAt(5), headAt(21)]
    const lines = linesOf(text)
    const truncated = join(lines.slice(0, 18))
    expect(TreeHead.check({ log: truncated, heads, publicKey: keyA.publicKey }).map((c) => c.status)).toEqual(
      ['ok', 'truncated'],
    )
    const edited = join(lines.map((line, i) => (i === 1 ? line.replace('"reviewed"', '"refused"') : line)))
    expect(TreeHead.check({ log: edited, heads, publicKey: keyA.publicKey }).map((c) => c.status)).toEqual([
      'forked',
      'forked',
    ])
    const forged = { ...headAt(21), root: '00'.repeat(32) }
    expect(TreeHead.check({ log: text, heads: [forged], publicKey: keyA.publicKey })[0]?.status).toBe(
      'bad-signature',
    )
  })

  it('lets a witness accept only heads that extend the last one it kept', () => {
    const publicKey = keyA.publicKey
    const older = headAt(9)
    const newer = headAt(21)
    const consistency = TreeHead.prove({ leaves, from: 9, to: 21 })
    expect(JSON.stringify(consistency).length).toBeLessThan(600)
    expect(TreeHead.checkUpdate({ previous: older, next: newer, consistency, publicKey })).toBeUndefined()
    expect(
      TreeHead.checkUpdate({ previous: undefined, next: newer, consistency: undefined, publicKey }),
    ).toBeUndefined()
    expect(TreeHead.checkUpdate({ previous: newer, next: older, consistency: undefined, publicKey })).toBe(
      'rollback',
    )
    expect(TreeHead.checkUpdate({ previous: older, next: newer, consistency: undefined, publicKey })).toBe(
      'proof-mismatch',
    )
    // A log rewritten after the witnessed head: its new head cannot be proven to extend the old one.
    const rewritten = linesOf(sampleLog(25, keyA).text()).map((line, i) => (i === 4 ? `${line} ` : line))
    const otherLeaves = TreeHead.leavesOf(join(rewritten))
    const forkHead = TreeHead.sign({ leaves: otherLeaves, signer: keyA, time })
    const forkProof = TreeHead.prove({ leaves: otherLeaves, from: 9, to: forkHead.size })
    const rewrittenOlder = { ...older }
    expect(
      TreeHead.checkUpdate({ previous: rewrittenOlder, next: forkHead, consistency: forkProof, publicKey }),
    ).toBe('fork')
    const sameSizeOtherRoot = TreeHead.sign({ leaves: otherLeaves, size: 9, signer: keyA, time })
    expect(
      TreeHead.checkUpdate({ previous: older, next: sameSizeOtherRoot, consistency: undefined, publicKey }),
    ).toBe('fork')
    expect(
      TreeHead.checkUpdate({
        previous: older,
        next: { ...newer, sig: '00'.repeat(64) },
        consistency,
        publicKey,
      }),
    ).toBe('bad-signature')
  })

  it('refuses malformed heads with a typed error', () => {
    const good = headAt(3)
    for (const bad of [
      null,
      [],
      { ...good, size: -1 },
      { ...good, size: 1.5 },
      { ...good, root: 'zz' },
      { ...good, sig: 'ab' },
      { ...good, time: 'yesterday' },
      { ...good, extra: 1 },
    ]) {
      expect(() => TreeHead.parse(bad)).toThrow(TreeHead.MalformedTreeHeadError)
    }
  })
})
