import { secp256k1 } from '@noble/curves/secp256k1'
import {
  type Address,
  bytesToHex,
  concat,
  getAddress,
  type Hex,
  hashMessage,
  hexToBigInt,
  hexToBytes,
  keccak256,
  numberToHex,
  pad,
} from 'viem'
import { InvalidSignatureError } from './errors.ts'
import { parseAddress, parseHex, parseUint } from './SafeTx.ts'

/**
 * An owner's signature over the safeTxHash, signed directly (EIP-712 `eth_signTypedData` or a raw
 * hash signature). `v` is 27 or 28; any other value makes `ecrecover` return 0 on chain.
 */
export type Ecdsa = { type: 'ecdsa'; r: Hex; s: Hex; v: number }
/** An owner's `eth_sign`/`personal_sign` of the safeTxHash; Safe marks it with `v` + 4 (31 or 32). */
export type EthSign = { type: 'eth_sign'; r: Hex; s: Hex; v: number }
/** `v = 1`: the owner approved the hash on chain (`approveHash`) or is the one executing. */
export type ApprovedHash = { type: 'approved-hash'; owner: Address }
/** `v = 0`: an EIP-1271 contract owner (e.g. a nested Safe); `data` is handed to its `isValidSignature`. */
export type Contract = { type: 'contract'; verifier: Address; data: Hex }

/** One entry of a Safe `signatures` blob. */
export type Signature = Ecdsa | EthSign | ApprovedHash | Contract

/** A signature reduced to its curve values, before Safe's `v` conventions are applied. */
export type Normalized = { r: Hex; s: Hex; yParity: 0 | 1 }

/** Revert reasons of `checkSignatures`/`checkNSignatures` (Safe 1.3.0 – 1.4.1). */
export type RevertCode = 'GS001' | 'GS020' | 'GS021' | 'GS022' | 'GS023' | 'GS024' | 'GS025' | 'GS026'

/** The blob ends before the parts the Safe reads (GS020), or a contract signature's data does (GS023). */
export class SignaturesTruncatedError extends InvalidSignatureError {
  override name = 'Safe.SignaturesTruncatedError'
  readonly code: RevertCode | undefined
  constructor(shortMessage: string, { code, details }: { code?: RevertCode | undefined; details?: string }) {
    super(shortMessage, {
      hint: 'Collect the signatures again and rebuild the blob with Signature.build; do not edit it by hand.',
      details,
    })
    this.code = code
  }
}

/** A contract signature's offset points inside the static part the Safe reads (GS021). */
export class SignatureOffsetInStaticPartError extends InvalidSignatureError {
  override name = 'Safe.SignatureOffsetInStaticPartError'
  readonly code: RevertCode = 'GS021'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, {
      hint: 'Rebuild the blob with Signature.build so contract signature data follows all static parts.',
      details,
    })
  }
}

/** A contract signature's offset points past the end of the blob (GS022). */
export class SignatureOffsetOutOfBoundsError extends InvalidSignatureError {
  override name = 'Safe.SignatureOffsetOutOfBoundsError'
  readonly code: RevertCode = 'GS022'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, {
      hint: 'The blob was cut short or its offsets are wrong; rebuild it with Signature.build.',
      details,
    })
  }
}

/** `s` is in the upper half of the curve order: a second, malleable form of some other signature. */
export class MalleableSignatureError extends InvalidSignatureError {
  override name = 'Safe.MalleableSignatureError'
}

const N = secp256k1.CURVE.n
const HALF_N = N >> 1n
const STATIC_SIZE = 65
const ZERO_WORD = numberToHex(0, { size: 32 })
/** Safe's linked-list sentinel: never an owner, although `owners[SENTINEL]` is set. */
const SENTINEL_OWNERS = 1n

/**
 * Reduces a signature from a wallet or device to `{ r, s, yParity }`. Accepts 65 bytes with
 * `v` = 0/1, 27/28 or EIP-155 (`chainId * 2 + 35/36`), 66 bytes with a two-byte EIP-155 `v`
 * (chain ids above 109), and 64-byte EIP-2098 compact signatures. Refuses high-s and zero r/s.
 *
 * @example
 * Signature.normalize('0x…65 bytes…1b') // { r, s, yParity: 0 }
 */
