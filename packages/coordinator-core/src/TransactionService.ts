/**
 * The Safe Transaction Service (what Safe{Wallet} proposes to and collects from) as a source and a
 * sink for the coordinator, through Safe's own client (`@safe-global/api-kit`) pointed at any URL.
 *
 * Zero trust, as for the coordinator itself: every transaction read from the service is re-parsed from
 * its raw fields and its safeTxHash recomputed here (a mismatch is refused); the service's
 * `dataDecoded` is never used, only compared with our own decoding so that a lie is shown; each
 * confirmation is checked to recover to the owner it names over the hash we computed.
 */

import {
  type Action,
  type CreateActionParameters,
  ownerVerifier,
  type SafeInfo,
  type Store,
} from '@airlock/queue'
import { Calls, MessageEffects, SafeTx, SafeTxHash, Signature } from '@airlock/safe'
import SafeApiKit from '@safe-global/api-kit'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { ServiceRequestError, ServiceResponseError, ServiceTransactionRefusedError } from './errors.ts'

/** A client for one service and chain. */
export type Client = {
  readonly chainId: bigint
  readonly url: string
  readonly api: SafeApiKit
}

/**
 * A client for the service at `url` (ending in `/api`, e.g. `http://localhost:8000/api`).
 *
 * @example
 * const client = TransactionService.client({ chainId: 1n, url: 'https://safe-tx.example.org/api', apiKey })
 */
export function client({
  chainId,
  url,
  apiKey,
}: {
  chainId: bigint
  url: string
  apiKey?: string | undefined
}): Client {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw new ServiceRequestError({ what: 'the service URL', why: `"${url}" is not a URL`, cause })
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ServiceRequestError({ what: 'the service URL', why: `${parsed.protocol} is not http or https` })
  }
  const base = url.replace(/\/+$/, '')
  return {
    chainId,
    url: base,
    api: new SafeApiKit({ chainId, txServiceUrl: base, ...(apiKey ? { apiKey } : {}) }),
  }
}

/** What is wrong with a transaction as the service describes it. */
export type Problem =
  /** The raw fields hash to another safeTxHash than the service says: refuse it. */
  | { code: 'hash-mismatch'; claimed: Hex; computed: Hex }
  /** The service's `dataDecoded` names another function than the calldata calls (never used anyway). */
  | { code: 'data-decoded-mismatch'; claimed: string; decoded: string }
  /** A confirmation does not recover to the owner it names over the computed hash. */
  | { code: 'confirmation-invalid'; owner: Address; reason: string }
  /** The transaction belongs to another Safe than the one asked for. */
  | { code: 'wrong-safe'; safe: string }

/** A confirmation that recovers to its owner over the hash computed here. */
export type Confirmation = { owner: Address; signature: Hex; kind: 'ecdsa' | 'eth_sign' }

