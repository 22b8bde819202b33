// `airlock sign review|approve` for a Safe message request (airlock-message-request): the same state
// directory, log, policy and devices as a transaction; the review says what the message authorises
// (permits, Permit2 allowances and transfers, witnesses, deadlines) and the hashes a Ledger shows.
import type { Failure } from '@airlock/devices'
import { type Identity, type KeySource, MessageSigner } from '@airlock/signer-core'
import type { StateDir } from '@airlock/signer-core/node'
import { type MessageRequest, MessageSignature, Ur } from '@airlock/transport'
import { UsageError } from '../errors.ts'
import { type Io, toJson } from '../io.ts'
import { plan, writeFrames } from './qr.ts'

/** Keystone has no Safe-message flow here yet: say so before anything is logged. */
export function refuseKeystone(values: Record<string, unknown>): void {
  if (values.device === 'keystone') {
    throw new UsageError('A Safe message request is signed with --device dev or ledger, not keystone.', {
      hint: 'Use a Ledger (it shows the SafeMessage domain and message hashes) or the dev key.',
    })
  }
}

function reviewJson(review: MessageSigner.MessageReview) {
  return {
    kind: 'safe-message',
    allowed: review.allowed,
    refusals: review.refusals,
    safe: review.context.safe,
    chainId: review.context.chainId,
    safeVersion: review.context.version,
    message: review.decoded && {
      kind: review.decoded.kind,
      primaryType: review.decoded.primaryType,
      verifyingContract: review.decoded.verifyingContract,
      effect: review.decoded.effect,
      deadlines: review.decoded.deadlines,
      witness: review.decoded.witness,
    },
    hashes: review.decoded?.hashes,
    ledger: review.ledger,
    outflows: review.outflows,
    findings: review.findings,
    policy: review.policy && { decision: review.policy.decision, reasons: review.policy.reasons },
    untrusted: review.untrusted,
    signer: review.signer,
  }
}

/**
 * Reviews a message request (logged as reviewed) and prints it.
 *
 * @example
 * return reviewMessage({ request, state, identity, json: false, io })
 */
export async function reviewMessage({
  request,
  state,
  identity,
  json,
  io,
}: {
  request: MessageRequest.MessageRequest
  state: StateDir
  identity: Identity
  json: boolean
  io: Io
}): Promise<number> {
  const review = await state.signer.reviewMessage(request, { identity })
  io.stdout(json ? `${toJson(reviewJson(review))}\n` : MessageSigner.text(review))
  return 0
}

/**
 * Decides a message request; on release prints the airlock-message-signature UR (and writes it as
 * QR frames with --out), otherwise the refusal or device error.
 *
 * @example
 * return approveMessage({ request, state, key, values, io })
 */
export async function approveMessage({
  request,
  state,
  key,
  values,
  io,
  deviceFailure,
}: {
  request: MessageRequest.MessageRequest
  state: StateDir
  key: KeySource
  values: Record<string, unknown>
  io: Io
  /** How `sign` reports a device failure (one line, or JSON). */
  deviceFailure: (failure: Failure, values: Record<string, unknown>, io: Io) => number
}): Promise<number> {
  const result = await state.signer.approveMessage(request, { key })
  if (result.status === 'device-error') return deviceFailure(result.failure, values, io)
  if (result.status === 'refused') {
    if (values.json)
      io.stdout(
        `${toJson({ status: 'refused', refusals: result.refusals, review: result.review && reviewJson(result.review) })}\n`,
      )
    else if (result.review) io.stderr(MessageSigner.text(result.review))
    io.stderr(
      `airlock: refused (${result.refusals.length} reason${result.refusals.length === 1 ? '' : 's'}):\n${result.refusals
        .map((r) => `  ${r.code}: ${r.message}\n`)
        .join('')}`,
    )
    return 1
  }
  const urType = MessageSignature.toUr(result.response)
  if (typeof values.out === 'string') {
    const density = await plan(values, urType.payload, urType.type)
    const encoder = Ur.encode({ ...urType, maxFragmentLength: density.maxFragmentLength })
    const parts = encoder.firstParts(encoder.isSinglePart ? 1 : 2 * encoder.fragmentCount)
    await writeFrames({ out: values.out, parts, density, io })
    io.stderr(
      `Message signature frames in ${values.out} (open preview.html to show them; airlock message post reads the directory).\n`,
    )
  }
  const ur = Ur.encodeSingle(urType)
  if (values.json)
    io.stdout(`${toJson({ status: 'released', kind: 'safe-message', response: result.response, ur })}\n`)
  else {
    io.stdout(`${ur}\n`)
    io.stderr(
      `Safe message signature by ${result.response.signer} over Safe message hash ${result.response.messageHash}.\n`,
    )
  }
  return 0
}
