/**
 * Safe messages (EIP-1271) on the offline signer. A message the Safe signs can move funds without
 * any transaction (a Permit, a Permit2 allowance or transfer), so it is reviewed like a transaction:
 * the signer recomputes the digest and the SafeMessage hash, decodes what the message authorises
 * into the same effect classes, asks the installed policy (default deny: unknown typed data is
 * refused; spenders and recipients must be listed; allowances and transfers count toward velocity
 * and the breaker), logs every decision, and only then signs the SafeMessage hash.
 */
import type { AuditEntry } from '@airlock/audit-log'
import type { Failure } from '@airlock/devices'
import { isBaseError, printable } from '@airlock/errors'
import { type Evaluation, type Facts, OrgConfig, type OutflowFact } from '@airlock/policy'
import { type DecoderOrg, MessageEffects, type SafeContext, SafeTx, SafeVersion } from '@airlock/safe'
import { MessageRequest, type MessageSignature } from '@airlock/transport'
import {
  type Address,
  getAddress,
  type Hex,
  isAddressEqual,
  isHex,
  keccak256,
  recoverAddress,
  stringToHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import * as DecisionLog from './DecisionLog.ts'
import * as Installed from './Installed.ts'
import * as Refusal from './Refusal.ts'
import type { Identity } from './review.ts'
import type { KeySource, Signer } from './Signer.ts'

/** The message-only refusal codes (the signer's other codes apply as for transactions). */
export const codes = {
  'message-invalid':
    'The message is not valid text or EIP-712 typed data for this Safe’s chain (missing types, EIP712Domain as primary type, wrong chain id, non-canonical numbers, or too large).',
  'unlimited-allowance':
    'The message grants an unlimited allowance (max uint160 for Permit2, max uint256 for ERC-2612): never signed off-chain.',
  'message-expired':
    'The message’s signature deadline has passed by this signer’s clock: the dapp must ask again with a new deadline.',
} as const

/** The finding a deadline too far ahead raises (critical: the default policies refuse it). */
export const deadlineTooLong = 'message-deadline-too-long'

/** A finding about a message, as the policy sees it (`code`, `severity`) with the reason shown. */
export type MessageFinding = {
  code: string
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info'
  reason: string
}

export type MessageCode = keyof typeof codes

/** Log `data.kind` of a signed message and of a refused one: `DecisionLog.state` counts their outflows. */
export const dataKinds = DecisionLog.messageKinds

export type MessageReview = {
  requestId: Hex
  context: SafeContext
  /** Undefined when the message could not be read (then it is refused). */
  decoded: MessageEffects.Decoded | undefined
  /** The hashes as a Ledger and the Transaction Service show them. */
  ledger: { domainHash: string; messageHash: string; safeMessageHash: Hex } | undefined
  outflows: readonly OutflowFact[]
  /** Findings about the message (an over-long deadline), passed to the policy. */
  findings: readonly MessageFinding[]
  /** The decoder's org config the review was described with (labels, decimals), when a policy is installed. */
  decoderOrg: DecoderOrg.OrgConfig | undefined
  facts: Facts.Facts | undefined
  policy: Evaluation | undefined
  refusals: readonly Refusal.Refusal[]
  allowed: boolean
  untrusted: { title: string; description: string }
  signer: Identity
}

export type MessageApproveResult =
  | {
      status: 'released'
      response: MessageSignature.MessageSignature
      review: MessageReview
      entry: AuditEntry.Entry
    }
  | {
      status: 'refused'
      refusals: readonly Refusal.Refusal[]
      review: MessageReview | undefined
      entry: AuditEntry.Entry
    }
  | { status: 'device-error'; failure: Failure; review: MessageReview | undefined; entry: AuditEntry.Entry }

const refusal = (code: MessageCode, detail?: string): Refusal.Refusal => ({
  code,
  source: 'signer',
  message: detail ? `${codes[code]} (${detail})` : codes[code],
})

/**
 * Reviews a Safe message request and, if the policy and the signer's own checks allow it, returns
 * this owner's EIP-1271 signature over the SafeMessage hash it computed. Every outcome is logged in
 * the signer's decision log before it is returned; no exception escapes.
 *
 * @example
 * const result = await MessageSigner.approve({ signer, request, key: { kind: 'software', privateKey } })
 * if (result.status === 'released') show(MessageSignature.toUr(result.response))
 */
export async function approve({
  signer,
  request,
  key,
}: {
  signer: Signer
  request: MessageRequest.MessageRequest
  key: KeySource
}): Promise<MessageApproveResult> {
  const digest = requestDigest(request)
  const log = signer.log
  const stamp = () => time(signer)
  let review: MessageReview | undefined
  let device: string | undefined
  const refuse = async (refusals: Refusal.Refusal[]): Promise<MessageApproveResult> => {
    const entry = await log.append(
      {
        event: 'refused',
        requestDigest: digest,
        decision: 'refused',
        reasons: refusals.map((r) => `${r.code}: ${r.message}`),
        ...bundleHash(signer),
        ...(device ? { device } : {}),
        ...(review ? { data: logData(dataKinds.refused, review) } : {}),
      },
      { time: stamp() },
    )
    return { status: 'refused', refusals, review, entry }
  }
  try {
    // The key, and who it is.
    let sign: (hashes: MessageEffects.Decoded['hashes'], context: SafeContext) => Promise<Hex | Failure>
    let identity: Identity
    if (key.kind === 'software') {
      const account = privateKeyToAccount(key.privateKey)
      identity = { address: account.address, keyKind: 'software' }
      device = `software:${account.address}`
      sign = (hashes, context) => account.signTypedData(safeMessageTypedData(hashes.digest, context))
    } else {
      device = `ledger:${key.path}`
      if (!('signTypedData' in key.device)) return await deviceError(signer, key.device, digest, device)
      const ledger = key.device
      const address = await ledger.getAddress({ path: key.path })
      if (!address.ok) return await deviceError(signer, address, digest, device)
      identity = { address: address.address, keyKind: 'ledger' }
      device = `${device}:${address.address}`
      sign = async (hashes, context) => {
        const signed = await ledger.signTypedData({
          typedData: safeMessageTypedData(hashes.digest, context) as never,
          path: key.path,
          expectedSigner: address.address,
        })
        return signed.ok ? signed.signature : signed
      }
    }

    review = reviewMessage({ signer, request, identity })
    const breaker = review.policy?.derived.breaker
    if (breaker?.byCandidate) {
      await log.append(
        {
          event: 'breaker-tripped',
          requestDigest: digest,
          decision: 'tripped',
          reasons: breaker.reasons.map((r) => `${r.code}: ${r.message}`),
          data: { resumesAt: breaker.resumesAt ?? null },
        },
        { time: stamp() },
      )
    }
    if (!review.allowed || !review.decoded) return await refuse([...review.refusals])

    const { hashes } = review.decoded
    const signature = await sign(hashes, review.context)
    if (typeof signature !== 'string') return await deviceError(signer, signature, digest, device, review)
    // Checked like any device output: it must recover to this owner over the hash computed here.
    const recovered = await recoverAddress({ hash: hashes.messageHash, signature })
    if (!isAddressEqual(recovered, identity.address))
      throw new Error(`the device's signature recovers to ${recovered}, not ${identity.address}`)
    const entry = await log.append(
      {
        event: 'signed',
        requestDigest: digest,
        decision: 'signed-message',
        reasons: (review.policy?.reasons ?? []).map((r) => r.policyId),
        ...bundleHash(signer),
        device,
        signature,
        data: logData(dataKinds.signed, review),
      },
      { time: stamp() },
    )
    return {
      status: 'released',
      response: {
        requestId: request.requestId,
        messageHash: hashes.messageHash,
        signer: identity.address,
        signature,
      },
      review,
      entry,
    }
  } catch (error) {
    return refuse([Refusal.internalError(error)])
  }
}

/** What a message review reads: the signer (policy, log, clock), the request and who would sign. */
export type ReviewParameters = {
  signer: Signer
  request: MessageRequest.MessageRequest
  identity: Identity
}

/** The `data.kind` of a `reviewed` entry for a Safe message (not counted in history). */
export const reviewKind = 'message-review'

/**
 * Reviews a Safe message request and logs that this signer saw it (`reviewed`, would-sign or
 * would-refuse with the reasons), as `Signer.review` does for a transaction. No exception escapes:
 * anything unexpected is a logged `internal-error`.
 *
 * @example
 * const review = await MessageSigner.review({ signer, request, identity })
 * console.log(MessageSigner.text(review))
 */
export async function review({ signer, request, identity }: ReviewParameters): Promise<MessageReview> {
  const digest = requestDigest(request)
  let result: MessageReview
  try {
    result = reviewMessage({ signer, request, identity })
  } catch (error) {
    const internal = Refusal.internalError(error)
    result = {
      requestId: request.requestId,
      context: request.context,
      decoded: undefined,
      ledger: undefined,
      outflows: [],
      findings: [],
      decoderOrg: undefined,
      facts: undefined,
      policy: undefined,
      refusals: [internal],
      allowed: false,
      untrusted: { title: '', description: '' },
      signer: identity,
    }
  }
  await signer.log.append(
    {
      event: 'reviewed',
      requestDigest: digest,
      decision: result.allowed ? 'would-sign' : 'would-refuse',
      reasons: result.refusals.map((r) => r.code),
      ...bundleHash(signer),
      data: {
        kind: reviewKind,
        requestId: request.requestId,
        ...(result.decoded ? { messageHash: result.decoded.hashes.messageHash } : {}),
      },
    },
    { time: time(signer) },
  )
  return result
}

/**
 * Reviews a Safe message against the signer's installed policy and log, without logging anything.
 *
 * @example
 * const review = MessageSigner.reviewMessage({ signer, request, identity })
 * review.refusals.map((r) => r.code) // ['treasury.unknown-recipient']
 */
export function reviewMessage({ signer, request, identity }: ReviewParameters): MessageReview {
  const state = signer.state(identity)
  const { installed, log } = state
  const now = Math.floor(state.nowMs / 1000)
  const refusals: Refusal.Refusal[] = []
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  const untrusted = { title: text(request.title), description: text(request.description) }
  const base = {
    requestId: request.requestId,
    outflows: [],
    findings: [],
    decoderOrg: undefined,
    facts: undefined,
    policy: undefined,
    allowed: false,
    untrusted,
    signer: identity,
  }

  let context: SafeContext
  let decoded: MessageEffects.Decoded
  try {
    context = SafeTx.context(request.context)
    decoded = MessageEffects.decode({ message: request.message, context })
  } catch (error) {
    if (!isBaseError(error)) throw error
    return {
      ...base,
      context: request.context,
      decoded: undefined,
      ledger: undefined,
      refusals: [refusal('message-invalid', error.shortMessage)],
    }
  }
  const chainId = context.chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(context.chainId) : undefined
  if (log.lastTimeMs !== undefined && state.nowMs < log.lastTimeMs)
    refusals.push(Refusal.signer('clock-rollback'))
  if (!installed) refusals.push(Refusal.signer('no-policy'))
  const safe =
    installed && chainId !== undefined
      ? OrgConfig.findSafe(installed.org, { address: context.safe, chainId })
      : undefined
  if (installed && !safe) {
    const elsewhere = installed.org.safes.find((s) => isAddressEqual(s.address, context.safe))
    refusals.push(Refusal.signer(elsewhere ? 'wrong-chain' : 'unknown-safe'))
  }
  if (safe) {
    if (safe.version.replace(/\+L2$/, '') !== context.version)
      refusals.push(Refusal.signer('safe-version-mismatch'))
    if (!safe.owners.includes(identity.address.toLowerCase() as Address))
      refusals.push(Refusal.signer('not-an-owner'))
  }
  if (
    installed &&
    SafeVersion.compare(context.version, '1.3.0') < 0 &&
    !installed.rules.allowLegacySafeVersions
  )
    refusals.push(Refusal.signer('legacy-safe-version'))
  if (installed && identity.keyKind === 'software' && !installed.org.allowSoftwareKeys)
    refusals.push(Refusal.signer('software-key-not-allowed'))
  const { effect } = decoded
  if (effect.kind === 'allowance' && effect.grants.some((g) => g.unlimited))
    refusals.push(refusal('unlimited-allowance'))
  // Deadlines by the signer's own clock: a passed signature deadline is refused; one further ahead
  // than the bundle allows (an endless permit) is a critical finding for the policy.
  const maxSeconds = installed?.rules.messageMaxDeadlineSeconds ?? Installed.defaultMessageMaxDeadlineSeconds
  const findings: MessageFinding[] = []
  for (const d of decoded.deadlines) {
    if (d.kind === 'signature' && d.at < BigInt(now))
      refusals.push(refusal('message-expired', `${d.path} ${MessageEffects.deadlineText(d.at)}`))
    if (d.at > BigInt(now + maxSeconds))
      findings.push({
        code: deadlineTooLong,
        severity: 'critical',
        reason: `${d.path} is ${MessageEffects.deadlineText(d.at)}, more than ${Math.round(maxSeconds / 86400)} days ahead (signerRules.messageMaxDeadlineSeconds ${maxSeconds}): a leaked signature stays usable that long.`,
      })
  }
  const { messageHash } = decoded.hashes
  if (
    signer.log.entries.some(
      (e) =>
        e.event === 'signed' &&
        (e.data as Record<string, unknown> | undefined)?.kind === dataKinds.signed &&
        (e.data as Record<string, unknown>).messageHash === messageHash,
    )
  )
    refusals.push(Refusal.signer('already-signed', 'This signer already signed this exact Safe message.'))

  const outflows: OutflowFact[] = decoded.flows.map((f) => ({
    asset: f.asset === 'native' ? 'native' : (f.asset.toLowerCase() as Address),
    amount: f.amount,
    to: f.to.toLowerCase() as Address,
  }))
  let facts: Facts.Facts | undefined
  let policy: Evaluation | undefined
  if (installed && chainId !== undefined) {
    // The message as the policy sees it: a routine request of the Safe whose only "call" is the
    // message's verifying contract, with the message's effect. A message never gets a second round,
    // so anything above routine (a large allowance) is refused by the tier rules.
    const target = (decoded.verifyingContract ?? context.safe).toLowerCase() as Address
    facts = {
      action: 'SignSafeTx',
      now,
      signer: { address: identity.address.toLowerCase() as Address, keyKind: identity.keyKind },
      tx: {
        safe: context.safe.toLowerCase() as Address,
        chainId,
        nonce: 0n,
        safeTxHash: messageHash,
        to: target,
        operation: 0,
        gasPrice: 0n,
        refundReceiver: zero,
      },
      tier: 'routine',
      calls: [],
      findings: findings.map(({ code, severity }) => ({ code, severity })),
      outflows,
      effects: [
        ...(effect.kind === 'text'
          ? []
          : [
              {
                kind: effect.kind,
                reason: effect.kind === 'unknown' ? effect.reason : undefined,
                to: target,
                selector: undefined,
              },
            ]),
        // A witness transfer's witness: what it makes the spender's contract do is not known here.
        ...(decoded.witness
          ? [
              {
                kind: 'unknown' as const,
                reason: decoded.witness.effect.reason,
                to: target,
                selector: undefined,
              },
            ]
          : []),
      ],
      firstSeenAt: now,
      attestations: [],
      // The log's history counts transactions and Safe messages alike (see DecisionLog.messageKinds).
      history: log.history,
      replacement: { isReplacement: false, acknowledged: false },
    }
    try {
      policy = installed.engine.evaluate(facts)
    } catch (error) {
      if (!isBaseError(error)) throw error
      refusals.push(
        Refusal.signer('policy-denied', `The policy could not evaluate this message: ${error.shortMessage}`),
      )
    }
    if (policy?.decision === 'deny') {
      for (const reason of policy.reasons.filter((r) => r.effect === 'forbid'))
        refusals.push({ code: reason.policyId, source: 'policy', message: reason.message })
      if (!refusals.some((r) => r.source === 'policy')) refusals.push(Refusal.signer('policy-denied'))
    }
  }
  return {
    ...base,
    context,
    decoded,
    ledger: MessageEffects.ledger(decoded),
    outflows,
    findings,
    decoderOrg: installed && chainId !== undefined ? installed.decoderOrg(chainId) : undefined,
    facts,
    policy,
    refusals,
    allowed: refusals.length === 0 && policy?.decision === 'allow',
  }
}

/**
 * The review as text for a terminal: verdict, the hashes as the device and the Transaction Service
 * show them, what the message authorises, then the coordinator's untrusted text.
 *
 * @example
 * console.log(MessageSigner.text(result.review))
 */
export function text(review: MessageReview): string {
  const lines = [
    `Verdict        ${review.allowed ? 'SIGN MESSAGE' : 'REFUSE'}`,
    ...review.refusals.map((r) => `  x ${r.code}: ${r.message}`),
    '',
    `Safe           ${review.context.safe}`,
    `Chain id       ${review.context.chainId}`,
    `Signer         ${review.signer.address} (${review.signer.keyKind})`,
  ]
  if (review.decoded && review.ledger) {
    lines.push(
      `Message        ${review.decoded.kind === 'text' ? 'text (EIP-191)' : `typed data ${review.decoded.primaryType} on ${review.decoded.verifyingContract ?? 'no contract'}`}`,
      '',
      'What the device shows (SafeMessage, EIP-712): compare these with its screens:',
      `  Domain hash   ${review.ledger.domainHash}`,
      `  Message hash  ${review.ledger.messageHash}`,
      `Safe message hash (Transaction Service) ${review.ledger.safeMessageHash}`,
      '',
      'What it authorises:',
      ...MessageEffects.describe(review.decoded, { org: review.decoderOrg }).map((l) => `  ${l}`),
    )
  }
  if (review.findings.length > 0) {
    lines.push('', `Findings (${review.findings.length}):`)
    for (const f of review.findings) lines.push(`  [${f.severity.toUpperCase()}] ${f.code}: ${f.reason}`)
  }
  if (review.policy) {
    lines.push('', `Policy         ${review.policy.decision.toUpperCase()}`)
    for (const r of review.policy.reasons)
      lines.push(`  ${r.effect === 'forbid' ? 'x' : '+'} ${r.policyId}: ${r.message}`)
  }
  lines.push(
    '',
    'UNTRUSTED (from the coordinator, not verified):',
    `  title        ${JSON.stringify(review.untrusted.title)}`,
    `  description  ${JSON.stringify(review.untrusted.description)}`,
  )
  return `${lines.map(printable).join('\n')}\n`
}

/**
 * The EIP-712 typed data an owner signs for a Safe message: `SafeMessage(bytes message)` over the
 * message's digest, in the Safe's domain.
 *
 * @example
 * account.signTypedData(MessageSigner.safeMessageTypedData(decoded.hashes.digest, context))
 */
export function safeMessageTypedData(digest: Hex, context: SafeContext) {
  return {
    domain: SafeVersion.domainHasChainId(context.version)
      ? { chainId: context.chainId, verifyingContract: getAddress(context.safe) }
      : { verifyingContract: getAddress(context.safe) },
    types: { SafeMessage: [{ name: 'message', type: 'bytes' }] },
    primaryType: 'SafeMessage' as const,
    message: { message: digest },
  }
}

const zero = '0x0000000000000000000000000000000000000000' as Address

function logData(kind: string, review: MessageReview) {
  const chainId = review.context.chainId
  return {
    kind,
    requestId: review.requestId,
    chainId: chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(chainId) : 0,
    safe: review.context.safe.toLowerCase(),
    // No nonce: a message is not ordered; '0' keeps the entry readable as decision data.
    nonce: '0',
    tier: 'routine',
    ...(review.decoded ? { messageHash: review.decoded.hashes.messageHash } : {}),
    outflows: review.outflows.map((o) => ({ asset: o.asset, amount: o.amount.toString(), to: o.to })),
  }
}

async function deviceError(
  signer: Signer,
  failure: Failure,
  digest: Hex,
  device: string,
  review?: MessageReview,
): Promise<MessageApproveResult> {
  const entry = await signer.log.append(
    {
      event: 'device-error',
      requestDigest: digest,
      decision: failure.code,
      reasons: [failure.userMessage, ...(failure.details ? [failure.details] : [])],
      device,
    },
    { time: time(signer) },
  )
  return { status: 'device-error', failure, review, entry }
}

// The signer's time for a new entry: its clock, never before the log's last entry.
function time(signer: Signer): string {
  const last = signer.log.entries.at(-1)
  const now = signer.state({ address: zero, keyKind: 'other' }).nowMs
  return new Date(Math.max(now, last ? Date.parse(last.time) : 0)).toISOString()
}

function bundleHash(signer: Signer): { policyBundleHash?: Hex } {
  return signer.installed ? { policyBundleHash: signer.installed.hash } : {}
}

// keccak256 of the request's canonical wire encoding; the request id when it cannot be encoded.
function requestDigest(request: MessageRequest.MessageRequest): Hex {
  try {
    return keccak256(MessageRequest.encode(request))
  } catch {
    const id: unknown = request.requestId
    return typeof id === 'string' && isHex(id) ? id : keccak256(stringToHex(String(id)))
  }
}
