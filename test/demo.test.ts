import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { chromium } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'

const screenshots = join(import.meta.dirname, '..', 'docs', 'screenshots')
let demo: { code: number; stdout: string; stderr: string }
let kept: string

beforeAll(async () => {
  demo = await runCli(['demo', '--keep'])
  kept = /kept in (\S+)/.exec(demo.stdout)?.[1] ?? ''
}, 180_000)

describe('npm run demo (airlock demo)', () => {
  it('signs a payroll across the simulated air gap, executes it, refuses the Bybit shape and verifies the logs', async () => {
    const { code, stdout, stderr } = demo
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/one MultiSendCallOnly batch of 13 calls: tier routine, needs 2 signatures/)
    expect(stdout).toContain('Verdict        SIGN')
    expect(stdout).toMatch(/execTransaction 0x[0-9a-f]{64} in block \d+/)
    expect(stdout).toContain('vendor balance +0.25 ETH')
    expect(stdout).toContain(
      'x tier-understated: The coordinator says "routine"; this signer computed "existential".',
    )
    expect(stdout).toMatch(
      /Alice: verified, 4 entries \(log-opened, policy-imported:installed, signed:signed, refused:refused\)/,
    )
    expect(stdout).toMatch(/Bob: verified, 3 entries/)
  })
})

describe('airlock audit report over the demo signers’ logs', () => {
  it('renders in Chromium with no network; a cut tail and an edited entry show up as such', async () => {
    expect(kept).not.toBe('')
    const alice = join(kept, 'signer-alice')
    const bob = join(kept, 'signer-bob')
    const heads: string[] = []
    for (const dir of [alice, bob]) {
      const head = await runCli([
        'audit',
        'head',
        join(dir, 'decisions.jsonl'),
        '--key-file',
        join(dir, 'audit.key'),
      ])
      expect(head.code, head.stderr).toBe(0)
      heads.push(head.stdout)
    }
    writeFileSync(join(kept, 'heads.jsonl'), heads.join(''))
    const keys = [alice, bob].map(
      (dir) => JSON.parse(readFileSync(join(dir, 'decisions.jsonl'), 'utf8').split('\n')[0]!).publicKey,
    )
    const common = [
      '--heads',
      join(kept, 'heads.jsonl'),
      '--bundle',
      join(alice, 'policy-bundle.json'),
      '--public-keys',
      keys.join(','),
    ]

    const clean = await runCli([
      'audit',
      'report',
      join(alice, 'decisions.jsonl'),
      join(bob, 'decisions.jsonl'),
      ...common,
      '--out',
      join(kept, 'report.html'),
    ])
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).toMatch(/Report of 2 log\(s\), 7 verified entries, 0 anomalies \(0 critical\)/)

    // Alice's copy loses its last entry (the refused Bybit request); Bob's has an entry edited.
    const aliceLines = readFileSync(join(alice, 'decisions.jsonl'), 'utf8').split('\n').slice(0, -1)
    writeFileSync(
      join(kept, 'alice-cut.jsonl'),
      aliceLines
        .slice(0, -1)
        .map((l) => `${l}\n`)
        .join(''),
    )
    const bobLines = readFileSync(join(bob, 'decisions.jsonl'), 'utf8').split('\n').slice(0, -1)
    writeFileSync(
      join(kept, 'bob-edited.jsonl'),
      bobLines.map((l, i) => `${i === 2 ? l.replace('"routine"', '"emergency"') : l}\n`).join(''),
    )
    const tampered = await runCli([
      'audit',
      'report',
      join(kept, 'alice-cut.jsonl'),
      join(kept, 'bob-edited.jsonl'),
      ...common,
      '--out',
      join(kept, 'tampered.html'),
    ])
    expect(tampered.code).toBe(1)
    expect(tampered.stderr).toMatch(/CRITICAL .*alice-cut\.jsonl: truncated/)
    expect(tampered.stderr).toMatch(/CRITICAL .*bob-edited\.jsonl: verify-failed/)

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const requests: string[] = []
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) requests.push(request.url())
      })
      await page.goto(`file://${join(kept, 'report.html')}`)
      await page.waitForFunction(() => document.querySelectorAll('canvas').length >= 3)
      expect(await page.locator('.banner').textContent()).toBe('Every log verified; no critical anomaly.')
      expect(await page.locator('#s-velocity + h3').textContent()).toMatch(
        /ETH \(chain 31337\) — cap 1000 per 24 h/,
      )
      mkdirSync(screenshots, { recursive: true })
      await page.screenshot({ path: join(screenshots, 'report.png'), fullPage: false })

      await page.goto(`file://${join(kept, 'tampered.html')}`)
      const banner = await page.locator('.banner').textContent()
      // Bob's edit breaks his chain and also the head witnessed for his log: both are named.
      expect(banner).toMatch(/3 critical finding\(s\)/)
      const anomalies = (
        await page
          .locator('section[aria-labelledby="s-anomalies"] tbody tr')
          .evaluateAll((rows) =>
            rows.map((row) =>
              [...(row as HTMLTableRowElement).cells].map((cell) => cell.textContent).join(' | '),
            ),
          )
      ).join('\n')
      expect(anomalies).toMatch(
        /alice-cut\.jsonl \| truncated \| The log has 3 entries but the head of 4 entries/,
      )
      expect(anomalies).toMatch(/bob-edited\.jsonl \| verify-failed \| Entry 2/)
      expect(anomalies).toMatch(/bob-edited\.jsonl \| forked \| The first 3 entries have another root/)
      await page.screenshot({ path: join(screenshots, 'report-tampered.png'), fullPage: false })
      expect(requests).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
