import { Effects, Findings } from '@airlock/safe'
import { type Address, type Hex, zeroAddress } from 'viem'
import { InvalidFactsError } from './errors.ts'
import { type Tier, tiers } from './OrgConfig.ts'
import { get, reader } from './parse.ts'
import type { ActionName } from './schema.ts'

/**
 * The facts interface: everything the engine is told about one signing request. The decoder's
 * `analyze()` fills `tier`, `calls`, `findings` and `outflows`; the signer fills the rest from the
 * request (`tx`), its own clock, its own log (`firstSeenAt`, `history`, `replacement`) and the
 * attestations it verified. The engine derives everything else (velocity, breaker, approvals)
 * against the bundle's org config, so nothing here has to be trusted to be pre-computed.
 */
export type Facts = {
  /** What is being asked: sign the SafeTx (default) or attest to it first. */
  action: ActionName
  /** Unix seconds on the signer's clock. */
  now: number
  signer: SignerFact
  tx: TxFact
  tier: Tier
  /**
   * The decoded leaf calls (a MultiSend's inner calls; for a plain transaction its one call).
   * Empty means "not decoded": the engine then uses the top-level `tx.to`/`tx.operation`.
   */
  calls: readonly CallFact[]
  findings: readonly FindingFact[]
  /** Value leaving the Safe, per asset and recipient, in base units (wei). */
  outflows: readonly OutflowFact[]
  /**
   * The effect class of every decoded call (`Effects.list` in @airlock/safe), containers included.
   * The core policies refuse any `unknown` one: a call the bundle allows explicitly (`allowedCalls`)
   * is an `allowed-call`, never unknown. Empty in hand-written facts (policy tests) unless given.
   */
  effects: readonly EffectFact[]
  /** Unix seconds when this signer first saw this safeTxHash (its log); `now` if new. */
  firstSeenAt: number
  /** Addresses whose attestation/signature over this safeTxHash the caller verified. Deduplicated and intersected with the Safe's owners by the engine. */
  attestations: readonly Address[]
  /** Past requests from the signer's log, signed or refused, newest last (order does not matter). */
  history: readonly HistoryFact[]
  replacement: ReplacementFact
}

export type KeyKind = 'ledger' | 'keystone' | 'trezor' | 'software' | 'other'
export const keyKinds = [
  'ledger',
  'keystone',
  'trezor',
  'software',
  'other',
] as const satisfies readonly KeyKind[]

export type SignerFact = { address: Address; keyKind: KeyKind }

/** The top-level Safe transaction fields the policies need (the full SafeTx stays with the caller). */
export type TxFact = {
  safe: Address
  chainId: number
  nonce: bigint
  safeTxHash: Hex
  to: Address
  operation: 0 | 1
  gasPrice: bigint
  refundReceiver: Address
}

export type CallFact = {
  to: Address
  value: bigint
  operation: 0 | 1
  /** 4-byte selector, undefined for calls without data. */
  selector: Hex | undefined
  /** Decoded method name (`transfer`, `upgradeTo`), undefined when unknown. */
  method: string | undefined
}

/** One call's effect class, and why it is unknown when it is. */
export type EffectFact = {
  kind: Effects.Kind
  /**
   * For `unknown`: `undecoded`, `no-known-effect`, `delegatecall`, `unknown-function-on-asset`,
   * `non-canonical-encoding`, `malformed` …; for `nested-execution` of a Safe outside the org config:
   * `nested-safe-unknown`.
   */
  reason: string | undefined
  to: Address
  selector: Hex | undefined
}

export type Severity = Findings.Severity
/** Least to most dangerous: a finding's index here is its rank for `maxSeverity`. */
export const severities: readonly Severity[] = [...Findings.severities].reverse()

export type FindingFact = { code: string; severity: Severity }

export type OutflowFact = {
  /** Token address, or `native` for the chain's coin. */
  asset: Address | 'native'
  amount: bigint
  to: Address
}

/** One entry of the signer's log. Velocity counts signed ones; the breaker counts every attempt. */
export type HistoryFact = {
  /** Unix seconds. */
  time: number
  chainId: number
  signed: boolean
  outflows: readonly { asset: Address | 'native'; amount: bigint }[]
}

export type ReplacementFact = {
  /** The signer already signed a different transaction for this Safe and nonce. */
  isReplacement: boolean
  /** The operator confirmed on the signer that the replacement is intended. */
  acknowledged: boolean
}

const read = reader(InvalidFactsError, 'The facts')
const zeroHash = `0x${'00'.repeat(32)}` as Hex

/**
 * Parses facts from JSON (bigints as decimal strings), filling defaults: action `SignSafeTx`,
 * keyKind `ledger`, empty calls/findings/outflows/attestations/history, `firstSeenAt = now`,
 * operation 0, gasPrice 0, no replacement. Used by policy test files and the CLI.
 *
 * @example
 * Facts.fromJson({ now: 1_700_000_000, signer: { address: '0x…' }, tier: 'routine',
 *   tx: { safe: '0x…', chainId: 1, to: '0x…' } })
 */
