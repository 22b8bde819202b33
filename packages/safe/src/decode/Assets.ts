import { type Address, maxUint256 } from 'viem'
import type * as Calls from './Calls.ts'
import * as Effects from './Effects.ts'
import * as KnownContracts from './KnownContracts.ts'
import * as OrgConfig from './OrgConfig.ts'

/** How much of one asset the transaction moves or approves out of the Safe (base units). */
export type Outflow = {
  asset: OrgConfig.AssetId
  label: string | undefined
  /** Sent now: native value of calls from org Safes, token transfers out of them (NFTs: token count). */
  transferred: bigint
  /** Allowances granted by the Safe (approve, increaseAllowance, permit, Permit2), capped at 2^256-1. */
  approved: bigint
  /** transferred + approved, capped at 2^256-1: what the policy engine compares with limits. */
  total: bigint
  /** Whether any approval is unlimited (the total is then the cap). */
  unlimited: boolean
  /** The calls that contribute, in tree order. */
  paths: readonly Calls.Path[]
}

const cap = (amount: bigint) => (amount > maxUint256 ? maxUint256 : amount)

/**
 * Sums the org Safes' outflows per asset (native first, then tokens by address) from the effect
 * flows (`Effects.flows`, the one source of outflows): native value, ERC-20/721/1155 transfers,
 * allowance increases. A timelock's scheduled transfer moves the timelock's funds later: not counted.
 *
 * @example
 * Assets.outflows({ calls: root, safe: context.safe })
 * // [{ asset: 'native', transferred: 10n ** 18n, approved: 0n, total: 10n ** 18n, … }]
 */
export function outflows({
  calls,
  safe,
  org = OrgConfig.empty,
  flows,
}: {
  calls: Calls.Call
  safe: Address
  org?: OrgConfig.OrgConfig | undefined
  /** Flows already computed with `Effects.flows`; computed here when absent. */
  flows?: readonly Effects.Flow[] | undefined
}): Outflow[] {
  const sums = new Map<
    OrgConfig.AssetId,
    { transferred: bigint; approved: bigint; unlimited: boolean; paths: Calls.Path[] }
  >()
  for (const flow of flows ?? Effects.flows({ calls, safe, org })) {
    const sum = sums.get(flow.asset) ?? { transferred: 0n, approved: 0n, unlimited: false, paths: [] }
    if (flow.kind === 'transfer') sum.transferred = cap(sum.transferred + flow.amount)
    else sum.approved = cap(sum.approved + flow.amount)
    sum.unlimited ||= flow.unlimited
    sum.paths.push(flow.path)
    sums.set(flow.asset, sum)
  }
  return [...sums.entries()]
    .sort(([a], [b]) =>
      a === 'native' ? -1 : b === 'native' ? 1 : a.toLowerCase() < b.toLowerCase() ? -1 : 1,
    )
    .map(([asset, sum]) => ({
      asset,
      label:
        asset === 'native' ? undefined : (OrgConfig.label(org, asset) ?? KnownContracts.get(asset)?.label),
      transferred: sum.transferred,
      approved: sum.approved,
      total: sum.unlimited ? maxUint256 : cap(sum.transferred + sum.approved),
      unlimited: sum.unlimited,
      paths: sum.paths,
    }))
}
