// The review as the renderer sees it: plain JSON built from the engine's Review. The renderer never
// sees the request, the key, the log or the policy, only this. Unknown finding, refusal or effect
// codes are passed through as they come (the engine owns them; the screen renders them generically).

import { printable } from '@airlock/errors'
import type { AssetConfig, BreakerConfig } from '@airlock/policy'
import { Calls, Describe } from '@airlock/safe'
import type { Review } from '@airlock/signer-core'
import { formatUnits } from 'viem'
import type { ArgView, BarView, CallView, DeviceChoice, ReviewView } from './api.ts'

type CallNode = NonNullable<Review['analysis']>['calls']

/**
 * Builds the review screen's view model from the engine's review.
 *
 * @example
 * const view = reviewView({ review, device: 'ledger' })
 */
export function reviewView({
  review,
  device,
  assets: allAssets = [],
  breaker,
}: {
  review: Review
  device: DeviceChoice
  /** The installed org's assets, for names and units. */
  assets?: readonly AssetConfig[] | undefined
  /** The installed org's breaker limits, to draw the breaker's state against them. */
  breaker?: BreakerConfig | undefined
}): ReviewView {
  const installed = review.bundle
  const org = review.policy?.derived
  const assets = allAssets.filter((a) => BigInt(a.chainId) === BigInt(review.context.chainId))
  const safeLabel = review.policy?.derived.safe?.name
  const verdict = review.allowed ? (review.stage === 'attestation' ? 'attest' : 'sign') : 'refuse'
  const calls: CallView[] = []
  const decoded = { assets, safe: review.context.safe, org: review.decoderOrg }
  if (review.analysis) walk(review.analysis.calls, 0, calls, decoded)
  const tx = review.tx
  return {
    requestId: review.requestId,
    safe: { address: review.context.safe, label: safeLabel },
    chainId: String(review.context.chainId),
    safeVersion: review.context.version,
    nonce: String(tx.nonce),
    signer: { address: review.signer.address, keyKind: review.signer.keyKind },
    hashes: {
      domainHash: review.ledger.domainHash,
      messageHash: review.ledger.messageHash,
      safeTxHash: review.ledger.safeTxHash,
      binaryStringLiteral: review.ledger.binaryStringLiteral,
    },
    ...(review.approves
      ? {
          approves: {
            safe: review.approves.context.safe,
            safeVersion: review.approves.context.version,
            nonce: String(review.approves.tx.nonce),
            hashes: review.approves.hashes,
            approvedHash: review.approves.approvedHash,
            matches: review.approves.matches,
          },
        }
      : {}),
    tx: {
      to: tx.to,
      value: `${tx.value} wei${tx.value > 0n ? ` (${formatUnits(tx.value, 18)} native)` : ''}`,
      operation: tx.operation === 1 ? '1 (DELEGATECALL)' : '0 (CALL)',
      data: tx.data,
      safeTxGas: String(tx.safeTxGas),
      baseGas: String(tx.baseGas),
      gasPrice: String(tx.gasPrice),
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
    },
    calls,
    findings: review.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      reason: f.reason,
      where: f.path && f.path.length > 0 ? Calls.formatPath(f.path) : undefined,
    })),
    tier: review.tier,
    tierReasons: (review.analysis?.tierReasons ?? []).map((r) => r.reason),
    stage: review.stage,
    verdict,
    refusals: review.refusals.map((r) => ({ code: r.code, source: r.source, message: r.message })),
    policy: review.policy && {
      decision: review.policy.decision,
      reasons: review.policy.reasons.map((r) => ({
        policyId: r.policyId,
        effect: r.effect,
        message: r.message,
      })),
    },
    velocity: org ? velocityBars(org.velocity, assets) : [],
    breaker: org && {
      tripped: org.breaker.tripped,
      reasons: org.breaker.reasons.map((r) => r.message),
      windowBps: org.breaker.windowBps,
      windowLimitBps: breaker?.windowBps,
      consecutiveLarge: org.breaker.consecutiveLarge,
      consecutiveLimit: breaker?.consecutiveLarge,
    },
    outflows: review.outflows.map((o) => ({
      asset: assetName(o.asset, assets),
      amount: amountText(o.amount, o.asset, assets),
      to: o.to,
    })),
    approvals:
      review.approvals.required === undefined
        ? undefined
        : { owners: [...review.approvals.owners], required: review.approvals.required },
    delay:
      review.requiredDelaySeconds === undefined
        ? undefined
        : {
            firstSeen: new Date(review.firstSeenAt * 1000).toISOString(),
            ageSeconds: review.ageSeconds,
            requiredSeconds: review.requiredDelaySeconds,
          },
    prior: review.prior.map((p) => ({
      kind: p.kind,
      safeTxHash: p.safeTxHash,
      time: new Date(p.time * 1000).toISOString(),
    })),
    replacement: review.replacement,
    untrusted: {
      title: review.untrusted.title,
      description: review.untrusted.description,
      claimedTier: review.untrusted.claimedTier,
      tierMismatch: review.untrusted.tierMismatch,
    },
    deviceShows: deviceShows(review, device),
    device,
    policyBundle: installed && { version: installed.version, hash: installed.hash },
  }
}

