// The coordinator's chain side end to end on anvil with the official Safe 1.4.1 contracts, OpenZeppelin's
// TimelockController and a pausable test vault: build → sign request over the air gap (UR encode/decode)
// → signatures by real keys over the hash the "signer" recomputes → execute → on-chain state changed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Action,
  Build,
  Chain,
  type CollectedSignature,
  Config,
  type CoordinatorConfig,
  Execution,
  type PreparedAction,
  Requirements,
  Revert,
  Sentry,
  Timelock,
  TransactionBuilder,
} from '@airlock/coordinator-core'
import {
  type Anvil,
  anvilAccounts,
  createSafe,
  deploy,
  deploySafeContracts,
  execTransaction,
  type SafeDeployment,
  startAnvil,
  testContracts,
  timelockArtifact,
  write,
} from '@airlock/devnet'
import { OrgConfig as PolicyOrg } from '@airlock/policy'
import {
  openPgliteStore,
  ownerVerifier,
  type Action as QueuedAction,
  type Store,
  type TimelockTier,
} from '@airlock/queue'
import { analyze, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { Attestation } from '@airlock/signer-core'
import { SignRequest, type TypedUr, Ur, UrDecoder } from '@airlock/transport'
import {
  type Address,
  encodeFunctionData,
  getAddress,
  type HDAccount,
  type Hex,
  parseAbi,
  parseEther,
  zeroAddress,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const CHAIN_ID = 31337
const TIMELOCK_DELAY = 3600n
const CRITICAL_DELAY = 1800
const EXISTENTIAL_DELAY = 7200

const [deployer, o1, o2, o3, o4, o5, outsider, executorAccount, attacker, newcomer] = anvilAccounts(10) as [
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
  HDAccount,
]
const owners = [o1, o2, o3, o4, o5]
const guardians = [o1, o2, o3]
const payroll = getAddress('0x00000000000000000000000000000000000a1e57')

const tokenAbi = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function approve(address spender, uint256 amount) returns (bool)',
])
const vaultAbi = parseAbi([
  'function paused() view returns (bool)',
  'function owner() view returns (address)',
  'function reserves() view returns (uint256)',
  'function deposit(uint256 amount)',
  'function withdraw(address to, uint256 amount)',
])

let anvil: Anvil
let deployment: SafeDeployment
let treasury: Address
let guardian: Address
let token: Address
let vault: Address
let watchedVault: Address
let timelock: Address
let orgJson: Record<string, unknown>
let config: CoordinatorConfig

beforeAll(async () => {
  anvil = await startAnvil({ chainId: CHAIN_ID })
  deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
  treasury = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: owners.map((o) => o.address),
    threshold: 3,
    balance: parseEther('100'),
  })
  guardian = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: guardians.map((o) => o.address),
    threshold: 1,
    saltNonce: 1n,
  })
  const { TestToken, TestVault } = testContracts()
  token = await deploy({
    anvil,
    deployer,
    artifact: TestToken,
    args: [deployer.address, parseEther('1000000')],
  })
  const timelockAbi = timelockArtifact().abi
  // Proposer: the treasury Safe; executor: anyone (address 0); admin: the deployer, to grant the guardian CANCELLER.
  timelock = await deploy({
    anvil,
    deployer,
    artifact: timelockArtifact(),
    args: [TIMELOCK_DELAY, [treasury], [zeroAddress], deployer.address],
  })
  await write({
    anvil,
    account: deployer,
    address: timelock,
    abi: timelockAbi,
    functionName: 'grantRole',
    args: [Timelock.roles.canceller, guardian],
  })
  vault = await deploy({ anvil, deployer, artifact: TestVault, args: [token, timelock, guardian] })
  watchedVault = await deploy({ anvil, deployer, artifact: TestVault, args: [token, timelock, guardian] })
  for (const target of [vault, watchedVault]) {
    await write({
      anvil,
      account: deployer,
      address: token,
      abi: tokenAbi,
      functionName: 'approve',
      args: [target, parseEther('1000')],
    })
    await write({
      anvil,
      account: deployer,
      address: target,
      abi: vaultAbi,
      functionName: 'deposit',
      args: [parseEther('1000')],
    })
  }
  await write({
    anvil,
    account: deployer,
    address: token,
    abi: tokenAbi,
    functionName: 'transfer',
    args: [treasury, parseEther('10000')],
  })

  const lower = (a: string) => a.toLowerCase()
  orgJson = {
    name: 'Test org',
    safes: [
      {
        name: 'treasury',
        address: lower(treasury),
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: owners.map((o) => lower(o.address)),
        threshold: 3,
      },
      {
        name: 'guardian',
        address: lower(guardian),
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: guardians.map((o) => lower(o.address)),
        threshold: 1,
      },
    ],
    guardian: { address: lower(guardian), chainId: CHAIN_ID },
    pausable: [
      { name: 'Vault', address: lower(vault), chainId: CHAIN_ID },
      { name: 'Watched vault', address: lower(watchedVault), chainId: CHAIN_ID },
    ],
    // The anvil deployment of MultiSendCallOnly is not at Safe's pinned address: the signers' org config trusts it.
    trustedDelegatecall: [
      { name: 'MultiSendCallOnly (anvil)', address: lower(deployment.multiSendCallOnly), chainId: CHAIN_ID },
    ],
    recipients: [{ name: 'Payroll', address: lower(payroll), chainId: CHAIN_ID }],
    assets: [
      { id: 'ETH', chainId: CHAIN_ID, address: 'native', decimals: 18, large: parseEther('50').toString() },
      {
        id: 'TUSD',
        chainId: CHAIN_ID,
        address: lower(token),
        decimals: 18,
        large: parseEther('5000').toString(),
      },
    ],
    tiers: {
      critical: { base: 'threshold', extra: 1, delaySeconds: CRITICAL_DELAY },
      existential: { base: 'owners', extra: 0, delaySeconds: EXISTENTIAL_DELAY },
    },
    admins: { addresses: [lower(o1.address), lower(o2.address)], threshold: 2 },
  }
  config = Config.parse({
    org: orgJson,
    chainId: CHAIN_ID,
    treasury: 'treasury',
    timelock,
    multiSendCallOnly: { [CHAIN_ID]: deployment.multiSendCallOnly },
  })
})
afterAll(async () => {
  await anvil?.stop()
})

