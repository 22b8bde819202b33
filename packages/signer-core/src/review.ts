import { isBaseError, printable } from '@airlock/errors'
import {
  type CallFact,
  type Evaluation,
  type Facts,
  type KeyKind,
  OrgConfig,
  type OutflowFact,
  type SafeConfig,
} from '@airlock/policy'
import {
  type AnalyzeReturnType,
  analyze,
  Calls,
  type DecoderOrg,
  Describe,
  Effects,
  type Findings,
  LedgerDisplay,
  type LedgerHashes,
  NestedSafe,
  type SafeContext,
  Tier as SafeTier,
  SafeTx,
  SafeTxHash,
  type SafeTxHashes,
  SafeVersion,
  Signature,
} from '@airlock/safe'
import type { SignRequest } from '@airlock/transport'
import { type Address, type Hex, isAddressEqual } from 'viem'
import * as Attestation from './Attestation.ts'
import type { LogState, Released } from './DecisionLog.ts'
import * as Installed from './Installed.ts'
import * as Refusal from './Refusal.ts'
import * as Timelock from './Timelock.ts'

export type Tier = SafeTier.Tier

/** Who is signing: the owner address of the key and what kind of key holds it. */
export type Identity = { address: Address; keyKind: KeyKind }

/** Everything `review` decides from: the installed policy, the log's state, the key and the clock. */
export type SignerState = {
  installed: Installed.Installed | undefined
  log: LogState
  identity: Identity
  /** The signer's clock (ms since the epoch). */
  nowMs: number
}

/** What a signer does with a request in this round. */
export type Stage =
  /** Emergency or Routine, or round 2 of Critical/Existential: a Safe signature. */
  | 'signature'
  /** Round 1 of Critical/Existential: an approval attestation, never a Safe signature. */
  | 'attestation'

export type Severity = Findings.Severity

/** A decoder finding, or one the signer raised about the request's signatures and attestations. */
export type ReviewFinding = {
  code: string
  severity: Severity
  reason: string
  /** The call it concerns, for decoder findings. */
  path: readonly number[] | undefined
  source: 'decoder' | 'signer'
}

export type SignatureCheck = {
  signer: Address
  status: 'valid' | 'forged' | 'not-owner' | 'unverifiable' | 'malformed'
  /** Who the signature recovers to over the recomputed safeTxHash, when it is an ECDSA one. */
  recovered: Address | undefined
}

export type AttestationCheck = {
  signer: Address
  tier: string
  status: 'counted' | 'forged' | 'not-owner' | 'duplicate' | 'self' | 'tier-mismatch' | 'malformed'
  recovered: Address | undefined
}

/** The other Safe's transaction an owner Safe's `approveHash` approves, as the request carried it. */
export type Approves = {
  context: SafeContext
  tx: SafeTx.SafeTx
  /** Recomputed here with that Safe's own domain. */
  hashes: SafeTxHashes
  /** The hash the request's `approveHash` approves; undefined when it is not a plain approveHash. */
  approvedHash: Hex | undefined
  /** The inner transaction hashes to the approved hash, on that Safe, on this chain: decoded under it. */
  matches: boolean
}

export type Review = {
  requestId: Hex
  context: SafeContext
  tx: SafeTx.SafeTx
  hashes: SafeTxHashes
  /**
   * For an owner Safe's approveHash carrying the approved transaction: that transaction, decoded in
   * `analysis` under the approveHash call (its findings and tier count) when `matches`.
   */
  approves?: Approves | undefined
  /** The hashes as the Ledger shows them. */
  ledger: LedgerHashes
  /** Undefined when the calldata could not be decoded (then the request is refused). */
  analysis: AnalyzeReturnType | undefined
  /** The decoder's view of the installed org config it was decoded with (labels, decimals). */
  decoderOrg: DecoderOrg.OrgConfig | undefined
  /** Computed here from the decoded calls; undefined only when decoding failed. */
  tier: Tier | undefined
  stage: Stage
  /** Most severe first. */
  findings: readonly ReviewFinding[]
  outflows: readonly OutflowFact[]
  signatures: readonly SignatureCheck[]
  attestations: readonly AttestationCheck[]
  /** Distinct owners that approved (counted attestations, plus this signer when it is an owner), and how many the tier needs. */
  approvals: { owners: readonly Address[]; required: number | undefined }
  /** Unix seconds of this signer's first sighting (its log), or now. */
  firstSeenAt: number
  ageSeconds: number
  requiredDelaySeconds: number | undefined
  /** What this signer already released for this Safe and nonce, from its log. */
  prior: readonly Released[]
  /** Timelock operations this transaction schedules or executes; executes of operations whose schedule this signer signed are `approved`. */
  timelock: { operations: readonly Timelock.Operation[]; approved: readonly Timelock.Operation[] }
  replacement: { isReplacement: boolean; acknowledged: boolean }
  facts: Facts.Facts | undefined
  policy: Evaluation | undefined
  /** Every reason to refuse, the signer's own first; empty when allowed. */
  refusals: readonly Refusal.Refusal[]
  allowed: boolean
  /** False when the request was refused before it could be hashed (then `hashes` are zero and mean nothing). */
  read: boolean
  /**
   * Refused only because it is too early: the signer's own reasons are all "delay not elapsed" or
   * "not enough approvals", and the policy allows the same request once the tier's delay has passed
   * and every owner approved. Such a refusal is not counted by the breaker.
   */
  notYet: boolean
  /** Untrusted text from the coordinator, shown as such. */
  untrusted: { title: string; description: string; claimedTier: string | undefined; tierMismatch: boolean }
  bundle: { hash: Hex; version: number } | undefined
  signer: Identity
}

