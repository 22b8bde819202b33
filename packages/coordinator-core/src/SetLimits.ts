/**
 * The coordinator's side of the signer set's limits (active when the org config enrolls `signers`):
 *
 * - On every answer it witnesses the signer's new log head against the one it last saw (rollback,
 *   fork, bad signature: an alert, stored), and keeps the signer's verified receipt.
 * - On every request it attaches what the signers need to hold their limits for the set: the
 *   receipts in the velocity window, the continuity proof of every nonce between what the asked
 *   signers are known to have seen and the requested one (executed SafeTxs with their threshold
 *   signatures, from the queue or reconstructed from chain), and the peers' latest heads.
 */
import { BaseError } from '@airlock/errors'
import { OrgConfig } from '@airlock/policy'
import type { Action as QueuedAction, Store, WitnessedHead } from '@airlock/queue'
import { SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import { Receipt, SignerSet } from '@airlock/signer-core'
import { type SignatureResponse, SignRequest, Ur } from '@airlock/transport'
import {
  type Address,
  decodeFunctionData,
  getAddress,
  type Hex,
  isAddressEqual,
  parseAbi,
  toEventSelector,
} from 'viem'
import type { Client } from './Chain.ts'
import { rpc } from './Chain.ts'
import * as Witness from './Witness.ts'

/**
 * The most the signer set's attachments (receipts, proofs, heads) may add to a request, encoded: the
 * signers' request-size limit (256 KiB, as for calldata), and a QR code a person can still scan. The
 * whole request also stays within what a signer reads at all (`Ur.defaults.maxPayloadBytes`). Beyond
 * either the request is refused here rather than cut: a continuity proof with a hole is no proof.
 */
export const maxAttachedBytes = 256 * 1024

/** The most nonces a signer proves in one request (signer-core `SignerSet`). */
export const maxProofs = SignRequest.limits.history

/** What the signers need cannot fit one request (too many nonces, receipts or bytes). */
export class SetLimitsTooLargeError extends BaseError {
  override name = 'Coordinator.SetLimitsTooLargeError'
}

/** A nonce between what the signers saw and the requested one cannot be proven (no execution found). */
export class ContinuityUnavailableError extends BaseError {
  override name = 'Coordinator.ContinuityUnavailableError'
  readonly missing: readonly bigint[]
  constructor(safe: Address, missing: readonly bigint[]) {
    super(
      `Nonce(s) ${missing.join(', ')} of ${safe} cannot be proven: no execution with its owner signatures was found in the queue or on chain.`,
      {
        hint: 'The signers refuse the request as nonce-gap. Sync the queue with the chain (executions through a module or another contract cannot be read from their calldata), or install a bundle with a newer startNonce.',
      },
    )
    this.missing = missing
  }
}

const safeAbi = parseAbi([
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool success)',
])
// Both consume the nonce. Safe 1.4.1 indexes txHash, 1.3.0 does not: read from topics or data by hand.
const executionTopics = new Set([
  toEventSelector('ExecutionSuccess(bytes32,uint256)'),
  toEventSelector('ExecutionFailure(bytes32,uint256)'),
])

/** What witnessing one answer found. */
export type Witnessed = {
  /** Alerts raised (and stored) about the signer's log or receipt. */
  alerts: Witness.Alert[]
  /** The receipt: newly kept, kept before, or none (no signer set, or it was refused: see `alerts`). */
  receipt: 'added' | 'duplicate' | undefined
}

/**
 * Witnesses one answer: checks the signer's new head against the one witnessed before (alerts on a
 * rollback, fork, bad signature or missing head are stored with the action), verifies its receipt
 * against the enrolled audit key and what it answers, and keeps both when sound. Does nothing unless
 * the org enrolls the signer set and the answer is from an enrolled signer.
 *
 * @example
 * const { alerts } = await SetLimits.witness({ store, org, response, action, actor: 'ops' })
 */
