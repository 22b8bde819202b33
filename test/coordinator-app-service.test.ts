// The coordinator app's Service screen in Debian Chromium against the real engines and Safe's own client
// (api-kit) talking to the local Transaction Service stand-in, on anvil with the official Safe contracts:
// a Safe{Wallet}-style proposal listed beside the queue → imported (hash recomputed) → a second owner's
// Airlock signer answers → the collected signatures posted back as confirmations → executed. A lying
// service (fields that do not hash to the claimed hash, two payloads at one nonce) is flagged in red and
// its transaction refused. The window's network allow-list admits the service origin only once set.
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { allowRequest } from '@airlock/coordinator-app/security'
import { Action, TransactionService } from '@airlock/coordinator-core'
import { SafeTx } from '@airlock/safe'
import { SignatureResponse, Ur } from '@airlock/transport'
import AxeBuilder from '@axe-core/playwright'
import { type HDAccount, type Hex, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServiceApp, startServiceApp, stopServiceApp } from './support/coordinator-app-service.ts'
import { CHAIN_ID, signerFor } from './support/coordinator-app-world.ts'
import { proposeAsSafeWallet } from './support/txServiceStandIn.ts'

const screenshots = join(import.meta.dirname, '..', 'docs', 'screenshots')
let app: ServiceApp | undefined
let { dir, world, store, service, api, page } = {} as ServiceApp

beforeAll(async () => {
  app = await startServiceApp({
    prefix: 'airlock-coordinator-service-',
    readKeyFile: (path) => readFile(path, 'utf8'),
  })
  ;({ dir, world, store, service, api, page } = app)
}, 180_000)

afterAll(() => stopServiceApp(app))

const context = () => SafeTx.context({ chainId: CHAIN_ID, safe: world.treasury, version: '1.4.1' })

const propose = (tx: SafeTx.SafeTx, proposer: HDAccount) =>
  proposeAsSafeWallet({ url: service.url, context: context(), tx, proposer })

const pay = (nonce: bigint, to: number, eth: string) =>
  SafeTx.from({ to: world.contributors[to]!, value: parseEther(eth), data: '0x', nonce })
const row = (nonce: number) => page.getByRole('row', { name: `Nonce ${nonce}` })
const serviceTx = (hash: Hex) => page.getByTestId('service-tx').filter({ hasText: hash })

