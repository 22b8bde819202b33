import { Canonical } from '@airlock/audit-log'
import type { Address } from 'viem'
import * as Amount from './Amount.ts'
import * as Breaker from './Breaker.ts'
import type { CedarApi, DetailedError } from './Cedar.ts'
import { coreFile, corePolicies } from './core.ts'
import { InvalidFactsError, InvalidPolicySetError } from './errors.ts'
import type { Facts } from './Facts.ts'
import { severities } from './Facts.ts'
import * as OrgConfig from './OrgConfig.ts'
import { namespace, schemaText } from './schema.ts'
import * as Velocity from './Velocity.ts'

/** One problem found while checking a policy set: Cedar's own (verbatim) or Airlock's. */
export type Diagnostic = {
  origin: 'cedar' | 'airlock'
  severity: 'error' | 'warning'
  /** Policy file name (bundle key), when known. */
  file: string | undefined
  /** 1-based line in that file, when Cedar gave a location. */
  line: number | undefined
  policyId: string | undefined
  /** Cedar's message as Cedar wrote it, or ours. */
  message: string
  help: string | undefined
  /** The untouched Cedar diagnostic, for tools that want codes and source spans. */
  cedar: DetailedError | undefined
}

/** A policy as the engine knows it, keyed by its `@id`. */
export type PolicyInfo = {
  id: string
  file: string
  effect: 'permit' | 'forbid'
  /** The `@reason("…")` annotation: what a person reads when this policy decides. */
  reason: string
  text: string
}

export type ValidateParameters = {
  cedar: CedarApi
  /** Policy files: file name → Cedar text. Every policy needs `@id("…")` and `@reason("…")`. */
  policies: Readonly<Record<string, string>>
  /** Defaults to the Airlock schema; a bundle must carry the same one. */
  schema?: string | undefined
}

export type Validation = {
  valid: boolean
  diagnostics: readonly Diagnostic[]
  /** Bundle policies then core policies; complete only when `valid`. */
  policies: readonly PolicyInfo[]
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/

/**
 * Checks policy files: Cedar parsing and strict validation against the schema (Cedar's diagnostics
 * passed through verbatim), plus Airlock's rules: every policy has a unique `@id` and a `@reason`,
 * no templates, no ids in the reserved `airlock.` space.
 *
 * @example
 * const { valid, diagnostics } = Engine.validate({ cedar, policies: { 'main.cedar': text } })
 * if (!valid) for (const d of diagnostics) console.log(d.file, d.line, d.message)
 */
export function validate({ cedar, policies, schema = schemaText }: ValidateParameters): Validation {
  const diagnostics: Diagnostic[] = []
  const parsedSchema = schemaJson(cedar, schema)
  if (parsedSchema.type === 'failure') {
    for (const error of parsedSchema.errors) diagnostics.push(fromCedar(error, '<schema>', schema, undefined))
    return { valid: false, diagnostics, policies: [] }
  }
  const infos = parsePolicies(cedar, policies, diagnostics)
  if (diagnostics.some((d) => d.severity === 'error')) return { valid: false, diagnostics, policies: infos }

  const answer = cedar.validate({
    schema: parsedSchema.json,
    policies: { staticPolicies: staticPolicies(infos) },
  })
  const byId = new Map(infos.map((info) => [info.id, info]))
  if (answer.type === 'failure') {
    for (const error of answer.errors) diagnostics.push(fromCedar(error, undefined, undefined, undefined))
    for (const warning of answer.warnings)
      diagnostics.push(fromCedar(warning, undefined, undefined, undefined, 'warning'))
  } else {
    for (const { policyId, error } of answer.validationErrors) {
      const info = byId.get(policyId)
      diagnostics.push(
        fromCedar(error, info?.file, info?.text, policyId, 'error', policies[info?.file ?? '']),
      )
    }
    for (const { policyId, error } of answer.validationWarnings) {
      const info = byId.get(policyId)
      diagnostics.push(
        fromCedar(error, info?.file, info?.text, policyId, 'warning', policies[info?.file ?? '']),
      )
    }
    for (const warning of answer.otherWarnings)
      diagnostics.push(fromCedar(warning, undefined, undefined, undefined, 'warning'))
  }
  // Cedar reports in hash-map order, which shifts whenever the policy set changes: sort for stable output.
  diagnostics.sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.message.localeCompare(b.message),
  )
  return { valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics, policies: infos }
}