const client = () => anvil.publicClient
const executor = () => anvil.walletFor(executorAccount)
const readState = (safe: Address) => Chain.readSafe({ client: client(), safe, chainId: CHAIN_ID })
const now = async () => Number((await client().getBlock()).timestamp)
const read = <T>(
  address: Address,
  abi: typeof vaultAbi | typeof tokenAbi,
  functionName: string,
  args: unknown[] = [],
) => client().readContract({ address, abi, functionName, args } as never) as Promise<T>
async function timeTravel(seconds: number) {
  await anvil.testClient.increaseTime({ seconds })
  await anvil.testClient.mine({ blocks: 1 })
}

/** What the offline signer does with a request: decode the UR, recompute the hash, classify on its own. */
function overTheAirGap(ur: TypedUr) {
  const encoder = Ur.encode({ ...ur, maxFragmentLength: 150 })
  const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
  let payload: Uint8Array | undefined
  for (const part of encoder.firstParts()) {
    const status = decoder.receive(part)
    if (status.status === 'complete') payload = status.result.payload
  }
  if (!payload) throw new Error('the request did not decode')
  const request = SignRequest.fromUr({ type: SignRequest.urType, payload })
  const signerOrg = PolicyOrg.toDecoder(PolicyOrg.parse(orgJson), CHAIN_ID)
  const { safeTxHash } = SafeTxHash.compute({ tx: request.tx, context: request.context })
  const { tier } = analyze({ tx: request.tx, context: request.context, org: signerOrg })
  return { request, safeTxHash, tier }
}

async function signWith(owner: HDAccount, safeTxHash: Hex): Promise<CollectedSignature> {
  const signature = Signature.fromEcdsa(await owner.sign({ hash: safeTxHash }))
  return { signer: owner.address, signature: Signature.encode([signature]) }
}

/** Round 1 for Critical and Existential: owners attest; the queue keeps the attesters it verified. */
async function attestWith(attesters: HDAccount[], signed: ReturnType<typeof overTheAirGap>) {
  const tier = signed.tier as 'critical' | 'existential'
  const attestation = Attestation.forRequest({
    context: signed.request.context,
    safeTxHash: signed.safeTxHash,
    tier,
  })
  return Promise.all(
    attesters.map(async (owner) =>
      Attestation.recover(attestation, await Attestation.sign(attestation, owner)),
    ),
  )
}

/** Build → UR → decode → sign with `signers` over the recomputed hash. */
async function collect(action: PreparedAction, signers: HDAccount[], createdAt: number) {
  const signed = overTheAirGap(Action.toUr(action, { createdAt }))
  expect(signed.safeTxHash).toBe(action.hashes.safeTxHash)
  expect(signed.tier).toBe(action.analysis.tier)
  const signatures = await Promise.all(signers.map((owner) => signWith(owner, signed.safeTxHash)))
  return { signed, signatures }
}

async function executeExpectingSuccess(
  parameters: Omit<Parameters<typeof Execution.execute>[0], 'client' | 'executor' | 'config'>,
) {
  const result = await Execution.execute({
    client: client(),
    executor: executor(),
    config,
    ...parameters,
    pollingIntervalMs: 20,
  })
  if (!result.ok)
    throw new Error(`execution failed: ${result.status} ${'revert' in result ? result.revert.message : ''}`)
  return result
}

