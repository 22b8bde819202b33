import { AuditKey, AuditLog, TreeHead } from '@airlock/audit-log'
import { describe, expect, it } from 'vitest'
import { Report } from './index.ts'
import { chartJsSource } from './node.ts'

const safe = `0x${'5a'.repeat(20)}`
const usdc = `0x${'0c'.repeat(20)}`
const alice = AuditKey.signer(new Uint8Array(32).fill(11))
const bob = AuditKey.signer(new Uint8Array(32).fill(12))

function clock(start: string) {
  let now = Date.parse(start)
  return () => {
    now += 60_000
    return new Date(now)
  }
}

function signerLog(
  signer: typeof alice,
  { hostileReason = 'treasury.large-transfer-tier: over the cap' } = {},
) {
  const log = AuditLog.create({ signer, clock: clock('2026-12-01T09:00:00.000Z') })
  log.append({
    event: 'policy-imported',
    decision: 'installed',
    policyBundleHash: `0x${'bb'.repeat(32)}`,
    data: { version: 3 },
  })
  for (let nonce = 0; nonce < 4; nonce++) {
    const safeTxHash = `0x${nonce.toString(16).padStart(64, '0')}` as const
    log.append({
      event: 'signed',
      safeTxHash,
      decision: 'approved',
      data: {
        kind: 'safe-signature',
        requestId: safeTxHash,
        chainId: 1,
        safe,
        nonce: String(nonce),
        tier: 'routine',
        outflows: [{ asset: usdc, amount: '250000000', to: `0x${'77'.repeat(20)}` }],
      },
    })
  }
  log.append({
    event: 'refused',
    safeTxHash: `0x${'ee'.repeat(32)}`,
    decision: 'refused',
    reasons: [hostileReason],
    data: {
      kind: 'refusal',
      requestId: `0x${'ee'.repeat(32)}`,
      chainId: 1,
      safe,
      nonce: '4',
      tier: 'critical',
      outflows: [{ asset: usdc, amount: '900000000000', to: `0x${'66'.repeat(20)}` }],
    },
  })
  log.append({ event: 'device-error', reasons: ['ledger: the device is locked'] })
  return log
}

const lines = (text: string) => text.split('\n').slice(0, -1)
const join = (ls: string[]) => ls.map((l) => `${l}\n`).join('')
const assets = [
  { chainId: 1, address: usdc, id: 'USDC', decimals: 6, cap: { amount: 1_000_000_000n, seconds: 86_400 } },
]

