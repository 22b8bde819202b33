/**
 * Receipts: what one signer released, signed with its audit key (Ed25519). The coordinator keeps them
 * and attaches them to later requests; every other signer of the set verifies them against the audit
 * keys enrolled in the policy bundle and counts what its peers released in its own velocity and
 * breaker, so the limits hold for the set and not per laptop.
 */
import {
  AuditKey,
  type Signer as AuditSigner,
  Canonical,
  type Ed25519,
  nobleEd25519,
} from '@airlock/audit-log'
import { BaseError } from '@airlock/errors'
import type { HistoryFact, OrgConfig } from '@airlock/policy'
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, isAddressEqual } from 'viem'

/** What a receipt says (amounts and nonces as bigints). */
export type Receipt = {
  /** `AuditKey.id` of the signer's audit key. */
  keyId: string
  /** The owner whose key signed the Safe signature or attestation. */
  owner: Address
  chainId: number
  safe: Address
  nonce: bigint
  safeTxHash: Hex
  kind: 'safe-signature' | 'approval-attestation'
  tier: string
  outflows: readonly { asset: Address | 'native'; amount: bigint; to: Address }[]
  /** The signer's clock when it released (unix seconds). */
  time: number
  /** The signer's log head after logging the release: entries and RFC 9162 root (64 hex). */
  head: { size: number; root: string }
  /** Ed25519 over `message(receipt)` (128 hex). */
  sig: string
}

/** A receipt that cannot be read at all (bad bytes, fields or types). */
export class MalformedReceiptError extends BaseError {
  override name = 'Signer.MalformedReceiptError'
}

const DOMAIN = 'airlock.receipt/v1\n'

type Body = Omit<Receipt, 'sig'>

function json(body: Body) {
  return {
    keyId: body.keyId,
    owner: body.owner.toLowerCase(),
    chainId: body.chainId,
    safe: body.safe.toLowerCase(),
    nonce: body.nonce.toString(),
    safeTxHash: body.safeTxHash.toLowerCase(),
    kind: body.kind,
    tier: body.tier,
    outflows: body.outflows.map((o) => ({
      asset: o.asset === 'native' ? 'native' : o.asset.toLowerCase(),
      amount: o.amount.toString(),
      to: o.to.toLowerCase(),
    })),
    time: body.time,
    head: { size: body.head.size, root: body.head.root },
  }
}

// The signed bytes: a domain line, then the canonical JSON of every field but the signature.
function message(body: Body): Uint8Array {
  return new TextEncoder().encode(DOMAIN + Canonical.encode(json(body)))
}

/**
 * Signs a receipt with the signer's audit key.
 *
 * @example
 * const receipt = Receipt.sign({ body, signer: AuditKey.signer(privateKey) })
 */
export function sign({ body, signer }: { body: Omit<Body, 'keyId'>; signer: AuditSigner }): Receipt {
  const full: Body = { ...body, keyId: signer.keyId }
  return { ...full, sig: bytesToHex(signer.ed25519.sign(message(full), signer.privateKey)).slice(2) }
}

/**
 * The wire form (what `SignatureResponse.receipt` and `SignRequest.receipts` carry): canonical JSON bytes.
 *
 * @example
 * const response = { ...response, receipt: Receipt.encode(receipt) }
 */
export function encode(receipt: Receipt): Hex {
  return bytesToHex(new TextEncoder().encode(Canonical.encode({ ...json(receipt), sig: receipt.sig })))
}

/**
 * Reads a receipt from its wire form, strictly; throws `Signer.MalformedReceiptError`.
 *
 * @example
 * const receipt = Receipt.decode(request.receipts[0])
 */