export type Reason = {
  policyId: string
  effect: 'permit' | 'forbid'
  /** The policy's `@reason`, or Airlock's own sentence for default deny and evaluation errors. */
  message: string
}

export type EvaluationError = { policyId: string | undefined; message: string }

/** The values the engine computed from the facts and org config (shown on the review screen). */
export type Derived = {
  safe: OrgConfig.SafeConfig | undefined
  isOwner: boolean
  approvals: number
  approvers: readonly Address[]
  requiredApprovals: number
  requiredDelaySeconds: number
  ageSeconds: number
  /** Outflow of this transaction per asset id, base units. */
  outflows: ReadonlyMap<string, bigint>
  unlistedAssets: readonly string[]
  unknownRecipients: readonly string[]
  velocity: readonly Velocity.AssetVelocity[]
  breaker: Breaker.BreakerState
  amountOverflow: boolean
}

export type Evaluation = {
  decision: 'allow' | 'deny'
  reasons: readonly Reason[]
  /** Cedar evaluation errors; any error makes the decision `deny` (fail closed). */
  errors: readonly EvaluationError[]
  derived: Derived
  /** The exact Cedar request, for the audit log. */
  request: CedarRequest
}

export type CedarRequest = {
  principal: { type: string; id: string }
  action: { type: string; id: string }
  resource: { type: string; id: string }
  context: Record<string, unknown>
  entities: {
    uid: { type: string; id: string }
    attrs: Record<string, unknown>
    parents: { type: string; id: string }[]
    tags?: Record<string, number>
  }[]
}

export type Engine = {
  org: OrgConfig.OrgConfig
  policies: readonly PolicyInfo[]
  /** Decides one request. Never throws on well-typed facts; malformed facts throw `Policy.InvalidFactsError`. */
  evaluate(facts: Facts): Evaluation
}

export type CreateParameters = {
  cedar: CedarApi
  policies: Readonly<Record<string, string>>
  org: OrgConfig.OrgConfig
  /**
   * The policies already passed `validate` against Airlock's schema: a bundle `Bundle.verify` accepted,
   * e.g. the signer's installed bundle, matched by hash against its signed log. Cedar's schema
   * validation (most of the start-up cost) is then not repeated; the policies are still parsed (ids,
   * `@reason`s, Airlock's own rules) and loaded, and every request is still validated against the
   * schema when it is decided. Default false.
   */
  validated?: boolean | undefined
}

/**
 * Validates the policies (throwing `Policy.InvalidPolicySetError` with the diagnostics) and returns
 * an engine that decides requests: default deny, `forbid` wins, any evaluation error denies.
 *
 * @example
 * const engine = Engine.create({ cedar, policies: bundle.policies, org: OrgConfig.parse(bundle.org) })
 * const { decision, reasons } = engine.evaluate(facts)
 */