export type ReviewParameters = {
  state: SignerState
  /** The operator confirmed on the signer that replacing an already-signed nonce is intended. */
  acknowledgeReplacement?: boolean | undefined
}

const tierRank: Record<string, number> = { emergency: 0, routine: 1, critical: 2, existential: 3 }
const severityOrder: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info']

/**
 * Reviews a signing request from scratch: recomputes the hashes, decodes and classifies the calls
 * with the installed org config, verifies every signature and attestation the request carries,
 * reads this signer's log, and asks the policy engine. Nothing the coordinator claims (tier, title,
 * signatures' signers) is trusted. Pure: it logs nothing (see `Signer.review`).
 *
 * @example
 * const result = await review(request, { state: signer.state() })
 * if (!result.allowed) for (const r of result.refusals) console.log(r.code, r.message)
 */
export async function review(
  request: SignRequest.SignRequest,
  parameters: ReviewParameters,
): Promise<Review> {
  try {
    return await reviewUnguarded(request, parameters)
  } catch (error) {
    // No exception leaves a review: whatever broke (the decoder, the policy engine, a bug) refuses.
    return refusedReview(request, { state: parameters.state, refusal: Refusal.internalError(error) })
  }
}

/**
 * The review of a request that could not be reviewed: refused for `refusal`, with only what can be
 * read from the request itself (the hashes when its fields can be hashed, zero hashes otherwise).
 *
 * @example
 * refusedReview(request, { state, refusal: Refusal.internalError(error) }).allowed // false
 */
export function refusedReview(
  request: SignRequest.SignRequest,
  {
    state,
    refusal,
    hash = true,
  }: {
    state: SignerState
    refusal: Refusal.Refusal
    /** False: do not even hash the request (too large to hash in time). */
    hash?: boolean | undefined
  },
): Review {
  let context = request.context
  let tx = request.tx
  const zero = `0x${'00'.repeat(32)}` as Hex
  let hashes: SafeTxHashes = { domainHash: zero, messageHash: zero, safeTxHash: zero }
  let read = false
  try {
    context = SafeTx.context(request.context)
    tx = SafeTx.from(request.tx)
    if (hash) {
      hashes = SafeTxHash.compute({ tx, context })
      read = true
    }
  } catch {
    // Unreadable fields: the zero hashes stand, and `read` says they mean nothing.
  }
  const now = Math.floor(state.nowMs / 1000)
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  const { installed } = state
  return {
    requestId: request.requestId,
    context,
    tx,
    hashes,
    ledger: LedgerDisplay.fromHashes(hashes),
    analysis: undefined,
    decoderOrg: undefined,
    tier: undefined,
    stage: 'signature',
    findings: [],
    outflows: [],
    signatures: [],
    attestations: [],
    approvals: { owners: [], required: undefined },
    firstSeenAt: now,
    ageSeconds: 0,
    requiredDelaySeconds: undefined,
    prior: [],
    timelock: { operations: [], approved: [] },
    replacement: { isReplacement: false, acknowledged: false },
    facts: undefined,
    policy: undefined,
    refusals: [refusal],
    allowed: false,
    read,
    notYet: false,
    untrusted: {
      title: text(request.title),
      description: text(request.description),
      claimedTier: undefined,
      tierMismatch: false,
    },
    bundle: installed ? { hash: installed.hash, version: installed.version } : undefined,
    signer: state.identity,
  }
}

/**
 * The refusal for a request too large to even hash within the signer's time budget (calldata over
 * the decoder's byte budget; the wire format refuses such requests too), checked before any work.
 *
 * @example
 * oversized(request)?.code // 'request-too-complex'
 */
