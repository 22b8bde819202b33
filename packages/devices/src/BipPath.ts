import { InvalidPathError } from './errors.ts'

/** One BIP-32 path component: the index below 2^31 and whether it is hardened. */
export type Component = { index: number; hardened: boolean }

const HARDENED_LIMIT = 0x8000_0000
// The Ledger Ethereum app refuses paths deeper than 10 components.
const MAX_DEPTH = 10

/**
 * Parses `m/44'/60'/0'/0/0` (the `m/` is optional, `h` may stand for `'`). Strict, unlike the Ledger
 * library's own parser, which silently drops components it cannot read.
 *
 * @example
 * BipPath.parse("m/44'/60'/0'/0/0") // [{ index: 44, hardened: true }, …]
 */
export function parse(path: string): Component[] {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new InvalidPathError('The derivation path is empty.', {
      hint: "Give a BIP-44 path such as m/44'/60'/0'/0/0.",
    })
  }
  const body = path.trim().replace(/^m\//, '')
  const parts = body.split('/')
  if (parts.length > MAX_DEPTH) {
    throw new InvalidPathError(`The derivation path has ${parts.length} levels; at most ${MAX_DEPTH}.`, {
      hint: "Give a BIP-44 path such as m/44'/60'/0'/0/0.",
    })
  }
  return parts.map((part) => {
    const match = /^(0|[1-9][0-9]*)(['hH]?)$/.exec(part)
    const index = match ? Number(match[1]) : Number.NaN
    if (!match || !Number.isSafeInteger(index) || index >= HARDENED_LIMIT) {
      throw new InvalidPathError(`The derivation path ${JSON.stringify(path)} has a bad level "${part}".`, {
        hint: "Each level is a number below 2^31, with ' for hardened: m/44'/60'/0'/0/0.",
      })
    }
    return { index, hardened: match[2] !== '' }
  })
}

/**
 * The canonical form, with `m/` and `'`: `m/44'/60'/0'/0/0`.
 *
 * @example
 * BipPath.normalize("44h/60h/0h/0/0") // "m/44'/60'/0'/0/0"
 */
export function normalize(path: string): string {
  return `m/${toLedger(path)}`
}

/**
 * The form the Ledger libraries take, without `m/`: `44'/60'/0'/0/0`.
 *
 * @example
 * BipPath.toLedger("m/44'/60'/0'/0/0") // "44'/60'/0'/0/0"
 */
export function toLedger(path: string): string {
  return parse(path)
    .map(({ index, hardened }) => `${index}${hardened ? "'" : ''}`)
    .join('/')
}
