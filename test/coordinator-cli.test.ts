// The operators' CLI for the online coordinator, end to end on anvil with the official Safe 1.4.1
// contracts and an embedded PGlite queue in a temp dir: init → safe add → action new → action qr →
// owners sign the hash they recompute from the decoded request → sig add (UR text, PNG frames,
// Keystone eth-signature) → action exec → the chain changed. Plus the guardian's one-signature pause,
// the sentry, and bad input (non-owner, another hash, malformed UR, unknown id, dead RPC).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '@airlock/cli/testing'
import { Timelock, TransactionBuilder } from '@airlock/coordinator-core'
import {
  type Anvil,
  anvilAccounts,
  createSafe,
  deploy,
  deploySafeContracts,
  type SafeDeployment,
  startAnvil,
  testContracts,
  timelockArtifact,
} from '@airlock/devnet'
import { SafeTxHash, Signature } from '@airlock/safe'
import { Attestation } from '@airlock/signer-core'
import { EthSignature, SignatureResponse, SignRequest, Ur, UrDecoder } from '@airlock/transport'
import {
  type Address,
  encodeFunctionData,
  getAddress,
  type HDAccount,
  type Hex,
  hexToBytes,
  parseAbi,
  parseEther,
  toHex,
  zeroAddress,
  zeroHash,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHAIN_ID = 31337
const [deployer, o1, o2, o3, g1, g2, outsider, executorAccount] = anvilAccounts(8) as [
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
]
const payroll = getAddress('0x00000000000000000000000000000000000a1e57')
const vaultAbi = parseAbi(['function paused() view returns (bool)'])

let anvil: Anvil
let deployment: SafeDeployment
let treasury: Address
let guardian: Address
let vault: Address
let timelock: Address
let dir: string
let home: string

const cli = (...argv: string[]) => runCli([...argv, '--home', home], { cwd: dir })
const json = async (...argv: string[]) => {
  const result = await cli(...argv, '--json')
  if (result.code !== 0) throw new Error(`airlock ${argv.join(' ')} failed: ${result.stderr}`)
  return JSON.parse(result.stdout)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-coordinator-cli-'))
  home = join(dir, 'home')
  anvil = await startAnvil({ chainId: CHAIN_ID })
  deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
  treasury = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: [o1.address, o2.address, o3.address],
    threshold: 2,
    balance: parseEther('10'),
  })
  guardian = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: [g1.address, g2.address],
    threshold: 1,
    saltNonce: 1n,
  })
  const { TestToken, TestVault } = testContracts()
  const token = await deploy({
    anvil,
    deployer,
    artifact: TestToken,
    args: [deployer.address, parseEther('1000')],
  })
  vault = await deploy({ anvil, deployer, artifact: TestVault, args: [token, deployer.address, guardian] })
  // Proposer: the treasury; executor: anyone.
  timelock = await deploy({
    anvil,
    deployer,
    artifact: timelockArtifact(),
    args: [3600n, [treasury], [zeroAddress], deployer.address],
  })
  const lower = (a: string) => a.toLowerCase()
  const org = {
    name: 'CLI test org',
    safes: [
      {
        name: 'treasury',
        address: lower(treasury),
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: [o1, o2, o3].map((o) => lower(o.address)),
        threshold: 2,
      },
      {
        name: 'guardian',
        address: lower(guardian),
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: [g1, g2].map((o) => lower(o.address)),
        threshold: 1,
      },
    ],
    guardian: { address: lower(guardian), chainId: CHAIN_ID },
    pausable: [{ name: 'Vault', address: lower(vault), chainId: CHAIN_ID }],
    trustedDelegatecall: [
      { name: 'MultiSendCallOnly (anvil)', address: lower(deployment.multiSendCallOnly), chainId: CHAIN_ID },
    ],
    recipients: [{ name: 'Payroll', address: lower(payroll), chainId: CHAIN_ID }],
    assets: [
      { id: 'ETH', chainId: CHAIN_ID, address: 'native', decimals: 18, large: parseEther('50').toString() },
    ],
    admins: { addresses: [lower(o1.address), lower(o2.address)], threshold: 2 },
  }
  writeFileSync(join(dir, 'org.json'), JSON.stringify(org, null, 2))
  writeFileSync(join(dir, 'executor.key'), `${toHex(executorAccount.getHdKey().privateKey!)}\n`)
}, 120_000)

