import { type Address, decodeAbiParameters, encodeAbiParameters, type Hex } from 'viem'
import { MalformedCalldataError } from '../errors.ts'
import type { Operation, SafeContext, SafeTx } from '../SafeTx.ts'
import * as Abis from './Abis.ts'
import * as Action from './Action.ts'
import * as Effects from './Effects.ts'
import * as KnownContracts from './KnownContracts.ts'
import * as MultiSend from './MultiSend.ts'
import * as OrgConfig from './OrgConfig.ts'

/** Where a call sits in the tree: indices of children from the root (`[]`). `[2, 0]` = 1st call inside the 3rd. */
export type Path = readonly number[]

/** How a call is reached, which decides who sends it and whether it runs now. */
export type Origin =
  /** The Safe transaction itself. */
  | 'safe-tx'
  /** One transaction of a MultiSend batch. */
  | 'multisend'
  /** Queued in a TimelockController (runs later, sent by the timelock). */
  | 'timelock-scheduled'
  /** Executed now by a TimelockController. */
  | 'timelock-executed'
  /** A transaction of another Safe, executed through its execTransaction. */
  | 'nested-safe-tx'
  /** A transaction a module makes a Safe execute. */
  | 'module-tx'
  /** The initialisation call of a proxy upgrade (runs the new implementation's code). */
  | 'upgrade-call'

/** One decoded argument. */
export type Arg = { name: string; type: string; value: unknown }

/** A call whose selector matched a known function and whose arguments decoded. */
export type DecodedFunction = {
  name: string
  /** Canonical signature, e.g. `transfer(address,uint256)`. */
  signature: string
  args: readonly Arg[]
  /** Arguments by name (`arg0`, `arg1`… for unnamed ones). */
  named: Readonly<Record<string, unknown>>
  source: 'builtin' | 'user'
  /** False when the calldata is not the standard encoding of these arguments (extra bytes, dirty padding). */
  canonical: boolean
}

/** Why a call could not be decoded. */
export type UnknownReason =
  | 'unknown-selector'
  /** 1 to 3 bytes of data: no selector at all. */
  | 'short-data'
  /** The selector is known but the arguments do not decode as that function's. */
  | 'malformed-arguments'
  /** A delegatecall without data: runs the target's fallback in the Safe's storage. */
  | 'empty-delegatecall'

type CallBase = {
  path: Path
  origin: Origin
  /** Who the call comes from: msg.sender for a call, the storage owner for a delegatecall. */
  sender: Address
  to: Address
  /** The label the signer shows for `to` (org config, then Safe's pinned deployments). */
  label: string | undefined
  value: bigint
  operation: Operation
  data: Hex
  /** The first 4 bytes of data, lowercase; undefined when data is shorter. */
  selector: Hex | undefined
  action: Action.Action
  /** What the call does, as one effect class (see `Effects`): the one source of outflows and allowances. */
  effect: Effects.Effect
  children: readonly Call[]
}

/** A node of the call tree: what one call does, with the calls it contains. */
export type Call = CallBase &
  (
    | { kind: 'native-transfer' }
    | { kind: 'function'; function: DecodedFunction }
    | { kind: 'unknown'; reason: UnknownReason }
  )

export type DecodeParameters = {
  tx: SafeTx
  context: SafeContext
  org?: OrgConfig.OrgConfig | undefined
  /** Built once with `Abis.registry(...)` and reused; the built-in ABIs when absent. */
  abis?: Abis.Registry | undefined
}

/** Nesting beyond this is refused: real batches are shallow, and recursion must stay bounded. */
export const maxDepth = 16

type Env = { safe: Address; org: OrgConfig.OrgConfig; abis: Abis.Registry }
type Frame = {
  path: Path
  origin: Origin
  sender: Address
  to: Address
  value: bigint
  operation: Operation
  data: Hex
}

/**
 * Decodes a Safe transaction into its call tree, offline: every MultiSend batch, timelock operation,
 * nested Safe transaction and upgrade call is opened, and anything unknown stays as an explicit node.
 * Throws `MalformedCalldataError` when a container (batch, timelock, nested transaction) cannot be read.
 *
 * @example
 * const root = Calls.decode({ tx, context })
 * root.children.map((call) => call.kind === 'function' ? call.function.signature : call.kind)
 */
export function decode({
  tx,
  context,
  org = OrgConfig.empty,
  abis = Abis.defaultRegistry,
}: DecodeParameters): Call {
  const env: Env = { safe: context.safe, org, abis }
  return node(env, {
    path: [],
    origin: 'safe-tx',
    sender: context.safe,
    to: tx.to,
    value: tx.value,
    operation: tx.operation,
    data: tx.data.toLowerCase() as Hex,
  })
}

