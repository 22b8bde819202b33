// ENS names on the coordinator, on anvil with the ENS team's published ENSRegistry and PublicResolver:
// EIP-137 resolution with ENSIP-15 normalisation at one block, the typed errors of names that do not
// resolve, and the operators' paths (the CLI's --to, batch rows and address arguments; the app's
// Compose): the name and its checksummed address are shown, only the address enters the request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { Build, type Chain, type CoordinatorConfig, Ens } from '@airlock/coordinator-core'
import { deployEns, type LocalEns, setEnsName } from '@airlock/devnet'
import { openPgliteStore, type Store } from '@airlock/queue'
import { type Address, decodeFunctionData, getAddress, parseAbi, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHAIN_ID, startWorld, type World, worldHandlers } from './support/coordinator-app-world.ts'

let world: World
let ens: LocalEns
let config: CoordinatorConfig
let dir: string
let store: Store
let alice: Address
let payroll: Address

const client = () => world.anvil.publicClient as unknown as Chain.Client
const head = () => world.anvil.publicClient.getBlockNumber({ cacheTime: 0 })
const noResolver = getAddress('0x000000000000000000000000000000000000dEaD')

beforeAll(async () => {
  world = await startWorld()
  ens = await deployEns({ anvil: world.anvil, deployer: world.deployer })
  alice = world.contributors[0] as Address
  payroll = world.contributors[1] as Address
  await setEnsName({ anvil: world.anvil, ens, name: 'alice.eth', address: alice })
  await setEnsName({ anvil: world.anvil, ens, name: 'payroll.acme.eth', address: payroll })
  await setEnsName({ anvil: world.anvil, ens, name: 'unset.eth' })
  await setEnsName({ anvil: world.anvil, ens, name: 'broken.eth', resolver: noResolver })
  config = { ...world.config, ensRegistry: ens.registry }
  dir = mkdtempSync(join(tmpdir(), 'airlock-ens-'))
  store = await openPgliteStore({ dataDir: 'memory' })
}, 180_000)
afterAll(async () => {
  await store?.close()
  await world?.anvil.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('ENS resolution (EIP-137, ENSIP-15) through the registry at one block', () => {
  it('normalises, hashes and resolves names and subnames to checksummed addresses', async () => {
    const blockNumber = await head()
    const resolved = await Ens.resolve({
      client: client(),
      name: 'Alice.ETH',
      registry: ens.registry,
      blockNumber,
    })
    expect(resolved).toMatchObject({
      name: 'Alice.ETH',
      normalized: 'alice.eth',
      node: '0x787192fc5378cc32aa956ddfdedbf26b24e8d78e40109add0eea2c1a012c3dec',
      address: alice,
      resolver: ens.resolver,
      blockNumber,
    })
    const both = await Ens.resolveAll({
      client: client(),
      names: ['payroll.acme.eth', 'alice.eth', 'alice.eth'],
      registry: ens.registry,
      blockNumber,
    })
    expect([...both].map(([name, r]) => [name, r.address])).toEqual([
      ['payroll.acme.eth', payroll],
      ['alice.eth', alice],
    ])
  })

  it('resolves at the block it is given: a record changed later does not change the answer', async () => {
    const before = await head()
    await setEnsName({ anvil: world.anvil, ens, name: 'moving.eth', address: alice })
    const set = await head()
    await setEnsName({ anvil: world.anvil, ens, name: 'moving.eth', address: payroll })
    const resolveAt = (blockNumber: bigint) =>
      Ens.resolve({ client: client(), name: 'moving.eth', registry: ens.registry, blockNumber })
    expect((await resolveAt(set)).address).toBe(alice)
    expect((await resolveAt(await head())).address).toBe(payroll)
    await expect(resolveAt(before)).rejects.toMatchObject({ reason: 'no-resolver' })
  })

  it('says what is wrong with a name that does not resolve, and what to do', async () => {
    const blockNumber = await head()
    const fails = (name: string, registry: Address = ens.registry) =>
      Ens.resolve({ client: client(), name, registry, blockNumber }).then(
        () => undefined,
        (error: unknown) => error as { name: string; reason: string; shortMessage: string; hint: string },
      )
    expect(await fails('nobody.eth')).toMatchObject({
      name: 'Coordinator.EnsResolutionError',
      reason: 'no-resolver',
      shortMessage: expect.stringContaining('"nobody.eth" has no resolver'),
    })
    expect(await fails('unset.eth')).toMatchObject({ reason: 'no-address' })
    expect(await fails('broken.eth')).toMatchObject({
      reason: 'resolver-without-code',
      shortMessage: expect.stringContaining(noResolver),
    })
    expect(await fails('a..eth')).toMatchObject({ reason: 'invalid' })
    // No registry at mainnet's address on this chain: the hint names the config key.
    expect(await fails('alice.eth', Ens.mainnetRegistry)).toMatchObject({
      reason: 'no-registry',
      hint: expect.stringContaining('ensRegistry'),
    })
  })

  it('substitutes resolved names only where the ABI takes an address', () => {
    const parameters = {
      to: 'payroll.acme.eth',
      signature: 'function note(address who, string text, address[] more)',
      args: ['alice.eth', 'alice.eth', '["payroll.acme.eth"]'],
    }
    expect(Build.namesIn(parameters)).toEqual(['payroll.acme.eth', 'alice.eth', 'payroll.acme.eth'])
    const names = new Map<string, Address>([
      ['alice.eth', alice],
      ['payroll.acme.eth', payroll],
    ])
    const call = Build.contractCall({ ...parameters, names })
    expect(call.to).toBe(payroll)
    const abi = parseAbi(['function note(address who, string text, address[] more)'])
    expect(decodeFunctionData({ abi, data: call.data }).args).toEqual([alice, 'alice.eth', [payroll]])
  })
})

describe('the CLI takes ENS names for recipients, batch rows and address arguments', () => {
  let home: string
  const cli = (...argv: string[]) => runCli([...argv, '--home', home], { cwd: dir })

  beforeAll(async () => {
    home = join(dir, 'home')
    writeFileSync(join(dir, 'org.json'), JSON.stringify(world.orgJson))
    const init = await cli(
      'coordinator',
      'init',
      '--rpc',
      world.anvil.rpcUrl,
      '--chain-id',
      String(CHAIN_ID),
      '--org',
      'org.json',
      '--treasury',
      world.treasury,
      '--multisend',
      world.deployment.multiSendCallOnly,
      '--ens-registry',
      ens.registry,
    )
    expect(init.code, init.stderr).toBe(0)
  })

  it('queues a transfer to alice.eth with her address, and shows both', async () => {
    const out = await cli('action', 'new', 'transfer', '--to', 'alice.eth', '--amount', '0.1', '--json')
    expect(out.code, out.stderr).toBe(0)
    const created = JSON.parse(out.stdout)
    expect(created.ens).toEqual([{ name: 'alice.eth', address: alice, blockNumber: expect.any(String) }])
    expect(created.tx).toMatchObject({ to: alice, value: parseEther('0.1').toString() })
    const text = await cli('action', 'new', 'transfer', '--to', 'ALICE.eth', '--amount', '0.2')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`ENS: ALICE\\.eth → ${alice} \\(block \\d+\\)`))
    expect(created.title).toBe('Transfer 0.1 (native) to alice.eth')
  })

  it('resolves batch rows and address arguments, and refuses a name that does not resolve', async () => {
    writeFileSync(
      join(dir, 'calls.json'),
      JSON.stringify([
        { to: 'payroll.acme.eth', value: parseEther('0.05').toString() },
        { to: world.token, sig: 'function transfer(address to, uint256 amount)', args: ['alice.eth', '5'] },
      ]),
    )
    const out = await cli('action', 'new', 'batch', '--file', 'calls.json', '--json')
    expect(out.code, out.stderr).toBe(0)
    const batch = JSON.parse(out.stdout)
    expect(batch.ens.map((e: { name: string; address: string }) => [e.name, e.address])).toEqual([
      ['payroll.acme.eth', payroll],
      ['alice.eth', alice],
    ])
    expect(batch.description).toContain(payroll)
    expect(batch.description).toContain(alice)

    const missing = await cli('action', 'new', 'transfer', '--to', 'nobody.eth', '--amount', '0.1')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('"nobody.eth" has no resolver in the ENS registry')
    expect(missing.stderr).toContain('give the 0x address')
    const noCode = await cli('action', 'new', 'call', '--to', 'broken.eth', '--sig', 'function pause()')
    expect(noCode.code).toBe(1)
    expect(noCode.stderr).toContain('has no code')
  })
})

