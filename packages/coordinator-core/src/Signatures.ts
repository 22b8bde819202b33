import type { OrgConfig } from '@airlock/policy'
import {
  type Action as QueuedAction,
  type SignatureKind,
  type SignatureRefusal,
  StateMachine,
  type Store,
  type StoredSignature,
  verifySignature,
} from '@airlock/queue'
import { Signature } from '@airlock/safe'
import { Attestation } from '@airlock/signer-core'
import { EthSignature, SignatureResponse, type TypedUr } from '@airlock/transport'
import { type Address, getAddress, type Hex } from 'viem'
import { fullId } from './Action.ts'
import type { Client } from './Chain.ts'
import * as Chain from './Chain.ts'
import { SignatureRefusedError } from './errors.ts'
import * as SetLimits from './SetLimits.ts'
import type { Alert } from './Witness.ts'

/** The UR types a signer's response comes back as: Airlock's own, or a Keystone's eth-signature. */
export const responseUrTypes: readonly string[] = [SignatureResponse.urType, EthSignature.urType]

export type IngestParameters = {
  store: Store
  client: Client
  chainId: number
  /** The scanned response: `airlock-signature` or a Keystone `eth-signature`. */
  ur: TypedUr
  /** The action it answers; required for a Keystone eth-signature (it carries only a request id). */
  actionId?: string | undefined
  /** Who is recorded in the queue's history. */
  actor: string
  /**
   * The org config: when it enrolls the signer set, the answer's log head is witnessed (alerts stored)
   * and its receipt kept, before the signature is judged.
   */
  org?: OrgConfig.OrgConfig | undefined
}

export type IngestResult = {
  /** `added`: newly stored; `duplicate`: the same bytes were already stored. */
  status: 'added' | 'duplicate'
  action: QueuedAction
  signer: Address
  signature: Hex
  kind: SignatureKind
  /** Where it came from, for display: `airlock-signature` or `eth-signature (origin)`. */
  source: string
  /** Everything collected for the action now. */
  collected: StoredSignature[]
  /** Alerts raised about the signer's log or receipt by this answer (stored in the queue too). */
  alerts: Alert[]
}

/**
 * Ingests a signer's response into the queue: finds the action it answers (by safeTxHash, or the
 * given id), checks it with the queue's one verifier against the Safe's owners read from chain, and
 * stores it, advancing the action. Throws `SignatureRefusedError` saying exactly why a response is
 * refused (another hash, not an owner, malformed, a finished action…).
 *
 * @example
 * const { status, action } = await Signatures.ingest({ store, client, chainId: 1, ur, actor: 'ops' })
 */
export async function ingest({
  store,
  client,
  chainId,
  ur,
  actionId,
  actor,
  org,
}: IngestParameters): Promise<IngestResult> {
  const incoming =
    ur.type === EthSignature.urType
      ? await fromKeystone(store, ur, actionId)
      : await fromSignatureResponse(store, ur, actionId)
  const { action } = incoming
  // The log head is evidence whatever becomes of the signature: witnessed (and any alert stored) first.
  const witnessed =
    org && incoming.response
      ? await SetLimits.witness({ store, org, response: incoming.response, action, actor })
      : { alerts: [] }
  if (StateMachine.terminal.includes(action.state)) {
    throw withAlerts(
      new SignatureRefusedError(`Action ${action.id} is ${action.state}: it takes no more signatures.`, {
        hint: 'Check airlock action show for what replaced it.',
      }),
      witnessed.alerts,
    )
  }
  const state = await Chain.readSafe({ client, safe: action.safe.address, chainId })
  const verdict = await verifySignature({ ...incoming, owners: state.owners, recoverAttestation })
  if (!verdict.ok) throw withAlerts(refused({ ...incoming, refusal: verdict }), witnessed.alerts)
  // The chain's clock at the block the owners were read at: a tier's delay starts and ends by it.
  const chainTime = await Chain.blockTime({ client, blockNumber: state.blockNumber })
  await store.advance(action.id, { actor, chainTime })
  const result = await store.addSignature(
    action.id,
    { signer: incoming.signer, signature: incoming.signature, kind: incoming.kind },
    {
      actor,
      chainTime,
      // The queue checks again with the same verifier, inside its transaction, before it stores anything.
      verify: async (input) =>
        (await verifySignature({ ...input, owners: state.owners, recoverAttestation })).ok,
    },
  )
  return {
    status: result.status,
    action: result.action,
    signer: incoming.signer,
    signature: incoming.signature,
    kind: incoming.kind,
    source: incoming.source,
    collected: await store.signatures(action.id),
    alerts: witnessed.alerts,
  }
}

// A refused answer may still have raised an alert about its signer's log (stored): say it too.
function withAlerts(error: SignatureRefusedError, alerts: readonly Alert[]): SignatureRefusedError {
  if (alerts.length === 0) return error
  const said = alerts.map((a) => `ALERT ${a.code}: ${a.message}`).join(' ')
  return new SignatureRefusedError(`${error.shortMessage} ${said}`, {
    hint: error.hint,
    details: error.details,
    cause: error,
  })
}

