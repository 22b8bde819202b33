/**
 * The per-signer Ed25519 log key: every entry is signed with it, and the log's first entry records
 * its public key. The key signs nothing but audit entries and manifests.
 */
import { ed25519 } from '@noble/curves/ed25519'
import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils'
import { InvalidInputError } from './errors.ts'

/**
 * An Ed25519 implementation. The portable default is @noble/curves; Node code can pass the faster
 * `nodeEd25519` from `@airlock/audit-log/node` (same algorithm, OpenSSL underneath).
 */
export type Ed25519 = {
  getPublicKey(privateKey: Uint8Array): Uint8Array
  sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}

/** The portable Ed25519 (RFC 8032, @noble/curves; strict ZIP-215 off so results match OpenSSL). */
export const nobleEd25519: Ed25519 = {
  getPublicKey: (privateKey) => ed25519.getPublicKey(privateKey),
  sign: (message, privateKey) => ed25519.sign(message, privateKey),
  verify: (signature, message, publicKey) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  },
}

/** Everything needed to sign entries: the key pair, its id and the implementation. */
export type Signer = {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
  /** `id(publicKey)`: recorded in every entry so a key change is visible. */
  readonly keyId: string
  readonly ed25519: Ed25519
}

/**
 * Generates a new 32-byte Ed25519 private key from the platform's secure random source.
 *
 * @example
 * const privateKey = AuditKey.generate()
 */
export function generate(): Uint8Array {
  return randomBytes(32)
}

/**
 * Derives the 32-byte public key.
 *
 * @example
 * const publicKey = AuditKey.publicKey(AuditKey.generate())
 */
export function publicKey(
  privateKey: Uint8Array,
  { ed25519: impl = nobleEd25519 }: { ed25519?: Ed25519 | undefined } = {},
) {
  assertKeyBytes(privateKey, 'private key')
  return impl.getPublicKey(privateKey)
}

/**
 * The key id: the first 8 bytes of SHA-256(public key), as 16 lowercase hex characters.
 *
 * @example
 * AuditKey.id(publicKey) // 'a3f1…' (16 hex characters)
 */
export function id(publicKey: Uint8Array): string {
  assertKeyBytes(publicKey, 'public key')
  return bytesToHex(sha256(publicKey).subarray(0, 8))
}

/**
 * Builds a `Signer` from a private key.
 *
 * @example
 * const signer = AuditKey.signer(AuditKey.generate())
 */
export function signer(
  privateKey: Uint8Array,
  { ed25519: impl = nobleEd25519 }: { ed25519?: Ed25519 | undefined } = {},
): Signer {
  const pub = publicKey(privateKey, { ed25519: impl })
  return { privateKey, publicKey: pub, keyId: id(pub), ed25519: impl }
}

/**
 * Public key as lowercase hex (no 0x), the form the log stores.
 *
 * @example
 * AuditKey.toHex(publicKey) // '3b6a27bc…'
 */
export function toHex(key: Uint8Array): string {
  return bytesToHex(key)
}

/**
 * Parses a 32-byte key from hex (with or without 0x).
 *
 * @example
 * const publicKey = AuditKey.fromHex('3b6a27bc…')
 */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.startsWith('0x') ? hex.slice(2) : hex
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) {
    throw new InvalidInputError('A log key must be 32 bytes of hex (64 hex characters).', {
      hint: 'Pass the public key exactly as printed by the signer.',
      details: `got ${JSON.stringify(hex.slice(0, 80))}`,
    })
  }
  return hexToBytes(clean.toLowerCase())
}

function assertKeyBytes(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new InvalidInputError(`The ${what} must be 32 bytes.`, {
      hint: 'Use AuditKey.generate() or load the key file written by saveKey().',
      details: `got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`,
    })
  }
}
