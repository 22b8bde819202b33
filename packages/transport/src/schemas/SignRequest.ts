import { isBaseError } from '@airlock/errors'
import { type SafeContext, SafeTx, SafeVersion } from '@airlock/safe'
import { type Address, bytesToHex, type Hex } from 'viem'
import { InvalidFieldError } from '../errors.ts'
import {
  address,
  type Codec,
  hex,
  list,
  message,
  oneOf,
  onlyKnownKeys,
  optional,
  type StructOf,
  struct,
  type TypedUr,
  text,
  uint,
  uint256,
  urHelpers,
} from './codec.ts'
import * as names from './names.ts'
import { headCodec, receiptBytes, type WireHead } from './SignatureResponse.ts'

/** UR type of a signing request (coordinator to signer). */
export const urType = names.SIGN_REQUEST
/** Wire format version this build writes and reads. */
export const formatVersion = 1

/** Limits that keep a request scannable and its untrusted text readable. */
export const limits = {
  dataBytes: 256 * 1024,
  signatureBytes: 2048,
  signatures: 64,
  attestations: 64,
  titleChars: 120,
  descriptionChars: 2000,
  tierChars: 32,
  receipts: 256,
  receiptBytes,
  history: 256,
} as const

/** A Safe signature collected so far (an owner's ECDSA signature, or a contract/approved-hash signature). */
export type CollectedSignature = { signer: Address; signature: Hex }

/** An approval attestation collected so far; what it signs is defined by the signer core, we only carry it. */
export type CollectedAttestation = { signer: Address; signature: Hex; tier: string }

/** Everything the offline signer needs to recompute, decode, classify and sign one Safe transaction. */
export type SignRequest = {
  /** 16 random bytes; the response must echo it. */
  requestId: Hex
  /** Unix seconds when the coordinator created the request. */
  createdAt: number
  context: SafeContext
  tx: SafeTx.SafeTx
  signatures: CollectedSignature[]
  attestations: CollectedAttestation[]
  /** Untrusted text from the online side: shown, never relied on. */
  title: string
  description: string
  /** The coordinator's claimed risk tier. Untrusted: kept only to show a mismatch with the signer's own. */
  claimedTier?: string | undefined
  /** Peers' signed receipts (signer-core `Receipt`) in the velocity window: what the rest of the set released. */
  receipts?: Hex[] | undefined
  /**
   * What executed at the Safe's earlier nonces: each SafeTx with owner signatures (packed, as
   * `execTransaction` takes them) reaching the threshold. Signers check every nonce up to this one.
   */
  history?: ProvenTx[] | undefined
  /**
   * The latest head the coordinator witnessed of each signer's log: a signer proves its new head
   * consistent with its own, and checks its peers'.
   */
  heads?: WireHead[] | undefined
  /**
   * For an owner Safe's `approveHash(h)` on a Safe it owns: that Safe's transaction hashing to `h`.
   * Untrusted like the rest: the signer recomputes its hash and refuses a mismatch.
   */
  approves?: ApprovedTx | undefined
}

/**
 * The transaction of another Safe that this request's `approveHash` approves (the request's Safe is an
 * owner of that Safe), carried so the signer can decode it and recompute the hash it approves.
 */
export type ApprovedTx = { context: SafeContext; tx: SafeTx.SafeTx }

/** A Safe transaction with enough owner signatures to execute (nonce continuity). */
export type ProvenTx = { tx: SafeTx.SafeTx; signatures: Hex }

// 0 = CALL, 1 = DELEGATECALL; anything else is refused here so the error names tx.operation.
const operation: Codec<0 | 1> = {
  toCbor: (value, field) => operation.fromCbor(value, field),
  fromCbor(raw, field) {
    if (raw === 0 || raw === 1) return raw
    throw new InvalidFieldError(`${field} must be 0 (call) or 1 (delegatecall).`, {
      field,
      hint: 'Create the request again; no Safe transaction has another operation.',
    })
  },
}

const tierText = text({ max: limits.tierChars, pattern: /^[a-z][a-z0-9-]*$/ })

const txFields = {
  to: { key: 1, codec: address },
  value: { key: 2, codec: uint256 },
  data: { key: 3, codec: hex({ max: limits.dataBytes }) },
  operation: { key: 4, codec: operation },
  safeTxGas: { key: 5, codec: uint256 },
  baseGas: { key: 6, codec: uint256 },
  gasPrice: { key: 7, codec: uint256 },
  gasToken: { key: 8, codec: address },
  refundReceiver: { key: 9, codec: address },
  nonce: { key: 10, codec: uint256 },
}