describe('chain access', () => {
  it('reads a Safe’s owners, threshold, nonce, version, modules, guard, fallback handler and singleton', async () => {
    const state = await readState(treasury)
    expect(state).toMatchObject({
      address: treasury,
      chainId: CHAIN_ID,
      version: '1.4.1',
      owners: owners.map((o) => o.address),
      threshold: 3n,
      nonce: 0n,
      modules: [],
      guard: zeroAddress,
      fallbackHandler: getAddress(deployment.fallbackHandler),
      singleton: getAddress(deployment.singleton),
    })
  })

  it.each(['1.3.0', '1.4.1'] as const)('pages through the module list of a Safe %s', async (version) => {
    const contracts =
      version === '1.4.1' ? deployment : await deploySafeContracts({ anvil, deployer, version })
    const safe = await createSafe({
      anvil,
      deployment: contracts,
      deployer,
      owners: [o1.address],
      threshold: 1,
      saltNonce: 99n,
    })
    const modules = [1, 2, 3].map((i) => getAddress(`0x${String(i).padStart(40, 'b')}`))
    for (const module of modules) {
      const state = await readState(safe)
      const tx = SafeTx.from({ ...Build.enableModule({ state, module }), nonce: state.nonce })
      // The owner sends it: its approved-hash entry needs no on-chain approval.
      const signatures = Signature.encode([Signature.approvedHash(o1.address)])
      expect((await execTransaction({ anvil, version, safe, tx, signatures, sender: o1 })).success).toBe(true)
    }
    for (const modulePageSize of [1, 2, 10]) {
      const state = await Chain.readSafe({ client: client(), safe, chainId: CHAIN_ID, modulePageSize })
      expect([...state.modules].sort()).toEqual([...modules].sort())
      expect(state.version).toBe(version)
    }
  })

  it('reports a wrong chain, a non-Safe and an unreachable RPC as typed errors', async () => {
    await expect(Chain.readSafe({ client: client(), safe: treasury, chainId: 1 })).rejects.toMatchObject({
      name: 'Coordinator.WrongChainError',
      shortMessage: 'The RPC endpoint serves chain 31337, but chain 1 is configured.',
    })
    await expect(readState(token)).rejects.toMatchObject({ name: 'Coordinator.NotASafeError' })
    await expect(readState(outsider.address)).rejects.toMatchObject({
      name: 'Coordinator.NotASafeError',
      shortMessage: `${outsider.address} has no code on chain 31337: it is not a Safe.`,
    })
    const dead = Chain.client({ rpcUrl: 'http://127.0.0.1:9/', chainId: CHAIN_ID, timeoutMs: 2000 })
    await expect(Chain.readSafe({ client: dead, safe: treasury, chainId: CHAIN_ID })).rejects.toMatchObject({
      name: 'Coordinator.RpcUnreachableError',
    })
  })
})

