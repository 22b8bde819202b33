import { type Address, zeroAddress } from 'viem'
import type { SafeContext, SafeTx } from '../SafeTx.ts'
import * as SafeVersion from '../SafeVersion.ts'
import type * as Action from './Action.ts'
import * as Assets from './Assets.ts'
import * as Calls from './Calls.ts'
import * as KnownContracts from './KnownContracts.ts'
import * as OrgConfig from './OrgConfig.ts'

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info'

/** Severities from most to least dangerous: the order findings are shown in. */
export const severities: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info']

/** Every finding code, with its severity. Codes are stable: policies and tests match on them. */
export const codes = {
  /** Delegatecall to a target that is not a pinned trusted library: its code owns the Safe's storage. */
  'delegatecall-untrusted': 'critical',
  'safe-owner-change': 'critical',
  'safe-threshold-change': 'critical',
  /** changeMasterCopy, a migration library, or anything else that rewrites the singleton slot. */
  'safe-singleton-change': 'critical',
  /** Enabling a module hands a contract unlimited control; disabling one is reported at the same code. */
  'safe-module-change': 'critical',
  'safe-guard-change': 'high',
  'safe-module-guard-change': 'high',
  'safe-fallback-handler-change': 'high',
  /** approveHash: approves another Safe transaction whose content this one does not show. */
  'safe-approve-hash': 'high',
  /** signMessage: an EIP-1271 signature by the Safe over data the signer cannot interpret (orders, permits). */
  'safe-sign-message': 'high',
  /** A call to the Safe itself (its own configuration functions). */
  'safe-self-call': 'medium',
  /** A module transaction (execTransactionFromModule) the Safe makes another Safe run. */
  'safe-module-transaction': 'medium',
  /** A transaction of another Safe, executed through its execTransaction. */
  'safe-nested-transaction': 'info',
  /** gasPrice, gasToken or refundReceiver is set: the Safe pays the executor, possibly all it holds. */
  'gas-refund': 'high',
  /** Safe < 1.3.0: the EIP-712 domain has no chain id, so signatures replay on every chain. */
  'version-without-chain-id': 'high',
  'unlimited-approval': 'high',
  /** The Safe's outflow of one asset is above the org's "large" threshold for it. */
  'large-outflow': 'high',
  'proxy-upgrade': 'high',
  /** Ownable / AccessControl / proxy admin changes: who controls a protocol contract. */
  'control-change': 'high',
  'timelock-delay-change': 'high',
  /** The selector is known but the arguments do not decode: the call would revert or do something else. */
  'malformed-arguments': 'high',
  'unknown-selector': 'medium',
  /**
   * Calldata for a known function that is not the canonical ABI encoding of any arguments (dirty or
   * non-boolean words, short or trailing data, aliasing offsets, a malformed MultiSend payload): old
   * contracts read such bytes differently from what a decoder shows.
   */
  'non-canonical-encoding': 'critical',
  /** The request is beyond the analysis budget (depth, calls, bytes, ABI values): nothing was judged. */
  'request-too-complex': 'critical',
  /** A nested execution (execTransaction, module call, approveHash) on a Safe the org config does not list. */
  'nested-safe-unknown': 'critical',
  /** A call the org allows (allowedCalls) breaks one of its argument constraints. */
  'allowed-call-violation': 'critical',
  /** The transaction's tier (or a nested Safe transaction's) is above what that Safe may sign. */
  'tier-above-safe-ceiling': 'critical',
  /** A listed asset called with a function outside its standard's known set (DAI rely, a mint …). */
  'unknown-function-on-asset': 'high',
  'value-to-unknown-target': 'medium',
  'transfer-to-unknown-recipient': 'low',
  unpause: 'low',
  'timelock-cancel': 'low',
  pause: 'info',
  'timelock-schedule': 'info',
  'timelock-execute': 'info',
} as const satisfies Record<string, Severity>

export type Code = keyof typeof codes

/** One thing the signer must know about the transaction. */
export type Finding = {
  code: Code
  severity: Severity
  /** A human sentence: what the call does and why it matters. */
  reason: string
  /** The call it concerns (`[]` for the transaction as a whole). */
  path: Calls.Path
}

