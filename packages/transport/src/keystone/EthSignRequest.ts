// ERC-4527 `eth-sign-request` (CBOR tag 401): what Airlock shows a Keystone so it signs a Safe transaction.
// Airlock always sends the SafeTx as EIP-712 typed data, so the device shows and hashes every field itself.
import { Json } from '@airlock/errors'
import { type SafeContext, SafeTx, SafeTxHash } from '@airlock/safe'
import { type Address, bytesToHex, getAddress, hexToBytes } from 'viem'
import { UrTypeMismatchError } from '../errors.ts'
import * as Ur from '../Ur.ts'
import {
  decodeMap,
  encodeCbor,
  field,
  optionalText,
  optionalUint,
  optionalUuid,
  requireBytes,
  Tagged,
  UUID_TAG,
} from './cbor.ts'
import { KeystoneDataTypeError, KeystoneMalformedError, KeystoneRequestParameterError } from './errors.ts'
import * as KeyPath from './keyPath.ts'
import * as Uuid from './uuid.ts'

/** The UR type of a sign request. */
export const urType = 'eth-sign-request'

/** ERC-4527 data types. Airlock sends `typedData`; the others are decoded but never produced. */
export const DataType = {
  /** Legacy transaction, RLP-encoded. */
  transaction: 1,
  /** EIP-712 typed data as UTF-8 JSON (eth_signTypedData_v4 shape). */
  typedData: 2,
  /** Raw bytes for personal_sign (EIP-191). */
  personalMessage: 3,
  /** EIP-2718 typed transaction. */
  typedTransaction: 4,
} as const

export type DataType = (typeof DataType)[keyof typeof DataType]

const DATA_TYPES: readonly number[] = Object.values(DataType)

/** A decoded or to-be-encoded `eth-sign-request`. */
export type EthSignRequest = {
  /** UUID binding the signature to this request; Airlock always sets it. */
  requestId?: string | undefined
  signData: Uint8Array
  dataType: DataType
  chainId?: bigint | undefined
  /** BIP-32 path of the signing key, like `m/44'/60'/0'/0/0`. */
  path: string
  /** Master key fingerprint (uint32) of the wallet that holds the key. */
  sourceFingerprint?: number | undefined
  /** The address expected to sign (the Safe owner). */
  address?: Address | undefined
  /** Who asks, shown on the device. */
  origin?: string | undefined
}

/** The typed data as carried in `signData` (JSON: numbers as decimal strings, bytes as hex). */
export type TypedDataJson = {
  types: Record<string, { name: string; type: string }[]>
  primaryType: string
  domain: Record<string, unknown>
  message: Record<string, unknown>
}

export type FromSafeTxParameters = {
  tx: SafeTx.SafeTx
  context: SafeContext
  /** Owner key's path on the Keystone, like `m/44'/60'/0'/0/0`. */
  path: string
  /** Master fingerprint from the Keystone sync QR: uint32 or 8 hex digits. */
  sourceFingerprint: number | string
  /** The Safe owner expected to sign. */
  address: string
  /** Give one to make the request reproducible; a random v4 UUID otherwise. */
  requestId?: string | undefined
  origin?: string | undefined
}

const UINT64_MAX = (1n << 64n) - 1n

/**
 * An `eth-sign-request` asking a Keystone to sign a Safe transaction as EIP-712 typed data.
 *
 * @example
 * const request = EthSignRequest.fromSafeTx({
 *   tx, context: { chainId: 1n, safe, version: '1.4.1' },
 *   path: "m/44'/60'/0'/0/0", sourceFingerprint: '73c5da0a', address: owner,
 * })
 * const cbor = EthSignRequest.encode(request)
 */
export function fromSafeTx({
  tx,
  context,
  path,
  sourceFingerprint,
  address,
  requestId,
  origin = 'Airlock',
}: FromSafeTxParameters): EthSignRequest {
  if (context.chainId < 1n || context.chainId > UINT64_MAX) {
    throw new KeystoneRequestParameterError(
      `The chain id ${context.chainId} does not fit a Keystone request.`,
      {
        hint: 'Give the chain id of the Safe’s network (between 1 and 2^64-1).',
      },
    )
  }
  // Validate now so a bad path or id fails here, not when the QR is drawn.
  KeyPath.toCbor({ path, sourceFingerprint: 0 })
  const id = requestId ?? Uuid.random()
  Uuid.parse(id)
  return {
    requestId: id.toLowerCase(),
    signData: new TextEncoder().encode(safeTypedDataJson({ tx, context })),
    dataType: DataType.typedData,
    chainId: context.chainId,
    path,
    sourceFingerprint: KeyPath.parseFingerprint(sourceFingerprint),
    address: SafeTx.parseAddress(address, 'address'),
    origin,
  }
}

/**
 * The Safe transaction as the JSON a Keystone parses for typed data (eth_signTypedData_v4 shape).
 * uint256 values become decimal strings so nothing loses precision; chainId stays a number when it
 * safely can, as wallets send it.
 *
 * @example
 * const json = EthSignRequest.safeTypedDataJson({ tx, context })
 */
export function safeTypedDataJson({ tx, context }: { tx: SafeTx.SafeTx; context: SafeContext }): string {
  const typed = SafeTxHash.typedData({ tx, context })
  const chainId = typed.domain?.chainId
  const domain = {
    ...(chainId === undefined ? {} : { chainId: toJsonInteger(BigInt(chainId)) }),
    verifyingContract: typed.domain?.verifyingContract,
  }
  const json = { types: typed.types, primaryType: typed.primaryType, domain, message: typed.message }
  return JSON.stringify(json, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  )
}