export function fromJson(json: unknown): Facts {
  const o = read.object(json, 'facts')
  const now = read.integer(get(o, 'now'), 'now')
  const signer = read.object(get(o, 'signer'), 'signer')
  const tx = read.object(get(o, 'tx'), 'tx')
  const replacement = read.object(get(o, 'replacement') ?? {}, 'replacement')
  const action = get(o, 'action') ?? 'SignSafeTx'
  if (action !== 'SignSafeTx' && action !== 'Attest') read.fail('action', 'is not SignSafeTx or Attest')
  const tier = get(o, 'tier')
  if (!(tiers as readonly unknown[]).includes(tier)) read.fail('tier', `is not one of ${tiers.join(', ')}`)
  const keyKind = get(signer, 'keyKind') ?? 'ledger'
  if (!(keyKinds as readonly unknown[]).includes(keyKind)) {
    read.fail('signer.keyKind', `is not one of ${keyKinds.join(', ')}`)
  }
  const list = (key: string) => read.array(get(o, key) ?? [], key)
  return {
    action: action as ActionName,
    now,
    signer: { address: read.address(get(signer, 'address'), 'signer.address'), keyKind: keyKind as KeyKind },
    tx: {
      safe: read.address(get(tx, 'safe'), 'tx.safe'),
      chainId: read.integer(get(tx, 'chainId'), 'tx.chainId', 1),
      nonce: read.uint(get(tx, 'nonce') ?? 0, 'tx.nonce'),
      safeTxHash: read.hex(get(tx, 'safeTxHash') ?? zeroHash, 'tx.safeTxHash'),
      to: read.address(get(tx, 'to'), 'tx.to'),
      operation: operation(get(tx, 'operation') ?? 0, 'tx.operation'),
      gasPrice: read.uint(get(tx, 'gasPrice') ?? 0, 'tx.gasPrice'),
      refundReceiver: read.address(get(tx, 'refundReceiver') ?? zeroAddress, 'tx.refundReceiver'),
    },
    tier: tier as Tier,
    calls: list('calls').map((item, i) => {
      const c = read.object(item, `calls[${i}]`)
      const selector = get(c, 'selector')
      const method = get(c, 'method')
      return {
        to: read.address(get(c, 'to'), `calls[${i}].to`),
        value: read.uint(get(c, 'value') ?? 0, `calls[${i}].value`),
        operation: operation(get(c, 'operation') ?? 0, `calls[${i}].operation`),
        selector: selector === undefined ? undefined : read.hex(selector, `calls[${i}].selector`),
        method: method === undefined ? undefined : read.string(method, `calls[${i}].method`),
      }
    }),
    findings: list('findings').map((item, i) => {
      const f = read.object(item, `findings[${i}]`)
      const severity = get(f, 'severity')
      if (!(severities as readonly unknown[]).includes(severity)) {
        read.fail(`findings[${i}].severity`, `is not one of ${severities.join(', ')}`)
      }
      return { code: read.string(get(f, 'code'), `findings[${i}].code`), severity: severity as Severity }
    }),
    outflows: list('outflows').map((item, i) => {
      const f = read.object(item, `outflows[${i}]`)
      return {
        asset: asset(get(f, 'asset'), `outflows[${i}].asset`),
        amount: read.uint(get(f, 'amount'), `outflows[${i}].amount`),
        to: read.address(get(f, 'to'), `outflows[${i}].to`),
      }
    }),
    effects: list('effects').map((item, i) => {
      const e = read.object(item, `effects[${i}]`)
      const kind = get(e, 'kind')
      if (!(Effects.kinds as readonly unknown[]).includes(kind))
        read.fail(`effects[${i}].kind`, `is not one of ${Effects.kinds.join(', ')}`)
      const reason = get(e, 'reason')
      const selector = get(e, 'selector')
      return {
        kind: kind as Effects.Kind,
        reason: reason === undefined ? undefined : read.string(reason, `effects[${i}].reason`),
        to: read.address(get(e, 'to'), `effects[${i}].to`),
        selector: selector === undefined ? undefined : read.hex(selector, `effects[${i}].selector`),
      }
    }),
    firstSeenAt: read.integer(get(o, 'firstSeenAt') ?? now, 'firstSeenAt'),
    attestations: list('attestations').map((item, i) => read.address(item, `attestations[${i}]`)),
    history: list('history').map((item, i) => {
      const h = read.object(item, `history[${i}]`)
      return {
        time: read.integer(get(h, 'time'), `history[${i}].time`),
        chainId: read.integer(get(h, 'chainId') ?? get(tx, 'chainId'), `history[${i}].chainId`, 1),
        signed:
          get(h, 'signed') === undefined ? true : read.boolean(get(h, 'signed'), `history[${i}].signed`),
        outflows: read.array(get(h, 'outflows') ?? [], `history[${i}].outflows`).map((entry, j) => {
          const e = read.object(entry, `history[${i}].outflows[${j}]`)
          return {
            asset: asset(get(e, 'asset'), `history[${i}].outflows[${j}].asset`),
            amount: read.uint(get(e, 'amount'), `history[${i}].outflows[${j}].amount`),
          }
        }),
      }
    }),
    replacement: {
      isReplacement: flag(get(replacement, 'isReplacement'), 'replacement.isReplacement'),
      acknowledged: flag(get(replacement, 'acknowledged'), 'replacement.acknowledged'),
    },
  }
}

function operation(value: unknown, path: string): 0 | 1 {
  if (value !== 0 && value !== 1) read.fail(path, 'is not 0 (CALL) or 1 (DELEGATECALL)')
  return value as 0 | 1
}

function asset(value: unknown, path: string): Address | 'native' {
  return value === 'native' ? 'native' : read.address(value, path)
}

function flag(value: unknown, path: string): boolean {
  return value === undefined ? false : read.boolean(value, path)
}