export async function witness({
  store,
  org,
  response,
  action,
  actor,
  nowSeconds = Math.floor(Date.now() / 1000),
}: {
  store: Store
  org: OrgConfig.OrgConfig
  response: SignatureResponse.SignatureResponse
  action: QueuedAction
  actor: string
  nowSeconds?: number | undefined
}): Promise<Witnessed> {
  const signers = org.signers
  const enrolled = signers?.find((s) => isAddressEqual(s.owner, response.signer))
  if (!signers || !enrolled) return { alerts: [], receipt: undefined }
  const alerts: Witness.Alert[] = []
  const raise = async (alert: Witness.Alert) => {
    alerts.push(alert)
    await store.addAlert({
      owner: alert.owner,
      code: alert.code,
      message: alert.message,
      actionId: action.id,
      previous: alert.previous ?? null,
      next: alert.next ?? null,
      raisedBy: actor,
    })
  }

  const kept = await store.witnessedHeads()
  const owner = response.signer.toLowerCase()
  const checked = Witness.witness({ heads: kept, response, org })
  if (checked.alert) await raise(checked.alert)
  else if (response.head && checked.heads[owner] !== kept[owner])
    await store.witnessHead({ owner: response.signer, previous: kept[owner], next: response.head })

  if (response.receipt === undefined) {
    if (!checked.alert)
      await raise({
        code: 'receipt-invalid',
        owner: response.signer,
        previous: kept[owner],
        next: response.head,
        message: `The signer of ${response.signer} answered without a receipt.`,
      })
    return { alerts, receipt: undefined }
  }
  const verified = Receipt.verify(response.receipt, {
    signers,
    chainId: Number(action.safe.chainId),
    safe: action.safe.address,
    nowSeconds,
    windowSeconds: SignerSet.windowSeconds(org),
  })
  const receipt = verified.ok ? verified.receipt : undefined
  const mismatch = !receipt
    ? verified.ok
      ? undefined
      : verified.problem.reason
    : !isAddressEqual(receipt.owner, response.signer)
      ? `it is ${receipt.owner}'s, not ${response.signer}'s`
      : receipt.safeTxHash.toLowerCase() !== action.safeTxHash.toLowerCase()
        ? `it is for safeTxHash ${receipt.safeTxHash}, not ${action.safeTxHash}`
        : receipt.kind !== response.kind
          ? `it is for a ${receipt.kind}, not a ${response.kind}`
          : response.head &&
              (receipt.head.size !== response.head.size || `0x${receipt.head.root}` !== response.head.root)
            ? 'its head is not the head the answer carries'
            : undefined
  if (!receipt || mismatch !== undefined) {
    await raise({
      code: 'receipt-invalid',
      owner: response.signer,
      previous: kept[owner],
      next: response.head,
      message: `The receipt from ${response.signer} is refused: ${mismatch}.`,
    })
    return { alerts, receipt: undefined }
  }
  const status = await store.addReceipt({
    keyId: receipt.keyId,
    owner: receipt.owner,
    chainId: BigInt(receipt.chainId),
    safe: receipt.safe,
    nonce: receipt.nonce,
    safeTxHash: receipt.safeTxHash,
    kind: receipt.kind,
    signerTime: receipt.time,
    wire: response.receipt,
    actionId: action.id,
  })
  return { alerts, receipt: status }
}

/** One executed nonce as a request proves it. */
export type ProvenNonce = SignRequest.ProvenTx & { source: 'queue' | 'chain' }

/**
 * The nonce from which the asked signers need proofs: the lowest point any enrolled owner of the Safe
 * is known to stand at (its newest receipt for the Safe, else the bundle's `startNonce`). Undefined
 * when nothing is known (each signer then takes its first request's nonce as its start).
 *
 * @example
 * const from = await SetLimits.knownFrom({ store, org, safe: { chainId: 1n, address } })
 */
