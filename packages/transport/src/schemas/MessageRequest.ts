import { isBaseError } from '@airlock/errors'
import { MessageEffects, type SafeContext, SafeTx, SafeVersion } from '@airlock/safe'
import type { Hex } from 'viem'
import { InvalidFieldError } from '../errors.ts'
import {
  address,
  bytes,
  hex,
  message,
  oneOf,
  onlyKnownKeys,
  type TypedUr,
  text,
  uint,
  uint256,
  urHelpers,
} from './codec.ts'
import * as names from './names.ts'

/** UR type of a Safe message signing request (coordinator to signer). */
export const urType = names.MESSAGE_REQUEST
/** Wire format version this build writes and reads. */
export const formatVersion = 1

/** Limits that keep a request scannable and its untrusted text readable. */
export const limits = {
  messageBytes: MessageEffects.limits.bytes,
  titleChars: 120,
  descriptionChars: 2000,
} as const

/**
 * An off-chain Safe message (EIP-1271) for the signer to review and sign: text (EIP-191) or EIP-712
 * typed data. The signer computes every hash itself; nothing here but the message is relied on.
 */
export type MessageRequest = {
  /** 16 random bytes; the response must echo it. */
  requestId: Hex
  /** Unix seconds when the coordinator created the request. */
  createdAt: number
  context: SafeContext
  /** Text, or typed data as a JSON object (numbers as decimal strings or bigints). */
  message: string | Record<string, unknown>
  /** Untrusted text from the online side: shown, never relied on. */
  title: string
  description: string
}

const fields = {
  requestId: { key: 1, codec: hex({ length: 16 }) },
  createdAt: { key: 2, codec: uint },
  chainId: { key: 3, codec: uint256 },
  safe: { key: 4, codec: address },
  safeVersion: { key: 5, codec: oneOf(SafeVersion.supported) },
  kind: { key: 6, codec: oneOf(['text', 'typed-data'] as const) },
  /** UTF-8 text, or the typed data as compact JSON. */
  message: { key: 7, codec: bytes({ max: limits.messageBytes }) },
  title: { key: 8, codec: text({ max: limits.titleChars }) },
  description: { key: 9, codec: text({ max: limits.descriptionChars, multiline: true }) },
}

const modelKeys = ['requestId', 'createdAt', 'context', 'message', 'title', 'description'] as const

const codec = message({
  what: 'message signing request',
  version: formatVersion,
  fields,
  toModel(wire): MessageRequest {
    const context = via('chainId', () =>
      SafeTx.context({ chainId: wire.chainId, safe: wire.safe, version: wire.safeVersion }),
    )
    let body: MessageRequest['message']
    if (wire.kind === 'text') {
      body = via('message', () => {
        try {
          return new TextDecoder('utf-8', { fatal: true }).decode(wire.message)
        } catch {
          throw new InvalidFieldError('message: the text is not UTF-8.', {
            field: 'message',
            hint: 'Send the message text as UTF-8.',
          })
        }
      })
    } else {
      body = via('message', () => MessageEffects.parseTypedData(wire.message))
    }
    return {
      requestId: wire.requestId,
      createdAt: wire.createdAt,
      context,
      message: body,
      title: wire.title,
      description: wire.description,
    }
  },
  fromModel(request: MessageRequest) {
    if (request === null || typeof request !== 'object' || !request.context) {
      throw new InvalidFieldError('The message request is missing its context.', {
        field: 'context',
        hint: 'Give context ({ chainId, safe, version }) and the message.',
      })
    }
    onlyKnownKeys(request, modelKeys, '')
    onlyKnownKeys(request.context, ['chainId', 'safe', 'version'], 'context')
    const isText = typeof request.message === 'string'
    return {
      requestId: request.requestId,
      createdAt: request.createdAt,
      chainId: request.context.chainId,
      safe: request.context.safe,
      safeVersion: request.context.version,
      kind: isText ? ('text' as const) : ('typed-data' as const),
      message: new TextEncoder().encode(
        isText ? (request.message as string) : MessageEffects.toJson(request.message),
      ),
      title: request.title,
      description: request.description,
    }
  },
})

/**
 * Encodes a message request as canonical CBOR (format version 1).
 *
 * @example
 * const bytes = MessageRequest.encode(request)
 */
export const encode: (request: MessageRequest) => Uint8Array = codec.encode

/**
 * Decodes and validates a message request; throws a typed error naming the bad field.
 *
 * @example
 * const request = MessageRequest.decode(bytes)
 */
export const decode: (bytes: Uint8Array) => MessageRequest = codec.decode

const helpers = urHelpers(urType, 'message signing request', codec)

/**
 * The UR `{ type: 'airlock-message-request', payload }` for `Ur.encode`.
 *
 * @example
 * const encoder = Ur.encode({ ...MessageRequest.toUr(request), maxFragmentLength: 200 })
 */
export const toUr: (request: MessageRequest) => TypedUr = helpers.toUr

/**
 * Decodes a completed UR, checking that it is a message request.
 *
 * @example
 * const request = MessageRequest.fromUr(decoder.result()!)
 */
export const fromUr: (ur: TypedUr) => MessageRequest = helpers.fromUr

// @airlock/safe throws its own typed errors; restate them as a field error of this format.
function via<T>(field: string, run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (!isBaseError(error) || error instanceof InvalidFieldError) throw error
    throw new InvalidFieldError(`${field}: ${error.shortMessage}`, {
      field,
      hint: error.hint ?? 'Create the request again from valid data.',
      cause: error,
    })
  }
}
