/** Ed25519 through Node's crypto (OpenSSL): the same signatures as @noble, about 10x faster. */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import type { Ed25519 } from './AuditKey.ts'

// DER prefixes that wrap a raw 32-byte Ed25519 key (RFC 8410).
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex')
// A signer uses one key; a verifier one or two. A small cache avoids re-parsing DER per entry.
const cacheLimit = 16
const privateKeys = new Map<string, KeyObject>()
const publicKeys = new Map<string, KeyObject>()

function cached(
  cache: Map<string, KeyObject>,
  raw: Uint8Array,
  make: (raw: Uint8Array) => KeyObject,
): KeyObject {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex')
  let key = cache.get(id)
  if (key === undefined) {
    key = make(raw)
    if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string)
    cache.set(id, key)
  }
  return key
}

const privateKeyObject = (raw: Uint8Array) =>
  cached(privateKeys, raw, (r) =>
    createPrivateKey({ key: Buffer.concat([pkcs8Prefix, r]), format: 'der', type: 'pkcs8' }),
  )
const publicKeyObject = (raw: Uint8Array) =>
  cached(publicKeys, raw, (r) =>
    createPublicKey({ key: Buffer.concat([spkiPrefix, r]), format: 'der', type: 'spki' }),
  )

const plain = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

/**
 * Ed25519 backed by node:crypto. Pass it as `ed25519` to `AuditKey.signer`, `verify` or `openLog`.
 *
 * @example
 * const signer = AuditKey.signer(privateKey, { ed25519: nodeEd25519 })
 */
export const nodeEd25519: Ed25519 = {
  getPublicKey: (privateKey) =>
    plain(createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' }).subarray(12)),
  sign: (message, privateKey) => plain(sign(null, message, privateKeyObject(privateKey))),
  verify: (signature, message, publicKey) => {
    if (signature.length !== 64 || publicKey.length !== 32) return false
    try {
      return verify(null, message, publicKeyObject(publicKey), signature)
    } catch {
      return false
    }
  },
}