describe('coordinator app: Transaction Service screen', () => {
  it('lists a proposal beside the queue, imports it, posts the collected signatures back, executes', async () => {
    const rpcOrigin = new URL(world.anvil.rpcUrl).origin
    const serviceOrigin = new URL(service.url).origin
    // Not configured: the window's session reaches the RPC only.
    expect(api.networkOrigins()).toEqual([rpcOrigin])
    expect(allowRequest(`${service.url}/v1/about/`, { rpcOrigins: api.networkOrigins() })).toBe(false)
    const unset = await api.servicePending()
    expect(!unset.ok && unset.error.message).toBe('No Transaction Service is configured.')
    const noKey = await api.serviceConfigure({ url: service.url, apiKeyFile: join(dir, 'missing') })
    expect(!noKey.ok && noKey.error.name).toBe('CoordinatorApp.InputError')
    expect(api.networkOrigins()).toEqual([rpcOrigin])

    const hash = await propose(pay(0n, 0, '0.5'), world.owners[0]!)
    const keyFile = join(dir, 'service-api-key')
    writeFileSync(keyFile, 'test-key\n')
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Service' }).click()
    await page.getByLabel('Service URL').fill(service.url)
    await page.getByLabel('API key file').fill(keyFile)
    await page.getByRole('button', { name: 'Use this service' }).click()
    await expect
      .poll(() => page.getByTestId('service-done').textContent())
      .toBe(`Using ${service.url} with an API key.`)
    // Configured: its origin, and only that, is admitted besides the RPC.
    expect(api.networkOrigins()).toEqual([rpcOrigin, serviceOrigin])
    expect(allowRequest(`${service.url}/v1/about/`, { rpcOrigins: api.networkOrigins() })).toBe(true)
    expect(allowRequest('https://safe-client.safe.global/v1/', { rpcOrigins: api.networkOrigins() })).toBe(
      false,
    )

    await expect.poll(() => row(0).textContent()).toContain('only in the service')
    await expect(serviceTx(hash).textContent()).resolves.toContain(
      `1 verified confirmation(s): ${world.owners[0]!.address}`,
    )
    await serviceTx(hash).getByRole('button', { name: 'Import into the queue' }).click()
    await expect
      .poll(() => page.getByTestId('imported').textContent())
      .toContain('1 verified signature(s) from the service')
    await expect.poll(() => row(0).textContent()).not.toContain('only in the service')
    const [action] = await store.listActions({ live: true })
    expect(action?.safeTxHash).toBe(hash)

    // The second owner's Airlock signer answers (over the request with the imported signature).
    const { signer, key } = await signerFor(world, world.owners[1]!)
    const answer = await signer.approve(
      Action.signRequest(action!, { collected: await store.signatures(action!.id) }),
      { key },
    )
    if (answer.status !== 'released') throw new Error(`refused: ${JSON.stringify(answer)}`)
    const part = Ur.encode({ ...SignatureResponse.toUr(answer.response), maxFragmentLength: 2000 }).nextPart()
    const scanned = await api.scanPart({ part })
    expect(scanned.ok && scanned.value.status).toBe('added')

    await row(0).getByRole('button', { name: 'Post signatures to the service' }).click()
    await expect
      .poll(() => page.getByTestId('service-done').textContent())
      .toContain(`Posted 2 confirmation(s) of ${hash}`)
    const held = await TransactionService.confirmations({
      client: TransactionService.client({ chainId: BigInt(CHAIN_ID), url: service.url }),
      safeTxHash: hash,
    })
    expect(held.problems).toEqual([])
    expect(held.confirmations.map((c) => c.owner).sort()).toEqual(
      world.owners
        .slice(0, 2)
        .map((o) => o.address)
        .sort(),
    )
    const executed = await api.execute({ actionId: action!.id })
    expect(executed.ok && executed.value.status).toBe('confirmed')
  })

  it('flags a lying service in red and refuses its transaction; the screen passes axe-core', async () => {
    const honest = await propose(pay(1n, 1, '0.25'), world.owners[0]!)
    const liar = await propose(pay(1n, 2, '0.25'), world.owners[1]!)
    // The service now serves other fields under the liar's hash.
    service.lie(liar, { value: parseEther('90').toString() })
    await page.getByRole('button', { name: 'List pending' }).click()
    await expect.poll(() => row(1).textContent()).toContain('several transactions at this nonce')
    await expect(serviceTx(liar).getByRole('alert').textContent()).resolves.toContain(
      `not to the ${liar} the service claims`,
    )
    await serviceTx(liar).getByRole('button', { name: 'Import into the queue' }).click()
    await expect
      .poll(() => serviceTx(liar).getByTestId('refusal').textContent())
      .toContain('The transaction from the Transaction Service is refused: its fields hash to')
    expect((await store.listActions({ live: true })).map((a) => a.safeTxHash)).toEqual([])

    await serviceTx(honest).getByRole('button', { name: 'Import into the queue' }).click()
    await expect.poll(() => row(1).textContent()).toContain('payload changed')
    expect((await store.listActions({ live: true })).map((a) => a.safeTxHash)).toEqual([honest])

    const { violations } = await new AxeBuilder({ page }).analyze()
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
    await page.screenshot({ path: join(screenshots, 'coordinator-service.png'), fullPage: true })

    // Cleared: the service origin leaves the allow-list again.
    await page.getByLabel('Service URL').fill('')
    await page.getByRole('button', { name: 'Use this service' }).click()
    await expect.poll(() => api.networkOrigins()).toEqual([new URL(world.anvil.rpcUrl).origin])
  })
})