describe('routine actions', () => {
  it('pays native coin with M signatures, and refuses with fewer', async () => {
    const state = await readState(treasury)
    const action = Action.prepare({
      config,
      state,
      calls: Build.nativeTransfer({ to: payroll, amount: parseEther('1') }),
      title: 'Pay payroll 1 ETH',
    })
    expect(action.requirements).toEqual({
      tier: 'routine',
      signatures: 3,
      approvals: 3,
      attestations: 0,
      delaySeconds: 0,
      drift: [],
    })
    const createdAt = await now()
    const { signatures } = await collect(action, [o5, o1, o3], createdAt)
    await expect(
      Execution.execute({
        client: client(),
        executor: executor(),
        config,
        tx: action.tx,
        context: action.context,
        signatures: signatures.slice(0, 2),
        createdAt,
      }),
    ).rejects.toMatchObject({
      name: 'Coordinator.RequirementsNotMetError',
      hint: '1 more owner signature(s): the Safe needs 3.',
    })
    const before = await client().getBalance({ address: payroll })
    const result = await executeExpectingSuccess({
      tx: action.tx,
      context: action.context,
      signatures,
      createdAt,
    })
    expect(result.safeTxHash).toBe(action.hashes.safeTxHash)
    expect((await client().getBalance({ address: payroll })) - before).toBe(parseEther('1'))
    expect((await readState(treasury)).nonce).toBe(1n)

    // The same action again: its nonce is used now.
    await expect(
      Execution.execute({
        client: client(),
        executor: executor(),
        config,
        tx: action.tx,
        context: action.context,
        signatures,
        createdAt,
      }),
    ).rejects.toMatchObject({
      name: 'Coordinator.StaleNonceError',
      shortMessage: 'Nonce 0 is already used: the Safe is at nonce 1.',
    })
  })

  it('batches an ERC-20 and a native transfer through MultiSendCallOnly', async () => {
    const state = await readState(treasury)
    const action = Action.prepare({
      config,
      state,
      calls: [
        Build.erc20Transfer({ token, to: payroll, amount: parseEther('250') }),
        Build.nativeTransfer({ to: payroll, amount: '1000' }),
      ],
      title: 'Payroll batch',
    })
    expect(action.tx).toMatchObject({ to: getAddress(deployment.multiSendCallOnly), operation: 1 })
    expect(action.analysis.tier).toBe('routine')
    const createdAt = await now()
    const { signatures } = await collect(action, [o2, o4, o5], createdAt)
    const tokensBefore = await read<bigint>(token, tokenAbi, 'balanceOf', [payroll])
    await executeExpectingSuccess({ tx: action.tx, context: action.context, signatures, createdAt })
    expect((await read<bigint>(token, tokenAbi, 'balanceOf', [payroll])) - tokensBefore).toBe(
      parseEther('250'),
    )
  })

  it('imports a Safe Transaction Builder batch and executes it', async () => {
    const exported = {
      version: '1.0',
      chainId: String(CHAIN_ID),
      meta: { name: 'Imported payroll', description: '', createdFromSafeAddress: treasury },
      transactions: [
        {
          to: token,
          value: '0',
          data: null,
          contractMethod: {
            inputs: [
              { internalType: 'address', name: 'to', type: 'address' },
              { internalType: 'uint256', name: 'amount', type: 'uint256' },
            ],
            name: 'transfer',
            payable: false,
          },
          contractInputsValues: { to: payroll, amount: parseEther('3').toString() },
        },
        { to: payroll, value: '5', data: null },
      ],
    }
    const batch = TransactionBuilder.parse(JSON.stringify(exported), { chainId: CHAIN_ID })
    const action = Action.prepare({
      config,
      state: await readState(treasury),
      calls: batch.calls,
      title: batch.name,
    })
    expect(action.analysis.tier).toBe('routine')
    const createdAt = await now()
    const { signatures } = await collect(action, [o1, o2, o3], createdAt)
    const tokensBefore = await read<bigint>(token, tokenAbi, 'balanceOf', [payroll])
    await executeExpectingSuccess({ tx: action.tx, context: action.context, signatures, createdAt })
    expect((await read<bigint>(token, tokenAbi, 'balanceOf', [payroll])) - tokensBefore).toBe(parseEther('3'))
    expect(() => TransactionBuilder.parse({ ...exported, chainId: '1' }, { chainId: CHAIN_ID })).toThrowError(
      expect.objectContaining({ name: 'Coordinator.TransactionBuilderImportError', field: 'chainId' }),
    )
  })

  it('refuses signatures from non-owners and over another hash, and returns a failing call as a retryable revert', async () => {
    const state = await readState(treasury)
    const action = Action.prepare({
      config,
      state,
      // Only the vault's owner (the timelock) may unpause: the call reverts.
      calls: Build.contractCall({ to: vault, signature: 'unpause()' }),
      title: 'Unpause without the right',
    })
    const createdAt = await now()
    const { signatures } = await collect(action, [o1, o2, o3], createdAt)
    const base = {
      client: client(),
      executor: executor(),
      config,
      tx: action.tx,
      context: action.context,
      createdAt,
    }

    await expect(
      Execution.execute({
        ...base,
        signatures: [...signatures.slice(0, 2), await signWith(outsider, action.hashes.safeTxHash)],
      }),
    ).rejects.toMatchObject({
      name: 'Coordinator.InvalidCollectedSignatureError',
      shortMessage: `${outsider.address} signed, but is not an owner of ${treasury}.`,
    })
    const otherHash = SafeTxHash.compute({
      tx: { ...action.tx, nonce: action.tx.nonce + 1n },
      context: action.context,
    }).safeTxHash
    const wrong = await signWith(o4, otherHash)
    await expect(
      Execution.execute({ ...base, signatures: [...signatures.slice(0, 2), wrong] }),
    ).rejects.toMatchObject({
      name: 'Coordinator.InvalidCollectedSignatureError',
      hint: expect.stringContaining('made over another hash'),
    })

    // Valid signatures, but the call fails: the Safe reverts GS013 in the simulation, nothing is sent.
    const result = await Execution.execute({ ...base, signatures })
    expect(result).toMatchObject({
      ok: false,
      status: 'simulation-reverted',
      retryable: true,
      hash: undefined,
      revert: {
        code: 'GS013',
        message: expect.stringContaining('GS013: The Safe transaction’s own call failed'),
      },
    })
    expect((await readState(treasury)).nonce).toBe(state.nonce)
  })
})

describe('emergency pause', () => {
  it('pauses a listed protocol contract through the guardian Safe with one guardian signature', async () => {
    const state = await readState(guardian)
    const action = Action.prepare({
      config,
      state,
      calls: Build.pause({ config, contracts: [vault] }),
      title: 'Pause the vault',
    })
    expect(action.requirements).toMatchObject({
      tier: 'emergency',
      signatures: 1,
      approvals: 1,
      attestations: 0,
      delaySeconds: 0,
    })
    const createdAt = await now()
    const { signatures } = await collect(action, [o3], createdAt)
    await executeExpectingSuccess({ tx: action.tx, context: action.context, signatures, createdAt })
    expect(await read<boolean>(vault, vaultAbi, 'paused')).toBe(true)
  })
})

