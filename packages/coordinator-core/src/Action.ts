import { type Store, TimelockTier } from '@airlock/queue'
import {
  type AnalyzeReturnType,
  type ApprovedTx,
  analyze,
  Describe,
  type SafeContext,
  SafeTx,
  SafeTxHash,
  type SafeTxHashes,
  type SafeVersion,
  type Tier,
} from '@airlock/safe'
import { SignRequest, type TypedUr } from '@airlock/transport'
import { type Address, type Hex, keccak256, stringToHex } from 'viem'
import * as Build from './Build.ts'
import type { SafeState } from './Chain.ts'
import * as Config from './Config.ts'
import { InvalidActionError } from './errors.ts'
import * as Requirements from './Requirements.ts'

/** A Safe transaction ready to be signed, with what the signers will see and what it needs. */
export type Prepared = {
  title: string
  description: string
  tx: SafeTx.SafeTx
  context: SafeContext
  hashes: SafeTxHashes
  /** The same analysis a signer computes (decoded calls, findings, tier, outflows). */
  analysis: AnalyzeReturnType
  requirements: Requirements.Requirements
  /** The Safe as read when the action was built. */
  state: SafeState
}

export type PrepareParameters = {
  config: Config.Config
  /** The Safe that will execute, freshly read with `Chain.readSafe`. */
  state: SafeState
  /** One call goes out as is; several are batched through MultiSendCallOnly. */
  calls: Build.Call | readonly Build.Call[]
  title: string
  description?: string | undefined
  /** Defaults to the Safe's current nonce; give a higher one to queue behind pending actions. */
  nonce?: bigint | undefined
  /**
   * Timelock operations this Safe already scheduled (the queue's `scheduledOperations`): executing one
   * needs only what is left to check (`TimelockTier.leftToCheck`), as the signers judge it.
   */
  scheduled?: readonly TimelockTier.OperationRef[] | undefined
  /**
   * For an owner Safe's approveHash of another Safe's action (`NestedApproval`): that transaction, so
   * the analysis (and tier) is the one its signers compute with it shown.
   */
  approved?: readonly ApprovedTx[] | undefined
}

/**
 * Turns calls into a Safe transaction for `state.address`: builds the SafeTx (batching several calls
 * through MultiSendCallOnly), hashes it, analyses it exactly as a signer does and derives what it needs.
 *
 * @example
 * const action = Action.prepare({ config, state, calls: Build.nativeTransfer({ to, amount }), title: 'Pay Bob' })
 * action.requirements // { tier: 'routine', signatures: 3, approvals: 3, attestations: 0, delaySeconds: 0, drift: [] }
 */
export function prepare({
  config,
  state,
  calls,
  title,
  description,
  nonce,
  scheduled = [],
  approved = [],
}: PrepareParameters): Prepared {
  if (state.chainId !== config.chainId) {
    throw new InvalidActionError(
      `The Safe was read on chain ${state.chainId}, but the config is for ${config.chainId}.`,
      {
        hint: 'Read the Safe with the configured chain’s client.',
      },
    )
  }
  const list = Array.isArray(calls) ? (calls as readonly Build.Call[]) : [calls as Build.Call]
  if (list.length === 0)
    throw new InvalidActionError('The action has no call.', { hint: 'Give at least one call.' })
  const safeCall: Build.SafeCall =
    list.length === 1
      ? { ...list[0]!, operation: 0 }
      : Build.batch({ calls: list, multiSendCallOnly: Config.multiSendCallOnly(config, state.version) })
  const txNonce = nonce ?? state.nonce
  if (txNonce < state.nonce) {
    throw new InvalidActionError(`Nonce ${txNonce} is already used; the Safe is at ${state.nonce}.`, {
      hint: 'Leave the nonce out to use the next one.',
    })
  }
  const tx = SafeTx.from({ ...safeCall, nonce: txNonce })
  // Signers refuse a request over their size limit: refuse it now, before it is queued, not at QR time.
  const dataBytes = (tx.data.length - 2) / 2
  if (dataBytes > SignRequest.limits.dataBytes) {
    throw new InvalidActionError(
      `The transaction data is ${dataBytes} bytes; signers refuse more than ${SignRequest.limits.dataBytes} (256 KiB).`,
      { hint: 'Split the batch into several smaller actions.' },
    )
  }
  const context = SafeTx.context({
    chainId: BigInt(config.chainId),
    safe: state.address,
    version: state.version,
  })
  const analysis = analyze({ tx, context, org: config.decoder, approved })
  const { tier } = TimelockTier.leftToCheck({ analysis, org: config.decoder, scheduled })
  const requirements = Requirements.of({ config, state, tier })
  return {
    title: clip(title, SignRequest.limits.titleChars),
    description: clip(
      description ?? Describe.tree(analysis.calls).join('\n'),
      SignRequest.limits.descriptionChars,
      {
        multiline: true,
      },
    ),
    tx,
    context,
    hashes: SafeTxHash.compute({ tx, context }),
    analysis,
    requirements,
    state,
  }
}

/** A signature or attestation as the queue stores it. */
export type Collected = {
  signer: Address
  signature: Hex
  kind: 'safe-signature' | 'approval-attestation'
}

/** A queued action, as `@airlock/queue` stores it (only what a sign request needs). */
export type Queued = {
  id: string
  createdAt: Date
  safe: { chainId: bigint; address: Address; version: SafeVersion.SafeVersion }
  tx: SafeTx.SafeTx
  title: string
  description: string
  tier: Tier.Tier
}