export function normalize(
  signature: Hex | Uint8Array,
  { chainId }: { chainId?: bigint | undefined } = {},
): Normalized {
  const bytes = typeof signature === 'string' ? hexToBytes(parseHex(signature, 'signature')) : signature
  let r: bigint
  let s: bigint
  let yParity: 0 | 1
  if (bytes.length === 64) {
    // EIP-2098: the top bit of the second word is yParity, the rest is s.
    r = bytesToBigInt(bytes.subarray(0, 32))
    const yParityAndS = bytesToBigInt(bytes.subarray(32, 64))
    yParity = yParityAndS >> 255n === 1n ? 1 : 0
    s = yParityAndS & ((1n << 255n) - 1n)
  } else if (bytes.length === 65 || bytes.length === 66) {
    r = bytesToBigInt(bytes.subarray(0, 32))
    s = bytesToBigInt(bytes.subarray(32, 64))
    const v = bytes.length === 65 ? (bytes[64] ?? 0) : ((bytes[64] ?? 0) << 8) | (bytes[65] ?? 0)
    yParity = parityOfV(v, { chainId, twoByte: bytes.length === 66 })
  } else {
    throw new InvalidSignatureError(`The signature is ${bytes.length} bytes long.`, {
      hint: 'Give 65 bytes (r, s, v), 66 bytes (two-byte v) or 64 bytes (EIP-2098 compact).',
    })
  }
  if (r === 0n || s === 0n || r >= N || s >= N) {
    throw new InvalidSignatureError('The signature has an r or s value outside the curve order.', {
      hint: 'The signature is corrupt; sign again.',
      details: `r=${numberToHex(r)} s=${numberToHex(s)}`,
    })
  }
  if (s > HALF_N) {
    throw new MalleableSignatureError('The signature uses a high s value (s > n/2).', {
      hint: 'Sign again with a wallet that produces low-s (EIP-2) signatures.',
      details: `s=${numberToHex(s, { size: 32 })}`,
    })
  }
  return { r: numberToHex(r, { size: 32 }), s: numberToHex(s, { size: 32 }), yParity }
}

/**
 * An owner's signature over the safeTxHash itself (EIP-712 or raw-hash signing), as a Safe entry.
 *
 * @example
 * const sig = Signature.fromEcdsa(await account.sign({ hash: safeTxHash }))
 */
export function fromEcdsa(
  signature: Hex | Uint8Array,
  options: { chainId?: bigint | undefined } = {},
): Ecdsa {
  const { r, s, yParity } = normalize(signature, options)
  return { type: 'ecdsa', r, s, v: 27 + yParity }
}

/**
 * An owner's `eth_sign`/`personal_sign` of the 32-byte safeTxHash, as a Safe entry (`v` + 4).
 *
 * @example
 * const sig = Signature.fromEthSign(await account.signMessage({ message: { raw: safeTxHash } }))
 */
export function fromEthSign(
  signature: Hex | Uint8Array,
  options: { chainId?: bigint | undefined } = {},
): EthSign {
  const { r, s, yParity } = normalize(signature, options)
  return { type: 'eth_sign', r, s, v: 31 + yParity }
}

/**
 * An approved-hash entry for `owner`: valid once `owner` called `approveHash(safeTxHash)`, or when
 * `owner` itself sends `execTransaction`.
 *
 * @example
 * Signature.approvedHash('0x…owner')
 */
export function approvedHash(owner: Address): ApprovedHash {
  return { type: 'approved-hash', owner: parseAddress(owner, 'owner') }
}

/**
 * A contract-owner (EIP-1271) entry; `data` goes to `verifier.isValidSignature`.
 *
 * @example
 * Signature.contract({ verifier: nestedSafe, data: '0x' })
 */
export function contract({ verifier, data }: { verifier: Address; data: Hex }): Contract {
  return { type: 'contract', verifier: parseAddress(verifier, 'verifier'), data: parseHex(data, 'data') }
}

