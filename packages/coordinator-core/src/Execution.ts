import { TimelockTier } from '@airlock/queue'
import { type ApprovedTx, analyze, type SafeContext, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import {
  type Account,
  type Address,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  http,
  keccak256,
  parseAbi,
  parseEventLogs,
  type TransactionReceipt,
  type Transport,
  type Chain as ViemChain,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type Client, readSafe, rpc, type SafeState, safeReadAbi, toRpcError } from './Chain.ts'
import type * as Config from './Config.ts'
import {
  InvalidActionError,
  InvalidCollectedSignatureError,
  InvalidExecutorKeyError,
  RequirementsNotMetError,
  StaleNonceError,
} from './errors.ts'
import * as Requirements from './Requirements.ts'
import * as Revert from './Revert.ts'

/** A signature as the queue collects it: who claims to have signed, and the 65+ bytes. */
export type CollectedSignature = { signer: Address; signature: Hex }

/** A signature checked against the transaction hash and the Safe's owners. */
export type VerifiedSignature = { signer: Address; signature: Signature.Signature }

const execAbi = parseAbi([
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool success)',
  'event ExecutionSuccess(bytes32 txHash, uint256 payment)',
  'event ExecutionFailure(bytes32 txHash, uint256 payment)',
])

/**
 * Checks collected signatures for one Safe transaction: each must recover (or, for approved-hash
 * entries, be approved on chain or be the executor) to the signer it claims, that signer must be a
 * current owner, and no owner may appear twice. Throws InvalidCollectedSignatureError naming the signer.
 *
 * @example
 * const verified = await Execution.verifySignatures({ client, state, safeTxHash, signatures })
 */
export async function verifySignatures({
  client,
  state,
  safeTxHash,
  signatures,
  executor,
}: {
  client: Client
  state: SafeState
  safeTxHash: Hex
  signatures: readonly CollectedSignature[]
  executor?: Address | undefined
}): Promise<VerifiedSignature[]> {
  const owners = new Set(state.owners.map((o) => o.toLowerCase()))
  const seen = new Set<string>()
  const out: VerifiedSignature[] = []
  for (const [index, collected] of signatures.entries()) {
    const claimed = getAddress(collected.signer)
    const signature = readSignature(collected.signature, index, claimed)
    const signer = Signature.signerOf({ signature, safeTxHash })
    if (signer === undefined || signer.toLowerCase() !== claimed.toLowerCase()) {
      throw new InvalidCollectedSignatureError(
        `The signature from ${claimed} is not valid for this transaction (it recovers to ${signer ?? 'no address'}).`,
        {
          hint: 'It was made over another hash (another nonce, Safe, chain or transaction) or by another key: ask the owner to sign this request again.',
          details: `safeTxHash ${safeTxHash}`,
        },
      )
    }
    if (!owners.has(claimed.toLowerCase())) {
      throw new InvalidCollectedSignatureError(
        `${claimed} signed, but is not an owner of ${state.address}.`,
        {
          hint: `Only current owners count: ${state.owners.join(', ')}.`,
        },
      )
    }
    if (seen.has(claimed.toLowerCase())) {
      throw new InvalidCollectedSignatureError(`${claimed} signed twice.`, {
        hint: 'Keep one signature per owner.',
      })
    }
    seen.add(claimed.toLowerCase())
    if (signature.type === 'approved-hash' && claimed.toLowerCase() !== executor?.toLowerCase()) {
      const approved = await rpc(
        () =>
          client.readContract({
            address: state.address,
            abi: safeReadAbi,
            functionName: 'approvedHashes',
            args: [claimed, safeTxHash],
          }),
        { what: 'an approved hash' },
      )
      if (approved === 0n) {
        throw new InvalidCollectedSignatureError(`${claimed} has not approved this hash on chain.`, {
          hint: 'The owner must call approveHash first, or send the execution themselves.',
        })
      }
    }
    out.push({ signer: claimed, signature })
  }
  return out
}