export function oversized(request: SignRequest.SignRequest): Refusal.Refusal | undefined {
  const data: unknown = (request.tx as { data?: unknown } | undefined)?.data
  const bytes = typeof data === 'string' ? Math.ceil((data.length - 2) / 2) : 0
  const max = Calls.defaultBudget.maxBytes
  if (bytes <= max) return undefined
  return Refusal.signer(
    'request-too-complex',
    `${Refusal.codes['request-too-complex']} (${bytes} bytes of calldata, at most ${max}; not hashed or decoded)`,
  )
}

async function reviewUnguarded(
  request: SignRequest.SignRequest,
  { state, acknowledgeReplacement = false }: ReviewParameters,
): Promise<Review> {
  const tooLarge = oversized(request)
  if (tooLarge) return refusedReview(request, { state, refusal: tooLarge, hash: false })
  const { installed, log, identity } = state
  const now = Math.floor(state.nowMs / 1000)
  const refusals: Refusal.Refusal[] = []
  const findings: ReviewFinding[] = []

  // Recompute from raw fields, even for a request that came through the wire codec.
  const context = SafeTx.context(request.context)
  const tx = SafeTx.from(request.tx)
  const hashes = SafeTxHash.compute({ tx, context })
  const { safeTxHash } = hashes
  const chainId = context.chainId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(context.chainId) : undefined

  if (log.lastTimeMs !== undefined && state.nowMs < log.lastTimeMs)
    refusals.push(Refusal.signer('clock-rollback'))
  if (!installed) refusals.push(Refusal.signer('no-policy'))

  // The Safe as the installed org config knows it.
  let safe: SafeConfig | undefined
  if (installed) {
    safe =
      chainId === undefined
        ? undefined
        : OrgConfig.findSafe(installed.org, { address: context.safe, chainId })
    if (!safe) {
      const elsewhere = installed.org.safes.find((s) => isAddressEqual(s.address, context.safe))
      refusals.push(
        elsewhere
          ? Refusal.signer(
              'wrong-chain',
              `The Safe ${context.safe} is listed for chain ${elsewhere.chainId}, not ${context.chainId}.`,
            )
          : Refusal.signer('unknown-safe'),
      )
    } else {
      const configured = safe.version.replace(/\+L2$/, '')
      if (configured !== context.version) {
        refusals.push(
          Refusal.signer(
            'safe-version-mismatch',
            `The request says Safe ${context.version}; the org config says ${safe.version}.`,
          ),
        )
      }
      if (!identity || !safe.owners.includes(identity.address.toLowerCase() as Address)) {
        refusals.push(Refusal.signer('not-an-owner'))
      }
    }
    if (SafeVersion.compare(context.version, '1.3.0') < 0 && !installed.rules.allowLegacySafeVersions) {
      refusals.push(Refusal.signer('legacy-safe-version'))
    }
    if (identity.keyKind === 'software' && !installed.org.allowSoftwareKeys) {
      refusals.push(Refusal.signer('software-key-not-allowed'))
    }
  }

  // An owner Safe's approveHash with the approved transaction: shown only if it is exactly what is approved.
  let approves: Approves | undefined
  try {
    approves = request.approves ? approvedTx(request.approves, { tx, context }) : undefined
  } catch (error) {
    if (!isBaseError(error)) throw error
    refusals.push(
      Refusal.signer(
        'approved-hash-mismatch',
        `The approved transaction cannot be read: ${error.shortMessage}`,
      ),
    )
  }
  if (approves && !approves.matches) {
    refusals.push(
      Refusal.signer(
        'approved-hash-mismatch',
        approves.approvedHash === undefined
          ? `${Refusal.codes['approved-hash-mismatch']} (this request is not a plain approveHash call)`
          : `The request approves ${approves.approvedHash} on ${tx.to}; the transaction it carries is ${approves.hashes.safeTxHash} of ${approves.context.safe} on chain ${approves.context.chainId}.`,
      ),
    )
  }
  if (approves && installed && chainId !== undefined) {
    const listed = OrgConfig.findSafe(installed.org, { address: approves.context.safe, chainId })
    if (listed && listed.version.replace(/\+L2$/, '') !== approves.context.version) {
      refusals.push(
        Refusal.signer(
          'safe-version-mismatch',
          `The approved transaction says Safe ${approves.context.version}; the org config says ${listed.version} for ${approves.context.safe}.`,
        ),
      )
    }
  }

  // Decode and classify with the signer's own org config.
  const decoderOrg = installed && chainId !== undefined ? installed.decoderOrg(chainId) : undefined
  let analysis: AnalyzeReturnType | undefined
  try {
    analysis = analyze({
      tx,
      context,
      org: decoderOrg,
      approved: approves?.matches ? [{ context: approves.context, tx: approves.tx }] : [],
    })
  } catch (error) {
    if (!isBaseError(error)) throw error
    refusals.push(Refusal.signer('undecodable', `The calldata could not be decoded: ${error.shortMessage}`))
  }
  // Timelock: executing an operation whose schedule this signer already signed needs no second
  // round for what it checked then; only what is left (the rest of the transaction) sets the tier.
  const operations =
    analysis && chainId !== undefined
      ? Timelock.operations(analysis.calls, { chainId, safe: context.safe })
      : []
  const approvedExecutes = operations.filter((o) => o.op === 'execute' && log.scheduled.has(o.key))
  const checkedBefore = (path: readonly number[]) =>
    approvedExecutes.some((e) => path.length > e.path.length && Timelock.within(path, e.path))
  const leftFindings = (analysis?.findings ?? []).filter((f) => !checkedBefore(f.path))
  let tier = analysis?.tier
  if (analysis && approvedExecutes.length > 0) {
    tier = SafeTier.classify({
      calls: analysis.calls,
      findings: leftFindings,
      context,
      org: installed && chainId !== undefined ? installed.decoderOrg(chainId) : undefined,
    }).tier
  }
  for (const finding of analysis?.findings ?? []) {
    findings.push({ ...finding, source: 'decoder' })
  }
  for (const e of approvedExecutes) {
    findings.push({
      ...signerFinding(
        'timelock-execute-approved',
        'info',
        `Executes timelock operation ${e.id} on ${e.timelock}, whose schedule this signer signed; its calls were checked then and count no further toward the tier.`,
      ),
      path: e.path,
    })
  }

  // Round: the signer's own log says whether it attested already.
  const attested = log.released.some((r) => r.kind === 'approval-attestation' && r.safeTxHash === safeTxHash)
  const stage: Stage = tier && Attestation.isAttestedTier(tier) && !attested ? 'attestation' : 'signature'

  // The request's Safe signatures: shown, checked, never counted toward a tier.
  const owners = new Set<string>(safe?.owners ?? [])
  const signatures = request.signatures.map(({ signer, signature }): SignatureCheck => {
    let entries: Signature.Signature[]
    try {
      entries = Signature.parse(signature)
    } catch (error) {
      if (!isBaseError(error)) throw error
      return { signer, status: 'malformed', recovered: undefined }
    }
    const [entry] = entries
    if (entries.length !== 1 || !entry) return { signer, status: 'malformed', recovered: undefined }
    if (entry.type !== 'ecdsa' && entry.type !== 'eth_sign')
      return { signer, status: 'unverifiable', recovered: undefined }
    const recovered = Signature.recover({ signature: entry, safeTxHash })
    if (!recovered || !isAddressEqual(recovered, signer)) return { signer, status: 'forged', recovered }
    if (!owners.has(recovered.toLowerCase())) return { signer, status: 'not-owner', recovered }
    return { signer, status: 'valid', recovered }
  })
  for (const check of signatures) {
    if (check.status === 'forged' || check.status === 'malformed') {
      findings.push(
        signerFinding(
          'forged-signature',
          'critical',
          `The Safe signature claimed by ${check.signer} does not recover to it over this safeTxHash.`,
        ),
      )
    } else if (check.status === 'not-owner') {
      findings.push(
        signerFinding(
          'signature-not-owner',
          'high',
          `${check.signer} signed, but is not an owner of this Safe.`,
        ),
      )
    } else if (check.status === 'unverifiable') {
      findings.push(
        signerFinding(
          'signature-unverifiable',
          'info',
          `The signature claimed by ${check.signer} is a contract or approved-hash signature; it is checked on chain.`,
        ),
      )
    }
  }
  if (signatures.some((s) => s.status === 'forged' || s.status === 'malformed'))
    refusals.push(Refusal.signer('forged-signature'))

  // Attestations: only valid ones from distinct listed owners (other than this signer) count.
  const seen = new Set<string>()
  const attestations: AttestationCheck[] = []
  for (const { signer, signature, tier: claimed } of request.attestations) {
    const check = (
      status: AttestationCheck['status'],
      recovered?: Address | undefined,
    ): AttestationCheck => ({
      signer,
      tier: claimed,
      status,
      recovered,
    })
    if (!Attestation.isAttestedTier(claimed)) {
      attestations.push(check('tier-mismatch'))
      continue
    }
    let recovered: Address
    try {
      recovered = await Attestation.recover(
        Attestation.forRequest({ context, safeTxHash, tier: claimed }),
        signature,
      )
    } catch (error) {
      if (!isBaseError(error)) throw error
      attestations.push(check('malformed'))
      continue
    }
    const lower = recovered.toLowerCase()
    if (!isAddressEqual(recovered, signer)) attestations.push(check('forged', recovered))
    else if (!owners.has(lower)) attestations.push(check('not-owner', recovered))
    else if (seen.has(lower)) attestations.push(check('duplicate', recovered))
    else if (isAddressEqual(recovered, identity.address)) attestations.push(check('self', recovered))
    else if (claimed !== tier) attestations.push(check('tier-mismatch', recovered))
    else attestations.push(check('counted', recovered))
    if (owners.has(lower)) seen.add(lower)
  }
  for (const check of attestations) {
    if (check.status === 'forged' || check.status === 'malformed') {
      findings.push(
        signerFinding(
          'forged-attestation',
          'critical',
          `The attestation claimed by ${check.signer} does not recover to it for this safeTxHash, Safe, chain and tier.`,
        ),
      )
    } else if (check.status === 'not-owner') {
      findings.push(
        signerFinding(
          'attestation-not-owner',
          'high',
          `${check.signer} attested, but is not an owner of this Safe.`,
        ),
      )
    } else if (check.status === 'duplicate') {
      findings.push(
        signerFinding(
          'duplicate-attestation',
          'high',
          `${check.signer} attested more than once; it counts once.`,
        ),
      )
    } else if (check.status === 'tier-mismatch') {
      findings.push(
        signerFinding(
          'attestation-tier-mismatch',
          'medium',
          `${check.signer} attested to tier "${check.tier}", not ${tier ?? 'the computed tier'}; it does not count.`,
        ),
      )
    }
  }
  if (attestations.some((a) => a.status === 'forged' || a.status === 'malformed'))
    refusals.push(Refusal.signer('forged-attestation'))
  if (attestations.some((a) => a.status === 'not-owner'))
    refusals.push(Refusal.signer('attestation-not-owner'))
  if (attestations.some((a) => a.status === 'duplicate'))
    refusals.push(Refusal.signer('duplicate-attestation'))
  const counted = attestations.filter((a) => a.status === 'counted').map((a) => a.recovered as Address)

  // The coordinator's tier label is untrusted; understating it is refused.
  const claimedTier = request.claimedTier
  const tierMismatch = claimedTier !== undefined && tier !== undefined && claimedTier !== tier
  if (
    tier !== undefined &&
    claimedTier !== undefined &&
    claimedTier in tierRank &&
    tierRank[claimedTier]! < tierRank[tier]!
  ) {
    refusals.push(
      Refusal.signer(
        'tier-understated',
        `The coordinator says "${claimedTier}"; this signer computed "${tier}".`,
      ),
    )
  }

  // This signer's memory of the Safe and nonce.
  const prior = log.released.filter(
    (r) =>
      chainId !== undefined &&
      r.chainId === chainId &&
      isAddressEqual(r.safe, context.safe) &&
      r.nonce === tx.nonce,
  )
  const signedBefore = prior.filter((r) => r.kind === 'safe-signature')
  const isReplacement = signedBefore.some((r) => r.safeTxHash !== safeTxHash)
  if (stage === 'signature' && signedBefore.some((r) => r.safeTxHash === safeTxHash)) {
    refusals.push(Refusal.signer('already-signed'))
  }
  if (isReplacement) {
    if (!installed?.rules.allowReplacement) refusals.push(Refusal.signer('replacement-not-allowed'))
    else if (!acknowledgeReplacement) refusals.push(Refusal.signer('replacement-not-acknowledged'))
  }

  const firstSeenAt = log.firstSeen.get(safeTxHash) ?? now
  const ageSeconds = Math.max(0, now - firstSeenAt)
  let required: number | undefined
  let requiredDelaySeconds: number | undefined
  if (installed && safe && tier && Attestation.isAttestedTier(tier)) {
    const need = Installed.requirement(installed, safe, tier)
    required = need.approvals
    requiredDelaySeconds = need.delaySeconds
    if (stage === 'signature') {
      const approvals = counted.length + 1
      if (approvals < need.approvals) {
        refusals.push(
          Refusal.signer(
            'insufficient-approvals',
            `${approvals} of ${need.approvals} owners approved (this signer plus ${counted.length} valid attestation(s)).`,
          ),
        )
      }
      if (ageSeconds < need.delaySeconds) {
        refusals.push(
          Refusal.signer(
            'delay-not-elapsed',
            `This signer first saw it ${hours(ageSeconds)} ago; ${tier} needs ${hours(need.delaySeconds)}.`,
          ),
        )
      }
    }
  }
  const approvers = [
    ...counted,
    ...(safe && owners.has(identity.address.toLowerCase()) ? [identity.address] : []),
  ]

  // The policy, with facts computed here.
  // One definition of outflows: the decoder's flows (transfers and allowance increases of every org
  // Safe, nested Safe executions included; revocations move nothing).
  const outflows: OutflowFact[] = analysis ? Effects.outflowFacts(analysis) : []
  let facts: Facts.Facts | undefined
  let policy: Evaluation | undefined
  // Over the decoder's work budget: refused at once, without asking the policy about a request
  // nobody decoded in full (the answer comes in milliseconds, and it is logged like any refusal).
  if (analysis && !analysis.complete) refusals.push(Refusal.signer('request-too-complex'))
  if (installed && analysis?.complete && tier && chainId !== undefined) {
    facts = {
      action: stage === 'attestation' ? 'Attest' : 'SignSafeTx',
      now,
      signer: { address: identity.address.toLowerCase() as Address, keyKind: identity.keyKind },
      tx: {
        safe: context.safe.toLowerCase() as Address,
        chainId,
        nonce: tx.nonce,
        safeTxHash,
        to: tx.to.toLowerCase() as Address,
        operation: tx.operation,
        gasPrice: tx.gasPrice,
        refundReceiver: tx.refundReceiver.toLowerCase() as Address,
      },
      tier,
      calls: leafCalls(analysis, { exclude: checkedBefore }),
      findings: leftFindings.map(({ code, severity }) => ({ code, severity })),
      outflows,
      effects: Effects.list(analysis.calls)
        .filter((e) => !checkedBefore(e.path))
        .map(({ effect, to, selector }) => ({
          kind: effect.kind,
          reason:
            effect.kind === 'unknown'
              ? effect.reason
              : effect.kind === 'nested-execution' && !effect.inOrg
                ? 'nested-safe-unknown'
                : undefined,
          to: to.toLowerCase() as Address,
          selector,
        })),
      firstSeenAt,
      attestations: counted.map((a) => a.toLowerCase() as Address),
      history: log.history,
      replacement: { isReplacement, acknowledged: isReplacement && acknowledgeReplacement },
    }
    try {
      policy = installed.engine.evaluate(facts)
    } catch (error) {
      if (!isBaseError(error)) throw error
      refusals.push(
        Refusal.signer('policy-denied', `The policy could not evaluate this request: ${error.shortMessage}`),
      )
    }
    if (policy?.decision === 'deny') {
      for (const reason of policy.reasons.filter((r) => r.effect === 'forbid')) {
        refusals.push({ code: reason.policyId, source: 'policy', message: reason.message })
      }
      if (!refusals.some((r) => r.source === 'policy')) refusals.push(Refusal.signer('policy-denied'))
    }
  }

  findings.sort((a, b) => severityOrder.indexOf(a.severity) - severityOrder.indexOf(b.severity))
  const allowed = refusals.length === 0 && policy?.decision === 'allow'
  return {
    requestId: request.requestId,
    context,
    tx,
    hashes,
    approves,
    ledger: LedgerDisplay.fromHashes(hashes),
    analysis,
    decoderOrg,
    tier,
    stage,
    findings,
    outflows,
    signatures,
    attestations,
    approvals: { owners: approvers, required },
    firstSeenAt,
    ageSeconds,
    requiredDelaySeconds,
    prior,
    timelock: { operations, approved: approvedExecutes },
    replacement: { isReplacement, acknowledged: isReplacement && acknowledgeReplacement },
    facts,
    policy,
    refusals,
    allowed,
    read: true,
    notYet:
      !allowed &&
      stage === 'signature' &&
      installed !== undefined &&
      safe !== undefined &&
      facts !== undefined &&
      requiredDelaySeconds !== undefined &&
      isNotYet({ refusals, installed, safe, facts, requiredDelaySeconds }),
    untrusted: { title: request.title, description: request.description, claimedTier, tierMismatch },
    bundle: installed ? { hash: installed.hash, version: installed.version } : undefined,
    signer: identity,
  }
}

