import { isBaseError } from '@airlock/errors'
import { DecoderOrg, Tier as SafeTier } from '@airlock/safe'
import type { Address } from 'viem'
import { InvalidOrgConfigError } from './errors.ts'
import { get, reader } from './parse.ts'

/** The decoder's tier (`Tier` in @airlock/safe), named here so policy code needs one import. */
export type Tier = SafeTier.Tier
export const tiers = SafeTier.tiers

/** A contract named in the config; without a chainId it matches on every chain (e.g. MultiSendCallOnly). */
export type Contract = { name: string; address: Address; chainId: number | undefined }

export type SafeConfig = {
  name: string
  /** Lowercase, as every address the engine hands to Cedar. */
  address: Address
  chainId: number
  version: string
  owners: readonly Address[]
  threshold: number
  /** The tiers this Safe may sign (its ceiling); undefined = the default (see `ceiling`). */
  tiers: readonly Tier[] | undefined
  /**
   * The Safe's nonce when the bundle was made: signers demand proof of every nonce from here on
   * (nonce continuity). Undefined = a signer takes its first request's nonce, logged.
   */
  startNonce?: bigint | undefined
}

/** A signer of the set: its owner address and the public audit key its receipts are signed with. */
export type EnrolledSigner = {
  owner: Address
  /** Ed25519 public key, 64 lowercase hex characters (no 0x). */
  auditKey: string
}

/** Epoch cap: at most `cap` base units leave in each fixed window `[origin + k·seconds, …)`. */
export type EpochLimit = { seconds: number; cap: bigint; origin: number }
/** Leaky bucket: usage drains at `refillPerSecond`; a new outflow must fit under `capacity`. */
export type BucketLimit = { capacity: bigint; refillPerSecond: bigint }

export type AssetConfig = {
  /** The name policies use, e.g. `resource.getTag("USDC")`. */
  id: string
  chainId: number
  /** Token address (lowercase), or `native` for the chain's coin. */
  address: Address | 'native'
  /** The token's own decimals (18 for ETH, 6 for USDC). */
  decimals: number
  /** The unit amounts are given to Cedar in: 0 = whole tokens, 6 = micro-tokens. Rounded up. */
  policyDecimals: number
  /** Declared treasury holdings in base units, the denominator of the breaker's percentages. */
  treasury: bigint | undefined
  /** A single outflow above this (base units) is "large" for the consecutive-large breaker. */
  large: bigint | undefined
  epoch: EpochLimit | undefined
  bucket: BucketLimit | undefined
}

export type BreakerConfig = {
  /** Trip when one action moves more than this share of an asset's treasury (basis points). */
  singleTxBps: number
  /** Trip when outflow within `windowSeconds` would exceed this share (basis points). */
  windowBps: number
  windowSeconds: number
  /** Trip after this many large actions in a row. */
  consecutiveLarge: number
  /** Resume automatically this long after tripping; `undefined` = only a signed reset resumes. */
  cooldownSeconds: number | undefined
  /** A signed reset: history up to this unix time no longer counts for the breaker. */
  resetAt: number | undefined
}

/** ABI entries from the bundle; `address` undefined = for every target. */
export type AbiEntry = { chainId: number | undefined; address: Address | undefined; abi: readonly unknown[] }

/** One allowed call from the bundle, as the decoder reads it (`target`, `selector`/`signature`, `constraints`). */
export type AllowedCallEntry = { chainId: number; call: Readonly<Record<string, unknown>> }

/** How many distinct owners must have approved, and how old the proposal must be. */
export type TierRequirement = {
  /** `one`: a single owner; `threshold`: the Safe's M; `owners`: all N. */
  base: 'one' | 'threshold' | 'owners'
  /** Added to the base (M+1 for critical), capped at the owner count. */
  extra: number
  delaySeconds: number
}

