// What the window shows for a Safe message request (EIP-1271): the engine's MessageReview as plain
// data. Every amount, label and hash comes from the signer's own decoding; the coordinator's title and
// description are carried separately as untrusted text.
import { printable } from '@airlock/errors'
import { MessageEffects } from '@airlock/safe'
import type { MessageSigner } from '@airlock/signer-core'
import { formatUnits, getAddress } from 'viem'
import type { DeviceOutcomeView } from './api.ts'

/** One permit or Permit2 allowance or transfer the message authorises. */
export type MessagePermitView = {
  kind: 'allowance' | 'transfer'
  /** `ERC-2612 permit`, `Permit2 allowance`, `Permit2 transfer`. */
  what: string
  asset: string
  assetLabel: string | undefined
  spender: string
  spenderLabel: string | undefined
  /** Base units, as signed. */
  amount: string
  /** The amount in the asset's units (`1000 USDC`), when the policy knows its decimals. */
  units: string | undefined
  unlimited: boolean
}

export type MessageReviewView = {
  allowed: boolean
  refusals: readonly { code: string; message: string }[]
  safe: string
  chainId: string
  safeVersion: string
  signer: { address: string; keyKind: string }
  /** `text (EIP-191)` or `typed data <PrimaryType> on <contract>`; undefined when unreadable. */
  message: string | undefined
  /** The full text of a text message, escaped. */
  text: string | undefined
  permits: readonly MessagePermitView[]
  deadlines: readonly { path: string; kind: 'signature' | 'allowance'; at: string; expired: boolean }[]
  witness: { field: string; type: string; typeString: string; json: string } | undefined
  /** Unknown typed data, or a witness whose meaning is unknown: refused by default. */
  unknown: string | undefined
  findings: readonly { code: string; severity: string; reason: string }[]
  /** As the Ledger shows a Safe message (domain and message hash) and as the service lists it. */
  hashes: { domainHash: string; messageHash: string; safeMessageHash: string } | undefined
  policy:
    | { decision: string; reasons: readonly { policyId: string; effect: string; message: string }[] }
    | undefined
  untrusted: { title: string; description: string }
}

export type MessageReviewResult =
  | { status: 'reviewed'; review: MessageReviewView }
  | { status: 'device-error'; outcome: DeviceOutcomeView }

export type MessageSignView =
  | { status: 'released'; signer: string; safeMessageHash: string }
  | {
      status: 'refused'
      refusals: readonly { code: string; message: string }[]
      review: MessageReviewView | undefined
    }
  | { status: 'device-error'; outcome: DeviceOutcomeView }
  | { status: 'air-gap'; message: string }

/**
 * The review of a Safe message as the window shows it.
 *
 * @example
 * messageReviewView({ review, now }) // { allowed: true, permits: [{ what: 'Permit2 allowance', units: '1000 USDC', … }], … }
 */
export function messageReviewView({
  review,
  now,
}: {
  review: MessageSigner.MessageReview
  /** The signer's clock, unix seconds (to mark deadlines that passed). */
  now: number
}): MessageReviewView {
  const { decoded, decoderOrg } = review
  const known = (address: string) => decoderOrg?.knownContracts.get(getAddress(address))
  const label = (address: string): string | undefined => {
    const a = getAddress(address)
    const text =
      decoderOrg?.knownContracts.get(a)?.label ??
      decoderOrg?.allowlistedRecipients.get(a) ??
      decoderOrg?.safes.get(a)?.label
    return text === undefined ? undefined : printable(text)
  }
  const units = (asset: string, amount: bigint) => {
    const contract = known(asset)
    return contract?.decimals === undefined
      ? undefined
      : `${formatUnits(amount, contract.decimals)} ${printable(contract.label)}`
  }
  const permits: MessagePermitView[] = []
  const effect = decoded?.effect
  if (effect?.kind === 'allowance')
    for (const g of effect.grants)
      permits.push({
        kind: 'allowance',
        what: g.standard === 'permit2' ? 'Permit2 allowance' : 'ERC-2612 permit',
        asset: g.asset,
        assetLabel: label(g.asset),
        spender: g.spender,
        spenderLabel: label(g.spender),
        amount: g.amount.toString(),
        units: g.unlimited ? undefined : units(g.asset, g.amount),
        unlimited: g.unlimited,
      })
  if (effect?.kind === 'outflow')
    for (const t of effect.transfers)
      permits.push({
        kind: 'transfer',
        what: 'Permit2 transfer',
        asset: t.asset,
        assetLabel: label(t.asset),
        spender: t.to,
        spenderLabel: label(t.to),
        amount: t.amount.toString(),
        units: units(t.asset, t.amount),
        unlimited: false,
      })
  const witness = decoded?.witness
  return {
    allowed: review.allowed,
    refusals: review.refusals.map((r) => ({ code: r.code, message: printable(r.message) })),
    safe: review.context.safe,
    chainId: String(review.context.chainId),
    safeVersion: review.context.version,
    signer: { address: review.signer.address, keyKind: review.signer.keyKind },
    message:
      decoded &&
      (decoded.kind === 'text'
        ? 'text (EIP-191)'
        : `typed data ${printable(decoded.primaryType ?? '')} on ${decoded.verifyingContract ?? 'no contract'}`),
    text: effect?.kind === 'text' ? effect.text : undefined,
    permits,
    deadlines: (decoded?.deadlines ?? []).map((d) => ({
      path: d.path,
      kind: d.kind,
      at: MessageEffects.deadlineText(d.at),
      expired: d.kind === 'signature' && d.at < BigInt(now),
    })),
    witness: witness && {
      field: printable(witness.field),
      type: printable(witness.type),
      typeString: printable(witness.typeString),
      json: printable(MessageEffects.toJson(witness.value)),
    },
    unknown:
      effect?.kind === 'unknown'
        ? `Unknown typed data (${effect.reason}): refused by default`
        : witness
          ? `What the witness makes the spender do is unknown to this signer: refused by default`
          : undefined,
    findings: review.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      reason: printable(f.reason),
    })),
    hashes: review.ledger,
    policy: review.policy && {
      decision: review.policy.decision,
      reasons: review.policy.reasons.map((r) => ({
        policyId: r.policyId,
        effect: r.effect,
        message: printable(r.message),
      })),
    },
    untrusted: {
      title: printable(review.untrusted.title),
      description: printable(review.untrusted.description),
    },
  }
}