/** A service transaction after our own checks. */
export type Checked = {
  /** The hash computed here from the raw fields (the only one used). */
  safeTxHash: Hex
  claimedSafeTxHash: string
  tx: SafeTx.SafeTx
  isExecuted: boolean
  proposer: string | undefined
  submissionDate: string | undefined
  /** Confirmations that verified (EOA / eth_sign only: others cannot be checked offline). */
  confirmations: Confirmation[]
  problems: Problem[]
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Re-parses one transaction object from the service and checks it against the Safe it should belong to.
 *
 * @example
 * const checked = TransactionService.check(raw, { chainId: 1n, safe, version: '1.4.1' })
 * if (checked.problems.some((p) => p.code === 'hash-mismatch')) refuse()
 */
export function check(raw: unknown, context: SafeTx.SafeContext): Checked {
  if (!isObject(raw)) throw new ServiceResponseError({ why: 'a transaction is not a JSON object' })
  let tx: SafeTx.SafeTx
  try {
    tx = SafeTx.from({
      to: raw.to,
      value: raw.value,
      // The service sends null for empty calldata.
      data: raw.data === null || raw.data === undefined ? '0x' : raw.data,
      operation: raw.operation,
      safeTxGas: raw.safeTxGas,
      baseGas: raw.baseGas,
      gasPrice: raw.gasPrice,
      gasToken: raw.gasToken ?? undefined,
      refundReceiver: raw.refundReceiver ?? undefined,
      nonce: raw.nonce,
    })
  } catch (cause) {
    throw new ServiceResponseError({ why: 'a transaction has malformed fields', cause })
  }
  const problems: Problem[] = []
  if (
    typeof raw.safe !== 'string' ||
    !isAddress(raw.safe, { strict: false }) ||
    getAddress(raw.safe) !== context.safe
  ) {
    problems.push({ code: 'wrong-safe', safe: String(raw.safe) })
  }
  const safeTxHash = SafeTxHash.compute({ tx, context }).safeTxHash
  const claimed = typeof raw.safeTxHash === 'string' ? raw.safeTxHash : ''
  if (claimed.toLowerCase() !== safeTxHash)
    problems.push({ code: 'hash-mismatch', claimed: claimed as Hex, computed: safeTxHash })
  const decodedProblem = compareDataDecoded(raw.dataDecoded, tx, context)
  if (decodedProblem) problems.push(decodedProblem)
  const confirmations: Confirmation[] = []
  for (const c of Array.isArray(raw.confirmations) ? raw.confirmations : []) {
    const result = checkConfirmation(c, safeTxHash)
    if ('problem' in result) problems.push(result.problem)
    else if (result.confirmation) confirmations.push(result.confirmation)
  }
  return {
    safeTxHash,
    claimedSafeTxHash: claimed,
    tx,
    isExecuted: raw.isExecuted === true,
    proposer: typeof raw.proposer === 'string' ? raw.proposer : undefined,
    submissionDate: typeof raw.submissionDate === 'string' ? raw.submissionDate : undefined,
    confirmations,
    problems,
  }
}

/** Our own name for the called function, compared with what the service claims. */
function compareDataDecoded(
  claimed: unknown,
  tx: SafeTx.SafeTx,
  context: SafeTx.SafeContext,
): Problem | undefined {
  if (!isObject(claimed) || typeof claimed.method !== 'string') return undefined
  let decoded = '(unreadable call data)'
  try {
    const root = Calls.decode({ tx, context })
    decoded =
      root.kind === 'function'
        ? root.function.name
        : root.kind === 'native-transfer'
          ? '(no call data)'
          : '(unknown function)'
  } catch {
    // A container that does not decode: whatever the service says, it is not what we read.
  }
  return decoded === claimed.method
    ? undefined
    : { code: 'data-decoded-mismatch', claimed: claimed.method, decoded }
}

function checkConfirmation(
  raw: unknown,
  safeTxHash: Hex,
): { confirmation: Confirmation | undefined } | { problem: Problem } {
  if (!isObject(raw) || typeof raw.owner !== 'string' || !isAddress(raw.owner, { strict: false })) {
    return { problem: { code: 'confirmation-invalid', owner: '0x' as Address, reason: 'no owner address' } }
  }
  const owner = getAddress(raw.owner)
  if (typeof raw.signature !== 'string')
    return { problem: { code: 'confirmation-invalid', owner, reason: 'no signature' } }
  let entries: Signature.Signature[]
  try {
    entries = Signature.parse(raw.signature as Hex)
  } catch (cause) {
    return {
      problem: {
        code: 'confirmation-invalid',
        owner,
        reason: cause instanceof Error ? cause.message : 'malformed',
      },
    }
  }
  const [entry] = entries
  if (entries.length !== 1 || entry === undefined) {
    return {
      problem: {
        code: 'confirmation-invalid',
        owner,
        reason: `${entries.length} signatures in one confirmation`,
      },
    }
  }
  // Approved hashes and contract signatures are checked on chain at execution; they add nothing here.
  if (entry.type !== 'ecdsa' && entry.type !== 'eth_sign') return { confirmation: undefined }
  const recovered = Signature.recover({ signature: entry, safeTxHash })
  if (recovered === undefined || recovered !== owner) {
    return {
      problem: {
        code: 'confirmation-invalid',
        owner,
        reason: `it recovers to ${recovered ?? 'nothing'} over ${safeTxHash}`,
      },
    }
  }
  return { confirmation: { owner, signature: raw.signature as Hex, kind: entry.type } }
}

/** Pages read at most from a list endpoint (200 transactions each): a hostile service cannot make us loop. */
const MAX_PAGES = 25
const PAGE = 200

/**
 * The Safe's pending transactions (not executed, nonce ≥ the on-chain nonce), every page, each checked.
 *
 * @example
 * const pending = await TransactionService.pending({ client, context, onchainNonce: 7n })
 */
export async function pending({
  client,
  context,
  onchainNonce,
  pageSize = PAGE,
}: {
  client: Client
  context: SafeTx.SafeContext
  onchainNonce: bigint
  /** Transactions per request (the service's maximum is 200). */
  pageSize?: number | undefined
}): Promise<Checked[]> {
  const out: Checked[] = []
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await request(`list the pending transactions of ${context.safe}`, () =>
      client.api.getMultisigTransactions(context.safe, {
        executed: false,
        // The literal filter key the service reads (api-kit passes unknown keys through).
        ...({ nonce__gte: onchainNonce.toString(), ordering: 'nonce' } as Record<string, string>),
        limit: pageSize,
        offset: page * pageSize,
      }),
    )
    if (!isObject(response) || !Array.isArray(response.results)) {
      throw new ServiceResponseError({ why: 'the transaction list has no results array' })
    }
    for (const raw of response.results) out.push(check(raw, context))
    if (response.next === null || response.next === undefined || response.results.length === 0) return out
  }
  throw new ServiceResponseError({ why: `the list goes on beyond ${MAX_PAGES * pageSize} transactions` })
}

