// A local chain for the coordinator app's tests and bench: anvil with the official Safe 1.4.1
// contracts, a 2-of-3 treasury holding 100 ETH and 10,000 TUSD, a 1-of-2 guardian Safe, a pausable
// vault, and the treasury-default policy bundle re-targeted at them (signed by two of three admins).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHandlers, type HandlerContext } from '@airlock/coordinator-app/handlers'
import { Chain, Config, type CoordinatorConfig, Predict, Timelock } from '@airlock/coordinator-core'
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
  write,
} from '@airlock/devnet'
import { Bundle, OrgConfig } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import type { Store } from '@airlock/queue'
import { DecisionLog, Signer } from '@airlock/signer-core'
import {
  type Address,
  getAddress,
  type HDAccount,
  type Hex,
  parseAbi,
  parseEther,
  toHex,
  zeroAddress,
  zeroHash,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { type StandIn, startStandIn } from './txServiceStandIn.ts'

export const CHAIN_ID = 31337
const ADMIN_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
const policyDir = join(import.meta.dirname, '..', '..', 'policies', 'treasury-default')
const tokenAbi = parseAbi([
  'function approve(address spender, uint256 amount) returns (bool)',
  'function transfer(address to, uint256 amount) returns (bool)',
])
const vaultAbi = parseAbi([
  'function deposit(uint256 amount)',
  'function withdraw(address to, uint256 amount)',
  'function paused() view returns (bool)',
  'function owner() view returns (address)',
])

export type World = {
  anvil: Anvil
  deployment: SafeDeployment
  deployer: HDAccount
  owners: readonly HDAccount[]
  executor: HDAccount
  treasury: Address
  guardian: Address
  token: Address
  vault: Address
  /** The protocol's TimelockController (1 h minimum delay; proposer: the treasury; executor: anyone); it owns the vault. */
  timelock: Address
  contributors: readonly Address[]
  orgJson: Record<string, unknown>
  bundle: Bundle.Bundle
  config: CoordinatorConfig
  /** The coordinator config file's JSON (what the app loads). */
  configJson: Record<string, unknown>
}

export const privateKeyOf = (account: HDAccount): Hex => toHex(account.getHdKey().privateKey!)

/**
 * Starts the chain and deploys everything; call `world.anvil.stop()` when done. `auditKeys` enrols a
 * signer set in the bundle and the config: the treasury owners' public audit keys (64 hex), in order.
 */
export async function startWorld({
  auditKeys,
}: {
  auditKeys?: readonly string[] | undefined
} = {}): Promise<World> {
  const accounts = anvilAccounts(10)
  const [deployer, alice, bob, carol, executor, ...rest] = accounts as [
    HDAccount,
    HDAccount,
    HDAccount,
    HDAccount,
    HDAccount,
    ...HDAccount[],
  ]
  const owners = [alice, bob, carol] as HDAccount[]
  const contributors = rest.slice(0, 4).map((a) => a.address)
  const anvil = await startAnvil({ chainId: CHAIN_ID })
  const deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
  const treasury = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: owners.map((o) => o.address),
    threshold: 2,
    balance: parseEther('100'),
  })
  const guardian = await createSafe({
    anvil,
    deployment,
    deployer,
    owners: owners.slice(0, 2).map((o) => o.address),
    threshold: 1,
    saltNonce: 1n,
  })
  const { TestToken, TestVault } = testContracts()
  const token = await deploy({
    anvil,
    deployer,
    artifact: TestToken,
    args: [deployer.address, parseEther('1000000')],
  })
  const timelock = await deploy({
    anvil,
    deployer,
    artifact: timelockArtifact(),
    args: [3600n, [treasury], [zeroAddress], deployer.address],
  })
  const vault = await deploy({ anvil, deployer, artifact: TestVault, args: [token, timelock, guardian] })
  await write({
    anvil,
    account: deployer,
    address: token,
    abi: tokenAbi,
    functionName: 'approve',
    args: [vault, parseEther('1000')],
  })
  await write({
    anvil,
    account: deployer,
    address: vault,
    abi: vaultAbi,
    functionName: 'deposit',
    args: [parseEther('1000')],
  })
  await write({
    anvil,
    account: deployer,
    address: token,
    abi: tokenAbi,
    functionName: 'transfer',
    args: [treasury, parseEther('10000')],
  })

  const base = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8')) as Record<string, unknown>
  const eth = (base.assets as Record<string, unknown>[]).find((asset) => asset.address === 'native')
  const lower = (a: string) => a.toLowerCase()
  const admins = [0, 1, 2].map((addressIndex) => mnemonicToAccount(ADMIN_MNEMONIC, { addressIndex }))
  const orgJson: Record<string, unknown> = {
    ...base,
    name: 'Acme DAO (local chain)',
    safes: [
      {
        name: 'treasury',
        address: lower(treasury),
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: owners.map((o) => lower(o.address)),
        threshold: 2,
      },
      {
        name: 'guardian',
        address: lower(guardian),
        chainId: CHAIN_ID,
        version: '1.4.1',
        owners: owners.slice(0, 2).map((o) => lower(o.address)),
        threshold: 1,
      },
    ],
    guardian: { address: lower(guardian), chainId: CHAIN_ID },
    pausable: [{ name: 'Vault', address: lower(vault), chainId: CHAIN_ID }],
    trustedDelegatecall: [
      { name: 'MultiSendCallOnly 1.4.1 (local)', address: lower(deployment.multiSendCallOnly) },
    ],
    recipients: contributors.map((address, i) => ({
      name: `Contributor ${i + 1}`,
      address: lower(address),
      chainId: CHAIN_ID,
    })),
    assets: [
      // 1% of a 100 ETH treasury is 1 ETH: a 1.5 ETH transfer must be Critical or higher.
      {
        ...eth,
        chainId: CHAIN_ID,
        treasury: parseEther('100').toString(),
        large: parseEther('50').toString(),
      },
      {
        id: 'TUSD',
        chainId: CHAIN_ID,
        address: lower(token),
        decimals: 18,
        policyDecimals: 0,
        treasury: parseEther('10000').toString(),
        large: parseEther('5000').toString(),
      },
    ],
    admins: { addresses: admins.map((a) => lower(a.address)), threshold: 2 },
    // Software keys stand in for hardware wallets in tests only.
    allowSoftwareKeys: true,
    ...(auditKeys && {
      signers: auditKeys.map((auditKey, i) => ({ owner: lower(owners[i]!.address), auditKey })),
    }),
  }
  const policies = Object.fromEntries(
    readdirSync(policyDir)
      .filter((file) => file.endsWith('.cedar'))
      .map((file) => [file, readFileSync(join(policyDir, file), 'utf8')]),
  )
  let bundle = Bundle.create({ version: 1, policies, org: orgJson as Bundle.Json })
  for (const admin of admins.slice(0, 2)) bundle = await Bundle.sign(bundle, admin)
  const configJson = {
    org: orgJson,
    chainId: CHAIN_ID,
    treasury: 'treasury',
    timelock,
    multiSendCallOnly: { [CHAIN_ID]: deployment.multiSendCallOnly },
  }
  const config = Config.create({
    org: OrgConfig.parse(orgJson),
    chainId: CHAIN_ID,
    treasury,
    timelock,
    multiSendCallOnly: new Map([[CHAIN_ID, deployment.multiSendCallOnly]]),
  })
  return {
    anvil,
    deployment,
    deployer,
    owners,
    executor,
    treasury: getAddress(treasury),
    guardian: getAddress(guardian),
    token: getAddress(token),
    vault: getAddress(vault),
    timelock: getAddress(timelock),
    contributors,
    orgJson,
    bundle,
    config,
    configJson,
  }
}

