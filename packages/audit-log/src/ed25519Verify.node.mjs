// Ed25519 signature verification for Node, shared by nodeEd25519 (ed25519.node.ts) and the
// verifyParallel workers (verifyWorker.node.mjs). Plain JavaScript so workers load it without a
// TypeScript loader.
//
// libsodium (sodium-native's prebuilt N-API addon) verifies in about 40 us here, OpenSSL (node:crypto)
// in about 65 us. Both implement RFC 8032 with the cofactorless equation and reject s >= L, so they
// agree on every signature an honest Ed25519 signer produces and on every tampered one; libsodium is
// stricter only for signatures the key holder would have to craft on purpose (small-order R or key).
// When the addon does not load on a platform, or AIRLOCK_ED25519=openssl is set, OpenSSL is used.
import { createPublicKey, verify } from 'node:crypto'
import { createRequire } from 'node:module'

// DER prefix that wraps a raw 32-byte Ed25519 public key (RFC 8410).
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex')

function loadSodium() {
  if (process.env.AIRLOCK_ED25519 === 'openssl') return undefined
  try {
    return createRequire(import.meta.url)('sodium-native')
  } catch {
    return undefined
  }
}

const sodium = loadSodium()

/** Which library checks signatures: 'libsodium' or 'openssl'. */
export const backend = sodium === undefined ? 'openssl' : 'libsodium'

/**
 * A verification function for one raw 32-byte public key: (message, signature) => boolean.
 * Never throws for a bad signature or message; a key that is not 32 bytes verifies nothing.
 * `use` picks the library (tests compare both); asking for libsodium where it did not load throws.
 */
export function verifierFor(publicKey, use = backend) {
  if (use === 'libsodium' && sodium === undefined) throw new Error('libsodium (sodium-native) is not loaded')
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return () => false
  if (use === 'libsodium') {
    const key = Uint8Array.from(publicKey)
    return (message, signature) => {
      if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
      try {
        return sodium.crypto_sign_verify_detached(signature, message, key) === true
      } catch {
        return false
      }
    }
  }
  let key
  try {
    key = createPublicKey({ key: Buffer.concat([spkiPrefix, publicKey]), format: 'der', type: 'spki' })
  } catch {
    return () => false
  }
  return (message, signature) => {
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
    try {
      return verify(null, message, key, signature)
    } catch {
      return false
    }
  }
}