export type OrgConfig = {
  name: string
  safes: readonly SafeConfig[]
  /** The guardian Safe (one of `safes`) that may pause with a single signature. */
  guardian: { address: Address; chainId: number } | undefined
  pausable: readonly Contract[]
  trustedDelegatecall: readonly Contract[]
  recipients: readonly Contract[]
  assets: readonly AssetConfig[]
  breaker: BreakerConfig
  tiers: Readonly<Record<Tier, TierRequirement>>
  allowSoftwareKeys: boolean
  /**
   * ABIs the decoder may use (JSON ABI entries), for every target or one address, per chain or on
   * every chain: what lets the review show a router call's arguments in full.
   */
  abis: readonly AbiEntry[]
  /**
   * Calls the org allows deliberately although their effect is unknown to Airlock (a DEX swap):
   * chain, target, selector or signature, and argument constraints (`"$safe"` = the calling Safe).
   * Checked by the decoder (`allowed-call` effect, `allowed-call-violation` finding).
   */
  allowedCalls: readonly AllowedCallEntry[]
  /** Who may sign the next policy bundle, and how many of them must. */
  admins: { addresses: readonly Address[]; threshold: number }
  /**
   * The signer set's audit keys. When listed, signers hold limits for the whole set: they count peers'
   * receipts in velocity and the breaker, and demand proof of every Safe nonce (nonce continuity).
   */
  signers?: readonly EnrolledSigner[] | undefined
}

export const defaultTiers: Readonly<Record<Tier, TierRequirement>> = {
  emergency: { base: 'one', extra: 0, delaySeconds: 0 },
  routine: { base: 'threshold', extra: 0, delaySeconds: 0 },
  critical: { base: 'threshold', extra: 1, delaySeconds: 48 * 3600 },
  existential: { base: 'owners', extra: 0, delaySeconds: 72 * 3600 },
}

export const defaultBreaker: BreakerConfig = {
  singleTxBps: 500,
  windowBps: 1000,
  windowSeconds: 24 * 3600,
  consecutiveLarge: 3,
  cooldownSeconds: 24 * 3600,
  resetAt: undefined,
}

const read = reader(InvalidOrgConfigError, 'The org config')
const maxTime = 253_402_300_799 // 9999-12-31, keeps every time sum far from 2^53

/**
 * Parses and validates an org config from JSON (amounts as decimal strings of base units).
 * Throws `Policy.InvalidOrgConfigError` naming the bad field.
 *
 * @example
 * const org = OrgConfig.parse(JSON.parse(text))
 * org.safes[0]?.threshold // 3
 */
