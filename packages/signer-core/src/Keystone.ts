// Keystone signing takes two trips across the air gap: the signer shows an `eth-sign-request`, the
// Keystone shows an `eth-signature` back, possibly in another process. What the signer must remember
// in between (which request id it asked, for which safeTxHash, from which owner key) is a `Pending`.
import { BipPath } from '@airlock/devices'
import type { SafeContext } from '@airlock/safe'
import { EthSignRequest } from '@airlock/transport'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import * as Attestation from './Attestation.ts'
import { InvalidKeystoneStateError } from './errors.ts'

/** The Keystone's owner account, from its sync QR: address, master fingerprint and path. */
export type Account = {
  address: Address
  /** Master key fingerprint: 8 hex digits (or a uint32). */
  sourceFingerprint: string | number
  /** BIP-44 path of the owner key, like `m/44'/60'/0'/0/0`. */
  path: string
}

/** A Keystone request the signer showed and has not had answered yet. */
export type Pending = {
  /** The `eth-sign-request` UUID the signature must answer. */
  requestId: string
  /** What the Keystone was asked to sign: the Safe transaction, or the round-1 attestation of it. */
  kind: 'safe-signature' | 'approval-attestation'
  safeTxHash: Hex
  chainId: bigint
  safe: Address
  /** Set for attestations: the tier attested to. */
  tier: Attestation.AttestedTier | undefined
  expectedOwner: Address
  /** Canonical path. */
  path: string
  /** 8 lowercase hex digits. */
  sourceFingerprint: string
  /** ISO time of the request (the signer's clock). */
  requestedAt: string
}

/**
 * The account in canonical form (checksummed address, normalized path, 8-hex fingerprint); throws
 * `Signer.InvalidKeystoneStateError` for a bad one.
 *
 * @example
 * Keystone.account({ address, sourceFingerprint: '73C5DA0A', path: "m/44h/60h/0h/0/0" })
 */
export function account({
  address,
  sourceFingerprint,
  path,
}: Account): Account & { sourceFingerprint: string } {
  if (typeof address !== 'string' || !isAddress(address, { strict: false })) {
    throw new InvalidKeystoneStateError(
      `The Keystone address ${JSON.stringify(address)} is not an address.`,
      {
        hint: 'Give the owner address the Keystone exported when it was synced (--keystone-address).',
      },
    )
  }
  const fingerprint =
    typeof sourceFingerprint === 'number' &&
    Number.isInteger(sourceFingerprint) &&
    sourceFingerprint >= 0 &&
    sourceFingerprint <= 0xffff_ffff
      ? sourceFingerprint.toString(16).padStart(8, '0')
      : typeof sourceFingerprint === 'string' && /^(0x)?[0-9a-fA-F]{8}$/.test(sourceFingerprint)
        ? sourceFingerprint.replace(/^0x/, '').toLowerCase()
        : undefined
  if (fingerprint === undefined) {
    throw new InvalidKeystoneStateError(
      `The Keystone fingerprint ${JSON.stringify(sourceFingerprint)} is not 4 bytes.`,
      { hint: 'Give the master fingerprint from the Keystone sync QR, 8 hex digits like 73c5da0a.' },
    )
  }
  let canonical: string
  try {
    canonical = BipPath.normalize(path)
  } catch (cause) {
    throw new InvalidKeystoneStateError(`The Keystone path ${JSON.stringify(path)} is not a BIP-32 path.`, {
      hint: "Give the owner key's path, like m/44'/60'/0'/0/0.",
      cause,
    })
  }
  return { address: getAddress(address), sourceFingerprint: fingerprint, path: canonical }
}

/**
 * The `eth-sign-request` for a round-1 attestation: the Attestation typed data (an Airlock domain,
 * never a Safe one), so the Keystone shows the Safe, hash and tier it approves.
 *
 * @example
 * const request = Keystone.attestationRequest({ attestation, account, requestId })
 */
