import * as SafeTx from '../SafeTx.ts'
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
}

/**
 * Everything the signer needs to judge a Safe transaction, computed offline from the transaction,
 * its context and the signer's own configuration.
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
}: AnalyzeParameters): AnalyzeReturnType {
  const tx = SafeTx.from(txInput as SafeTx.SafeTxInput)
  const context = SafeTx.context(contextInput)
  const registry = abis === undefined ? Abis.defaultRegistry : 'builtin' in abis ? abis : Abis.registry(abis)
  const calls = Calls.decode({ tx, context, org, abis: registry })
  const flows = Effects.flows({ calls, safe: context.safe, org })
  const assets = Assets.outflows({ calls, safe: context.safe, org, flows })
  const findings = Findings.find({ calls, tx, context, org, assets })
  const { tier, reasons } = Tier.classify({ calls, findings, context, org })
  return { tx, context, calls, findings, tier, tierReasons: reasons, assets, flows }
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