// The carried inner transaction, hashed with its own Safe's domain and compared with what the
// request's approveHash approves (a plain approveHash on that Safe, same chain).
function approvedTx(
  carried: NonNullable<SignRequest.SignRequest['approves']>,
  { tx, context }: { tx: SafeTx.SafeTx; context: SafeContext },
): Approves {
  const innerContext = SafeTx.context(carried.context)
  const innerTx = SafeTx.from(carried.tx)
  const hashes = SafeTxHash.compute({ tx: innerTx, context: innerContext })
  const approvedHash = NestedSafe.approvedHashOf(tx)
  const matches =
    approvedHash !== undefined &&
    approvedHash === hashes.safeTxHash.toLowerCase() &&
    isAddressEqual(tx.to, innerContext.safe) &&
    !isAddressEqual(innerContext.safe, context.safe) &&
    innerContext.chainId === context.chainId
  return { context: innerContext, tx: innerTx, hashes, approvedHash, matches }
}

const notYetCodes: ReadonlySet<string> = new Set<Refusal.SignerCode>([
  'delay-not-elapsed',
  'insufficient-approvals',
])

// "Not yet": the signer's own refusals only say wait, and the policy, asked again with the same facts
// matured (the tier's delay passed, every owner of the Safe attested), allows it. Anything else (a
// forbid that time does not lift, a tripped breaker) makes it a real refusal.
function isNotYet({
  refusals,
  installed,
  safe,
  facts,
  requiredDelaySeconds,
}: {
  refusals: readonly Refusal.Refusal[]
  installed: Installed.Installed
  safe: SafeConfig
  facts: Facts.Facts
  requiredDelaySeconds: number
}): boolean {
  if (refusals.some((r) => r.source === 'signer' && !notYetCodes.has(r.code))) return false
  const matured: Facts.Facts = {
    ...facts,
    firstSeenAt: Math.min(facts.firstSeenAt, facts.now - requiredDelaySeconds),
    attestations: [...safe.owners],
  }
  try {
    return installed.engine.evaluate(matured).decision === 'allow'
  } catch (error) {
    if (!isBaseError(error)) throw error
    return false
  }
}