function node(env: Env, frame: Frame): Call {
  const call = build(env, frame)
  const site: Effects.Site = {
    to: call.to,
    sender: call.sender,
    kind: call.kind,
    signature: call.kind === 'function' ? call.function.signature : undefined,
    operation: call.operation,
    action: call.action,
    canonical: call.kind !== 'function' || call.function.canonical,
  }
  return { ...call, effect: Effects.classify({ site, org: env.org }) } as Call
}

type Unclassified = Call extends infer C ? (C extends Call ? Omit<C, 'effect'> : never) : never

function build(env: Env, frame: Frame): Unclassified {
  if (frame.path.length > maxDepth) {
    throw new MalformedCalldataError(`The transaction nests calls more than ${maxDepth} levels deep.`, {
      hint: 'Real batches are shallow; refuse this transaction.',
      details: `at call ${formatPath(frame.path)}`,
    })
  }
  const base = {
    path: frame.path,
    origin: frame.origin,
    sender: frame.sender,
    to: frame.to,
    label: labelOf(env, frame.to),
    value: frame.value,
    operation: frame.operation,
    data: frame.data,
  }
  const bytes = (frame.data.length - 2) / 2
  if (bytes === 0) {
    if (frame.operation === 1) {
      return {
        ...base,
        selector: undefined,
        kind: 'unknown',
        reason: 'empty-delegatecall',
        action: none,
        children: [],
      }
    }
    return {
      ...base,
      selector: undefined,
      kind: 'native-transfer',
      action: { type: 'native-transfer', to: frame.to, amount: frame.value },
      children: [],
    }
  }
  if (bytes < 4) {
    return { ...base, selector: undefined, kind: 'unknown', reason: 'short-data', action: none, children: [] }
  }
  const selector = frame.data.slice(0, 10) as Hex
  const entry = Abis.lookup(env.abis, frame.to, selector)
  if (!entry) {
    return { ...base, selector, kind: 'unknown', reason: 'unknown-selector', action: none, children: [] }
  }
  const encodedArgs = `0x${frame.data.slice(10)}` as Hex
  let values: readonly unknown[]
  try {
    values = decodeAbiParameters(entry.item.inputs, encodedArgs)
  } catch (cause) {
    if (containers[entry.signature]) {
      throw new MalformedCalldataError(
        `Call ${formatPath(frame.path)} (${entry.signature}) cannot be decoded.`,
        {
          hint: 'Its arguments are truncated or corrupt, so the calls inside cannot be shown; rebuild it.',
          details: cause instanceof Error ? cause.message.split('\n')[0] : undefined,
          cause,
        },
      )
    }
    return { ...base, selector, kind: 'unknown', reason: 'malformed-arguments', action: none, children: [] }
  }
  const fn: DecodedFunction = {
    name: entry.item.name,
    signature: entry.signature,
    args: entry.item.inputs.map((input, i) => ({
      name: input.name || `arg${i}`,
      type: input.type,
      value: values[i],
    })),
    named: Object.fromEntries(entry.item.inputs.map((input, i) => [input.name || `arg${i}`, values[i]])),
    source: entry.source,
    canonical: isCanonical(entry.item.inputs, values, encodedArgs),
  }
  const site: Action.Site = {
    to: frame.to,
    sender: frame.sender,
    standard: env.org.knownContracts.get(frame.to)?.standard,
    operation: frame.operation,
  }
  const action = Action.interpret(entry.signature, values, site)
  const open = containers[entry.signature]
  const children = open
    ? open(values, frame).map((child, i) => node(env, { ...child, path: [...frame.path, i] }))
    : []
  return { ...base, selector, kind: 'function', function: fn, action, children }
}

const none: Action.Action = { type: 'none' }

function isCanonical(inputs: Abis.FunctionEntry['item']['inputs'], values: readonly unknown[], encoded: Hex) {
  try {
    return encodeAbiParameters(inputs, values) === encoded
  } catch {
    return false
  }
}

type Child = Omit<Frame, 'path'>
type Opener = (args: readonly unknown[], parent: Frame) => Child[]

// A delegatecalled batch runs in the caller's storage, so its calls come from the caller;
// a called batch sends them from the batch contract itself.
const batchSender = (parent: Frame) => (parent.operation === 1 ? parent.sender : parent.to)

