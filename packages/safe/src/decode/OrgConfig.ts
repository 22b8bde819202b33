import { type BaseError, Json } from '@airlock/errors'
import { type Address, type Hex, isHex, maxUint256, toFunctionSelector } from 'viem'
import { InvalidOrgConfigError } from '../errors.ts'
import { parseAddress } from '../SafeTx.ts'
import * as AbiJson from './AbiJson.ts'
import * as Abis from './Abis.ts'
import type { Tier } from './Tier.ts'
import * as Tiers from './Tier.ts'

/** Token standards an org can declare for a contract (ERC-20 and ERC-721 share selectors). */
export type TokenStandard = 'erc20' | 'erc721' | 'erc1155'

/** The asset a threshold or an outflow is about: the chain's native coin or a token contract. */
export type AssetId = 'native' | Address

/**
 * What the signer knows about the organisation, parsed and validated. Trusted because it is
 * installed on the signer, never because the online side sent it.
 */
export type OrgConfig = {
  /** The Safe allowed to send Emergency (pause-only) transactions. */
  guardian: Address | undefined
  /** Protocol contracts whose pause functions an Emergency transaction may call. */
  pausable: ReadonlyMap<Address, string>
  /** An outflow above this many base units of the asset is "large" (Critical). */
  largeThresholds: ReadonlyMap<AssetId, bigint>
  /** Extra delegatecall targets trusted on top of Safe's pinned libraries. */
  trustedDelegatecallTargets: ReadonlyMap<Address, string>
  /** Recipients value and tokens may go to without a finding. */
  allowlistedRecipients: ReadonlyMap<Address, string>
  /** Labels, token standards (a listed asset: only its standard's functions are known) and decimals. */
  knownContracts: ReadonlyMap<Address, KnownContract>
  /**
   * The org's Safes and the tiers each may sign (its ceiling). A Safe executed from another one
   * (nested execution) must be listed here. The guardian defaults to Emergency only.
   */
  safes: ReadonlyMap<Address, SafeEntry>
  /** ABIs the org supplies (decoded like built-in ones, after them), built once into a registry. */
  abis: Abis.Registry | undefined
  /** Calls the org allows deliberately, with argument constraints: their effect is `allowed-call`. */
  allowedCalls: readonly AllowedCall[]
}

/** One argument rule of an allowed call. `$safe` stands for the Safe that makes the call. */
export type Constraint = {
  /** Argument path: `recipient`, `params.recipient`, `path.0` (array index). */
  arg: string
  equals?: string | undefined
  oneOf?: readonly string[] | undefined
  /** Bounds for an integer argument, in base units. */
  min?: bigint | undefined
  max?: bigint | undefined
}

/** A (target, selector) the org allows, on the chain the config was built for. */
export type AllowedCall = {
  name: string
  target: Address
  selector: Hex
  constraints: readonly Constraint[]
}

export type KnownContract = {
  label: string
  standard: TokenStandard | undefined
  /** The token's decimals, to show amounts in its units next to base units. */
  decimals: number | undefined
}

/** One of the org's Safes, with the tiers its transactions may have. */
export type SafeEntry = { label: string; tiers: ReadonlySet<Tier> }

/** A contract entry in the JSON: an address, or an object with an address and a label. */
export type ContractEntryInput = string | { address: string; label?: string | undefined }

/** The JSON shape of an org configuration. Amounts are decimal strings (JSON numbers lose precision). */
export type OrgConfigInput = {
  guardian?: string | undefined
  pausableContracts?: readonly ContractEntryInput[] | undefined
  largeThresholds?: Readonly<Record<string, string | bigint>> | undefined
  trustedDelegatecallTargets?: readonly ContractEntryInput[] | undefined
  allowlistedRecipients?: readonly ContractEntryInput[] | undefined
  knownContracts?:
    | readonly {
        address: string
        label: string
        standard?: TokenStandard | undefined
        decimals?: number | undefined
      }[]
    | undefined
  /** The org's Safes; `tiers` defaults to every tier, or to `["emergency"]` for the guardian. */
  safes?:
    | readonly { address: string; label?: string | undefined; tiers?: readonly Tier[] | undefined }[]
    | undefined
}

