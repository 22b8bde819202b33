// The coordinator app pulls confirmations others made on the Transaction Service into the queue (zero
// trust: read for our own hash, each must recover to a current owner over it), and its Execute screen
// shows the executor's check (keccak256 of the exact execTransaction calldata) before sending; on anvil
// with the official Safe contracts, the local service stand-in and Debian Chromium for the button.
import { TransactionService } from '@airlock/coordinator-core'
import { SafeTx } from '@airlock/safe'
import { type Hex, keccak256, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServiceApp, startServiceApp, stopServiceApp } from './support/coordinator-app-service.ts'
import { CHAIN_ID } from './support/coordinator-app-world.ts'
import { proposeAsSafeWallet } from './support/txServiceStandIn.ts'

let app: ServiceApp | undefined
let { world, store, service, api, page } = {} as ServiceApp

beforeAll(async () => {
  app = await startServiceApp({ prefix: 'airlock-coordinator-pull-' })
  ;({ world, store, service, api, page } = app)
  const configured = await api.serviceConfigure({ url: service.url })
  expect(configured.ok).toBe(true)
}, 180_000)

afterAll(() => stopServiceApp(app))

const context = () => SafeTx.context({ chainId: CHAIN_ID, safe: world.treasury, version: '1.4.1' })
const serviceClient = () => TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url })

// Proposed on the service by the first owner (with its confirmation), then imported into the queue.
async function proposedAndImported(nonce: bigint, eth: string) {
  const tx = SafeTx.from({ to: world.contributors[0]!, value: parseEther(eth), data: '0x', nonce })
  const hash = await proposeAsSafeWallet({
    url: service.url,
    context: context(),
    tx,
    proposer: world.owners[0]!,
  })
  const imported = await api.serviceImport({ safeTxHash: hash })
  if (!imported.ok) throw new Error(imported.error.message)
  expect(imported.value.signatures).toBe(1)
  return { hash, actionId: imported.value.actionId }
}

describe('coordinator app: pull confirmations, executor’s check', () => {
  it('pulls a confirmation another owner made on the service (button), then checks and executes', async () => {
    const { hash, actionId } = await proposedAndImported(0n, '0.5')
    // The second owner confirms in Safe{Wallet}: only the service has it.
    const bob = world.owners[1]!
    await TransactionService.confirm({
      client: serviceClient(),
      safeTxHash: hash,
      signatures: [{ signer: bob.address, signature: await bob.sign({ hash }) }],
    })
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Service' }).click()
    await page.getByRole('button', { name: 'List pending' }).click()
    await page
      .getByRole('row', { name: 'Nonce 0' })
      .getByRole('button', { name: 'Pull confirmations' })
      .click()
    await expect
      .poll(() => page.getByTestId('service-done').textContent())
      .toBe(`Pulled 1 new confirmation(s) of ${hash}: ${bob.address}.`)
    expect((await store.signatures(actionId)).map((s) => s.signer).sort()).toEqual(
      [world.owners[0]!.address, bob.address].sort(),
    )
    expect((await store.getAction(actionId)).state).toBe('ready')
    // Pulled again: nothing new, nothing stored twice.
    const again = await api.servicePull({ actionId })
    expect(again.ok && again.value).toMatchObject({
      added: [],
      duplicate: [world.owners[0]!.address, bob.address],
    })

    // The executor's check before sending, then the execution: the same bytes are mined.
    const check = await api.executionCheck({ actionId })
    if (!check.ok) throw new Error(check.error.message)
    expect(check.value).toMatchObject({ safeTxHash: hash, to: world.treasury, value: '0', revert: undefined })
    expect(check.value.calldataHash).toBe(keccak256(check.value.calldata as Hex))
    // The Queue screen shows the same hash under Check calldata, before Execute.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Queue' }).click()
    await page.getByTestId(`action-${actionId}`).getByRole('button', { name: 'Check calldata' }).click()
    await expect.poll(() => page.getByTestId('calldata-hash').textContent()).toBe(check.value.calldataHash)
    const executed = await api.execute({ actionId })
    if (!executed.ok) throw new Error(executed.error.message)
    expect(executed.value.calldataHash).toBe(check.value.calldataHash)
    const mined = await world.anvil.publicClient.getTransaction({ hash: executed.value.txHash as Hex })
    expect(keccak256(mined.input)).toBe(check.value.calldataHash)
  })

  it('stores only confirmations that recover to a current owner over our own hash', async () => {
    // (The window is on the Queue screen: the Service screen's refresh must not take the lying answer.)
    const { hash, actionId } = await proposedAndImported(1n, '0.25')
    const outsider = privateKeyToAccount(generatePrivateKey())
    const carol = world.owners[2]!
    const other = keccak256('0x01')
    const confirmation = (owner: string, signature: Hex) => ({
      owner,
      submissionDate: new Date().toISOString(),
      transactionHash: null,
      signature,
      signatureType: 'EOA',
    })
    // A lying service: a non-owner's valid signature, a forged one for an owner, one over another hash.
    service.failNext(200, {
      count: 3,
      next: null,
      previous: null,
      results: [
        confirmation(outsider.address, await outsider.sign({ hash })),
        confirmation(carol.address, await outsider.sign({ hash })),
        confirmation(carol.address, await carol.sign({ hash: other })),
      ],
    })
    const pulled = await api.servicePull({ actionId })
    if (!pulled.ok) throw new Error(pulled.error.message)
    expect(pulled.value.added).toEqual([])
    expect(pulled.value.skipped).toEqual([outsider.address])
    expect(pulled.value.problems).toHaveLength(2)
    expect((await store.signatures(actionId)).map((s) => s.signer)).toEqual([world.owners[0]!.address])
  })
})
