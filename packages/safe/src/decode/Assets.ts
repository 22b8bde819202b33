import { type Address, maxUint256 } from 'viem'
import * as Calls from './Calls.ts'
import * as KnownContracts from './KnownContracts.ts'
import * as OrgConfig from './OrgConfig.ts'

/** How much of one asset the transaction moves or approves out of the Safe (base units). */
export type Outflow = {
  asset: OrgConfig.AssetId
  label: string | undefined
  /** Sent now: native value of calls from the Safe, ERC-20 transfers and transferFroms from the Safe. */
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
 * Sums the outflows of the Safe per asset: native first, then ERC-20 tokens by address. Only calls
 * that actually leave the Safe count: a timelock's scheduled transfer moves the timelock's funds later.
 *
 * @example
 * Assets.outflows({ calls: root, safe: context.safe })
 * // [{ asset: 'native', transferred: 10n ** 18n, approved: 0n, total: 10n ** 18n, … }]
 */
export function outflows({
  calls,
  safe,
  org = OrgConfig.empty,
}: {
  calls: Calls.Call
  safe: Address
  org?: OrgConfig.OrgConfig | undefined
}): Outflow[] {
  const sums = new Map<
    OrgConfig.AssetId,
    { transferred: bigint; approved: bigint; unlimited: boolean; paths: Calls.Path[] }
  >()
  const add = (
    asset: OrgConfig.AssetId,
    path: Calls.Path,
    transferred: bigint,
    approved: bigint,
    unlimited = false,
  ) => {
    const sum = sums.get(asset) ?? { transferred: 0n, approved: 0n, unlimited: false, paths: [] }
    sum.transferred = cap(sum.transferred + transferred)
    sum.approved = cap(sum.approved + approved)
    sum.unlimited ||= unlimited
    sum.paths.push(path)
    sums.set(asset, sum)
  }
  for (const call of Calls.walk(calls)) {
    // A delegatecall carries no value (the Safe and MultiSend both ignore it).
    if (call.operation === 0 && call.sender === safe && call.value > 0n)
      add('native', call.path, call.value, 0n)
    const action = call.action
    if (action.type === 'token-transfer' && action.standard === 'erc20' && action.from === safe) {
      add(action.token, call.path, action.amount, 0n)
    }
    if (
      action.type === 'token-approval' &&
      (action.standard === 'erc20' || action.standard === 'permit2') &&
      action.mode !== 'decrease' &&
      action.owner === safe
    ) {
      add(action.token, call.path, 0n, action.amount, action.unlimited)
    }
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