describe('the app’s Compose resolves ENS names on the coordinator', () => {
  it('shows the name and its address, queues only the address', async () => {
    const api = await worldHandlers({ world, store, config })
    const composed = await api.compose({
      form: { builder: 'transfer', transfer: { asset: 'ETH', to: 'alice.eth', amount: '0.1' } },
      title: 'Pay alice.eth',
      queue: true,
    })
    if (!composed.ok) throw new Error(composed.error.message)
    const view = composed.value
    expect(view.names).toEqual([{ name: 'alice.eth', address: alice, blockNumber: expect.any(String) }])
    expect(view.prediction.verdict).toBe('sign')
    expect(view.actionId).toBeDefined()
    // The queued transaction (what the request carries) holds the address; the name is only in the title.
    const action = await store.getAction(view.actionId as string)
    expect(action.tx).toMatchObject({ to: alice, value: parseEther('0.1'), data: '0x' })

    const refused = await api.compose({
      form: { builder: 'transfer', transfer: { asset: 'ETH', to: 'unset.eth', amount: '0.1' } },
      title: 'Pay nobody',
      queue: true,
    })
    expect(refused).toMatchObject({
      ok: false,
      error: { name: 'Coordinator.EnsResolutionError', hint: expect.stringContaining('address record') },
    })
  })
})