export function create({ cedar, policies, org, validated = false }: CreateParameters): Engine {
  const validation = validated ? parsed({ cedar, policies }) : validate({ cedar, policies })
  if (!validation.valid) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error')
    throw new InvalidPolicySetError(`The policy set has ${errors.length} error(s).`, {
      hint: 'Fix the policies named below; run `airlock policy test` to check them.',
      details: errors.map(formatDiagnostic).join('\n'),
      cause: errors,
    })
  }
  const infos = validation.policies
  const byId = new Map(infos.map((info) => [info.id, info]))
  const set = staticPolicies(infos)
  // Parse the schema and policies once into Cedar's cache, not on every request; the id is given per
  // distinct set text, so engines with different policies never share an entry.
  const setId = policySetId(cedar, set)
  if (!preparsed.has(cedar)) {
    const answer = cedar.preparseSchema(schemaName, schemaText)
    if (answer.type === 'failure')
      throw new InvalidPolicySetError('The Airlock schema did not load into Cedar.', {
        details: answer.errors.map((e) => e.message).join('\n'),
      })
    preparsed.add(cedar)
  }
  const loaded = cedar.preparsePolicySet(setId, { staticPolicies: set })
  if (loaded.type === 'failure') {
    throw new InvalidPolicySetError('The policy set did not load into Cedar.', {
      details: loaded.errors.map((e) => e.message).join('\n'),
    })
  }
  return {
    org,
    policies: infos,
    evaluate(facts) {
      const { request, derived } = toRequest(facts, org)
      // Cedar runs in wasm with a bounded stack and memory: an oversized request is refused here,
      // before Cedar sees it, and anything Cedar throws is a deny, never an exception.
      const size = requestSize(request)
      if (size > maxRequestElements) {
        return {
          decision: 'deny',
          reasons: [tooLargeReason],
          errors: [{ policyId: undefined, message: `${size} set elements, more than ${maxRequestElements}` }],
          derived,
          request,
        }
      }
      let answer: ReturnType<CedarApi['statefulIsAuthorized']>
      try {
        answer = cedar.statefulIsAuthorized({
          ...request,
          preparsedSchemaName: schemaName,
          validateRequest: true,
          preparsedPolicySetId: setId,
        } as Parameters<CedarApi['statefulIsAuthorized']>[0])
      } catch (error) {
        const name = error instanceof Error ? error.name : typeof error
        return {
          decision: 'deny',
          reasons: [evaluationErrorReason],
          errors: [{ policyId: undefined, message: `Cedar threw ${name}` }],
          derived,
          request,
        }
      }
      if (answer.type === 'failure') {
        return {
          decision: 'deny',
          reasons: [evaluationErrorReason],
          errors: answer.errors.map((error) => ({ policyId: undefined, message: error.message })),
          derived,
          request,
        }
      }
      const errors = answer.response.diagnostics.errors.map(({ policyId, error }) => ({
        policyId,
        message: error.message,
      }))
      const reasons: Reason[] = answer.response.diagnostics.reason.map((id) => {
        const info = byId.get(id)
        return { policyId: id, effect: info?.effect ?? 'forbid', message: info?.reason ?? id }
      })
      // Cedar skips a policy whose condition errors; a skipped forbid must not turn into an allow.
      if (errors.length > 0) {
        return {
          decision: 'deny',
          reasons: [...reasons.filter((r) => r.effect === 'forbid'), evaluationErrorReason],
          errors,
          derived,
          request,
        }
      }
      const decision = answer.response.decision
      return {
        decision,
        reasons: decision === 'deny' && reasons.length === 0 ? [defaultDenyReason] : reasons,
        errors,
        derived,
        request,
      }
    },
  }
}

const schemaName = 'airlock'
// Cedar instances whose cache already holds the Airlock schema.
const preparsed = new WeakSet<CedarApi>()
// Per Cedar instance: the cache id of each distinct policy set (keyed by its canonical text; a map
// lookup rather than hashing the whole text with keccak on every start).
const setIds = new WeakMap<CedarApi, Map<string, string>>()

function policySetId(cedar: CedarApi, set: Record<string, string>): string {
  let ids = setIds.get(cedar)
  if (!ids) {
    ids = new Map()
    setIds.set(cedar, ids)
  }
  const key = Canonical.encode(set)
  let id = ids.get(key)
  if (id === undefined) {
    id = `airlock-${ids.size}`
    ids.set(key, id)
  }
  return id
}

const defaultDenyReason: Reason = {
  policyId: 'airlock.default-deny',
  effect: 'forbid',
  message: 'No policy permits this request (default deny).',
}
const tooLargeReason: Reason = {
  policyId: 'airlock.request-too-large',
  effect: 'forbid',
  message:
    'The request has more distinct targets, selectors, findings or recipients than the policy engine evaluates.',
}

/**
 * The most set elements (call targets, selectors, methods, findings, recipients, assets) one Cedar
 * request may carry; beyond it the engine denies without asking Cedar. Real transactions stay far
 * below it, and it keeps Cedar's wasm stack and memory bounded whatever the decoder accepted.
 */
export const maxRequestElements = 4096

function requestSize(request: CedarRequest): number {
  let size = 0
  for (const entity of request.entities) {
    for (const value of Object.values(entity.attrs)) if (Array.isArray(value)) size += value.length
    size += Object.keys(entity.tags ?? {}).length
  }
  for (const value of Object.values(request.context)) if (Array.isArray(value)) size += value.length
  return size
}

const evaluationErrorReason: Reason = {
  policyId: 'airlock.evaluation-error',
  effect: 'forbid',
  message: 'A policy could not be evaluated, so the request is refused (fail closed).',
}