export type FindParameters = {
  calls: Calls.Call
  tx: SafeTx
  context: SafeContext
  org?: OrgConfig.OrgConfig | undefined
  /** Outflows already summed with `Assets.outflows`; summed here when absent. */
  assets?: readonly Assets.Outflow[] | undefined
}

const safeChanges: Readonly<Record<Action.SafeChange, { code: Code; what: string }>> = {
  'add-owner': { code: 'safe-owner-change', what: 'adds an owner (and sets the threshold)' },
  'remove-owner': { code: 'safe-owner-change', what: 'removes an owner (and sets the threshold)' },
  'swap-owner': { code: 'safe-owner-change', what: 'replaces an owner' },
  setup: {
    code: 'safe-owner-change',
    what: 'runs setup (owners, threshold, a delegatecall, a fallback handler)',
  },
  'change-threshold': { code: 'safe-threshold-change', what: 'changes the signing threshold' },
  'enable-module': {
    code: 'safe-module-change',
    what: 'enables a module, which can move all funds without signatures',
  },
  'disable-module': { code: 'safe-module-change', what: 'disables a module' },
  'set-guard': {
    code: 'safe-guard-change',
    what: 'sets the transaction guard, which can block every future transaction',
  },
  'set-module-guard': { code: 'safe-module-guard-change', what: 'sets the module guard' },
  'set-fallback-handler': {
    code: 'safe-fallback-handler-change',
    what: 'sets the fallback handler, which answers EIP-1271 signature checks for the Safe',
  },
  'change-singleton': { code: 'safe-singleton-change', what: 'changes the Safe’s singleton (its code)' },
  'approve-hash': {
    code: 'safe-approve-hash',
    what: 'approves a transaction hash whose content is not shown here',
  },
  'sign-message': {
    code: 'safe-sign-message',
    what: 'signs a message as the Safe (EIP-1271), e.g. an order or a permit',
  },
  'exec-transaction': { code: 'safe-nested-transaction', what: 'executes a transaction of another Safe' },
  'exec-from-module': {
    code: 'safe-module-transaction',
    what: 'makes a Safe execute a transaction as its module',
  },
}

/**
 * Finds everything dangerous or notable in a decoded transaction, most severe first.
 *
 * @example
 * const findings = Findings.find({ calls: Calls.decode({ tx, context }), tx, context })
 * findings[0]?.code // 'delegatecall-untrusted'
 */
