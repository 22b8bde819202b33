import { MultiSend } from '@airlock/safe'
import {
  type Abi,
  type AbiFunction,
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  parseAbi,
  parseAbiItem,
  toFunctionSelector,
  zeroAddress,
} from 'viem'
import * as Args from './Args.ts'
import { previous, type SafeState, sentinel } from './Chain.ts'
import type * as Config from './Config.ts'
import { InvalidActionError } from './errors.ts'

/** One plain call the Safe makes (operation 0). Builders return these; `Action.prepare` wraps them. */
export type Call = { to: Address; value: bigint; data: Hex }

/** A call the Safe makes with a given operation: the batch wrapper is the only delegatecall we build. */
export type SafeCall = Call & { operation: 0 | 1 }

const erc20Abi = parseAbi(['function transfer(address to, uint256 amount) returns (bool)'])
const ownerAbi = parseAbi([
  'function addOwnerWithThreshold(address owner, uint256 _threshold)',
  'function removeOwner(address prevOwner, address owner, uint256 _threshold)',
  'function swapOwner(address prevOwner, address oldOwner, address newOwner)',
  'function changeThreshold(uint256 _threshold)',
  'function enableModule(address module)',
  'function disableModule(address prevModule, address module)',
  'function setGuard(address guard)',
  'function setFallbackHandler(address handler)',
])
const pauseAbi = parseAbi(['function pause()'])

const fail: Args.ErrorFactory = (message, hint, field) =>
  new InvalidActionError(message, { hint, details: `field ${field}` })

function address(value: unknown, field: string): Address {
  return Args.coerce({ type: 'address', name: field }, value, field, fail) as Address
}
function amount(value: unknown, field: string): bigint {
  return Args.coerce({ type: 'uint256', name: field }, value, field, fail) as bigint
}

/**
 * Sends the chain's native coin.
 *
 * @example
 * Build.nativeTransfer({ to: '0x…', amount: 10n ** 18n })
 */
export function nativeTransfer({ to, amount: value }: { to: string; amount: bigint | string }): Call {
  const amountWei = amount(value, 'amount')
  if (amountWei === 0n) {
    throw new InvalidActionError('The transfer amount is 0.', { hint: 'Give the amount in wei.' })
  }
  return { to: address(to, 'to'), value: amountWei, data: '0x' }
}

/**
 * `token.transfer(to, amount)`, amount in the token's base units.
 *
 * @example
 * Build.erc20Transfer({ token: usdc, to: payroll, amount: 5_000_000000n })
 */
export function erc20Transfer({
  token,
  to,
  amount: value,
}: {
  token: string
  to: string
  amount: bigint | string
}): Call {
  const recipient = address(to, 'to')
  if (recipient === zeroAddress) {
    throw new InvalidActionError('The recipient is the zero address.', { hint: 'Give the real recipient.' })
  }
  return {
    to: address(token, 'token'),
    value: 0n,
    data: encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [recipient, amount(value, 'amount')],
    }),
  }
}

export type ContractCallParameters = {
  to: string
  /** A human-readable signature: `function setFee(uint256 fee)` or `setFee(uint256)`. */
  signature?: string | undefined
  /** Or an ABI with `functionName` (overloads: give the signature instead). */
  abi?: Abi | undefined
  functionName?: string | undefined
  /** Loose values (strings from a form or JSON are converted by the parameter types). */
  args?: readonly unknown[] | undefined
  value?: bigint | string | undefined
  /**
   * ENS names the caller resolved at its block (name as written → address; `Ens.resolveAll`), taken
   * for `to` and wherever an argument is an address. `namesIn` lists the ones to resolve.
   */
  names?: ReadonlyMap<string, Address> | undefined
}

/**
 * A call of any contract function, from an ABI or a human-readable signature plus arguments.
 *
 * @example
 * Build.contractCall({ to: vault, signature: 'function setFee(uint256 fee)', args: ['30'] })
 */