/**
 * One line per diagnostic: `file:line [policy] message (help)`.
 *
 * @example
 * Engine.formatDiagnostic(diagnostic) // 'main.cedar:3 [treasury.x] attribute `foo` … (did you mean `tier`?)'
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}` : ''} ` : ''
  const id = d.policyId ? `[${d.policyId}] ` : ''
  return `${d.severity === 'warning' ? 'warning: ' : ''}${where}${id}${d.message}${d.help ? ` (${d.help})` : ''}`
}

const tierRank = { emergency: 0, routine: 1, critical: 2, existential: 3 } as const
const entity = (type: string, id: string) => ({ type: `${namespace}::${type}`, id })

/**
 * Builds the Cedar request (entities and context) from facts and the org config, and the derived
 * values behind it. Pure; exported so the review screen and the audit log can show the inputs.
 *
 * @example
 * const { request, derived } = Engine.toRequest(facts, org)
 * derived.breaker.tripped // false
 */
export function toRequest(
  facts: Facts,
  org: OrgConfig.OrgConfig,
): { request: CedarRequest; derived: Derived } {
  const { tx } = facts
  if (!Number.isSafeInteger(facts.now) || facts.now < 0 || !Number.isSafeInteger(facts.firstSeenAt)) {
    throw new InvalidFactsError('The facts have an invalid time.', {
      hint: 'Give now and firstSeenAt as unix seconds.',
    })
  }
  const chainId = tx.chainId
  const safe = OrgConfig.findSafe(org, { address: tx.safe, chainId })
  const signerAddress = facts.signer.address.toLowerCase() as Address
  const owners = new Set(safe?.owners ?? [])
  const isOwner = owners.has(signerAddress)
  const approvers = [
    ...new Set([
      ...facts.attestations.map((a) => a.toLowerCase() as Address),
      ...(isOwner ? [signerAddress] : []),
    ]),
  ]
    .filter((address) => owners.has(address))
    .sort()
  const requiredApprovals = safe
    ? OrgConfig.requiredApprovals(org, safe, facts.tier)
    : Number.MAX_SAFE_INTEGER
  const requiredDelaySeconds = org.tiers[facts.tier].delaySeconds
  const ageSeconds = Math.max(0, facts.now - facts.firstSeenAt)

  // Calls: the decoded leaves, or the top-level call when nothing was decoded.
  const calls =
    facts.calls.length > 0
      ? facts.calls
      : [{ to: tx.to, value: 0n, operation: tx.operation, selector: undefined, method: undefined }]
  const lower = (address: string) => address.toLowerCase()
  const callTargets = new Set(calls.map((call) => lower(call.to)))
  const delegatecallTargets = new Set([
    ...(tx.operation === 1 ? [lower(tx.to)] : []),
    ...calls.filter((call) => call.operation === 1).map((call) => lower(call.to)),
  ])
  const untrustedDelegatecall = [...delegatecallTargets].some(
    (address) => !OrgConfig.listed(org.trustedDelegatecall, { address, chainId }),
  )
  const allTargetsPausable = [...callTargets].every((address) =>
    OrgConfig.listed(org.pausable, { address, chainId }),
  )
  const maxSeverity = Math.max(0, ...facts.findings.map((f) => severities.indexOf(f.severity)))
  const effectKinds = new Set(facts.effects.map((e) => e.kind))
  // Every unknown effect by its reason; a reason-less unknown still counts (default deny).
  const unknownEffects = new Set(
    facts.effects.filter((e) => e.kind === 'unknown').map((e) => e.reason ?? 'unknown'),
  )
  // Any call to a listed asset that the signer cannot read (an unknown selector included) is a
  // function outside the asset's known set: it may move the asset in ways no limit sees.
  if (
    facts.effects.some(
      (e) => e.kind === 'unknown' && OrgConfig.findAsset(org, { asset: e.to, chainId }) !== undefined,
    )
  )
    unknownEffects.add('unknown-function-on-asset')
  // A nested Safe execution (execTransaction, module call, approveHash, signMessage) of a Safe the
  // org config does not list: its inner transaction is nobody's to allow.
  const unknownNestedSafe = facts.effects.some(
    (e) => e.kind === 'nested-execution' && e.reason === 'nested-safe-unknown',
  )
  const isGuardian =
    org.guardian !== undefined && org.guardian.chainId === chainId && org.guardian.address === lower(tx.safe)

  // Outflows of this transaction, by asset id.
  const outflows = new Map<string, bigint>()
  const unlisted = new Set<string>()
  const recipients = new Set<string>()
  const unknownRecipients = new Set<string>()
  for (const outflow of facts.outflows) {
    if (outflow.amount < 0n)
      throw new InvalidFactsError('An outflow amount is negative.', {
        hint: 'Outflows are non-negative base-unit amounts.',
      })
    const recipient = lower(outflow.to)
    recipients.add(recipient)
    const isOrgSafe = OrgConfig.findSafe(org, { address: recipient, chainId }) !== undefined
    if (!isOrgSafe && !OrgConfig.listed(org.recipients, { address: recipient, chainId }))
      unknownRecipients.add(recipient)
    if (outflow.amount === 0n) continue
    const asset = OrgConfig.findAsset(org, { asset: outflow.asset, chainId })
    if (!asset) {
      unlisted.add(outflow.asset === 'native' ? 'native' : lower(outflow.asset))
      continue
    }
    outflows.set(asset.id, (outflows.get(asset.id) ?? 0n) + outflow.amount)
  }

  // The signer's log, in asset ids (unlisted assets have no limits to count against).
  const toAssetAmounts = (record: Facts['history'][number]) =>
    record.outflows.flatMap(({ asset, amount }) => {
      const config = OrgConfig.findAsset(org, { asset, chainId: record.chainId })
      return config && amount > 0n ? [{ asset: config.id, amount }] : []
    })
  const actions: Breaker.ActionRecord[] = facts.history.map((record) => ({
    time: record.time,
    signed: record.signed,
    outflows: toAssetAmounts(record),
  }))
  const signedOutflows: Velocity.Outflow[] = actions
    .filter((action) => action.signed)
    .flatMap((action) => action.outflows.map(({ asset, amount }) => ({ time: action.time, asset, amount })))

  const velocity = Velocity.check({
    history: signedOutflows,
    candidate: outflows,
    limits: new Map(
      org.assets.filter((a) => a.epoch || a.bucket).map((a) => [a.id, { epoch: a.epoch, bucket: a.bucket }]),
    ),
    now: facts.now,
  })
  const breaker = Breaker.state({
    history: actions,
    candidate: [...outflows].map(([asset, amount]) => ({ asset, amount })),
    assets: new Map(org.assets.map((a) => [a.id, { treasury: a.treasury, large: a.large }])),
    config: org.breaker,
    now: facts.now,
  })

  let amountOverflow = false
  const scale = (assetId: string, amount: bigint) => {
    const config = org.assets.find((a) => a.id === assetId)!
    const scaled = Amount.toPolicyUnits({
      amount,
      decimals: config.decimals,
      policyDecimals: config.policyDecimals,
    })
    amountOverflow ||= scaled.overflow
    return scaled.value
  }
  const outflowTags = Object.fromEntries([...outflows].map(([id, amount]) => [id, scale(id, amount)]))
  const epochTags: Record<string, number> = {}
  const bucketTags: Record<string, number> = {}
  for (const v of velocity) {
    if (v.epoch) epochTags[v.asset] = scale(v.asset, v.epoch.after)
    if (v.bucket) bucketTags[v.asset] = scale(v.asset, v.bucket.after)
  }
  let outflowBps = 0
  for (const [id, amount] of outflows) {
    const treasury = org.assets.find((a) => a.id === id)?.treasury
    if (treasury !== undefined) outflowBps = Math.max(outflowBps, Amount.bps(amount, treasury))
  }

  const safeUid = entity('Safe', `${chainId}:${lower(tx.safe)}`)
  const txUid = entity('SafeTx', lower(tx.safeTxHash))
  const signerUid = entity('Signer', signerAddress)
  const epochUid = entity('Amounts', 'epochUsed')
  const bucketUid = entity('Amounts', 'bucketLevel')
  const set = (values: Iterable<string>) => [...values].sort()

  const request: CedarRequest = {
    principal: signerUid,
    action: entity('Action', facts.action),
    resource: txUid,
    context: {
      now: facts.now,
      ageSeconds,
      approvals: approvers.length,
      requiredApprovals,
      requiredDelaySeconds,
      breakerTripped: breaker.tripped,
      breakerReasons: set(new Set(breaker.reasons.map((r) => r.code))),
      windowOutflowBps: breaker.windowBps,
      velocityExceeded: velocity.some((v) => v.wouldExceed),
      epochExceededAssets: set(velocity.filter((v) => v.epoch?.wouldExceed).map((v) => v.asset)),
      bucketExceededAssets: set(velocity.filter((v) => v.bucket?.wouldExceed).map((v) => v.asset)),
      epochUsed: { __entity: epochUid },
      bucketLevel: { __entity: bucketUid },
      isReplacement: facts.replacement.isReplacement,
      replacementAcknowledged: facts.replacement.acknowledged,
      softwareKeysAllowed: org.allowSoftwareKeys,
    },
    entities: [
      {
        uid: signerUid,
        attrs: {
          address: signerAddress,
          keyKind: facts.signer.keyKind,
          isOwner,
          isAdmin: org.admins.addresses.includes(signerAddress),
        },
        parents: [],
      },
      {
        uid: safeUid,
        attrs: {
          address: lower(tx.safe),
          chainId,
          name: safe?.name ?? '',
          version: safe?.version ?? '',
          threshold: safe?.threshold ?? 0,
          ownerCount: safe?.owners.length ?? 0,
          known: safe !== undefined,
          isGuardian,
          tiers: set(safe ? OrgConfig.ceiling(org, safe) : []),
        },
        parents: [],
      },
      {
        uid: txUid,
        attrs: {
          safe: { __entity: safeUid },
          chainId,
          nonce: Amount.toLong(tx.nonce).value,
          safeTxHash: lower(tx.safeTxHash),
          to: lower(tx.to),
          operation: tx.operation,
          tier: facts.tier,
          tierRank: tierRank[facts.tier],
          callCount: calls.length,
          callTargets: set(callTargets),
          selectors: set(new Set(calls.flatMap((c) => (c.selector ? [lower(c.selector)] : [])))),
          methods: set(new Set(calls.flatMap((c) => (c.method ? [c.method] : [])))),
          hasDelegatecall: delegatecallTargets.size > 0,
          delegatecallTargets: set(delegatecallTargets),
          untrustedDelegatecall,
          allTargetsPausable,
          findings: set(new Set(facts.findings.map((f) => f.code))),
          maxSeverity,
          effects: set(effectKinds),
          unknownEffects: set(unknownEffects),
          unknownNestedSafe,
          // The Safe's own gas refund, or one a nested Safe transaction would pay (decoder finding).
          usesGasRefund: tx.gasPrice > 0n || facts.findings.some((f) => f.code === 'gas-refund'),
          outflowAssets: set(outflows.keys()),
          unlistedAssets: set(unlisted),
          recipients: set(recipients),
          unknownRecipients: set(unknownRecipients),
          outflowBps,
          amountOverflow,
        },
        parents: [safeUid],
        tags: outflowTags,
      },
      { uid: epochUid, attrs: {}, parents: [], tags: epochTags },
      { uid: bucketUid, attrs: {}, parents: [], tags: bucketTags },
    ],
  }
  return {
    request,
    derived: {
      safe,
      isOwner,
      approvals: approvers.length,
      approvers,
      requiredApprovals,
      requiredDelaySeconds,
      ageSeconds,
      outflows,
      unlistedAssets: set(unlisted),
      unknownRecipients: set(unknownRecipients),
      velocity,
      breaker,
      amountOverflow,
    },
  }
}

