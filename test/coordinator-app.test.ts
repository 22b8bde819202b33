// The coordinator desktop app end to end in Debian Chromium, against the real engines (coordinator-core,
// the PGlite queue, signer-core for the two owners' signers) and anvil with the official Safe contracts:
// a payroll composed in the window → its QR frames read off the screen → two signers sign → their answer
// QRs filmed into the fake camera → scanned → executed on anvil. Then a sentry alert → one click →
// the guardian's pause request QR → signed → imported as a file → executed. Every screen is
// photographed, checked with axe-core, and the page's network is asserted. Then a Critical action
// through the timelock (attestations, the delay by chain time, time travel), and a reorged execution.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { channels } from '@airlock/coordinator-app/api'
import { buildMain, buildRenderer, mainExternals } from '@airlock/coordinator-app/build'
import { createHandlers } from '@airlock/coordinator-app/handlers'
import {
  allowNavigation,
  allowPermission,
  allowRequest,
  appOrigin,
  contentSecurityPolicy,
  rpcOriginsOf,
  trustedSender,
  webPreferences,
} from '@airlock/coordinator-app/security'
import { Action, Config, Predict, Timelock } from '@airlock/coordinator-core'
import { deployEns, setEnsName } from '@airlock/devnet'
import { openPgliteStore, type Store } from '@airlock/queue'
import { SafeTxHash } from '@airlock/safe'
import { SignatureResponse, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import { QrCode } from '@airlock/transport/images'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { encodeFunctionData, parseAbi, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AppPage,
  appUrl,
  fillPayroll,
  launchChromium,
  openAppPage,
  partsVideo,
  readShownQr,
  tab,
} from './support/coordinator-app-browser.ts'
import {
  CHAIN_ID,
  cedar,
  drainVault,
  executeOnTimelock,
  readVault,
  reservesRules,
  signerFor,
  startWorld,
  type World,
  worldHandlers,
} from './support/coordinator-app-world.ts'

const screenshots = join(import.meta.dirname, '..', 'docs', 'screenshots')
const dir = mkdtempSync(join(tmpdir(), 'airlock-coordinator-app-'))
const vaultAbi = parseAbi(['function transferOwnership(address newOwner)'])

let world: World
let store: Store
let api: ReturnType<typeof createHandlers>
let rendererDir: string
let offsetSeconds = 0
const clock = () => new Date(Date.now() + offsetSeconds * 1000)
let webhook: Server
const hooked: unknown[] = []
const notifications: { title: string; body: string }[] = []
const browsers: Browser[] = []
const appSource = join(import.meta.dirname, '..', 'apps', 'coordinator', 'src')

type Issue = { id: string; manualReview: boolean; file: string; location: { line: number } }
// Electronegativity over the app's sources; started early because it waits out its own (offline)
// translation download.
const audit: Promise<{ issues: Issue[] }> = (async () => {
  const require = createRequire(import.meta.url)
  const run = require('@doyensec/electronegativity') as (
    options: object,
    forCli: boolean,
  ) => Promise<{ issues: Issue[] }>
  // The app's source and the shared hardening its main runs (@airlock/desktop), scanned together.
  const input = mkdtempSync(join(tmpdir(), 'airlock-coordinator-eneg-'))
  cpSync(appSource, join(input, 'coordinator'), { recursive: true })
  cpSync(join(appSource, '..', '..', '..', 'packages', 'desktop', 'src'), join(input, 'desktop'), {
    recursive: true,
  })
  try {
    return await run(
      {
        input,
        isRelative: true,
        customScan: [],
        excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
        electronVersionOverride: '39.5.0',
      },
      false,
    )
  } finally {
    rmSync(input, { recursive: true, force: true })
  }
})()

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true })
  const [w, built] = await Promise.all([startWorld(), buildRenderer({ outDir: join(dir, 'renderer') })])
  world = w
  rendererDir = built
  // The queue's clock moves with the chain's when the tests travel in time (everyone's time passes).
  store = await openPgliteStore({ dataDir: 'memory', now: clock })
  // The operator's webhook (a chat or pager endpoint), here a local server that records what it gets.
  webhook = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    request.on('end', () => {
      hooked.push(JSON.parse(body))
      response.end()
    })
  })
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve))
  const port = (webhook.address() as { port: number }).port
  // ENS on the local chain (the ENS team's published registry and resolver): contributor 1 is c1.eth.
  const ens = await deployEns({ anvil: world.anvil, deployer: world.deployer })
  await setEnsName({ anvil: world.anvil, ens, name: 'c1.eth', address: world.contributors[0]! })
  api = await worldHandlers({
    world,
    store,
    config: { ...world.config, ensRegistry: ens.registry },
    notify: (title, body) => notifications.push({ title, body }),
    webhook: `http://127.0.0.1:${port}/alerts`,
  })
}, 180_000)

