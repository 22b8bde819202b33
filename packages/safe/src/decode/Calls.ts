import { BaseError } from '@airlock/errors'
import type { AbiParameter, Address, Hex } from 'viem'
import { RequestTooComplexError } from '../errors.ts'
import type { Operation, SafeContext, SafeTx } from '../SafeTx.ts'
import * as SafeTxHash from '../SafeTxHash.ts'
import * as Signature from '../Signature.ts'
import * as Abis from './Abis.ts'
import * as Action from './Action.ts'
import * as Effects from './Effects.ts'
import * as KnownContracts from './KnownContracts.ts'
import * as MultiSend from './MultiSend.ts'
import * as OrgConfig from './OrgConfig.ts'
import * as StrictAbi from './StrictAbi.ts'

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
  /** A transaction of another Safe, executed through its execTransaction (or approved with approveHash, when shown). */
  | 'nested-safe-tx'
  /** A transaction a module makes a Safe execute. */
  | 'module-tx'
  /** The initialisation call of a proxy upgrade (runs the new implementation's code). */
  | 'upgrade-call'

/** One decoded argument, with its ABI parameter (components of a struct included). */
export type Arg = { name: string; type: string; value: unknown; abi: AbiParameter }

/** A call whose selector matched a known function and whose arguments decoded. */
export type DecodedFunction = {
  name: string
  /** Canonical signature, e.g. `transfer(address,uint256)`. */
  signature: string
  args: readonly Arg[]
  /** Arguments by name (`arg0`, `arg1`… for unnamed ones). */
  named: Readonly<Record<string, unknown>>
  source: 'builtin' | 'user'
  /** Always true: calldata that is not the canonical encoding of its arguments is an unknown node. */
  canonical: true
}

/** Why a call could not be decoded. */
export type UnknownReason =
  | 'unknown-selector'
  /** 1 to 3 bytes of data: no selector at all. */
  | 'short-data'
  /** The selector is known but the calldata is not the canonical encoding of its arguments. */
  | 'non-canonical-encoding'
  /** The arguments decode but cannot be what the function takes (timelock lists of different lengths …). */
  | 'malformed-arguments'
  /** A delegatecall without data: runs the target's fallback in the Safe's storage. */
  | 'empty-delegatecall'
  /** Not decoded: the request is beyond the analysis budget. */
  | 'too-complex'

/**
 * Another Safe's transaction that this one approves with `approveHash`, given in full so the signer
 * can decode it: opened as the call's child only when it hashes (with its own Safe's domain) to the
 * approved hash.
 */
export type ApprovedTx = { context: SafeContext; tx: SafeTx }

/** The inner Safe transaction of a nested `execTransaction` (or a shown `approveHash`), as the other Safe will run it. */
export type NestedSafeTx = {
  /** The Safe that executes it (the called contract). */
  safe: Address
  safeTxGas: bigint
  baseGas: bigint
  gasPrice: bigint
  gasToken: Address
  refundReceiver: Address
  /** The signatures passed along (v=1 entries are "approved by msg.sender"), when they parse. */
  signatures: readonly Signature.Signature[] | undefined
  /** Why the signatures do not parse, if they do not. */
  signaturesError: string | undefined
}

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
  /** For `execTransaction` on another Safe: the rest of the inner SafeTx (its call is the only child). */
  nested: NestedSafeTx | undefined
  children: readonly Call[]
}

/** A node of the call tree: what one call does, with the calls it contains. */
export type Call = CallBase &
  (
    | { kind: 'native-transfer' }
    | { kind: 'function'; function: DecodedFunction }
    | {
        kind: 'unknown'
        reason: UnknownReason
        /** The function the selector names, when known (non-canonical or malformed arguments). */
        signature: string | undefined
        /** What exactly is wrong, for the review. */
        detail: string | undefined
      }
  )