/**
 * The address `ecrecover` yields for an ECDSA or eth_sign entry over `safeTxHash`, exactly as the
 * Safe computes it; `undefined` where the precompile returns nothing (bad v, r, s or point).
 *
 * @example
 * Signature.recover({ signature: sig, safeTxHash }) // '0x…'
 */
export function recover({
  signature,
  safeTxHash,
}: {
  signature: Ecdsa | EthSign
  safeTxHash: Hex
}): Address | undefined {
  const hash = parseHex(safeTxHash, 'safeTxHash', { bytes: 32 })
  if (signature.type === 'eth_sign') {
    return ecrecover(hashMessage({ raw: hash }), signature.v - 4, signature.r, signature.s)
  }
  return ecrecover(hash, signature.v, signature.r, signature.s)
}

/**
 * The owner an entry stands for: recovered for ECDSA/eth_sign, stated for approved-hash and contract.
 *
 * @example
 * Signature.signerOf({ signature: Signature.approvedHash(owner), safeTxHash }) // owner
 */
export function signerOf({
  signature,
  safeTxHash,
}: {
  signature: Signature
  safeTxHash: Hex
}): Address | undefined {
  switch (signature.type) {
    case 'approved-hash':
      return signature.owner
    case 'contract':
      return signature.verifier
    default:
      return recover({ signature, safeTxHash })
  }
}

/**
 * Encodes entries in the given order into the `signatures` bytes of `execTransaction`: 65-byte static
 * parts, then each contract signature's data (32-byte length + bytes) at the offset its `s` names.
 * Use `build` to sort by owner first, as the Safe requires.
 *
 * @example
 * Signature.encode([sigA, sigB]) // '0x…'
 */
export function encode(signatures: readonly Signature[]): Hex {
  const staticParts: Hex[] = []
  const dynamicParts: Hex[] = []
  let offset = BigInt(signatures.length * STATIC_SIZE)
  signatures.forEach((signature, index) => {
    switch (signature.type) {
      case 'ecdsa':
      case 'eth_sign': {
        checkV(signature, index)
        const r = parseHex(signature.r, `signature ${index} r`, { bytes: 32 })
        const s = parseHex(signature.s, `signature ${index} s`, { bytes: 32 })
        staticParts.push(concat([r, s, numberToHex(signature.v, { size: 1 })]))
        break
      }
      case 'approved-hash':
        staticParts.push(
          concat([addressWord(signature.owner, `signature ${index} owner`), ZERO_WORD, '0x01']),
        )
        break
      case 'contract': {
        const data = parseHex(signature.data, `signature ${index} data`)
        const length = BigInt((data.length - 2) / 2)
        staticParts.push(
          concat([
            addressWord(signature.verifier, `signature ${index} verifier`),
            numberToHex(offset, { size: 32 }),
            '0x00',
          ]),
        )
        dynamicParts.push(concat([numberToHex(length, { size: 32 }), data]))
        offset += 32n + length
        break
      }
      default:
        throw new InvalidSignatureError(`Signature ${index} has an unknown type.`, {
          hint: 'Use ecdsa, eth_sign, approved-hash or contract.',
        })
    }
  })
  return concat(['0x', ...staticParts, ...dynamicParts])
}

/**
 * Orders entries by owner address, ascending, as `checkNSignatures` demands. Throws when an entry
 * recovers to no address or two entries stand for the same owner.
 *
 * @example
 * Signature.sort({ signatures: [sigB, sigA], safeTxHash }) // [sigA, sigB]
 */
export function sort({
  signatures,
  safeTxHash,
}: {
  signatures: readonly Signature[]
  safeTxHash: Hex
}): Signature[] {
  const keyed = signatures.map((signature, index) => {
    const signer = signerOf({ signature, safeTxHash })
    if (signer === undefined) {
      throw new InvalidSignatureError(`Signature ${index} does not recover to any address.`, {
        hint: 'It is corrupt or was made over a different hash; ask the owner to sign again.',
      })
    }
    return { signature, signer, key: hexToBigInt(signer) }
  })
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]?.key === keyed[i - 1]?.key) {
      throw new InvalidSignatureError(`Two signatures are from the same owner ${keyed[i]?.signer}.`, {
        hint: 'Keep one signature per owner.',
      })
    }
  }
  return keyed.map(({ signature }) => signature)
}