const approvesFields = {
  chainId: { key: 1, codec: uint256 },
  safe: { key: 2, codec: address },
  safeVersion: { key: 3, codec: oneOf(SafeVersion.supported) },
  tx: { key: 4, codec: struct(txFields) },
}

const fields = {
  requestId: { key: 1, codec: hex({ length: 16 }) },
  createdAt: { key: 2, codec: uint },
  chainId: { key: 3, codec: uint256 },
  safe: { key: 4, codec: address },
  safeVersion: { key: 5, codec: oneOf(SafeVersion.supported) },
  tx: { key: 6, codec: struct(txFields) },
  signatures: {
    key: 7,
    codec: list(
      struct({
        signer: { key: 1, codec: address },
        signature: { key: 2, codec: hex({ min: 1, max: limits.signatureBytes }) },
      }),
      { max: limits.signatures },
    ),
  },
  attestations: {
    key: 8,
    codec: list(
      struct({
        signer: { key: 1, codec: address },
        signature: { key: 2, codec: hex({ min: 1, max: limits.signatureBytes }) },
        tier: { key: 3, codec: tierText },
      }),
      { max: limits.attestations },
    ),
  },
  title: { key: 9, codec: text({ max: limits.titleChars }) },
  description: { key: 10, codec: text({ max: limits.descriptionChars, multiline: true }) },
  claimedTier: { key: 11, codec: optional(tierText) },
  receipts: {
    key: 12,
    codec: optional(list(hex({ min: 1, max: limits.receiptBytes }), { max: limits.receipts })),
  },
  history: {
    key: 13,
    codec: optional(
      list(
        struct({
          tx: { key: 1, codec: struct(txFields) },
          signatures: { key: 2, codec: hex({ min: 1, max: limits.signatureBytes * 8 }) },
        }),
        { max: limits.history },
      ),
    ),
  },
  heads: { key: 14, codec: optional(list(headCodec, { max: 32 })) },
  approves: { key: 15, codec: optional(struct(approvesFields)) },
}

type Wire = StructOf<typeof fields>

const modelKeys = [
  'requestId',
  'createdAt',
  'context',
  'tx',
  'signatures',
  'attestations',
  'title',
  'description',
  'claimedTier',
  'receipts',
  'history',
  'heads',
  'approves',
] as const satisfies readonly (keyof SignRequest)[]

const codec = message({
  what: 'signing request',
  version: formatVersion,
  fields,
  toModel(wire: Wire): SignRequest {
    const context = viaSafe('chainId', () =>
      SafeTx.context({ chainId: wire.chainId, safe: wire.safe, version: wire.safeVersion }),
    )
    const tx = viaSafe('tx', () => SafeTx.from(wire.tx))
    unique(wire.signatures, 'signatures')
    unique(wire.attestations, 'attestations')
    const request: SignRequest = {
      requestId: wire.requestId,
      createdAt: wire.createdAt,
      context,
      tx,
      signatures: wire.signatures.map(({ signer, signature }) => ({ signer, signature })),
      attestations: wire.attestations.map(({ signer, signature, tier }) => ({ signer, signature, tier })),
      title: wire.title,
      description: wire.description,
    }
    if (wire.claimedTier !== undefined) request.claimedTier = wire.claimedTier
    if (wire.receipts !== undefined) request.receipts = [...wire.receipts]
    if (wire.heads !== undefined) request.heads = wire.heads.map((h) => ({ ...h }))
    if (wire.approves !== undefined) {
      const inner = wire.approves
      request.approves = {
        context: viaSafe('approves.chainId', () =>
          SafeTx.context({ chainId: inner.chainId, safe: inner.safe, version: inner.safeVersion }),
        ),
        tx: viaSafe('approves.tx', () => SafeTx.from(inner.tx)),
      }
    }
    if (wire.history !== undefined)
      request.history = wire.history.map((h, i) => ({
        tx: viaSafe(`history[${i}].tx`, () => SafeTx.from(h.tx)),
        signatures: h.signatures,
      }))
    return request
  },
  fromModel(request: SignRequest): Wire {
    if (request === null || typeof request !== 'object' || !request.context || !request.tx) {
      throw new InvalidFieldError('The signing request is missing its context or transaction.', {
        field: request?.context ? 'tx' : 'context',
        hint: 'Give context ({ chainId, safe, version }) and tx.',
      })
    }
    const { tx, context } = request
    onlyKnownKeys(request, modelKeys, '')
    onlyKnownKeys(context, ['chainId', 'safe', 'version'], 'context')
    onlyKnownKeys(tx, Object.keys(txFields), 'tx')
    return {
      requestId: request.requestId,
      createdAt: request.createdAt,
      chainId: context.chainId,
      safe: context.safe,
      safeVersion: context.version,
      tx: txWire(tx),
      signatures: request.signatures,
      attestations: request.attestations,
      title: request.title,
      description: request.description,
      claimedTier: request.claimedTier,
      receipts: request.receipts,
      heads: request.heads,
      history: request.history?.map(({ tx: proven, signatures }) => ({ tx: txWire(proven), signatures })),
      approves: request.approves && approvesWire(request.approves),
    }
  },
})