export async function knownFrom({
  store,
  org,
  safe,
}: {
  store: Store
  org: OrgConfig.OrgConfig
  safe: { chainId: bigint; address: Address }
}): Promise<bigint | undefined> {
  const signers = org.signers ?? []
  const config = OrgConfig.findSafe(org, { address: safe.address, chainId: Number(safe.chainId) })
  if (!config) return undefined
  const receipts = await store.receipts({ chainId: safe.chainId, safe: safe.address })
  let from: bigint | undefined
  for (const signer of signers) {
    if (!config.owners.some((o) => isAddressEqual(o, signer.owner))) continue
    let point: bigint | undefined
    for (const r of receipts) {
      if (!isAddressEqual(r.owner, signer.owner)) continue
      // Releasing at n, the signer knew every nonce before n; what executed at n it learns by proof.
      if (point === undefined || r.nonce > point) point = r.nonce
    }
    point ??= config.startNonce
    if (point !== undefined && (from === undefined || point < from)) from = point
  }
  return from
}

/**
 * The continuity proof of nonces `from` … `to - 1` of a Safe: each executed SafeTx with the owner
 * signatures it executed with, from the queue's executed actions, else reconstructed from chain (the
 * Safe's ExecutionSuccess/ExecutionFailure events and the execTransaction calldata of their
 * transactions). Throws `ContinuityUnavailableError` naming nonces found nowhere.
 *
 * @example
 * const history = await SetLimits.continuity({ store, client, safe: action.safe, from: 3n, to: 7n })
 */
export async function continuity({
  store,
  client,
  safe,
  from,
  to,
  fromBlock,
}: {
  store: Store
  client: Client
  safe: { chainId: bigint; address: Address; version: QueuedAction['safe']['version'] }
  from: bigint
  to: bigint
  /**
   * The first block to read the Safe's execution events from; by default the block of the queue's
   * newest execution before `from` (nothing earlier can hold a later nonce), else the genesis.
   */
  fromBlock?: bigint | undefined
}): Promise<ProvenNonce[]> {
  if (to <= from) return []
  if (to - from > BigInt(maxProofs))
    throw new SetLimitsTooLargeError(
      `Nonces ${from}–${to - 1n} of ${safe.address} are ${to - from} executions to prove; a request proves at most ${maxProofs}.`,
      {
        hint: 'Have the signers sign an intermediate action (each answer moves what they know forward), or install a bundle with a newer startNonce.',
      },
    )
  const context = SafeTx.context({ chainId: safe.chainId, safe: safe.address, version: safe.version })
  const proven = new Map<bigint, ProvenNonce>()
  const executed = await store.listActions({ safe, states: ['executed'] })
  for (const action of executed) {
    if (action.nonce < from || action.nonce >= to || proven.has(action.nonce)) continue
    const collected = await store.signatures(action.id, { kind: 'safe-signature' })
    const signatures = collected.flatMap((c) => Signature.parse(c.signature))
    if (signatures.length === 0) continue
    proven.set(action.nonce, {
      tx: action.tx,
      signatures: Signature.build({ signatures, safeTxHash: action.safeTxHash }),
      source: 'queue',
    })
  }
  const missing = () => {
    const out: bigint[] = []
    for (let k = from; k < to; k++) if (!proven.has(k)) out.push(k)
    return out
  }
  if (missing().length > 0) {
    let start = fromBlock ?? 0n
    if (fromBlock === undefined)
      for (const action of executed)
        if (action.nonce < from && action.execution && action.execution.blockNumber > start)
          start = action.execution.blockNumber
    const logs = await rpc(
      () => client.getLogs({ address: safe.address, fromBlock: start, toBlock: 'latest' }),
      {
        what: `the execution events of ${safe.address}`,
      },
    )
    // Each execution's hash names its nonce: try the open nonces on the decoded SafeTx.
    for (const log of logs) {
      const open = missing()
      if (open.length === 0) break
      const [topic, indexed] = log.topics
      if (!topic || !executionTopics.has(topic) || !log.transactionHash) continue
      const txHash = (indexed ?? log.data.slice(0, 66)).toLowerCase()
      const sent = await rpc(() => client.getTransaction({ hash: log.transactionHash! }), {
        what: `transaction ${log.transactionHash}`,
      })
      if (!sent.to || !isAddressEqual(sent.to, safe.address)) continue
      let args: readonly unknown[]
      try {
        const decoded = decodeFunctionData({ abi: safeAbi, data: sent.input })
        if (decoded.functionName !== 'execTransaction') continue
        args = decoded.args
      } catch {
        continue // Not a direct execTransaction (a module, a relayer contract): not readable here.
      }
      const [txTo, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, sigs] =
        args as [Address, bigint, Hex, number, bigint, bigint, bigint, Address, Address, Hex]
      for (const nonce of open) {
        const tx = SafeTx.from({
          to: getAddress(txTo),
          value,
          data,
          operation: operation as 0 | 1,
          safeTxGas,
          baseGas,
          gasPrice,
          gasToken: getAddress(gasToken),
          refundReceiver: getAddress(refundReceiver),
          nonce,
        })
        if (SafeTxHash.compute({ tx, context }).safeTxHash.toLowerCase() !== txHash) continue
        proven.set(nonce, { tx, signatures: sigs, source: 'chain' })
        break
      }
    }
  }
  const left = missing()
  if (left.length > 0) throw new ContinuityUnavailableError(safe.address, left)
  return [...proven.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p)
}