/**
 * The canonical CBOR of a request (keys in ascending order, as Keystone's registry writes them).
 *
 * @example
 * const cbor = EthSignRequest.encode(request)
 */
export function encode(request: EthSignRequest): Uint8Array {
  if (!DATA_TYPES.includes(request.dataType)) {
    throw new KeystoneDataTypeError(`Data type ${String(request.dataType)} is not an ERC-4527 data type.`, {
      hint: 'Use EthSignRequest.DataType.typedData for Safe transactions.',
    })
  }
  if (request.sourceFingerprint === undefined) {
    throw new KeystoneRequestParameterError('The request has no source fingerprint.', {
      hint: 'Give the master fingerprint from the Keystone sync QR; the device refuses requests without it.',
    })
  }
  const map = new Map<number, unknown>()
  if (request.requestId !== undefined) map.set(1, new Tagged(UUID_TAG, Uuid.parse(request.requestId)))
  map.set(2, request.signData)
  map.set(3, request.dataType)
  if (request.chainId !== undefined) map.set(4, request.chainId)
  map.set(
    5,
    KeyPath.toCbor({
      path: request.path,
      sourceFingerprint: KeyPath.parseFingerprint(request.sourceFingerprint),
    }),
  )
  if (request.address !== undefined) map.set(6, hexToBytes(SafeTx.parseAddress(request.address, 'address')))
  if (request.origin !== undefined) map.set(7, request.origin)
  return encodeCbor(map)
}

/**
 * Decodes the CBOR of an `eth-sign-request` (ours or another wallet's). Throws typed errors.
 *
 * @example
 * const request = EthSignRequest.decode(cbor)
 * request.dataType === EthSignRequest.DataType.typedData
 */
export function decode(cbor: Uint8Array): EthSignRequest {
  const what = 'sign request'
  const map = decodeMap(cbor, what)
  const dataType = field(map, 3)
  if (typeof dataType !== 'number' || !DATA_TYPES.includes(dataType)) {
    throw new KeystoneDataTypeError(`The sign request has an unknown data type: ${String(dataType)}.`, {
      hint: 'ERC-4527 data types are 1 (transaction), 2 (typed data), 3 (personal message), 4 (typed transaction).',
    })
  }
  const requestId = optionalUuid(field(map, 1), what)
  const { path, sourceFingerprint } = KeyPath.fromCbor(field(map, 5), what)
  const address = field(map, 6)
  return {
    requestId: requestId === undefined ? undefined : Uuid.format(requestId),
    signData: requireBytes(field(map, 2), 'sign-data', what),
    dataType: dataType as DataType,
    chainId: optionalUint(field(map, 4), 'chain id', what),
    path,
    sourceFingerprint,
    address: decodeAddress(address),
    origin: optionalText(field(map, 7), 'origin', what),
  }
}

/**
 * Decodes a scanned UR after checking it is an `eth-sign-request`.
 *
 * @example
 * const request = EthSignRequest.fromUr({ type: 'eth-sign-request', payload: cbor })
 */
export function fromUr(ur: Ur.UrResult): EthSignRequest {
  if (ur.type !== urType) {
    throw new UrTypeMismatchError(`Expected an eth-sign-request QR code, got "${ur.type}".`, {
      hint: 'Scan the sign request, not another QR code.',
    })
  }
  return decode(ur.payload)
}

/**
 * The request as one single-part `UR:ETH-SIGN-REQUEST/…` string. For a QR code, animate it instead
 * with `Ur.encode({ type: EthSignRequest.urType, payload: EthSignRequest.encode(request) })`.
 *
 * @example
 * const text = EthSignRequest.toUr(request) // 'UR:ETH-SIGN-REQUEST/…'
 */
export function toUr(request: EthSignRequest): string {
  return Ur.encodeSingle({ type: urType, payload: encode(request) })
}

/**
 * The typed data of a typed-data request, parsed from its JSON.
 *
 * @example
 * const { domain, message } = EthSignRequest.typedData(request)
 */
export function typedData(request: EthSignRequest): TypedDataJson {
  if (request.dataType !== DataType.typedData) {
    throw new KeystoneDataTypeError(
      `The sign request carries data type ${request.dataType}, not typed data (2).`,
      {
        hint: 'Airlock only handles EIP-712 typed-data requests for Safe transactions.',
      },
    )
  }
  let json: unknown
  try {
    json = Json.parse(request.signData, { what: 'typed data' })
  } catch (error) {
    throw new KeystoneMalformedError('The typed data in the sign request is not UTF-8 JSON.', {
      hint: 'The request was not made by an EIP-712-aware wallet; build it again.',
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
  if (!isTypedDataJson(json)) {
    throw new KeystoneMalformedError('The typed data lacks types, primaryType, domain or message.', {
      hint: 'The request does not carry eth_signTypedData_v4 data; build it again.',
    })
  }
  return json
}

function isTypedDataJson(value: unknown): value is TypedDataJson {
  if (value === null || typeof value !== 'object') return false
  const { types, primaryType, domain, message } = value as Record<string, unknown>
  const isObject = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x)
  return isObject(types) && typeof primaryType === 'string' && isObject(domain) && isObject(message)
}

function decodeAddress(value: unknown): Address | undefined {
  if (value === undefined) return undefined
  const bytes = requireBytes(value, 'address', 'sign request')
  // Keystone's SDK writes an empty byte string when no address is given; it means "none".
  if (bytes.length === 0) return undefined
  if (bytes.length !== 20) {
    throw new KeystoneMalformedError(`The sign request's address is ${bytes.length} bytes, not 20.`, {
      hint: 'Scan the QR code again; the message is not ERC-4527.',
    })
  }
  return getAddress(bytesToHex(bytes))
}

function toJsonInteger(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
}