/**
 * Encodes a signing request as canonical CBOR (format version 1).
 *
 * @example
 * const bytes = SignRequest.encode(request)
 */
export const encode: (request: SignRequest) => Uint8Array = codec.encode

/**
 * Decodes and validates a signing request; throws a typed error naming the bad field.
 *
 * @example
 * const request = SignRequest.decode(bytes) // MissingFieldError { field: 'tx.nonce' } if absent
 */
export const decode: (bytes: Uint8Array) => SignRequest = codec.decode

const helpers = urHelpers(urType, 'signing request', codec)

/**
 * The UR `{ type: 'airlock-sign-request', payload }` for `Ur.encode`.
 *
 * @example
 * const encoder = Ur.encode({ ...SignRequest.toUr(request), maxFragmentLength: 200 })
 */
export const toUr: (request: SignRequest) => TypedUr = helpers.toUr

/**
 * Decodes a completed UR, checking that it is a signing request.
 *
 * @example
 * const request = SignRequest.fromUr(decoder.result()!)
 */
export const fromUr: (ur: TypedUr) => SignRequest = helpers.fromUr

/**
 * A fresh 16-byte request id from the platform's CSPRNG.
 *
 * @example
 * const requestId = SignRequest.newRequestId() // '0x5f2c…' (32 hex digits)
 */
export function newRequestId(): Hex {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(16)))
}

function approvesWire(approves: ApprovedTx): StructOf<typeof approvesFields> {
  onlyKnownKeys(approves, ['context', 'tx'], 'approves')
  onlyKnownKeys(approves.context, ['chainId', 'safe', 'version'], 'approves.context')
  onlyKnownKeys(approves.tx, Object.keys(txFields), 'approves.tx')
  return {
    chainId: approves.context.chainId,
    safe: approves.context.safe,
    safeVersion: approves.context.version,
    tx: txWire(approves.tx),
  }
}

function txWire(tx: SafeTx.SafeTx): StructOf<typeof txFields> {
  return {
    to: tx.to,
    value: tx.value,
    data: tx.data,
    operation: tx.operation,
    safeTxGas: tx.safeTxGas,
    baseGas: tx.baseGas,
    gasPrice: tx.gasPrice,
    gasToken: tx.gasToken,
    refundReceiver: tx.refundReceiver,
    nonce: tx.nonce,
  }
}

// @airlock/safe throws its own typed errors; restate them as a field error of this format.
function viaSafe<T>(field: string, run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (!isBaseError(error)) throw error
    throw new InvalidFieldError(`${field}: ${error.shortMessage}`, {
      field,
      hint: error.hint ?? 'Create the request again from valid data.',
      cause: error,
    })
  }
}

// A signer appears once per list: a repeated one would inflate the apparent number of approvals.
function unique(entries: { signer: Address }[], field: string): void {
  const seen = new Set<string>()
  entries.forEach(({ signer }, i) => {
    const key = signer.toLowerCase()
    if (seen.has(key)) {
      throw new InvalidFieldError(`${field}[${i}].signer repeats ${signer}.`, {
        field: `${field}[${i}].signer`,
        hint: 'Each signer may appear only once; drop the duplicate.',
      })
    }
    seen.add(key)
  })
}