export function decode(wire: Hex): Receipt {
  const bad = (why: string) =>
    new MalformedReceiptError(`A receipt is malformed: ${why}.`, {
      hint: 'Attach receipts exactly as the signers returned them.',
    })
  let v: Record<string, unknown>
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(hexToBytes(wire)))
  } catch {
    throw bad('not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object')
  const keys = Object.keys(v).sort().join(',')
  if (keys !== 'chainId,head,keyId,kind,nonce,outflows,owner,safe,safeTxHash,sig,tier,time')
    throw bad(`unexpected fields (${keys})`)
  const address = (x: unknown, what: string): Address => {
    if (typeof x !== 'string' || !/^0x[0-9a-f]{40}$/.test(x)) throw bad(`${what} is not an address`)
    return getAddress(x)
  }
  const uint = (x: unknown, what: string): bigint => {
    if (typeof x !== 'string' || !/^(0|[1-9]\d{0,77})$/.test(x)) throw bad(`${what} is not a whole number`)
    return BigInt(x)
  }
  const integer = (x: unknown, what: string): number => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw bad(`${what} is not an integer`)
    return x
  }
  if (typeof v.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(v.keyId)) throw bad('keyId is not 16 hex')
  if (typeof v.sig !== 'string' || !/^[0-9a-f]{128}$/.test(v.sig)) throw bad('sig is not 128 hex')
  if (typeof v.safeTxHash !== 'string' || !/^0x[0-9a-f]{64}$/.test(v.safeTxHash))
    throw bad('safeTxHash is not 32 bytes')
  if (v.kind !== 'safe-signature' && v.kind !== 'approval-attestation') throw bad('kind is unknown')
  if (typeof v.tier !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(v.tier)) throw bad('tier is not a tier')
  const head = v.head as Record<string, unknown>
  if (
    typeof head !== 'object' ||
    head === null ||
    Object.keys(head).sort().join(',') !== 'root,size' ||
    typeof head.root !== 'string' ||
    !/^[0-9a-f]{64}$/.test(head.root)
  )
    throw bad('head is not { size, root }')
  if (!Array.isArray(v.outflows) || v.outflows.length > 64) throw bad('outflows is not a short list')
  const receipt: Receipt = {
    keyId: v.keyId,
    owner: address(v.owner, 'owner'),
    chainId: integer(v.chainId, 'chainId'),
    safe: address(v.safe, 'safe'),
    nonce: uint(v.nonce, 'nonce'),
    safeTxHash: v.safeTxHash as Hex,
    kind: v.kind,
    tier: v.tier,
    outflows: v.outflows.map((o: Record<string, unknown>, i) => {
      if (typeof o !== 'object' || o === null || Object.keys(o).sort().join(',') !== 'amount,asset,to')
        throw bad(`outflows[${i}] is not { asset, amount, to }`)
      return {
        asset: o.asset === 'native' ? 'native' : address(o.asset, `outflows[${i}].asset`),
        amount: uint(o.amount, `outflows[${i}].amount`),
        to: address(o.to, `outflows[${i}].to`),
      }
    }),
    time: integer(v.time, 'time'),
    head: { size: integer(head.size, 'head.size'), root: head.root },
    sig: v.sig,
  }
  // One receipt, one encoding: what was signed is exactly what was sent.
  if (encode(receipt) !== wire.toLowerCase()) throw bad('it is not in canonical form')
  return receipt
}

/** Why a peer's receipt is refused. */
export type Problem =
  | { code: 'receipt-invalid'; reason: string }
  | { code: 'receipt-unknown-key'; reason: string }

/**
 * Checks a peer's receipt: an enrolled audit key for that owner, a valid signature, the request's
 * chain and Safe. Returns the history fact to count (undefined for an attestation or a receipt outside
 * the window: it moves nothing now), or the problem.
 *
 * @example
 * const checked = Receipt.verify(wire, { signers: org.signers, chainId: 1, safe, nowSeconds, windowSeconds: 86400 })
 */
export function verify(
  wire: Hex,
  {
    signers,
    chainId,
    safe,
    nowSeconds,
    windowSeconds,
    ed25519 = nobleEd25519,
  }: {
    /** Node code passes the native implementation (`nodeEd25519`); the default is portable. */
    ed25519?: Ed25519 | undefined
    signers: readonly OrgConfig.EnrolledSigner[]
    chainId: number
    safe: Address
    nowSeconds: number
    windowSeconds: number
  },
):
  | { ok: true; receipt: Receipt; fact: HistoryFact | undefined }
  | { ok: false; problem: Problem; receipt: Receipt | undefined } {
  let receipt: Receipt
  try {
    receipt = decode(wire)
  } catch (error) {
    if (!(error instanceof MalformedReceiptError)) throw error
    return { ok: false, problem: { code: 'receipt-invalid', reason: error.shortMessage }, receipt: undefined }
  }
  const fail = (code: Problem['code'], reason: string) => ({
    ok: false as const,
    problem: { code, reason },
    receipt,
  })
  const enrolled = signers.find((s) => AuditKey.id(hexToBytes(`0x${s.auditKey}`)) === receipt.keyId)
  if (!enrolled)
    return fail('receipt-unknown-key', `key ${receipt.keyId} is not enrolled in the policy bundle`)
  if (!isAddressEqual(enrolled.owner, receipt.owner))
    return fail(
      'receipt-invalid',
      `key ${receipt.keyId} is enrolled for ${enrolled.owner}, not ${receipt.owner}`,
    )
  const { sig, ...body } = receipt
  if (!ed25519.verify(hexToBytes(`0x${sig}`), message(body), hexToBytes(`0x${enrolled.auditKey}`)))
    return fail('receipt-invalid', `the signature of ${receipt.owner}'s receipt does not verify`)
  if (receipt.chainId !== chainId || !isAddressEqual(receipt.safe, safe))
    return fail('receipt-invalid', `it is for Safe ${receipt.safe} on chain ${receipt.chainId}`)
  if (receipt.time > nowSeconds + 300)
    return fail('receipt-invalid', `it is dated ${receipt.time}, after this signer's clock`)
  const counts = receipt.kind === 'safe-signature' && receipt.time > nowSeconds - windowSeconds
  return {
    ok: true,
    receipt,
    fact: counts
      ? { time: receipt.time, chainId: receipt.chainId, signed: true, outflows: receipt.outflows }
      : undefined,
  }
}
