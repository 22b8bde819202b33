import { analyze, Calls, type SafeContext, type SafeTx, SafeTxHash } from '@airlock/safe'
import {
  type Address,
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  keccak256,
  pad,
  parseAbi,
  parseEventLogs,
  BaseError as ViemBaseError,
} from 'viem'
import { type Client, readSafe, rpc, type SafeState, toRpcError } from './Chain.ts'
import type * as Config from './Config.ts'
import { calldata } from './Execution.ts'
import { TargetWithoutCodeError } from './errors.ts'
import * as Revert from './Revert.ts'

/** Storage slot of `approvedHashes` in Safe 1.3.0–1.5.0 (singleton, modules, owners, ownerCount, threshold, nonce, domain separator, signedMessages, approvedHashes). */
export const approvedHashesSlot = 8n

/** A helper code placed by state override at an unused address: returns `BALANCE(address)` for calldata `0x00000000 ‖ address`. */
const balanceReaderCode: Hex = '0x6004353160005260206000f3'
const balanceReader: Address = '0x00000000000000000000000000000000a1b2c3d4'

const execEvents = parseAbi([
  'event ExecutionFailure(bytes32 txHash, uint256 payment)',
  'event ExecutionSuccess(bytes32 txHash, uint256 payment)',
])

/** How one of the org's assets held by the Safe changes when the transaction runs. */
export type BalanceChange = {
  /** The org config's asset id (`ETH`, `USDC`). */
  asset: string
  address: Address | 'native'
  decimals: number
  before: bigint
  after: bigint
  delta: bigint
}

/** A call in the transaction that reverted, with the decoded reason. */
export type FailedCall = {
  /** Path in the decoded call tree (`[]` for the transaction itself, `[2]` for a batch's third call). */
  path: readonly number[]
  to: Address
  revert: Revert.Revert
}

export type Simulation = {
  /** True when execTransaction would succeed and the Safe's call would not fail. */
  ok: boolean
  /** The block whose state it ran on (the next block is simulated). */
  blockNumber: bigint
  gasUsed: bigint
  /** The revert of execTransaction itself (e.g. GS013), when it failed. */
  revert: Revert.Revert | undefined
  /** The inner call that failed and why (the reason behind GS013). */
  failedCall: FailedCall | undefined
  /** The Safe's holdings of the org's assets on this chain, before and after (empty with `eth_call`). */
  balanceChanges: readonly BalanceChange[]
  /**
   * `eth_simulateV1` (the transaction, then balances, in one simulated block), or `eth_call` with the
   * same state overrides when the node lacks it: the verdict and revert reasons, no balance changes.
   */
  method: 'eth_simulateV1' | 'eth_call'
}

export type SimulateParameters = {
  client: Client
  config: Config.Config
  tx: SafeTx.SafeTx
  context: SafeContext
  /** The Safe, read at the block to simulate on (read now when absent). */
  state?: SafeState | undefined
  /** Who sends execTransaction (gas is not charged); the first signing owner when absent. */
  from?: Address | undefined
}

/**
 * Simulates the exact execTransaction bytes at the current block before any signature exists: the
 * signing owners' approvals are injected as `approvedHashes` storage overrides and pre-validated
 * (v = 1) signatures, so the Safe runs its real signature check, guard and call. Reports the inner
 * revert reason behind GS013 and the balance changes of the Safe's assets. A target without code
 * (calldata or delegatecall to an empty address) is an error: TargetWithoutCodeError.
 *
 * @example
 * const simulation = await Simulate.transaction({ client, config, tx: action.tx, context: action.context })
 * if (!simulation.ok) console.log(simulation.failedCall?.revert.message ?? simulation.revert?.message)
 */
