import { type Address, decodeAbiParameters, encodeFunctionData, getAddress, type Hex } from 'viem'
import { MalformedCalldataError } from '../errors.ts'
import type { Operation } from '../SafeTx.ts'

/** One transaction packed in a MultiSend batch. */
export type Transaction = {
  operation: Operation
  to: Address
  value: bigint
  data: Hex
}

/** `multiSend(bytes)`: the same selector for MultiSend and MultiSendCallOnly. */
export const selector = '0x8d80ff0a'

const multiSendAbi = [
  {
    type: 'function',
    name: 'multiSend',
    stateMutability: 'payable',
    inputs: [{ name: 'transactions', type: 'bytes' }],
    outputs: [],
  },
] as const

// operation (1) + to (20) + value (32) + dataLength (32), in hex digits.
const HEADER = 2 * (1 + 20 + 32 + 32)

/**
 * Decodes MultiSend's packed encoding: per transaction `operation uint8 ‖ to address ‖ value uint256 ‖
 * dataLength uint256 ‖ data`. Refuses anything the contract would not execute exactly as shown:
 * truncation, trailing bytes, lengths that overflow the payload, operations other than 0 and 1.
 *
 * @example
 * MultiSend.decodePacked('0x00…') // [{ operation: 0, to: '0x…', value: 0n, data: '0xa9059cbb…' }]
 */
export function decodePacked(packed: Hex): Transaction[] {
  const hex = packed.slice(2).toLowerCase()
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) {
    throw new MalformedCalldataError('The MultiSend payload is not whole bytes of hex.', {
      hint: 'Rebuild the batch with the Safe SDK; do not edit the payload by hand.',
    })
  }
  const out: Transaction[] = []
  let at = 0
  while (at < hex.length) {
    const index = out.length
    if (hex.length - at < HEADER) {
      throw new MalformedCalldataError(
        `The MultiSend payload is truncated in the header of call ${index + 1}.`,
        {
          hint: 'The batch was cut short; rebuild it and send it again.',
          details: `byte offset ${at / 2}: ${(hex.length - at) / 2} bytes left, a header needs ${HEADER / 2}`,
        },
      )
    }
    const op = Number.parseInt(hex.slice(at, at + 2), 16)
    if (op !== 0 && op !== 1) {
      throw new MalformedCalldataError(`Call ${index + 1} of the MultiSend has operation ${op}.`, {
        hint: 'Only 0 (call) and 1 (delegatecall) exist; the batch is corrupt or crafted.',
        details: `byte offset ${at / 2}`,
      })
    }
    const to = getAddress(`0x${hex.slice(at + 2, at + 42)}`)
    const value = BigInt(`0x${hex.slice(at + 42, at + 106)}`)
    const length = BigInt(`0x${hex.slice(at + 106, at + 170)}`)
    const start = at + HEADER
    const left = BigInt((hex.length - start) / 2)
    if (length > left) {
      throw new MalformedCalldataError(
        `Call ${index + 1} of the MultiSend claims ${length} bytes of data but only ${left} remain.`,
        {
          hint: 'The batch was cut short or its length field is corrupt; rebuild it.',
          details: `byte offset ${at / 2}`,
        },
      )
    }
    const end = start + Number(length) * 2
    out.push({ operation: op, to, value, data: `0x${hex.slice(start, end)}` })
    at = end
  }
  return out
}

/**
 * How many transactions a packed payload holds, reading only the length fields (no addresses, no
 * copies), stopping once `limit` is passed: lets the decoder refuse an oversized batch before
 * decoding it. A malformed payload counts as far as it can be read.
 *
 * @example
 * MultiSend.countPacked(payload, { limit: 1000 }) // 2
 */
export function countPacked(
  packed: Hex,
  { limit = Number.POSITIVE_INFINITY }: { limit?: number } = {},
): number {
  const end = packed.length
  let at = 2
  let count = 0
  while (at + HEADER <= end && count <= limit) {
    const length = BigInt(`0x${packed.slice(at + 106, at + 170)}`)
    count++
    if (length > BigInt(end)) break
    at += HEADER + Number(length) * 2
  }
  return count
}

/**
 * `decodePacked` as a result instead of an exception, for the decoder: a payload MultiSend would not
 * execute exactly as shown is non-canonical, with what is wrong in `detail`.
 *
 * @example
 * const packed = MultiSend.tryDecodePacked(payload)
 * if (!packed.ok) console.log(packed.detail)
 */
export function tryDecodePacked(
  packed: Hex,
): { ok: true; transactions: Transaction[] } | { ok: false; detail: string } {
  try {
    return { ok: true, transactions: decodePacked(packed) }
  } catch (error) {
    if (!(error instanceof MalformedCalldataError)) throw error
    return {
      ok: false,
      detail: error.details ? `${error.shortMessage} (${error.details})` : error.shortMessage,
    }
  }
}

/**
 * Decodes the calldata of `multiSend(bytes)` into its transactions.
 *
 * @example
 * MultiSend.decode(tx.data).length // number of calls in the batch
 */
export function decode(data: Hex): Transaction[] {
  if (data.slice(0, 10).toLowerCase() !== selector) {
    throw new MalformedCalldataError('The calldata is not a multiSend(bytes) call.', {
      hint: `A MultiSend batch starts with the selector ${selector}.`,
    })
  }
  return decodePacked(payload(data))
}

/**
 * Extracts the `bytes` argument of `multiSend(bytes)`, as a typed error when the ABI encoding is broken.
 *
 * @example
 * MultiSend.decodePacked(MultiSend.payload(tx.data))
 */
export function payload(data: Hex): Hex {
  try {
    const [transactions] = decodeAbiParameters([{ type: 'bytes' }], `0x${data.slice(10)}`)
    return transactions
  } catch (cause) {
    throw new MalformedCalldataError('The multiSend(bytes) argument is not valid ABI-encoded bytes.', {
      hint: 'The batch is truncated or its offset/length words are corrupt; rebuild it.',
      details: cause instanceof Error ? cause.message.split('\n')[0] : undefined,
      cause,
    })
  }
}

/**
 * Packs transactions as MultiSend expects them (the inverse of `decodePacked`).
 *
 * @example
 * MultiSend.encodePacked([{ operation: 0, to, value: 0n, data: '0x' }])
 */
export function encodePacked(transactions: readonly Transaction[]): Hex {
  let hex = '0x'
  for (const { operation, to, value, data } of transactions) {
    hex += operation.toString(16).padStart(2, '0')
    hex += to.slice(2).toLowerCase()
    hex += value.toString(16).padStart(64, '0')
    hex += ((data.length - 2) / 2).toString(16).padStart(64, '0')
    hex += data.slice(2).toLowerCase()
  }
  return hex as Hex
}

/**
 * The calldata of `multiSend(bytes)` for a batch.
 *
 * @example
 * const data = MultiSend.encode([{ operation: 0, to: token, value: 0n, data: transferData }])
 */
export function encode(transactions: readonly Transaction[]): Hex {
  return encodeFunctionData({
    abi: multiSendAbi,
    functionName: 'multiSend',
    args: [encodePacked(transactions)],
  })
}