afterAll(async () => {
  for (const browser of browsers) await browser.close()
  await store?.close()
  webhook?.close()
  await world?.anvil.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshots, `coordinator-${name}.png`), fullPage: true })
  const { violations } = await new AxeBuilder({ page }).analyze()
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

/** Reads the animated request off the screen, frame by frame, until the fountain decoder completes. */
async function scanRequest(page: Page): Promise<SignRequest.SignRequest> {
  const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const text of await readShownQr(page)) {
      const status = decoder.receive(text)
      if (status.status === 'complete') return SignRequest.fromUr(status.result)
    }
    await page.waitForTimeout(40)
  }
  throw new Error('The request QR did not decode.')
}

async function answer(request: SignRequest.SignRequest, ownerIndex: number): Promise<string> {
  const { signer, key } = await signerFor(world, world.owners[ownerIndex]!)
  const result = await signer.approve(request, { key })
  if (result.status !== 'released') throw new Error(`owner ${ownerIndex} refused: ${JSON.stringify(result)}`)
  const ur = SignatureResponse.toUr(result.response)
  return Ur.encode({ ...ur, maxFragmentLength: 2000 }).nextPart()
}

describe('coordinator app', () => {
  let first: AppPage

  it('refuses to queue what the signers would refuse, queues a payroll, and shows its request as QR', async () => {
    const browser = await launchChromium()
    browsers.push(browser)
    first = await openAppPage({ browser, rendererDir, api })
    const { page } = first
    await expect
      .poll(() => page.getByRole('article', { name: 'Safe treasury' }).textContent())
      .toContain('100 ETH')
    await expect(page.getByRole('article', { name: 'Safe treasury' }).textContent()).resolves.toContain(
      '10000 TUSD',
    )
    await shoot(page, 'safes')

    // 1.5 ETH as Routine: the predicted verdict says the signers refuse it, before anything is queued.
    await tab(page, 'Compose')
    await page.getByLabel('Recipient (address, label or ENS name)').fill('c1.eth')
    await page.getByLabel('Amount (units)').fill('1.5')
    await page.getByLabel(/^Title/).fill('Pay contributor 1')
    await page.getByRole('button', { name: 'Queue for signing' }).click()
    await expect
      .poll(() => page.getByTestId('blocked').textContent())
      .toContain('treasury.large-transfer-tier')
    await expect(page.getByTestId('prediction').textContent()).resolves.toContain('Signers will refuse')
    // The ENS name was resolved on the coordinator: the name and the address it stands for are shown.
    await expect(page.getByTestId('ens-names').textContent()).resolves.toContain(
      `c1.eth → ${world.contributors[0]}`,
    )
    await shoot(page, 'compose-refused')
    expect(await store.listActions()).toHaveLength(0)

    // The payroll: four payments in one MultiSendCallOnly batch.
    await fillPayroll(page, { count: 4, amount: '0.2', title: 'March payroll' })
    await page.getByRole('button', { name: 'Check' }).click()
    await expect.poll(() => page.getByTestId('prediction').textContent()).toContain('Signers will sign')
    const simulation = await page.getByTestId('simulation').textContent()
    expect(simulation).toContain('Succeeds')
    expect(simulation).toContain('-0.8')
    await shoot(page, 'compose')
    await page.getByRole('button', { name: 'Queue for signing' }).click()
    await expect.poll(() => page.getByTestId('queued').isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Show the request QR' }).click()
    await expect.poll(() => page.getByTestId('qr-frame').isVisible()).toBe(true)
    await shoot(page, 'qr')

    const request = await scanRequest(page)
    expect(request.title).toBe('March payroll')
    const [queued] = await store.listActions()
    expect(queued?.safeTxHash).toBe(
      SafeTxHash.compute({ tx: request.tx, context: request.context }).safeTxHash,
    )

    // Two owners' offline signers (the signer engine with software test keys) answer.
    const answers = [await answer(request, 0), await answer(request, 1)]
    writeFileSync(join(dir, 'payroll-answers.txt'), answers.join('\n'))
    const video = await partsVideo({ parts: answers, dir: join(dir, 'video') })

    // The answers come back through the webcam (Chromium's fake camera playing them).
    const camera = await launchChromium({ video })
    browsers.push(camera)
    const second = await openAppPage({ browser: camera, rendererDir, api })
    await tab(second.page, 'Scan answers')
    await expect
      .poll(async () => (await second.page.getByTestId('scan-results').textContent()) ?? '', {
        timeout: 60_000,
      })
      .toMatch(/Added the signature of .*Added the signature of/s)
    await shoot(second.page, 'scan')

    await tab(second.page, 'Queue')
    const card = second.page.getByRole('article', { name: 'March payroll' })
    await expect.poll(() => card.getByTestId('state').textContent()).toBe('ready')
    await shoot(second.page, 'queue')
    const before = await world.anvil.publicClient.getBalance({ address: world.contributors[3]! })
    await card.getByRole('button', { name: 'Execute' }).click()
    await expect
      .poll(() => second.page.getByTestId('execute-result').first().textContent(), { timeout: 30_000 })
      .toContain('confirmed')
    const after = await world.anvil.publicClient.getBalance({ address: world.contributors[3]! })
    expect(after - before).toBe(parseEther('0.2'))
    expect((await store.getAction(queued!.id)).state).toBe('executed')
    await shoot(second.page, 'execute')

    // The window made no request outside its own origin (the RPC is main's, not the renderer's).
    for (const url of [...first.requests, ...second.requests]) expect(url.startsWith(`${appUrl}/`)).toBe(true)
  })

  it('takes a sentry alert to an executed guardian pause in one click', async () => {
    const { page } = first
    await tab(page, 'Sentry')
    await page.getByLabel(/^Rules/).fill(JSON.stringify(reservesRules(world), null, 2))
    await page.getByRole('button', { name: 'Save rules' }).click()
    await page.getByRole('button', { name: 'Check now' }).click()
    await expect.poll(() => page.getByText('No alert.').isVisible()).toBe(true)

    // The vault's bug: anyone withdraws without reducing its reserves.
    await drainVault(world, parseEther('500'))
    await page.getByRole('button', { name: 'Check now' }).click()
    const alerts = page.getByTestId('alerts')
    await expect.poll(() => alerts.textContent()).toContain('500 TUSD')
    await shoot(page, 'sentry')
    // The same alert as a desktop notification and on the webhook, amounts in units.
    expect(notifications).toHaveLength(1)
    expect(notifications[0]?.body).toContain('500 TUSD')
    expect(JSON.stringify(hooked)).toContain('500 TUSD')

    await page.getByRole('button', { name: 'Pause now (guardian)' }).click()
    await expect.poll(() => page.getByTestId('queued').isVisible()).toBe(true)
    await expect(page.getByTestId('prediction').textContent()).resolves.toContain('Signers will sign')
    await page.getByRole('button', { name: 'Show the request QR' }).click()
    const request = await scanRequest(page)
    expect(request.context.safe).toBe(world.guardian)
    expect(request.claimedTier).toBe('emergency')

    // One guardian owner signs; the answer comes back as an image file.
    const png = await QrCode.toPng(QrCode.encode(await answer(request, 0)), { scale: 6 })
    writeFileSync(join(dir, 'pause-answer.png'), png)
    await tab(page, 'Scan answers')
    await page.getByLabel(/^Import answers/).setInputFiles(join(dir, 'pause-answer.png'))
    await expect.poll(() => page.getByTestId('scan-results').textContent()).toContain('Added the signature')

    await tab(page, 'Queue')
    const card = page.getByRole('article', { name: /Emergency pause/ })
    await expect.poll(() => card.getByTestId('state').textContent()).toBe('ready')
    await card.getByRole('button', { name: 'Execute' }).click()
    await expect
      .poll(() => page.getByTestId('execute-result').first().textContent(), { timeout: 30_000 })
      .toContain('confirmed')
    expect(await readVault(world, 'paused')).toBe(true)
  })
})

describe('coordinator app builders (the handlers the window calls)', () => {
  it('foresees each builder: contract call from an ABI, Safe admin, Transaction Builder import, bad input', async () => {
    const abi = JSON.stringify([
      { type: 'function', name: 'pause', inputs: [], outputs: [], stateMutability: 'nonpayable' },
    ])
    const call = await api.compose({
      form: { builder: 'contract-call', to: 'Vault', abi, method: 'pause', args: [], value: '' },
      title: 'Pause from the treasury',
      queue: false,
    })
    if (!call.ok) throw new Error(call.error.message)
    // The treasury is not the vault's guardian: the simulation says so, with the vault's own reason.
    expect(call.value.simulation).toMatchObject({
      status: 'reverted',
      failedCall: { reason: 'TestVault: not guardian' },
    })

    const admin = await api.compose({
      form: { builder: 'safe-admin', operation: 'change-threshold', owner: '', threshold: '3' },
      title: 'Raise the threshold',
      queue: false,
    })
    if (!admin.ok) throw new Error(admin.error.message)
    expect(admin.value).toMatchObject({
      tier: 'existential',
      needs: { attestations: 3, delaySeconds: 259200 },
    })
    expect(admin.value.prediction.verdict).toBe('attest')

    const batch = {
      version: '1.0',
      chainId: String(CHAIN_ID),
      createdAt: 0,
      meta: { name: 'Imported payroll' },
      transactions: world.contributors
        .slice(0, 2)
        .map((to) => ({ to, value: parseEther('0.05').toString(), data: null })),
    }
    const imported = await api.compose({
      form: { builder: 'transaction-builder', json: JSON.stringify(batch) },
      title: 'Imported',
      queue: false,
    })
    if (!imported.ok) throw new Error(imported.error.message)
    expect(imported.value).toMatchObject({
      tier: 'routine',
      prediction: { verdict: 'sign' },
      simulation: { status: 'ok' },
    })

    const bad = await api.compose({
      form: { builder: 'transfer', transfer: { asset: 'ETH', to: 'Contributor 2', amount: 'lots' } },
      title: 'x',
      queue: false,
    })
    expect(bad.ok).toBe(false)
    if (!bad.ok)
      expect(bad.error).toMatchObject({
        name: 'CoordinatorApp.InputError',
        message: '"lots" is not an amount of ETH.',
      })
    // Drift: the org config says threshold 3 and lists an owner the chain does not have.
    const drifted = createHandlers({
      config: Config.parse({
        ...world.configJson,
        org: {
          ...world.orgJson,
          safes: (world.orgJson.safes as Record<string, unknown>[]).map((safe) =>
            safe.name === 'treasury'
              ? {
                  ...safe,
                  threshold: 3,
                  owners: [...(safe.owners as string[]), world.executor.address.toLowerCase()],
                }
              : safe,
          ),
        },
      }),
      client: world.anvil.publicClient,
      rpcUrl: world.anvil.rpcUrl,
      store,
      installed: await Predict.install({ bundle: world.bundle, cedar }),
      operator: 'ops-1',
    })
    const safes = await drifted.safes()
    if (!safes.ok) throw new Error(safes.error.message)
    const treasury = safes.value.find((safe) => safe.role === 'treasury')!
    expect(treasury.drift.join(' ')).toContain('threshold 3, the Safe has 2')
    expect(treasury.drift.join(' ')).toContain(world.executor.address.toLowerCase())

    const nobody = await api.compose({
      form: { builder: 'transfer', transfer: { asset: 'ETH', to: 'Nobody', amount: '1' } },
      title: 'x',
      queue: false,
    })
    expect(!nobody.ok && nobody.error.message).toContain('neither an address nor a label')
  })
})

describe('coordinator app execution and reorgs', () => {
  it('puts an action whose block a reorg dropped back to ready, and executes it again', async () => {
    const composed = await api.compose({
      form: { builder: 'transfer', transfer: { asset: 'ETH', to: 'Contributor 3', amount: '0.1' } },
      title: 'Pay contributor 3',
      queue: true,
    })
    if (!composed.ok || !composed.value.actionId) throw new Error('not queued')
    const id = composed.value.actionId
    const request = Action.signRequest(await store.getAction(id), { collected: [] })
    for (const owner of [0, 1]) {
      const scanned = await api.scanPart({ part: await answer(request, owner) })
      expect(scanned.ok && scanned.value.status).toBe('added')
    }
    const snapshot = await world.anvil.testClient.snapshot()
    const executed = await api.execute({ actionId: id })
    expect(executed.ok && executed.value.status).toBe('confirmed')
    expect((await store.getAction(id)).state).toBe('executed')

    // The chain reorganises: the block with the execution is gone, another takes its height.
    await world.anvil.testClient.revert({ id: snapshot })
    await world.anvil.testClient.mine({ blocks: 2 })
    const checked = await api.confirm({ actionId: id })
    expect(checked.ok && checked.value.status).toBe('reorged')
    expect((await store.getAction(id)).state).toBe('ready')

    const again = await api.execute({ actionId: id })
    expect(again.ok && again.value.status).toBe('confirmed')
    const confirmedAgain = await api.confirm({ actionId: id })
    expect(confirmedAgain.ok && confirmedAgain.value.status).toBe('confirmed')
  })
})

/** The request the app shows for a queued action right now (the same bytes as its QR). */
async function requestOf(actionId: string): Promise<SignRequest.SignRequest> {
  const action = await store.getAction(actionId)
  return Action.signRequest(action, { collected: await store.signatures(actionId) })
}

async function answerAll(signers: Awaited<ReturnType<typeof signerFor>>[], actionId: string, kind: string) {
  const request = await requestOf(actionId)
  for (const { signer, key } of signers) {
    const result = await signer.approve(request, { key })
    if (result.status !== 'released')
      throw new Error(`refused: ${JSON.stringify(result.status === 'refused' ? result.refusals : result)}`)
    expect(result.kind).toBe(kind)
    const part = Ur.encode({ ...SignatureResponse.toUr(result.response), maxFragmentLength: 2000 }).nextPart()
    const scanned = await api.scanPart({ part })
    expect(scanned.ok && scanned.value.status).toBe('added')
  }
}

async function travel(seconds: number) {
  await world.anvil.testClient.increaseTime({ seconds })
  await world.anvil.testClient.mine({ blocks: 1 })
  offsetSeconds += seconds
}

describe('coordinator app: a Critical action through the timelock', () => {
  it('attests, waits out the delay by chain time, signs, executes, then executes the scheduled call', async () => {
    const signers = await Promise.all(world.owners.map((owner) => signerFor(world, owner, clock)))
    const newOwner = world.executor.address
    const data = encodeFunctionData({ abi: vaultAbi, functionName: 'transferOwnership', args: [newOwner] })
    const form = {
      builder: 'timelock' as const,
      operation: 'schedule' as const,
      target: world.vault,
      value: '0',
      data,
      delay: '3600',
      salt: '',
      id: '',
    }
    const composed = await api.compose({ form, title: 'Hand the vault to the new owner', queue: true })
    if (!composed.ok) throw new Error(composed.error.message)
    expect(composed.value).toMatchObject({
      tier: 'critical',
      needs: { attestations: 3, delaySeconds: 172800 },
    })
    expect(composed.value.prediction.verdict).toBe('attest')
    const id = composed.value.actionId!

    // Round 1: every owner's signer attests (M+1 = 3 of 3 here).
    await answerAll(signers, id, 'approval-attestation')
    let queue = await api.queue()
    if (!queue.ok) throw new Error(queue.error.message)
    let view = queue.value.actions.find((a) => a.id === id)!
    expect(view.delayEndsAt! - queue.value.chainTime).toBeGreaterThan(172000)
    expect(view.missing.join(' ')).toMatch(/delay/i)

    // The countdown, by chain time, in the window.
    const browser = await launchChromium()
    browsers.push(browser)
    const { page } = await openAppPage({ browser, rendererDir, api })
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Queue' }).click()
    await expect
      .poll(() => page.getByTestId('countdown').textContent())
      .toMatch(/^Delay: (2d|1d 23h \d+m) left \(chain time\)$/)
    await shoot(page, 'queue-delay')

    // 48 h later by the chain's clock and the signers' own: round 2.
    await travel(48 * 3600 + 120)
    await expect.poll(() => page.getByTestId('countdown').count(), { timeout: 10_000 }).toBe(0)
    await answerAll(signers.slice(0, 2), id, 'safe-signature')
    queue = await api.queue()
    if (!queue.ok) throw new Error(queue.error.message)
    view = queue.value.actions.find((a) => a.id === id)!
    expect(view.state).toBe('ready')
    const executed = await api.execute({ actionId: id })
    expect(executed.ok && executed.value.status).toBe('confirmed')
    const operation = Timelock.operationId({
      timelock: world.timelock,
      calls: [{ to: world.vault, value: 0n, data }],
    })
    const state = await Timelock.read({
      client: world.anvil.publicClient,
      timelock: world.timelock,
      id: operation,
    })
    expect(state.status).toBe('pending')

    // The timelock's own hour, then its execute, through the app.
    await travel(3601)
    const run = await api.compose({
      form: { ...form, operation: 'execute' },
      title: 'Execute the handover',
      queue: true,
    })
    if (!run.ok) throw new Error(run.error.message)
    expect(run.value.simulation.status).toBe('ok')
    // The owners' signers signed the schedule: they would judge an execute through the Safe by what
    // is left to check, and the prediction (from the queue's record of what they signed) says so.
    expect(run.value.prediction.verdict).toBe('sign')
    const cancelled = await api.cancel({
      actionId: run.value.actionId!,
      reason: 'executed by anyone instead',
    })
    expect(cancelled.ok).toBe(true)
    // The timelock lets anyone execute a ready operation: the executor's own transaction does it.
    await executeOnTimelock(world, data)
    expect(await readVault(world, 'owner')).toBe(newOwner)
  })
})

describe('coordinator app hardening', () => {
  it('applies the signer’s window hardening and lets the session reach only the configured RPC origins', () => {
    expect(webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
    })
    expect(contentSecurityPolicy).toContain("default-src 'none'")
    expect(contentSecurityPolicy).toContain("connect-src 'self'")
    const rpcOrigins = rpcOriginsOf(['http://127.0.0.1:8545/', 'https://rpc.example.org/v1/key'])
    expect(rpcOrigins).toEqual(['http://127.0.0.1:8545', 'https://rpc.example.org'])
    expect(allowRequest('http://127.0.0.1:8545/', { rpcOrigins })).toBe(true)
    expect(allowRequest('https://rpc.example.org/v1/key', { rpcOrigins })).toBe(true)
    expect(allowRequest(`${appOrigin}/index.html`, { rpcOrigins })).toBe(true)
    for (const url of [
      'http://127.0.0.1:8546/',
      'https://rpc.example.org.evil.test/',
      'http://rpc.example.org/',
      'https://cdn.example.com/lib.js',
      'file:///etc/passwd',
      'ftp://rpc.example.org/',
    ])
      expect(allowRequest(url, { rpcOrigins }), url).toBe(false)
    expect(allowPermission('media', { mediaTypes: ['video'], origin: appOrigin })).toBe(true)
    expect(allowPermission('media', { mediaTypes: ['video', 'audio'], origin: appOrigin })).toBe(false)
    expect(allowPermission('notifications', { origin: appOrigin })).toBe(false)
    expect(allowPermission('media', { mediaTypes: ['video'], origin: 'https://evil.test' })).toBe(false)
    expect(allowNavigation('https://etherscan.io/')).toBe(false)
    expect(trustedSender(`${appOrigin}/index.html`)).toBe(true)
    expect(trustedSender('https://evil.test/')).toBe(false)
    expect(trustedSender(undefined)).toBe(false)
    const html = readFileSync(join(appSource, 'renderer', 'index.html'), 'utf8')
    expect(html).toContain(`content="${contentSecurityPolicy}"`)
  })

  it('bundles main (externals only) and a sandboxed preload that requires only electron and exposes exactly the API', async () => {
    const { main, preload } = await buildMain({ outDir: join(dir, 'electron') })
    const imports = [...readFileSync(main, 'utf8').matchAll(/^import [^;]*?from ['"]([^'"]+)['"]/gm)].map(
      (m) => m[1]!,
    )
    const allowed = (name: string) =>
      name === 'buffer' || mainExternals.some((e) => (typeof e === 'string' ? name === e : e.test(name)))
    expect(imports.filter((name) => !allowed(name))).toEqual([])
    const exposed: Record<string, unknown> = {}
    const invoked: unknown[][] = []
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: { invoke: async (...args: unknown[]) => invoked.push(args) },
    }
    const required: string[] = []
    const module = { exports: {} }
    runInNewContext(readFileSync(preload, 'utf8'), {
      module,
      exports: module.exports,
      require: (name: string) => {
        required.push(name)
        if (name !== 'electron') throw new Error(`the preload requires ${name}`)
        return electron
      },
    })
    expect(required).toEqual(['electron'])
    expect(Object.keys(exposed)).toEqual(['airlock'])
    const airlock = exposed.airlock as Record<string, (input?: unknown) => Promise<unknown>>
    expect(Object.keys(airlock).sort()).toEqual([...channels].sort())
    await airlock.queue!()
    await airlock.execute!({ actionId: 'a' })
    expect(invoked).toEqual([
      ['queue', undefined],
      ['execute', { actionId: 'a' }],
    ])
  }, 120_000)

  it('is clean under electronegativity (only the two manual-review notes: the CSP and the preload)', async () => {
    const { issues } = await audit
    expect(issues.filter((i) => !i.manualReview).map((i) => `${i.id} ${i.file}:${i.location.line}`)).toEqual(
      [],
    )
    expect(issues.map((i) => i.id).sort()).toEqual(['CSP_GLOBAL_CHECK', 'PRELOAD_JS_CHECK'])
  })
})
