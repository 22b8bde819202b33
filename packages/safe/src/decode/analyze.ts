import { isBaseError } from '@airlock/errors'
import type { Address } from 'viem'
import { AnalysisFailedError, RequestTooComplexError } from '../errors.ts'
import * as SafeTx from '../SafeTx.ts'
import type * as Signature from '../Signature.ts'
import * as Abis from './Abis.ts'
import * as Assets from './Assets.ts'
import * as Calls from './Calls.ts'
import * as Effects from './Effects.ts'
import * as Findings from './Findings.ts'
import * as OrgConfig from './OrgConfig.ts'
import * as Tier from './Tier.ts'

export type AnalyzeParameters = {
  /** The transaction; loose input is validated (typed errors for bad hex, numbers, addresses). */
  tx: SafeTx.SafeTx | SafeTx.SafeTxInput
  context: SafeTx.SafeContext | { chainId: unknown; safe: unknown; version: unknown }
  /** The signer's org configuration, parsed with `OrgConfig.parse`. */
  org?: OrgConfig.OrgConfig | undefined
  /** Extra ABIs: a registry built once with `Abis.registry`, or the raw ABIs (built on every call). */
  abis?: Abis.Registry | Abis.RegistryParameters | undefined
  /** Limits on the work (defaults: `Calls.defaultBudget`); beyond them the result is `request-too-complex`. */
  budget?: Partial<Calls.Budget> | undefined
  /**
   * Other Safes' transactions this one approves with `approveHash` (a nested Safe's owner Safe): each
   * is decoded and analysed under the approval when it hashes to the approved hash, else ignored.
   */
  approved?: readonly Calls.ApprovedTx[] | undefined
}

/** Another Safe's transaction run (or approved) from this one, analysed as coming from that Safe. */
export type NestedAnalysis = {
  /** The call that executes it (`execTransaction`, a module call, `approveHash`). */
  path: Calls.Path
  safe: Address
  via: Extract<Effects.Effect, { kind: 'nested-execution' }>['via']
  inOrg: boolean
  /** The inner transaction's tier, as if that Safe signed it alone; undefined for an `approveHash` whose transaction was not given. */
  tier: Tier.Tier | undefined
  /** The tiers that Safe may sign (org config `safes`). */
  ceiling: readonly Tier.Tier[]
  /** Findings inside the inner transaction. */
  findings: Findings.Finding[]
  /** What leaves that Safe (already part of the analysis' flows). */
  flows: Effects.Flow[]
  /** The signatures passed to `execTransaction`, parsed (v=1: approved by msg.sender, i.e. this Safe). */
  signatures: readonly Signature.Signature[] | undefined
  signaturesError: string | undefined
}

export type AnalyzeReturnType = {
  tx: SafeTx.SafeTx
  context: SafeTx.SafeContext
  /** The root call (the Safe transaction) with every inner call as children. */
  calls: Calls.Call
  /** Most severe first. */
  findings: Findings.Finding[]
  tier: Tier.Tier
  tierReasons: Tier.Reason[]
  /** What leaves the Safe, per asset (native first). */
  assets: Assets.Outflow[]
  /** Every outflow and allowance increase of an org Safe, one per transfer (see `Effects.outflowFacts`). */
  flows: Effects.Flow[]
  /** Every nested Safe execution in the tree, analysed as its own Safe's transaction. */
  nested: NestedAnalysis[]
  /** False when the request was beyond the budget and nothing was decoded (`request-too-complex`). */
  complete: boolean
}

/**
 * Everything the signer needs to judge a Safe transaction, computed offline from the transaction,
 * its context and the signer's own configuration. A request beyond the budget is answered in
 * milliseconds with the finding `request-too-complex` (and `complete: false`), not an exception;
 * malformed fields throw typed errors, and any internal failure is a `Safe.AnalysisFailedError`.
 *
 * @example
 * const { calls, findings, tier, tierReasons, assets } = analyze({ tx, context, org })
 * if (tier === 'existential') console.log(findings[0]?.reason)
 */
export function analyze({
  tx: txInput,
  context: contextInput,
  org = OrgConfig.empty,
  abis,
  budget,
  approved,
}: AnalyzeParameters): AnalyzeReturnType {
  const tx = SafeTx.from(txInput as SafeTx.SafeTxInput)
  const context = SafeTx.context(contextInput)
  try {
    // The caller's ABIs, else the org's (from the signed bundle), else the built-in ones.
    const registry =
      abis === undefined ? (org.abis ?? Abis.defaultRegistry) : 'builtin' in abis ? abis : Abis.registry(abis)
    let calls: Calls.Call
    try {
      calls = Calls.decode({ tx, context, org, abis: registry, budget, approved })
    } catch (error) {
      if (error instanceof RequestTooComplexError) return tooComplex({ tx, context, org, error })
      throw error
    }
    const flows = Effects.flows({ calls, safe: context.safe, org })
    const assets = Assets.outflows({ calls, safe: context.safe, org, flows })
    const findings = Findings.find({ calls, tx, context, org, assets })
    const { tier, reasons } = Tier.classify({ calls, findings, context, org })
    const nested = nestedAnalyses({ calls, findings, flows, context, org })
    const ceilingFindings = ceilings({ tier, context, org, nested })
    return {
      tx,
      context,
      calls,
      findings: Findings.sort([...findings, ...ceilingFindings]),
      tier,
      tierReasons: reasons,
      assets,
      flows,
      nested,
      complete: true,
    }
  } catch (error) {
    if (isBaseError(error)) throw error
    throw new AnalysisFailedError('The analysis failed on an internal error.', {
      hint: 'Refuse the request and report it with the request file.',
      details: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      cause: error,
    })
  }
}

