// A policy admin's signing key as the admin keeps it offline: a hex private key or a BIP-39 mnemonic.
// Parsed here, once, for every front end that signs bundles (the CLI today, the signer app later).
import { type LocalAccount, sha256 } from 'viem'
import { english, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { InvalidAdminKeyError } from './errors.ts'

/** What signing a bundle needs from an account. */
export type Account = Pick<LocalAccount, 'address' | 'signMessage'>

/**
 * The account of a hex private key (64 hex digits, 0x optional, surrounding whitespace ignored).
 *
 * @example
 * const admin = AdminKey.fromPrivateKey(readFileSync('admin.key', 'utf8'))
 */
export function fromPrivateKey(text: string): Account {
  const trimmed = text.trim()
  const hex = trimmed.startsWith('0x') ? trimmed : `0x${trimmed}`
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw new InvalidAdminKeyError('The admin key text does not hold a 32-byte hex private key.', {
      hint: 'Put the key as 64 hex characters (optionally 0x-prefixed) on one line.',
    })
  }
  try {
    return privateKeyToAccount(hex as `0x${string}`)
  } catch (cause) {
    throw new InvalidAdminKeyError('The admin key is not a valid secp256k1 private key.', {
      hint: 'Use another key.',
      cause,
    })
  }
}

/**
 * The account at `m/44'/60'/0'/0/{addressIndex}` of an English BIP-39 mnemonic (checksum checked).
 *
 * @example
 * const admin = AdminKey.fromMnemonic(readFileSync('admin.mnemonic', 'utf8'), { addressIndex: 0 })
 */
export function fromMnemonic(
  text: string,
  { addressIndex = 0 }: { addressIndex?: number | undefined } = {},
): Account {
  const words = text.trim().toLowerCase().split(/\s+/)
  if (!isValidMnemonic(words)) {
    throw new InvalidAdminKeyError('The mnemonic is not a valid English BIP-39 mnemonic.', {
      hint: 'Check the words and their order (12 to 24 words, checksum included).',
    })
  }
  return mnemonicToAccount(words.join(' '), { addressIndex })
}

// BIP-39: each word is 11 bits; the last ENT/32 bits are the first bits of SHA-256(entropy).
function isValidMnemonic(words: string[]): boolean {
  if (![12, 15, 18, 21, 24].includes(words.length)) return false
  let bits = ''
  for (const word of words) {
    const index = english.indexOf(word)
    if (index < 0) return false
    bits += index.toString(2).padStart(11, '0')
  }
  const checksumBits = words.length / 3
  const entropyBits = bits.slice(0, bits.length - checksumBits)
  const entropy = new Uint8Array(entropyBits.length / 8)
  for (let i = 0; i < entropy.length; i++)
    entropy[i] = Number.parseInt(entropyBits.slice(i * 8, i * 8 + 8), 2)
  const digest = sha256(entropy, 'bytes')
  const expected = (digest[0] ?? 0).toString(2).padStart(8, '0').slice(0, checksumBits)
  return expected === bits.slice(bits.length - checksumBits)
}
