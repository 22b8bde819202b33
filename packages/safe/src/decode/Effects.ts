import type { Address, Hex } from 'viem'
import { maxUint256, zeroAddress } from 'viem'
import type * as Action from './Action.ts'
import type * as Calls from './Calls.ts'
import * as OrgConfig from './OrgConfig.ts'

/**
 * Effect classes: every call node of a decoded transaction gets exactly one. Policies refuse
 * `unknown` by default (default deny); outflows and allowances feed velocity and the breaker.
 */
export type Kind =
  | 'outflow'
  | 'allowance'
  | 'authority'
  | 'pause'
  | 'unpause'
  | 'nested-execution'
  | 'batch'
  | 'timelock'
  | 'allowed-call'
  | 'unknown'

export const kinds: readonly Kind[] = [
  'outflow',
  'allowance',
  'authority',
  'pause',
  'unpause',
  'nested-execution',
  'batch',
  'timelock',
  'allowed-call',
  'unknown',
]

/** A token leaving `from` (ERC-20 amount, 1 per ERC-721 token, the sum of ERC-1155 amounts). */
export type Transfer = {
  standard: 'erc20' | 'erc721' | 'erc1155'
  asset: Address
  from: Address
  to: Address
  amount: bigint
  tokenIds: readonly bigint[]
}

/** A right to take tokens later: an allowance, a permit, an NFT operator. */
export type Grant = {
  standard: 'erc20' | 'erc721' | 'erc1155' | 'permit2'
  asset: Address
  owner: Address
  spender: Address
  /** Base units; max uint256 when unlimited (setApprovalForAll(true) included). */
  amount: bigint
  unlimited: boolean
  /** `set` replaces, `increase` adds, `decrease` lowers the allowance. */
  mode: 'set' | 'increase' | 'decrease'
  /** Lowers or clears the allowance (approve(spender, 0), decreaseAllowance, setApprovalForAll(false)). */
  revoke: boolean
}

/** Why a call's effect is unknown. */
export type UnknownReason =
  /** The calldata does not decode as any known function (unknown selector, short data, empty delegatecall). */
  | 'undecoded'
  /** Decoded, but Airlock gives the function no meaning (a user ABI only names it). */
  | 'no-known-effect'
  /** A delegatecall into code that is not a library built for it: the calldata means nothing by itself. */
  | 'delegatecall'
  /** A listed asset called with a function outside its standard's known set (DAI rely, LINK mint …). */
  | 'unknown-function-on-asset'
  /** Not the canonical ABI encoding of its arguments (dirty words, short or trailing data, aliasing). */
  | 'non-canonical-encoding'
  /** Arguments that cannot be what the function takes (timelock lists of different lengths …). */
  | 'malformed'
  /** Beyond the analysis budget: nothing was decoded. */
  | 'too-complex'

/** Result of one argument constraint of an allowed call. */
export type ConstraintResult = {
  /** Argument path, e.g. `params.recipient`. */
  arg: string
  /** What the entry requires, as text. */
  rule: string
  /** The decoded value, as text. */
  actual: string
  ok: boolean
}

/** What one call does. Native value sent with a call is `Calls.Call.value`, counted by `flows`. */
export type Effect =
  | { kind: 'outflow'; transfers: readonly Transfer[] }
  | { kind: 'allowance'; grants: readonly Grant[] }
  | {
      kind: 'authority'
      /** The contract whose control changes (for a Safe: the Safe). */
      target: Address
      /** e.g. `add-owner`, `enable-module`, `ownership`, `upgrade`, `update-delay`. */
      change: string
      subject: Address | undefined
    }
  | { kind: 'pause'; target: Address }
  | { kind: 'unpause'; target: Address }
  | {
      kind: 'nested-execution'
      /** The Safe that executes, approves or signs. */
      safe: Address
      via: 'exec-transaction' | 'module' | 'approve-hash' | 'sign-message'
      /** Whether that Safe is one of the org's (org config `safes`, or the Safe being analysed). */
      inOrg: boolean
    }
  | { kind: 'batch' }
  | {
      kind: 'timelock'
      op: 'schedule' | 'execute' | 'cancel'
      /** The operation id (hashOperation / hashOperationBatch, or the id a cancel names). */
      operationId: Hex | undefined
    }
  | {
      kind: 'allowed-call'
      /** The org config entry that names this call. */
      rule: string
      constraints: readonly ConstraintResult[]
    }
  | { kind: 'unknown'; reason: UnknownReason }