// Parsing the human-readable schema is slow in wasm; its JSON form validates much faster, so each
// Cedar instance converts a given schema text once.
const schemaCache = new WeakMap<CedarApi, Map<string, ReturnType<CedarApi['schemaToJson']>>>()

/**
 * The JSON form of a schema text (Cedar's `schemaToJson`), cached per Cedar instance.
 *
 * @example
 * const answer = Engine.schemaJson(cedar, schemaText)
 * if (answer.type === 'success') answer.json
 */
export function schemaJson(cedar: CedarApi, text: string): ReturnType<CedarApi['schemaToJson']> {
  let cache = schemaCache.get(cedar)
  if (!cache) {
    cache = new Map()
    schemaCache.set(cedar, cache)
  }
  let answer = cache.get(text)
  if (!answer) {
    answer = cedar.schemaToJson(text)
    cache.set(text, answer)
  }
  return answer
}

// The policies split and read without Cedar's schema validation (for `create` with `validated`).
function parsed({
  cedar,
  policies,
}: {
  cedar: CedarApi
  policies: Readonly<Record<string, string>>
}): Validation {
  const diagnostics: Diagnostic[] = []
  const infos = parsePolicies(cedar, policies, diagnostics)
  return { valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics, policies: infos }
}

// Every file's policies in file order, then Airlock's own rules; problems go to `diagnostics`.
function parsePolicies(
  cedar: CedarApi,
  policies: Readonly<Record<string, string>>,
  diagnostics: Diagnostic[],
): PolicyInfo[] {
  const infos: PolicyInfo[] = []
  const seen = new Set<string>()
  const files = Object.keys(policies).sort()
  for (const file of files) infos.push(...split(cedar, file, policies[file] ?? '', diagnostics, false, seen))
  infos.push(...split(cedar, coreFile, corePolicies, diagnostics, true, seen))
  return infos
}

