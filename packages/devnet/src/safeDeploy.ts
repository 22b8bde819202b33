import { createRequire } from 'node:module'
import { SafeTx } from '@airlock/safe'
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hash,
  type Hex,
  parseEventLogs,
  type TransactionReceipt,
  zeroAddress,
} from 'viem'
import type { Anvil } from './anvil.ts'

/** The Safe releases deployed from their published npm artifacts. */
export type DeployableVersion = '1.3.0' | '1.4.1'

type Artifact = { abi: Abi; bytecode: Hex }
type ContractName = 'singleton' | 'proxyFactory' | 'multiSendCallOnly' | 'fallbackHandler'

const require = createRequire(import.meta.url)

// 1.3.0 ships as @gnosis.pm/safe-contracts (GnosisSafe*), 1.4.1 as @safe-global/safe-contracts (Safe*).
const ARTIFACTS: Record<DeployableVersion, Record<ContractName, string>> = {
  '1.3.0': {
    singleton: '@gnosis.pm/safe-contracts/build/artifacts/contracts/GnosisSafe.sol/GnosisSafe.json',
    proxyFactory:
      '@gnosis.pm/safe-contracts/build/artifacts/contracts/proxies/GnosisSafeProxyFactory.sol/GnosisSafeProxyFactory.json',
    multiSendCallOnly:
      '@gnosis.pm/safe-contracts/build/artifacts/contracts/libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json',
    fallbackHandler:
      '@gnosis.pm/safe-contracts/build/artifacts/contracts/handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json',
  },
  '1.4.1': {
    singleton: '@safe-global/safe-contracts/build/artifacts/contracts/Safe.sol/Safe.json',
    proxyFactory:
      '@safe-global/safe-contracts/build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json',
    multiSendCallOnly:
      '@safe-global/safe-contracts/build/artifacts/contracts/libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json',
    fallbackHandler:
      '@safe-global/safe-contracts/build/artifacts/contracts/handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json',
  },
}

/**
 * ABI and creation bytecode of one Safe contract, read from the published npm artifact.
 *
 * @example
 * const { abi } = artifact('1.4.1', 'singleton')
 */
export function artifact(version: DeployableVersion, name: ContractName): Artifact {
  const { abi, bytecode } = require(ARTIFACTS[version][name]) as { abi: Abi; bytecode: Hex }
  return { abi, bytecode }
}

/** The ABI to talk to a Safe proxy of `version` (the singleton's ABI). */
export function safeAbi(version: DeployableVersion): Abi {
  return artifact(version, 'singleton').abi
}

/** Addresses of one deployed Safe release. */
export type SafeDeployment = { version: DeployableVersion } & Record<ContractName, Address>

/**
 * Deploys a Safe release (singleton, proxy factory, MultiSendCallOnly, CompatibilityFallbackHandler)
 * from the npm artifacts' bytecode.
 *
 * @example
 * const deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
 */
export async function deploySafeContracts({
  anvil,
  deployer,
  version,
}: {
  anvil: Anvil
  deployer: Account
  version: DeployableVersion
}): Promise<SafeDeployment> {
  const wallet = anvil.walletFor(deployer)
  const names: ContractName[] = ['singleton', 'proxyFactory', 'multiSendCallOnly', 'fallbackHandler']
  const deployed = {} as Record<ContractName, Address>
  for (const name of names) {
    const { abi, bytecode } = artifact(version, name)
    const hash = await wallet.deployContract({ abi, bytecode })
    const receipt = await waitFor(anvil, hash)
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new Error(`Deploying ${name} of Safe ${version} failed (${hash}).`)
    }
    deployed[name] = receipt.contractAddress
  }
  return { version, ...deployed }
}

export type CreateSafeParameters = {
  anvil: Anvil
  deployment: SafeDeployment
  /** Sends the proxy-creation transaction; need not be an owner. */
  deployer: Account
  owners: readonly Address[]
  threshold: bigint | number
  /** Distinguishes Safes with the same owners (CREATE2 salt). */
  saltNonce?: bigint | undefined
  /** Balance to give the new Safe, in wei. */
  balance?: bigint | undefined
}

/**
 * Creates a Safe proxy through the factory and runs `setup(owners, threshold, …)` with the
 * CompatibilityFallbackHandler. Returns the proxy's address.
 *
 * @example
 * const safe = await createSafe({ anvil, deployment, deployer, owners, threshold: 3 })
 */