/**
 * One transaction by its hash, checked. The hash asked for must be the one computed from what came back.
 *
 * @example
 * const tx = await TransactionService.get({ client, context, safeTxHash })
 */
export async function get({
  client,
  context,
  safeTxHash,
}: {
  client: Client
  context: SafeTx.SafeContext
  safeTxHash: Hex
}): Promise<Checked> {
  const raw = await request(`read transaction ${safeTxHash}`, () => client.api.getTransaction(safeTxHash))
  const checked = check(raw, context)
  if (
    checked.safeTxHash !== safeTxHash.toLowerCase() &&
    !checked.problems.some((p) => p.code === 'hash-mismatch')
  ) {
    checked.problems.push({ code: 'hash-mismatch', claimed: safeTxHash, computed: checked.safeTxHash })
  }
  return checked
}

/**
 * The confirmations the service holds for a transaction, each verified against the hash we computed;
 * the ones that do not verify are returned as problems.
 *
 * @example
 * const { confirmations, problems } = await TransactionService.confirmations({ client, safeTxHash })
 */
export async function confirmations({
  client,
  safeTxHash,
}: {
  client: Client
  safeTxHash: Hex
}): Promise<{ confirmations: Confirmation[]; problems: Problem[] }> {
  const response = await request(`read the confirmations of ${safeTxHash}`, () =>
    client.api.getTransactionConfirmations(safeTxHash),
  )
  if (!isObject(response) || !Array.isArray(response.results)) {
    throw new ServiceResponseError({ why: 'the confirmation list has no results array' })
  }
  const out: Confirmation[] = []
  const problems: Problem[] = []
  for (const raw of response.results.slice(0, 1000)) {
    const result = checkConfirmation(raw, safeTxHash)
    if ('problem' in result) problems.push(result.problem)
    else if (result.confirmation) out.push(result.confirmation)
  }
  return { confirmations: out, problems }
}

/**
 * Posts owner signatures (collected across the air gap) as confirmations. `v` is normalised to 27/28
 * first: the service reads 0/1 as contract and approved-hash signatures.
 *
 * @example
 * await TransactionService.confirm({ client, safeTxHash, signatures: [{ signer, signature }] })
 */
export async function confirm({
  client,
  safeTxHash,
  signatures,
}: {
  client: Client
  safeTxHash: Hex
  signatures: readonly { signer: Address; signature: Hex }[]
}): Promise<{ posted: Address[] }> {
  const posted: Address[] = []
  for (const { signer, signature } of signatures) {
    const { r, s, yParity } = Signature.normalize(signature)
    const blob = `${r}${s.slice(2)}${(27 + yParity).toString(16)}` as Hex
    await request(`post ${signer}'s confirmation of ${safeTxHash}`, () =>
      client.api.confirmTransaction(safeTxHash, blob),
    )
    posted.push(signer)
  }
  return { posted }
}