export function parse(json: unknown): OrgConfig {
  const root = read.object(json, 'the config')
  const name = label(get(root, 'name'), 'name')

  const safes = read.array(get(root, 'safes'), 'safes').map((item, i) => parseSafe(item, `safes[${i}]`))
  if (safes.length === 0) read.fail('safes', 'is empty', 'List at least one Safe the signer may sign for.')
  unique(
    safes.map((safe) => `${safe.chainId}:${safe.address}`),
    'safes',
  )

  let guardian: OrgConfig['guardian']
  const guardianJson = get(root, 'guardian')
  if (guardianJson !== undefined && guardianJson !== null) {
    const g = read.object(guardianJson, 'guardian')
    guardian = {
      address: read.address(get(g, 'address'), 'guardian.address'),
      chainId: read.integer(get(g, 'chainId'), 'guardian.chainId', 1),
    }
    const { address, chainId } = guardian
    if (!safes.some((safe) => safe.address === address && safe.chainId === chainId)) {
      read.fail('guardian', 'is not one of the listed safes', 'Add the guardian Safe to "safes" too.')
    }
  }

  const assets = read
    .array(get(root, 'assets') ?? [], 'assets')
    .map((item, i) => parseAsset(item, `assets[${i}]`))
  unique(
    assets.map((asset) => asset.id),
    'assets (ids)',
  )
  unique(
    assets.map((asset) => `${asset.chainId}:${asset.address}`),
    'assets (addresses)',
  )

  const admins = read.object(get(root, 'admins'), 'admins')
  const adminAddresses = read
    .array(get(admins, 'addresses'), 'admins.addresses')
    .map((item, i) => read.address(item, `admins.addresses[${i}]`))
  if (adminAddresses.length === 0) read.fail('admins.addresses', 'is empty')
  unique(adminAddresses, 'admins.addresses')
  const adminThreshold = read.integer(get(admins, 'threshold'), 'admins.threshold', 1, adminAddresses.length)

  const abis = read.array(get(root, 'abis') ?? [], 'abis').map((item, i): AbiEntry => {
    const o = read.object(item, `abis[${i}]`)
    const chainId = get(o, 'chainId')
    const address = get(o, 'address')
    return {
      chainId: chainId === undefined ? undefined : read.integer(chainId, `abis[${i}].chainId`, 1),
      address: address === undefined ? undefined : read.address(address, `abis[${i}].address`),
      abi: read.array(get(o, 'abi'), `abis[${i}].abi`),
    }
  })
  const allowedCalls = read
    .array(get(root, 'allowedCalls') ?? [], 'allowedCalls')
    .map((item, i): AllowedCallEntry => {
      const { chainId, ...call } = read.object(item, `allowedCalls[${i}]`) as Record<string, unknown>
      return { chainId: read.integer(chainId, `allowedCalls[${i}].chainId`, 1), call }
    })

  const org: OrgConfig = {
    name,
    safes,
    guardian,
    pausable: contracts(get(root, 'pausable'), 'pausable'),
    trustedDelegatecall: contracts(get(root, 'trustedDelegatecall'), 'trustedDelegatecall'),
    recipients: contracts(get(root, 'recipients'), 'recipients'),
    assets,
    breaker: parseBreaker(get(root, 'breaker')),
    tiers: parseTiers(get(root, 'tiers')),
    allowSoftwareKeys:
      get(root, 'allowSoftwareKeys') === undefined
        ? false
        : read.boolean(get(root, 'allowSoftwareKeys'), 'allowSoftwareKeys'),
    abis,
    allowedCalls,
    admins: { addresses: adminAddresses, threshold: adminThreshold },
    signers: parseSigners(get(root, 'signers')),
  }
  // The decoder checks ABIs and allowed calls in depth: build its view for every chain now, so a
  // bad entry is refused when the bundle is read, not when a request arrives.
  const chains = new Set([...safes.map((s) => s.chainId), ...allowedCalls.map((c) => c.chainId)])
  for (const chainId of chains) {
    try {
      toDecoder(org, chainId)
    } catch (error) {
      if (!isBaseError(error)) throw error
      read.fail(`the decoder's view for chain ${chainId}`, `is invalid: ${error.shortMessage}`, error.hint)
    }
  }
  return org
}

/**
 * The Safe with this address on this chain, if the config lists it.
 *
 * @example
 * OrgConfig.findSafe(org, { address: '0x…', chainId: 1 })
 */
export function findSafe(org: OrgConfig, { address, chainId }: { address: string; chainId: number }) {
  const lower = address.toLowerCase()
  return org.safes.find((safe) => safe.address === lower && safe.chainId === chainId)
}

/**
 * True when the list holds this address on this chain (or on every chain).
 *
 * @example
 * OrgConfig.listed(org.trustedDelegatecall, { address: multiSendCallOnly, chainId: 1 }) // true
 */
export function listed(
  list: readonly Contract[],
  { address, chainId }: { address: string; chainId: number },
) {
  const lower = address.toLowerCase()
  return list.some(
    (item) => item.address === lower && (item.chainId === undefined || item.chainId === chainId),
  )
}

/**
 * The asset config for an outflow's asset (token address or `native`) on a chain.
 *
 * @example
 * OrgConfig.findAsset(org, { asset: 'native', chainId: 1 })?.id // 'ETH'
 */
export function findAsset(org: OrgConfig, { asset, chainId }: { asset: string; chainId: number }) {
  const key = asset === 'native' ? asset : asset.toLowerCase()
  return org.assets.find((item) => item.address === key && item.chainId === chainId)
}

/**
 * The tiers a Safe may sign: its `tiers` in the org config, else Emergency only for the guardian
 * (it is 1-of-N on chain, so anything else it signs runs with one signature) and every tier for the
 * other Safes. The decoder applies the same rule to the Safes it meets (`DecoderOrg.ceiling`).
 *
 * @example
 * OrgConfig.ceiling(org, guardianSafe) // ['emergency']
 */
