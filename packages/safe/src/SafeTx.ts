import { type Address, getAddress, type Hex, isAddress, maxUint256, zeroAddress } from 'viem'
import { InvalidAddressError, InvalidFieldError, InvalidHexError, InvalidNumberError } from './errors.ts'
import * as SafeVersion from './SafeVersion.ts'

// The address and hex types every Airlock package speaks, so front ends need no viem import for them.
export type { Address, Hex }

export type Operation = 0 | 1

/** The ten fields a Safe's `execTransaction` hashes and executes. */
export type SafeTx = {
  to: Address
  value: bigint
  data: Hex
  /** 0 = CALL, 1 = DELEGATECALL (runs the target's code with the Safe's storage). */
  operation: Operation
  safeTxGas: bigint
  baseGas: bigint
  gasPrice: bigint
  gasToken: Address
  refundReceiver: Address
  nonce: bigint
}

/** Where a SafeTx is executed: the EIP-712 domain depends on all three. */
export type SafeContext = {
  chainId: bigint
  safe: Address
  version: SafeVersion.SafeVersion
}

/** Loose input, as it comes from JSON, a CLI or a QR payload. Missing numbers are 0, addresses zero. */
export type SafeTxInput = {
  to?: unknown
  value?: unknown
  data?: unknown
  operation?: unknown
  safeTxGas?: unknown
  baseGas?: unknown
  /** Safe 0.1.0's name for baseGas; accepted as an alias. */
  dataGas?: unknown
  gasPrice?: unknown
  gasToken?: unknown
  refundReceiver?: unknown
  nonce?: unknown
}

/**
 * Validates and normalises loose input into a SafeTx. Throws a typed error naming the bad field.
 *
 * @example
 * SafeTx.from({ to: '0x…', data: '0x', nonce: '7' })
 */
export function from(input: SafeTxInput): SafeTx {
  if (input === null || typeof input !== 'object') {
    throw new InvalidFieldError('The Safe transaction is not an object.', {
      hint: 'Give the fields to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce.',
    })
  }
  if (input.to === undefined) {
    throw new InvalidFieldError('The Safe transaction has no "to" address.', {
      hint: 'Give the target address.',
    })
  }
  if (input.baseGas !== undefined && input.dataGas !== undefined && input.baseGas !== input.dataGas) {
    throw new InvalidFieldError('Both baseGas and dataGas are given, with different values.', {
      hint: 'Give only one of them (dataGas is Safe 0.1.0’s name for baseGas).',
    })
  }
  return {
    to: parseAddress(input.to, 'to'),
    value: parseUint(input.value ?? 0n, 'value'),
    data: parseHex(input.data ?? '0x', 'data'),
    operation: parseOperation(input.operation ?? 0),
    safeTxGas: parseUint(input.safeTxGas ?? 0n, 'safeTxGas'),
    baseGas: parseUint(input.baseGas ?? input.dataGas ?? 0n, 'baseGas'),
    gasPrice: parseUint(input.gasPrice ?? 0n, 'gasPrice'),
    gasToken: parseAddress(input.gasToken ?? zeroAddress, 'gasToken'),
    refundReceiver: parseAddress(input.refundReceiver ?? zeroAddress, 'refundReceiver'),
    nonce: parseUint(input.nonce ?? 0n, 'nonce'),
  }
}

/** Validates a chain id, Safe address and version. */
export function context(input: { chainId: unknown; safe: unknown; version: unknown }): SafeContext {
  const chainId = parseUint(input.chainId, 'chainId')
  if (chainId === 0n) {
    throw new InvalidNumberError('chainId is 0.', {
      hint: 'Give the chain id of the Safe’s network (1 for Ethereum).',
    })
  }
  return {
    chainId,
    safe: parseAddress(input.safe, 'safe'),
    version: SafeVersion.parse(input.version),
  }
}

/**
 * The arguments of the Safe's `execTransaction` for this transaction and a signatures blob, in ABI order.
 *
 * @example
 * encodeFunctionData({ abi, functionName: 'execTransaction', args: SafeTx.execTransactionArgs(tx, blob) })
 */
