import { Calls } from '@airlock/safe'
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'

/**
 * A TimelockController operation as this signer remembers it: the chain, the timelock and the
 * operation id (`hashOperation` / `hashOperationBatch`), as `<chainId>:<timelock>:<id>`.
 */
export type OperationKey = string

/** A `schedule`/`scheduleBatch` or `execute`/`executeBatch` call found in a decoded transaction. */
export type Operation = {
  op: 'schedule' | 'execute'
  key: OperationKey
  /** The operation id the timelock computes. */
  id: Hex
  timelock: Address
  /** Where the call sits in the decoded tree. */
  path: Calls.Path
}

const single = [
  { type: 'address' },
  { type: 'uint256' },
  { type: 'bytes' },
  { type: 'bytes32' },
  { type: 'bytes32' },
] as const
const batch = [
  { type: 'address[]' },
  { type: 'uint256[]' },
  { type: 'bytes[]' },
  { type: 'bytes32' },
  { type: 'bytes32' },
] as const

const kinds: Readonly<Record<string, { op: Operation['op']; batch: boolean }>> = {
  'schedule(address,uint256,bytes,bytes32,bytes32,uint256)': { op: 'schedule', batch: false },
  'scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)': { op: 'schedule', batch: true },
  'execute(address,uint256,bytes,bytes32,bytes32)': { op: 'execute', batch: false },
  'executeBatch(address[],uint256[],bytes[],bytes32,bytes32)': { op: 'execute', batch: true },
}

/**
 * Every timelock schedule and execute call sent by the Safe itself (directly or in a MultiSend), with
 * the operation id the TimelockController derives from its arguments: the same id for the schedule
 * and the execute of one operation.
 *
 * @example
 * Timelock.operations(analysis.calls, { chainId: 1, safe }) // [{ op: 'schedule', id: '0x…', … }]
 */
export function operations(
  root: Calls.Call,
  { chainId, safe }: { chainId: number; safe: Address },
): Operation[] {
  const found: Operation[] = []
  for (const call of Calls.walk(root)) {
    if (call.kind !== 'function' || call.sender.toLowerCase() !== safe.toLowerCase()) continue
    const kind = kinds[call.function.signature]
    if (!kind) continue
    const args = call.function.args.slice(0, 5).map((a) => a.value)
    const encoded = kind.batch
      ? encodeAbiParameters(batch, args as never)
      : encodeAbiParameters(single, args as never)
    const id = keccak256(encoded)
    const timelock = call.to.toLowerCase() as Address
    found.push({ op: kind.op, key: `${chainId}:${timelock}:${id}`, id, timelock, path: call.path })
  }
  return found
}

/**
 * True when `path` lies inside the subtree at `root` (or is `root` itself).
 *
 * @example
 * Timelock.within([0, 1], [0]) // true
 */
export function within(path: Calls.Path, root: Calls.Path): boolean {
  return root.length <= path.length && root.every((index, i) => path[i] === index)
}