/**
 * The coordinator window's handlers over the world: anvil polled fast, the world's bundle for the
 * predictions, the executor paying the gas, operator "ops-1"; `context` adds to or overrides that.
 */
export async function worldHandlers({
  world,
  store,
  ...context
}: { world: World; store: Store } & Partial<HandlerContext>) {
  return createHandlers({
    config: world.config,
    client: Chain.client({ rpcUrl: world.anvil.rpcUrl, chainId: CHAIN_ID, pollingIntervalMs: 50 }),
    rpcUrl: world.anvil.rpcUrl,
    store,
    installed: await Predict.install({ bundle: world.bundle, cedar }),
    executor: world.anvil.walletFor(world.executor),
    operator: 'ops-1',
    pollingIntervalMs: 50,
    ...context,
  })
}

/** Sentry rules (the app's JSON format) watching that the vault holds the reserves it reports. */
export const reservesRules = (world: World) => ({
  rules: [
    {
      id: 'vault-reserves',
      kind: 'at-least',
      label: 'Vault holds its reserves',
      left: { kind: 'erc20-balance', token: world.token, holder: world.vault },
      right: {
        kind: 'call',
        address: world.vault,
        signature: 'function reserves() view returns (uint256)',
      },
    },
  ],
})

/** The vault's bug: anyone withdraws `amount` TUSD without reducing its reserves (the rule above fires). */
export function drainVault(world: World, amount: bigint) {
  return write({
    anvil: world.anvil,
    account: world.deployer,
    address: world.vault,
    abi: vaultAbi,
    functionName: 'withdraw',
    args: [world.deployer.address, amount],
  })
}

/** The vault's state on the chain now: whether it is paused, or who owns it. */
export function readVault<F extends 'paused' | 'owner'>(world: World, functionName: F) {
  return world.anvil.publicClient.readContract({ address: world.vault, abi: vaultAbi, functionName })
}

/** The timelock lets anyone execute a ready operation: the executor's own transaction runs `data` on the vault. */
export function executeOnTimelock(world: World, data: Hex) {
  return write({
    anvil: world.anvil,
    account: world.executor,
    address: world.timelock,
    abi: Timelock.abi,
    functionName: 'execute',
    args: [world.vault, 0n, data, zeroHash, zeroHash],
  })
}

/** An owner's offline signer engine (in-memory log, the world's bundle installed) and its software key. */
export async function signerFor(world: World, owner: HDAccount, clock: () => Date = () => new Date()) {
  const signer = await Signer.create({ cedar, log: DecisionLog.memory({ clock }), clock })
  await signer.installBundle(world.bundle)
  return { signer, owner, key: { kind: 'software' as const, privateKey: privateKeyOf(owner) } }
}

export { cedar }

const nonceAbi = [
  { type: 'function', name: 'nonce', inputs: [], outputs: [{ type: 'uint256' }], stateMutability: 'view' },
] as const

/** The Transaction Service stand-in for the world's treasury: owners and nonce read from the chain at request time, as the real service does. */
export function treasuryStandIn(world: World): Promise<StandIn> {
  return startStandIn({
    safeState: async (address) =>
      address === world.treasury
        ? {
            chainId: BigInt(CHAIN_ID),
            version: '1.4.1',
            owners: world.owners.map((o) => o.address),
            threshold: 2,
            nonce: await world.anvil.publicClient.readContract({
              address,
              abi: nonceAbi,
              functionName: 'nonce',
            }),
          }
        : undefined,
  })
}
