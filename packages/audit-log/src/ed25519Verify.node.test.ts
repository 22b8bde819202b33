import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ed25519 } from '@noble/curves/ed25519'
import { sha512 } from '@noble/hashes/sha2'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { nodeEd25519 } from './ed25519.node.ts'
import { backend, verifierFor } from './ed25519Verify.node.mjs'

const backends = ['libsodium', 'openssl'] as const
// Order of the Ed25519 base point.
const L = 2n ** 252n + 27742317777372353535851937790883648493n

// RFC 8032 section 7.1, tests 1-3: secret key, public key, message, signature.
const rfc8032 = [
  [
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
] as const

const littleEndian = (bytes: Uint8Array) => BigInt(`0x${bytesToHex(Uint8Array.from(bytes).reverse())}`)
const toLittleEndian32 = (n: bigint) => hexToBytes(n.toString(16).padStart(64, '0')).reverse()

describe('Ed25519 verification backends', () => {
  test('libsodium is the backend on this platform (its prebuilt addon loads)', () => {
    expect(backend).toBe('libsodium')
  })

  test.each(backends)('%s accepts the RFC 8032 vectors and rejects them altered', (use) => {
    for (const [secret, publicKey, message, signature] of rfc8032) {
      expect(bytesToHex(ed25519.getPublicKey(hexToBytes(secret)))).toBe(publicKey)
      const check = verifierFor(hexToBytes(publicKey), use)
      const sig = hexToBytes(signature)
      expect(check(hexToBytes(message), sig)).toBe(true)
      expect(check(hexToBytes(`${message}00`), sig)).toBe(false)
      const flipped = sig.slice()
      flipped[40] = (flipped[40] as number) ^ 1
      expect(check(hexToBytes(message), flipped)).toBe(false)
      // s + L encodes the same scalar non-canonically: RFC 8032 requires rejecting it.
      const s = littleEndian(sig.subarray(32))
      const malleable = Uint8Array.from([...sig.subarray(0, 32), ...toLittleEndian32(s + L)])
      expect(check(hexToBytes(message), malleable)).toBe(false)
      // Wrong lengths never verify (libsodium itself would read only the first 64 bytes).
      expect(check(hexToBytes(message), Uint8Array.from([...sig, 0]))).toBe(false)
      expect(check(hexToBytes(message), sig.subarray(0, 63))).toBe(false)
    }
    expect(verifierFor(new Uint8Array(31), use)(new Uint8Array(0), new Uint8Array(64))).toBe(false)
  })

  test('both backends agree with @noble on random keys, messages and single-byte tampering (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('none', 'message', 'signature', 'key'),
        (secret, message, at, xor, what) => {
          const publicKey = ed25519.getPublicKey(secret)
          const signature = ed25519.sign(message, secret)
          const m = message.slice()
          const s = signature.slice()
          const k = publicKey.slice()
          const target = what === 'message' ? m : what === 'signature' ? s : what === 'key' ? k : undefined
          if (target !== undefined && target.length > 0) {
            const i = at % target.length
            target[i] = (target[i] as number) ^ xor
          }
          const expected = ed25519.verify(s, m, k, { zip215: false })
          for (const use of backends) expect(verifierFor(k, use)(m, s)).toBe(expected)
          expect(nodeEd25519.verify(s, m, k)).toBe(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  test('the one documented difference: a key holder can craft a small-order R that only libsodium refuses', () => {
    // R = the identity point (order 1) and s = k·a mod L satisfies s·B = R + k·A with k = H(R‖A‖M).
    const secret = new Uint8Array(32).fill(9)
    const publicKey = ed25519.getPublicKey(secret)
    const a = ed25519.utils.getExtendedPublicKey(secret).scalar
    const message = new TextEncoder().encode('crafted by the key holder')
    const R = toLittleEndian32(1n)
    const k = littleEndian(sha512(Uint8Array.from([...R, ...publicKey, ...message]))) % L
    const signature = Uint8Array.from([...R, ...toLittleEndian32((k * a) % L)])
    expect(verifierFor(publicKey, 'openssl')(message, signature)).toBe(true)
    expect(verifierFor(publicKey, 'libsodium')(message, signature)).toBe(false)
  })

  test('AIRLOCK_ED25519=openssl forces OpenSSL', () => {
    const module = fileURLToPath(new URL('./ed25519Verify.node.mjs', import.meta.url))
    const script = `import(${JSON.stringify(module)}).then((m) => console.log(m.backend))`
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }).trim()
    expect(run({ ...process.env, AIRLOCK_ED25519: 'openssl' })).toBe('openssl')
    expect(run({ ...process.env, AIRLOCK_ED25519: '' })).toBe('libsodium')
  })
})