const KEYS = [
  'guardian',
  'pausableContracts',
  'largeThresholds',
  'trustedDelegatecallTargets',
  'allowlistedRecipients',
  'knownContracts',
  'safes',
  'abis',
  'allowedCalls',
] as const
const STANDARDS: readonly TokenStandard[] = ['erc20', 'erc721', 'erc1155']

/** An org configuration that knows nothing: no guardian, no thresholds, no extra trust. */
export const empty: OrgConfig = {
  guardian: undefined,
  pausable: new Map(),
  largeThresholds: new Map(),
  trustedDelegatecallTargets: new Map(),
  allowlistedRecipients: new Map(),
  knownContracts: new Map(),
  safes: new Map(),
  abis: undefined,
  allowedCalls: [],
}

/**
 * Parses an org configuration from JSON text or a parsed object. Unknown keys are refused, so a typo
 * cannot silently switch a check off.
 *
 * @example
 * const org = OrgConfig.parse('{"guardian":"0x…","pausableContracts":["0x…"],"largeThresholds":{"native":"100000000000000000000"}}')
 */
export function parse(input: unknown): OrgConfig {
  let value = input
  if (typeof input === 'string') {
    try {
      // Bounded in size and nesting (Json.TooDeepError) before anything walks the value.
      value = Json.parse(input, { what: 'org configuration' })
    } catch (cause) {
      throw new InvalidOrgConfigError((cause as BaseError).shortMessage, {
        hint: 'Check the file for a missing comma, quote or bracket.',
        details: cause instanceof Error ? cause.message : String(cause),
        cause,
      })
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOrgConfigError('The org configuration is not an object.', {
      hint: `Give a JSON object with some of: ${KEYS.join(', ')}.`,
    })
  }
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new InvalidOrgConfigError(`The org configuration has an unknown key "${key}".`, {
        hint: `Check the spelling; known keys are ${KEYS.join(', ')}.`,
      })
    }
  }
  const guardian = record.guardian === undefined ? undefined : address(record.guardian, 'guardian')
  return {
    guardian,
    pausable: contracts(record.pausableContracts, 'pausableContracts'),
    largeThresholds: thresholds(record.largeThresholds),
    trustedDelegatecallTargets: contracts(record.trustedDelegatecallTargets, 'trustedDelegatecallTargets'),
    allowlistedRecipients: contracts(record.allowlistedRecipients, 'allowlistedRecipients'),
    knownContracts: known(record.knownContracts),
    safes: safes(record.safes, guardian),
    abis: abis(record.abis),
    allowedCalls: allowedCalls(record.allowedCalls),
  }
}

function abis(value: unknown): Abis.Registry | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOrgConfigError('abis in the org configuration is not an object.', {
      hint: 'Give { "global": [ABI…], "byAddress": { "0x…": ABI } } with JSON ABIs.',
    })
  }
  const { global, byAddress, ...rest } = value as Record<string, unknown>
  refuseExtra(rest, 'abis')
  try {
    const perAddress: Record<string, ReturnType<typeof AbiJson.parse>> = {}
    if (byAddress !== undefined) {
      if (byAddress === null || typeof byAddress !== 'object' || Array.isArray(byAddress)) {
        throw new InvalidOrgConfigError('abis.byAddress in the org configuration is not an object.', {
          hint: 'Map each contract address to its JSON ABI.',
        })
      }
      for (const [key, abi] of Object.entries(byAddress)) {
        perAddress[key] = AbiJson.parse(abi, { what: `abis.byAddress.${key}` })
      }
    }
    return Abis.registry({
      global: global === undefined ? undefined : AbiJson.parse(global, { what: 'abis.global' }),
      byAddress: perAddress,
    })
  } catch (cause) {
    if (cause instanceof InvalidOrgConfigError) throw cause
    throw new InvalidOrgConfigError('An ABI in the org configuration cannot be read.', {
      hint: 'Give JSON ABIs as solc or viem produce them.',
      details: cause instanceof Error ? cause.message.split('\n')[0] : undefined,
      cause,
    })
  }
}