/**
 * Attaches the signer set's evidence to a request for a queued action: receipts in the velocity
 * window (not those of this very transaction, which the signer reviews itself), the continuity proof
 * up to the action's nonce, and the latest witnessed heads. Unchanged without an enrolled signer set.
 * Throws `SetLimitsTooLargeError` when it cannot fit the signer's request limit, and
 * `ContinuityUnavailableError` when a nonce cannot be proven.
 *
 * @example
 * const request = await SetLimits.attach({ store, client, org, action, request: Action.signRequest(action) })
 */
export async function attach({
  store,
  client,
  org,
  action,
  request,
  nowSeconds = Math.floor(Date.now() / 1000),
  fromBlock,
}: {
  store: Store
  client: Client
  org: OrgConfig.OrgConfig
  action: QueuedAction
  request: SignRequest.SignRequest
  nowSeconds?: number | undefined
  fromBlock?: bigint | undefined
}): Promise<SignRequest.SignRequest> {
  if (!org.signers) return request
  const safe = action.safe
  const since = nowSeconds - SignerSet.windowSeconds(org)
  const receipts = (await store.receipts({ chainId: safe.chainId, safe: safe.address, since }))
    .filter((r) => r.safeTxHash.toLowerCase() !== action.safeTxHash.toLowerCase())
    .map((r) => r.wire)
  if (receipts.length > SignRequest.limits.receipts)
    throw new SetLimitsTooLargeError(
      `${receipts.length} receipts fall in the velocity window; a request carries at most ${SignRequest.limits.receipts}.`,
      {
        hint: 'Dropping some would hide what the set released from the signers: wait for older receipts to leave the window.',
      },
    )
  const from = await knownFrom({ store, org, safe })
  const history =
    from === undefined ? [] : await continuity({ store, client, safe, from, to: action.nonce, fromBlock })
  const heads = Witness.forRequest(await store.witnessedHeads()).map(wireHead)
  const attached: SignRequest.SignRequest = {
    ...request,
    ...(receipts.length ? { receipts } : {}),
    ...(history.length ? { history: history.map(({ tx, signatures }) => ({ tx, signatures })) } : {}),
    ...(heads.length ? { heads } : {}),
  }
  const bytes = SignRequest.encode(attached).length
  const added = bytes - SignRequest.encode(request).length
  if (added > maxAttachedBytes || bytes > Ur.defaults.maxPayloadBytes)
    throw new SetLimitsTooLargeError(
      `The receipts, ${history.length} proven nonce(s) and heads add ${added} bytes to the request (${bytes} in all); signers take at most ${maxAttachedBytes} added and ${Ur.defaults.maxPayloadBytes} in all.`,
      {
        hint: 'Cutting the proof would leave a gap the signers refuse: have the signers sign an intermediate action first (it moves what they know forward), or install a bundle with a newer startNonce.',
      },
    )
  return attached
}

function wireHead(head: WitnessedHead): SignatureResponse.WireHead {
  return { size: head.size, root: head.root, time: head.time, keyId: head.keyId, sig: head.sig }
}