describe('Report', () => {
  it('merges verified logs: counts, policy versions, device errors, velocity counted once per transaction', () => {
    const a = signerLog(alice)
    const b = signerLog(bob)
    const heads = [a, b].map((log) =>
      TreeHead.sign({
        leaves: TreeHead.leavesOf(log.text()),
        signer: log.signer,
        time: new Date('2026-12-01T10:00:00Z'),
      }),
    )
    const model = Report.build({
      logs: [
        { name: 'alice.jsonl', text: a.text() },
        { name: 'bob.jsonl', text: b.text() },
      ],
      heads,
      enrolledKeys: [alice.publicKey, bob.publicKey],
      assets,
    })
    expect(model.signers.map((s) => [s.name, s.verified, s.signed, s.refused, s.deviceErrors])).toEqual([
      ['alice.jsonl', true, 4, 1, 1],
      ['bob.jsonl', true, 4, 1, 1],
    ])
    expect(model.signers[0]!.policies[0]).toMatchObject({ version: 3 })
    expect(model.signers[0]!.heads).toEqual([{ size: 8, time: '2026-12-01T10:00:00.000Z', status: 'ok' }])
    expect(model.anomalies.filter((x) => x.severity === 'critical')).toEqual([])
    expect(model.refusalReasons).toEqual([{ reason: 'treasury.large-transfer-tier', count: 2 }])
    // Both signers released the same four transactions: 4 × 250 USDC, not 8 ×.
    expect(model.velocity).toHaveLength(1)
    expect(model.velocity[0]!.points.map((p) => p.total)).toEqual([
      '250000000',
      '500000000',
      '750000000',
      '1000000000',
    ])
    expect(model.velocity[0]!.cap).toEqual({ amount: '1000000000', seconds: 86_400 })
  })

  it('flags each use of the signer app’s air-gap override', () => {
    const a = signerLog(alice)
    a.append({
      event: 'air-gap-override',
      decision: 'signed-networked',
      safeTxHash: `0x${'ab'.repeat(32)}`,
      reasons: ['released a safe-signature under --allow-network-interfaces', 'up: wlan0 192.168.1.7'],
    })
    const model = Report.build({
      logs: [{ name: 'alice.jsonl', text: a.text() }],
      heads: [],
      enrolledKeys: [alice.publicKey],
      assets,
    })
    expect(model.anomalies.filter((x) => x.kind === 'air-gap-override')).toEqual([
      {
        signer: 'alice.jsonl',
        kind: 'air-gap-override',
        severity: 'warning',
        detail: 'released a safe-signature under --allow-network-interfaces; up: wlan0 192.168.1.7',
        time: expect.any(String),
      },
    ])
  })

  it('names a cut tail, an edited entry and a log signed by a key that is not enrolled', () => {
    const a = signerLog(alice)
    const b = signerLog(bob)
    const headA = TreeHead.sign({ leaves: TreeHead.leavesOf(a.text()), signer: alice, time: new Date() })
    const cut = join(lines(a.text()).slice(0, -2))
    const edited = join(lines(b.text()).map((l, i) => (i === 3 ? l.replace('250000000', '150000000') : l)))
    const stranger = AuditKey.signer(new Uint8Array(32).fill(13))
    const model = Report.build({
      logs: [
        { name: 'alice-cut.jsonl', text: cut },
        { name: 'bob-edited.jsonl', text: edited },
        { name: 'stranger.jsonl', text: signerLog(stranger).text() },
      ],
      heads: [headA],
      enrolledKeys: [alice.publicKey, bob.publicKey],
      assets,
    })
    const kinds = model.anomalies.map((x) => `${x.signer}:${x.kind}:${x.severity}`)
    expect(kinds).toContain('alice-cut.jsonl:truncated:critical')
    expect(kinds).toContain('bob-edited.jsonl:verify-failed:critical')
    expect(kinds).toContain('stranger.jsonl:key-not-enrolled:critical')
    expect(kinds).toContain('bob-edited.jsonl:no-witnessed-head:info')
    const bobSummary = model.signers.find((s) => s.name === 'bob-edited.jsonl')!
    expect(bobSummary).toMatchObject({ verified: false, entries: 3, firstBad: { seq: 3 } })
    // Only the verified prefix of the edited log is in the timeline.
    expect(model.timeline.filter((r) => r.signer === 'bob-edited.jsonl')).toHaveLength(3)
    expect(model.anomalies[0]!.severity).toBe('critical')
  })

  it('renders one self-contained HTML file with no network and every log text escaped', () => {
    const hostile = '</script><script>alert(1)</script><img src=https://evil.example/x>\u202e'
    const a = signerLog(alice, { hostileReason: hostile })
    const model = Report.build({ logs: [{ name: 'alice.jsonl', text: a.text() }], assets })
    const page = Report.html(model, { chartJs: chartJsSource() })
    expect(page).toContain("default-src 'none'")
    expect(page).not.toContain('<script>alert(1)')
    expect(page).not.toContain('<img src=https://evil.example')
    expect(page).not.toMatch(/src="https?:/)
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)')
    // The chart data is JSON in a script element; its "<" is escaped so it cannot close the element.
    const data = page.slice(
      page.indexOf('<script id="report-data"'),
      page.indexOf('</script>', page.indexOf('report-data')),
    )
    expect(data).not.toMatch(/<\/?script>.*alert/)
    expect(page.length).toBeGreaterThan(150_000) // Chart.js is inlined
  })

  it('writes CSV that a spreadsheet cannot turn into a formula', () => {
    const a = signerLog(alice, { hostileReason: '=HYPERLINK("https://evil.example","click")' })
    const text = Report.csv(Report.build({ logs: [{ name: 'alice.jsonl', text: a.text() }] }))
    const rows = text.trim().split('\r\n')
    expect(rows[0]).toBe(
      '"time","log","seq","event","decision","kind","chainId","safe","nonce","tier","safeTxHash","outflows","reasons"',
    )
    expect(rows).toHaveLength(8 + 1)
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`)
  })
})