/**
 * The `signatures` argument for `execTransaction`: entries sorted by owner, then encoded.
 *
 * @example
 * const signatures = Signature.build({ signatures: [ecdsa, ethSign, Signature.approvedHash(owner)], safeTxHash })
 */
export function build({
  signatures,
  safeTxHash,
}: {
  signatures: readonly Signature[]
  safeTxHash: Hex
}): Hex {
  return encode(sort({ signatures, safeTxHash }))
}

/**
 * Reads a `signatures` blob as `checkNSignatures` does: `threshold` static 65-byte parts, each contract
 * signature's data found through its offset. Without `threshold`, reads every static part up to the
 * first dynamic part (or the end) and requires the blob to be exactly that. Throws typed errors for
 * malformed blobs; does not judge whether signatures are valid (see `verify`).
 *
 * @example
 * Signature.parse('0x…', { threshold: 2 }) // [{ type: 'ecdsa', … }, { type: 'approved-hash', … }]
 */
export function parse(
  signatures: Hex,
  { threshold }: { threshold?: bigint | number | undefined } = {},
): Signature[] {
  const bytes = hexToBytes(parseHex(signatures, 'signatures'))
  if (threshold !== undefined) {
    const count = parseUint(threshold, 'threshold')
    const staticEnd = count * BigInt(STATIC_SIZE)
    if (BigInt(bytes.length) < staticEnd) {
      throw new SignaturesTruncatedError(
        `The signatures are ${bytes.length} bytes; ${count} signatures need ${staticEnd}.`,
        {
          code: 'GS020',
        },
      )
    }
    return Array.from({ length: Number(count) }, (_, index) => readPart(bytes, index, staticEnd))
  }
  // First find where the static parts end (the lowest contract data offset, or the end), then read.
  let count = 0
  let staticEnd = BigInt(bytes.length)
  while (BigInt((count + 1) * STATIC_SIZE) <= staticEnd) {
    if (bytes[count * STATIC_SIZE + 64] === 0) {
      const offset = readWord(bytes, count * STATIC_SIZE + 32)
      if (offset < BigInt((count + 1) * STATIC_SIZE)) {
        throw new SignatureOffsetInStaticPartError(
          `Signature ${count} points its contract data at byte ${offset}, inside the signatures themselves.`,
        )
      }
      staticEnd = minBigInt(staticEnd, offset)
    }
    count++
  }
  const used = BigInt(count * STATIC_SIZE)
  if (used !== staticEnd) {
    if (staticEnd === BigInt(bytes.length)) {
      throw new SignaturesTruncatedError(
        `The signatures end with ${bytes.length - count * STATIC_SIZE} stray bytes after ${count} full signatures.`,
        { details: `length ${bytes.length} is not a multiple of 65` },
      )
    }
    throw new SignatureOffsetInStaticPartError(
      'A contract signature’s data starts inside a 65-byte signature.',
      {
        details: `first data offset ${staticEnd}, static parts end at ${used}`,
      },
    )
  }
  return Array.from({ length: count }, (_, index) => readPart(bytes, index, used))
}

/** Why one signature is, or is not, accepted by the Safe. */
export type OutcomeReason =
  | 'ok'
  | 'malformed'
  | 'recovery-failed'
  | 'not-an-owner'
  | 'out-of-order'
  | 'duplicate-signer'
  | 'hash-not-approved'
  | 'contract-signature-rejected'
  | 'needs-eip1271-check'

/** The verdict on one of the `threshold` signatures the Safe reads. */
export type Outcome = {
  index: number
  /** The entry as read; undefined when its bytes are malformed. */
  signature: Signature | undefined
  /** The owner it stands for (recovered, or stated by approved-hash/contract entries). */
  signer: Address | undefined
  /** `unchecked`: a contract signature whose EIP-1271 result needs the chain. */
  status: 'valid' | 'invalid' | 'unchecked'
  reason: OutcomeReason
  /** The Safe's revert reason at this signature, when it fails. */
  code: RevertCode | undefined
  message: string
  /** ECDSA with s > n/2: the Safe accepts it, but it is a malleable twin of a low-s signature. */
  highS: boolean
}

