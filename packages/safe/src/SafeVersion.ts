import { UnsupportedSafeVersionError } from './errors.ts'

/** Every Safe singleton version whose transaction hash Airlock computes. */
export const supported = ['0.1.0', '1.0.0', '1.1.1', '1.2.0', '1.3.0', '1.4.1', '1.5.0'] as const

export type SafeVersion = (typeof supported)[number]

/**
 * Parses a version string (`1.3.0`, `v1.3.0`, `1.3.0+L2`) into a supported Safe version.
 *
 * @example
 * SafeVersion.parse('1.3.0+L2') // '1.3.0'
 */
export function parse(input: unknown): SafeVersion {
  if (typeof input !== 'string') {
    throw new UnsupportedSafeVersionError('The Safe version is missing or not a string.', {
      hint: `Give one of ${supported.join(', ')}.`,
    })
  }
  const core = input.trim().replace(/^v/i, '').replace(/\+L2$/i, '')
  const found = supported.find((version) => version === core)
  if (!found) {
    throw new UnsupportedSafeVersionError(`Safe version "${input}" is not supported.`, {
      hint: `Give one of ${supported.join(', ')} (read it from the Safe's VERSION()).`,
    })
  }
  return found
}

/** Numeric comparison of two supported versions: negative when a < b. */
export function compare(a: SafeVersion, b: SafeVersion): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

/** Before 1.3.0 the EIP-712 domain has no chainId: a signature is valid on every chain. */
export function domainHasChainId(version: SafeVersion): boolean {
  return compare(version, '1.3.0') >= 0
}

/** Safe 0.1.0 named the `baseGas` field `dataGas` in its type hash. */
export function usesDataGas(version: SafeVersion): boolean {
  return version === '0.1.0'
}