export function contractCall({
  to,
  signature,
  abi,
  functionName,
  args = [],
  value = 0n,
  names,
}: ContractCallParameters): Call {
  const fn = resolveFunction({ signature, abi, functionName })
  if (args.length !== fn.inputs.length) {
    throw new InvalidActionError(
      `${fn.name} takes ${fn.inputs.length} argument(s); ${args.length} were given.`,
      {
        hint: `Give ${fn.inputs.map((i) => `${i.type} ${i.name ?? ''}`.trim()).join(', ') || 'no arguments'}.`,
      },
    )
  }
  const typed = fn.inputs.map((input, i) =>
    Args.coerce(input, args[i], input.name || `args[${i}]`, fail, names),
  )
  const payable = fn.stateMutability === 'payable'
  const wei = amount(value, 'value')
  if (wei > 0n && !payable) {
    throw new InvalidActionError(`${fn.name} is not payable, but a value of ${wei} wei is attached.`, {
      hint: 'Send no value, or check the function signature.',
    })
  }
  return {
    to: Args.coerce({ type: 'address', name: 'to' }, to, 'to', fail, names) as Address,
    value: wei,
    data: encodeFunctionData({ abi: [fn], functionName: fn.name, args: typed }),
  }
}

/**
 * The texts of a contract call that stand where an address goes but are not addresses (`to` and
 * address arguments, in lists and tuples too): the ENS names to resolve before `contractCall`.
 * A call whose function does not parse lists only `to`; `contractCall` reports the function.
 *
 * @example
 * Build.namesIn({ to: 'vault.acme.eth', signature: 'transfer(address,uint256)', args: ['bob.eth', '1'] })
 * // ['vault.acme.eth', 'bob.eth']
 */
export function namesIn({
  to,
  signature,
  abi,
  functionName,
  args = [],
}: Omit<ContractCallParameters, 'names' | 'value'>): string[] {
  const texts = Args.addressTexts({ type: 'address' }, to)
  let fn: AbiFunction
  try {
    fn = resolveFunction({ signature, abi, functionName })
  } catch {
    return texts
  }
  return [...texts, ...fn.inputs.flatMap((input, i) => Args.addressTexts(input, args[i]))]
}

function resolveFunction({
  signature,
  abi,
  functionName,
}: Pick<ContractCallParameters, 'signature' | 'abi' | 'functionName'>): AbiFunction {
  if (signature !== undefined) {
    const text = signature.trim().startsWith('function ') ? signature.trim() : `function ${signature.trim()}`
    let item: unknown
    try {
      item = parseAbiItem(text)
    } catch (cause) {
      throw new InvalidActionError(`"${signature}" is not a function signature.`, {
        hint: 'Write it like transfer(address,uint256) or function transfer(address to, uint256 amount).',
        details: cause instanceof Error ? cause.message.split('\n')[0] : undefined,
        cause,
      })
    }
    if ((item as { type?: string }).type !== 'function') {
      throw new InvalidActionError(`"${signature}" is not a function.`, {
        hint: 'Give a function signature.',
      })
    }
    return item as AbiFunction
  }
  if (abi === undefined || functionName === undefined) {
    throw new InvalidActionError('The contract call has neither a signature nor an ABI and function name.', {
      hint: 'Give signature, or abi with functionName.',
    })
  }
  const matches = abi.filter(
    (item): item is AbiFunction => item.type === 'function' && item.name === functionName,
  )
  if (matches.length !== 1) {
    throw new InvalidActionError(
      matches.length === 0
        ? `The ABI has no function ${functionName}.`
        : `The ABI has ${matches.length} overloads of ${functionName}.`,
      {
        hint:
          matches.length === 0
            ? 'Check the name, or give the function signature.'
            : `Give the exact signature, one of: ${matches.map((m) => toFunctionSelector(m)).join(', ')}.`,
      },
    )
  }
  return matches[0]!
}

/**
 * Wraps calls in one MultiSendCallOnly batch (a delegatecall: MultiSendCallOnly refuses inner
 * delegatecalls, so every inner call stays a plain call from the Safe).
 *
 * @example
 * Build.batch({ calls: [a, b], multiSendCallOnly: Config.multiSendCallOnly(config, state.version) })
 */