/**
 * The decoded leaf calls as policy facts: a MultiSend's inner calls, or the transaction itself.
 *
 * @example
 * leafCalls(analyze({ tx, context })) // [{ to, value, operation, selector, method }]
 */
export function leafCalls(
  analysis: AnalyzeReturnType,
  {
    exclude = () => false,
  }: {
    /** Calls to leave out (a timelock execute's calls this signer checked when it signed the schedule); a call whose children are all left out stands for them. */
    exclude?: ((path: readonly number[]) => boolean) | undefined
  } = {},
): CallFact[] {
  const leaves = [...Calls.walk(analysis.calls)].filter(
    (call) => !exclude(call.path) && call.children.every((child) => exclude(child.path)),
  )
  return leaves.map((call) => ({
    to: call.to.toLowerCase() as Address,
    value: call.value,
    operation: call.operation,
    selector: call.selector,
    method: call.kind === 'function' ? call.function.name : undefined,
  }))
}

function signerFinding(code: string, severity: Severity, reason: string): ReviewFinding {
  return { code, severity, reason, path: undefined, source: 'signer' }
}

function hours(seconds: number): string {
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
}

/**
 * The review as text for a terminal: what the signer computed first, the policy verdict with every
 * reason, then the coordinator's untrusted text, clearly marked.
 *
 * @example
 * console.log(text(await review(request, { state })))
 */