/** One outflow or allowance increase of an org Safe: what velocity and the breaker count. */
export type Flow = {
  kind: 'transfer' | 'allowance'
  standard: 'native' | Transfer['standard'] | Grant['standard']
  asset: OrgConfig.AssetId
  /** Base units (max uint256 for an unlimited allowance). */
  amount: bigint
  /** Recipient of a transfer, spender or operator of an allowance. */
  to: Address
  /** The org Safe the value or the right leaves. */
  safe: Address
  unlimited: boolean
  path: Calls.Path
}

/** Signatures a listed token contract of each standard may be called with (besides pause and control). */
export const assetFunctions: Readonly<Record<OrgConfig.TokenStandard, ReadonlySet<string>>> = {
  erc20: new Set([
    'transfer(address,uint256)',
    'transferFrom(address,address,uint256)',
    'approve(address,uint256)',
    'increaseAllowance(address,uint256)',
    'decreaseAllowance(address,uint256)',
    'permit(address,address,uint256,uint256,uint8,bytes32,bytes32)',
    'push(address,uint256)',
    'pull(address,uint256)',
    'move(address,address,uint256)',
    'transferAndCall(address,uint256,bytes)',
    'transferAndCall(address,uint256)',
    'approveAndCall(address,uint256)',
  ]),
  erc721: new Set([
    'transferFrom(address,address,uint256)',
    'safeTransferFrom(address,address,uint256)',
    'safeTransferFrom(address,address,uint256,bytes)',
    'approve(address,uint256)',
    'setApprovalForAll(address,bool)',
  ]),
  erc1155: new Set([
    'safeTransferFrom(address,address,uint256,uint256,bytes)',
    'safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)',
    'setApprovalForAll(address,bool)',
  ]),
}

/** What a decoded call node carries that its effect depends on. */
export type Site = {
  to: Address
  sender: Address
  kind: 'native-transfer' | 'function' | 'unknown'
  signature: string | undefined
  /** Why the call did not decode, for an unknown node. */
  unknownReason: Calls.UnknownReason | undefined
  selector: Hex | undefined
  /** Decoded arguments by name, for allowed-call constraints. */
  named: Readonly<Record<string, unknown>> | undefined
  operation: 0 | 1
  action: Action.Action
}

/**
 * The effect class of one call, from its decoded action and the org configuration.
 *
 * @example
 * Effects.classify({ site, org }) // { kind: 'outflow', transfers: [{ asset: usdc, amount: 5n, … }] }
 */
export function classify({ site, org = OrgConfig.empty }: { site: Site; org?: OrgConfig.OrgConfig }): Effect {
  const effect = known(site, org)
  // The org may name a call deliberately; only what Airlock cannot read otherwise becomes an allowed
  // call, so an allow-list entry never hides an outflow, an allowance or a bad encoding.
  if (effect.kind === 'unknown' && allowable.has(effect.reason)) {
    const entries = OrgConfig.allowed(org, site.to, site.selector)
    if (entries.length > 0 && site.operation === 0) {
      const evaluated = entries.map((entry) => ({
        rule: entry.name,
        constraints: entry.constraints.map((c) => check(c, site)),
      }))
      // The first entry whose constraints all hold; otherwise the first entry, with its failures shown.
      const pick = evaluated.find((e) => e.constraints.every((c) => c.ok)) ?? evaluated[0]!
      return { kind: 'allowed-call', rule: pick.rule, constraints: pick.constraints }
    }
  }
  return effect
}

const allowable: ReadonlySet<UnknownReason> = new Set([
  'undecoded',
  'no-known-effect',
  'unknown-function-on-asset',
])