const timelockBatch =
  (origin: Origin): Opener =>
  (args, parent) => {
    const targets = args[0] as readonly Address[]
    const values = args[1] as readonly bigint[]
    const payloads = args[2] as readonly Hex[]
    if (targets.length !== values.length || targets.length !== payloads.length) {
      throw new MalformedCalldataError(
        `Timelock batch at call ${formatPath(parent.path)} has ${targets.length} targets, ${values.length} values and ${payloads.length} payloads.`,
        { hint: 'The timelock would revert; the three lists must have the same length.' },
      )
    }
    return targets.map((to, i) => ({
      origin,
      sender: parent.to,
      to,
      value: values[i] ?? 0n,
      operation: 0,
      data: (payloads[i] ?? '0x').toLowerCase() as Hex,
    }))
  }

const timelockSingle =
  (origin: Origin): Opener =>
  (args, parent) => [
    {
      origin,
      sender: parent.to,
      to: args[0] as Address,
      value: args[1] as bigint,
      operation: 0,
      data: (args[2] as Hex).toLowerCase() as Hex,
    },
  ]

const innerSafeTx =
  (origin: Origin): Opener =>
  (args, parent) => {
    const operation = Number(args[3])
    if (operation !== 0 && operation !== 1) {
      throw new MalformedCalldataError(
        `Call ${formatPath(parent.path)} asks a Safe for operation ${operation}.`,
        {
          hint: 'Only 0 (call) and 1 (delegatecall) exist; the Safe would revert.',
        },
      )
    }
    return [
      {
        origin,
        sender: parent.to,
        to: args[0] as Address,
        value: args[1] as bigint,
        operation,
        data: (args[2] as Hex).toLowerCase() as Hex,
      },
    ]
  }

const upgradeCall =
  (proxyIndex: number | undefined, dataIndex: number): Opener =>
  (args, parent) => {
    const data = (args[dataIndex] as Hex).toLowerCase() as Hex
    if (data === '0x') return []
    const proxy = proxyIndex === undefined ? parent.to : (args[proxyIndex] as Address)
    return [{ origin: 'upgrade-call', sender: proxy, to: proxy, value: 0n, operation: 0, data }]
  }

/** Functions whose arguments carry further calls, opened as children. */
const containers: Readonly<Record<string, Opener>> = {
  'multiSend(bytes)': (args, parent) => {
    let transactions: MultiSend.Transaction[]
    try {
      transactions = MultiSend.decodePacked(args[0] as Hex)
    } catch (error) {
      if (!(error instanceof MalformedCalldataError) || parent.path.length === 0) throw error
      throw new MalformedCalldataError(
        `${error.shortMessage} (in the batch at call ${formatPath(parent.path)})`,
        {
          hint: error.hint,
          details: error.details,
          cause: error,
        },
      )
    }
    const sender = batchSender(parent)
    return transactions.map((t) => ({ origin: 'multisend', sender, ...t }))
  },
  'schedule(address,uint256,bytes,bytes32,bytes32,uint256)': timelockSingle('timelock-scheduled'),
  'scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)': timelockBatch('timelock-scheduled'),
  'execute(address,uint256,bytes,bytes32,bytes32)': timelockSingle('timelock-executed'),
  'executeBatch(address[],uint256[],bytes[],bytes32,bytes32)': timelockBatch('timelock-executed'),
  'execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)':
    innerSafeTx('nested-safe-tx'),
  'execTransactionFromModule(address,uint256,bytes,uint8)': innerSafeTx('module-tx'),
  'execTransactionFromModuleReturnData(address,uint256,bytes,uint8)': innerSafeTx('module-tx'),
  'upgradeToAndCall(address,bytes)': upgradeCall(undefined, 1),
  'upgradeAndCall(address,address,bytes)': upgradeCall(0, 2),
}

function labelOf(env: Env, address: Address): string | undefined {
  if (address === env.safe) return 'this Safe'
  return OrgConfig.label(env.org, address) ?? KnownContracts.get(address)?.label
}

/**
 * Every call of the tree, depth first, parents before children.
 *
 * @example
 * for (const call of Calls.walk(root)) console.log(Calls.formatPath(call.path), call.to)
 */
export function* walk(root: Call): Generator<Call> {
  yield root
  for (const child of root.children) yield* walk(child)
}

/**
 * A path as people read it: `root` for the transaction, `2.0` for the 1st call inside the 3rd.
 *
 * @example
 * Calls.formatPath([2, 0]) // '2.0'
 */
export function formatPath(path: Path): string {
  return path.length === 0 ? 'root' : path.join('.')
}

/**
 * The call at a path, if any.
 *
 * @example
 * Calls.at(root, [2])?.to
 */
export function at(root: Call, path: Path): Call | undefined {
  let current: Call | undefined = root
  for (const index of path) current = current?.children[index]
  return current
}