// What each device puts on its screen for a Safe transaction, so the person can compare.
function deviceShows(review: Review, device: DeviceChoice): ReviewView['deviceShows'] {
  const { ledger, tx, context } = review
  switch (device) {
    case 'ledger':
      return [
        { screen: 'Review typed message', value: 'Safe transaction (EIP-712, hashed)' },
        { screen: 'Domain hash', value: ledger.domainHash },
        { screen: 'Message hash', value: ledger.messageHash },
        { screen: 'Then', value: 'Sign message / Reject' },
      ]
    case 'keystone':
      return [
        { screen: 'Chain', value: String(context.chainId) },
        { screen: 'To (the Safe)', value: context.safe },
        { screen: 'SafeTx to', value: tx.to },
        { screen: 'SafeTx value', value: String(tx.value) },
        { screen: 'SafeTx operation', value: String(tx.operation) },
        { screen: 'SafeTx nonce', value: String(tx.nonce) },
        { screen: 'safeTxHash', value: ledger.safeTxHash },
      ]
    case 'software':
      return [{ screen: 'No screen', value: 'The software test key signs without a device prompt.' }]
    default: {
      const never: never = device
      return never
    }
  }
}

type Assets = readonly AssetConfig[]

function assetName(asset: string, assets: Assets): string {
  const found = assets.find((a) => a.address === asset.toLowerCase() || a.id === asset)
  return found ? found.id : asset === 'native' ? 'native' : asset
}

function amountText(amount: bigint, asset: string, assets: Assets): string {
  const found = assets.find((a) => a.address === asset.toLowerCase() || a.id === asset)
  if (found) return `${formatUnits(amount, found.decimals)} ${found.id} (${amount} base units)`
  if (asset === 'native') return `${formatUnits(amount, 18)} native (${amount} wei)`
  return `${amount} base units of ${asset}`
}

function velocityBars(
  velocity: NonNullable<Review['policy']>['derived']['velocity'],
  assets: Assets,
): BarView[] {
  const bars: BarView[] = []
  const pct = (n: bigint, of: bigint) => (of === 0n ? 100 : Math.min(100, Number((n * 10_000n) / of) / 100))
  const unit = (asset: string, n: bigint) => {
    const found = assets.find((a) => a.id === asset)
    return found ? `${formatUnits(n, found.decimals)} ${asset}` : `${n} ${asset}`
  }
  for (const v of velocity) {
    if (v.epoch) {
      bars.push({
        label: `${v.asset}: this period`,
        used: unit(v.asset, v.epoch.used),
        after: unit(v.asset, v.epoch.after),
        limit: unit(v.asset, v.epoch.cap),
        remaining: unit(v.asset, v.epoch.remaining),
        usedPercent: pct(v.epoch.used, v.epoch.cap),
        afterPercent: pct(v.epoch.after, v.epoch.cap),
        exceeds: v.epoch.wouldExceed,
      })
    }
    if (v.bucket) {
      bars.push({
        label: `${v.asset}: rolling allowance`,
        used: unit(v.asset, v.bucket.level),
        after: unit(v.asset, v.bucket.after),
        limit: unit(v.asset, v.bucket.capacity),
        remaining: unit(v.asset, v.bucket.remaining),
        usedPercent: pct(v.bucket.level, v.bucket.capacity),
        afterPercent: pct(v.bucket.after, v.bucket.capacity),
        exceeds: v.bucket.wouldExceed,
      })
    }
  }
  return bars
}

