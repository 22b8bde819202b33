// The signer app with a Safe message request (EIP-1271) scanned by QR, over the real handlers, engine
// and UR decoder: the review shows what the message authorises (the Permit2 allowance, its spender
// with its label, the amount in the token's units, the deadlines) and the hashes a Ledger shows; the
// software key signs it; the answer QR decodes to a signature by the owner over the hash the signer
// computed. A Permit to a stranger is refused with its reason and nothing to answer.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageEffects } from '@airlock/safe'
import type { FrameMetrics } from '@airlock/signer-app/api'
import { buildRenderer } from '@airlock/signer-app/build'
import { dispatch } from '@airlock/signer-app/ipc'
import { MessageRequest, MessageSignature, Ur, UrDecoder } from '@airlock/transport'
import { AxeBuilder } from '@axe-core/playwright'
import { type Address, recoverAddress, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { permitSingle, permitWitnessTransfer } from './support/messageFixtures.ts'
import {
  launchChromium,
  openAppPage,
  openTestApp,
  signerState,
  testOrigin,
  useTestApp,
} from './support/signer-app.ts'
import * as F from './support/signer-fixtures.ts'

const clear: FrameMetrics = { glare: 0, inverted: false, codeShare: 0.6 }
const STRANGER = '0x00000000000000000000000000000000DeaDBeef' as Address
// The app's signer runs on the real clock: a deadline a week from now.
const WEEK = Math.floor(Date.now() / 1000) + 7 * 86400
// A Permit2 allowance of `amount` USDC base units to the market maker, until a week from now.
const marketMakerPermit = (amount: bigint) =>
  permitSingle({ amount, token: F.USDC, spender: F.MARKET_MAKER, chainId: 1, deadline: WEEK })
let counter = 0
const request = (message: MessageRequest.MessageRequest['message']): MessageRequest.MessageRequest => {
  counter += 1
  return {
    requestId: toHex(counter, { size: 16 }),
    createdAt: F.T0,
    context: F.context(),
    message,
    title: 'Permit2 for the market maker',
    description: 'From the Transaction Service.',
  }
}
const parts = (r: MessageRequest.MessageRequest) =>
  Ur.encode({ ...MessageRequest.toUr(r), maxFragmentLength: 120 }).firstParts()

describe('signer app: Safe message requests', () => {
  const app = useTestApp('airlock-signer-messages-')

  it('scans a Permit2 message request, shows what it authorises, signs it with the software key and answers by QR', async () => {
    const message = marketMakerPermit(1_000n * F.USDC_UNIT)
    let view = await app.api.scanStart({ expect: 'request' })
    for (const part of parts(request(message)))
      view = await app.api.scanFrame({ texts: [part], metrics: clear })
    expect(view.complete, JSON.stringify(view)).toBe(true)

    const reviewed = await app.api.messageReview({ device: 'software' })
    if (reviewed.status !== 'reviewed') expect.fail(reviewed.outcome.message)
    const review = reviewed.review
    expect(review.allowed, JSON.stringify(review.refusals)).toBe(true)
    expect(review.message).toBe(`typed data PermitSingle on ${MessageEffects.PERMIT2}`)
    expect(review.permits).toEqual([
      {
        kind: 'allowance',
        what: 'Permit2 allowance',
        asset: F.USDC,
        assetLabel: 'USDC',
        spender: F.MARKET_MAKER,
        spenderLabel: 'Market maker',
        amount: '1000000000',
        units: '1000 USDC',
        unlimited: false,
      },
    ])
    expect(review.deadlines).toEqual([
      {
        path: 'sigDeadline',
        kind: 'signature',
        at: MessageEffects.deadlineText(BigInt(WEEK)),
        expired: false,
      },
      {
        path: 'details.expiration',
        kind: 'allowance',
        at: MessageEffects.deadlineText(BigInt(WEEK)),
        expired: false,
      },
    ])
    expect(review.hashes?.domainHash).toMatch(/^0x[0-9A-F]{64}$/)
    expect(review.untrusted.title).toBe('Permit2 for the market maker')
    // A transaction review has nothing to show: the scan carried a message.
    await expect(app.api.review({ device: 'software', acknowledgeReplacement: false })).rejects.toThrow(
      /no signing request/,
    )

    const signed = await app.api.messageSign({ device: 'software' })
    if (signed.status !== 'released') expect.fail(JSON.stringify(signed))
    expect(signed.safeMessageHash).toBe(review.hashes?.safeMessageHash)
    const answer = await app.api.messageAnswer({ density: 'medium' })
    const decoder = new UrDecoder({ expectedTypes: [MessageSignature.urType] })
    let result: ReturnType<UrDecoder['result']>
    for (const part of answer.parts) {
      decoder.receive(part)
      result = decoder.result()
      if (result) break
    }
    const response = MessageSignature.fromUr(decoder.result()!)
    expect(response.signer).toBe(F.owners[0]!.address)
    expect(await recoverAddress({ hash: response.messageHash, signature: response.signature })).toBe(
      F.owners[0]!.address,
    )
    // Over IPC the same: the method list carries the message methods.
    const reply = await dispatch({
      api: app.api,
      method: 'messageReview',
      senderUrl: `${testOrigin}/index.html`,
      arg: { device: 'keystone' },
      origin: testOrigin,
    })
    expect(reply).toMatchObject({
      ok: true,
      value: { status: 'device-error', outcome: { code: 'keystone-messages' } },
    })
  })

  it('refuses a witness transfer to a stranger, shows the witness, and has nothing to answer', async () => {
    const message = permitWitnessTransfer({
      transfers: [{ token: F.USDC, amount: 5_000n * F.USDC_UNIT }],
      spender: STRANGER,
      chainId: 1,
      deadline: WEEK,
      recipient: STRANGER,
    })
    const freshDir = mkdtempSync(join(tmpdir(), 'airlock-signer-messages-2-'))
    await signerState(freshDir)
    const fresh = await openTestApp(freshDir)
    try {
      await fresh.importText({ expect: 'request', text: parts(request(message)).join('\n') })
      const signed = await fresh.messageSign({ device: 'software' })
      if (signed.status !== 'refused') expect.fail(signed.status)
      expect(signed.refusals.map((r) => r.code)).toEqual(
        expect.arrayContaining(['treasury.unknown-recipient', 'airlock.core.unknown-effect']),
      )
      expect(signed.review?.permits).toMatchObject([
        { kind: 'transfer', spender: STRANGER, spenderLabel: undefined, units: '5000 USDC' },
      ])
      expect(signed.review?.witness?.json).toContain(`"recipient":"${STRANGER}"`)
      expect(signed.review?.unknown).toContain('witness')
      await expect(fresh.messageAnswer({ density: 'medium' })).rejects.toThrow(/No Safe message was signed/)
    } finally {
      await fresh.close()
      rmSync(freshDir, { recursive: true, force: true })
    }
  })

  it('in the window: a message request imported from a file is reviewed, signed and answered by QR, with no network request', async () => {
    const windowDir = mkdtempSync(join(tmpdir(), 'airlock-signer-messages-window-'))
    const [rendererDir] = await Promise.all([
      buildRenderer({ outDir: join(windowDir, 'renderer') }),
      signerState(join(windowDir, 'state')),
    ])
    const browser = await launchChromium()
    const windowApi = await openTestApp(join(windowDir, 'state'))
    try {
      const { page, external } = await openAppPage({ browser, rendererDir, api: windowApi })
      const message = marketMakerPermit(2_500n * F.USDC_UNIT)
      await page.locator('#import-request').setInputFiles({
        name: 'message.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(parts(request(message)).join('\n')),
      })
      await page.getByLabel(/Software test key/).check()
      await expect.poll(() => page.getByTestId('message-verdict').textContent()).toContain('SIGN MESSAGE')
      const permits = await page.getByTestId('message-permits').textContent()
      expect(permits).toContain('Permit2 allowance')
      expect(permits).toContain('2500 USDC')
      expect(permits).toContain('Market maker')
      expect(await page.getByTestId('message-deadlines').textContent()).toContain('Signature valid until')
      expect(await page.getByTestId('message-hashes').textContent()).toMatch(/Domain hash0x[0-9A-F]{64}/)
      const { violations } = await new AxeBuilder({ page }).analyze()
      expect(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
      ).toEqual([])
      await page.screenshot({
        path: join(import.meta.dirname, '..', 'docs', 'screenshots', 'signer-message.png'),
      })
      await page.getByTestId('message-sign').click()
      await expect
        .poll(() => page.getByTestId('message-released').textContent())
        .toContain(F.owners[0]!.address)
      expect(await page.getByTestId('message-answer').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
      expect(external).toEqual([])
    } finally {
      await browser.close()
      await windowApi.close()
      rmSync(windowDir, { recursive: true, force: true })
    }
  }, 120_000)
})