export function ceiling(org: OrgConfig, safe: SafeConfig): readonly Tier[] {
  if (safe.tiers) return safe.tiers
  const isGuardian = org.guardian?.address === safe.address && org.guardian.chainId === safe.chainId
  return isGuardian ? ['emergency'] : tiers
}

/**
 * Distinct owners that must approve a transaction of this tier on this Safe.
 *
 * @example
 * OrgConfig.requiredApprovals(org, safe, 'critical') // threshold + 1, at most the owner count
 */
export function requiredApprovals(org: OrgConfig, safe: SafeConfig, tier: Tier): number {
  const rule = org.tiers[tier]
  const base = rule.base === 'one' ? 1 : rule.base === 'threshold' ? safe.threshold : safe.owners.length
  return Math.min(safe.owners.length, base + rule.extra)
}

function parseSafe(json: unknown, path: string): SafeConfig {
  const o = read.object(json, path)
  const owners = read
    .array(get(o, 'owners'), `${path}.owners`)
    .map((item, i) => read.address(item, `${path}.owners[${i}]`))
  if (owners.length === 0) read.fail(`${path}.owners`, 'is empty')
  unique(owners, `${path}.owners`)
  const version = read.string(get(o, 'version'), `${path}.version`)
  if (!/^\d+\.\d+\.\d+(\+L2)?$/.test(version))
    read.fail(`${path}.version`, 'is not a Safe version like 1.4.1')
  const tiersJson = get(o, 'tiers')
  let safeTiers: Tier[] | undefined
  if (tiersJson !== undefined) {
    safeTiers = read.array(tiersJson, `${path}.tiers`).map((item, i) => {
      if (!(tiers as readonly unknown[]).includes(item))
        read.fail(`${path}.tiers[${i}]`, `is not one of ${tiers.join(', ')}`)
      return item as Tier
    })
    if (safeTiers.length === 0)
      read.fail(`${path}.tiers`, 'is empty', 'List the tiers this Safe may sign, or leave it out.')
  }
  return {
    name: label(get(o, 'name') ?? '', `${path}.name`),
    address: read.address(get(o, 'address'), `${path}.address`),
    chainId: read.integer(get(o, 'chainId'), `${path}.chainId`, 1),
    version,
    owners,
    threshold: read.integer(get(o, 'threshold'), `${path}.threshold`, 1, owners.length),
    tiers: safeTiers,
    startNonce:
      get(o, 'startNonce') === undefined ? undefined : read.uint(get(o, 'startNonce'), `${path}.startNonce`),
  }
}

function parseSigners(json: unknown): OrgConfig['signers'] {
  if (json === undefined) return undefined
  const signers = read.array(json, 'signers').map((item, i): EnrolledSigner => {
    const o = read.object(item, `signers[${i}]`)
    const auditKey = read.string(get(o, 'auditKey'), `signers[${i}].auditKey`)
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(auditKey)) {
      read.fail(
        `signers[${i}].auditKey`,
        'is not a 32-byte Ed25519 public key in hex',
        'Copy the audit public key exactly as `airlock sign init` printed it (64 hex characters).',
      )
    }
    return {
      owner: read.address(get(o, 'owner'), `signers[${i}].owner`),
      auditKey: auditKey.replace(/^0x/, '').toLowerCase(),
    }
  })
  unique(
    signers.map((s) => s.auditKey),
    'signers (audit keys)',
  )
  return signers
}