export function text(
  result: Review,
  {
    ledgerMode = 'full',
  }: {
    /** How the Ledger will be asked to sign (its `plan`); full EIP-712 unless the app can only sign hashes. */
    ledgerMode?: LedgerDisplay.Mode | undefined
  } = {},
): string {
  const { context, tx, ledger } = result
  const lines = [
    `Verdict        ${result.allowed ? (result.stage === 'attestation' ? 'ATTEST (round 1: approval attestation, not a Safe signature)' : 'SIGN') : 'REFUSE'}`,
    ...result.refusals.map((r) => `  x ${r.code}: ${r.message}`),
    '',
    `Safe           ${context.safe}`,
    `Chain id       ${context.chainId}`,
    `Safe version   ${context.version}`,
    `Nonce          ${tx.nonce}`,
    `Signer         ${result.signer.address} (${result.signer.keyKind})`,
    result.bundle
      ? `Policy         version ${result.bundle.version}, ${result.bundle.hash}`
      : 'Policy         none installed',
    '',
    `Domain hash    ${ledger.domainHash}`,
    `Message hash   ${ledger.messageHash}`,
    `safeTxHash     ${ledger.safeTxHash}`,
    ...approvesLines(result.approves),
    '',
    `Tier           ${result.tier?.toUpperCase() ?? 'UNKNOWN'} (computed by this signer)`,
    ...(result.analysis?.tierReasons ?? []).map((r) => `  - ${r.reason}`),
  ]
  if (result.approvals.required !== undefined) {
    lines.push(
      `Approvals      ${result.approvals.owners.length} of ${result.approvals.required} owners`,
      `First seen     ${new Date(result.firstSeenAt * 1000).toISOString()} (${hours(result.ageSeconds)} ago; needs ${hours(result.requiredDelaySeconds ?? 0)})`,
    )
  }
  lines.push('', `Findings (${result.findings.length}):`)
  if (result.findings.length === 0) lines.push('  none')
  for (const f of result.findings) {
    const where = f.path && f.path.length > 0 ? ` at ${Calls.formatPath(f.path)}` : ''
    lines.push(`  [${f.severity.toUpperCase()}] ${f.code}${where}: ${f.reason}`)
  }
  if (result.analysis) {
    lines.push('', 'Calls:', ...Describe.tree(result.analysis.calls).map((l) => `  ${l}`))
    // Every argument in full (struct fields included), with labels and amounts in the asset's units:
    // the decoder's own text, from its effects section on.
    const full = Describe.analysis(result.analysis, { org: result.decoderOrg })
    const at = full.indexOf('Effects and arguments (in full):')
    if (at >= 0) lines.push('', ...full.slice(at).trimEnd().split('\n'))
  }
  if (result.outflows.length > 0) {
    lines.push('', 'Outflows:')
    for (const o of result.outflows) lines.push(`  ${o.amount} ${o.asset} -> ${o.to}`)
  }
  if (result.policy) {
    lines.push('', `Policy         ${result.policy.decision.toUpperCase()}`)
    for (const r of result.policy.reasons)
      lines.push(`  ${r.effect === 'forbid' ? 'x' : '+'} ${r.policyId}: ${r.message}`)
  }
  if (result.prior.length > 0) {
    lines.push('', 'Already released by this signer for this Safe and nonce:')
    for (const p of result.prior)
      lines.push(`  ${p.kind} ${p.safeTxHash} at ${new Date(p.time * 1000).toISOString()}`)
  }
  lines.push(
    '',
    'UNTRUSTED (from the coordinator, not verified):',
    `  title        ${JSON.stringify(result.untrusted.title)}`,
    `  description  ${JSON.stringify(result.untrusted.description)}`,
    `  claimed tier ${result.untrusted.claimedTier ?? '(none)'}${result.untrusted.tierMismatch ? `  <-- MISMATCH: this signer computed ${result.tier}` : ''}`,
  )
  lines.push('', ...deviceLines(result, ledgerMode))
  // The request's title, description and calldata strings are the online side's: shown, never obeyed.
  return `${lines.map(printable).join('\n')}\n`
}

