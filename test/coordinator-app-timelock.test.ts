// A Critical action through the coordinator app, on anvil: the treasury schedules, through the
// protocol's TimelockController, a transfer of the vault's ownership. Round 1: every owner's signer
// attests (M+1 of N); the queue shows the tier's delay as a countdown by chain time; the signers' own
// 48 h pass (their clocks and the chain's, by time travel); round 2: two Safe signatures; executed;
// the timelock's own delay passes; an execute through the Safe is predicted as the signers judge it
// (they signed the schedule), and the ready operation is executed by anyone, as the timelock allows.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRenderer } from '@airlock/coordinator-app/build'
import { createHandlers } from '@airlock/coordinator-app/handlers'
import { Action, Chain, Predict, Timelock } from '@airlock/coordinator-core'
import { write } from '@airlock/devnet'
import { openPgliteStore, type Store } from '@airlock/queue'
import { SignatureResponse, type SignRequest, Ur } from '@airlock/transport'
import type { Browser } from 'playwright-core'
import { encodeFunctionData, parseAbi, zeroHash } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, openAppPage } from './support/coordinator-app-browser.ts'
import { CHAIN_ID, cedar, signerFor, startWorld, type World } from './support/coordinator-app-world.ts'

const dir = mkdtempSync(join(tmpdir(), 'airlock-coordinator-timelock-'))
const vaultAbi = parseAbi([
  'function transferOwnership(address newOwner)',
  'function owner() view returns (address)',
])

let world: World
let store: Store
let api: ReturnType<typeof createHandlers>
let browser: Browser | undefined
let clockSeconds = Math.floor(Date.now() / 1000)
const clock = () => new Date(clockSeconds * 1000)

beforeAll(async () => {
  world = await startWorld()
  // Time passes for everyone: the queue's clock, the signers' clocks and the chain's move together.
  store = await openPgliteStore({ dataDir: 'memory', now: clock })
  api = createHandlers({
    config: world.config,
    client: Chain.client({ rpcUrl: world.anvil.rpcUrl, chainId: CHAIN_ID, pollingIntervalMs: 50 }),
    rpcUrl: world.anvil.rpcUrl,
    store,
    installed: await Predict.install({ bundle: world.bundle, cedar }),
    executor: world.anvil.walletFor(world.executor),
    operator: 'ops-1',
    pollingIntervalMs: 50,
  })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await store?.close()
  await world?.anvil.stop()
  rmSync(dir, { recursive: true, force: true })
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
  clockSeconds += seconds
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
    browser = await launchChromium()
    const { page } = await openAppPage({
      browser,
      rendererDir: await buildRenderer({ outDir: join(dir, 'renderer') }),
      api,
    })
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Queue' }).click()
    await expect
      .poll(() => page.getByTestId('countdown').textContent())
      .toMatch(/^Delay: (2d|1d 23h \d+m) left \(chain time\)$/)
    await page.screenshot({
      path: join(import.meta.dirname, '..', 'docs', 'screenshots', 'coordinator-queue-delay.png'),
      fullPage: true,
    })

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
    await write({
      anvil: world.anvil,
      account: world.executor,
      address: world.timelock,
      abi: Timelock.abi,
      functionName: 'execute',
      args: [world.vault, 0n, data, zeroHash, zeroHash],
    })
    expect(
      await world.anvil.publicClient.readContract({
        address: world.vault,
        abi: vaultAbi,
        functionName: 'owner',
      }),
    ).toBe(newOwner)
  })
})
