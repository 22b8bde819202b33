// Both desktop apps in one test, each in its own Chromium: the coordinator window (its real handlers
// over the PGlite queue and anvil) and one signer window per owner (the real signer handlers over
// that owner's state directory). What crosses between them is only what a camera sees: the QR frames
// read off one window are filmed into a y4m video that the other window's fake camera plays.
import type { Api } from '@airlock/coordinator-app/api'
import type { Handlers } from '@airlock/signer-app/handlers'
import { openStateDir } from '@airlock/signer-core/node'
import { SignatureResponse, SignRequest, UrDecoder } from '@airlock/transport'
import type { Browser, Page } from 'playwright-core'
import type { HDAccount } from 'viem'
import { expect } from 'vitest'
import {
  type AppPage,
  launchChromium as launchCoordinatorChromium,
  openAppPage as openCoordinatorPage,
  partsVideo,
  readShownQr,
  tab,
} from './coordinator-app-browser.ts'
import { cedar, privateKeyOf, type World } from './coordinator-app-world.ts'
import {
  launchChromium as launchSignerChromium,
  openAppPage as openSignerPage,
  openTestApp,
  readAnswerQr,
} from './signer-app.ts'

/** One owner's offline signer app: its state directory (the world's bundle, the owner's software key). */
export type SignerApp = { owner: HDAccount; api: Handlers }

/**
 * Sets up `dir` as the owner's signer state directory and opens the signer app's handlers over it,
 * on a machine with loopback only, with `clock` as its clock.
 */
export async function openSignerApp({
  world,
  owner,
  dir,
  clock,
}: {
  world: World
  owner: HDAccount
  dir: string
  clock: () => Date
}): Promise<SignerApp> {
  const state = await openStateDir({ dir, cedar, clock })
  try {
    await state.installBundle(world.bundle)
    await state.saveDevKey(privateKeyOf(owner))
  } finally {
    await state.close()
  }
  return { owner, api: await openTestApp(dir, { clock }) }
}

/**
 * Reads the coordinator's animated request off its QR screen, frame by frame as a camera would, until
 * the fountain decoder completes; returns the request and every distinct part read, in order.
 */
export async function readRequestParts(
  page: Page,
): Promise<{ request: SignRequest.SignRequest; parts: string[] }> {
  const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
  const parts: string[] = []
  for (let attempt = 0; attempt < 300; attempt++) {
    for (const text of await readShownQr(page)) {
      if (!parts.includes(text)) parts.push(text)
      const status = decoder.receive(text)
      if (status.status === 'complete') return { request: SignRequest.fromUr(status.result), parts }
    }
    await page.waitForTimeout(40)
  }
  throw new Error('The request QR did not decode.')
}

/** Launches a Chromium whose camera plays `parts` as QR codes, one after the other, in a loop. */
async function cameraShowing({
  parts,
  dir,
  launch,
}: {
  parts: readonly string[]
  dir: string
  launch: (options: { video: string }) => Promise<Browser>
}): Promise<Browser> {
  const video = await partsVideo({ parts, dir, holdFrames: 5 })
  return launch({ video })
}

export type Answer = { response: SignatureResponse.SignatureResponse; parts: string[] }

/**
 * The request's parts, filmed, are scanned by each signer app in turn (a fresh window per owner, all
 * in one Chromium whose camera plays the film); each reviews it with the software test key, expects
 * `verdict` ('SIGN' or 'ATTEST'), signs or attests, and shows its answer, which is read off the
 * screen. Every signer window must have sent no request anywhere.
 */
export async function signInSignerApps({
  signers,
  requestParts,
  rendererDir,
  dir,
  verdict,
  browsers,
}: {
  signers: readonly SignerApp[]
  requestParts: readonly string[]
  rendererDir: string
  dir: string
  verdict: 'SIGN' | 'ATTEST'
  /** Launched browsers are added here, for the caller to close. */
  browsers: Browser[]
}): Promise<Answer[]> {
  const browser = await cameraShowing({ parts: requestParts, dir, launch: launchSignerChromium })
  browsers.push(browser)
  const answers: Answer[] = []
  for (const { owner, api } of signers) {
    const { page, context, external } = await openSignerPage({ browser, rendererDir, api })
    const heading = () => page.getByRole('heading', { level: 1 }).textContent()
    await expect.poll(heading, { timeout: 60_000 }).toContain('Review')
    await page.getByLabel(/Software test key/).check()
    await expect.poll(() => page.getByTestId('verdict').textContent()).toContain(verdict)
    const act = verdict === 'ATTEST' ? 'attest' : 'sign'
    await page.getByRole('button', { name: new RegExp(`Continue to ${act}`) }).click()
    await page.getByRole('button', { name: new RegExp(`${act} with the software test key`, 'i') }).click()
    await expect.poll(() => page.getByTestId('sign-outcome').textContent()).toContain('released')
    await page.getByRole('button', { name: 'Show the answer QR' }).click()
    const parts: string[] = []
    const response = SignatureResponse.fromUr(await readAnswerQr(page, { parts }))
    expect(response.signer).toBe(owner.address)
    expect(external).toEqual([])
    await context.close()
    answers.push({ response, parts })
  }
  return answers
}

/**
 * Opens a coordinator window whose camera plays the answers (each answer's parts in a row) on its
 * Scan screen, and waits until it has added every one of them.
 */
export async function scanAnswersInCoordinator({
  answers,
  api,
  rendererDir,
  dir,
  browsers,
}: {
  answers: readonly Answer[]
  api: Api
  rendererDir: string
  dir: string
  browsers: Browser[]
}): Promise<AppPage> {
  const browser = await cameraShowing({
    parts: answers.flatMap((a) => a.parts),
    dir,
    launch: launchCoordinatorChromium,
  })
  browsers.push(browser)
  const app = await openCoordinatorPage({ browser, rendererDir, api })
  await tab(app.page, 'Scan answers')
  const results = app.page.getByTestId('scan-results')
  // Done when every answer was added; if not, the failure shows the results, rejections with their reasons.
  const scanned = async () => {
    const text = (await results.textContent()) ?? ''
    return text.includes('Rejected') ? text : (text.match(/Added the/g) ?? []).length >= answers.length
  }
  await expect.poll(scanned, { timeout: 60_000 }).toBe(true)
  return app
}
