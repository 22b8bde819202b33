import { Bundle, type CedarApi, Engine, OrgConfig } from '@airlock/policy'
import type { DecoderOrg } from '@airlock/safe'
import type { Hex } from 'viem'
import type { AttestedTier } from './Attestation.ts'
import { InvalidSignerRulesError } from './errors.ts'

/**
 * Rules only the signer enforces, set by the security leads in the bundle's org config under
 * `signerRules` (signed with the rest of the bundle). Both default to the strict choice.
 */
export type SignerRules = {
  /** Sign for Safes before 1.3.0 (their EIP-712 domain has no chain id, so signatures replay across chains). */
  allowLegacySafeVersions: boolean
  /** Sign a different transaction for a Safe and nonce this signer already signed (with operator acknowledgement). */
  allowReplacement: boolean
  /**
   * A clock reset signed by the security leads: a signer whose log ran ahead of the true time (a
   * laptop clock without time sync) accepts its clock again once it reads at least `at` (unix
   * seconds, the true time the leads read when they made the bundle). Logged when the bundle is
   * installed; entries keep the log's last time until the clock catches up, so delays and windows
   * only ever look longer, never shorter.
   */
  clockReset: { at: number } | undefined
  /**
   * The longest a Safe message's deadline may reach past the signer's clock (seconds; default 30
   * days): a permit or allowance that lasts longer (`type(uint256).max` included) raises the
   * critical finding `message-deadline-too-long`, which the default policies refuse.
   */
  messageMaxDeadlineSeconds: number
}

/** 30 days: the default `messageMaxDeadlineSeconds`. */
export const defaultMessageMaxDeadlineSeconds = 30 * 24 * 3600

/** The policy the signer runs: a verified bundle, its parsed org config, its Cedar engine and the signer's rules. */
export type Installed = {
  bundle: Bundle.Bundle
  hash: Hex
  version: number
  org: OrgConfig.OrgConfig
  engine: Engine.Engine
  rules: SignerRules
  /** The decoder's org config for one chain, derived from the policy's (cached). */
  decoderOrg(chainId: number): DecoderOrg.OrgConfig
}

const ruleKeys = [
  'allowLegacySafeVersions',
  'allowReplacement',
  'clockReset',
  'messageMaxDeadlineSeconds',
] as const

/**
 * Reads `signerRules` from a bundle's raw org JSON; unknown keys are refused so a typo cannot
 * silently keep a rule off (or on).
 *
 * @example
 * Installed.signerRules({ signerRules: { allowReplacement: true } }) // { allowLegacySafeVersions: false, allowReplacement: true }
 */
export function signerRules(orgJson: unknown): SignerRules {
  const rules: SignerRules = {
    allowLegacySafeVersions: false,
    allowReplacement: false,
    clockReset: undefined,
    messageMaxDeadlineSeconds: defaultMessageMaxDeadlineSeconds,
  }
  if (orgJson === null || typeof orgJson !== 'object' || !Object.hasOwn(orgJson, 'signerRules')) return rules
  const raw = (orgJson as Record<string, unknown>).signerRules
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidSignerRulesError('The org config’s signerRules is not an object.', {
      hint: 'Give { "allowLegacySafeVersions": false, "allowReplacement": false } or leave it out.',
    })
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!(ruleKeys as readonly string[]).includes(key)) {
      throw new InvalidSignerRulesError(`The org config’s signerRules has an unknown key "${key}".`, {
        hint: `Known keys: ${ruleKeys.join(', ')}.`,
      })
    }
    if (key === 'clockReset') {
      rules.clockReset = clockReset(value)
      continue
    }
    if (key === 'messageMaxDeadlineSeconds') {
      // One minute to ten years: anything outside is a typo (and ten years is already "forever").
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 60 || value > 315_360_000) {
        throw new InvalidSignerRulesError('signerRules.messageMaxDeadlineSeconds is not 60 to 315360000.', {
          hint: 'Give the longest permit deadline the signers accept, in seconds (2592000 is 30 days).',
        })
      }
      rules.messageMaxDeadlineSeconds = value
      continue
    }
    if (typeof value !== 'boolean') {
      throw new InvalidSignerRulesError(`signerRules.${key} is not true or false.`, {
        hint: 'Give a JSON boolean.',
      })
    }
    rules[key as 'allowLegacySafeVersions' | 'allowReplacement'] = value
  }
  return rules
}

// 2000-01-01 to 9999-12-31: a reset time outside it is a typo, not a clock.
function clockReset(value: unknown): { at: number } {
  const at = (value as { at?: unknown } | null)?.at
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.keys(value).some((k) => k !== 'at') ||
    typeof at !== 'number' ||
    !Number.isSafeInteger(at) ||
    at < 946_684_800 ||
    at > 253_402_300_799
  ) {
    throw new InvalidSignerRulesError('signerRules.clockReset is not { "at": <unix seconds> }.', {
      hint: 'Give the true time (unix seconds) read from a trusted clock when the bundle was made.',
    })
  }
  return { at }
}

/**
 * Builds the installed policy from a bundle that `Bundle.verify` accepted (does not verify it again).
 * `hash` is the bundle's `Bundle.hash` when the caller has just computed it (the signer does on
 * start, to match the log), so it is not computed twice.
 *
 * @example
 * const installed = Installed.fromBundle(bundle, { cedar })
 */
export function fromBundle(
  bundle: Bundle.Bundle,
  { cedar, hash }: { cedar: CedarApi; hash?: Hex | undefined },
): Installed {
  const org = OrgConfig.parse(bundle.org)
  const rules = signerRules(bundle.org)
  // Every caller verified this bundle (`Bundle.verify` on install or prediction; on start the signer
  // matched its hash against the signed log's last install), so Cedar's schema validation, most of
  // the time it takes to open a state directory, is not repeated.
  const engine = Engine.create({ cedar, policies: bundle.policies, org, validated: true })
  const cache = new Map<number, DecoderOrg.OrgConfig>()
  return {
    bundle,
    hash: hash ?? Bundle.hash(bundle),
    version: bundle.version,
    org,
    engine,
    rules,
    decoderOrg(chainId) {
      let decoderOrg = cache.get(chainId)
      if (!decoderOrg) {
        decoderOrg = OrgConfig.toDecoder(org, chainId)
        cache.set(chainId, decoderOrg)
      }
      return decoderOrg
    },
  }
}

/**
 * Distinct owners (this signer included) a tier needs, and how long this signer must have known the
 * transaction, from the org config's tier table.
 *
 * @example
 * Installed.requirement(installed, safe, 'critical') // { approvals: 4, delaySeconds: 172800 }
 */
export function requirement(
  installed: Installed,
  safe: OrgConfig.SafeConfig,
  tier: AttestedTier,
): { approvals: number; delaySeconds: number } {
  return {
    approvals: OrgConfig.requiredApprovals(installed.org, safe, tier),
    delaySeconds: installed.org.tiers[tier].delaySeconds,
  }
}