export function find({ calls, tx, context, org = OrgConfig.empty, assets }: FindParameters): Finding[] {
  const out: Finding[] = []
  const add = (code: Code, path: Calls.Path, reason: string) =>
    out.push({ code, severity: codes[code], reason, path })
  const known = (address: Address) =>
    address === context.safe || OrgConfig.knows(org, address) || KnownContracts.get(address) !== undefined
  const name = (address: Address, label: string | undefined = labelOf(address, context, org)) =>
    label ? `${label} (${address})` : address

  if (tx.gasPrice !== 0n || tx.gasToken !== zeroAddress || tx.refundReceiver !== zeroAddress) {
    const set = [
      tx.gasPrice !== 0n ? `gasPrice ${tx.gasPrice}` : undefined,
      tx.gasToken !== zeroAddress ? `gasToken ${tx.gasToken}` : undefined,
      tx.refundReceiver !== zeroAddress ? `refundReceiver ${tx.refundReceiver}` : undefined,
    ].filter(Boolean)
    add(
      'gas-refund',
      [],
      `The transaction pays a gas refund out of the Safe (${set.join(', ')}); a high gasPrice or a chosen receiver can drain it.`,
    )
  }
  if (!SafeVersion.domainHasChainId(context.version)) {
    add(
      'version-without-chain-id',
      [],
      `Safe ${context.version} signs without a chain id: this signature is valid on every chain where this Safe address exists.`,
    )
  }

  // This Safe and every Safe whose transaction it runs (nested execution): their self-calls are admin.
  const safes = new Set<Address>([context.safe])
  for (const call of Calls.walk(calls)) {
    if (call.effect.kind === 'nested-execution') safes.add(call.effect.safe)
  }
  for (const call of Calls.walk(calls)) {
    const at = `Call ${Calls.formatPath(call.path)}`
    const target = name(call.to, call.label)
    const signature = call.kind === 'function' ? call.function.signature : undefined

    if (call.operation === 1 && !trusted(call.to, org)) {
      const looksLike = signature
        ? ` Its calldata looks like ${signature}, which proves nothing about that code.`
        : ''
      add(
        'delegatecall-untrusted',
        call.path,
        `${at} delegatecalls ${target}, which is not a pinned trusted library: its code runs with the Safe’s storage and can overwrite slot 0 (the singleton), as in the Bybit attack.${looksLike}`,
      )
    }
    if (call.kind === 'unknown') {
      switch (call.reason) {
        case 'unknown-selector':
        case 'short-data':
          add(
            'unknown-selector',
            call.path,
            call.reason === 'short-data'
              ? `${at} sends ${call.data} to ${target}: too short to be a function call.`
              : `${at} calls an unknown function ${call.selector} on ${target}; provide its ABI to decode it.`,
          )
          break
        case 'non-canonical-encoding':
          add(
            'non-canonical-encoding',
            call.path,
            `${at} (${call.signature}) on ${target} is not the canonical ABI encoding: ${call.detail}. The contract may read it differently from any decoding shown.`,
          )
          break
        case 'malformed-arguments':
          add(
            'malformed-arguments',
            call.path,
            `${at} (${call.signature}) has arguments it cannot take: ${call.detail}.`,
          )
          break
        case 'empty-delegatecall':
        case 'too-complex':
          break
        default:
          call.reason satisfies never
      }
    }
    if (call.effect.kind === 'unknown' && call.effect.reason === 'unknown-function-on-asset') {
      add(
        'unknown-function-on-asset',
        call.path,
        `${at} calls ${signature ?? call.selector} on the listed asset ${target}, which is not one of its standard’s functions; its effect is unknown.`,
      )
    }
    if (call.effect.kind === 'allowed-call') {
      const broken = call.effect.constraints.filter((c) => !c.ok)
      if (broken.length > 0) {
        add(
          'allowed-call-violation',
          call.path,
          `${at} is allowed by "${call.effect.rule}" only with ${broken.map((c) => `${c.arg} ${c.rule} (it is ${c.actual})`).join('; ')}.`,
        )
      }
    }
    if (call.effect.kind === 'nested-execution' && !call.effect.inOrg) {
      add(
        'nested-safe-unknown',
        call.path,
        `${at} makes the Safe ${target} act (${call.effect.via}), but that Safe is not in the org configuration.`,
      )
    }
    const nested = call.nested
    if (nested && (nested.gasPrice !== 0n || nested.refundReceiver !== zeroAddress)) {
      add(
        'gas-refund',
        call.path,
        `${at}: the inner transaction of ${target} pays a gas refund (gasPrice ${nested.gasPrice}, gasToken ${nested.gasToken}, refundReceiver ${nested.refundReceiver}) out of that Safe.`,
      )
    }
    // The Safe calling itself; for a nested Safe's inner transaction, that Safe calling itself.
    if (call.to === call.sender && call.operation === 0 && safes.has(call.to)) {
      add('safe-self-call', call.path, `${at} calls the Safe itself${signature ? ` (${signature})` : ''}.`)
    }
    if (call.operation === 0 && call.value > 0n && !known(call.to)) {
      add(
        'value-to-unknown-target',
        call.path,
        `${at} sends ${call.value} wei to ${target}, which is not known or allow-listed.`,
      )
    }
    actionFindings(call, at, add, known, name)
  }

  for (const outflow of assets ?? Assets.outflows({ calls, safe: context.safe, org })) {
    const threshold = org.largeThresholds.get(outflow.asset)
    if (threshold !== undefined && outflow.total > threshold) {
      const asset = outflow.asset === 'native' ? 'the native coin' : name(outflow.asset, outflow.label)
      add(
        'large-outflow',
        outflow.paths[0] ?? [],
        `The Safe sends or approves ${outflow.total} base units of ${asset}, above the org’s large threshold of ${threshold}.`,
      )
    }
  }
  return sort(out)
}