export type VerifyParameters = {
  safeTxHash: Hex
  signatures: Hex
  owners: readonly Address[]
  threshold: bigint | number
  /** Owners with `approvedHashes[owner][safeTxHash] != 0` on chain. */
  approvedHashes?: readonly Address[] | undefined
  /** Who sends `execTransaction` (`msg.sender`): its approved-hash entry needs no on-chain approval. */
  executor?: Address | undefined
  /** Decides EIP-1271 contract signatures; without it they are reported as needing an on-chain check. */
  checkContractSignature?: ((input: { verifier: Address; safeTxHash: Hex; data: Hex }) => boolean) | undefined
}

export type VerifyResult = {
  /** `needs-eip1271-check`: nothing failed, but a contract signature is yet to be checked on chain. */
  status: 'valid' | 'invalid' | 'needs-eip1271-check'
  valid: boolean
  outcomes: Outcome[]
  /**
   * The first failure, in the order the Safe checks: what `execTransaction` reverts with. (Should an
   * unchecked contract signature come earlier and fail on chain, the Safe stops there with GS024.)
   */
  revert: { code: RevertCode; index: number | undefined; message: string } | undefined
}

/**
 * Predicts `checkSignatures(safeTxHash, …, signatures)` of Safe 1.3.0 – 1.4.1: reads `threshold`
 * parts, recovers each signer, requires strictly increasing owner addresses, approved hashes to be
 * approved (or the executor's own), and reports per signature why it passes or fails. Never throws for
 * well-formed but invalid signatures; throws only for unusable parameters (bad hex, bad addresses).
 * Safes before 1.3.0 apply the same rules but revert with sentences instead of GS codes.
 *
 * @example
 * const result = Signature.verify({ safeTxHash, signatures, owners, threshold: 2n, executor })
 * if (!result.valid) console.log(result.revert?.code, result.revert?.message)
 */
export function verify({
  safeTxHash,
  signatures,
  owners,
  threshold,
  approvedHashes = [],
  executor,
  checkContractSignature,
}: VerifyParameters): VerifyResult {
  const hash = parseHex(safeTxHash, 'safeTxHash', { bytes: 32 })
  const bytes = hexToBytes(parseHex(signatures, 'signatures'))
  const required = parseUint(threshold, 'threshold')
  const ownerSet = new Set(owners.map((owner) => hexToBigInt(parseAddress(owner, 'owner'))))
  const approved = new Set(
    approvedHashes.map((owner) => hexToBigInt(parseAddress(owner, 'approvedHashes entry'))),
  )
  const sender = executor === undefined ? undefined : hexToBigInt(parseAddress(executor, 'executor'))

  if (required === 0n) {
    return finish([], {
      code: 'GS001',
      index: undefined,
      message: 'The Safe has no threshold set (not set up).',
    })
  }
  const staticEnd = required * BigInt(STATIC_SIZE)
  const tooShort = BigInt(bytes.length) < staticEnd
  const readable = tooShort ? Math.floor(bytes.length / STATIC_SIZE) : Number(required)

  const outcomes: Outcome[] = []
  let lastOwner = 0n
  for (let index = 0; index < readable; index++) {
    let signature: Signature
    try {
      signature = readPart(bytes, index, staticEnd)
    } catch (error) {
      if (!(error instanceof InvalidSignatureError)) throw error
      outcomes.push({
        index,
        signature: undefined,
        signer: undefined,
        status: 'invalid',
        reason: 'malformed',
        code: 'code' in error ? (error.code as RevertCode | undefined) : undefined,
        message: `Signature ${index}: ${error.shortMessage}`,
        highS: false,
      })
      continue
    }
    const outcome = judge({
      signature,
      index,
      hash,
      lastOwner,
      ownerSet,
      approved,
      sender,
      checkContractSignature,
    })
    if (outcome.signer !== undefined) lastOwner = hexToBigInt(outcome.signer)
    outcomes.push(outcome)
  }

  if (tooShort) {
    return finish(outcomes, {
      code: 'GS020',
      index: undefined,
      message: `The signatures are ${bytes.length} bytes; a threshold of ${required} needs at least ${staticEnd}.`,
    })
  }
  const failed = outcomes.find((outcome) => outcome.status === 'invalid')
  return finish(
    outcomes,
    failed === undefined
      ? undefined
      : { code: failed.code ?? 'GS026', index: failed.index, message: failed.message },
  )
}