export async function transaction({
  client,
  config,
  tx,
  context,
  state: given,
  from,
}: SimulateParameters): Promise<Simulation> {
  const state = given ?? (await readSafe({ client, safe: context.safe, chainId: config.chainId }))
  const blockNumber = state.blockNumber
  const analysis = analyze({ tx, context, org: config.decoder })
  await checkCode({ client, root: analysis.calls, blockNumber })

  const { safeTxHash } = SafeTxHash.compute({ tx, context })
  const signers = [...state.owners]
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    .slice(0, Number(state.threshold))
  const signatures = concat(signers.map((owner) => concat([pad(owner), pad('0x'), '0x01'])))
  const overrides = signers.map((owner) => ({
    slot: approvedHashSlot(owner, safeTxHash),
    value: pad('0x01'),
  }))
  const assets = config.org.assets.filter((asset) => asset.chainId === config.chainId)
  const reads = assets.map((asset) =>
    asset.address === 'native'
      ? {
          to: balanceReader,
          data: concat(['0x00000000', pad(state.address)]),
        }
      : {
          to: getAddress(asset.address),
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [state.address] }),
        },
  )
  const sender = from ?? signers[0] ?? state.address
  const exec = { from: sender, to: state.address, data: calldata(tx, signatures), gas: 30_000_000n }
  let results: Awaited<ReturnType<Client['simulateBlocks']>>
  try {
    results = await client.simulateBlocks({
      blockNumber,
      validation: false,
      blocks: [
        {
          stateOverrides: [
            { address: state.address, stateDiff: overrides },
            { address: balanceReader, code: balanceReaderCode },
          ],
          calls: [...reads, exec, ...reads].map((call) => ({ ...call, account: sender })),
        },
      ],
    })
  } catch (error) {
    if (!unsupported(error)) throw toRpcError(error, 'the execTransaction simulation')
    return withCall({ client, state, exec, overrides, root: analysis.calls, blockNumber })
  }
  const calls = results[0]?.calls ?? []
  const word = (index: number) => {
    const call = calls[index]
    return call?.status === 'success' && call.data.length >= 66 ? BigInt(call.data.slice(0, 66)) : 0n
  }
  const balanceChanges = assets.map((asset, i) => {
    const before = word(i)
    const after = word(assets.length + 1 + i)
    return {
      asset: asset.id,
      address: asset.address,
      decimals: asset.decimals,
      before,
      after,
      delta: after - before,
    }
  })
  const result = calls[assets.length]
  if (!result)
    throw toRpcError(new Error('The node returned no result for execTransaction.'), 'the simulation')
  const failedInside =
    result.status === 'success' &&
    parseEventLogs({ abi: execEvents, logs: result.logs ?? [], eventName: 'ExecutionFailure' }).length > 0
  if (result.status === 'success' && !failedInside) {
    return {
      method: 'eth_simulateV1',
      ok: true,
      blockNumber,
      gasUsed: result.gasUsed,
      revert: undefined,
      failedCall: undefined,
      balanceChanges,
    }
  }
  const revert = result.status === 'success' ? undefined : Revert.decode(result.data)
  const failedCall = await findFailedCall({ client, state, root: analysis.calls, blockNumber })
  return {
    method: 'eth_simulateV1',
    ok: false,
    blockNumber,
    gasUsed: result.gasUsed,
    revert,
    failedCall,
    balanceChanges: balanceChanges.map((change) => ({ ...change, after: change.before, delta: 0n })),
  }
}

/**
 * The storage slot of `approvedHashes[owner][hash]` in a Safe.
 *
 * @example
 * Simulate.approvedHashSlot(owner, safeTxHash) // '0x…'
 */
export function approvedHashSlot(owner: Address, hash: Hex): Hex {
  const inner = keccak256(
    encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [owner, approvedHashesSlot]),
  )
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [hash, inner]))
}

// Every call that carries calldata or is a delegatecall runs code: an empty target would "succeed"
// without doing anything (a call) or corrupt nothing but do nothing (a delegatecall), silently.
async function checkCode({
  client,
  root,
  blockNumber,
}: {
  client: Client
  root: Calls.Call
  blockNumber: bigint
}): Promise<void> {
  const targets = new Map<string, Calls.Call>()
  for (const call of Calls.walk(root)) {
    if (call.origin === 'timelock-scheduled') continue
    if (call.operation === 1 || call.data !== '0x') targets.set(call.to.toLowerCase(), call)
  }
  for (const call of targets.values()) {
    const code = await rpc(() => client.getCode({ address: call.to, blockNumber }), {
      what: `the code at ${call.to}`,
    })
    if (code === undefined || code === '0x') {
      const where = call.path.length === 0 ? 'The transaction' : `Call ${Calls.formatPath(call.path)}`
      throw new TargetWithoutCodeError(
        `${where} ${call.operation === 1 ? 'delegatecalls' : 'calls'} ${call.to}, which has no code on this chain.`,
        {
          hint:
            call.operation === 1
              ? 'Check the batch library address for this chain (MultiSendCallOnly must be deployed here).'
              : 'Check the target address and the chain: nothing would run there.',
        },
      )
    }
  }
}