function readSignature(hex: Hex, index: number, claimed: Address): Signature.Signature {
  try {
    const body = SafeTx.parseHex(hex, `signatures[${index}]`)
    // A bare 65-byte ECDSA signature with v = 0/1 (some wallets) is an EIP-712 signature of the hash;
    // with s = 0 (no ECDSA signature has it) v = 1 is an approved-hash entry (an owner's approveHash).
    const sIsZero = /^0+$/.test(body.slice(66, 130))
    if (body.length === 132 && (body.endsWith('00') || body.endsWith('01')) && !sIsZero)
      return Signature.fromEcdsa(body)
    const parsed = Signature.parse(body)
    if (parsed.length !== 1 || parsed[0] === undefined) {
      throw new InvalidCollectedSignatureError(
        `The entry from ${claimed} holds ${parsed.length} signatures.`,
        {
          hint: 'Collect one signature per owner.',
        },
      )
    }
    return parsed[0]
  } catch (error) {
    if (error instanceof InvalidCollectedSignatureError) throw error
    throw new InvalidCollectedSignatureError(`The signature from ${claimed} is malformed.`, {
      hint: 'Scan the signer’s response again; it may have been truncated.',
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}

/**
 * The exact `execTransaction` calldata for a transaction and its signatures blob.
 *
 * @example
 * const data = Execution.calldata(tx, blob)
 */
export function calldata(tx: SafeTx.SafeTx, signatures: Hex): Hex {
  return encodeFunctionData({
    abi: execAbi,
    functionName: 'execTransaction',
    args: SafeTx.execTransactionArgs(tx, signatures),
  })
}

export type Executor = WalletClient<Transport, ViemChain | undefined, Account>

/**
 * The executor's wallet client from its private key (an ordinary account that sends execTransaction
 * and pays gas; it need not be an owner). Accepts 64 hex digits with or without 0x and surrounding
 * whitespace, as a key file holds it; anything else is an `InvalidExecutorKeyError`.
 *
 * @example
 * const executor = Execution.executor({ privateKey: readFileSync(keyFile, 'utf8'), client, rpcUrl })
 */
export function executor({
  privateKey,
  client,
  rpcUrl,
}: {
  privateKey: string
  /** The coordinator's read client (its chain is the executor's). */
  client: Client
  rpcUrl: string
}): Executor {
  const text = privateKey.trim()
  const hex = text.startsWith('0x') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new InvalidExecutorKeyError('The executor key is not a private key.', {
      hint: 'Put the 32-byte private key in the key file as 64 hex digits (0x prefix optional).',
    })
  }
  let account: Account
  try {
    account = privateKeyToAccount(`0x${hex.toLowerCase()}`)
  } catch (cause) {
    throw new InvalidExecutorKeyError('The executor key is not a valid secp256k1 key.', {
      hint: 'Generate a new key for the executor account.',
      cause,
    })
  }
  return createWalletClient({ account, chain: client.chain, transport: http(rpcUrl, { retryCount: 0 }) })
}

export type ExecuteParameters = {
  client: Client
  /** Sends the transaction and pays its gas; need not be an owner. */
  executor: Executor
  config: Config.Config
  tx: SafeTx.SafeTx
  context: SafeContext
  signatures: readonly CollectedSignature[]
  /** Owners whose approval attestations the queue has verified. */
  attesters?: readonly Address[] | undefined
  /**
   * Unix seconds by the chain's clock when the action was created (the latest block's timestamp then:
   * the queue's `createdChainAt`); the delay runs from here and is judged against `now`, also chain time.
   */
  createdAt: number
  /** Unix seconds; defaults to the latest block's timestamp (the chain's clock). */
  now?: number | undefined
  /**
   * Timelock operations whose `schedule` this Safe already executed or fully signed (the queue's
   * `scheduledOperations`): an `execute` of one of them needs only what is left to check (Routine for a
   * lone execute), not a second Critical round. The timelock enforces its own delay by block time.
   */
  scheduled?: readonly TimelockTier.OperationRef[] | undefined
  /**
   * For an owner Safe's approveHash of another Safe's transaction (`NestedApproval.approves`): that
   * transaction, so the tier is the one its signers computed with it shown (it opens only on a match).
   */
  approved?: readonly ApprovedTx[] | undefined
  /** How long to wait for the receipt. */
  timeoutMs?: number | undefined
  pollingIntervalMs?: number | undefined
}

export type ExecuteResult =
  | {
      ok: true
      status: 'executed'
      safeTxHash: Hex
      hash: Hash
      blockNumber: bigint
      blockHash: Hash
      receipt: TransactionReceipt
    }
  | {
      ok: false
      /** `simulation-reverted`: nothing was sent. `reverted`: sent and reverted (the nonce is not used). */
      status: 'simulation-reverted' | 'reverted'
      retryable: true
      safeTxHash: Hex
      hash: Hash | undefined
      revert: Revert.Revert
    }
  | {
      ok: false
      /** The Safe ran the call and it failed (safeTxGas > 0): the nonce is used, so it cannot be retried. */
      status: 'execution-failed'
      retryable: false
      safeTxHash: Hex
      hash: Hash
      blockNumber: bigint
      blockHash: Hash
      receipt: TransactionReceipt
    }

/** What the executor will send, for a second machine to compare before anything is sent. */
export type Plan = {
  safeTxHash: Hex
  /** The executor account that sends and pays the gas. */
  from: Address
  /** The Safe. */
  to: Address
  value: bigint
  /** The exact `execTransaction` calldata (signatures blob included). */
  data: Hex
  /** keccak256 of `data`: equal to the keccak256 of the mined transaction's input. */
  calldataHash: Hex
  /** The gas limit sent (estimated on the exact bytes); undefined when the simulation reverted. */
  gas: bigint | undefined
  /** The eth_call on the exact bytes: a revert means nothing will be sent. */
  simulation: { ok: true } | { ok: false; revert: Revert.Revert }
}

/**
 * The keccak256 of calldata, as an executor compares it with what another machine computed.
 *
 * @example
 * Execution.calldataHash(Execution.calldata(tx, blob)) // '0x…' (the mined transaction's input hashes the same)
 */
export function calldataHash(data: Hex): Hex {
  return keccak256(data)
}

/**
 * Everything `execute` checks, up to the bytes it would send: re-reads the Safe, checks the nonce,
 * verifies every collected signature, re-derives the tier and its requirements by chain time, builds
 * the signatures blob and the exact `execTransaction` calldata, hashes it and simulates it. Sends
 * nothing: `send` (or `execute`) does. Precondition failures throw typed errors, like `execute`.
 *
 * @example
 * const plan = await Execution.plan({ client, executor, config, tx, context, signatures, createdAt })
 * console.log(plan.calldataHash, plan.to, plan.value, plan.gas)
 */
export async function plan({
  client,
  executor,
  config,
  tx,
  context,
  signatures,
  attesters = [],
  createdAt,
  now,
  scheduled = [],
  approved = [],
}: Omit<ExecuteParameters, 'timeoutMs' | 'pollingIntervalMs'>): Promise<Plan> {
  const state = await readSafe({ client, safe: context.safe, chainId: config.chainId })
  if (BigInt(config.chainId) !== context.chainId || state.version !== context.version) {
    throw new InvalidActionError('The transaction was built for another chain or Safe version.', {
      hint: `The Safe is ${state.version} on chain ${config.chainId}; build the action again.`,
    })
  }
  if (tx.nonce !== state.nonce) {
    throw new StaleNonceError(
      tx.nonce < state.nonce
        ? `Nonce ${tx.nonce} is already used: the Safe is at nonce ${state.nonce}.`
        : `Nonce ${tx.nonce} is ahead of the Safe (at ${state.nonce}): earlier actions must execute first.`,
      {
        hint:
          tx.nonce < state.nonce
            ? 'Another transaction executed with this nonce; build the action again and collect new signatures.'
            : `Execute the pending action with nonce ${state.nonce} first.`,
      },
    )
  }
  const { safeTxHash } = SafeTxHash.compute({ tx, context })
  const executorAddress = executor.account.address
  const verified = await verifySignatures({
    client,
    state,
    safeTxHash,
    signatures,
    executor: executorAddress,
  })
  const analysis = analyze({ tx, context, org: config.decoder, approved })
  const { tier } = TimelockTier.leftToCheck({ analysis, org: config.decoder, scheduled })
  const requirements = Requirements.of({ config, state, tier })
  const clock =
    now ??
    Number((await rpc(() => client.getBlock({ blockTag: 'latest' }), { what: 'the latest block' })).timestamp)
  const progress = Requirements.progress({
    requirements,
    owners: state.owners,
    signers: verified.map((v) => v.signer),
    attesters,
    createdAt,
    now: clock,
  })
  if (!progress.ready) {
    throw new RequirementsNotMetError(`The ${tier} action is not ready to execute.`, {
      hint: progress.missing.join(' '),
    })
  }
  const blob = Signature.build({ signatures: verified.map((v) => v.signature), safeTxHash })
  const data = calldata(tx, blob)
  const base = {
    safeTxHash,
    from: executorAddress,
    to: state.address,
    value: 0n,
    data,
    calldataHash: calldataHash(data),
  }
  const request = { account: executorAddress, to: state.address, data, value: 0n } as const
  try {
    await client.call(request)
  } catch (error) {
    if (!Revert.isRevert(error)) throw toRpcError(error, 'the execTransaction simulation')
    return { ...base, gas: undefined, simulation: { ok: false, revert: Revert.decode(Revert.dataOf(error)) } }
  }
  const gas = await rpc(() => client.estimateGas(request), { what: 'the gas of execTransaction' })
  return { ...base, gas, simulation: { ok: true } }
}

/**
 * Sends a plan's exact bytes (to, value, data and gas as shown) with the executor key and waits for
 * the receipt; a plan whose simulation reverted is returned as `simulation-reverted`, nothing sent.
 *
 * @example
 * const plan = await Execution.plan(parameters)
 * if (operatorConfirmed(plan.calldataHash)) await Execution.send({ client, executor, plan })
 */
export async function send({
  client,
  executor,
  plan: planned,
  timeoutMs = 60_000,
  pollingIntervalMs = 1000,
}: {
  client: Client
  executor: Executor
  plan: Plan
  timeoutMs?: number | undefined
  pollingIntervalMs?: number | undefined
}): Promise<ExecuteResult> {
  const { safeTxHash } = planned
  if (!planned.simulation.ok) {
    return {
      ok: false,
      status: 'simulation-reverted',
      retryable: true,
      safeTxHash,
      hash: undefined,
      revert: planned.simulation.revert,
    }
  }
  if (executor.account.address.toLowerCase() !== planned.from.toLowerCase()) {
    throw new InvalidExecutorKeyError('The plan was made for another executor account.', {
      hint: `Plan again with this executor (${executor.account.address}).`,
    })
  }
  const request = { account: planned.from, to: planned.to, data: planned.data, value: planned.value } as const
  let hash: Hash
  try {
    hash = await executor.sendTransaction({
      ...request,
      ...(planned.gas === undefined ? {} : { gas: planned.gas }),
      account: executor.account,
      chain: executor.chain ?? null,
    })
  } catch (error) {
    if (!Revert.isRevert(error)) throw toRpcError(error, 'sending execTransaction')
    return {
      ok: false,
      status: 'simulation-reverted',
      retryable: true,
      safeTxHash,
      hash: undefined,
      revert: Revert.decode(Revert.dataOf(error)),
    }
  }
  const receipt = await rpc(
    () => client.waitForTransactionReceipt({ hash, timeout: timeoutMs, pollingInterval: pollingIntervalMs }),
    { what: `the receipt of ${hash}` },
  )
  if (receipt.status !== 'success') {
    // Replay it on the parent block's state to learn why it reverted.
    let revert: Revert.Revert = Revert.decode(undefined)
    try {
      await client.call({ ...request, blockNumber: receipt.blockNumber - 1n })
    } catch (error) {
      revert = Revert.decode(Revert.dataOf(error))
    }
    return { ok: false, status: 'reverted', retryable: true, safeTxHash, hash, revert }
  }
  const base = { safeTxHash, hash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, receipt }
  if (safeCallFailed(receipt)) return { ok: false, status: 'execution-failed', retryable: false, ...base }
  return { ok: true, status: 'executed', ...base }
}

/**
 * Executes a signed Safe transaction once its tier's requirements are met: re-reads the Safe, checks
 * the nonce, verifies every collected signature, re-derives the tier (never trusting a stored one;
 * by what is left to check when it executes timelock operations in `scheduled`) and checks
 * signatures, approvals and the delay, all by chain time; then builds the signatures blob (sorted by owner),
 * simulates `execTransaction` with `eth_call` on the exact bytes, sends them and waits for the receipt.
 * Precondition failures throw typed errors; reverts are returned as retryable failures with the reason.
 *
 * @example
 * const result = await Execution.execute({ client, executor, config, tx, context, signatures, createdAt })
 * if (!result.ok) console.log(result.status, result.retryable)
 */
export async function execute({
  timeoutMs = 60_000,
  pollingIntervalMs = 1000,
  ...parameters
}: ExecuteParameters): Promise<ExecuteResult> {
  const planned = await plan(parameters)
  return send({
    client: parameters.client,
    executor: parameters.executor,
    plan: planned,
    timeoutMs,
    pollingIntervalMs,
  })
}

/**
 * True when a mined execTransaction emitted the Safe's `ExecutionFailure`: the transaction succeeded
 * and used the nonce, but the Safe's own call failed (safeTxGas or gasPrice set).
 *
 * @example
 * if (Execution.safeCallFailed(receipt)) console.log('the nonce is used, nothing was done')
 */
export function safeCallFailed(receipt: Pick<TransactionReceipt, 'logs'>): boolean {
  return parseEventLogs({ abi: execAbi, logs: receipt.logs, eventName: 'ExecutionFailure' }).length > 0
}

export type ConfirmResult =
  | { status: 'confirmed'; confirmations: bigint; receipt: TransactionReceipt }
  /** Not enough blocks on top yet (the wait ran out). */
  | { status: 'pending'; confirmations: bigint }
  /**
   * The block that held the execution is no longer canonical: the action goes back to ready.
   * `reincluded` is the receipt when the same transaction landed in another block meanwhile.
   */
  | { status: 'reorged'; reincluded: TransactionReceipt | undefined }

/**
 * Waits for `confirmations` blocks on top of an execution's block (bounded by `timeoutMs`), then
 * re-checks that the receipt is still in the same block hash. Reports `reorged` when it is not.
 *
 * @example
 * const outcome = await Execution.confirm({ client, hash, blockHash, blockNumber, confirmations: 12n })
 * if (outcome.status === 'reorged') await store.recordReorg(actionId, { actor, reason: 'block reorganised away' })
 */
export async function confirm({
  client,
  hash,
  blockNumber,
  blockHash,
  confirmations,
  timeoutMs = 60_000,
  pollingIntervalMs = 1000,
}: {
  client: Client
  hash: Hash
  blockNumber: bigint
  blockHash: Hash
  confirmations: bigint
  timeoutMs?: number | undefined
  pollingIntervalMs?: number | undefined
}): Promise<ConfirmResult> {
  const deadline = Date.now() + timeoutMs
  let head = await rpc(() => client.getBlockNumber({ cacheTime: 0 }), { what: 'the block number' })
  while (head - blockNumber + 1n < confirmations && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollingIntervalMs))
    head = await rpc(() => client.getBlockNumber({ cacheTime: 0 }), { what: 'the block number' })
  }
  const receipt = await rpc(
    () =>
      client.getTransactionReceipt({ hash }).catch((error: unknown) => {
        if (error instanceof Error && error.name === 'TransactionReceiptNotFoundError') return undefined
        throw error
      }),
    { what: `the receipt of ${hash}` },
  )
  const block = await rpc(
    () =>
      client.getBlock({ blockNumber }).catch((error: unknown) => {
        if (error instanceof Error && error.name === 'BlockNotFoundError') return undefined
        throw error
      }),
    { what: `block ${blockNumber}` },
  )
  if (receipt === undefined || receipt.blockHash !== blockHash || block?.hash !== blockHash) {
    return { status: 'reorged', reincluded: receipt }
  }
  const have = head - blockNumber + 1n
  if (have < confirmations) return { status: 'pending', confirmations: have }
  return { status: 'confirmed', confirmations: have, receipt }
}