function parseAsset(json: unknown, path: string): AssetConfig {
  const o = read.object(json, path)
  const id = read.string(get(o, 'id'), `${path}.id`)
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) {
    read.fail(`${path}.id`, 'is not a short name', 'Use letters, digits, ".", "_" or "-" (e.g. USDC).')
  }
  const rawAddress = get(o, 'address')
  const decimals = read.integer(get(o, 'decimals'), `${path}.decimals`, 0, 77)
  const epochJson = get(o, 'epoch')
  const bucketJson = get(o, 'bucket')
  let epoch: EpochLimit | undefined
  if (epochJson !== undefined) {
    const e = read.object(epochJson, `${path}.epoch`)
    epoch = {
      seconds: read.integer(get(e, 'seconds'), `${path}.epoch.seconds`, 1, maxTime),
      cap: read.uint(get(e, 'cap'), `${path}.epoch.cap`),
      origin: read.integer(get(e, 'origin') ?? 0, `${path}.epoch.origin`, 0, maxTime),
    }
  }
  let bucket: BucketLimit | undefined
  if (bucketJson !== undefined) {
    const b = read.object(bucketJson, `${path}.bucket`)
    bucket = {
      capacity: read.uint(get(b, 'capacity'), `${path}.bucket.capacity`),
      refillPerSecond: read.uint(get(b, 'refillPerSecond'), `${path}.bucket.refillPerSecond`),
    }
  }
  const optionalUint = (key: string) => {
    const value = get(o, key)
    return value === undefined ? undefined : read.uint(value, `${path}.${key}`)
  }
  return {
    id,
    chainId: read.integer(get(o, 'chainId'), `${path}.chainId`, 1),
    address: rawAddress === 'native' ? 'native' : read.address(rawAddress, `${path}.address`),
    decimals,
    policyDecimals: read.integer(get(o, 'policyDecimals') ?? 0, `${path}.policyDecimals`, 0, 36),
    treasury: optionalUint('treasury'),
    large: optionalUint('large'),
    epoch,
    bucket,
  }
}

function parseBreaker(json: unknown): BreakerConfig {
  if (json === undefined) return defaultBreaker
  const o = read.object(json, 'breaker')
  const pick = (key: keyof BreakerConfig, min: number, max: number): number => {
    const value = get(o, key)
    return value === undefined
      ? (defaultBreaker[key] as number)
      : read.integer(value, `breaker.${key}`, min, max)
  }
  const nullable = (key: 'cooldownSeconds' | 'resetAt'): number | undefined => {
    const value = get(o, key)
    if (value === undefined) return defaultBreaker[key]
    return value === null ? undefined : read.integer(value, `breaker.${key}`, 0, maxTime)
  }
  return {
    singleTxBps: pick('singleTxBps', 1, 10_000),
    windowBps: pick('windowBps', 1, 10_000),
    windowSeconds: pick('windowSeconds', 1, maxTime),
    consecutiveLarge: pick('consecutiveLarge', 1, 1000),
    cooldownSeconds: nullable('cooldownSeconds'),
    resetAt: nullable('resetAt'),
  }
}

function parseTiers(json: unknown): Record<Tier, TierRequirement> {
  if (json === undefined) return { ...defaultTiers }
  const o = read.object(json, 'tiers')
  for (const key of Object.keys(o)) {
    if (!(tiers as readonly string[]).includes(key))
      read.fail(`tiers.${key}`, 'is not a tier', `Use ${tiers.join(', ')}.`)
  }
  const result = { ...defaultTiers }
  for (const tier of tiers) {
    const value = get(o, tier)
    if (value === undefined) continue
    const t = read.object(value, `tiers.${tier}`)
    const base = get(t, 'base') ?? defaultTiers[tier].base
    if (base !== 'one' && base !== 'threshold' && base !== 'owners') {
      read.fail(`tiers.${tier}.base`, 'is not one of one, threshold, owners')
    }
    result[tier] = {
      base: base as TierRequirement['base'],
      extra: read.integer(get(t, 'extra') ?? defaultTiers[tier].extra, `tiers.${tier}.extra`, 0, 1000),
      delaySeconds: read.integer(
        get(t, 'delaySeconds') ?? defaultTiers[tier].delaySeconds,
        `tiers.${tier}.delaySeconds`,
        0,
        maxTime,
      ),
    }
  }
  return result
}