function actionFindings(
  call: Calls.Call,
  at: string,
  add: (code: Code, path: Calls.Path, reason: string) => void,
  known: (address: Address) => boolean,
  name: (address: Address, label?: string) => string,
): void {
  const action = call.action
  switch (action.type) {
    case 'safe-admin': {
      // An approveHash whose transaction was given and matched is opened below it: like
      // execTransaction, its own calls set the tier, not the blind approval.
      const { code, what } =
        action.change === 'approve-hash' && call.children.length > 0
          ? {
              code: 'safe-nested-transaction' as const,
              what: 'approves a transaction of another Safe, shown below (its safeTxHash recomputed and matched)',
            }
          : safeChanges[action.change]
      const subject = action.subject ? `: ${action.subject}` : ''
      add(code, call.path, `${at} ${what} on ${name(action.safe)}${subject}.`)
      return
    }
    case 'token-approval':
      if (action.unlimited) {
        const amount =
          action.standard === 'erc721' || action.standard === 'erc1155' ? 'all tokens' : 'an unlimited amount'
        add(
          'unlimited-approval',
          call.path,
          `${at} lets ${name(action.spender)} spend ${amount} of ${name(action.token)} held by ${name(action.owner)}.`,
        )
      }
      return
    case 'token-transfer':
      if (!known(action.to)) {
        add(
          'transfer-to-unknown-recipient',
          call.path,
          `${at} transfers ${action.standard} ${name(action.token)} to ${action.to}, which is not known or allow-listed.`,
        )
      }
      return
    case 'upgrade':
      add(
        'proxy-upgrade',
        call.path,
        `${at} upgrades proxy ${name(action.proxy)} to implementation ${action.implementation}.`,
      )
      return
    case 'control-change': {
      const what = { ownership: 'ownership', role: 'a role', 'proxy-admin': 'the proxy admin' }[action.what]
      const subject = action.subject ? ` (to/for ${action.subject})` : ' (renounced)'
      add('control-change', call.path, `${at} changes ${what} of ${name(call.to, call.label)}${subject}.`)
      return
    }
    case 'pause':
      add(
        action.paused ? 'pause' : 'unpause',
        call.path,
        `${at} ${action.paused ? 'pauses' : 'unpauses'} ${name(call.to, call.label)}.`,
      )
      return
    case 'timelock': {
      const code = (
        {
          schedule: 'timelock-schedule',
          execute: 'timelock-execute',
          cancel: 'timelock-cancel',
          'update-delay': 'timelock-delay-change',
        } as const
      )[action.op]
      const count = call.children.length
      const what = {
        schedule: `schedules ${count} call(s)`,
        execute: `executes ${count} call(s)`,
        cancel: 'cancels a scheduled operation',
        'update-delay': 'changes the minimum delay',
      }[action.op]
      add(code, call.path, `${at} ${what} on timelock ${name(call.to, call.label)}.`)
      return
    }
    default:
      return
  }
}

/**
 * Whether a delegatecall to this address is trusted: Safe's pinned libraries, or the org's additions.
 *
 * @example
 * Findings.trusted('0x40A2aCCbd92BCA938b02010E17A5b8929b49130D') // true (MultiSendCallOnly 1.3.0)
 */
export function trusted(address: Address, org: OrgConfig.OrgConfig = OrgConfig.empty): boolean {
  return (
    KnownContracts.get(address)?.trustedDelegatecall === true || org.trustedDelegatecallTargets.has(address)
  )
}

function labelOf(address: Address, context: SafeContext, org: OrgConfig.OrgConfig): string | undefined {
  if (address === context.safe) return 'this Safe'
  return OrgConfig.label(org, address) ?? KnownContracts.get(address)?.label
}

/**
 * Sorts findings red first (critical → info), then by position in the call tree.
 *
 * @example
 * Findings.sort(findings)[0]?.severity // 'critical' when there is one
 */
export function sort(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => severities.indexOf(a.severity) - severities.indexOf(b.severity) || comparePaths(a.path, b.path),
  )
}

function comparePaths(a: Calls.Path, b: Calls.Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return a.length - b.length
}