type Decoded = {
  assets: Assets
  safe: Review['context']['safe']
  org: Review['decoderOrg']
}

function walk(node: CallNode, depth: number, out: CallView[], decoded: Decoded): void {
  out.push(callView(node, depth, decoded))
  for (const child of node.children) walk(child, depth + 1, out, decoded)
}

function callView(node: CallNode, depth: number, { assets, safe, org }: Decoded): CallView {
  // Every argument in full, struct fields and array elements flattened, with the labels of known
  // addresses and amounts in the asset's units: the decoder's own reading, as the CLI prints it.
  const args: ArgView[] = Describe.argumentLines({ call: node, safe, org }).map((line) => ({
    name: line.path,
    type: line.type,
    // Strings inside calldata are the sender's: control and bidi characters shown as escapes.
    value: printable(line.value),
    label: line.label,
    note: line.units ?? amountNote(line, node, assets),
  }))
  return {
    path: Calls.formatPath(node.path),
    depth,
    operation: node.operation === 1 ? 'DELEGATECALL' : 'CALL',
    origin: node.origin,
    to: node.to,
    label: node.label,
    value: `${node.value} wei${node.value > 0n ? ` (${formatUnits(node.value, 18)} native)` : ''}`,
    kind: node.kind,
    method: node.kind === 'function' ? node.function.name : undefined,
    signature: node.kind === 'function' ? node.function.signature : undefined,
    args,
    action: actionText(node, assets),
    unknownReason: node.kind === 'unknown' ? node.reason : undefined,
    canonical: node.kind === 'function' ? node.function.canonical : true,
  }
}

// The amount of a token transfer or approval the decoder understood, in the org asset's units (for a
// token the decoder has no decimals for but the policy's assets do).
function amountNote(line: { path: string; value: string }, node: CallNode, assets: Assets) {
  const action = node.action
  if (action.type !== 'token-transfer' && action.type !== 'token-approval') return undefined
  if (line.path.includes('.') || line.value !== String(action.amount)) return undefined
  return amountText(action.amount, action.token, assets)
}

function actionText(node: CallNode, assets: Assets): string | undefined {
  const a = node.action
  switch (a.type) {
    case 'none':
      return undefined
    case 'batch':
      return 'Batch: runs every inner call in order'
    case 'native-transfer':
      return `Sends ${amountText(a.amount, 'native', assets)} to ${a.to}`
    case 'token-transfer':
      return `Transfers ${amountText(a.amount, a.token, assets)} from ${a.from} to ${a.to}`
    case 'token-approval':
      return `Allows ${a.spender} to spend ${'unlimited' in a && a.unlimited ? 'an UNLIMITED amount' : amountText(a.amount, a.token, assets)} of ${a.token}`
    case 'safe-admin':
      return `Changes the Safe ${a.safe}: ${a.change}${a.subject ? ` (${a.subject})` : ''}`
    case 'upgrade':
      return `Upgrades proxy ${a.proxy} to implementation ${a.implementation}`
    case 'control-change':
      return `Changes control (${a.what})${a.subject ? ` to ${a.subject}` : ''}`
    case 'pause':
      return a.paused ? 'Pauses the contract' : 'Unpauses the contract'
    case 'timelock':
      return `Timelock: ${a.op}`
    default:
      // An effect this screen does not word yet: shown by its name, never hidden.
      return `Effect: ${(a as { type: string }).type}`
  }
}