function finish(outcomes: Outcome[], revert: VerifyResult['revert']): VerifyResult {
  const status =
    revert !== undefined
      ? 'invalid'
      : outcomes.some((outcome) => outcome.status === 'unchecked')
        ? 'needs-eip1271-check'
        : 'valid'
  return { status, valid: status === 'valid', outcomes, revert }
}

function judge({
  signature,
  index,
  hash,
  lastOwner,
  ownerSet,
  approved,
  sender,
  checkContractSignature,
}: {
  signature: Signature
  index: number
  hash: Hex
  lastOwner: bigint
  ownerSet: Set<bigint>
  approved: Set<bigint>
  sender: bigint | undefined
  checkContractSignature: VerifyParameters['checkContractSignature']
}): Outcome {
  const label = `Signature ${index} (${signature.type})`
  const highS =
    (signature.type === 'ecdsa' || signature.type === 'eth_sign') && hexToBigInt(signature.s) > HALF_N
  const base = { index, signature, highS }
  const signer = signerOf({ signature, safeTxHash: hash })
  const fail = (reason: OutcomeReason, code: RevertCode, message: string): Outcome => ({
    ...base,
    signer,
    status: 'invalid',
    reason,
    code,
    message: `${label}: ${message}`,
  })

  let pending = false
  if (signature.type === 'contract') {
    if (checkContractSignature === undefined) pending = true
    else if (
      !checkContractSignature({ verifier: signature.verifier, safeTxHash: hash, data: signature.data })
    ) {
      return fail(
        'contract-signature-rejected',
        'GS024',
        `contract ${signature.verifier} rejects the signature (EIP-1271).`,
      )
    }
  }
  if (signature.type === 'approved-hash') {
    const owner = hexToBigInt(signature.owner)
    if (owner !== sender && !approved.has(owner)) {
      return fail(
        'hash-not-approved',
        'GS025',
        `${signature.owner} has not approved this hash on chain and is not the executor.`,
      )
    }
  }
  if (signer === undefined) {
    return fail('recovery-failed', 'GS026', 'ecrecover returns no address (bad v, r or s).')
  }
  const key = hexToBigInt(signer)
  if (key === lastOwner) return fail('duplicate-signer', 'GS026', `${signer} has already signed.`)
  if (key < lastOwner) {
    return fail(
      'out-of-order',
      'GS026',
      `${signer} comes after a higher address; sort signatures by owner address.`,
    )
  }
  if (!ownerSet.has(key) || key === SENTINEL_OWNERS) {
    return fail('not-an-owner', 'GS026', `${signer} is not an owner of this Safe.`)
  }
  if (pending) {
    return {
      ...base,
      signer,
      status: 'unchecked',
      reason: 'needs-eip1271-check',
      code: undefined,
      message: `${label}: contract ${signer} must confirm the signature on chain (EIP-1271).`,
    }
  }
  const note = highS ? ' (high s: malleable, but accepted by the Safe)' : ''
  return {
    ...base,
    signer,
    status: 'valid',
    reason: 'ok',
    code: undefined,
    message: `${label}: ${signer} signed${note}.`,
  }
}

