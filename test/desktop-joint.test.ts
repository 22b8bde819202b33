// Both desktop apps end to end, each in its own Debian Chromium, against the real engines and anvil
// with the official Safe contracts: the coordinator window (its real handlers, the PGlite queue) and
// a signer window per owner (the signer app's real handlers over that owner's state directory and
// software test key). Nothing passes between them but QR codes: the coordinator's request frames read
// off its screen become the signers' fake-camera video; the answers read off each signer's screen
// become the coordinator's. A payroll (two owners), a guardian pause from a sentry alert (one owner of
// the guardian Safe), and a Critical timelock schedule (three attestations, the delay by chain time
// with anvil time travel, then two signatures) are each executed on the chain.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRenderer as buildCoordinatorRenderer } from '@airlock/coordinator-app/build'
import type { createHandlers } from '@airlock/coordinator-app/handlers'
import { Timelock } from '@airlock/coordinator-core'
import { openPgliteStore, type Store } from '@airlock/queue'
import { SafeTxHash } from '@airlock/safe'
import { buildRenderer as buildSignerRenderer } from '@airlock/signer-app/build'
import type { Browser, Page } from 'playwright-core'
import { encodeFunctionData, parseAbi, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AppPage,
  appUrl,
  fillPayroll,
  launchChromium,
  openAppPage,
  tab,
} from './support/coordinator-app-browser.ts'
import {
  drainVault,
  executeOnTimelock,
  readVault,
  reservesRules,
  startWorld,
  type World,
  worldHandlers,
} from './support/coordinator-app-world.ts'
import {
  openSignerApp,
  readRequestParts,
  type SignerApp,
  scanAnswersInCoordinator,
  signInSignerApps,
} from './support/desktop-joint.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-desktop-joint-'))
const vaultAbi = parseAbi(['function transferOwnership(address newOwner)'])

let world: World
let store: Store
let api: ReturnType<typeof createHandlers>
let coordinatorRenderer: string
let signerRenderer: string
let signers: SignerApp[]
let offsetSeconds = 0
// Everyone's clock (the queue's and each signer's) moves with the chain's when the test travels.
const clock = () => new Date(Date.now() + offsetSeconds * 1000)
const browsers: Browser[] = []
const windows: AppPage[] = []

beforeAll(async () => {
  const [w, coordinatorDir, signerDir] = await Promise.all([
    startWorld(),
    buildCoordinatorRenderer({ outDir: join(dir, 'coordinator-renderer') }),
    buildSignerRenderer({ outDir: join(dir, 'signer-renderer') }),
  ])
  world = w
  coordinatorRenderer = coordinatorDir
  signerRenderer = signerDir
  store = await openPgliteStore({ dataDir: 'memory', now: clock })
  api = await worldHandlers({ world, store })
  signers = await Promise.all(
    world.owners.map((owner, i) => openSignerApp({ world, owner, dir: join(dir, `signer-${i}`), clock })),
  )
}, 180_000)