const decimal = /^(0|[1-9][0-9]*)$/

function allowedCalls(value: unknown): AllowedCall[] {
  return list(value, 'allowedCalls').map((entry, i) => {
    const at = `allowedCalls[${i}]`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InvalidOrgConfigError(`${at} in the org configuration is not an object.`, {
        hint: 'Give { "name", "target": "0x…", "selector": "0x…" or "signature": "f(address)", "constraints": [] }.',
      })
    }
    const { name, target, selector, signature, constraints, ...rest } = entry as Record<string, unknown>
    refuseExtra(rest, at)
    let sel: Hex
    if (
      typeof selector === 'string' &&
      signature === undefined &&
      isHex(selector) &&
      selector.length === 10
    ) {
      sel = selector.toLowerCase() as Hex
    } else if (typeof signature === 'string' && selector === undefined) {
      try {
        sel = toFunctionSelector(signature)
      } catch (cause) {
        throw new InvalidOrgConfigError(`${at}.signature is not a function signature.`, {
          hint: 'Give e.g. "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))".',
          cause,
        })
      }
    } else {
      throw new InvalidOrgConfigError(
        `${at} needs exactly one of selector (0x + 8 hex digits) or signature.`,
        {
          hint: 'Name the function the org allows on this target.',
        },
      )
    }
    return {
      name: typeof name === 'string' && name !== '' ? name : `${at}`,
      target: address(target, `${at}.target`),
      selector: sel,
      constraints: list(constraints, `${at}.constraints`).map((raw, j) =>
        constraint(raw, `${at}.constraints[${j}]`),
      ),
    }
  })
}

function constraint(raw: unknown, at: string): Constraint {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidOrgConfigError(`${at} in the org configuration is not an object.`, {
      hint: 'Give { "arg": "params.recipient", "equals": "$safe" } (or oneOf, min, max).',
    })
  }
  const { arg, equals, oneOf, min, max, ...rest } = raw as Record<string, unknown>
  refuseExtra(rest, at)
  if (typeof arg !== 'string' || arg === '') {
    throw new InvalidOrgConfigError(`${at}.arg is missing.`, {
      hint: 'Name the argument, e.g. "params.recipient".',
    })
  }
  if (equals !== undefined && typeof equals !== 'string') {
    throw new InvalidOrgConfigError(`${at}.equals is not a string.`, {
      hint: 'Give an address, "$safe" or a decimal.',
    })
  }
  if (oneOf !== undefined && (!Array.isArray(oneOf) || oneOf.some((v) => typeof v !== 'string'))) {
    throw new InvalidOrgConfigError(`${at}.oneOf is not a list of strings.`, {
      hint: 'Give ["0x…", "$safe"].',
    })
  }
  const bound = (v: unknown, what: string) => {
    if (v === undefined) return undefined
    if (typeof v !== 'string' || !decimal.test(v)) {
      throw new InvalidOrgConfigError(`${at}.${what} is not a decimal string.`, {
        hint: 'Give base units, e.g. "1000000".',
      })
    }
    return BigInt(v)
  }
  if (equals === undefined && oneOf === undefined && min === undefined && max === undefined) {
    throw new InvalidOrgConfigError(`${at} constrains nothing.`, { hint: 'Give equals, oneOf, min or max.' })
  }
  return {
    arg,
    equals: equals as string | undefined,
    oneOf: oneOf as string[] | undefined,
    min: bound(min, 'min'),
    max: bound(max, 'max'),
  }
}

/**
 * The allowed-call entries for a target and selector.
 *
 * @example
 * OrgConfig.allowed(org, router, '0x414bf389') // [{ name: 'swap to treasury', … }]
 */
export function allowed(org: OrgConfig, target: Address, selector: Hex | undefined): AllowedCall[] {
  if (selector === undefined) return []
  return org.allowedCalls.filter((entry) => entry.target === target && entry.selector === selector)
}