// The inner transaction an owner Safe's approveHash approves, next to the outer one's hashes.
function approvesLines(approves: Approves | undefined): string[] {
  if (!approves) return []
  const { context, tx, hashes } = approves
  return [
    '',
    `Approves       a transaction of Safe ${context.safe} (its owner: this Safe)`,
    `  Safe version ${context.version}`,
    `  Nonce        ${tx.nonce}`,
    `  Domain hash  ${hashes.domainHash}`,
    `  Message hash ${hashes.messageHash}`,
    `  safeTxHash   ${hashes.safeTxHash}`,
    approves.matches
      ? '  Approved     the same safeTxHash (recomputed here): its calls are decoded below, under approveHash'
      : `  Approved     ${approves.approvedHash ?? '(not a plain approveHash)'}  <-- DOES NOT MATCH: refused`,
  ]
}

// The last part of the review: what the signer's device will show, screen by screen, to compare.
function deviceLines(result: Review, ledgerMode: LedgerDisplay.Mode): string[] {
  const { tx, context, ledger, signer } = result
  switch (signer.keyKind) {
    case 'ledger': {
      let screens: string
      try {
        screens = LedgerDisplay.screensText(LedgerDisplay.screens({ tx, context, mode: ledgerMode }))
      } catch {
        return ['What your device will show: the request could not be read, nothing will be signed.']
      }
      return [
        `What your device will show (Ledger Ethereum app, ${ledgerMode === 'full' ? 'full EIP-712' : 'hashed EIP-712'}; compare every screen):`,
        ...screens.split('\n').map((l) => `  ${l}`),
      ]
    }
    case 'keystone':
      return [
        'What your device will show (Keystone, EIP-712 SafeTx): compare these with its screens:',
        `  Domain hash   ${ledger.domainHash}`,
        `  Message hash  ${ledger.messageHash}`,
        `  safeTxHash    ${ledger.safeTxHash}`,
      ]
    case 'software':
    case 'trezor':
    case 'other':
      return [
        `What your device will show: a ${signer.keyKind} key has no screen of its own; this review is all there is.`,
      ]
    default:
      return signer.keyKind satisfies never
  }
}