/** Limits on the work one decode may do; beyond them it is refused as `Safe.RequestTooComplexError`. */
export type Budget = {
  /** Calls nested inside calls (batch in batch, Safe in Safe …). */
  maxDepth: number
  /** Call nodes in the whole tree, checked before a container's children are decoded. */
  maxCalls: number
  /** Bytes of the transaction's calldata. */
  maxBytes: number
  /** Decoded ABI values (arguments, array elements) over the whole tree. */
  maxValues: number
}

/** Real batches stay far below: a 500-transfer payroll is 77 KB and 501 calls. */
export const defaultBudget: Budget = {
  maxDepth: 16,
  maxCalls: 1_000,
  maxBytes: 256 * 1024,
  maxValues: 50_000,
}

/** Nesting beyond this is refused: real batches are shallow, and recursion must stay bounded. */
export const maxDepth = defaultBudget.maxDepth

export type DecodeParameters = {
  tx: SafeTx
  context: SafeContext
  org?: OrgConfig.OrgConfig | undefined
  /** Built once with `Abis.registry(...)` and reused; the built-in ABIs when absent. */
  abis?: Abis.Registry | undefined
  budget?: Partial<Budget> | undefined
  /** Inner transactions of other Safes this one may approve with `approveHash`; see `ApprovedTx`. */
  approved?: readonly ApprovedTx[] | undefined
}

type Env = {
  safe: Address
  chainId: bigint
  /** `ApprovedTx` by `safe:safeTxHash` (lowercase), hashed once. */
  approved: ReadonlyMap<string, SafeTx>
  org: OrgConfig.OrgConfig
  abis: Abis.Registry
  budget: Budget
  calls: number
  counter: StrictAbi.Counter
}
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
 * Arguments are decoded strictly (`StrictAbi`): calldata that is not the canonical encoding of a known
 * function is an unknown node (`non-canonical-encoding`), never a lenient reading. Throws
 * `Safe.RequestTooComplexError` when the request exceeds the budget (checked before the work).
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
  budget: limits,
  approved = [],
}: DecodeParameters): Call {
  const budget = { ...defaultBudget, ...limits }
  const bytes = (tx.data.length - 2) / 2
  if (bytes > budget.maxBytes) {
    throw new RequestTooComplexError(
      `The calldata is ${bytes} bytes, above the signer’s limit of ${budget.maxBytes}.`,
      { hint: 'Split the request into smaller transactions.' },
    )
  }
  const env: Env = {
    safe: context.safe,
    chainId: context.chainId,
    approved: approvedIndex(approved),
    org,
    abis,
    budget,
    calls: 1,
    counter: { values: 0, maxValues: budget.maxValues },
  }
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
    unknownReason: call.kind === 'unknown' ? call.reason : undefined,
    selector: call.selector,
    named: call.kind === 'function' ? call.function.named : undefined,
    operation: call.operation,
    action: call.action,
  }
  return { ...call, effect: Effects.classify({ site, org: env.org }) } as Call
}

type Unclassified = Call extends infer C ? (C extends Call ? Omit<C, 'effect'> : never) : never