describe('critical actions through the TimelockController', () => {
  /** Schedules `calls` from the treasury: a Critical action (M+1 attestations, the org's delay). */
  async function scheduleThroughTreasury(calls: Build.Call[], salt: Hex) {
    const operation = { timelock, calls, salt }
    const state = await readState(treasury)
    const action = Action.prepare({
      config,
      state,
      calls: Timelock.schedule({ ...operation, delay: TIMELOCK_DELAY }),
      title: 'Schedule: hand the vault to the treasury',
    })
    expect(action.requirements).toMatchObject({
      tier: 'critical',
      signatures: 3,
      approvals: 4,
      attestations: 4,
      delaySeconds: CRITICAL_DELAY,
    })
    const createdAt = await now()
    const { signed, signatures } = await collect(action, [o1, o2, o3], createdAt)
    const attesters = await attestWith([o1, o2, o3, o4], signed)
    const parameters = { tx: action.tx, context: action.context, signatures, attesters, createdAt }
    return { operation, action, parameters, attesters }
  }

  /** The treasury's `execute` of a timelock operation, judged with the schedules the queue knows. */
  async function prepareExecute(
    operation: Timelock.Operation,
    scheduled: readonly TimelockTier.OperationRef[],
  ) {
    return Action.prepare({
      config,
      state: await readState(treasury),
      calls: Timelock.execute(operation),
      title: 'Execute a timelock operation',
      scheduled,
    })
  }

  const handOver = () => [
    Build.contractCall({ to: vault, signature: 'transferOwnership(address)', args: [treasury] }),
  ]

  it('schedules after the org’s delay, cannot execute before the on-chain delay, then executes', async () => {
    const { operation, parameters } = await scheduleThroughTreasury(handOver(), `0x${'01'.repeat(32)}`)
    const base = { client: client(), executor: executor(), config }
    await expect(Execution.execute({ ...base, ...parameters })).rejects.toMatchObject({
      name: 'Coordinator.RequirementsNotMetError',
      hint: expect.stringMatching(/more second\(s\) of delay: critical waits 1800s/),
    })
    await expect(
      Execution.execute({ ...base, ...parameters, attesters: parameters.attesters.slice(0, 3) }),
    ).rejects.toMatchObject({
      name: 'Coordinator.RequirementsNotMetError',
    })
    await timeTravel(CRITICAL_DELAY)
    await executeExpectingSuccess(parameters)

    const id = Timelock.operationId(operation)
    expect(await Timelock.read({ client: client(), timelock, id })).toMatchObject({
      status: 'pending',
      minDelay: TIMELOCK_DELAY,
    })
    const execute = Timelock.execute(operation)
    const early = await client()
      .call({ account: executorAccount.address, to: execute.to, data: execute.data })
      .then(
        () => undefined,
        (error: unknown) => Revert.decode(Revert.dataOf(error)),
      )
    expect(early?.reason).toBe('TimelockController: operation is not ready')
    expect(await read<Address>(vault, vaultAbi, 'owner')).toBe(timelock)

    await timeTravel(Number(TIMELOCK_DELAY))
    expect((await Timelock.read({ client: client(), timelock, id })).status).toBe('ready')
    const hash = await executor().sendTransaction({ to: execute.to, data: execute.data })
    expect((await client().waitForTransactionReceipt({ hash, pollingInterval: 20 })).status).toBe('success')
    expect(await read<Address>(vault, vaultAbi, 'owner')).toBe(treasury)
    expect((await Timelock.read({ client: client(), timelock, id })).status).toBe('done')
  })

  it('queues and executes the execute of an operation the Safe scheduled as Routine: threshold signatures after the timelock delay, no attestations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-e2e-queue-'))
    // The queue's own clock stands still while anvil travels in time: the attestation delay follows
    // the chain's clock (the block time passed in), never the store's.
    let clock = new Date((await now()) * 1000)
    const chainTime = () => Chain.blockTime({ client: client() })
    const recoverAttestation = ({ action, signature }: { action: QueuedAction; signature: Hex }) =>
      Attestation.recover(
        Attestation.forRequest({
          context: Action.contextOf(action),
          safeTxHash: action.safeTxHash,
          tier: action.tier as 'critical' | 'existential',
        }),
        signature,
      )
    const store: Store = await openPgliteStore({
      dataDir: join(dir, 'queue'),
      now: () => clock,
      verify: ownerVerifier({ owners: owners.map((o) => o.address), recoverAttestation }),
    })
    const actor = 'ops'
    const tick = async () => {
      clock = new Date((await now()) * 1000)
    }
    async function enqueue(tx: SafeTx.SafeTx) {
      const state = await readState(treasury)
      return store.createAction({
        safe: { chainId: BigInt(CHAIN_ID), address: treasury, version: state.version },
        tx,
        title: 'timelock',
        requirements: (analysis) =>
          Requirements.forQueue(Requirements.of({ config, state, tier: analysis.tier })),
        actor,
        analyze: { org: config.decoder },
        onchainNonce: state.nonce,
        submit: true,
        chainTime: clock,
      })
    }
    try {
      const { TestVault } = testContracts()
      const target = await deploy({ anvil, deployer, artifact: TestVault, args: [token, timelock, guardian] })
      const calls = [
        Build.contractCall({ to: target, signature: 'transferOwnership(address)', args: [treasury] }),
      ]
      const { operation, action, parameters } = await scheduleThroughTreasury(calls, `0x${'03'.repeat(32)}`)

      // The schedule in the queue: four attestations, the org's delay by chain time, three signatures.
      const queued = await enqueue(action.tx)
      expect(queued).toMatchObject({
        tier: 'critical',
        requirements: { signatures: 3, attestations: 4, delaySeconds: CRITICAL_DELAY },
      })
      const attestation = Attestation.forRequest({
        context: action.context,
        safeTxHash: action.hashes.safeTxHash,
        tier: 'critical',
      })
      for (const owner of [o1, o2, o3, o4]) {
        const signature = await Attestation.sign(attestation, owner)
        await store.addSignature(
          queued.id,
          { signer: owner.address, signature, kind: 'approval-attestation' },
          { actor, chainTime: await chainTime() },
        )
      }
      const running = await store.getAction(queued.id)
      expect(running.state).toBe('delay-running')
      expect(running.delayUntil).toEqual(new Date((await chainTime()).getTime() + CRITICAL_DELAY * 1000))
      // The store's clock a day past the delay's end decides nothing; the chain's clock a second early neither.
      clock = new Date(clock.getTime() + 86_400_000)
      expect((await store.advance(queued.id, { actor })).state).toBe('delay-running')
      const until = BigInt((running.delayUntil as Date).getTime() / 1000)
      await anvil.testClient.setNextBlockTimestamp({ timestamp: until - 1n })
      await anvil.testClient.mine({ blocks: 1 })
      expect((await store.advance(queued.id, { actor, chainTime: await chainTime() })).state).toBe(
        'delay-running',
      )
      await anvil.testClient.setNextBlockTimestamp({ timestamp: until })
      await anvil.testClient.mine({ blocks: 1 })
      expect((await store.advance(queued.id, { actor, chainTime: await chainTime() })).state).toBe(
        'collecting-signatures',
      )
      for (const signature of parameters.signatures) {
        await store.addSignature(queued.id, { ...signature, kind: 'safe-signature' }, { actor })
      }
      expect((await store.getAction(queued.id)).state).toBe('ready')
      const scheduled = await executeExpectingSuccess(parameters)
      await store.recordExecution(queued.id, {
        txHash: scheduled.hash,
        blockNumber: scheduled.blockNumber,
        blockHash: scheduled.blockHash,
        status: 'success',
        revertReason: null,
        actor,
      })
      const ref = { chainId: BigInt(CHAIN_ID), address: treasury }
      const id = Timelock.operationId(operation)
      const known = await store.scheduledOperations(ref)
      expect(known).toContainEqual({ timelock: timelock.toLowerCase(), operationId: id })

      // The execute through the Safe: Routine's requirements, by what is left to check.
      const execute = await prepareExecute(operation, known)
      expect(execute.requirements).toMatchObject({
        tier: 'routine',
        signatures: 3,
        attestations: 0,
        delaySeconds: 0,
      })
      await tick()
      const queuedExecute = await enqueue(execute.tx)
      expect(queuedExecute).toMatchObject({
        tier: 'routine',
        requirements: { signatures: 3, attestations: 0, delaySeconds: 0 },
        state: 'collecting-signatures',
        createdChainAt: clock,
      })
      // The queue takes no attestation for a Routine action (its verifier refuses it).
      await expect(
        store.addSignature(
          queuedExecute.id,
          {
            signer: o1.address,
            signature: await Attestation.sign(attestation, o1),
            kind: 'approval-attestation',
          },
          { actor },
        ),
      ).rejects.toMatchObject({ name: 'Queue.SignatureRejectedError' })
      const signatures = await Promise.all(
        [o1, o2, o3].map((owner) => signWith(owner, execute.hashes.safeTxHash)),
      )
      for (const signature of signatures) {
        await store.addSignature(queuedExecute.id, { ...signature, kind: 'safe-signature' }, { actor })
      }
      expect((await store.getAction(queuedExecute.id)).state).toBe('ready')
      const base = {
        tx: execute.tx,
        context: execute.context,
        signatures,
        createdAt: Math.floor((queuedExecute.createdChainAt as Date).getTime() / 1000),
      }
      // Without what the queue knows, the engine re-derives Critical from the calldata alone.
      await expect(
        Execution.execute({ client: client(), executor: executor(), config, ...base }),
      ).rejects.toMatchObject({
        name: 'Coordinator.RequirementsNotMetError',
        shortMessage: expect.stringMatching(/critical/),
      })
      // With it, only the timelock holds the operation back, until its delay has passed on chain.
      const early = await Execution.execute({
        client: client(),
        executor: executor(),
        config,
        ...base,
        scheduled: known,
      })
      expect(early).toMatchObject({ ok: false, status: 'simulation-reverted' })
      expect((await Timelock.read({ client: client(), timelock, id })).status).toBe('pending')
      expect(await read<Address>(target, vaultAbi, 'owner')).toBe(timelock)
      await timeTravel(Number(TIMELOCK_DELAY))
      await executeExpectingSuccess({ ...base, scheduled: known })
      expect(await read<Address>(target, vaultAbi, 'owner')).toBe(treasury)
      expect((await Timelock.read({ client: client(), timelock, id })).status).toBe('done')
    } finally {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('keeps Critical for the execute of an operation whose schedule is not in the queue', async () => {
    const calls = [
      Build.contractCall({ to: watchedVault, signature: 'transferOwnership(address)', args: [treasury] }),
    ]
    const operation = { timelock, calls, salt: `0x${'04'.repeat(32)}` as Hex }
    const execute = await prepareExecute(operation, [])
    expect(execute.requirements).toMatchObject({
      tier: 'critical',
      attestations: 4,
      delaySeconds: CRITICAL_DELAY,
    })
    // A schedule of another operation does not count for this one.
    const other = Timelock.operationId({ ...operation, salt: `0x${'05'.repeat(32)}` })
    const elsewhere = await prepareExecute(operation, [
      { timelock: timelock.toLowerCase() as Address, operationId: other },
    ])
    expect(elsewhere.requirements.tier).toBe('critical')
  })

  it('lets the guardian Safe cancel a scheduled operation with one signature', async () => {
    const calls = [
      Build.contractCall({
        to: watchedVault,
        signature: 'transferOwnership(address)',
        args: [attacker.address],
      }),
    ]
    const { operation, parameters } = await scheduleThroughTreasury(calls, `0x${'02'.repeat(32)}`)
    await timeTravel(CRITICAL_DELAY)
    await executeExpectingSuccess(parameters)
    const id = Timelock.operationId(operation)
    expect((await Timelock.read({ client: client(), timelock, id })).status).toBe('pending')

    expect(
      await Timelock.hasRole({
        client: client(),
        timelock,
        role: Timelock.roles.canceller,
        account: guardian,
      }),
    ).toBe(true)
    const state = await readState(guardian)
    const action = Action.prepare({
      config,
      state,
      calls: Timelock.cancel({ timelock, id }),
      title: 'Cancel the hand-over',
    })
    expect(action.requirements).toMatchObject({ signatures: 1, approvals: 1 })
    const createdAt = await now()
    const { signatures } = await collect(action, [o1], createdAt)
    await executeExpectingSuccess({ tx: action.tx, context: action.context, signatures, createdAt })
    expect((await Timelock.read({ client: client(), timelock, id })).status).toBe('unset')
  })
})