function safes(value: unknown, guardian: Address | undefined): Map<Address, SafeEntry> {
  const out = new Map<Address, SafeEntry>()
  list(value, 'safes').forEach((entry, i) => {
    const at = `safes[${i}]`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InvalidOrgConfigError(`${at} in the org configuration is not an object.`, {
        hint: 'Give { "address": "0x…", "label": "…", "tiers": ["routine", "critical"] }.',
      })
    }
    const { address: raw, label, tiers, ...rest } = entry as Record<string, unknown>
    refuseExtra(rest, at)
    if (label !== undefined && typeof label !== 'string') {
      throw new InvalidOrgConfigError(`${at}.label in the org configuration is not a string.`, {
        hint: 'Give a short text label.',
      })
    }
    const safe = address(raw, `${at}.address`)
    if (out.has(safe)) {
      throw new InvalidOrgConfigError(`safes lists ${safe} twice.`, { hint: 'Keep one entry per Safe.' })
    }
    let allowed: Set<Tier>
    if (tiers === undefined) allowed = new Set(safe === guardian ? ['emergency'] : Tiers.tiers)
    else {
      if (!Array.isArray(tiers) || tiers.some((tier) => !Tiers.tiers.includes(tier as Tier))) {
        throw new InvalidOrgConfigError(`${at}.tiers in the org configuration is not a list of tiers.`, {
          hint: `Give some of ${Tiers.tiers.join(', ')}, e.g. ["emergency"] for the guardian.`,
        })
      }
      allowed = new Set(tiers as Tier[])
    }
    out.set(safe, { label: label ?? '', tiers: allowed })
  })
  if (guardian !== undefined && !out.has(guardian)) {
    out.set(guardian, { label: 'guardian Safe', tiers: new Set(['emergency']) })
  }
  return out
}

/**
 * The tiers a Safe may sign under the org configuration: its `safes` entry, Emergency only for the
 * guardian, every tier for a Safe the configuration does not list.
 *
 * @example
 * OrgConfig.ceiling(org, guardian) // Set { 'emergency' }
 */
export function ceiling(org: OrgConfig, safe: Address): ReadonlySet<Tier> {
  return org.safes.get(safe)?.tiers ?? new Set(Tiers.tiers)
}

function address(value: unknown, field: string): Address {
  try {
    return parseAddress(value, field)
  } catch (cause) {
    throw new InvalidOrgConfigError(`${field} in the org configuration is not a valid address.`, {
      hint: 'Give a 0x-prefixed, 20-byte address (with a correct checksum if mixed-case).',
      details: cause instanceof Error ? cause.message : undefined,
      cause,
    })
  }
}

function list(value: unknown, field: string): unknown[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    throw new InvalidOrgConfigError(`${field} in the org configuration is not a list.`, {
      hint: 'Give a JSON array of addresses or { "address", "label" } objects.',
    })
  }
  return value
}

function contracts(value: unknown, field: string): Map<Address, string> {
  const out = new Map<Address, string>()
  list(value, field).forEach((entry, i) => {
    const at = `${field}[${i}]`
    if (typeof entry === 'string') {
      out.set(address(entry, at), '')
      return
    }
    if (entry === null || typeof entry !== 'object') {
      throw new InvalidOrgConfigError(`${at} in the org configuration is neither an address nor an object.`, {
        hint: 'Give "0x…" or { "address": "0x…", "label": "…" }.',
      })
    }
    const { address: raw, label, ...rest } = entry as Record<string, unknown>
    refuseExtra(rest, at)
    if (label !== undefined && typeof label !== 'string') {
      throw new InvalidOrgConfigError(`${at}.label in the org configuration is not a string.`, {
        hint: 'Give a short text label.',
      })
    }
    out.set(address(raw, `${at}.address`), label ?? '')
  })
  return out
}