function build(env: Env, frame: Frame): Unclassified {
  if (frame.path.length > env.budget.maxDepth) {
    throw new RequestTooComplexError(
      `The transaction nests calls more than ${env.budget.maxDepth} levels deep.`,
      {
        hint: 'Real batches are shallow; refuse this transaction.',
        details: `at call ${formatPath(frame.path)}`,
      },
    )
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
    nested: undefined,
  }
  const unknown = (
    reason: UnknownReason,
    selector: Hex | undefined,
    signature?: string | undefined,
    detail?: string | undefined,
  ): Unclassified => ({
    ...base,
    selector,
    kind: 'unknown',
    reason,
    signature,
    detail,
    action: none,
    children: [],
  })
  const bytes = (frame.data.length - 2) / 2
  if (bytes === 0) {
    if (frame.operation === 1) return unknown('empty-delegatecall', undefined)
    return {
      ...base,
      selector: undefined,
      kind: 'native-transfer',
      action: { type: 'native-transfer', to: frame.to, amount: frame.value },
      children: [],
    }
  }
  if (bytes < 4) return unknown('short-data', undefined)
  const selector = frame.data.slice(0, 10) as Hex
  const entry = Abis.lookup(env.abis, frame.to, selector)
  if (!entry) return unknown('unknown-selector', selector)
  const decoded = StrictAbi.decode({
    params: entry.item.inputs,
    data: `0x${frame.data.slice(10)}`,
    counter: env.counter,
  })
  if (!decoded.ok) return unknown('non-canonical-encoding', selector, entry.signature, decoded.detail)
  const values = decoded.values
  const open = containers[entry.signature]
  let opened: Opened = { ok: true, children: [] }
  if (open) {
    opened = open(values, frame, env)
    if (!opened.ok) return unknown(opened.reason, selector, entry.signature, opened.detail)
    // Checked before any child is decoded: a batch cannot make the signer do more than the budget.
    env.calls += opened.children.length
    if (env.calls > env.budget.maxCalls) tooManyCalls(env, frame.path)
  }
  const fn: DecodedFunction = {
    name: entry.item.name,
    signature: entry.signature,
    args: entry.item.inputs.map((input, i) => ({
      name: input.name || `arg${i}`,
      type: input.type,
      value: values[i],
      abi: input,
    })),
    named: Object.fromEntries(entry.item.inputs.map((input, i) => [input.name || `arg${i}`, values[i]])),
    source: entry.source,
    canonical: true,
  }
  const site: Action.Site = {
    to: frame.to,
    sender: frame.sender,
    standard: env.org.knownContracts.get(frame.to)?.standard,
    operation: frame.operation,
  }
  const action = Action.interpret(entry.signature, values, site)
  const children = opened.children.map((child, i) => node(env, { ...child, path: [...frame.path, i] }))
  return {
    ...base,
    nested: opened.nested,
    selector,
    kind: 'function',
    function: fn,
    action,
    children,
  }
}

const none: Action.Action = { type: 'none' }

function tooManyCalls(env: Env, path: Path): never {
  throw new RequestTooComplexError(
    `The transaction holds more than ${env.budget.maxCalls} calls (at call ${formatPath(path)}).`,
    { hint: 'Split the batch into smaller transactions.' },
  )
}

type Child = Omit<Frame, 'path'>
type Opened =
  | { ok: true; children: Child[]; nested?: NestedSafeTx | undefined }
  | { ok: false; reason: 'non-canonical-encoding' | 'malformed-arguments'; detail: string }
type Opener = (args: readonly unknown[], parent: Frame, env: Env) => Opened

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
      return {
        ok: false,
        reason: 'malformed-arguments',
        detail: `${targets.length} targets, ${values.length} values and ${payloads.length} payloads: the timelock would revert`,
      }
    }
    return {
      ok: true,
      children: targets.map((to, i) => ({
        origin,
        sender: parent.to,
        to,
        value: values[i] ?? 0n,
        operation: 0,
        data: (payloads[i] ?? '0x').toLowerCase() as Hex,
      })),
    }
  }

const timelockSingle =
  (origin: Origin): Opener =>
  (args, parent) => ({
    ok: true,
    children: [
      {
        origin,
        sender: parent.to,
        to: args[0] as Address,
        value: args[1] as bigint,
        operation: 0,
        data: (args[2] as Hex).toLowerCase() as Hex,
      },
    ],
  })

const innerSafeTx =
  (origin: Origin, withGas: boolean): Opener =>
  (args, parent) => {
    const operation = Number(args[3])
    if (operation !== 0 && operation !== 1) {
      return {
        ok: false,
        reason: 'malformed-arguments',
        detail: `operation ${operation}: only 0 (call) and 1 (delegatecall) exist; the Safe would revert`,
      }
    }
    let nested: NestedSafeTx | undefined
    if (withGas) {
      let signatures: Signature.Signature[] | undefined
      let signaturesError: string | undefined
      try {
        signatures = Signature.parse(args[9] as Hex)
      } catch (error) {
        signaturesError = error instanceof BaseError ? error.shortMessage : 'unreadable signatures'
      }
      nested = {
        safe: parent.to,
        safeTxGas: args[4] as bigint,
        baseGas: args[5] as bigint,
        gasPrice: args[6] as bigint,
        gasToken: args[7] as Address,
        refundReceiver: args[8] as Address,
        signatures,
        signaturesError,
      }
    }
    return {
      ok: true,
      nested,
      children: [
        {
          origin,
          // The inner transaction runs as the called Safe: its funds, its storage.
          sender: parent.to,
          to: args[0] as Address,
          value: args[1] as bigint,
          operation,
          data: (args[2] as Hex).toLowerCase() as Hex,
        },
      ],
    }
  }