function check(constraint: OrgConfig.Constraint, site: Site): ConstraintResult {
  const rules: string[] = []
  if (constraint.equals !== undefined) rules.push(`= ${constraint.equals}`)
  if (constraint.oneOf !== undefined) rules.push(`one of ${constraint.oneOf.join(', ')}`)
  if (constraint.min !== undefined) rules.push(`≥ ${constraint.min}`)
  if (constraint.max !== undefined) rules.push(`≤ ${constraint.max}`)
  const rule = rules.join(', ')
  const value = site.named === undefined ? undefined : resolve(site.named, constraint.arg)
  if (value === undefined) {
    return { arg: constraint.arg, rule, actual: site.named ? 'missing' : 'arguments not decoded', ok: false }
  }
  const actual =
    typeof value === 'object'
      ? JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
      : String(value)
  const same = (expected: string) => {
    const wanted = expected === '$safe' ? site.sender : expected
    if (typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value))
      return value.toLowerCase() === wanted.toLowerCase()
    if (typeof value === 'bigint' || typeof value === 'number') {
      return /^-?(0|[1-9][0-9]*)$/.test(wanted) && BigInt(value) === BigInt(wanted)
    }
    return String(value) === wanted
  }
  let ok = true
  if (constraint.equals !== undefined) ok &&= same(constraint.equals)
  if (constraint.oneOf !== undefined) ok &&= constraint.oneOf.some(same)
  if (constraint.min !== undefined || constraint.max !== undefined) {
    const n = typeof value === 'bigint' || typeof value === 'number' ? BigInt(value) : undefined
    ok &&=
      n !== undefined &&
      (constraint.min === undefined || n >= constraint.min) &&
      (constraint.max === undefined || n <= constraint.max)
  }
  return { arg: constraint.arg, rule, actual, ok }
}

/**
 * An argument by path (`params.recipient`, `path.0`) in decoded arguments.
 *
 * @example
 * Effects.resolve({ params: { recipient: '0x…' } }, 'params.recipient') // '0x…'
 */
