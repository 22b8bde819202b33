import type { SafeContext } from '../SafeTx.ts'
import * as Calls from './Calls.ts'
import type * as Findings from './Findings.ts'
import * as OrgConfig from './OrgConfig.ts'

/**
 * How much scrutiny a transaction needs, lowest first. Emergency is not "less dangerous than routine":
 * it is the narrow fast path for pausing the protocol from the guardian Safe.
 */
export type Tier = 'emergency' | 'routine' | 'critical' | 'existential'

export const tiers: readonly Tier[] = ['emergency', 'routine', 'critical', 'existential']

/** Why the transaction got (at least) a tier. */
export type Reason = {
  tier: Tier
  /** The finding code that raised it, or `emergency` / `routine` for the two baseline rules. */
  code: Findings.Code | 'emergency' | 'routine'
  reason: string
  path: Calls.Path
}

export type Classification = {
  tier: Tier
  /** Every reason for a tier above routine, highest first; or the single reason for routine/emergency. */
  reasons: Reason[]
}

/**
 * The tier each finding code raises the transaction to. Codes not listed leave it at routine.
 * The highest tier of any call wins.
 */
// Every code is listed (undefined: shown, tier unchanged), so a new finding code does not compile
// until someone decides what tier it raises.
export const byFinding: Readonly<Record<Findings.Code, Tier | undefined>> = {
  'delegatecall-untrusted': 'existential',
  'safe-owner-change': 'existential',
  'safe-threshold-change': 'existential',
  'safe-singleton-change': 'existential',
  'proxy-upgrade': 'critical',
  'safe-module-change': 'critical',
  'safe-guard-change': 'critical',
  'safe-module-guard-change': 'critical',
  'safe-fallback-handler-change': 'critical',
  'large-outflow': 'critical',
  'unlimited-approval': 'critical',
  'gas-refund': 'critical',
  'safe-approve-hash': 'critical',
  'safe-sign-message': 'critical',
  'control-change': 'critical',
  'timelock-delay-change': 'critical',
  'unknown-function-on-asset': 'critical',
  'non-canonical-encoding': 'critical',
  'malformed-arguments': 'critical',
  'nested-safe-unknown': 'critical',
  'allowed-call-violation': 'critical',
  'request-too-complex': 'existential',
  // Decided by the org's ceiling for the Safe, not by raising the tier.
  'tier-above-safe-ceiling': undefined,
  'safe-self-call': undefined,
  'safe-module-transaction': undefined,
  'safe-nested-transaction': undefined,
  'version-without-chain-id': undefined,
  'unknown-selector': undefined,
  'value-to-unknown-target': undefined,
  'transfer-to-unknown-recipient': undefined,
  unpause: undefined,
  'timelock-cancel': undefined,
  pause: undefined,
  'timelock-schedule': undefined,
  'timelock-execute': undefined,
}

export type ClassifyParameters = {
  calls: Calls.Call
  findings: readonly Findings.Finding[]
  context: SafeContext
  org?: OrgConfig.OrgConfig | undefined
}

/**
 * Classifies a decoded transaction. Only the decoded calls, the findings and the signer's own org
 * configuration count: a tier label sent with the request is never an input.
 *
 * @example
 * Tier.classify({ calls, findings, context, org }).tier // 'existential' for a Bybit-shaped delegatecall
 */
export function classify({
  calls,
  findings,
  context,
  org = OrgConfig.empty,
}: ClassifyParameters): Classification {
  const raised: Reason[] = []
  for (const finding of findings) {
    const tier = byFinding[finding.code]
    if (tier) raised.push({ tier, code: finding.code, reason: finding.reason, path: finding.path })
  }
  if (raised.length > 0) {
    raised.sort((a, b) => tiers.indexOf(b.tier) - tiers.indexOf(a.tier))
    return { tier: raised[0]!.tier, reasons: raised }
  }
  const emergency = emergencyCheck(calls, context, org)
  if (emergency.ok) {
    return {
      tier: 'emergency',
      reasons: [{ tier: 'emergency', code: 'emergency', reason: emergency.why, path: [] }],
    }
  }
  return {
    tier: 'routine',
    reasons: [
      {
        tier: 'routine',
        code: 'routine',
        reason: `No call raises the tier above routine. ${emergency.why}`,
        path: [],
      },
    ],
  }
}

/**
 * Emergency needs every effective call (batches are transparent) to pause a listed pausable contract,
 * or to cancel a pending operation of a listed timelock (listed under `pausable` too: cancelling moves
 * nothing, it only stops), with no value, as a plain call from the guardian Safe.
 */
function emergencyCheck(
  root: Calls.Call,
  context: SafeContext,
  org: OrgConfig.OrgConfig,
): { ok: boolean; why: string } {
  const leaves = [...Calls.walk(root)].filter((call) => call.action.type !== 'batch')
  const stops = (call: Calls.Call) =>
    (call.action.type === 'pause' && call.action.paused) ||
    (call.action.type === 'timelock' && call.action.op === 'cancel')
  const pauses = leaves.filter(stops)
  if (pauses.length === 0) return { ok: false, why: 'It is not an emergency pause.' }
  if (org.guardian === undefined || org.guardian !== context.safe) {
    return {
      ok: false,
      why: 'It pauses, but this Safe is not the org’s guardian Safe, so it is not Emergency.',
    }
  }
  const stray = leaves.find(
    (call) =>
      !(
        stops(call) &&
        org.pausable.has(call.to) &&
        call.value === 0n &&
        call.operation === 0 &&
        call.sender === context.safe &&
        call.children.length === 0
      ),
  )
  if (stray) {
    return {
      ok: false,
      why: `Call ${Calls.formatPath(stray.path)} is not a pause (or timelock cancel) of a listed pausable contract, so it is not Emergency.`,
    }
  }
  const targets = [...new Set(pauses.map((call) => call.label || call.to))]
  return {
    ok: true,
    why: `Every call pauses (or cancels an operation of) a listed pausable contract (${targets.join(', ')}) from the guardian Safe.`,
  }
}
