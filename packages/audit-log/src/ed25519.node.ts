/**
 * Ed25519 for Node: signs through node:crypto (OpenSSL) and verifies through libsodium when its addon
 * loads, else OpenSSL (see ed25519Verify.node.mjs). The same signatures as @noble, 10-20x faster.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto'
import type { Ed25519 } from './AuditKey.ts'
import { verifierFor } from './ed25519Verify.node.mjs'

export { backend as ed25519Backend } from './ed25519Verify.node.mjs'

// DER prefix that wraps a raw 32-byte Ed25519 private key (RFC 8410).
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex')
// A signer uses one key; a verifier one or two. A small cache avoids re-parsing keys per entry.
const cacheLimit = 16
type Verifier = ReturnType<typeof verifierFor>
const privateKeys = new Map<string, KeyObject>()
const verifiers = new Map<string, Verifier>()

function cached<T>(cache: Map<string, T>, raw: Uint8Array, make: (raw: Uint8Array) => T): T {
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

const plain = (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

/**
 * Ed25519 backed by native code: OpenSSL signs, libsodium (or OpenSSL) verifies. Pass it as `ed25519` to `AuditKey.signer`, `verify` or `openLog`.
 *
 * @example
 * const signer = AuditKey.signer(privateKey, { ed25519: nodeEd25519 })
 */
export const nodeEd25519: Ed25519 = {
  getPublicKey: (privateKey) =>
    plain(createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' }).subarray(12)),
  sign: (message, privateKey) => plain(sign(null, message, privateKeyObject(privateKey))),
  verify: (signature, message, publicKey) =>
    publicKey.length === 32 && cached(verifiers, publicKey, (key) => verifierFor(key))(message, signature),
}
