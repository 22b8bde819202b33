// The one place in apps/cli that imports viem: formatting for printing only. Every check (addresses,
// amounts, hex, signatures) lives in the core packages, which the commands call; apps/cli/src/noViem.test.ts
// fails if another CLI source imports viem.
import { bytesToHex, formatUnits, getAddress } from 'viem'

/**
 * An amount in base units as a decimal string in the asset's units (printing only; the transaction keeps
 * base units).
 *
 * @example
 * units(1_500_000n, 6) // '1.5'
 */
export function units(value: bigint, decimals: number): string {
  return formatUnits(value, decimals)
}

/**
 * Bytes as 0x-prefixed lowercase hex, for printing.
 *
 * @example
 * hex(new Uint8Array([1, 2])) // '0x0102'
 */
export function hex(bytes: Uint8Array): `0x${string}` {
  return bytesToHex(bytes)
}

/**
 * An address already parsed by a core package, printed with its EIP-55 checksum.
 *
 * @example
 * checksummed('0x00000000000000000000000000000000000a11ce') // '0x00000000000000000000000000000000000A11ce'
 */
export function checksummed(address: `0x${string}`): `0x${string}` {
  return getAddress(address)
}
