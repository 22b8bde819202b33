// The coordinator app witnesses each signer's log (issue 14), on anvil with the official Safe 1.4.1
// contracts: the bundle enrols the owners' audit keys, two signers' state directories answer through
// the app's Scan handler, one log then loses its last entry (what a thief with the disk could do), and
// its next answer raises the alert: in the handler's scan result, on the queue's action view, and in
// Debian Chromium on the Scan screen (the answer imported as a UR text file) and the Queue card.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import type { ScanView } from '@airlock/coordinator-app/api'
import { buildRenderer } from '@airlock/coordinator-app/build'
import type { createHandlers } from '@airlock/coordinator-app/handlers'
import { Action, SetLimits } from '@airlock/coordinator-core'
import { openPgliteStore, type Store } from '@airlock/queue'
import { files, openStateDir, type StateDir } from '@airlock/signer-core/node'
import { SignatureResponse, Ur } from '@airlock/transport'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openAppPage, tab } from './support/coordinator-app-browser.ts'
import {
  cedar,
  privateKeyOf,
  startWorld,
  type World,
  worldHandlers,
} from './support/coordinator-app-world.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-coordinator-alerts-'))
const stateDir = (i: number) => join(dir, `s${i + 1}`)

let world: World
let store: Store
let api: ReturnType<typeof createHandlers>
let rendererDir: string
let browser: Browser | undefined
// The owners' signers, each its own state directory (audit key and file log), as `airlock sign` keeps it.
const signers: StateDir[] = []

beforeAll(async () => {
  // The state directories (and their audit keys) first, so the bundle can enrol the keys.
  for (const i of [0, 1, 2]) signers.push(await openStateDir({ dir: stateDir(i), cedar }))
  const [w, built] = await Promise.all([
    startWorld({ auditKeys: signers.map((s) => AuditKey.toHex(s.log.publicKey)) }),
    buildRenderer({ outDir: join(dir, 'renderer') }),
  ])
  world = w
  rendererDir = built
  for (const signer of signers) await signer.installBundle(world.bundle)
  store = await openPgliteStore({ dataDir: 'memory' })
  api = await worldHandlers({ world, store })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  for (const signer of signers) await signer.close()
  await store?.close()
  await world?.anvil.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Queues a transfer to Contributor 1 through the app's Compose handler. */
async function queueTransfer(amount: string, title: string): Promise<string> {
  const composed = await api.compose({
    form: { builder: 'transfer', transfer: { asset: 'ETH', to: 'Contributor 1', amount } },
    title,
    queue: true,
  })
  if (!composed.ok) throw new Error(composed.error.message)
  if (!composed.value.actionId) throw new Error(`not queued: ${composed.value.blocked}`)
  return composed.value.actionId
}

/** Owner `i`'s answer to the action's request (with the set's receipts, proofs and heads, as the app's QR carries), as UR parts. */
async function answer(i: number, actionId: string): Promise<string[]> {
  const action = await store.getAction(actionId)
  const request = await SetLimits.attach({
    store,
    client: world.anvil.publicClient,
    org: world.config.org,
    action,
    request: Action.signRequest(action, { collected: await store.signatures(actionId) }),
  })
  const result = await signers[i]!.signer.approve(request, {
    key: { kind: 'software', privateKey: privateKeyOf(world.owners[i]!) },
  })
  if (result.status !== 'released') throw new Error(`owner ${i} refused: ${JSON.stringify(result)}`)
  return Ur.encode({ ...SignatureResponse.toUr(result.response), maxFragmentLength: 400 }).firstParts()
}

/** Feeds the parts to the Scan handler, as the camera does; the last result (the ingested answer). */
async function scan(parts: readonly string[]): Promise<ScanView> {
  let last: ScanView | undefined
  for (const part of parts) {
    const scanned = await api.scanPart({ part })
    if (!scanned.ok) throw new Error(scanned.error.message)
    last = scanned.value
  }
  return last!
}

const actionView = async (actionId: string) => {
  const queue = await api.queue()
  if (!queue.ok) throw new Error(queue.error.message)
  return queue.value.actions.find((a) => a.id === actionId)!
}

describe('coordinator app: alerts about a signer’s log', () => {
  it('shows a cut log’s alert in the scan result and on the action card; untampered answers raise none', async () => {
    // Nonce 0: two signers answer; their heads are witnessed, nothing to alert about.
    const first = await queueTransfer('0.1', 'First payment')
    for (const i of [0, 1]) {
      const scanned = await scan(await answer(i, first))
      expect(scanned).toMatchObject({ status: 'added', signer: world.owners[i]!.address })
      expect(scanned).not.toHaveProperty('alerts')
    }
    expect((await actionView(first)).signerAlerts).toEqual([])
    const executed = await api.execute({ actionId: first })
    if (!executed.ok) throw new Error(executed.error.message)
    expect((await store.getAction(first)).state).toBe('executed')

    // The first signer's log loses its last entry while it is closed.
    await signers[0]!.close()
    const logPath = join(stateDir(0), files.log)
    const lines = readFileSync(logPath, 'utf8').trimEnd().split('\n')
    writeFileSync(logPath, `${lines.slice(0, -1).join('\n')}\n`)
    signers[0] = await openStateDir({ dir: stateDir(0), cedar })

    // Nonce 1: the second signer's answer extends the head it was seen at.
    const second = await queueTransfer('0.2', 'Second payment')
    const honest = await scan(await answer(1, second))
    expect(honest).toMatchObject({ status: 'added' })
    expect(honest).not.toHaveProperty('alerts')

    // The cut signer still answers; the window imports it as a UR text file (its Scan screen's import).
    const cutParts = await answer(0, second)
    const file = join(dir, 'cut-answer.ur')
    writeFileSync(file, `${cutParts.join('\n')}\n`)
    const results: ScanView[] = []
    const recording = {
      ...api,
      scanPart: async (input: Parameters<typeof api.scanPart>[0]) => {
        const result = await api.scanPart(input)
        if (result.ok) results.push(result.value)
        return result
      },
    }
    browser = await launchChromium()
    const { page } = await openAppPage({ browser, rendererDir, api: recording })
    await tab(page, 'Scan answers')
    await page.getByLabel(/^Import answers/).setInputFiles(file)
    await expect
      .poll(() => page.getByTestId('scan-results').textContent())
      .toMatch(/Added the signature of .*ALERT log-(rollback|fork): The log of 0x/)

    // The handler's result for that answer carries the alert…
    const ingested = results.at(-1)
    expect(ingested).toMatchObject({ status: 'added', signer: world.owners[0]!.address })
    if (ingested?.status !== 'added') throw new Error('not ingested')
    expect(ingested.alerts).toHaveLength(1)
    expect(ingested.alerts![0]!.code).toMatch(/^log-(rollback|fork)$/)
    // …the queue keeps it with the action, and the Queue card lists it.
    const view = await actionView(second)
    expect(view.signerAlerts).toEqual([
      {
        signer: world.owners[0]!.address,
        label: undefined,
        code: ingested.alerts![0]!.code,
        message: ingested.alerts![0]!.message,
      },
    ])
    expect((await actionView(first)).signerAlerts).toEqual([])
    await tab(page, 'Queue')
    const card = page.getByTestId(`action-${second}`)
    await expect
      .poll(() => card.getByTestId('signer-alerts').textContent())
      .toContain(`ALERT ${ingested.alerts![0]!.code} (${world.owners[0]!.address}): The log of 0x`)
    expect(await page.getByTestId(`action-${first}`).getByTestId('signer-alerts').count()).toBe(0)
  }, 120_000)
})