function contracts(json: unknown, path: string): Contract[] {
  if (json === undefined) return []
  return read.array(json, path).map((item, i) => {
    const o = read.object(item, `${path}[${i}]`)
    const chainId = get(o, 'chainId')
    return {
      name: label(get(o, 'name') ?? '', `${path}[${i}].name`),
      address: read.address(get(o, 'address'), `${path}[${i}].address`),
      chainId: chainId === undefined ? undefined : read.integer(chainId, `${path}[${i}].chainId`, 1),
    }
  })
}

// Names end up on screens and in the admins' signing flow: no control characters.
function label(value: unknown, path: string): string {
  const text = read.string(value, path)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (text.length > 100 || /[\u0000-\u001f\u007f]/.test(text)) {
    read.fail(path, 'is too long or has control characters')
  }
  return text
}

function unique(values: readonly string[], path: string) {
  const seen = new Set<string>()
  for (const value of values) {
    if (seen.has(value)) read.fail(path, `lists ${value} twice`)
    seen.add(value)
  }
}

/**
 * The decoder's org config (`@airlock/safe`) for one chain, derived from this policy org config:
 * the guardian Safe, the pausable contracts, each asset's "large" amount, trusted delegatecall
 * targets, recipients (the allow-list plus the org's own Safes) and the listed tokens as known
 * ERC-20 contracts. The signer classifies with exactly this, and the coordinator predicts tiers
 * with it too, so the two sides cannot drift apart.
 *
 * @example
 * analyze({ tx, context, org: OrgConfig.toDecoder(org, 1) }).tier
 */
export function toDecoder(org: OrgConfig, chainId: number): DecoderOrg.OrgConfig {
  const onChain = <T extends { chainId: number | undefined }>(list: readonly T[]) =>
    list.filter((item) => item.chainId === undefined || item.chainId === chainId)
  const entries = (list: readonly Contract[]) =>
    onChain(list).map((item) => ({ address: item.address, label: item.name }))
  const assets = org.assets.filter((asset) => asset.chainId === chainId)
  const orgSafes = org.safes.filter((safe) => safe.chainId === chainId)
  const safes = orgSafes.map((safe) => ({ address: safe.address, label: safe.name || 'org Safe' }))
  const recipients = [...entries(org.recipients), ...safes]
  return DecoderOrg.parse({
    guardian: org.guardian?.chainId === chainId ? org.guardian.address : undefined,
    pausableContracts: entries(org.pausable),
    largeThresholds: Object.fromEntries(
      assets.flatMap((asset) => (asset.large === undefined ? [] : [[asset.address, asset.large.toString()]])),
    ),
    trustedDelegatecallTargets: entries(org.trustedDelegatecall),
    // One entry per address: a Safe that is also an allow-listed recipient keeps its first label.
    allowlistedRecipients: [...new Map(recipients.map((r) => [r.address, r])).values()],
    knownContracts: [
      ...assets.flatMap((asset) =>
        asset.address === 'native'
          ? []
          : [
              {
                address: asset.address,
                label: asset.id,
                standard: 'erc20' as const,
                decimals: asset.decimals,
              },
            ],
      ),
      ...safes,
    ],
    abis: decoderAbis(org.abis, chainId),
    allowedCalls: org.allowedCalls.filter((c) => c.chainId === chainId).map((c) => c.call),
    // Each Safe's ceiling, so a nested execution of another org Safe is classified against its own.
    safes: orgSafes.map((safe) => ({
      address: safe.address,
      label: safe.name || 'org Safe',
      tiers: [...ceiling(org, safe)],
    })),
  })
}

// The bundle's ABI entries for one chain, in the decoder's shape: global ones and per address.
function decoderAbis(entries: readonly AbiEntry[], chainId: number) {
  const onChain = entries.filter((e) => e.chainId === undefined || e.chainId === chainId)
  if (onChain.length === 0) return undefined
  const global = onChain.filter((e) => e.address === undefined).flatMap((e) => e.abi)
  const byAddress: Record<string, unknown[]> = {}
  for (const e of onChain) {
    if (!e.address) continue
    byAddress[e.address] ??= []
    byAddress[e.address]!.push(...e.abi)
  }
  return {
    ...(global.length > 0 ? { global } : {}),
    ...(Object.keys(byAddress).length > 0 ? { byAddress } : {}),
  }
}
