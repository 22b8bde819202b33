// The Keystone round trip as one session over the signer's pending-request store: which account signs,
// which pending request an answer belongs to, forgetting answered and expired requests. The CLI and the
// signer app both drive Keystone signing through these two operations.
import { SafeTxHash } from '@airlock/safe'
import {
  EthSignature,
  EthSignRequest,
  type SignRequest,
  type TypedUr,
  type UrResult,
} from '@airlock/transport'
import { NoKeystoneAccountError } from './errors.ts'
import * as Keystone from './Keystone.ts'
import type { ApproveResult, KeystoneRequestResult, Signer } from './Signer.ts'

/** Where a signer keeps its Keystone account and its pending requests (the state directory does). */
export type Store = {
  keystoneAccount(): Promise<Keystone.Account | undefined>
  keystonePending(): Promise<Keystone.Pending[]>
  addKeystonePending(pending: Keystone.Pending): Promise<void>
  removeKeystonePending(requestId: string): Promise<void>
}

export type RequestParameters = {
  signer: Signer
  store: Store
  request: SignRequest.SignRequest
  /** The Keystone account given now (its sync QR); else the stored one. */
  account?: Keystone.Account | undefined
  /** A BIP-44 path that overrides the stored account's. */
  path?: string | undefined
  acknowledgeReplacement?: boolean | undefined
  /** The signer's clock (ms), for forgetting expired requests. */
  nowMs?: number | undefined
}

export type RequestReturnType =
  | (Extract<KeystoneRequestResult, { status: 'keystone-requested' }> & {
      /** The eth-sign-request to show to the Keystone as an animated QR (`Ur.encode`). */
      ur: TypedUr
    })
  | Exclude<KeystoneRequestResult, { status: 'keystone-requested' }>

/**
 * Keystone, first trip: decides the request for the Keystone's owner account and, when it may be
 * signed, remembers the pending request (forgetting expired ones) and returns the eth-sign-request UR
 * to show. Throws `KeyNotWiredError` when no Keystone account is known.
 *
 * @example
 * const asked = await KeystoneSession.request({ signer: state.signer, store: state, request })
 * if (asked.status === 'keystone-requested') showAnimated(Ur.encode({ ...asked.ur, maxFragmentLength: 200 }))
 */
export async function request({
  signer,
  store,
  request,
  account,
  path,
  acknowledgeReplacement,
  nowMs = Date.now(),
}: RequestParameters): Promise<RequestReturnType> {
  const owner = await accountOf({ store, account, path })
  const asked = await signer.requestKeystone(request, { account: owner, acknowledgeReplacement })
  if (asked.status !== 'keystone-requested') return asked
  for (const old of await store.keystonePending())
    if (Keystone.isExpired(old, { nowMs })) await store.removeKeystonePending(old.requestId)
  await store.addKeystonePending(asked.pending)
  return {
    ...asked,
    ur: { type: EthSignRequest.urType, payload: EthSignRequest.encode(asked.signRequest) },
  }
}

export type CompleteParameters = {
  signer: Signer
  store: Store
  request: SignRequest.SignRequest
  /** The Keystone's scanned answer (type `eth-signature`). */
  answer: UrResult
  account?: Keystone.Account | undefined
  path?: string | undefined
  acknowledgeReplacement?: boolean | undefined
}

/**
 * Keystone, second trip: finds the pending request the answer names (else the latest one for this
 * transaction), decides the request again from scratch and checks the signature; forgets the pending
 * request once answered, or once it expired (an expired request can never be answered; the log keeps
 * that it was asked).
 *
 * @example
 * const result = await KeystoneSession.complete({ signer: state.signer, store: state, request, answer })
 * if (result.status === 'released') show(SignatureResponse.toUr(result.response))
 */
export async function complete({
  signer,
  store,
  request,
  answer,
  account,
  path,
  acknowledgeReplacement,
}: CompleteParameters): Promise<ApproveResult> {
  const pending = await store.keystonePending()
  const named = pendingFor(pending, answer, request)
  const owner = await accountOf({ store, account, path, pending: named })
  const result = await signer.completeKeystone(request, {
    account: owner,
    pending,
    answer,
    acknowledgeReplacement,
  })
  if (result.status === 'released' && result.answered)
    await store.removeKeystonePending(result.answered.requestId)
  const expired =
    result.status === 'refused' && result.refusals.some((r) => r.code === 'keystone-expired-request')
  if (expired && named) await store.removeKeystonePending(named.requestId)
  return result
}

/**
 * The Keystone account that signs: the one given now, else the stored one (with the path given now),
 * else the one a pending request was made for. Throws `NoKeystoneAccountError` when none is known.
 *
 * @example
 * const { address } = await KeystoneSession.accountOf({ store: state })
 */
export async function accountOf({
  store,
  account,
  path,
  pending,
}: {
  store: Store
  account?: Keystone.Account | undefined
  path?: string | undefined
  pending?: Keystone.Pending | undefined
}): Promise<Keystone.Account> {
  if (account) return Keystone.account(account)
  const stored = await store.keystoneAccount()
  if (stored) return path === undefined ? stored : Keystone.account({ ...stored, path })
  if (pending) {
    return {
      address: pending.expectedOwner,
      sourceFingerprint: pending.sourceFingerprint,
      path: pending.path,
    }
  }
  throw new NoKeystoneAccountError('No Keystone account is known to this signer.', {
    hint: "Give the Keystone's owner address and master fingerprint (from its sync QR), or store them with 'airlock sign init'.",
  })
}

// The pending request the answer names, else the latest one for this transaction (to know who was asked).
function pendingFor(
  pending: readonly Keystone.Pending[],
  answer: UrResult,
  request: SignRequest.SignRequest,
): Keystone.Pending | undefined {
  let requestId: string | undefined
  try {
    requestId = EthSignature.decode(answer.payload).requestId
  } catch {
    requestId = undefined // the engine refuses the malformed signature and logs it
  }
  const safeTxHash = SafeTxHash.compute({ tx: request.tx, context: request.context }).safeTxHash
  return (
    pending.find((p) => p.requestId === requestId) ??
    pending.findLast((p) => Keystone.isFor(p, { context: request.context, safeTxHash }))
  )
}