/**
 * The error for a refused response, worded from the verifier's typed reason.
 *
 * @example
 * throw Signatures.refused({ action, signer, kind: 'safe-signature', refusal: { reason: 'not-owner', owners } })
 */
export function refused({
  action,
  signer,
  kind,
  refusal,
}: {
  action: QueuedAction
  signer: Address
  kind: SignatureKind
  refusal: SignatureRefusal
}): SignatureRefusedError {
  const what = kind === 'approval-attestation' ? 'attestation' : 'signature'
  switch (refusal.reason) {
    case 'no-attestations-for-tier':
      return new SignatureRefusedError(
        `Action ${action.id} is ${refusal.tier}: it takes no approval attestations.`,
        {
          hint: 'Scan the Safe signature the signer releases instead.',
        },
      )
    case 'attestation-unverifiable':
      return new SignatureRefusedError(`The attestation from ${signer} cannot be checked here.`, {
        hint: 'Give the verifier a way to recover attestations (signer-core Attestation.recover).',
      })
    case 'not-one-ecdsa-signature':
      return new SignatureRefusedError(`The signature from ${signer} is not one owner’s ECDSA signature.`, {
        hint: 'Scan the response the signer shows after signing; contract and approved-hash entries are not ingested here.',
      })
    case 'malformed':
      return new SignatureRefusedError(`The signature from ${signer} is malformed.`, {
        hint: 'Scan the signer’s response again; it may have been truncated.',
        details: refusal.details,
      })
    case 'wrong-signer':
      return new SignatureRefusedError(
        `The ${what} claimed by ${signer} does not recover to it over action ${action.id}'s hash${refusal.recovered ? ` (it recovers to ${refusal.recovered})` : ''}.`,
        {
          hint: 'It was made over another hash (another nonce, Safe, chain or transaction) or by another key: ask the owner to sign this action’s request again.',
          details: `safeTxHash ${action.safeTxHash}`,
        },
      )
    case 'not-owner':
      return new SignatureRefusedError(`${signer} signed, but is not an owner of ${action.safe.address}.`, {
        hint: `Only current owners count: ${refusal.owners.join(', ')}.`,
      })
    default: {
      const never: never = refusal
      return never
    }
  }
}

type Incoming = {
  action: QueuedAction
  signer: Address
  signature: Hex
  kind: SignatureKind
  source: string
  /** The Airlock response itself (Keystone answers carry no receipt or head). */
  response?: SignatureResponse.SignatureResponse | undefined
}

async function fromSignatureResponse(
  store: Store,
  ur: TypedUr,
  actionId: string | undefined,
): Promise<Incoming> {
  const response = SignatureResponse.fromUr(ur)
  let action: QueuedAction
  if (actionId !== undefined) {
    action = await store.getAction(await fullId({ store, id: actionId }))
  } else {
    const live = await store.listActions({ live: true })
    const match = live.find((a) => a.safeTxHash.toLowerCase() === response.safeTxHash.toLowerCase())
    if (!match) {
      throw new SignatureRefusedError(`No queued action has safeTxHash ${response.safeTxHash}.`, {
        hint: 'The signature is for another transaction (or its action was cancelled or executed); check airlock action list.',
      })
    }
    action = match
  }
  if (response.safeTxHash.toLowerCase() !== action.safeTxHash.toLowerCase()) {
    throw new SignatureRefusedError(
      `The signature is for safeTxHash ${response.safeTxHash}, but action ${action.id} has ${action.safeTxHash}.`,
      { hint: 'It was made for another transaction; ask the owner to sign this action’s request.' },
    )
  }
  return {
    action,
    signer: getAddress(response.signer),
    signature: response.signature,
    kind: response.kind,
    source: 'airlock-signature',
    response,
  }
}

async function fromKeystone(store: Store, ur: TypedUr, actionId: string | undefined): Promise<Incoming> {
  if (actionId === undefined) {
    throw new SignatureRefusedError(
      'A Keystone eth-signature carries only its request id: name the action it answers.',
      { hint: 'airlock sig add FILE --action ID' },
    )
  }
  const action = await store.getAction(await fullId({ store, id: actionId }))
  const decoded = EthSignature.decode(ur.payload)
  const signature = EthSignature.normalize({ signature: decoded.signature, chainId: action.safe.chainId })
  const recovered = Signature.recover({
    signature: Signature.fromEcdsa(signature),
    safeTxHash: action.safeTxHash,
  })
  if (recovered === undefined) {
    throw new SignatureRefusedError('No signer can be recovered from the Keystone signature.', {
      hint: 'Sign the request on the Keystone again.',
    })
  }
  return {
    action,
    signer: recovered,
    signature,
    kind: 'safe-signature',
    source: `eth-signature${decoded.origin ? ` (${decoded.origin})` : ''}`,
  }
}

/** Who an attestation for this action recovers to (it binds Safe, chain, safeTxHash and the tier). */
async function recoverAttestation({
  action,
  signature,
}: {
  action: QueuedAction
  signature: Hex
}): Promise<Address | undefined> {
  if (!Attestation.isAttestedTier(action.tier)) return undefined
  return Attestation.recover(
    {
      safe: action.safe.address,
      chainId: action.safe.chainId,
      safeTxHash: action.safeTxHash,
      tier: action.tier,
    },
    signature,
  )
}
