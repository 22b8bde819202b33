import { getAddress, type Hex, hexToBytes } from 'viem'
import { parseHex, type SafeContext, type SafeTx } from './SafeTx.ts'
import type { SafeTxHashes } from './SafeTxHash.ts'
import * as SafeTxHash from './SafeTxHash.ts'

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

/** How the Ethereum app is asked to sign: the typed data in full, or only its two hashes. */
export type Mode = 'full' | 'hashed'

/** One screen (or one title/value pair of a long review) of the Ledger Ethereum app. */
export type Screen = {
  title: string
  value: string
  /** The value continues behind "More" / further pages: only `value` is what the device shows first. */
  more: boolean
}

// The Ethereum app formats each EIP-712 value into a 100-byte buffer (`strings.tmp.tmp`, 99 characters
// and a NUL): bytes become `0x` + hex of as many bytes as fit, and a truncated value ends in `...`
// (app-ethereum `ui_712_format_bytes`). A SafeTx's `data` is the one field long enough to be cut.
const VALUE_CHARS = 99

function bytesValue(data: Hex): { value: string; more: boolean } {
  const hex = data.slice(2).toLowerCase()
  const fit = Math.floor((VALUE_CHARS - 2) / 2)
  if (hex.length / 2 <= fit) return { value: `0x${hex}`, more: false }
  const shown = `0x${hex.slice(0, fit * 2)}`
  return { value: `${shown.slice(0, VALUE_CHARS - 3)}...`, more: true }
}

function fieldValue(type: string, value: unknown): { value: string; more: boolean } {
  if (type === 'bytes') return bytesValue(value as Hex)
  if (type === 'address') return { value: getAddress(value as string), more: false }
  // Integers in decimal: value in wei, operation as a number, nonce and gas fields as they are.
  return { value: String(value), more: false }
}

/**
 * The screens the Ledger Ethereum app (1.22) shows for a SafeTx, in order, so the signer can compare
 * them one by one. `full`: a Safe transaction has no clear-signing descriptor, so the app reviews the
 * raw typed data behind a "Blind signing ahead" warning: the domain struct, then every SafeTx field in
 * the type's order (value in wei, `data` cut to its first bytes with `...`, operation as a number),
 * then the message hash. `hashed`: the domain hash and the message hash only.
 *
 * @example
 * LedgerDisplay.screens({ tx, context, mode: 'full' }).map((s) => `${s.title}: ${s.value}`)
 * // ['Blind signing ahead: …', 'Review struct: EIP712Domain', 'chainId: 1', …, 'operation: 0', …]
 */
export function screens({ tx, context, mode }: { tx: SafeTx; context: SafeContext; mode: Mode }): Screen[] {
  const hashes = SafeTxHash.compute({ tx, context })
  const warning: Screen = {
    title: 'Blind signing ahead',
    value: 'The device cannot show what this signature does: compare every screen with this review.',
    more: false,
  }
  if (mode === 'hashed') {
    return [
      warning,
      { title: 'Domain hash', value: hash(hashes.domainHash), more: false },
      { title: 'Message hash', value: hash(hashes.messageHash), more: false },
      { title: 'Sign message', value: '', more: false },
    ]
  }
  const typed = SafeTxHash.typedData({ tx, context })
  const types = typed.types as Record<string, readonly { name: string; type: string }[]>
  const out: Screen[] = [warning]
  const struct = (name: string, values: Record<string, unknown>) => {
    out.push({ title: 'Review struct', value: name, more: false })
    for (const field of types[name] ?? []) {
      out.push({ title: field.name, ...fieldValue(field.type, values[field.name]) })
    }
  }
  struct('EIP712Domain', typed.domain as Record<string, unknown>)
  struct('SafeTx', typed.message as Record<string, unknown>)
  out.push({ title: 'Message hash', value: hash(hashes.messageHash), more: false })
  out.push({ title: 'Sign message', value: '', more: false })
  return out
}

/**
 * The screens as text, one `title: value` line each (`[More]` where the device has more to show).
 *
 * @example
 * console.log(LedgerDisplay.screensText(LedgerDisplay.screens({ tx, context, mode: 'hashed' })))
 */
export function screensText(list: readonly Screen[]): string {
  return list
    .map(
      (screen, i) =>
        `${String(i + 1).padStart(2)}. ${screen.title}${screen.value ? `: ${screen.value}` : ''}${screen.more ? ' [More]' : ''}`,
    )
    .join('\n')
}