/**
 * Imports a checked service transaction into the queue: refused when its fields do not hash to the
 * safeTxHash the service claims, or it belongs to another Safe; otherwise queued from the raw fields
 * (the queue recomputes the hash and the tier itself) with the confirmations that verified and come
 * from current owners (`owners`, read from the chain). Confirmations by anyone else are returned as
 * skipped, never stored.
 *
 * @example
 * const { action } = await TransactionService.importTransaction({ store, checked, safe, owners, requirements, actor: 'ops' })
 */
export async function importTransaction({
  store,
  checked,
  safe,
  owners,
  requirements,
  actor,
  title,
  analyze,
  onchainNonce,
  chainTime,
}: {
  store: Pick<Store, 'createAction' | 'addSignature' | 'getAction'>
  checked: Checked
  safe: SafeInfo
  /** The Safe's current owners, from the chain. */
  owners: readonly Address[]
  requirements: CreateActionParameters['requirements']
  actor: string
  title?: string | undefined
  analyze?: { org?: unknown; abis?: unknown } | undefined
  onchainNonce?: bigint | undefined
  /** The latest block's timestamp: recorded at creation; a tier's delay starts and ends by it. */
  chainTime?: Date | undefined
}): Promise<{ action: Action; skipped: Confirmation[] }> {
  const fatal = checked.problems.filter((p) => p.code === 'hash-mismatch' || p.code === 'wrong-safe')
  if (fatal.length > 0) throw new ServiceTransactionRefusedError({ problems: fatal.map(describe) })
  if (checked.isExecuted) throw new ServiceTransactionRefusedError({ problems: ['it is already executed'] })
  const ownerSet = new Set(owners.map((o) => getAddress(o)))
  const accepted = checked.confirmations.filter((c) => ownerSet.has(c.owner))
  const skipped = checked.confirmations.filter((c) => !ownerSet.has(c.owner))
  const action = await store.createAction({
    safe,
    tx: checked.tx,
    title: title ?? `Imported from the Transaction Service (${checked.safeTxHash.slice(0, 10)}…)`,
    description: `Proposed by ${checked.proposer ?? 'unknown'} at ${checked.submissionDate ?? 'an unknown time'}; fields re-read and hash recomputed by the coordinator.`,
    requirements,
    actor,
    ...(analyze ? { analyze } : {}),
    ...(onchainNonce === undefined ? {} : { onchainNonce }),
    ...(chainTime === undefined ? {} : { chainTime }),
    submit: true,
  })
  if (action.safeTxHash !== checked.safeTxHash) {
    throw new ServiceTransactionRefusedError({ problems: ['the queue computed another safeTxHash for it'] })
  }
  const verify = ownerVerifier({ owners })
  for (const confirmation of accepted) {
    await store.addSignature(
      action.id,
      { signer: confirmation.owner, signature: confirmation.signature, kind: 'safe-signature' },
      { actor, verify, ...(chainTime === undefined ? {} : { chainTime }) },
    )
  }
  return { action: await store.getAction(action.id), skipped }
}

/**
 * Pulls the confirmations others made on the service into a queued action (zero trust): read for the
 * safeTxHash the queue computed (never one the service names), each must recover to the owner it names
 * over that hash, and only current owners (`owners`, read from the chain) are stored, through the
 * queue's own verifier. Confirmations by anyone else are returned as skipped, ones that do not verify
 * as problems.
 *
 * @example
 * const { added } = await TransactionService.pullConfirmations({ client, store, actionId, owners, actor: 'ops' })
 */