function approvedIndex(approved: readonly ApprovedTx[]): Map<string, SafeTx> {
  const out = new Map<string, SafeTx>()
  for (const { context, tx } of approved) {
    const { safeTxHash } = SafeTxHash.compute({ tx, context })
    out.set(`${context.chainId}:${context.safe.toLowerCase()}:${safeTxHash.toLowerCase()}`, tx)
  }
  return out
}

// approveHash(h) on another Safe: opened only when the request gave the transaction that hashes to h
// with that Safe's own domain (same chain); then it is that Safe's transaction, as with execTransaction.
const approvedSafeTx: Opener = (args, parent, env) => {
  if (parent.operation !== 0 || parent.to === parent.sender) return { ok: true, children: [] }
  const key = `${env.chainId}:${parent.to.toLowerCase()}:${String(args[0]).toLowerCase()}`
  const inner = env.approved.get(key)
  if (!inner) return { ok: true, children: [] }
  return {
    ok: true,
    nested: {
      safe: parent.to,
      safeTxGas: inner.safeTxGas,
      baseGas: inner.baseGas,
      gasPrice: inner.gasPrice,
      gasToken: inner.gasToken,
      refundReceiver: inner.refundReceiver,
      signatures: undefined,
      signaturesError: undefined,
    },
    children: [
      {
        origin: 'nested-safe-tx',
        sender: parent.to,
        to: inner.to,
        value: inner.value,
        operation: inner.operation,
        data: inner.data.toLowerCase() as Hex,
      },
    ],
  }
}

const upgradeCall =
  (proxyIndex: number | undefined, dataIndex: number): Opener =>
  (args, parent) => {
    const data = (args[dataIndex] as Hex).toLowerCase() as Hex
    if (data === '0x') return { ok: true, children: [] }
    const proxy = proxyIndex === undefined ? parent.to : (args[proxyIndex] as Address)
    return {
      ok: true,
      children: [{ origin: 'upgrade-call', sender: proxy, to: proxy, value: 0n, operation: 0, data }],
    }
  }

/** Functions whose arguments carry further calls, opened as children. */
const containers: Readonly<Record<string, Opener>> = {
  'multiSend(bytes)': (args, parent, env) => {
    // Counted from the length fields alone, before any transaction is decoded.
    const left = env.budget.maxCalls - env.calls
    if (MultiSend.countPacked(args[0] as Hex, { limit: left }) > left) tooManyCalls(env, parent.path)
    const packed = MultiSend.tryDecodePacked(args[0] as Hex)
    if (!packed.ok) return { ok: false, reason: 'non-canonical-encoding', detail: packed.detail }
    const sender = batchSender(parent)
    return { ok: true, children: packed.transactions.map((t) => ({ origin: 'multisend', sender, ...t })) }
  },
  'schedule(address,uint256,bytes,bytes32,bytes32,uint256)': timelockSingle('timelock-scheduled'),
  'scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)': timelockBatch('timelock-scheduled'),
  'execute(address,uint256,bytes,bytes32,bytes32)': timelockSingle('timelock-executed'),
  'executeBatch(address[],uint256[],bytes[],bytes32,bytes32)': timelockBatch('timelock-executed'),
  'execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)': innerSafeTx(
    'nested-safe-tx',
    true,
  ),
  'approveHash(bytes32)': approvedSafeTx,
  'execTransactionFromModule(address,uint256,bytes,uint8)': innerSafeTx('module-tx', false),
  'execTransactionFromModuleReturnData(address,uint256,bytes,uint8)': innerSafeTx('module-tx', false),
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