export async function createSafe({
  anvil,
  deployment,
  deployer,
  owners,
  threshold,
  saltNonce = 0n,
  balance,
}: CreateSafeParameters): Promise<Address> {
  const initializer = encodeFunctionData({
    abi: safeAbi(deployment.version),
    functionName: 'setup',
    args: [
      owners,
      BigInt(threshold),
      zeroAddress,
      '0x',
      deployment.fallbackHandler,
      zeroAddress,
      0n,
      zeroAddress,
    ],
  })
  const factory = { address: deployment.proxyFactory, abi: artifact(deployment.version, 'proxyFactory').abi }
  const args = [deployment.singleton, initializer, saltNonce] as const
  const { result } = await anvil.publicClient.simulateContract({
    ...factory,
    functionName: 'createProxyWithNonce',
    args,
    account: deployer,
  })
  const hash = await anvil
    .walletFor(deployer)
    .writeContract({ ...factory, functionName: 'createProxyWithNonce', args })
  const receipt = await waitFor(anvil, hash)
  if (receipt.status !== 'success') throw new Error(`Creating the Safe failed (${hash}).`)
  const safe = result as Address
  if (balance !== undefined) await anvil.testClient.setBalance({ address: safe, value: balance })
  return safe
}

/**
 * Reads a Safe's view function.
 *
 * @example
 * const nonce = await readSafe<bigint>({ anvil, version: '1.4.1', safe, functionName: 'nonce' })
 */
export async function readSafe<T>({
  anvil,
  version,
  safe,
  functionName,
  args = [],
}: {
  anvil: Anvil
  version: DeployableVersion
  safe: Address
  functionName: string
  args?: readonly unknown[] | undefined
}): Promise<T> {
  return (await anvil.publicClient.readContract({
    address: safe,
    abi: safeAbi(version),
    functionName,
    args,
  })) as T
}

export type ExecParameters = {
  anvil: Anvil
  version: DeployableVersion
  safe: Address
  tx: SafeTx.SafeTx
  signatures: Hex
  /** `msg.sender` of `execTransaction`. */
  sender: Account
}

/** What `execTransaction` would do: succeed, or revert with a reason such as `GS026`. */
export type SimulatedExec = { ok: true } | { ok: false; reason: string | undefined }

/**
 * Calls `execTransaction` without sending it (`eth_call`) and reports success or the revert reason.
 *
 * @example
 * const outcome = await simulateExec({ anvil, version, safe, tx, signatures, sender })
 * if (!outcome.ok) console.log(outcome.reason) // 'GS026'
 */
export async function simulateExec({
  anvil,
  version,
  safe,
  tx,
  signatures,
  sender,
}: ExecParameters): Promise<SimulatedExec> {
  try {
    await anvil.publicClient.simulateContract({
      address: safe,
      abi: safeAbi(version),
      functionName: 'execTransaction',
      args: SafeTx.execTransactionArgs(tx, signatures),
      account: sender,
    })
    return { ok: true }
  } catch (error) {
    if (!(error instanceof BaseError)) throw error
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
    if (!(reverted instanceof ContractFunctionRevertedError)) throw error
    return { ok: false, reason: reverted.reason }
  }
}

/**
 * Sends `execTransaction` and waits for it; `success` is true when the Safe emitted ExecutionSuccess.
 *
 * @example
 * const { success } = await execTransaction({ anvil, version, safe, tx, signatures, sender: owner })
 */
export async function execTransaction({
  anvil,
  version,
  safe,
  tx,
  signatures,
  sender,
}: ExecParameters): Promise<{ hash: Hash; receipt: TransactionReceipt; success: boolean }> {
  const abi = safeAbi(version)
  const hash = await anvil.walletFor(sender).writeContract({
    address: safe,
    abi,
    functionName: 'execTransaction',
    args: SafeTx.execTransactionArgs(tx, signatures),
  })
  const receipt = await waitFor(anvil, hash)
  const events = parseEventLogs({ abi, logs: receipt.logs, eventName: 'ExecutionSuccess' })
  return { hash, receipt, success: receipt.status === 'success' && events.length > 0 }
}

function waitFor(anvil: Anvil, hash: Hash): Promise<TransactionReceipt> {
  return anvil.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
}