export async function pullConfirmations({
  client,
  store,
  actionId,
  owners,
  actor,
}: {
  client: Client
  store: Pick<Store, 'getAction' | 'advance' | 'addSignature'>
  actionId: string
  /** The Safe's current owners, from the chain. */
  owners: readonly Address[]
  actor: string
}): Promise<{ added: Address[]; duplicate: Address[]; skipped: Confirmation[]; problems: Problem[] }> {
  const action = await store.getAction(actionId)
  const pulled = await confirmations({ client, safeTxHash: action.safeTxHash })
  const ownerSet = new Set(owners.map((o) => getAddress(o)))
  const verify = ownerVerifier({ owners })
  const added: Address[] = []
  const duplicate: Address[] = []
  const skipped: Confirmation[] = []
  for (const confirmation of pulled.confirmations) {
    if (!ownerSet.has(confirmation.owner)) {
      skipped.push(confirmation)
      continue
    }
    await store.advance(action.id, { actor })
    const result = await store.addSignature(
      action.id,
      { signer: confirmation.owner, signature: confirmation.signature, kind: 'safe-signature' },
      { actor, verify },
    )
    ;(result.status === 'added' ? added : duplicate).push(confirmation.owner)
  }
  return { added, duplicate, skipped, problems: pulled.problems }
}

/** One problem in words. */
export function describe(problem: Problem): string {
  switch (problem.code) {
    case 'hash-mismatch':
      return `its fields hash to ${problem.computed}, not to the ${problem.claimed || '(missing)'} the service claims`
    case 'data-decoded-mismatch':
      return `the service says it calls ${problem.claimed}, but its data calls ${problem.decoded}`
    case 'confirmation-invalid':
      return `the confirmation by ${problem.owner} is not valid: ${problem.reason}`
    case 'wrong-safe':
      return `it belongs to ${problem.safe}, not to this Safe`
    default: {
      const never: never = problem
      return never
    }
  }
}

/** How one nonce looks in the service and in the queue. */
export type NonceComparison = {
  nonce: bigint
  service: { safeTxHash: Hex; problems: Problem['code'][] }[]
  queue: { id: string; safeTxHash: Hex }[]
  flags: (
    | 'several-in-service'
    | 'only-in-service'
    | 'only-in-queue'
    | 'payload-changed'
    | 'service-problem'
  )[]
}

/**
 * Service and queue side by side, by nonce, with the differences flagged: several transactions at one
 * nonce, a payload at a nonce that the queue holds with another hash, a transaction only on one side,
 * and any transaction the checks above found wrong.
 *
 * @example
 * const rows = TransactionService.compare({ service: pending, queue: actions })
 */
export function compare({
  service,
  queue,
}: {
  service: readonly Checked[]
  queue: readonly { id: string; nonce: bigint; safeTxHash: Hex }[]
}): NonceComparison[] {
  const nonces = [...new Set([...service.map((s) => s.tx.nonce), ...queue.map((q) => q.nonce)])].sort(
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  )
  return nonces.map((nonce) => {
    const s = service.filter((x) => x.tx.nonce === nonce)
    const q = queue.filter((x) => x.nonce === nonce)
    const flags: NonceComparison['flags'] = []
    if (s.length > 1) flags.push('several-in-service')
    if (q.length === 0) flags.push('only-in-service')
    if (s.length === 0) flags.push('only-in-queue')
    const queued = new Set(q.map((x) => x.safeTxHash))
    if (q.length > 0 && s.some((x) => !queued.has(x.safeTxHash))) flags.push('payload-changed')
    if (s.some((x) => x.problems.length > 0)) flags.push('service-problem')
    return {
      nonce,
      service: s.map((x) => ({ safeTxHash: x.safeTxHash, problems: x.problems.map((p) => p.code) })),
      queue: q.map((x) => ({ id: x.id, safeTxHash: x.safeTxHash })),
      flags,
    }
  })
}

/**
 * The Safe's pending service transactions (`pending`) beside its live queued actions, compared by nonce
 * (`compare`): what the CLI's `service pending` and the coordinator app's Service screen show.
 *
 * @example
 * const { pending, queued, rows } = await TransactionService.sideBySide({ client, context, onchainNonce, store })
 */