/** What a sign request is made of: a freshly prepared action, or one from the queue. */
export type SignRequestSource =
  | Pick<Prepared, 'tx' | 'context' | 'title' | 'description' | 'analysis'>
  | Queued

export type SignRequestParameters = {
  /** Defaults to a fresh id, or for a queued action to its id (every request for it carries the same). */
  requestId?: Hex | undefined
  /** Unix seconds; defaults to now, or for a queued action to when it was queued. */
  createdAt?: number | undefined
  /** Signatures and attestations collected so far, as the queue stores them. */
  collected?: readonly Collected[] | undefined
  signatures?: readonly { signer: Address; signature: Hex }[] | undefined
  attestations?: readonly { signer: Address; signature: Hex; tier: string }[] | undefined
  /** For an owner Safe's approveHash: the approved transaction (`NestedApproval.approves`), for the signers to decode. */
  approves?: SignRequest.ApprovedTx | undefined
}

/**
 * The signing request for the offline signer, for a prepared or a queued action, with the signatures
 * and attestations collected so far. The tier goes along only as an untrusted claim: the signer
 * recomputes it. Title and description are clipped to what the request format allows.
 *
 * @example
 * const request = Action.signRequest(action, { signatures: collected })
 * const again = Action.signRequest(queuedAction, { collected: await store.signatures(queuedAction.id) })
 */
export function signRequest(
  action: SignRequestSource,
  {
    requestId,
    createdAt,
    collected = [],
    signatures = [],
    attestations = [],
    approves,
  }: SignRequestParameters = {},
): SignRequest.SignRequest {
  const queued = 'id' in action ? action : undefined
  const tier = queued ? queued.tier : (action as Pick<Prepared, 'analysis'>).analysis.tier
  return {
    requestId: requestId ?? (queued ? requestIdOf(queued.id) : SignRequest.newRequestId()),
    createdAt: createdAt ?? Math.floor((queued ? queued.createdAt.getTime() : Date.now()) / 1000),
    context: queued ? contextOf(queued) : (action as Pick<Prepared, 'context'>).context,
    tx: action.tx,
    signatures: [...signatures, ...collected.filter((c) => c.kind === 'safe-signature')].map(
      ({ signer, signature }) => ({ signer, signature }),
    ),
    attestations: [
      ...attestations,
      ...collected.filter((c) => c.kind === 'approval-attestation').map((c) => ({ ...c, tier })),
    ].map(({ signer, signature, tier }) => ({ signer, signature, tier })),
    title: clip(action.title, SignRequest.limits.titleChars),
    description: clip(action.description, SignRequest.limits.descriptionChars, { multiline: true }),
    claimedTier: tier,
    ...(approves ? { approves } : {}),
  }
}

/**
 * The 16-byte request id of a queued action's sign request: the action's UUID, so every request for
 * the same action carries the same id (and a Keystone-style UUID is the same value).
 *
 * @example
 * Action.requestIdOf('3f2a…-…') // '0x3f2a…'
 */
export function requestIdOf(actionId: string): Hex {
  const hex = actionId.replaceAll('-', '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(hex) ? `0x${hex}` : (keccak256(stringToHex(actionId)).slice(0, 34) as Hex)
}

/**
 * The Safe context (chain, Safe, version: the EIP-712 domain) of a queued action.
 *
 * @example
 * Action.contextOf(queued).version // '1.4.1'
 */
export function contextOf(action: Pick<Queued, 'safe'>): SafeContext {
  return SafeTx.context({
    chainId: action.safe.chainId,
    safe: action.safe.address,
    version: action.safe.version,
  })
}

/**
 * The three hashes of a queued action, recomputed from its fields (never read from the queue).
 *
 * @example
 * Action.hashesOf(queued).safeTxHash
 */
export function hashesOf(action: Pick<Queued, 'safe' | 'tx'>): SafeTxHashes {
  return SafeTxHash.compute({ tx: action.tx, context: contextOf(action) })
}

/**
 * The `airlock-sign-request` UR of an action, ready for `Ur.encode` (animated QR).
 *
 * @example
 * const encoder = Ur.encode({ ...Action.toUr(action), maxFragmentLength: 200 })
 */
export function toUr(action: SignRequestSource, parameters: SignRequestParameters = {}): TypedUr {
  return SignRequest.toUr(signRequest(action, parameters))
}

function clip(text: string, max: number, { multiline = false }: { multiline?: boolean } = {}): string {
  // The request format refuses control and invisible format characters (newlines only in the description).
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, (c) => (multiline && (c === '\n' || c === '\t') ? c : ' '))
  const chars = [...clean]
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`
}

/**
 * The full id of a queued action from its id or a unique prefix of it (as `action list` shows them).
 * An unknown id gets the queue's own not-found error; an ambiguous prefix names the candidates.
 *
 * @example
 * const id = await Action.fullId({ store, id: '3f2a' }) // '3f2a9c0e-…'
 */
export async function fullId({
  store,
  id,
}: {
  store: Pick<Store, 'getAction' | 'listActions'>
  id: string
}): Promise<string> {
  const prefix = id.toLowerCase()
  if (prefix.length >= 4 && /^[0-9a-f-]+$/.test(prefix)) {
    const matches = (await store.listActions()).filter((action) => action.id.toLowerCase().startsWith(prefix))
    if (matches.length === 1) return matches[0]!.id
    if (matches.length > 1) {
      throw new InvalidActionError(`The id prefix "${id}" matches ${matches.length} actions.`, {
        hint: 'Give more characters of the id.',
        details: matches.map((action) => `${action.id} ${action.title}`).join('\n'),
      })
    }
  }
  return (await store.getAction(id)).id
}