export function resolve(named: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = named
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    if (!Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function known(site: Site, org: OrgConfig.OrgConfig): Effect {
  if (site.unknownReason === 'non-canonical-encoding')
    return { kind: 'unknown', reason: 'non-canonical-encoding' }
  if (site.unknownReason === 'malformed-arguments') return { kind: 'unknown', reason: 'malformed' }
  if (site.unknownReason === 'too-complex') return { kind: 'unknown', reason: 'too-complex' }
  const action = site.action
  const standard = org.knownContracts.get(site.to)?.standard
  // A listed asset called with a selector nobody decodes is as unknown as one outside its standard.
  if (standard !== undefined && site.kind === 'unknown' && site.unknownReason === 'unknown-selector') {
    return { kind: 'unknown', reason: 'unknown-function-on-asset' }
  }
  if (standard !== undefined && site.kind === 'function' && site.signature !== undefined) {
    const known =
      assetFunctions[standard].has(site.signature) ||
      action.type === 'pause' ||
      action.type === 'control-change' ||
      action.type === 'upgrade'
    if (!known) return { kind: 'unknown', reason: 'unknown-function-on-asset' }
  }
  // Permit2 lockdown: revokes each (token, spender) allowance of the caller.
  if (site.signature === 'lockdown((address,address)[])' && site.operation === 0 && site.named) {
    const pairs = site.named.approvals as readonly { token: Address; spender: Address }[]
    return {
      kind: 'allowance',
      grants: pairs.map((pair) => ({
        standard: 'permit2',
        asset: pair.token,
        owner: site.sender,
        spender: pair.spender,
        amount: 0n,
        unlimited: false,
        mode: 'set',
        revoke: true,
      })),
    }
  }
  switch (action.type) {
    case 'none':
      if (site.kind === 'unknown') return { kind: 'unknown', reason: 'undecoded' }
      if (site.operation === 1) return { kind: 'unknown', reason: 'delegatecall' }
      return { kind: 'unknown', reason: 'no-known-effect' }
    case 'batch':
      return { kind: 'batch' }
    case 'native-transfer':
      return { kind: 'outflow', transfers: [] }
    case 'token-transfer':
      return {
        kind: 'outflow',
        transfers: [
          {
            standard: action.standard,
            asset: action.token,
            from: action.from,
            to: action.to,
            amount: action.amount,
            tokenIds: action.tokenIds,
          },
        ],
      }
    case 'token-approval': {
      // approve(spender, 0), decreaseAllowance, setApprovalForAll(false), ERC-721 approve(0x0, id).
      const revoke =
        action.mode === 'decrease' ||
        (action.mode === 'set' && action.amount === 0n) ||
        (action.standard === 'erc721' && action.spender === zeroAddress && !action.unlimited)
      return {
        kind: 'allowance',
        grants: [
          {
            standard: action.standard,
            asset: action.token,
            owner: action.owner,
            spender: action.spender,
            amount: action.unlimited ? maxUint256 : action.amount,
            unlimited: action.unlimited,
            mode: action.mode,
            revoke,
          },
        ],
      }
    }
    case 'safe-admin':
      switch (action.change) {
        case 'exec-transaction':
        case 'exec-from-module':
          return {
            kind: 'nested-execution',
            safe: action.safe,
            via: action.change === 'exec-transaction' ? 'exec-transaction' : 'module',
            inOrg: isOrgSafe(org, action.safe, site.sender),
          }
        case 'approve-hash':
        case 'sign-message':
          // The Safe approving or signing for itself changes what it authorises; for another Safe
          // it is an execution of that Safe's transaction (or message) by proxy.
          if (action.safe !== site.sender) {
            return {
              kind: 'nested-execution',
              safe: action.safe,
              via: action.change,
              inOrg: isOrgSafe(org, action.safe, site.sender),
            }
          }
          return { kind: 'authority', target: action.safe, change: action.change, subject: action.subject }
        case 'add-owner':
        case 'remove-owner':
        case 'swap-owner':
        case 'change-threshold':
        case 'enable-module':
        case 'disable-module':
        case 'set-guard':
        case 'set-module-guard':
        case 'set-fallback-handler':
        case 'change-singleton':
        case 'setup':
          return { kind: 'authority', target: action.safe, change: action.change, subject: action.subject }
        default:
          return unreachable(action.change)
      }
    case 'upgrade':
      return { kind: 'authority', target: action.proxy, change: 'upgrade', subject: action.implementation }
    case 'control-change':
      return { kind: 'authority', target: site.to, change: action.what, subject: action.subject }
    case 'pause':
      return action.paused ? { kind: 'pause', target: site.to } : { kind: 'unpause', target: site.to }
    case 'timelock':
      if (action.op === 'update-delay') {
        return { kind: 'authority', target: site.to, change: 'update-delay', subject: undefined }
      }
      return { kind: 'timelock', op: action.op, operationId: action.id }
    default:
      return unreachable(action)
  }
}

function isOrgSafe(org: OrgConfig.OrgConfig, safe: Address, sender: Address): boolean {
  return safe === sender || org.safes.has(safe)
}

/**
 * Every outflow and allowance increase of an org Safe in the call tree, in tree order: native value
 * sent by calls from the Safe (and from Safes it executes through), tokens taken from them
 * (NFTs included), and allowances they grant. Revocations count nothing. The one source of outflows:
 * `Assets.outflows` sums these per asset, the signer's velocity counts them.
 *
 * @example
 * Effects.flows({ calls: analysis.calls, safe: context.safe, org })
 * // [{ kind: 'transfer', asset: 'native', amount: 10n ** 18n, to: '0x…', … }]
 */
export function flows({
  calls,
  safe,
  org = OrgConfig.empty,
}: {
  calls: Calls.Call
  safe: Address
  org?: OrgConfig.OrgConfig | undefined
}): Flow[] {
  const safes = new Set<Address>([safe, ...org.safes.keys()])
  const out: Flow[] = []
  const visit = (call: Calls.Call) => {
    const effect = call.effect
    if (
      effect.kind === 'nested-execution' &&
      (effect.via === 'exec-transaction' ||
        effect.via === 'module' ||
        (effect.via === 'approve-hash' && call.children.length > 0))
    ) {
      // The inner transaction runs with that Safe's funds (an approved one once that Safe executes
      // it): they are the org's outflows too.
      safes.add(effect.safe)
    }
    // A delegatecall carries no value (the Safe and MultiSend both ignore it).
    if (call.operation === 0 && call.value > 0n && safes.has(call.sender)) {
      out.push({
        kind: 'transfer',
        standard: 'native',
        asset: 'native',
        amount: call.value,
        to: call.to,
        safe: call.sender,
        unlimited: false,
        path: call.path,
      })
    }
    for (const flow of effectFlows(effect, call.path, safes)) out.push(flow)
    for (const child of call.children) visit(child)
  }
  visit(calls)
  return out
}

function effectFlows(effect: Effect, path: Calls.Path, safes: ReadonlySet<Address>): Flow[] {
  switch (effect.kind) {
    case 'outflow':
      return effect.transfers
        .filter((t) => safes.has(t.from) && t.amount > 0n)
        .map((t) => ({
          kind: 'transfer',
          standard: t.standard,
          asset: t.asset,
          amount: t.amount,
          to: t.to,
          safe: t.from,
          unlimited: false,
          path,
        }))
    case 'allowance':
      return effect.grants
        .filter((g) => safes.has(g.owner) && !g.revoke)
        .map((g) => ({
          kind: 'allowance',
          standard: g.standard,
          asset: g.asset,
          amount: g.amount,
          to: g.spender,
          safe: g.owner,
          unlimited: g.unlimited,
          path,
        }))
    case 'authority':
    case 'pause':
    case 'unpause':
    case 'nested-execution':
    case 'batch':
    case 'timelock':
    case 'allowed-call':
    case 'unknown':
      return []
    default:
      return unreachable(effect)
  }
}

/** An outflow as the policy engine's facts carry it: lowercase addresses, `native` for the coin. */
export type OutflowFact = {
  asset: Lowercase<Address> | 'native'
  amount: bigint
  to: Lowercase<Address>
  kind: Flow['kind']
  standard: Flow['standard']
  safe: Lowercase<Address>
  path: Calls.Path
}

/**
 * The flows as policy facts (lowercase addresses), one per transfer or allowance increase, for
 * velocity, recipient rules and the breaker. Replaces signer-core's own `outflowsOf`.
 *
 * @example
 * Effects.outflowFacts(analyze({ tx, context, org }))
 * // [{ asset: 'native', amount: 10n ** 18n, to: '0x…', kind: 'transfer', … }]
 */
export function outflowFacts({ flows: list }: { flows: readonly Flow[] }): OutflowFact[] {
  const lower = (a: Address) => a.toLowerCase() as Lowercase<Address>
  return list.map((flow) => ({
    asset: flow.asset === 'native' ? 'native' : lower(flow.asset),
    amount: flow.amount,
    to: lower(flow.to),
    kind: flow.kind,
    standard: flow.standard,
    safe: lower(flow.safe),
    path: flow.path,
  }))
}

/** One call node's effect, with where it sits. */
export type Entry = {
  path: Calls.Path
  to: Address
  sender: Address
  selector: Hex | undefined
  value: bigint
  effect: Effect
}

/**
 * Every call's effect in tree order (containers included: `batch`, `timelock`, `nested-execution`).
 *
 * @example
 * Effects.list(analysis.calls).filter((e) => e.effect.kind === 'unknown')
 */
export function list(root: Calls.Call): Entry[] {
  const out: Entry[] = []
  const visit = (call: Calls.Call) => {
    out.push({
      path: call.path,
      to: call.to,
      sender: call.sender,
      selector: call.selector,
      value: call.value,
      effect: call.effect,
    })
    for (const child of call.children) visit(child)
  }
  visit(root)
  return out
}

/**
 * A short text for an effect, for reviews and logs.
 *
 * @example
 * Effects.describe({ kind: 'pause', target }) // 'pause 0x…'
 */
export function describe(effect: Effect): string {
  switch (effect.kind) {
    case 'outflow':
      return effect.transfers.length === 0
        ? 'outflow (native value)'
        : `outflow ${effect.transfers.map((t) => `${t.amount} ${t.standard} ${t.asset} ${t.from} -> ${t.to}`).join('; ')}`
    case 'allowance':
      return `allowance ${effect.grants
        .map(
          (g) =>
            `${g.revoke ? 'revoke ' : ''}${g.unlimited ? 'UNLIMITED' : g.amount} ${g.standard} ${g.asset} to ${g.spender}`,
        )
        .join('; ')}`
    case 'authority':
      return `authority ${effect.change} on ${effect.target}${effect.subject ? ` (${effect.subject})` : ''}`
    case 'pause':
      return `pause ${effect.target}`
    case 'unpause':
      return `unpause ${effect.target}`
    case 'nested-execution':
      return `nested execution by Safe ${effect.safe} (${effect.via}${effect.inOrg ? '' : ', NOT an org Safe'})`
    case 'batch':
      return 'batch'
    case 'timelock':
      return `timelock ${effect.op}${effect.operationId ? ` ${effect.operationId}` : ''}`
    case 'allowed-call':
      return `allowed call (${effect.rule})${effect.constraints.some((c) => !c.ok) ? ' VIOLATES a constraint' : ''}`
    case 'unknown':
      return `UNKNOWN (${effect.reason})`
    default:
      return unreachable(effect)
  }
}

function unreachable(value: never): never {
  throw new Error(`Unhandled effect case: ${JSON.stringify(value)}`)
}
