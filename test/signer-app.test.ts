// The signer desktop app end to end: the renderer in Debian Chromium, the preload API provided by the
// real handlers over a real signer state directory. A request prepared by the coordinator engine is
// filmed as animated QR into Chromium's fake camera, scanned, reviewed, signed with the software test
// key, and the answer QR read back off the screen is accepted by the queue's signature verifier. Then: a
// malicious request is refused with its reasons and no sign button, the log verifies, a new policy
// bundle is installed from a file, every screen passes axe and is written to docs/screenshots/, and
// the whole flow works from the keyboard alone.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Action, verifySignature } from '@airlock/queue'
import { NestedSafe, SafeTx, SafeTxHash } from '@airlock/safe'
import { buildRenderer } from '@airlock/signer-app/build'
import type { Handlers } from '@airlock/signer-app/handlers'
import { EthSignRequest, SignatureResponse, SignRequest, Ur } from '@airlock/transport'
import { AxeBuilder } from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { encodeFunctionData, erc20Abi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AppPage,
  enrolSignerSet,
  keystoneAnswers,
  launchChromium,
  openAppPage,
  openTestApp,
  payrollRequest,
  readAnswerQr,
  requestVideo,
  signerState,
  withKeystoneAccount,
} from './support/signer-app.ts'
import * as F from './support/signer-fixtures.ts'

const screenshots = join(import.meta.dirname, '..', 'docs', 'screenshots')

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `signer-${name}.png`), fullPage: false })
}

// axe-core over the page as it is now: no serious or critical violation.
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze()
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  expect(serious).toEqual([])
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent()

// An owner Safe of the treasury (in the enrolled bundle's org), for nested approvals.
const OWNER_SAFE = '0x0000000000000000000000000000000000000e5a' as const

// A request as a file of UR parts, one per line (the Scan screen's file import).
const partsFile = (request: SignRequest.SignRequest) =>
  Ur.encode({ ...SignRequest.toUr(request), maxFragmentLength: 150 })
    .firstParts()
    .join('\n')

// The Scan screen's file import: a request file chosen instead of the camera.
async function importRequest(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Scan', exact: true }).click()
  await page.locator('#import-request').setInputFiles({
    name: 'request.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(text),
  })
}

// The request file a compromised coordinator could hand over: the Bybit shape (a delegatecall to a
// contract nobody trusts), labelled as routine payroll.
function maliciousPartsFile(): string {
  const tx = SafeTx.from({
    to: '0x96221423681A6d52E184D440a8eFCEbB105C7242',
    operation: 1,
    nonce: 7,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [F.MARKET_MAKER, 0n] }),
  })
  return partsFile(F.request(tx, { claimedTier: 'routine', title: 'Routine payroll top-up' }))
}

