/**
 * Safe messages (EIP-1271) on the coordinator: a message from the Transaction Service (or a file)
 * becomes an `airlock-message-request` for the signers, and their `airlock-message-signature`
 * answers are checked here before they are posted back. The coordinator is not trusted by the
 * signers, but it still refuses to pass on anything that does not check out: a service that swapped
 * a message, a signature that does not recover to its owner over the hash computed here.
 */
import { BaseError } from '@airlock/errors'
import { MessageEffects, type SafeTx } from '@airlock/safe'
import type { MessageRequest, MessageSignature } from '@airlock/transport'
import { type Address, bytesToHex, type Hex, isAddressEqual, recoverAddress } from 'viem'
import * as TransactionService from './TransactionService.ts'

/** A message from the service that does not check out, or a signature that does not. */
export class MessageRefusedError extends BaseError {
  override name = 'Coordinator.MessageRefusedError'
}

/**
 * What is wrong with a message from the service, one line each (empty when it checks out).
 *
 * @example
 * Messages.problems(checked) // ['its message hashes to 0x…, not to the 0x… the service claims']
 */
export function problems(checked: Pick<TransactionService.CheckedMessage, 'problems'>): string[] {
  return checked.problems.map((p) =>
    p.code === 'message-invalid'
      ? `it is not a valid message for this Safe: ${p.reason}`
      : p.code === 'hash-mismatch'
        ? `its message hashes to ${p.computed}, not to the ${p.claimed || '(missing)'} the service claims`
        : TransactionService.describe(p),
  )
}

/**
 * The request the signers scan for a message: a fresh random request id, the Safe's context and the
 * message itself (the signers hash and decode it again). Refuses a message whose hash or content
 * does not check out (`checked` from `TransactionService.message`), or that is not valid for the Safe.
 *
 * @example
 * const request = Messages.request({ message: checked.message, context, title: 'Permit2 for CoW', now })
 * writeFrames(MessageRequest.toUr(request))
 */
export function request({
  message,
  context,
  checked,
  title = '',
  description = '',
  now,
}: {
  message: string | Record<string, unknown>
  context: SafeTx.SafeContext
  /** The service's message after `TransactionService.message`: any problem refuses the request. */
  checked?: Pick<TransactionService.CheckedMessage, 'problems'> | undefined
  title?: string | undefined
  description?: string | undefined
  /** Unix seconds. */
  now: number
}): MessageRequest.MessageRequest {
  const found = checked ? problems(checked) : []
  if (found.length > 0) {
    throw new MessageRefusedError(
      `The message from the Transaction Service is refused: ${found.join('; ')}.`,
      {
        hint: 'Ask the dapp to sign again; a service that alters messages must not be trusted.',
      },
    )
  }
  try {
    MessageEffects.decode({ message, context })
  } catch (cause) {
    if (!(cause instanceof BaseError)) throw cause
    throw new MessageRefusedError(`The message is refused: ${cause.shortMessage}`, {
      hint: cause.hint ?? 'Give text or EIP-712 typed data for this Safe’s chain.',
      cause,
    })
  }
  return {
    requestId: bytesToHex(crypto.getRandomValues(new Uint8Array(16))),
    createdAt: now,
    context,
    message,
    title,
    description,
  }
}

/**
 * Checks a signer's answer against the message and the Safe's current owners: the hash it signed
 * must be the one computed here from the message, and the signature must recover to it from an
 * owner. Returns the signer; throws `Coordinator.MessageRefusedError` otherwise.
 *
 * @example
 * await Messages.verify({ response, message, context, owners })
 */
export async function verify({
  response,
  message,
  context,
  owners,
}: {
  response: MessageSignature.MessageSignature
  message: string | Record<string, unknown>
  context: SafeTx.SafeContext
  owners: readonly Address[]
}): Promise<Address> {
  const { messageHash } = MessageEffects.decode({ message, context }).hashes
  if (response.messageHash.toLowerCase() !== messageHash)
    throw new MessageRefusedError(
      `The signature is over ${response.messageHash}, not over this message's hash ${messageHash}.`,
      { hint: 'Scan the answer to this message again; it answers another message or Safe.' },
    )
  let recovered: Address
  try {
    recovered = await recoverAddress({ hash: messageHash, signature: response.signature })
  } catch (cause) {
    throw new MessageRefusedError('The signature does not recover to any address.', {
      hint: 'Scan the answer again from the signer.',
      cause,
    })
  }
  if (!isAddressEqual(recovered, response.signer))
    throw new MessageRefusedError(
      `The signature recovers to ${recovered}, not to ${response.signer} as the answer claims.`,
      { hint: 'Scan the answer again from the signer; a forged answer is not posted.' },
    )
  if (!owners.some((o) => isAddressEqual(o, recovered)))
    throw new MessageRefusedError(`${recovered} is not an owner of ${context.safe} now.`, {
      hint: 'Only current owners’ signatures count; check the Safe’s owners.',
    })
  return recovered
}

/**
 * Verifies a signer's answer (`verify`) and posts it to the Transaction Service (the message itself
 * first when the service does not hold it yet).
 *
 * @example
 * const { posted } = await Messages.post({ client, response, message, context, owners })
 */
export async function post({
  client,
  response,
  message,
  context,
  owners,
}: {
  client: TransactionService.Client
  response: MessageSignature.MessageSignature
  message: string | Record<string, unknown>
  context: SafeTx.SafeContext
  owners: readonly Address[]
}): Promise<{ messageHash: Hex; signer: Address; posted: 'message' | 'signature' }> {
  const signer = await verify({ response, message, context, owners })
  const out = await TransactionService.postMessageSignature({
    client,
    context,
    message,
    signer,
    signature: response.signature,
  })
  return { ...out, signer }
}