export function batch({
  calls,
  multiSendCallOnly,
}: {
  calls: readonly Call[]
  multiSendCallOnly: Address
}): SafeCall {
  if (calls.length === 0) {
    throw new InvalidActionError('The batch is empty.', { hint: 'Add at least one call.' })
  }
  return {
    to: getAddress(multiSendCallOnly),
    value: 0n,
    data: MultiSend.encode(calls.map((call) => ({ operation: 0, ...call }))),
    operation: 1,
  }
}

// ---- Safe administration: calls to the Safe itself, checked against its on-chain state ----

const self = (state: SafeState, functionName: string, args: readonly unknown[]): Call => ({
  to: state.address,
  value: 0n,
  data: encodeFunctionData({ abi: ownerAbi, functionName, args } as Parameters<typeof encodeFunctionData>[0]),
})

const isOwner = (state: SafeState, who: Address) =>
  state.owners.some((o) => o.toLowerCase() === who.toLowerCase())

function checkThreshold(threshold: bigint, owners: number): void {
  if (threshold < 1n || threshold > BigInt(owners)) {
    throw new InvalidActionError(`Threshold ${threshold} is impossible with ${owners} owner(s).`, {
      hint: `Give a threshold from 1 to ${owners}.`,
    })
  }
}

function newOwner(state: SafeState, value: unknown, field: string): Address {
  const owner = address(value, field)
  if (owner === zeroAddress || owner === sentinel || owner === state.address) {
    throw new InvalidActionError(`${owner} cannot be an owner.`, {
      hint: 'Give the new owner’s real address (not zero, 0x…01, or the Safe itself).',
    })
  }
  if (isOwner(state, owner)) {
    throw new InvalidActionError(`${owner} is already an owner of ${state.address}.`, {
      hint: 'Pick an address that is not an owner yet.',
    })
  }
  return owner
}

function existingOwner(state: SafeState, value: unknown, field: string): { owner: Address; prev: Address } {
  const owner = address(value, field)
  const prev = previous(state.owners, owner)
  if (prev === undefined) {
    throw new InvalidActionError(`${owner} is not an owner of ${state.address}.`, {
      hint: `Current owners: ${state.owners.join(', ')}.`,
    })
  }
  return { owner, prev }
}

/**
 * `addOwnerWithThreshold(owner, threshold)`; keeps the current threshold unless one is given.
 *
 * @example
 * Build.addOwner({ state, owner: '0x…' })
 */
export function addOwner({
  state,
  owner,
  threshold,
}: {
  state: SafeState
  owner: string
  threshold?: bigint | undefined
}): Call {
  const added = newOwner(state, owner, 'owner')
  const next = threshold ?? state.threshold
  checkThreshold(next, state.owners.length + 1)
  return self(state, 'addOwnerWithThreshold', [added, next])
}

/**
 * `removeOwner(prevOwner, owner, threshold)`, with prevOwner from the on-chain owner list; lowers the
 * threshold only when it would exceed the remaining owners, unless one is given.
 *
 * @example
 * Build.removeOwner({ state, owner: '0x…' })
 */
export function removeOwner({
  state,
  owner,
  threshold,
}: {
  state: SafeState
  owner: string
  threshold?: bigint | undefined
}): Call {
  const { owner: removed, prev } = existingOwner(state, owner, 'owner')
  const remaining = state.owners.length - 1
  const next = threshold ?? (state.threshold > BigInt(remaining) ? BigInt(remaining) : state.threshold)
  checkThreshold(next, remaining)
  return self(state, 'removeOwner', [prev, removed, next])
}

/**
 * `swapOwner(prevOwner, oldOwner, newOwner)`, with prevOwner from the on-chain owner list.
 *
 * @example
 * Build.swapOwner({ state, oldOwner: lostKey, newOwner: freshKey })
 */
export function swapOwner({
  state,
  oldOwner,
  newOwner: replacement,
}: {
  state: SafeState
  oldOwner: string
  newOwner: string
}): Call {
  const { owner: old, prev } = existingOwner(state, oldOwner, 'oldOwner')
  const added = newOwner(state, replacement, 'newOwner')
  return self(state, 'swapOwner', [prev, old, added])
}