export async function sideBySide({
  client,
  context,
  onchainNonce,
  store,
}: {
  client: Client
  context: SafeTx.SafeContext
  onchainNonce: bigint
  store: Pick<Store, 'listActions'>
}): Promise<{ pending: Checked[]; queued: Action[]; rows: NonceComparison[] }> {
  const listed = await pending({ client, context, onchainNonce })
  const queued = await store.listActions({
    safe: { chainId: context.chainId, address: context.safe },
    live: true,
  })
  const rows = compare({
    service: listed,
    queue: queued.map((a) => ({ id: a.id, nonce: a.nonce, safeTxHash: a.safeTxHash })),
  })
  return { pending: listed, queued, rows }
}

/**
 * Runs one service call and turns any failure into a typed error naming what was attempted. api-kit's
 * errors carry the service's own message (e.g. "Signer=0x… is not an owner").
 */
async function request<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (cause) {
      // A kept-alive connection the server closed in between: the request never reached it; once more.
      const code = (cause as { code?: unknown } | undefined)?.code
      if (attempt === 1 && (code === 'ECONNRESET' || code === 'EPIPE')) continue
      const message = cause instanceof Error ? cause.message : String(cause)
      throw new ServiceRequestError({ what, why: message, cause })
    }
  }
}

/** A Safe message (EIP-1271) from the service after our own checks. */
export type CheckedMessage = {
  /** The SafeMessage hash computed here from the message itself (the only one used). */
  messageHash: Hex
  claimedMessageHash: string
  /** The message as the service holds it (text, or typed data as JSON). */
  message: string | Record<string, unknown>
  /** What the message authorises, decoded here; undefined when it is not a valid message for this Safe. */
  decoded: MessageEffects.Decoded | undefined
  proposedBy: string | undefined
  /** Confirmations that recover to their owner over the computed hash. */
  confirmations: Confirmation[]
  problems: (Problem | { code: 'message-invalid'; reason: string })[]
}

/**
 * Re-reads one message object from the service: the messageHash is recomputed from the message (a
 * mismatch is a problem), the message decoded and validated for this Safe's chain, each confirmation
 * checked to recover to its owner over the computed hash.
 *
 * @example
 * const checked = TransactionService.checkMessage(raw, context)
 */
export function checkMessage(raw: unknown, context: SafeTx.SafeContext): CheckedMessage {
  if (!isObject(raw)) throw new ServiceResponseError({ why: 'a message is not a JSON object' })
  const message = raw.message
  if (typeof message !== 'string' && !isObject(message))
    throw new ServiceResponseError({ why: 'a message is neither text nor typed data' })
  const problems: CheckedMessage['problems'] = []
  if (
    typeof raw.safe !== 'string' ||
    !isAddress(raw.safe, { strict: false }) ||
    getAddress(raw.safe) !== context.safe
  )
    problems.push({ code: 'wrong-safe', safe: String(raw.safe) })
  let decoded: MessageEffects.Decoded | undefined
  try {
    decoded = MessageEffects.decode({ message, context })
  } catch (cause) {
    problems.push({
      code: 'message-invalid',
      reason: cause instanceof Error ? cause.message.split('\n')[0]! : 'invalid',
    })
  }
  const claimed = typeof raw.messageHash === 'string' ? raw.messageHash : ''
  const messageHash = decoded?.hashes.messageHash ?? ('0x' as Hex)
  if (decoded && claimed.toLowerCase() !== messageHash)
    problems.push({ code: 'hash-mismatch', claimed: claimed as Hex, computed: messageHash })
  const confirmations: Confirmation[] = []
  if (decoded) {
    for (const c of Array.isArray(raw.confirmations) ? raw.confirmations.slice(0, 1000) : []) {
      const result = checkConfirmation(c, messageHash)
      if ('problem' in result) problems.push(result.problem)
      else if (result.confirmation) confirmations.push(result.confirmation)
    }
  }
  return {
    messageHash,
    claimedMessageHash: claimed,
    message,
    decoded,
    proposedBy: typeof raw.proposedBy === 'string' ? raw.proposedBy : undefined,
    confirmations,
    problems,
  }
}

/**
 * The Safe's off-chain messages, every page, each checked (`checkMessage`).
 *
 * @example
 * const list = await TransactionService.messages({ client, context })
 * const usable = list.filter((m) => m.problems.length === 0)
 */
