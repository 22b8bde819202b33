// The coordinator's foresight on anvil with the official Safe contracts: the predicted signer verdict
// (the signer engine's own review on the installed bundle) against a real signer's decision, and the
// simulation of the exact execTransaction bytes before any signature exists.
import {
  Action,
  Build,
  Chain,
  Config,
  Predict,
  Simulate,
  TargetWithoutCodeError,
} from '@airlock/coordinator-core'
import { OrgConfig } from '@airlock/policy'
import { type Address, createPublicClient, custom, encodeFunctionData, erc20Abi, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHAIN_ID, cedar, signerFor, startWorld, type World } from './support/coordinator-app-world.ts'

let world: World
let installed: Awaited<ReturnType<typeof Predict.install>>

beforeAll(async () => {
  world = await startWorld()
  installed = await Predict.install({ bundle: world.bundle, cedar })
}, 120_000)
afterAll(async () => {
  await world?.anvil.stop()
})

const client = () => world.anvil.publicClient
const state = () => Chain.readSafe({ client: client(), safe: world.treasury, chainId: CHAIN_ID })
const tusd = (to: Address, amount: bigint) => ({
  to: world.token,
  value: 0n,
  data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
})

describe('predicted signer verdict', () => {
  it('says before queueing that the signers refuse a 1.5 ETH transfer as Routine, as a real signer does', async () => {
    const action = Action.prepare({
      config: world.config,
      state: await state(),
      calls: Build.nativeTransfer({ to: world.contributors[0]!, amount: parseEther('1.5') }),
      title: 'Pay contributor 1',
    })
    const request = Action.signRequest(action)
    const prediction = await Predict.verdict({ installed, request })
    expect(prediction.verdict).toBe('refuse')
    expect(prediction.tier).toBe('routine')
    expect(prediction.refusals.map((r) => r.code)).toContain('treasury.large-transfer-tier')
    expect(prediction.owners).toHaveLength(3)

    const alice = await signerFor(world, world.owners[0]!)
    const real = await alice.signer.approve(request, { key: alice.key })
    expect(real.status).toBe('refused')
    if (real.status !== 'refused') return
    expect(real.refusals.map((r) => r.code)).toEqual(prediction.owners[0]!.refusals.map((r) => r.code))
  })

  it('predicts a signature for a payroll batch, and an outsider key is predicted refused', async () => {
    const action = Action.prepare({
      config: world.config,
      state: await state(),
      calls: world.contributors.map((to) => Build.nativeTransfer({ to, amount: parseEther('0.2') })),
      title: 'Payroll',
    })
    const request = Action.signRequest(action)
    const prediction = await Predict.verdict({ installed, request })
    expect(prediction).toMatchObject({ verdict: 'sign', tier: 'routine', allowing: 3, needed: 2 })
    const outsider = await Predict.verdict({ installed, request, owners: [world.executor.address] })
    expect(outsider.verdict).toBe('refuse')
    expect(outsider.refusals.map((r) => r.code)).toContain('not-an-owner')
  })
})

describe('simulation before signatures', () => {
  it('runs the exact bytes and reports the Safe’s balance changes in its assets', async () => {
    const safe = await state()
    const action = Action.prepare({
      config: world.config,
      state: safe,
      calls: [
        ...world.contributors.map((to) => Build.nativeTransfer({ to, amount: parseEther('0.2') })),
        tusd(world.contributors[0]!, parseEther('25')),
      ],
      title: 'Payroll',
    })
    const simulation = await Simulate.transaction({
      client: client(),
      config: world.config,
      tx: action.tx,
      context: action.context,
      state: safe,
    })
    expect(simulation.ok).toBe(true)
    expect(simulation.revert).toBeUndefined()
    const byAsset = Object.fromEntries(simulation.balanceChanges.map((c) => [c.asset, c]))
    expect(byAsset.ETH?.delta).toBe(-parseEther('0.8'))
    expect(byAsset.ETH?.before).toBe(await client().getBalance({ address: world.treasury }))
    expect(byAsset.TUSD?.delta).toBe(-parseEther('25'))
    // Nothing happened on chain.
    expect((await state()).nonce).toBe(safe.nonce)
  })

  it('decodes the inner revert reason behind GS013, with the failing call of a batch', async () => {
    const safe = await state()
    const action = Action.prepare({
      config: world.config,
      state: safe,
      calls: [
        tusd(world.contributors[0]!, parseEther('1')),
        tusd(world.contributors[1]!, parseEther('20000')),
      ],
      title: 'Too much',
    })
    const simulation = await Simulate.transaction({
      client: client(),
      config: world.config,
      tx: action.tx,
      context: action.context,
      state: safe,
    })
    expect(simulation.ok).toBe(false)
    expect(simulation.revert?.code).toBe('GS013')
    expect(simulation.failedCall?.path).toEqual([1])
    expect(simulation.failedCall?.revert.reason).toBe('TestToken: balance')
    expect(simulation.balanceChanges.every((c) => c.delta === 0n)).toBe(true)
  })

  it('falls back to eth_call with the same overrides on a node without eth_simulateV1', async () => {
    // The same anvil, behind a transport that answers eth_simulateV1 as an old node does.
    const oldNode = createPublicClient({
      chain: client().chain,
      transport: custom({
        request: async ({ method, params }) => {
          if (method === 'eth_simulateV1')
            throw { code: -32601, message: 'the method eth_simulateV1 does not exist' }
          return client().request({ method, params } as never)
        },
      }),
    })
    const safe = await state()
    const calls = [
      tusd(world.contributors[0]!, parseEther('1')),
      tusd(world.contributors[1]!, parseEther('20000')),
    ]
    const failing = Action.prepare({ config: world.config, state: safe, calls, title: 'Too much' })
    const simulation = await Simulate.transaction({
      client: oldNode,
      config: world.config,
      tx: failing.tx,
      context: failing.context,
      state: safe,
    })
    expect(simulation).toMatchObject({ method: 'eth_call', ok: false, balanceChanges: [] })
    expect(simulation.revert?.code).toBe('GS013')
    expect(simulation.failedCall?.revert.reason).toBe('TestToken: balance')
    const fine = Action.prepare({
      config: world.config,
      state: safe,
      calls: calls.slice(0, 1),
      title: 'Fine',
    })
    const ok = await Simulate.transaction({
      client: oldNode,
      config: world.config,
      tx: fine.tx,
      context: fine.context,
      state: safe,
    })
    expect(ok).toMatchObject({ method: 'eth_call', ok: true })
  })

  it('refuses a batch through a MultiSendCallOnly address that has no code on this chain', async () => {
    const pinned = Config.pinnedMultiSendCallOnly['1.4.1']
    const org = OrgConfig.parse({
      ...world.orgJson,
      trustedDelegatecall: [{ name: 'MultiSendCallOnly 1.4.1 (pinned)', address: pinned.toLowerCase() }],
    })
    const config = Config.create({ org, chainId: CHAIN_ID, treasury: world.treasury })
    const safe = await state()
    const action = Action.prepare({
      config,
      state: safe,
      calls: world.contributors.map((to) => Build.nativeTransfer({ to, amount: parseEther('0.1') })),
      title: 'Payroll via an empty address',
    })
    expect(action.tx.to).toBe(pinned)
    const error = await Simulate.transaction({
      client: client(),
      config,
      tx: action.tx,
      context: action.context,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetWithoutCodeError)
    expect((error as TargetWithoutCodeError).shortMessage).toContain(pinned)
  })
})