const within = (path: Calls.Path, prefix: Calls.Path) =>
  path.length > prefix.length && prefix.every((index, i) => path[i] === index)

function nestedAnalyses({
  calls,
  findings,
  flows,
  context,
  org,
}: {
  calls: Calls.Call
  findings: readonly Findings.Finding[]
  flows: readonly Effects.Flow[]
  context: SafeTx.SafeContext
  org: OrgConfig.OrgConfig
}): NestedAnalysis[] {
  const out: NestedAnalysis[] = []
  for (const call of Calls.walk(calls)) {
    const effect = call.effect
    if (effect.kind !== 'nested-execution') continue
    const inner = call.children[0]
    const innerFindings = findings.filter((finding) => within(finding.path, call.path))
    let tier: Tier.Tier | undefined
    if (inner) {
      tier = Tier.classify({
        calls: inner,
        findings: innerFindings,
        context: { ...context, safe: effect.safe },
        org,
      }).tier
    }
    out.push({
      path: call.path,
      safe: effect.safe,
      via: effect.via,
      inOrg: effect.inOrg,
      tier,
      ceiling: [...OrgConfig.ceiling(org, effect.safe)],
      findings: innerFindings,
      flows: flows.filter((flow) => flow.safe === effect.safe && within(flow.path, call.path)),
      signatures: call.nested?.signatures,
      signaturesError: call.nested?.signaturesError,
    })
  }
  return out
}

function ceilings({
  tier,
  context,
  org,
  nested,
}: {
  tier: Tier.Tier
  context: SafeTx.SafeContext
  org: OrgConfig.OrgConfig
  nested: readonly NestedAnalysis[]
}): Findings.Finding[] {
  const out: Findings.Finding[] = []
  const add = (safe: Address, safeTier: Tier.Tier, allowed: ReadonlySet<Tier.Tier>, path: Calls.Path) => {
    if (allowed.has(safeTier)) return
    const label = OrgConfig.label(org, safe)
    out.push({
      code: 'tier-above-safe-ceiling',
      severity: Findings.codes['tier-above-safe-ceiling'],
      reason: `${label ? `${label} (${safe})` : safe} may sign only ${[...allowed].join(', ') || 'nothing'}; this ${path.length === 0 ? 'transaction' : `inner transaction at call ${Calls.formatPath(path)}`} is ${safeTier}.`,
      path,
    })
  }
  add(context.safe, tier, OrgConfig.ceiling(org, context.safe), [])
  for (const entry of nested) {
    if (entry.tier !== undefined) add(entry.safe, entry.tier, new Set(entry.ceiling), entry.path)
  }
  return out
}

function tooComplex({
  tx,
  context,
  org,
  error,
}: {
  tx: SafeTx.SafeTx
  context: SafeTx.SafeContext
  org: OrgConfig.OrgConfig
  error: RequestTooComplexError
}): AnalyzeReturnType {
  const calls: Calls.Call = {
    path: [],
    origin: 'safe-tx',
    sender: context.safe,
    to: tx.to,
    label: OrgConfig.label(org, tx.to),
    value: tx.value,
    operation: tx.operation,
    data: tx.data,
    selector: tx.data.length >= 10 ? (tx.data.slice(0, 10).toLowerCase() as `0x${string}`) : undefined,
    action: { type: 'none' },
    effect: { kind: 'unknown', reason: 'too-complex' },
    nested: undefined,
    children: [],
    kind: 'unknown',
    reason: 'too-complex',
    signature: undefined,
    detail: error.shortMessage,
  }
  const finding: Findings.Finding = {
    code: 'request-too-complex',
    severity: Findings.codes['request-too-complex'],
    reason: `Not analysed: ${error.shortMessage} ${error.hint ?? ''}`.trim(),
    path: [],
  }
  const flows = Effects.flows({ calls, safe: context.safe, org })
  return {
    tx,
    context,
    calls,
    findings: [finding],
    tier: 'existential',
    tierReasons: [{ tier: 'existential', code: 'request-too-complex', reason: finding.reason, path: [] }],
    assets: Assets.outflows({ calls, safe: context.safe, org, flows }),
    flows,
    nested: [],
    complete: false,
  }
}

/**
 * The analysis as JSON text (bigints as decimal strings), for the UI, the audit log or a fixture.
 *
 * @example
 * analysisToJson(analyze({ tx, context }))
 */
export function analysisToJson(analysis: AnalyzeReturnType, space?: number | undefined): string {
  return JSON.stringify(
    analysis,
    (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
    space,
  )
}
