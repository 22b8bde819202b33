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
  it('signs and executes one action of every tier across the QR air gap, refuses the attacks, checks the logs against their heads', () => {
    const { code, stdout, stderr } = demo
    expect(stderr).toBe('')
    expect(code, stdout).toBe(0)
    for (const tier of ['routine', 'emergency', 'critical', 'existential'])
      expect(stdout).toContain(`tier ${tier}\n`)
    // On chain: four executions, the vault paused, the vendor paid 2 + 60 ETH.
    expect(stdout.match(/ {5}executed: 0x[0-9a-f]{64} in block \d+/g)).toHaveLength(4)
    expect(stdout).toContain('vault paused: true')
    expect(stdout).toContain('the vendor received 62 ETH on chain')
    // Critical and Existential took their attestations and delays on the chain's and signers' clocks.
    expect(stdout.match(/attests \(round 1/g)).toHaveLength(4 + 5)
    expect(stdout).toContain('… 48 h pass on the chain and on every signer')
    expect(stdout).toContain('… 72 h pass on the chain and on every signer')
    // The attacks, each refused with the codes the signer computed.
    expect(stdout).toMatch(/Bybit: .*: refused — .*tier-understated/)
    expect(stdout).toMatch(/Radiant: .*: refused — .*replacement-not-allowed/)
    expect(stdout).toMatch(/Nested Safe drain: .*: refused — /)
    for (const name of ['Alice', 'Bob', 'Carol', 'Dave', 'Erin']) {
      expect(stdout).toMatch(
        new RegExp(`${name}: verified, \\d+ entries; \\d+ witnessed heads: all contained in the log`),
      )
    }
    expect(stdout).toMatch(
      /4 tiers executed \(routine, emergency, critical, existential\), 3 of 3 attacks refused, 5 logs verified against their witnessed heads/,
    )
    expect(stdout).toMatch(/Report for the security leads: \S+report\.html/)
  })
})

describe('airlock audit report over the demo signers’ logs', () => {
  it('renders in Chromium with no network; a cut tail and an edited entry show up as such', async () => {
    expect(kept).not.toBe('')
    const alice = join(kept, 'signer-alice')
    const bob = join(kept, 'signer-bob')
    const logsOf = ['alice', 'bob', 'carol', 'dave', 'erin'].map((n) =>
      join(kept, `signer-${n}`, 'decisions.jsonl'),
    )
    const keys = logsOf.map((file) => JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!).publicKey)
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
      ...logsOf,
      ...common,
      '--out',
      join(kept, 'report-cli.html'),
    ])
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).toMatch(/Report of 5 log\(s\), \d+ verified entries, 0 anomalies \(0 critical\)/)

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
      await page.goto(`file://${join(kept, 'report-cli.html')}`)
      await page.waitForFunction(() => document.querySelectorAll('canvas').length >= 3)
      expect(await page.locator('.banner').textContent()).toBe('Every log verified; no critical anomaly.')
      expect(await page.locator('#s-velocity + h3').textContent()).toMatch(
        /ETH \(chain 31337\) — cap 1000 per 24 h/,
      )
      mkdirSync(screenshots, { recursive: true })
      await page.screenshot({ path: join(screenshots, 'report.png'), fullPage: false })

      await page.goto(`file://${join(kept, 'tampered.html')}`)
      const banner = await page.locator('.banner').textContent()
      // Bob's edit breaks his chain and every head witnessed after it: all are named.
      expect(banner).toMatch(/\d+ critical finding\(s\)/)
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
        /alice-cut\.jsonl \| truncated \| The log has (\d+) entries but the head of \d+ entries/,
      )
      expect(anomalies).toMatch(/bob-edited\.jsonl \| verify-failed \| Entry 2/)
      expect(anomalies).toMatch(/bob-edited\.jsonl \| forked \| The first \d+ entries have another root/)
      await page.screenshot({ path: join(screenshots, 'report-tampered.png'), fullPage: false })
      expect(requests).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