export function attestationRequest({
  attestation,
  account: owner,
  requestId,
  origin = 'Airlock',
}: {
  attestation: Attestation.Attestation
  account: Account
  requestId: string
  origin?: string | undefined
}): EthSignRequest.EthSignRequest {
  const typed = Attestation.typedData(attestation)
  const json = JSON.stringify(
    { types: typed.types, primaryType: typed.primaryType, domain: typed.domain, message: typed.message },
    // chainId as a number when it safely is one, as wallets send it; a decimal string otherwise.
    (_key, value: unknown) =>
      typeof value === 'bigint'
        ? value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : value.toString()
        : value,
  )
  const { sourceFingerprint, path, address } = account(owner)
  return {
    requestId: requestId.toLowerCase(),
    signData: new TextEncoder().encode(json),
    dataType: EthSignRequest.DataType.typedData,
    chainId: attestation.chainId,
    path,
    sourceFingerprint: Number.parseInt(sourceFingerprint, 16),
    address,
    origin,
  }
}

/**
 * A pending request as JSON for the state directory (bigints as decimal strings).
 *
 * @example
 * writeFile(path, JSON.stringify(Keystone.pendingToJson(pending)))
 */
export function pendingToJson(pending: Pending): Record<string, string> {
  return {
    requestId: pending.requestId,
    kind: pending.kind,
    safeTxHash: pending.safeTxHash,
    chainId: pending.chainId.toString(),
    safe: pending.safe,
    ...(pending.tier === undefined ? {} : { tier: pending.tier }),
    expectedOwner: pending.expectedOwner,
    path: pending.path,
    sourceFingerprint: pending.sourceFingerprint,
    requestedAt: pending.requestedAt,
  }
}

/**
 * Reads a pending request back; throws `Signer.InvalidKeystoneStateError` for anything malformed.
 *
 * @example
 * const pending = Keystone.pendingFromJson(JSON.parse(text))
 */
export function pendingFromJson(json: unknown): Pending {
  const bad = (field: string) =>
    new InvalidKeystoneStateError(`A pending Keystone request has a malformed ${field}.`, {
      hint: 'The state directory was edited or damaged; request the Keystone signature again.',
    })
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('record')
  const o = json as Record<string, unknown>
  const str = (field: string, pattern: RegExp) => {
    const value = o[field]
    if (typeof value !== 'string' || !pattern.test(value)) throw bad(field)
    return value
  }
  const kind = str('kind', /^(safe-signature|approval-attestation)$/) as Pending['kind']
  const tier = o.tier === undefined ? undefined : str('tier', /^(critical|existential)$/)
  if ((kind === 'approval-attestation') !== (tier !== undefined)) throw bad('tier')
  const address = /^0x[0-9a-fA-F]{40}$/
  return {
    requestId: str('requestId', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    kind,
    safeTxHash: str('safeTxHash', /^0x[0-9a-f]{64}$/) as Hex,
    chainId: BigInt(str('chainId', /^[1-9]\d{0,19}$/)),
    safe: getAddress(str('safe', address)),
    tier: tier as Attestation.AttestedTier | undefined,
    expectedOwner: getAddress(str('expectedOwner', address)),
    path: str('path', /^m(\/\d+'?)+$/),
    sourceFingerprint: str('sourceFingerprint', /^[0-9a-f]{8}$/),
    requestedAt: str('requestedAt', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  }
}

/** How long a Keystone request waits for its answer unless the signer is told otherwise: one hour. */
export const defaultRequestTtlMs = 60 * 60 * 1000

/**
 * Whether a pending request is too old to be answered: more than `ttlMs` before `nowMs`, or stamped
 * after it (a clock that moved back). An unreadable time counts as expired.
 *
 * @example
 * Keystone.isExpired(pending, { nowMs: Date.now() }) // true an hour after requestedAt
 */
export function isExpired(
  pending: Pending,
  { nowMs, ttlMs = defaultRequestTtlMs }: { nowMs: number; ttlMs?: number | undefined },
): boolean {
  const age = nowMs - Date.parse(pending.requestedAt)
  return !(age >= 0 && age <= ttlMs)
}

/**
 * Whether a pending request is for this transaction (hash, Safe, chain).
 *
 * @example
 * Keystone.isFor(pending, { context, safeTxHash })
 */
export function isFor(pending: Pending, { context, safeTxHash }: { context: SafeContext; safeTxHash: Hex }) {
  return (
    pending.safeTxHash === safeTxHash &&
    pending.chainId === context.chainId &&
    pending.safe.toLowerCase() === context.safe.toLowerCase()
  )
}