describe('Safe administration', () => {
  it('adds an owner as an Existential action: every owner attests, M sign, after the delay', async () => {
    const state = await readState(treasury)
    const action = Action.prepare({
      config,
      state,
      calls: Build.addOwner({ state, owner: newcomer.address }),
      title: 'Add an owner',
    })
    expect(action.requirements).toMatchObject({
      tier: 'existential',
      signatures: 3,
      approvals: 5,
      attestations: 5,
      delaySeconds: EXISTENTIAL_DELAY,
    })
    const createdAt = await now()
    const { signed, signatures } = await collect(action, [o1, o4, o5], createdAt)
    const attesters = await attestWith(owners, signed)
    await timeTravel(EXISTENTIAL_DELAY)
    await executeExpectingSuccess({
      tx: action.tx,
      context: action.context,
      signatures,
      attesters,
      createdAt,
    })
    const after = await readState(treasury)
    expect(after.owners).toContain(newcomer.address)
    expect(after.threshold).toBe(3n)
    // The org config has not caught up: the coordinator says so on the next action.
    const next = Action.prepare({
      config,
      state: after,
      calls: Build.nativeTransfer({ to: payroll, amount: 1n }),
      title: 'x',
    })
    expect(next.requirements.drift).toEqual([
      `Owners on chain but not in the org config: ${newcomer.address.toLowerCase()}.`,
    ])
  })
})