function known(value: unknown): OrgConfig['knownContracts'] {
  const out = new Map<Address, KnownContract>()
  list(value, 'knownContracts').forEach((entry, i) => {
    const at = `knownContracts[${i}]`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InvalidOrgConfigError(`${at} in the org configuration is not an object.`, {
        hint: 'Give { "address": "0x…", "label": "…", "standard": "erc20" }.',
      })
    }
    const { address: raw, label, standard, decimals, ...rest } = entry as Record<string, unknown>
    refuseExtra(rest, at)
    if (
      decimals !== undefined &&
      (!Number.isInteger(decimals) || (decimals as number) < 0 || (decimals as number) > 77)
    ) {
      throw new InvalidOrgConfigError(`${at}.decimals in the org configuration is not a whole number 0–77.`, {
        hint: 'Give the token’s decimals (6 for USDC, 18 for most tokens), or leave it out.',
      })
    }
    if (typeof label !== 'string' || label.trim() === '') {
      throw new InvalidOrgConfigError(`${at}.label in the org configuration is missing or empty.`, {
        hint: 'Give the label the signer should show for this contract.',
      })
    }
    if (standard !== undefined && !STANDARDS.includes(standard as TokenStandard)) {
      throw new InvalidOrgConfigError(`${at}.standard "${String(standard)}" is not a token standard.`, {
        hint: `Use one of ${STANDARDS.join(', ')}, or leave it out.`,
      })
    }
    out.set(address(raw, `${at}.address`), {
      label,
      standard: standard as TokenStandard | undefined,
      decimals: decimals as number | undefined,
    })
  })
  return out
}

function thresholds(value: unknown): Map<AssetId, bigint> {
  const out = new Map<AssetId, bigint>()
  if (value === undefined) return out
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOrgConfigError('largeThresholds in the org configuration is not an object.', {
      hint: 'Map "native" or a token address to an amount in base units, as a decimal string.',
    })
  }
  for (const [key, raw] of Object.entries(value)) {
    const asset: AssetId = key === 'native' ? 'native' : address(key, `largeThresholds key ${key}`)
    let amount: bigint | undefined
    if (typeof raw === 'bigint') amount = raw
    else if (typeof raw === 'string' && /^(0|[1-9][0-9]*)$/.test(raw)) amount = BigInt(raw)
    if (amount === undefined || amount < 0n || amount > maxUint256) {
      throw new InvalidOrgConfigError(
        `largeThresholds.${key} is not an amount: ${JSON.stringify(String(raw))}.`,
        {
          hint: 'Give a whole number of base units (wei, or the token’s smallest unit) as a decimal string.',
        },
      )
    }
    if (out.has(asset)) {
      throw new InvalidOrgConfigError(`largeThresholds lists ${asset} twice.`, {
        hint: 'Keep one threshold per asset (addresses are compared case-insensitively).',
      })
    }
    out.set(asset, amount)
  }
  return out
}

function refuseExtra(rest: Record<string, unknown>, at: string): void {
  const extra = Object.keys(rest)
  if (extra.length > 0) {
    throw new InvalidOrgConfigError(`${at} in the org configuration has an unknown key "${extra[0]}".`, {
      hint: 'Check the spelling and the documented fields of this entry.',
    })
  }
}

/**
 * The label the org gives an address (known contract, pausable, recipient), if any.
 *
 * @example
 * OrgConfig.label(org, '0xA0b8…') // 'USDC'
 */
export function label(org: OrgConfig, address: Address): string | undefined {
  const labels = [
    org.knownContracts.get(address)?.label,
    org.safes.get(address)?.label,
    org.pausable.get(address),
    org.trustedDelegatecallTargets.get(address),
    org.allowlistedRecipients.get(address),
  ]
  return labels.find((text) => text !== undefined && text !== '')
}

/**
 * Whether the org knows the address at all (listed anywhere in its configuration).
 *
 * @example
 * OrgConfig.knows(org, recipient)
 */
export function knows(org: OrgConfig, address: Address): boolean {
  return (
    org.guardian === address ||
    org.safes.has(address) ||
    org.knownContracts.has(address) ||
    org.pausable.has(address) ||
    org.trustedDelegatecallTargets.has(address) ||
    org.allowlistedRecipients.has(address)
  )
}