afterAll(async () => {
  await anvil?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** What a signer does: decode the request's UR parts, recompute the hash, sign it with the owner key. */
const safeNonce = async (safe: Address) =>
  String(
    await anvil.publicClient.readContract({
      address: safe,
      abi: parseAbi(['function nonce() view returns (uint256)']),
      functionName: 'nonce',
    }),
  )

async function signAsOwner(parts: string[], owner: HDAccount) {
  const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
  let request: SignRequest.SignRequest | undefined
  for (const part of parts) {
    const status = decoder.receive(part)
    if (status.status === 'complete') request = SignRequest.fromUr(status.result)
  }
  if (!request) throw new Error('the request did not decode')
  const { safeTxHash } = SafeTxHash.compute({ tx: request.tx, context: request.context })
  const signature = Signature.encode([Signature.fromEcdsa(await owner.sign({ hash: safeTxHash }))])
  const response: SignatureResponse.SignatureResponse = {
    requestId: request.requestId,
    safeTxHash,
    signer: owner.address,
    signature,
    kind: 'safe-signature',
  }
  return { request, safeTxHash, signature, response }
}

function writeUr(name: string, response: SignatureResponse.SignatureResponse): string {
  const path = join(dir, name)
  writeFileSync(path, `${Ur.encodeSingle(SignatureResponse.toUr(response))}\n`)
  return path
}

async function requestParts(id: string): Promise<string[]> {
  const result = await cli('action', 'qr', id, '--parts', '--fragment', '120')
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.trim().split('\n')
}

describe('airlock coordinator CLI', () => {
  it('refuses to work before init, and reports an unreachable RPC at init', async () => {
    const notYet = await cli('action', 'list')
    expect(notYet.code).toBe(1)
    expect(notYet.stderr).toMatch(/^airlock: No coordinator config in .*coordinator init/)

    const dead = await runCli(
      [
        'coordinator',
        'init',
        '--home',
        join(dir, 'dead'),
        '--rpc',
        'http://127.0.0.1:9',
        '--chain-id',
        '31337',
      ].concat(['--org', 'org.json', '--treasury', treasury]),
      { cwd: dir },
    )
    expect(dead.code).toBe(1)
    expect(dead.stderr).toMatch(/^airlock: The RPC endpoint .* did not answer/)
    expect(dead.stderr.trim().split('\n')).toHaveLength(1)
    expect(existsSync(join(dir, 'dead', 'config.json'))).toBe(false)

    const wrongChain = await runCli(
      ['coordinator', 'init', '--home', join(dir, 'wrong'), '--rpc', anvil.rpcUrl, '--chain-id', '1'].concat([
        '--org',
        'org.json',
        '--treasury',
        treasury,
      ]),
      { cwd: dir },
    )
    expect(wrongChain.code).toBe(1)
    expect(wrongChain.stderr).toMatch(/not in the org config for chain 1|serves chain 31337/)
  })

  it('initialises, adds the treasury and shows the guardian from chain', async () => {
    const init = await cli(
      'coordinator',
      'init',
      '--rpc',
      anvil.rpcUrl,
      '--chain-id',
      String(CHAIN_ID),
      '--org',
      'org.json',
      '--treasury',
      treasury,
      '--multisend',
      deployment.multiSendCallOnly,
      '--executor-key-file',
      'executor.key',
      '--timelock',
      timelock,
      '--json',
    )
    expect(init.code, init.stderr).toBe(0)
    expect(JSON.parse(init.stdout)).toMatchObject({ chainId: CHAIN_ID, executor: executorAccount.address })
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))).toMatchObject({
      chainId: CHAIN_ID,
      treasury,
    })
    const again = await cli(
      'coordinator',
      'init',
      '--rpc',
      anvil.rpcUrl,
      '--chain-id',
      '31337',
      '--org',
      'org.json',
      '--treasury',
      treasury,
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already exists.*--force/)

    const added = await json('safe', 'add', treasury, '--name', 'treasury')
    expect(added).toMatchObject({
      address: treasury,
      name: 'treasury',
      version: '1.4.1',
      owners: [o1.address, o2.address, o3.address],
      threshold: '2',
      nonce: '0',
      drift: [],
    })
    const shown = await json('safe', 'show', guardian)
    expect(shown).toMatchObject({
      name: 'guardian',
      threshold: '1',
      modules: [],
      fallbackHandler: getAddress(deployment.fallbackHandler),
      singleton: getAddress(deployment.singleton),
    })
    const notSafe = await cli('safe', 'show', payroll)
    expect(notSafe.code).toBe(1)
    expect(notSafe.stderr).toMatch(/has no code on chain 31337: it is not a Safe/)
  })

  it('pays from the treasury: new transfer → qr parts → owners sign → sig add → exec', async () => {
    const created = await json('action', 'new', 'transfer', '--to', payroll, '--amount', '1')
    expect(created).toMatchObject({
      tier: 'routine',
      state: 'collecting-signatures',
      nonce: '0',
      requirements: { signatures: 2, attestations: 0 },
      missing: ['2 more owner signature(s): the Safe needs 2.'],
    })
    const id: string = created.id
    const parts = await requestParts(id)
    expect(parts.length).toBeGreaterThan(1)

    const byO1 = await signAsOwner(parts, o1)
    expect(byO1.safeTxHash).toBe(created.safeTxHash)
    expect(byO1.request.requestId).toBe(created.requestId)

    // Bad input first: each is refused with one clear line, and nothing is stored.
    const outsiderSig = await signAsOwner(parts, outsider)
    const fromOutsider = await cli('sig', 'add', writeUr('outsider.ur', outsiderSig.response))
    expect(fromOutsider.code).toBe(1)
    expect(fromOutsider.stderr).toMatch(/^airlock: 0x[0-9a-fA-F]{40} signed, but is not an owner of/)

    const otherHash = `0x${'ab'.repeat(32)}` as Hex
    const wrongHash = {
      ...byO1.response,
      signature: Signature.encode([Signature.fromEcdsa(await o2.sign({ hash: otherHash }))]),
      signer: o2.address,
    }
    const overOtherHash = await cli('sig', 'add', writeUr('other-hash.ur', wrongHash))
    expect(overOtherHash.code).toBe(1)
    expect(overOtherHash.stderr).toMatch(/does not recover to it over action .* hash/)

    const unknownHash = await cli(
      'sig',
      'add',
      writeUr('unknown.ur', { ...byO1.response, safeTxHash: otherHash }),
    )
    expect(unknownHash.code).toBe(1)
    expect(unknownHash.stderr).toMatch(/No queued action has safeTxHash 0xabab/)

    writeFileSync(join(dir, 'garbage.ur'), 'ur:airlock-signature/not-bytewords-at-all\n')
    const malformed = await cli('sig', 'add', 'garbage.ur')
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toMatch(/^airlock: garbage\.ur: /)
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1)

    const forUnknownAction = await cli(
      'sig',
      'add',
      writeUr('o1.ur', byO1.response),
      '--action',
      'no-such-action',
    )
    expect(forUnknownAction.code).toBe(1)
    expect(forUnknownAction.stderr).toMatch(/No action with id "no-such-action"/)
    expect((await json('action', 'show', id)).collected.signatures).toEqual([])

    // o1 as UR text, twice (idempotent).
    const first = await json('sig', 'add', join(dir, 'o1.ur'))
    expect(first).toMatchObject({
      status: 'added',
      signer: o1.address,
      action: { state: 'collecting-signatures' },
    })
    expect((await json('sig', 'add', join(dir, 'o1.ur'))).status).toBe('duplicate')

    // o2 as PNG frames, rendered by `airlock qr encode` and decoded with zxing.
    const byO2 = await signAsOwner(parts, o2)
    writeFileSync(join(dir, 'o2.cbor'), SignatureResponse.encode(byO2.response))
    const frames = await runCli(
      ['qr', 'encode', 'o2.cbor', '--type', SignatureResponse.urType, '--out', 'o2-frames'],
      {
        cwd: dir,
      },
    )
    expect(frames.code, frames.stderr).toBe(0)
    const second = await json('sig', 'add', join(dir, 'o2-frames'))
    expect(second).toMatchObject({
      status: 'added',
      signer: o2.address,
      action: { state: 'ready', missing: [] },
    })

    // o3 through a Keystone eth-signature (v = 0/1 form), which names only its request id.
    const byO3 = await signAsOwner(parts, o3)
    const raw = hexToBytes(byO3.signature)
    raw[64] = raw[64]! - 27
    writeFileSync(
      join(dir, 'o3.ur'),
      `${Ur.encodeSingle({ type: EthSignature.urType, payload: EthSignature.encode({ requestId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d', signature: raw, origin: 'Keystone 3 Pro' }) })}\n`,
    )
    const noAction = await cli('sig', 'add', 'o3.ur')
    expect(noAction.code).toBe(2)
    expect(noAction.stderr).toMatch(/--action ID/)
    expect(await json('sig', 'add', 'o3.ur', '--action', id)).toMatchObject({
      status: 'added',
      signer: o3.address,
    })

    const before = await anvil.publicClient.getBalance({ address: payroll })
    const executed = await json('action', 'exec', id)
    expect(executed).toMatchObject({ id, status: 'executed', from: executorAccount.address })
    expect(executed.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await anvil.publicClient.getBalance({ address: payroll })) - before).toBe(parseEther('1'))

    const shown = await json('action', 'show', id)
    expect(shown).toMatchObject({
      state: 'executed',
      execution: { status: 'success', txHash: executed.txHash },
    })
    expect(shown.history.map((e: { to: string }) => e.to)).toEqual([
      'draft',
      'collecting-attestations',
      'collecting-signatures',
      'ready',
      'executed',
    ])
    const again = await cli('action', 'exec', id)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/cannot execute now: Nonce 0 is already used/)
  })

  it('refuses to execute before the threshold, and shows what is missing', async () => {
    const created = await json(
      'action',
      'new',
      'call',
      '--to',
      vault,
      '--sig',
      'function paused()',
      '--title',
      'Read paused',
    )
    const early = await cli('action', 'exec', created.id)
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(/cannot execute now: .*2 more owner signature\(s\)/)
    const text = await cli('action', 'show', created.id)
    expect(text.stdout).toContain('missing: 2 more owner signature(s)')

    const rejection = await json('action', 'reject', '1')
    expect(rejection).toMatchObject({ kind: 'rejection', nonce: '1', tx: { to: treasury, data: '0x' } })
    expect(rejection.conflicts.map((c: { id: string }) => c.id)).toEqual([created.id])

    const cancelled = await json('action', 'cancel', created.id, '--reason', 'not needed')
    expect(cancelled.state).toBe('cancelled')
    const listed = await json('action', 'list')
    expect(listed.map((a: { id: string }) => a.id)).toEqual([rejection.id])
    const unknown = await cli('action', 'show', 'no-such-action')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^airlock: No action with id "no-such-action" is in the queue/)
  })

  it('queues batches, admin changes and a Critical timelock schedule that waits for attestations and its delay', async () => {
    writeFileSync(
      join(dir, 'calls.json'),
      JSON.stringify([
        { to: payroll, value: '1000' },
        { to: vault, sig: 'function paused()' },
      ]),
    )
    const batch = await json('action', 'new', 'batch', '--file', 'calls.json')
    expect(batch).toMatchObject({
      tier: 'routine',
      tx: { to: getAddress(deployment.multiSendCallOnly), operation: 1 },
    })
    const saved = {
      version: '1.0',
      chainId: String(CHAIN_ID),
      createdAt: 1,
      meta: { name: 'Two payments', description: '', createdFromSafeAddress: treasury, checksum: '' },
      transactions: [
        { to: payroll, value: '1', data: null },
        { to: payroll, value: '2', data: null },
      ],
    }
    saved.meta.checksum = TransactionBuilder.checksum(saved)
    // Edited after the Transaction Builder saved it: refused, nothing queued.
    const edited = structuredClone(saved)
    edited.transactions[1]!.value = '2000'
    writeFileSync(join(dir, 'tx-builder-edited.json'), JSON.stringify(edited))
    const refused = await cli('action', 'new', 'batch', '--tx-builder', 'tx-builder-edited.json')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('checksum does not match')
    expect(refused.stderr).toContain('--ignore-checksum')
    writeFileSync(join(dir, 'tx-builder.json'), JSON.stringify(saved))
    const imported = await json('action', 'new', 'batch', '--tx-builder', 'tx-builder.json')
    expect(imported).toMatchObject({
      title: 'Two payments',
      nonce: String(BigInt(batch.nonce) + 1n),
      notes: [],
    })

    const threshold = await json('action', 'new', 'admin', 'threshold', '--threshold', '3')
    expect(threshold.tier).toBe('existential')
    expect(threshold.requirements).toMatchObject({ signatures: 2, approvals: 3, attestations: 3 })

    const scheduled = await json(
      'action',
      'new',
      'timelock',
      'schedule',
      '--to',
      vault,
      '--sig',
      'function transferOwnership(address)',
      '--args',
      treasury,
      '--salt',
      `0x${'01'.repeat(32)}`,
    )
    expect(scheduled).toMatchObject({
      tier: 'critical',
      state: 'collecting-attestations',
      tx: { to: timelock },
      requirements: { signatures: 2, approvals: 3, attestations: 3 },
    })
    // Round 1: each owner attests over the request it decoded; a Safe signature is refused for now.
    const parts = await requestParts(scheduled.id)
    for (const owner of [o1, o2, o3]) {
      const { request, safeTxHash, response } = await signAsOwner(parts, owner)
      if (owner === o1) {
        const early = await cli('sig', 'add', writeUr('early.ur', response))
        expect(early.code).toBe(1)
        expect(early.stderr).toMatch(/collecting-attestations/)
      }
      const attestation = Attestation.forRequest({ context: request.context, safeTxHash, tier: 'critical' })
      const signature = await Attestation.sign(attestation, owner)
      const added = await json(
        'sig',
        'add',
        writeUr(`attest-${owner.address}.ur`, { ...response, signature, kind: 'approval-attestation' }),
      )
      expect(added.status).toBe('added')
    }
    const waiting = await json('action', 'show', scheduled.id)
    expect(waiting.state).toBe('delay-running')
    expect(waiting.collected.attestations).toHaveLength(3)
    const early = await cli('action', 'exec', scheduled.id)
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(/cannot execute now: The delay runs until/)
  })

  it('pauses the vault through the guardian Safe with one guardian signature', async () => {
    const created = await json('action', 'new', 'pause', '--contract', vault)
    expect(created).toMatchObject({
      tier: 'emergency',
      safe: { address: guardian, name: 'guardian' },
      requirements: { signatures: 1, approvals: 1, attestations: 0, delaySeconds: 0 },
    })
    const parts = await requestParts(created.id)
    const byG2 = await signAsOwner(parts, g2)
    expect((await json('sig', 'add', writeUr('g2.ur', byG2.response))).action.state).toBe('ready')
    const out = await cli('action', 'qr', created.id, '--out', 'pause-frames')
    expect(out.code, out.stderr).toBe(0)
    expect(existsSync(join(dir, 'pause-frames', 'frame-0001.png'))).toBe(true)

    expect(
      await anvil.publicClient.readContract({ address: vault, abi: vaultAbi, functionName: 'paused' }),
    ).toBe(false)
    const executed = await cli('action', 'exec', created.id)
    expect(executed.code, executed.stderr).toBe(0)
    expect(executed.stdout).toMatch(/^Executed .*\n {2}tx {7}0x[0-9a-f]{64}/)
    expect(
      await anvil.publicClient.readContract({ address: vault, abi: vaultAbi, functionName: 'paused' }),
    ).toBe(true)

    // A reorg drops the execution's block: `action confirm` notices, the action is ready again and
    // the same signatures execute it a second time.
    const paused = () =>
      anvil.publicClient.readContract({ address: vault, abi: vaultAbi, functionName: 'paused' })
    expect(await json('action', 'confirm', created.id, '--confirmations', '2')).toMatchObject({
      status: 'pending',
      confirmations: '1',
      required: '2',
    })
    const confirmed = await cli('action', 'confirm', created.id)
    expect(confirmed.code, confirmed.stderr).toBe(0)
    expect(confirmed.stdout).toMatch(/^Confirmed .*: 1 confirmation\(s\)/)
    await anvil.testClient.request({ method: 'anvil_reorg' as never, params: [1, []] as never })
    expect(await paused()).toBe(false)
    const reorged = await cli('action', 'confirm', created.id)
    expect(reorged.code, reorged.stderr).toBe(0)
    expect(reorged.stdout).toContain(`The action is ready again: run airlock action exec ${created.id}.`)
    const back = await json('action', 'show', created.id)
    expect(back).toMatchObject({ state: 'ready', execution: null })
    expect(back.history.at(-1)).toMatchObject({ from: 'executed', to: 'ready' })
    const twice = await cli('action', 'confirm', created.id)
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/is ready: no execution is recorded to confirm/)
    const reexecuted = await json('action', 'exec', created.id)
    expect(reexecuted).toMatchObject({ id: created.id, status: 'executed' })
    expect(await paused()).toBe(true)
    expect((await json('action', 'confirm', created.id)).status).toBe('confirmed')

    // A reorg that puts the same transaction back at the same height, in another block (a transfer
    // rides along, so the block differs): the recorded block hash is gone, and confirm records the
    // block it is in now instead of taking the old record for granted.
    const recorded = (await json('action', 'show', created.id)).execution
    const raw = await anvil.publicClient.request({
      method: 'eth_getRawTransactionByHash' as never,
      params: [recorded.txHash] as never,
    })
    const rider = { from: deployer.address, to: outsider.address, value: '0x1' }
    await anvil.testClient.request({
      method: 'anvil_reorg' as never,
      params: [
        1,
        [
          [rider, 0],
          [raw, 0],
        ],
      ] as never,
    })
    const receipt = await anvil.publicClient.getTransactionReceipt({ hash: recorded.txHash })
    expect(receipt.blockNumber.toString()).toBe(recorded.blockNumber)
    expect(receipt.blockHash).not.toBe(recorded.blockHash)
    expect(await paused()).toBe(true)
    const moved = await json('action', 'confirm', created.id)
    expect(moved).toMatchObject({
      status: 'reorged',
      reincluded: { txHash: recorded.txHash, blockHash: receipt.blockHash },
      state: 'executed',
    })
    expect((await json('action', 'show', created.id)).execution).toMatchObject({
      txHash: recorded.txHash,
      blockHash: receipt.blockHash,
      status: 'success',
    })
    expect((await json('action', 'confirm', created.id)).status).toBe('confirmed')
  })

  it('runs the sentry: a breach queues the guardian’s pause and writes its sign request', async () => {
    const rules = {
      rules: [
        {
          id: 'treasury-floor',
          kind: 'at-least',
          label: 'Treasury above the floor',
          left: { kind: 'native-balance', address: treasury },
          right: { kind: 'native-balance', address: deployer.address },
        },
      ],
      pauseTargets: [vault],
    }
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules))
    const result = await json('sentry', 'run', '--rules', 'rules.json', '--polls', '1')
    expect(result.alerts).toHaveLength(1)
    const [alert] = result.alerts
    expect(alert).toMatchObject({ tier: 'emergency', safe: guardian })
    expect(alert.breaches[0].message).toMatch(/^Treasury above the floor: \d+ is below \d+ at block/)
    const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
    let request: SignRequest.SignRequest | undefined
    for (const part of readFileSync(alert.urFile, 'utf8').trim().split('\n')) {
      const status = decoder.receive(part)
      if (status.status === 'complete') request = SignRequest.fromUr(status.result)
    }
    expect(request && SafeTxHash.compute({ tx: request.tx, context: request.context }).safeTxHash).toBe(
      alert.safeTxHash,
    )
    expect((await json('action', 'show', alert.actionId)).state).toBe('collecting-signatures')

    writeFileSync(
      join(dir, 'bad-rules.json'),
      JSON.stringify({
        rules: [{ id: 'x', kind: 'at-least', left: { kind: 'native-balance', address: 'nope' } }],
      }),
    )
    const bad = await cli('sentry', 'run', '--rules', 'bad-rules.json')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^airlock: rules\[0\]\.left\.address is not an address/)
  })

  it('executes a scheduled timelock operation from the treasury once the chain reaches its eta', async () => {
    const salt = `0x${'02'.repeat(32)}` as const
    const paused = encodeFunctionData({ abi: vaultAbi, functionName: 'paused' })
    // The treasury (the proposer) scheduled it earlier; here anvil lets the test act as the treasury.
    await anvil.testClient.impersonateAccount({ address: treasury })
    const proposer = anvil.walletFor({ address: treasury, type: 'json-rpc' } as never)
    const scheduled = await proposer.writeContract({
      address: timelock,
      abi: timelockArtifact().abi,
      functionName: 'schedule',
      args: [vault, 0n, paused, zeroHash, salt, 3600n],
    })
    await anvil.publicClient.waitForTransactionReceipt({ hash: scheduled })
    await anvil.testClient.stopImpersonatingAccount({ address: treasury })
    const operation = { timelock, calls: [{ to: vault, value: 0n, data: paused }], salt }
    const id = Timelock.operationId(operation)
    const status = () => Timelock.read({ client: anvil.publicClient, timelock, id }).then((r) => r.status)
    expect(await status()).toBe('pending')

    // At the Safe's current nonce: the earlier test's actions there are only collecting.
    const flags = [
      '--to',
      vault,
      '--sig',
      'function paused()',
      '--salt',
      salt,
      '--nonce',
      await safeNonce(treasury),
    ]
    const created = await json('action', 'new', 'timelock', 'execute', ...flags)
    expect(created).toMatchObject({ tier: 'routine', tx: { to: timelock }, timelock: { operationId: id } })
    const parts = await requestParts(created.id)
    for (const owner of [o1, o2]) {
      const { response } = await signAsOwner(parts, owner)
      await json('sig', 'add', writeUr(`tl-${owner.address}.ur`, response))
    }
    expect((await json('action', 'show', created.id)).state).toBe('ready')

    // Ready in the queue, but the timelock decides by block time: refused before sending anything.
    const early = await cli('action', 'exec', created.id)
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(
      /cannot execute now: The timelock operation becomes executable at .* on chain/,
    )
    expect(await status()).toBe('pending')

    await anvil.testClient.increaseTime({ seconds: 3600 })
    await anvil.testClient.mine({ blocks: 1 })
    expect(await status()).toBe('ready')
    const executed = await json('action', 'exec', created.id)
    expect(executed).toMatchObject({ id: created.id, status: 'executed' })
    expect(await status()).toBe('done')
    // Done on chain: queuing it again is refused with a reason.
    const again = await cli('action', 'new', 'timelock', 'execute', ...flags)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain(`Operation ${id} is already done.`)
  })

  it('cancels a pending timelock operation from the guardian Safe with one guardian signature', async () => {
    // The deployer (the timelock's admin) makes the guardian a canceller, as an org would at setup.
    const admin = anvil.walletFor(deployer)
    await anvil.publicClient.waitForTransactionReceipt({
      hash: await admin.writeContract({
        address: timelock,
        abi: timelockArtifact().abi,
        functionName: 'grantRole',
        args: [Timelock.roles.canceller, guardian],
      }),
    })
    const salt = `0x${'03'.repeat(32)}` as const
    const paused = encodeFunctionData({ abi: vaultAbi, functionName: 'paused' })
    await anvil.testClient.impersonateAccount({ address: treasury })
    const proposer = anvil.walletFor({ address: treasury, type: 'json-rpc' } as never)
    await anvil.publicClient.waitForTransactionReceipt({
      hash: await proposer.writeContract({
        address: timelock,
        abi: timelockArtifact().abi,
        functionName: 'schedule',
        args: [vault, 0n, paused, zeroHash, salt, 3600n],
      }),
    })
    await anvil.testClient.stopImpersonatingAccount({ address: treasury })
    const id = Timelock.operationId({ timelock, calls: [{ to: vault, value: 0n, data: paused }], salt })
    const status = () => Timelock.read({ client: anvil.publicClient, timelock, id }).then((r) => r.status)
    expect(await status()).toBe('pending')

    // At the guardian's current nonce: the sentry's pause waits there, unsigned.
    const created = await json(
      'action',
      'new',
      'timelock',
      'cancel',
      '--id',
      id,
      '--nonce',
      await safeNonce(guardian),
    )
    expect(created).toMatchObject({ safe: { address: guardian }, tx: { to: timelock } })
    expect(created.requirements.signatures).toBe(1)
    const { response } = await signAsOwner(await requestParts(created.id), g1)
    expect((await json('sig', 'add', writeUr('cancel-g1.ur', response))).action.state).toBe('ready')
    expect(await json('action', 'exec', created.id)).toMatchObject({ id: created.id, status: 'executed' })
    expect(await status()).toBe('unset')
    const nothing = await cli('action', 'new', 'timelock', 'cancel', '--id', id)
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain('is not scheduled: nothing to cancel')
  })

  it('says so when the node goes away after init', async () => {
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))
    const deadHome = join(dir, 'dead-later')
    await runCli(
      [
        'coordinator',
        'init',
        '--home',
        deadHome,
        '--rpc',
        anvil.rpcUrl,
        '--chain-id',
        '31337',
        '--org',
        'org.json',
        '--treasury',
        treasury,
      ],
      { cwd: dir },
    )
    writeFileSync(join(deadHome, 'config.json'), JSON.stringify({ ...config, rpcUrl: 'http://127.0.0.1:9' }))
    const result = await runCli(['safe', 'show', treasury, '--home', deadHome], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^airlock: The RPC endpoint http:\/\/127\.0\.0\.1:9\/? did not answer .* Check the RPC URL/,
    )
  })
})