export function execTransactionArgs(tx: SafeTx, signatures: Hex) {
  return [
    tx.to,
    tx.value,
    tx.data,
    tx.operation,
    tx.safeTxGas,
    tx.baseGas,
    tx.gasPrice,
    tx.gasToken,
    tx.refundReceiver,
    signatures,
  ] as const
}

/**
 * True when `value` has the shape of an address (0x and 40 hex digits, any case). Says nothing about the
 * EIP-55 checksum: `parseAddress` checks that. For telling an address from a name before parsing it.
 *
 * @example
 * SafeTx.looksLikeAddress('treasury') // false
 */
export function looksLikeAddress(value: unknown): value is string {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)
}

/** Parses an address; accepts any case but refuses a mixed-case string with a wrong EIP-55 checksum. */
export function parseAddress(value: unknown, field: string): Address {
  if (!looksLikeAddress(value)) {
    throw new InvalidAddressError(`${field} is not an address: ${describe(value)}.`, {
      hint: 'Give a 0x-prefixed, 20-byte hex address.',
    })
  }
  const body = value.slice(2)
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase()
  if (mixed && !isAddress(value, { strict: true })) {
    throw new InvalidAddressError(`${field} has a wrong EIP-55 checksum: ${value}.`, {
      hint: 'Check the address for typos; copy it again from a trusted source.',
    })
  }
  return getAddress(value.toLowerCase())
}

/** Parses 0x-prefixed hex of even length (any case), returning lowercase. */
export function parseHex(value: unknown, field: string, { bytes }: { bytes?: number | undefined } = {}): Hex {
  if (typeof value !== 'string' || !value.startsWith('0x')) {
    throw new InvalidHexError(`${field} is not 0x-prefixed hex: ${describe(value)}.`, {
      hint: 'Give 0x-prefixed hex, two digits per byte.',
    })
  }
  if (!/^0x[0-9a-fA-F]*$/.test(value)) {
    throw new InvalidHexError(`${field} contains characters that are not hex digits.`, {
      hint: 'Only 0-9 and a-f may follow 0x.',
    })
  }
  if (value.length % 2 !== 0) {
    throw new InvalidHexError(`${field} has an odd number of hex digits (${value.length - 2}).`, {
      hint: 'Each byte is two hex digits; a digit is missing or extra.',
    })
  }
  if (bytes !== undefined && value.length !== 2 + bytes * 2) {
    throw new InvalidHexError(`${field} is ${(value.length - 2) / 2} bytes long, expected ${bytes}.`, {
      hint: `Give exactly ${bytes} bytes.`,
    })
  }
  return value.toLowerCase() as Hex
}

/** Parses a uint256 from a bigint, a safe integer, or a decimal or 0x-hex string. */
export function parseUint(value: unknown, field: string): bigint {
  let parsed: bigint | undefined
  if (typeof value === 'bigint') parsed = value
  else if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value)
  else if (typeof value === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(value.trim())) {
    parsed = BigInt(value.trim())
  }
  if (parsed === undefined) {
    throw new InvalidNumberError(`${field} is not a whole number: ${describe(value)}.`, {
      hint: 'Give a non-negative integer in decimal (or 0x-hex).',
    })
  }
  if (parsed < 0n || parsed > maxUint256) {
    throw new InvalidNumberError(`${field} is out of range for uint256: ${parsed}.`, {
      hint: 'Give a value between 0 and 2^256-1.',
    })
  }
  return parsed
}

function parseOperation(value: unknown): Operation {
  if (value === 0 || value === '0' || value === 0n) return 0
  if (value === 1 || value === '1' || value === 1n) return 1
  throw new InvalidFieldError(`operation must be 0 (call) or 1 (delegatecall), got ${describe(value)}.`, {
    hint: 'Use 0 unless the transaction must run the target’s code in the Safe’s context.',
  })
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  if (typeof value === 'bigint') return `${value}n`
  if (value === undefined) return 'missing'
  return JSON.stringify(value) ?? String(value)
}