describe('reorgs', () => {
  it('reports an execution whose block was reorged out, so the action can execute again', async () => {
    const state = await readState(treasury)
    const action = Action.prepare({
      config,
      state,
      calls: Build.nativeTransfer({ to: payroll, amount: 7n }),
      title: 'Small payment',
    })
    const createdAt = await now()
    const { signatures } = await collect(action, [o1, o2, o3], createdAt)
    const executed = await executeExpectingSuccess({
      tx: action.tx,
      context: action.context,
      signatures,
      createdAt,
    })
    await anvil.testClient.mine({ blocks: 2 })
    const check = {
      client: client(),
      hash: executed.hash,
      blockNumber: executed.blockNumber,
      blockHash: executed.blockHash,
      confirmations: 3n,
      pollingIntervalMs: 20,
    }
    expect(await Execution.confirm(check)).toMatchObject({ status: 'confirmed', confirmations: 3n })

    // Replace the last three blocks (the execution's and two on top) with empty ones.
    await anvil.testClient.request({ method: 'anvil_reorg' as never, params: [3, []] as never })
    expect(await Execution.confirm(check)).toEqual({ status: 'reorged', reincluded: undefined })
    expect((await readState(treasury)).nonce).toBe(action.tx.nonce)
    const again = await executeExpectingSuccess({
      tx: action.tx,
      context: action.context,
      signatures,
      createdAt,
    })
    expect(again.blockHash).not.toBe(executed.blockHash)
  })
})