export async function messages({
  client,
  context,
  pageSize = PAGE,
}: {
  client: Client
  context: SafeTx.SafeContext
  pageSize?: number | undefined
}): Promise<CheckedMessage[]> {
  const out: CheckedMessage[] = []
  for (let page = 0; page < MAX_PAGES; page++) {
    const response: unknown = await request(`list the messages of ${context.safe}`, () =>
      client.api.getMessages(context.safe, { limit: pageSize, offset: page * pageSize }),
    )
    if (!isObject(response) || !Array.isArray(response.results))
      throw new ServiceResponseError({ why: 'the message list has no results array' })
    for (const raw of response.results) out.push(checkMessage(raw, context))
    if (response.next === null || response.next === undefined || response.results.length === 0) return out
  }
  throw new ServiceResponseError({ why: `the list goes on beyond ${MAX_PAGES * pageSize} messages` })
}

/**
 * One message by its hash, checked; the hash asked for must be the one computed from the message.
 *
 * @example
 * const checked = await TransactionService.message({ client, context, messageHash })
 */
export async function message({
  client,
  context,
  messageHash,
}: {
  client: Client
  context: SafeTx.SafeContext
  messageHash: Hex
}): Promise<CheckedMessage & { preparedSignature: Hex | undefined }> {
  const raw: unknown = await request(`read message ${messageHash}`, () => client.api.getMessage(messageHash))
  const checked = checkMessage(raw, context)
  if (
    checked.messageHash !== messageHash.toLowerCase() &&
    !checked.problems.some((p) => p.code === 'hash-mismatch')
  )
    checked.problems.push({ code: 'hash-mismatch', claimed: messageHash, computed: checked.messageHash })
  const prepared =
    isObject(raw) && typeof raw.preparedSignature === 'string' ? (raw.preparedSignature as Hex) : undefined
  return { ...checked, preparedSignature: prepared }
}

/**
 * Posts an owner's signature of a Safe message: `addMessage` (with the message itself) when the
 * service does not hold the message yet, `addMessageSignature` after. The hash is computed here.
 *
 * @example
 * await TransactionService.postMessageSignature({ client, context, message, signature })
 */
export async function postMessageSignature({
  client,
  context,
  message: body,
  signer,
  signature,
}: {
  client: Client
  context: SafeTx.SafeContext
  message: string | Record<string, unknown>
  signer: Address
  signature: Hex
}): Promise<{ messageHash: Hex; posted: 'message' | 'signature' }> {
  const { messageHash } = MessageEffects.decode({ message: body, context }).hashes
  const { r, s, yParity } = Signature.normalize(signature)
  const blob = `${r}${s.slice(2)}${(27 + yParity).toString(16)}` as Hex
  let exists = true
  try {
    await client.api.getMessage(messageHash)
  } catch (cause) {
    if ((cause as { statusCode?: unknown } | undefined)?.statusCode !== 404)
      throw new ServiceRequestError({ what: `read message ${messageHash}`, why: String(cause), cause })
    exists = false
  }
  if (exists) {
    await request(`post ${signer}'s signature of message ${messageHash}`, () =>
      client.api.addMessageSignature(messageHash, blob),
    )
    return { messageHash, posted: 'signature' }
  }
  await request(`post message ${messageHash} with ${signer}'s signature`, () =>
    client.api.addMessage(context.safe, {
      message: typeof body === 'string' ? body : (body as never),
      signature: blob,
    }),
  )
  return { messageHash, posted: 'message' }
}

/**
 * The owners' signatures of a message as the Safe checks them (`isValidSignature`): verified
 * confirmations sorted by owner address and concatenated, built here rather than taken from the service.
 *
 * @example
 * const blob = TransactionService.preparedMessageSignature(checked)
 */
export function preparedMessageSignature(checked: Pick<CheckedMessage, 'confirmations'>): Hex {
  const sorted = [...checked.confirmations].sort((a, b) =>
    a.owner.toLowerCase() < b.owner.toLowerCase() ? -1 : 1,
  )
  return `0x${sorted.map((c) => c.signature.slice(2)).join('')}` as Hex
}
