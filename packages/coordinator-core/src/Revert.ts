import { decodeErrorResult, type Hex, isHex, BaseError as ViemBaseError } from 'viem'

/** Safe's revert codes (GS0xx–GS4xx) and what they mean, for operators. */
export const safeCodes: Readonly<Record<string, string>> = {
  GS000: 'Could not finish initialization.',
  GS001: 'The threshold is not set up.',
  GS002: 'The function may only be called via delegatecall.',
  GS010: 'Not enough gas to execute the Safe transaction (safeTxGas).',
  GS011: 'The Safe could not pay the gas refund in ether.',
  GS012: 'The Safe could not pay the gas refund in the token.',
  GS013:
    'The Safe transaction’s own call failed (safeTxGas and gasPrice are 0, so the whole execution reverts).',
  GS020: 'The signatures are too short for the threshold.',
  GS021: 'A contract signature points inside the static signature part.',
  GS022: 'A contract signature’s length is out of bounds.',
  GS023: 'A contract signature’s data is incomplete.',
  GS024: 'A contract owner rejected its signature (EIP-1271).',
  GS025: 'An approved-hash signature’s owner has not approved this hash.',
  GS026:
    'A signature is not from an owner, or the signatures are not sorted by owner (or were made for another nonce or transaction).',
  GS030: 'Only owners can approve a hash.',
  GS031: 'The method can only be called by the Safe itself.',
  GS100: 'Modules are already initialised.',
  GS101: 'Invalid module address.',
  GS102: 'The module is already enabled.',
  GS103: 'Invalid prevModule / module pair.',
  GS104: 'Only an enabled module may call this method.',
  GS200: 'The owners are already set up.',
  GS201: 'The threshold cannot exceed the owner count.',
  GS202: 'The threshold must be at least 1.',
  GS203: 'Invalid owner address.',
  GS204: 'The address is already an owner.',
  GS205: 'Invalid prevOwner / owner pair.',
  GS300: 'The guard does not implement IERC165.',
  GS301: 'The module guard does not implement IERC165.',
  GS400: 'The fallback handler cannot be the Safe itself.',
}

/** A revert, decoded. */
export type Revert = {
  /** `GS026`, the Error(string) text, `Panic(0x11)`, or the 4-byte selector of a custom error. */
  reason: string | undefined
  /** The Safe code when it is one. */
  code: string | undefined
  /** A sentence for operators. */
  message: string
  data: Hex | undefined
}

/**
 * Decodes revert data (Error(string), Panic(uint256) or a custom error) into a reason and a message.
 *
 * @example
 * Revert.decode('0x08c379a0…') // { reason: 'GS026', code: 'GS026', message: 'GS026: A signature is not from an owner…' }
 */
export function decode(data: Hex | undefined): Revert {
  if (data === undefined || data === '0x') {
    return { reason: undefined, code: undefined, message: 'The call reverted without a reason.', data }
  }
  try {
    const decoded = decodeErrorResult({ abi: [], data })
    if (decoded.errorName === 'Error') return fromReason(String(decoded.args?.[0] ?? ''), data)
    if (decoded.errorName === 'Panic') {
      const code = `Panic(0x${BigInt(decoded.args?.[0] as bigint).toString(16)})`
      return { reason: code, code: undefined, message: `The call panicked: ${code}.`, data }
    }
  } catch {
    // A custom error: only its selector can be shown without the target's ABI.
  }
  const selector = data.slice(0, 10)
  return {
    reason: selector,
    code: undefined,
    message: `The call reverted with custom error ${selector}.`,
    data,
  }
}

/**
 * Decodes a revert from a reason string (e.g. what viem decoded already).
 *
 * @example
 * Revert.fromReason('GS013').message
 */
export function fromReason(reason: string, data?: Hex | undefined): Revert {
  const code = /^GS\d{3}$/.test(reason) ? reason : undefined
  const meaning = code === undefined ? undefined : safeCodes[code]
  return {
    reason,
    code,
    message: meaning ? `${code}: ${meaning}` : `The call reverted: ${reason}.`,
    data,
  }
}

/**
 * The revert data inside a viem error from `eth_call` / `estimateGas`, if the node returned any.
 *
 * @example
 * try { await client.call(...) } catch (e) { Revert.decode(Revert.dataOf(e)) }
 */
export function dataOf(error: unknown): Hex | undefined {
  if (!(error instanceof ViemBaseError)) return undefined
  let found: Hex | undefined
  error.walk((e) => {
    const data = (e as { data?: unknown }).data
    if (typeof data === 'string' && isHex(data)) {
      found = data
      return true
    }
    if (data && typeof data === 'object' && typeof (data as { data?: unknown }).data === 'string') {
      found = (data as { data: Hex }).data
      return true
    }
    return false
  })
  return found
}

/** Whether a viem error is an execution revert (as opposed to a transport failure). */
export function isRevert(error: unknown): boolean {
  if (!(error instanceof ViemBaseError)) return false
  return (
    dataOf(error) !== undefined ||
    Boolean(
      error.walk(
        (e) =>
          /revert/i.test((e as Error).message ?? '') && !/fetch|timeout/i.test((e as Error).message ?? ''),
      ),
    )
  )
}
