// crypto-keypath (BCR-2020-007, tag 304): { 1: [index, hardened, ...], ?2: source-fingerprint, ?3: depth }.
// Keystone checks the source fingerprint against its own master key before it signs.
import { type CborMap, describe, KEYPATH_TAG, Tagged } from './cbor.ts'
import { KeystoneMalformedError, KeystoneRequestParameterError } from './errors.ts'

const HARDENED = 0x80000000

/** Parses `m/44'/60'/0'/0/0` (also `M/…`, no `m/`, `h` for hardened) into components. */
function parsePath(path: string): { index: number; hardened: boolean }[] {
  if (typeof path !== 'string') {
    throw new KeystoneRequestParameterError('The derivation path is not a string.', {
      hint: "Give a BIP-32 path like m/44'/60'/0'/0/0.",
    })
  }
  const body = path.trim().replace(/^[mM]\/?/, '')
  if (body === '') {
    throw new KeystoneRequestParameterError('The derivation path is empty.', {
      hint: "Give the owner key's path, like m/44'/60'/0'/0/0.",
    })
  }
  return body.split('/').map((part) => {
    const match = /^(0|[1-9][0-9]*)(['hH]?)$/.exec(part)
    const index = match ? Number(match[1]) : Number.NaN
    if (!match || !Number.isSafeInteger(index) || index >= HARDENED) {
      throw new KeystoneRequestParameterError(
        `The derivation path ${JSON.stringify(path)} has a bad step "${part}".`,
        {
          hint: "Each step is a number below 2^31, with ' for hardened, like m/44'/60'/0'/0/0.",
        },
      )
    }
    return { index, hardened: match[2] !== '' }
  })
}

/**
 * Parses a fingerprint given as a uint32 or as 8 hex digits (with or without 0x).
 *
 * @example
 * parseFingerprint('73c5da0a') // 0x73c5da0a
 */
export function parseFingerprint(value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value
  if (typeof value === 'string' && /^(0x)?[0-9a-fA-F]{8}$/.test(value)) {
    return Number.parseInt(value.replace(/^0x/, ''), 16)
  }
  throw new KeystoneRequestParameterError(
    `The source fingerprint is not 4 bytes: ${JSON.stringify(value)}.`,
    {
      hint: 'Give the master key fingerprint from the Keystone sync QR, like 73c5da0a.',
    },
  )
}

/**
 * The tagged crypto-keypath value for a path and source fingerprint.
 *
 * @example
 * toCbor({ path: "m/44'/60'/0'/0/0", sourceFingerprint: 0x73c5da0a })
 */
export function toCbor({ path, sourceFingerprint }: { path: string; sourceFingerprint: number }): Tagged {
  const components = parsePath(path).flatMap(({ index, hardened }) => [index, hardened])
  return new Tagged(
    KEYPATH_TAG,
    new Map<number, unknown>([
      [1, components],
      [2, sourceFingerprint],
    ]),
  )
}

/**
 * Reads a tagged crypto-keypath back into a path string and fingerprint.
 *
 * @example
 * fromCbor(field(map, 5), 'sign request') // { path: "m/44'/60'/0'/0/0", sourceFingerprint: 1942346250 }
 */
export function fromCbor(
  value: unknown,
  what: string,
): { path: string; sourceFingerprint: number | undefined } {
  const malformed = (problem: string) =>
    new KeystoneMalformedError(`The ${what}'s derivation path ${problem}.`, {
      hint: 'Scan the QR code again; the message is not ERC-4527.',
      details: `derivation-path: ${describe(value)}`,
    })
  if (!(value instanceof Tagged) || value.tag !== KEYPATH_TAG || !(value.value instanceof Map)) {
    throw malformed('is not a tagged crypto-keypath')
  }
  const map = value.value as CborMap
  const components = map.get(1)
  if (!Array.isArray(components) || components.length % 2 !== 0) throw malformed('has no component list')
  const steps: string[] = []
  for (let i = 0; i < components.length; i += 2) {
    const index: unknown = components[i]
    const hardened: unknown = components[i + 1]
    if (typeof hardened !== 'boolean') throw malformed('has a component without a hardened flag')
    // An empty array is a wildcard step (BCR-2020-007); a signer never signs with one, but it decodes.
    const isWildcard = Array.isArray(index) && index.length === 0
    if (
      !isWildcard &&
      !(typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < HARDENED)
    ) {
      throw malformed('has a component index out of range')
    }
    steps.push(`${isWildcard ? '*' : index}${hardened ? "'" : ''}`)
  }
  const fingerprint = map.get(2)
  if (
    fingerprint !== undefined &&
    !(
      typeof fingerprint === 'number' &&
      Number.isInteger(fingerprint) &&
      fingerprint >= 0 &&
      fingerprint <= 0xffffffff
    )
  ) {
    throw malformed('has a source fingerprint that is not a uint32')
  }
  return { path: `m/${steps.join('/')}`, sourceFingerprint: fingerprint }
}