describe('signer app in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-signer-app-'))
  const payroll = payrollRequest({ count: 6 })
  let rendererDir: string
  let browser: Browser
  let api: Handlers
  let app: AppPage

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true })
    const [built, video] = await Promise.all([
      buildRenderer({ outDir: join(dir, 'renderer') }),
      requestVideo({ request: payroll.request, dir: join(dir, 'video') }),
      signerState(join(dir, 'state')).then(() =>
        enrolSignerSet(join(dir, 'state'), { ownerSafe: OWNER_SAFE }),
      ),
      signerState(join(dir, 'keyboard-state')).then(() => enrolSignerSet(join(dir, 'keyboard-state'))),
      signerState(join(dir, 'keystone-state')),
    ])
    rendererDir = built
    browser = await launchChromium({ video: video.path })
    api = await openTestApp(join(dir, 'state'))
    app = await openAppPage({ browser, rendererDir, api })
  })

  afterAll(async () => {
    await browser?.close()
    await api?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('scans the coordinator’s request through the camera, signs it, and the coordinator accepts the answer', async () => {
    const { page } = app
    await expect.poll(() => heading(page), { timeout: 60_000 }).toContain('Review')
    // No Ledger is plugged in here: the default device reports its outcome and what to do.
    const outcome = await page.getByTestId('device-outcome').textContent()
    expect(outcome).toContain('disconnected')
    expect(outcome).toContain('What to do: Plug it in')
    await shoot(page, 'ledger-unplugged')

    await page.getByLabel(/Software test key/).check()
    await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('SIGN')
    const body = await page.locator('main').textContent()
    const { domainHash, messageHash, safeTxHash } = payroll.prepared.hashes
    for (const hash of [domainHash, messageHash]) expect(body).toContain(`0x${hash.slice(2).toUpperCase()}`)
    expect(body).toContain(safeTxHash)
    expect(body).toContain('UNTRUSTED')
    expect(body).toContain('Payroll: 6 transfers')
    expect(body).toContain('100000000 = 100 USDC')
    // Every argument with the label of the address it names (the org's address book).
    expect(body?.toLowerCase()).toContain(`${F.PAYROLL} (Payroll)`.toLowerCase())
    expect(await page.locator('li.call').count()).toBe(7) // the MultiSend and its six transfers
    // Nested calls are indented under the batch (the depth reaches the style under the strict CSP).
    const indents = await page
      .locator('li.call')
      .evaluateAll((calls) => calls.map((call) => Number.parseFloat(getComputedStyle(call).marginLeft)))
    expect(indents[0]).toBe(0)
    expect(indents.slice(1).every((indent) => indent > 0)).toBe(true)
    const breaker = await page.getByTestId('breaker').textContent()
    expect(breaker).toContain('calm')
    expect(breaker).toMatch(/of the \d+(\.\d+)?% that trips it/)
    await shoot(page, 'review')
    await expectAccessible(page, 'review')

    await page.getByRole('button', { name: /Continue to sign/ }).click()
    await page.getByRole('button', { name: /Sign with the software test key/ }).click()
    await expect.poll(() => page.getByTestId('sign-outcome').textContent()).toContain('released')
    await shoot(page, 'sign')
    await expectAccessible(page, 'sign')
    await page.getByRole('button', { name: 'Show the answer QR' }).click()

    // With its receipt and log head the answer is animated: QrSender's dense and sparse sessions of
    // the same message interleaved, read back together by one decoder.
    await expect
      .poll(() => page.getByTestId('answer-qr-sessions').textContent())
      .toMatch(/^\d streams of the same message, interleaved: dense \(version \d+, \d+ parts/)
    const answer = SignatureResponse.fromUr(await readAnswerQr(page))
    expect(answer.safeTxHash).toBe(safeTxHash)
    expect(answer.signer).toBe(F.owners[0]!.address)
    expect(answer.receipt).toBeDefined()
    await shoot(page, 'answer')
    await expectAccessible(page, 'answer')

    // The coordinator's verifier (the one the queue runs before storing) accepts it for its own
    // action, and would refuse it for any other transaction.
    const action = { safeTxHash, tier: payroll.prepared.analysis.tier } as Action
    const owners = F.owners.map((o) => o.address)
    const verdict = await verifySignature({ ...answer, action, owners })
    expect(verdict).toEqual({ ok: true, signer: F.owners[0]!.address })
    const other = {
      ...action,
      safeTxHash: payrollRequest({ count: 6, nonce: 1n }).prepared.hashes.safeTxHash,
    }
    expect(await verifySignature({ ...answer, action: other, owners })).toMatchObject({
      ok: false,
      reason: 'wrong-signer',
    })
  })

  it('sent no network request during the whole scan, review and sign', () => {
    expect(app.external).toEqual([])
  })

  it('shows a malicious request’s refusal reasons and offers no sign button', async () => {
    const { page } = app
    await importRequest(page, maliciousPartsFile())
    await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('REFUSED')
    const verdict = await page.getByTestId('verdict').textContent()
    expect(verdict).toContain('tier-understated')
    expect(await page.locator('.finding.critical').first().textContent()).toContain('delegatecall-untrusted')
    expect(await page.locator('.untrusted').textContent()).toContain('MISMATCH')
    expect(await page.getByRole('button', { name: /Continue to/ }).count()).toBe(0)
    await shoot(page, 'review-refused')
    await expectAccessible(page, 'review-refused')
    await page.getByRole('button', { name: 'Sign', exact: true }).click()
    expect(await page.getByRole('button', { name: /^(Sign|Attest) with/ }).count()).toBe(0)
    expect(await page.locator('main').textContent()).toContain('There is nothing to sign')
  })

  it('shows what this signer already released for the same Safe and nonce', async () => {
    const { page } = app
    await importRequest(page, partsFile(payrollRequest({ count: 5 }).request))
    await expect.poll(() => heading(page)).toBe('Review: treasury nonce 0')
    const prior = page.getByTestId('prior')
    await expect
      .poll(() => prior.textContent())
      .toContain(`safe-signature over ${payroll.prepared.hashes.safeTxHash}`)
    expect(await page.getByLabel(/I intend to replace the transaction/).count()).toBe(1)
  })

  it('shows an owner Safe’s approveHash with the approved transaction of the Safe it owns', async () => {
    const { page } = app
    const inner = F.ethTransfer(F.PAYROLL, F.ETH, 4)
    const { safeTxHash } = SafeTxHash.compute({ tx: inner, context: F.context() })
    const { tx } = NestedSafe.approval({
      safeTxHash,
      child: F.TREASURY,
      parent: F.context(OWNER_SAFE),
      nonce: 0,
    })
    const request = {
      ...F.request(tx, { ctx: F.context(OWNER_SAFE) }),
      approves: { context: F.context(), tx: inner },
    }
    await importRequest(page, partsFile(request))
    await expect.poll(() => heading(page)).toBe('Review: owner-safe nonce 0')
    const approves = page.getByTestId('approves')
    const shown = await approves.textContent()
    expect(shown).toContain(`Approves a transaction of Safe ${F.TREASURY}`)
    expect(shown).toContain(safeTxHash)
    expect(shown).toContain('MATCHES')
    // The approved transaction's call decoded under approveHash, with its recipient's label.
    const calls = await page.locator('li.call').allTextContents()
    expect(calls[0]).toContain('approveHash')
    expect(calls[1]).toMatch(/CALL to 0x0+2001 \(Payroll\), value 1000000000000000000 wei \(1 native\)/)
    await approves.scrollIntoViewIfNeeded()
    await shoot(page, 'review-nested')
    await expectAccessible(page, 'review-nested')
  })

  it('filters and verifies the decision log', async () => {
    const { page } = app
    await page.getByRole('button', { name: 'Log', exact: true }).click()
    await page.getByLabel('Show').selectOption('refusals')
    await expect.poll(() => page.locator('table.log tbody tr').count()).toBeGreaterThan(0)
    expect(await page.locator('table.log tbody').textContent()).not.toContain('signed')
    await page.getByLabel('Show').selectOption('signatures')
    await expect.poll(() => page.locator('table.log tbody tr').count()).toBe(1)
    await page.getByRole('button', { name: 'Verify the log' }).click()
    await expect
      .poll(() => page.getByTestId('verify-result').textContent())
      .toContain('every signature valid')
    await page.getByLabel('Show').selectOption('all')
    await shoot(page, 'log')
    await expectAccessible(page, 'log')
  })

  it('installs a newer policy bundle from a file, showing what changes', async () => {
    const { page } = app
    await page.getByRole('button', { name: 'Policy', exact: true }).click()
    await page.getByRole('button', { name: /Install a new bundle/ }).click()
    // Version 2 (the signer set's enrolment) is installed: the candidate is version 3.
    const next = await F.bundle({ version: 3, org: F.orgJson({ signerRules: { allowReplacement: false } }) })
    await page.locator('#import-policy').setInputFiles({
      name: 'bundle.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(next)),
    })
    await expect.poll(() => page.locator('main').textContent()).toContain('Candidate bundle version 3: valid')
    const main = await page.locator('main').textContent()
    expect(main).toContain('version 2 → 3')
    expect(main).toContain('org signerRules changed')
    await shoot(page, 'policy')
    await expectAccessible(page, 'policy')
    await page.getByRole('button', { name: 'Install version 3' }).click()
    await expect.poll(() => page.getByTestId('air-gap').textContent()).toContain('Policy version 3')
  })

  it('signs with a Keystone: the request shown as a code the Keystone reads, its answer imported', async () => {
    const keystoneOwner = await withKeystoneAccount(join(dir, 'keystone-state'))
    const keystoneApi = await openTestApp(join(dir, 'keystone-state'))
    const { page, context, external } = await openAppPage({ browser, rendererDir, api: keystoneApi })
    try {
      await expect.poll(() => heading(page), { timeout: 60_000 }).toContain('Review')
      await page.getByLabel(/Keystone/).check()
      await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('SIGN')
      expect(await page.locator('main').textContent()).toContain('SafeTx nonce')
      await page.getByRole('button', { name: /Continue to sign/ }).click()
      await page.getByRole('button', { name: /Sign with the Keystone/ }).click()
      // The Keystone reads the animated code off the screen, signs, and shows its answer.
      const asked = await readAnswerQr(page, { testId: 'keystone-qr', type: EthSignRequest.urType })
      const answer = await keystoneAnswers({ request: asked, key: keystoneOwner })
      await shoot(page, 'keystone')
      await expectAccessible(page, 'keystone')
      await page.locator('#import-keystone').setInputFiles({
        name: 'keystone.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(answer.join('\n')),
      })
      await expect.poll(() => page.getByTestId('sign-outcome').textContent()).toContain('released')
      expect(await page.getByTestId('sign-outcome').textContent()).toContain(keystoneOwner.address)
      expect(external).toEqual([])
    } finally {
      await context.close()
      await keystoneApi.close()
    }
  })

  it('does the whole flow from the keyboard alone, and every screen passes axe', async () => {
    const keyboardApi = await openTestApp(join(dir, 'keyboard-state'))
    const { page, context, external } = await openAppPage({ browser, rendererDir, api: keyboardApi })
    try {
      await page.waitForSelector('[data-scan-ready="true"]')
      await shoot(page, 'scan')
      await expectAccessible(page, 'scan')
      await expect.poll(() => heading(page), { timeout: 60_000 }).toContain('Review')
      // Focus is on the review's heading; Tab reaches the device choice, arrows pick the software key.
      await tabTo(page, 'input[value="ledger"]')
      await page.keyboard.press('ArrowDown')
      await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('SIGN')
      await tabTo(page, 'button.primary')
      await page.keyboard.press('Enter')
      await expect.poll(() => heading(page)).toContain('Sign with')
      await tabTo(page, 'button.primary')
      await page.keyboard.press('Enter')
      await expect.poll(() => page.getByTestId('sign-outcome').textContent()).toContain('released')
      await tabTo(page, '[data-testid="sign-outcome"] button')
      await page.keyboard.press('Enter')
      await expect.poll(() => heading(page)).toBe('Answer')
      const answer = SignatureResponse.fromUr(await readAnswerQr(page))
      expect(answer.signer).toBe(F.owners[0]!.address)
      // The density control is reachable and changes the code: both sessions a step sparser.
      const sessions = page.getByTestId('answer-qr-sessions')
      const medium = await sessions.textContent()
      await tabTo(page, '#density')
      await page.keyboard.press('ArrowDown')
      await expect.poll(() => page.getByLabel('Density').inputValue()).toBe('sparse')
      await expect.poll(() => sessions.textContent()).not.toBe(medium)
      const [before, after] = [versions(medium), versions(await sessions.textContent())]
      expect(after).toHaveLength(before.length)
      expect(after.every((v, i) => v <= before[i]!) && after.some((v, i) => v < before[i]!)).toBe(true)
      expect(SignatureResponse.fromUr(await readAnswerQr(page)).signer).toBe(F.owners[0]!.address)
      expect(external).toEqual([])
    } finally {
      await context.close()
      await keyboardApi.close()
    }
  })
})

// The QR versions a sessions line names, densest first.
function versions(text: string | null): number[] {
  return [...(text ?? '').matchAll(/version (\d+)/g)].map((m) => Number(m[1]))
}

// Presses Tab until the element matching `selector` has focus (at most 40 presses).
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`Tab never reached ${selector}`)
}