// The reason behind GS013: run the Safe's own calls in order, sent by the Safe, and report the first
// that reverts (a MultiSend batch's calls run in the Safe's context, so msg.sender is the Safe too).
async function findFailedCall({
  client,
  state,
  root,
  blockNumber,
}: {
  client: Client
  state: SafeState
  root: Calls.Call
  blockNumber: bigint
}): Promise<FailedCall | undefined> {
  const steps: Calls.Call[] =
    root.operation === 0
      ? [root]
      : root.children.length > 0 && root.children.every((child) => child.origin === 'multisend')
        ? [...root.children]
        : []
  const direct = steps.filter((step) => step.operation === 0)
  if (direct.length === 0 || direct.length !== steps.length) return undefined
  const results = await rpc(
    () =>
      client.simulateBlocks({
        blockNumber,
        validation: false,
        blocks: [
          {
            calls: direct.map((step) => ({
              account: state.address,
              to: step.to,
              value: step.value,
              data: step.data,
              gas: 30_000_000n,
            })),
          },
        ],
      }),
    { what: 'the simulation of the inner calls' },
  ).catch(() => undefined)
  const calls = results?.[0]?.calls ?? []
  const index = calls.findIndex((call) => call.status !== 'success')
  const step = direct[index]
  const failed = calls[index]
  if (index === -1 || !step || !failed)
    return { path: root.path, to: root.to, revert: Revert.decode(undefined) }
  return { path: step.path, to: step.to, revert: Revert.decode(failed.data) }
}

// A node without eth_simulateV1 answers "method not found" (-32601) or "not supported" (-32004).
function unsupported(error: unknown): boolean {
  if (!(error instanceof ViemBaseError)) return false
  return Boolean(
    error.walk((e) => {
      const code = (e as { code?: unknown }).code
      return code === -32601 || code === -32004 || /eth_simulateV1/i.test((e as Error).message ?? '')
    }),
  )
}

// The same state overrides with plain eth_call (every node has it): whether execTransaction would
// succeed, and the reason of the first of the Safe's own calls that reverts on today's state (each
// run alone, so a batch's later calls do not see the effects of earlier ones).
async function withCall({
  client,
  state,
  exec,
  overrides,
  root,
  blockNumber,
}: {
  client: Client
  state: SafeState
  exec: { from: Address; to: Address; data: Hex; gas: bigint }
  overrides: { slot: Hex; value: Hex }[]
  root: Calls.Call
  blockNumber: bigint
}): Promise<Simulation> {
  const base = { method: 'eth_call' as const, blockNumber, gasUsed: 0n, balanceChanges: [] }
  try {
    await client.call({
      account: exec.from,
      to: exec.to,
      data: exec.data,
      gas: exec.gas,
      blockNumber,
      stateOverride: [{ address: state.address, stateDiff: overrides }],
    })
    return { ...base, ok: true, revert: undefined, failedCall: undefined }
  } catch (error) {
    if (!Revert.isRevert(error)) throw toRpcError(error, 'the execTransaction simulation')
    const revert = Revert.decode(Revert.dataOf(error))
    const steps =
      root.operation === 0 ? [root] : root.children.filter((child) => child.origin === 'multisend')
    for (const step of steps) {
      if (step.operation !== 0) continue
      try {
        await client.call({
          account: state.address,
          to: step.to,
          value: step.value,
          data: step.data,
          blockNumber,
        })
      } catch (inner) {
        if (!Revert.isRevert(inner)) throw toRpcError(inner, 'the simulation of the inner calls')
        return {
          ...base,
          ok: false,
          revert,
          failedCall: { path: step.path, to: step.to, revert: Revert.decode(Revert.dataOf(inner)) },
        }
      }
    }
    return { ...base, ok: false, revert, failedCall: undefined }
  }
}
