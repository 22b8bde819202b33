// The signer desktop app end to end: the renderer in Debian Chromium, the preload API provided by the
// real handlers over a real signer state directory. A request prepared by the coordinator engine is
// filmed as animated QR into Chromium's fake camera, scanned, reviewed, signed with the software test
// key, and the answer QR read back off the screen is accepted by the coordinator's queue.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPgliteStore, ownerVerifier } from '@airlock/queue'
import { buildRenderer } from '@airlock/signer-app/build'
import type { Handlers } from '@airlock/signer-app/handlers'
import { SignatureResponse } from '@airlock/transport'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AppPage,
  launchChromium,
  openAppPage,
  openTestApp,
  payrollRequest,
  readAnswerQr,
  requestVideo,
  signerState,
} from './support/signer-app.ts'
import * as F from './support/signer-fixtures.ts'

describe('signer app: scan → review → sign → answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-signer-app-'))
  const payroll = payrollRequest({ count: 6 })
  let rendererDir: string
  let browser: Browser
  let api: Handlers
  let app: AppPage

  beforeAll(async () => {
    const [built, video] = await Promise.all([
      buildRenderer({ outDir: join(dir, 'renderer') }),
      requestVideo({ request: payroll.request, dir: join(dir, 'video') }),
      signerState(join(dir, 'state')),
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
    // Scanned through the fake camera; the Ledger (none plugged in here) is the default device.
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 60_000 })
      .toContain('Review')
    await expect(page.getByTestId('device-outcome').textContent()).resolves.toContain('disconnected')
    await page.getByLabel(/Software test key/).check()
    await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('SIGN')
    const safeTxHash = payroll.prepared.hashes.safeTxHash
    const body = await page.locator('main').textContent()
    const { domainHash, messageHash } = payroll.prepared.hashes
    for (const hash of [domainHash, messageHash]) expect(body).toContain(`0x${hash.slice(2).toUpperCase()}`)
    expect(body).toContain(safeTxHash)
    expect(body).toContain('UNTRUSTED')
    expect(body).toContain('Payroll: 6 transfers')
    expect(body).toContain('100 USDC')

    await page.getByRole('button', { name: /Continue to sign/ }).click()
    await page.getByRole('button', { name: /Sign with the software test key/ }).click()
    await expect.poll(() => page.getByTestId('sign-outcome').textContent()).toContain('released')
    await page.getByRole('button', { name: 'Show the answer QR' }).click()

    const answer = SignatureResponse.fromUr(await readAnswerQr(page))
    expect(answer.safeTxHash).toBe(safeTxHash)
    expect(answer.signer).toBe(F.owners[0]!.address)

    // The coordinator's queue takes it: the signature recovers to an owner over its own safeTxHash.
    const store = await openPgliteStore({ dataDir: 'memory' })
    try {
      const action = await store.createAction({
        safe: { chainId: 1n, address: F.TREASURY, version: '1.4.1' },
        tx: payroll.prepared.tx,
        title: payroll.prepared.title,
        requirements: { signatures: 3, attestations: 0, delaySeconds: 0 },
        actor: 'ops',
        analyze: { org: payroll.config.decoder },
        onchainNonce: 0n,
        submit: true,
      })
      const added = await store.addSignature(
        action.id,
        { signer: answer.signer, signature: answer.signature, kind: answer.kind },
        { actor: 'scan', verify: ownerVerifier({ owners: F.owners.map((o) => o.address) }) },
      )
      expect(added.status).toBe('added')
    } finally {
      await store.close()
    }
    expect(app.external).toEqual([])
  })
})
