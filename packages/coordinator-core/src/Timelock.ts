import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  parseAbi,
  stringToHex,
  zeroHash,
} from 'viem'
import type { Call } from './Build.ts'
import { type Client, rpc } from './Chain.ts'
import { InvalidActionError } from './errors.ts'

/** The OpenZeppelin TimelockController functions the coordinator uses. */
export const abi = parseAbi([
  'function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay)',
  'function scheduleBatch(address[] targets, uint256[] values, bytes[] payloads, bytes32 predecessor, bytes32 salt, uint256 delay)',
  'function execute(address target, uint256 value, bytes payload, bytes32 predecessor, bytes32 salt) payable',
  'function executeBatch(address[] targets, uint256[] values, bytes[] payloads, bytes32 predecessor, bytes32 salt) payable',
  'function cancel(bytes32 id)',
  'function getMinDelay() view returns (uint256)',
  'function getTimestamp(bytes32 id) view returns (uint256)',
  'function isOperationReady(bytes32 id) view returns (bool)',
  'function isOperationDone(bytes32 id) view returns (bool)',
  'function hasRole(bytes32 role, address account) view returns (bool)',
])

export const roles = {
  proposer: keccak256(stringToHex('PROPOSER_ROLE')),
  executor: keccak256(stringToHex('EXECUTOR_ROLE')),
  canceller: keccak256(stringToHex('CANCELLER_ROLE')),
} as const

/** One timelocked operation: the calls it runs later and what makes its id unique. */
export type Operation = {
  timelock: Address
  calls: readonly Call[]
  /** An operation that must be done first; zero for none. */
  predecessor?: Hex | undefined
  /** Distinguishes otherwise identical operations. */
  salt?: Hex | undefined
}

function normalize({ timelock, calls, predecessor = zeroHash, salt = zeroHash }: Operation) {
  if (calls.length === 0) {
    throw new InvalidActionError('The timelock operation has no call.', { hint: 'Give at least one call.' })
  }
  return { timelock: getAddress(timelock), calls, predecessor, salt }
}

/**
 * The operation id the TimelockController computes (`hashOperation`, or `hashOperationBatch` for
 * several calls), offline.
 *
 * @example
 * const id = Timelock.operationId({ timelock, calls: [call], salt })
 */
export function operationId(operation: Operation): Hex {
  const { calls, predecessor, salt } = normalize(operation)
  if (calls.length === 1) {
    const [call] = calls as [Call]
    return keccak256(
      encodeAbiParameters(
        [
          { type: 'address' },
          { type: 'uint256' },
          { type: 'bytes' },
          { type: 'bytes32' },
          { type: 'bytes32' },
        ],
        [call.to, call.value, call.data, predecessor, salt],
      ),
    )
  }
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'address[]' },
        { type: 'uint256[]' },
        { type: 'bytes[]' },
        { type: 'bytes32' },
        { type: 'bytes32' },
      ],
      [calls.map((c) => c.to), calls.map((c) => c.value), calls.map((c) => c.data), predecessor, salt],
    ),
  )
}

/**
 * The call that schedules an operation (`schedule` / `scheduleBatch`), made by a Safe with the
 * PROPOSER role. `delay` must be at least the timelock's minimum delay.
 *
 * @example
 * const call = Timelock.schedule({ timelock, calls: [upgrade], delay: 172800n })
 */
export function schedule(operation: Operation & { delay: bigint }): Call {
  const { timelock, calls, predecessor, salt } = normalize(operation)
  const data =
    calls.length === 1
      ? encodeFunctionData({
          abi,
          functionName: 'schedule',
          args: [calls[0]!.to, calls[0]!.value, calls[0]!.data, predecessor, salt, operation.delay],
        })
      : encodeFunctionData({
          abi,
          functionName: 'scheduleBatch',
          args: [
            calls.map((c) => c.to),
            calls.map((c) => c.value),
            calls.map((c) => c.data),
            predecessor,
            salt,
            operation.delay,
          ],
        })
  return { to: timelock, value: 0n, data }
}

/**
 * The call that executes a scheduled operation once its delay has passed (`execute` / `executeBatch`),
 * sent by an EXECUTOR (or anyone when the role is open). It carries the operation's total value.
 *
 * @example
 * const call = Timelock.execute({ timelock, calls: [upgrade] })
 */
export function execute(operation: Operation): Call {
  const { timelock, calls, predecessor, salt } = normalize(operation)
  const value = calls.reduce((sum, c) => sum + c.value, 0n)
  const data =
    calls.length === 1
      ? encodeFunctionData({
          abi,
          functionName: 'execute',
          args: [calls[0]!.to, calls[0]!.value, calls[0]!.data, predecessor, salt],
        })
      : encodeFunctionData({
          abi,
          functionName: 'executeBatch',
          args: [
            calls.map((c) => c.to),
            calls.map((c) => c.value),
            calls.map((c) => c.data),
            predecessor,
            salt,
          ],
        })
  return { to: timelock, value, data }
}

/**
 * The call that cancels a pending operation; the sender (the guardian Safe) needs the CANCELLER role.
 *
 * @example
 * const call = Timelock.cancel({ timelock, id })
 */
export function cancel({ timelock, id }: { timelock: Address; id: Hex }): Call {
  return {
    to: getAddress(timelock),
    value: 0n,
    data: encodeFunctionData({ abi, functionName: 'cancel', args: [id] }),
  }
}

/** Where an operation stands on chain. */
export type OperationState = {
  id: Hex
  status: 'unset' | 'pending' | 'ready' | 'done'
  /** Unix seconds from which it may execute (0 when unset, 1 when done). */
  readyAt: bigint
  minDelay: bigint
}

/**
 * Reads an operation's status and the timelock's minimum delay.
 *
 * @example
 * const { status, readyAt } = await Timelock.read({ client, timelock, id })
 */
export async function read({
  client,
  timelock,
  id,
}: {
  client: Client
  timelock: Address
  id: Hex
}): Promise<OperationState> {
  const at = { address: getAddress(timelock), abi } as const
  const [timestamp, ready, minDelay] = await rpc(
    () =>
      Promise.all([
        client.readContract({ ...at, functionName: 'getTimestamp', args: [id] }),
        client.readContract({ ...at, functionName: 'isOperationReady', args: [id] }),
        client.readContract({ ...at, functionName: 'getMinDelay' }),
      ]),
    { what: `timelock operation ${id}` },
  )
  const status = timestamp === 0n ? 'unset' : timestamp === 1n ? 'done' : ready ? 'ready' : 'pending'
  return { id, status, readyAt: timestamp, minDelay }
}

/**
 * Whether `account` holds a role on the timelock (e.g. the guardian Safe's CANCELLER role).
 *
 * @example
 * await Timelock.hasRole({ client, timelock, role: Timelock.roles.canceller, account: guardian })
 */
export async function hasRole({
  client,
  timelock,
  role,
  account,
}: {
  client: Client
  timelock: Address
  role: Hex
  account: Address
}): Promise<boolean> {
  return rpc(
    () =>
      client.readContract({
        address: getAddress(timelock),
        abi,
        functionName: 'hasRole',
        args: [role, account],
      }),
    { what: 'a timelock role' },
  )
}