function staticPolicies(infos: readonly PolicyInfo[]): Record<string, string> {
  return Object.fromEntries(infos.map((info) => [info.id, info.text]))
}

// Splits one file into policies and reads their annotations; reports Airlock's own rules.
function split(
  cedar: CedarApi,
  file: string,
  text: string,
  diagnostics: Diagnostic[],
  reserved: boolean,
  seen: Set<string>,
): PolicyInfo[] {
  const parts = cedar.policySetTextToParts(text)
  if (parts.type === 'failure') {
    for (const error of parts.errors) diagnostics.push(fromCedar(error, file, text, undefined, 'error', text))
    return []
  }
  const ours = (message: string, policyId?: string, help?: string): Diagnostic => ({
    origin: 'airlock',
    severity: 'error',
    file,
    line: undefined,
    policyId,
    message,
    help,
    cedar: undefined,
  })
  if (parts.policy_templates.length > 0)
    diagnostics.push(ours('Policy templates are not supported.', undefined, 'Write static policies.'))
  const infos: PolicyInfo[] = []
  for (const policyText of parts.policies) {
    const json = cedar.policyToJson(policyText)
    if (json.type === 'failure') {
      for (const error of json.errors) diagnostics.push(fromCedar(error, file, text, undefined))
      continue
    }
    const { id, reason } = json.json.annotations ?? {}
    if (!id || !idPattern.test(id)) {
      diagnostics.push(
        ours(
          `A policy has no valid @id annotation: ${policyText.slice(0, 60)}…`,
          undefined,
          'Start every policy with @id("set.short-name").',
        ),
      )
      continue
    }
    if (!reserved && id.startsWith('airlock.')) {
      diagnostics.push(
        ours(`Policy id "${id}" is in the reserved airlock. space.`, id, 'Choose another prefix.'),
      )
      continue
    }
    if (!reason)
      diagnostics.push(
        ours(
          `Policy "${id}" has no @reason annotation.`,
          id,
          'Add @reason("…"): it is what the signer shows when the policy decides.',
        ),
      )
    if (seen.has(id))
      diagnostics.push(ours(`Policy id "${id}" is used twice.`, id, 'Give every policy a unique @id.'))
    seen.add(id)
    infos.push({ id, file, effect: json.json.effect, reason: reason ?? '', text: policyText })
  }
  return infos
}

function fromCedar(
  error: DetailedError,
  file: string | undefined,
  text: string | undefined,
  policyId: string | undefined,
  severity: 'error' | 'warning' = 'error',
  fileText?: string | undefined,
): Diagnostic {
  let line: number | undefined
  const start = error.sourceLocations?.[0]?.start
  if (start !== undefined && text !== undefined) {
    // Cedar locates within the text it was given; map that back into the file.
    const base = fileText !== undefined && fileText !== text ? Math.max(0, fileText.indexOf(text)) : 0
    line = (fileText ?? text).slice(0, base + start).split('\n').length
  }
  return {
    origin: 'cedar',
    severity,
    file,
    line,
    policyId,
    message: error.message,
    help: error.help ?? undefined,
    cedar: error,
  }
}
