import { type Hex, hexToBytes } from 'viem'
import { parseHex } from './SafeTx.ts'
import type { SafeTxHashes } from './SafeTxHash.ts'

// The formats below follow the hash verification tools owners compare their Ledger screen with:
// pcaversaccio/safe-tx-hashes-util `safe_hashes.sh` (`format_hash`, `print_hash_info`: "the same
// formatting for Domain hash and Message hash as a Ledger hardware device", i.e. `0x` then
// upper-case hex, as the Ethereum app shows both hashes when blind-signing EIP-712), and its fork
// Cyfrin/safe-tx-hashes, whose `print_hash_info` adds the "Legacy Ledger Format" binary string
// literal: the safeTxHash bytes as older Ledger firmware shows an `eth_sign` of them (printable
// ASCII as is, every other byte as `\xNN`).

/** The three hashes as a Ledger (and safe_hashes.sh) shows them. */
export type LedgerHashes = {
  /** `0x` + upper-case hex: the device's "Domain hash" screen. */
  domainHash: string
  /** `0x` + upper-case hex: the device's "Message hash" screen. */
  messageHash: string
  /** Lower-case hex, as the Safe UI and safe_hashes.sh print it. */
  safeTxHash: string
  /** The safeTxHash as legacy Ledger firmware shows an `eth_sign` of it. */
  binaryStringLiteral: string
}

/**
 * A 32-byte hash as the Ledger Ethereum app shows the EIP-712 domain and message hashes:
 * lower-case `0x`, upper-case digits.
 *
 * @example
 * LedgerDisplay.hash('0x1cf7f9b1…') // '0x1CF7F9B1…'
 */
export function hash(value: Hex): string {
  const hex = parseHex(value, 'hash', { bytes: 32 })
  return `0x${hex.slice(2).toUpperCase()}`
}

/**
 * The "Legacy Ledger Format" binary string literal of a hash: each byte in 0x20–0x7e as its ASCII
 * character, every other byte as `\x` + two lower-case hex digits (Perl's `[:print:]` on bytes).
 *
 * @example
 * LedgerDisplay.binaryStringLiteral('0x41ff…') // 'A\xff…'
 */
export function binaryStringLiteral(value: Hex): string {
  const bytes = hexToBytes(parseHex(value, 'hash', { bytes: 32 }))
  let out = ''
  for (const byte of bytes) {
    out +=
      byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`
  }
  return out
}

/**
 * All three hashes in the forms a Ledger user compares.
 *
 * @example
 * LedgerDisplay.fromHashes(SafeTxHash.compute({ tx, context })).messageHash // '0xD9109EA6…'
 */
export function fromHashes({ domainHash, messageHash, safeTxHash }: SafeTxHashes): LedgerHashes {
  return {
    domainHash: hash(domainHash),
    messageHash: hash(messageHash),
    safeTxHash: parseHex(safeTxHash, 'safeTxHash', { bytes: 32 }),
    binaryStringLiteral: binaryStringLiteral(safeTxHash),
  }
}

/**
 * The hashes block exactly as safe_hashes.sh prints it on a plain terminal (with the Cyfrin fork's
 * legacy section when `legacy` is set), so an owner can diff it line by line.
 *
 * @example
 * LedgerDisplay.text(hashes)
 * // '> Hashes:\nDomain hash: 0x…\nMessage hash: 0x…\nSafe transaction hash: 0x…'
 */
export function text(
  hashes: SafeTxHashes,
  { legacy = false }: { legacy?: boolean | undefined } = {},
): string {
  const shown = fromHashes(hashes)
  const lines = [
    '> Hashes:',
    `Domain hash: ${shown.domainHash}`,
    `Message hash: ${shown.messageHash}`,
    `Safe transaction hash: ${shown.safeTxHash}`,
  ]
  if (!legacy) return lines.join('\n')
  return [
    '> Legacy Ledger Format:',
    `Binary string literal: ${shown.binaryStringLiteral}`,
    '',
    ...lines,
  ].join('\n')
}