/**
 * `changeThreshold(threshold)`.
 *
 * @example
 * Build.changeThreshold({ state, threshold: 4n })
 */
export function changeThreshold({ state, threshold }: { state: SafeState; threshold: bigint }): Call {
  checkThreshold(threshold, state.owners.length)
  if (threshold === state.threshold) {
    throw new InvalidActionError(`The threshold is already ${threshold}.`, {
      hint: 'Give a different threshold.',
    })
  }
  return self(state, 'changeThreshold', [threshold])
}

/**
 * `enableModule(module)`.
 *
 * @example
 * Build.enableModule({ state, module: allowanceModule })
 */
export function enableModule({ state, module }: { state: SafeState; module: string }): Call {
  const added = address(module, 'module')
  if (added === zeroAddress || added === sentinel) {
    throw new InvalidActionError(`${added} cannot be a module.`, {
      hint: 'Give the module contract’s address.',
    })
  }
  if (state.modules.includes(added)) {
    throw new InvalidActionError(`${added} is already enabled.`, { hint: 'Nothing to do.' })
  }
  return self(state, 'enableModule', [added])
}

/**
 * `disableModule(prevModule, module)`, with prevModule from the on-chain module list.
 *
 * @example
 * Build.disableModule({ state, module })
 */
export function disableModule({ state, module }: { state: SafeState; module: string }): Call {
  const removed = address(module, 'module')
  const prev = previous(state.modules, removed)
  if (prev === undefined) {
    throw new InvalidActionError(`${removed} is not an enabled module of ${state.address}.`, {
      hint: state.modules.length
        ? `Enabled modules: ${state.modules.join(', ')}.`
        : 'The Safe has no modules.',
    })
  }
  return self(state, 'disableModule', [prev, removed])
}

/**
 * `setGuard(guard)`; the zero address removes the guard.
 *
 * @example
 * Build.setGuard({ state, guard: zeroAddress })
 */
export function setGuard({ state, guard }: { state: SafeState; guard: string }): Call {
  const next = address(guard, 'guard')
  if (next === state.guard)
    throw new InvalidActionError(`The guard is already ${next}.`, { hint: 'Nothing to do.' })
  return self(state, 'setGuard', [next])
}

/**
 * `setFallbackHandler(handler)`.
 *
 * @example
 * Build.setFallbackHandler({ state, handler: compatibilityFallbackHandler })
 */
export function setFallbackHandler({ state, handler }: { state: SafeState; handler: string }): Call {
  const next = address(handler, 'handler')
  if (next === state.address) {
    throw new InvalidActionError('The fallback handler cannot be the Safe itself.', {
      hint: 'Give a handler contract such as CompatibilityFallbackHandler.',
    })
  }
  if (next === state.fallbackHandler) {
    throw new InvalidActionError(`The fallback handler is already ${next}.`, { hint: 'Nothing to do.' })
  }
  return self(state, 'setFallbackHandler', [next])
}

/**
 * `pause()` on pausable protocol contracts listed in the org config (all of them on this chain when
 * none are named): the guardian Safe's Emergency action.
 *
 * @example
 * Build.pause({ config, contracts: [lendingPool] })
 */
export function pause({
  config,
  contracts,
}: {
  config: Config.Config
  contracts?: readonly string[] | undefined
}): Call[] {
  const listed = [...config.decoder.pausable.keys()]
  const targets = contracts?.map((c, i) => address(c, `contracts[${i}]`)) ?? listed
  if (targets.length === 0) {
    throw new InvalidActionError(`The org config lists no pausable contract on chain ${config.chainId}.`, {
      hint: 'Add the protocol contracts to "pausable" in the org config.',
    })
  }
  for (const target of targets) {
    if (!config.decoder.pausable.has(target)) {
      throw new InvalidActionError(`${target} is not a pausable contract in the org config.`, {
        hint: 'Signers only treat pauses of listed contracts as Emergency; add it to "pausable" first.',
      })
    }
  }
  return targets.map((to) => ({
    to,
    value: 0n,
    data: encodeFunctionData({ abi: pauseAbi, functionName: 'pause' }),
  }))
}