describe('sentry', () => {
  const balance = () => ({ kind: 'erc20-balance' as const, token, holder: watchedVault })

  async function drain(amount: bigint) {
    const hash = await anvil.walletFor(attacker).writeContract({
      address: watchedVault,
      abi: vaultAbi,
      functionName: 'withdraw',
      args: [attacker.address, amount],
    })
    return (await client().waitForTransactionReceipt({ hash, pollingInterval: 20 })).blockNumber
  }

  it('raises an alert in the block of a 6% drain with a pause request one guardian can sign at once', async () => {
    const sentry = new Sentry.Sentry({
      config,
      pauseTargets: [watchedVault],
      rules: [
        {
          id: 'vault-outflow',
          kind: 'max-drop',
          read: balance(),
          maxDropBps: 500,
          windowBlocks: 10,
          label: 'Watched vault TUSD',
        },
      ],
    })
    const solvency = new Sentry.Sentry({
      config,
      pauseTargets: [watchedVault],
      rules: [
        {
          id: 'solvent',
          kind: 'at-least',
          left: balance(),
          right: { kind: 'call', address: watchedVault, signature: 'reserves()' },
        },
      ],
    })
    const healthy = await sentry.fetch({ client: client() })
    expect(sentry.check(healthy).breaches).toEqual([])
    expect(
      solvency.check(await solvency.fetch({ client: client(), blockNumber: healthy.blockNumber })).breaches,
    ).toEqual([])

    // 1%: within the allowed drop, but below the vault's recorded reserves.
    const smallBlock = await drain(parseEther('10'))
    const small = await sentry.fetch({ client: client(), blockNumber: smallBlock })
    expect(sentry.check(small).alert).toBeUndefined()
    expect(
      solvency
        .check(await solvency.fetch({ client: client(), blockNumber: smallBlock }))
        .breaches.map((b) => b.ruleId),
    ).toEqual(['solvent'])

    // Another 6% of the window's peak in one block.
    const drainBlock = await drain(parseEther('60'))
    const observation = await sentry.fetch({ client: client(), blockNumber: drainBlock })
    const { alert } = sentry.check(observation)
    expect(alert?.blockNumber).toBe(drainBlock)
    expect(alert?.newlyBreached).toEqual(['vault-outflow'])
    expect(alert?.breaches[0]?.message).toBe(
      'Watched vault TUSD fell 7.00% (from 1000000000000000000000 to 930000000000000000000) within 10 block(s), more than the allowed 5.00%.',
    )
    if (!alert) return

    // The signer's view: decodes, recomputes the same hash, classifies Emergency for the guardian Safe.
    const signed = overTheAirGap(alert.ur)
    expect(signed.request.context.safe).toBe(guardian)
    expect(signed.tier).toBe('emergency')
    expect(signed.safeTxHash).toBe(alert.pause.hashes.safeTxHash)
    expect(signed.request.tx.nonce).toBe(observation.guardian.nonce)
    expect(signed.request.tx.data).toBe(
      encodeFunctionData({ abi: parseAbi(['function pause()']), functionName: 'pause' }),
    )

    const signatures = [await signWith(o2, signed.safeTxHash)]
    await executeExpectingSuccess({
      tx: signed.request.tx,
      context: signed.request.context,
      signatures,
      createdAt: signed.request.createdAt,
    })
    expect(await read<boolean>(watchedVault, vaultAbi, 'paused')).toBe(true)
    await expect(drain(1n)).rejects.toThrow(/paused/)
  })

  it('watches in a bounded loop and alerts once per new breach', async () => {
    const sentry = new Sentry.Sentry({
      config,
      pauseTargets: [watchedVault],
      rules: [
        {
          id: 'solvent',
          kind: 'at-least',
          left: balance(),
          right: {
            kind: 'call',
            address: watchedVault,
            signature: 'function reserves() view returns (uint256)',
          },
        },
      ],
    })
    const alerts: Sentry.Alert[] = []
    let checks = 0
    await sentry.watch({
      client: client(),
      intervalMs: 10,
      maxPolls: 3,
      onAlert: (alert) => void alerts.push(alert),
      onCheck: () => void checks++,
    })
    // The vault is already below its reserves: one alert, not one per poll.
    expect(alerts).toHaveLength(1)
    expect(checks).toBe(1)
    expect(alerts[0]?.pause.analysis.tier).toBe('emergency')
  })
})