/** Reads static part `index`; for contract signatures also the dynamic data, with the Safe's bounds checks. */
function readPart(bytes: Uint8Array, index: number, staticEnd: bigint): Signature {
  const at = index * STATIC_SIZE
  const rWord = bytes.subarray(at, at + 32)
  const sWord = bytes.subarray(at + 32, at + 64)
  const v = bytes[at + 64] ?? 0
  if (v === 0 || v === 1) {
    // The Safe keeps only the low 20 bytes of r as the owner address.
    const owner = getAddress(bytesToHex(rWord.subarray(12)))
    if (v === 1) return { type: 'approved-hash', owner }
    const offset = bytesToBigInt(sWord)
    if (offset < staticEnd) {
      throw new SignatureOffsetInStaticPartError(
        `Signature ${index} points its contract data at byte ${offset}, inside the signatures themselves.`,
        { details: `static part ends at ${staticEnd}` },
      )
    }
    if (offset + 32n > BigInt(bytes.length)) {
      throw new SignatureOffsetOutOfBoundsError(
        `Signature ${index} points its contract data at byte ${offset}, past the end (${bytes.length} bytes).`,
      )
    }
    const start = Number(offset)
    const length = bytesToBigInt(bytes.subarray(start, start + 32))
    if (offset + 32n + length > BigInt(bytes.length)) {
      throw new SignaturesTruncatedError(
        `Signature ${index}’s contract data (${length} bytes) runs past the end.`,
        {
          code: 'GS023',
          details: `data starts at ${offset + 32n}, blob is ${bytes.length} bytes`,
        },
      )
    }
    return {
      type: 'contract',
      verifier: owner,
      data: bytesToHex(bytes.subarray(start + 32, start + 32 + Number(length))),
    }
  }
  const r = bytesToHex(rWord)
  const s = bytesToHex(sWord)
  return v > 30 ? { type: 'eth_sign', r, s, v } : { type: 'ecdsa', r, s, v }
}

/** The EVM ecrecover precompile: v must be 27/28, r and s in [1, n-1]; otherwise no address. */
function ecrecover(hash: Hex, v: number, r: Hex, s: Hex): Address | undefined {
  if (v !== 27 && v !== 28) return undefined
  const rn = hexToBigInt(r)
  const sn = hexToBigInt(s)
  if (rn === 0n || sn === 0n || rn >= N || sn >= N) return undefined
  try {
    const point = new secp256k1.Signature(rn, sn).addRecoveryBit(v - 27).recoverPublicKey(hexToBytes(hash))
    const publicKey = point.toRawBytes(false)
    return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`)
  } catch {
    // No curve point has x = r: the precompile returns nothing.
    return undefined
  }
}

function parityOfV(
  v: number,
  { chainId, twoByte }: { chainId: bigint | undefined; twoByte: boolean },
): 0 | 1 {
  if (!twoByte && (v === 0 || v === 1)) return v
  if (!twoByte && (v === 27 || v === 28)) return v === 27 ? 0 : 1
  if (v >= 35) {
    const parity = (v - 35) % 2 === 0 ? 0 : 1
    const signedChain = BigInt(v - 35 - parity) / 2n
    if (chainId !== undefined && signedChain !== chainId) {
      throw new InvalidSignatureError(`The signature is for chain ${signedChain}, not ${chainId}.`, {
        hint: 'Sign on the Safe’s network.',
        details: `v=${v}`,
      })
    }
    return parity
  }
  throw new InvalidSignatureError(`The signature has an unknown v value ${v}.`, {
    hint: 'Expected v = 0/1, 27/28 or an EIP-155 value (chainId * 2 + 35/36).',
  })
}

function checkV(signature: Ecdsa | EthSign, index: number): void {
  const { v } = signature
  const ok = Number.isInteger(v) && v >= 0 && v <= 255
  const matches = signature.type === 'eth_sign' ? v > 30 : v > 1 && v <= 30
  if (!ok || !matches) {
    throw new InvalidSignatureError(
      `Signature ${index} has v = ${v}, which does not fit a ${signature.type} entry.`,
      {
        hint: 'Build entries with Signature.fromEcdsa or Signature.fromEthSign.',
      },
    )
  }
}

function addressWord(address: Address, field: string): Hex {
  return pad(parseAddress(address, field).toLowerCase() as Hex)
}

function readWord(bytes: Uint8Array, at: number): bigint {
  return bytesToBigInt(bytes.subarray(at, at + 32))
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : hexToBigInt(bytesToHex(bytes))
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