afterAll(async () => {
  for (const browser of browsers) await browser.close()
  for (const signer of signers ?? []) await signer.api.close()
  await store?.close()
  await world?.anvil.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** The coordinator window without a camera (composing, showing QR, the sentry). */
async function coordinatorWindow(): Promise<Page> {
  if (!windows[0]) {
    const browser = await launchChromium()
    browsers.push(browser)
    windows.push(await openAppPage({ browser, rendererDir: coordinatorRenderer, api }))
  }
  return windows[0]!.page
}

/** The request QR of the action just queued (or picked), read off the coordinator's screen. */
async function shownRequest(page: Page) {
  await expect.poll(() => page.getByTestId('qr-frame').isVisible()).toBe(true)
  return readRequestParts(page)
}

/** The signers' round: each scans the request, signs or attests, and shows its answer. */
function signRound(
  owners: readonly number[],
  requestParts: readonly string[],
  name: string,
  verdict: 'SIGN' | 'ATTEST' = 'SIGN',
) {
  return signInSignerApps({
    signers: owners.map((i) => signers[i]!),
    requestParts,
    rendererDir: signerRenderer,
    dir: join(dir, `${name}-request`),
    verdict,
    browsers,
  })
}

/** The coordinator scans the answers through its camera, then executes the action from its queue. */
async function scanAndExecute(answers: Awaited<ReturnType<typeof signRound>>, name: string, card: RegExp) {
  const scanner = await scanAnswersInCoordinator({
    answers,
    api,
    rendererDir: coordinatorRenderer,
    dir: join(dir, `${name}-answers`),
    browsers,
  })
  windows.push(scanner)
  const { page } = scanner
  await tab(page, 'Queue')
  const action = page.getByRole('article', { name: card })
  await expect.poll(() => action.getByTestId('state').textContent()).toBe('ready')
  await action.getByRole('button', { name: 'Execute' }).click()
  await expect
    .poll(() => page.getByTestId('execute-result').first().textContent(), { timeout: 30_000 })
    .toContain('confirmed')
}

async function travel(seconds: number) {
  await world.anvil.testClient.increaseTime({ seconds })
  await world.anvil.testClient.mine({ blocks: 1 })
  offsetSeconds += seconds
}

describe('the coordinator and signer desktop apps together', { timeout: 240_000 }, () => {
  it('a payroll composed in the coordinator, signed in two signer apps, executed on anvil', async () => {
    const page = await coordinatorWindow()
    await tab(page, 'Compose')
    await fillPayroll(page, { count: 4, amount: '0.2', title: 'March payroll' })
    await page.getByRole('button', { name: 'Queue for signing' }).click()
    await expect.poll(() => page.getByTestId('queued').isVisible()).toBe(true)
    expect(await page.getByTestId('prediction').textContent()).toContain('Signers will sign')
    await page.getByRole('button', { name: 'Show the request QR' }).click()
    const { request, parts } = await shownRequest(page)
    expect(request.title).toBe('March payroll')
    const [queued] = await store.listActions()
    const { safeTxHash } = SafeTxHash.compute({ tx: request.tx, context: request.context })
    expect(queued?.safeTxHash).toBe(safeTxHash)

    const answers = await signRound([0, 1], parts, 'payroll')
    for (const answer of answers) expect(answer.response.safeTxHash).toBe(safeTxHash)

    const balances = () =>
      Promise.all(
        [world.treasury, ...world.contributors].map((address) =>
          world.anvil.publicClient.getBalance({ address }),
        ),
      )
    const before = await balances()
    await scanAndExecute(answers, 'payroll', /^March payroll/)
    const after = await balances()
    expect(after[0]! - before[0]!).toBe(-parseEther('0.8'))
    for (let i = 1; i <= 4; i++) expect(after[i]! - before[i]!).toBe(parseEther('0.2'))
    expect((await store.getAction(queued!.id)).state).toBe('executed')
  })

  it('a sentry alert: one click to the guardian request, signed in the signer app, the vault paused', async () => {
    const page = await coordinatorWindow()
    await tab(page, 'Sentry')
    await page.getByLabel(/^Rules/).fill(JSON.stringify(reservesRules(world), null, 2))
    await page.getByRole('button', { name: 'Save rules' }).click()
    await drainVault(world, parseEther('500'))
    await page.getByRole('button', { name: 'Check now' }).click()
    await expect.poll(() => page.getByTestId('alerts').textContent()).toContain('500 TUSD')

    await page.getByRole('button', { name: 'Pause now (guardian)' }).click()
    await expect.poll(() => page.getByTestId('queued').isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Show the request QR' }).click()
    const { request, parts } = await shownRequest(page)
    expect(request.context.safe).toBe(world.guardian)
    expect(request.claimedTier).toBe('emergency')

    const answers = await signRound([0], parts, 'pause')
    expect(await readVault(world, 'paused')).toBe(false)
    await scanAndExecute(answers, 'pause', /Emergency pause/)
    expect(await readVault(world, 'paused')).toBe(true)
  })

  it('a Critical timelock schedule: three attestations, the delay by chain time, two signatures, executed', async () => {
    const page = await coordinatorWindow()
    const newOwner = world.executor.address
    const data = encodeFunctionData({ abi: vaultAbi, functionName: 'transferOwnership', args: [newOwner] })
    await tab(page, 'Compose')
    await page.getByRole('radio', { name: 'Timelock' }).check()
    await page.getByLabel('Target', { exact: true }).fill(world.vault)
    await page.getByLabel('Value', { exact: true }).fill('0')
    await page.getByLabel('Data', { exact: true }).fill(data)
    await page.getByLabel('Delay', { exact: true }).fill('3600')
    await page.getByLabel(/^Title/).fill('Hand the vault to the new owner')
    await page.getByRole('button', { name: 'Queue for signing' }).click()
    await expect.poll(() => page.getByTestId('queued').isVisible()).toBe(true)
    const foresight = await page.getByTestId('foresight').textContent()
    expect(foresight).toContain('critical')
    expect(foresight).toContain('3 approval attestation(s)')
    expect(await page.getByTestId('prediction').textContent()).toContain('Signers will attest')
    await page.getByRole('button', { name: 'Show the request QR' }).click()
    const first = await shownRequest(page)

    // Round 1: every owner's signer app attests (M+1 = 3 of 3); the coordinator scans them.
    const attestations = await signRound([0, 1, 2], first.parts, 'attest', 'ATTEST')
    for (const a of attestations) expect(a.response.kind).toBe('approval-attestation')
    const scanner = await scanAnswersInCoordinator({
      answers: attestations,
      api,
      rendererDir: coordinatorRenderer,
      dir: join(dir, 'attest-answers'),
      browsers,
    })
    windows.push(scanner)
    await tab(scanner.page, 'Queue')
    const card = scanner.page.getByRole('article', { name: /^Hand the vault/ })
    await expect
      .poll(() => card.getByTestId('countdown').textContent())
      .toMatch(/^Delay: (2d|1d 23h \d+m) left \(chain time\)$/)
    expect(await card.getByTestId('state').textContent()).not.toBe('ready')

    // 48 h later by the chain's clock and everyone's own: the request again, now with the attestations.
    await travel(48 * 3600 + 120)
    await tab(page, 'Queue')
    const waited = page.getByRole('article', { name: /^Hand the vault/ })
    await expect.poll(() => waited.getByTestId('countdown').count(), { timeout: 10_000 }).toBe(0)
    await waited.getByRole('button', { name: 'Show QR' }).click()
    const second = await shownRequest(page)
    expect(second.request.attestations).toHaveLength(3)

    const signatures = await signRound([0, 1], second.parts, 'critical')
    for (const s of signatures) expect(s.response.kind).toBe('safe-signature')
    await scanAndExecute(signatures, 'critical', /^Hand the vault/)
    const operation = Timelock.operationId({
      timelock: world.timelock,
      calls: [{ to: world.vault, value: 0n, data }],
    })
    const read = () =>
      Timelock.read({ client: world.anvil.publicClient, timelock: world.timelock, id: operation })
    expect((await read()).status).toBe('pending')

    // The timelock's own hour; then anyone may execute the ready operation.
    await travel(3601)
    await executeOnTimelock(world, data)
    expect(await readVault(world, 'owner')).toBe(newOwner)
  })

  it('left in each signer app’s own log exactly what it released, and the logs verify', async () => {
    // Alice: payroll, pause, attestation, signature; Bob: payroll, attestation, signature; Carol: attestation.
    const released = await Promise.all(signers.map((s) => s.api.log({ kind: 'signatures' })))
    expect(released.map((log) => log.entries.length)).toEqual([4, 3, 1])
    expect(released[2]!.entries.map((e) => e.decision)).toEqual(['attested'])
    expect(
      released[0]!.entries.filter((e) => e.safe?.toLowerCase() === world.guardian.toLowerCase()),
    ).toHaveLength(1)
    for (const signer of signers) expect((await signer.api.verifyLog()).ok).toBe(true)
  })

  it('kept every coordinator window on its own origin (the RPC is main’s, not the renderer’s)', () => {
    for (const { requests } of windows)
      for (const url of requests) expect(url.startsWith(`${appUrl}/`), url).toBe(true)
  })
})
