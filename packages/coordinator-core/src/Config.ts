import { OrgConfig as PolicyOrg } from '@airlock/policy'
import { type DecoderOrg, KnownContracts, SafeTx, type SafeVersion } from '@airlock/safe'
import { type Address, getAddress, isAddress } from 'viem'
import { mainnetRegistry } from './Ens.ts'
import { InvalidConfigError } from './errors.ts'

/**
 * What the coordinator knows about the organisation on one chain. `org` is the very org config the
 * signers install with their policy bundle; the rest says which Safe is the treasury and where the
 * protocol's timelock and the batch library live on this chain.
 */
export type Config = {
  org: PolicyOrg.OrgConfig
  chainId: number
  /** The M-of-N treasury Safe (one of `org.safes` on this chain). */
  treasury: PolicyOrg.SafeConfig
  /** The 1-of-N guardian Safe for pauses, when the org has one on this chain. */
  guardian: PolicyOrg.SafeConfig | undefined
  /** The protocol's TimelockController that Critical actions go through. */
  timelock: Address | undefined
  /** MultiSendCallOnly overrides by chain id (e.g. a local deployment); otherwise the pinned address. */
  multiSendCallOnly: ReadonlyMap<number, Address>
  /** The decoder's view of the org on this chain, exactly as a signer derives it. */
  decoder: DecoderOrg.OrgConfig
  /** The ENS registry names are resolved through (mainnet's unless configured, e.g. a local one). */
  ensRegistry: Address
}

/** JSON shape: `org` is the signer's org config JSON (use `create` with an already parsed one). */
export type ConfigInput = {
  org: unknown
  chainId: number
  /** Address or name of the treasury Safe in `org.safes`. */
  treasury: string
  timelock?: string | undefined
  /** `{ "31337": "0x…" }`: MultiSendCallOnly per chain id. */
  multiSendCallOnly?: Readonly<Record<string, string>> | undefined
  /** The ENS registry on this chain (default: mainnet's 0x0000…2e1e). */
  ensRegistry?: string | undefined
}

const KEYS = ['org', 'chainId', 'treasury', 'timelock', 'multiSendCallOnly', 'ensRegistry']

/** MultiSendCallOnly as Safe deployed it at the same address on every chain, per Safe release. */
export const pinnedMultiSendCallOnly: Readonly<Record<'1.3.0' | '1.4.1' | '1.5.0', Address>> = {
  '1.3.0': '0x40A2aCCbd92BCA938b02010E17A5b8929b49130D',
  '1.4.1': '0x9641d764fc13c8B624c04430C7356C1C7C8102e2',
  '1.5.0': '0xA83c336B20401Af773B6219BA5027174338D1836',
}

/**
 * Parses and checks a coordinator config. Throws InvalidConfigError (or the org config's own
 * Policy.InvalidOrgConfigError) naming what is wrong.
 *
 * @example
 * const config = Config.parse({ org: orgJson, chainId: 1, treasury: 'treasury' })
 * config.treasury.threshold // 3
 */
export function parse(input: unknown): Config {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidConfigError('The coordinator config is not an object.', {
      hint: `Give a JSON object with ${KEYS.join(', ')}.`,
    })
  }
  const record = input as Record<string, unknown>
  const unknown = Object.keys(record).find((key) => !KEYS.includes(key))
  if (unknown !== undefined) {
    throw new InvalidConfigError(`The coordinator config has an unknown key "${unknown}".`, {
      hint: `Known keys: ${KEYS.join(', ')}.`,
    })
  }
  const chainId = record.chainId
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1) {
    throw new InvalidConfigError('chainId in the coordinator config is not a positive integer.', {
      hint: 'Give the chain id of the network the Safes live on (1 for Ethereum).',
    })
  }
  const org = PolicyOrg.parse(record.org)
  if (typeof record.treasury !== 'string') {
    throw new InvalidConfigError('treasury in the coordinator config is missing.', {
      hint: 'Give the address or the name of the treasury Safe as listed in the org config.',
    })
  }
  const overrides = new Map<number, Address>()
  const rawOverrides = record.multiSendCallOnly
  if (rawOverrides !== undefined) {
    if (rawOverrides === null || typeof rawOverrides !== 'object' || Array.isArray(rawOverrides)) {
      throw new InvalidConfigError('multiSendCallOnly in the coordinator config is not an object.', {
        hint: 'Map chain ids to addresses: { "31337": "0x…" }.',
      })
    }
    for (const [key, value] of Object.entries(rawOverrides)) {
      if (!/^[1-9][0-9]*$/.test(key)) {
        throw new InvalidConfigError(`multiSendCallOnly has a key "${key}" that is not a chain id.`, {
          hint: 'Use decimal chain ids as keys.',
        })
      }
      overrides.set(Number(key), address(value, `multiSendCallOnly.${key}`))
    }
  }
  return create({
    org,
    chainId,
    treasury: record.treasury,
    timelock: record.timelock === undefined ? undefined : address(record.timelock, 'timelock'),
    multiSendCallOnly: overrides,
    ensRegistry: record.ensRegistry === undefined ? undefined : address(record.ensRegistry, 'ensRegistry'),
  })
}

/**
 * Builds a config from an already parsed org config.
 *
 * @example
 * const config = Config.create({ org, chainId: 31337, treasury: safe, multiSendCallOnly: new Map([[31337, local]]) })
 */
export function create({
  org,
  chainId,
  treasury,
  timelock,
  multiSendCallOnly = new Map(),
  ensRegistry = mainnetRegistry,
}: {
  org: PolicyOrg.OrgConfig
  chainId: number
  treasury: string
  timelock?: Address | undefined
  multiSendCallOnly?: ReadonlyMap<number, Address> | undefined
  /** The ENS registry on this chain (default: mainnet's). */
  ensRegistry?: Address | undefined
}): Config {
  const onChain = org.safes.filter((safe) => safe.chainId === chainId)
  const treasurySafe = isAddress(treasury, { strict: false })
    ? onChain.find((safe) => safe.address === address(treasury, 'treasury').toLowerCase())
    : onChain.find((safe) => safe.name === treasury)
  if (!treasurySafe) {
    throw new InvalidConfigError(
      `The treasury Safe "${treasury}" is not in the org config for chain ${chainId}.`,
      {
        hint: `List it under "safes" with chainId ${chainId}, or fix the name or address.`,
      },
    )
  }
  const guardian =
    org.guardian?.chainId === chainId
      ? onChain.find((safe) => safe.address === org.guardian?.address)
      : undefined
  const decoder = PolicyOrg.toDecoder(org, chainId)
  const config: Config = {
    org,
    chainId,
    treasury: treasurySafe,
    guardian,
    timelock: timelock === undefined ? undefined : getAddress(timelock),
    multiSendCallOnly: new Map([...multiSendCallOnly].map(([id, a]) => [id, getAddress(a)])),
    decoder,
    ensRegistry: getAddress(ensRegistry),
  }
  const override = config.multiSendCallOnly.get(chainId)
  if (override !== undefined && !trustedForDelegatecall(config, override)) {
    throw new InvalidConfigError(
      `MultiSendCallOnly ${override} for chain ${chainId} is not a trusted delegatecall target in the org config.`,
      {
        hint: 'Add it to "trustedDelegatecall" in the org config (signers would otherwise refuse every batch as Existential).',
      },
    )
  }
  return config
}

/**
 * The MultiSendCallOnly to batch through for a Safe version on the config's chain: the configured
 * override, else the address Safe pinned for that release (1.3.0's for older Safes).
 *
 * @example
 * Config.multiSendCallOnly(config, '1.4.1') // '0x9641…02e2' on mainnet
 */
export function multiSendCallOnly(config: Config, version: SafeVersion.SafeVersion): Address {
  const override = config.multiSendCallOnly.get(config.chainId)
  if (override !== undefined) return override
  if (version === '1.4.1' || version === '1.5.0') return pinnedMultiSendCallOnly[version]
  return pinnedMultiSendCallOnly['1.3.0']
}

/**
 * Whether signers trust a delegatecall to this address (Safe's pinned libraries or the org's list).
 *
 * @example
 * Config.trustedForDelegatecall(config, '0x40A2aCCbd92BCA938b02010E17A5b8929b49130D') // true
 */
export function trustedForDelegatecall(config: Config, target: Address): boolean {
  const address = getAddress(target)
  return (
    KnownContracts.get(address)?.trustedDelegatecall === true ||
    config.decoder.trustedDelegatecallTargets.has(address)
  )
}

/**
 * The org's Safe config for an address on the config's chain, if listed.
 *
 * @example
 * Config.safe(config, guardianAddress)?.threshold // 1
 */
export function safe(config: Config, address: Address): PolicyOrg.SafeConfig | undefined {
  return PolicyOrg.findSafe(config.org, { address, chainId: config.chainId })
}

function address(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
    throw new InvalidConfigError(`${field} in the coordinator config is not an address.`, {
      hint: 'Give a 0x-prefixed, 20-byte address.',
    })
  }
  // A mixed-case address with a wrong EIP-55 checksum is a typo, not an address.
  return SafeTx.parseAddress(value, `${field} in the coordinator config`)
}

/**
 * An address given as an address or as a name from the org config on this chain: a Safe, a recipient,
 * a pausable or trusted contract, or an asset id (`USDC`). Names match case-insensitively; a name that
 * is listed twice with different addresses is refused rather than guessed.
 *
 * @example
 * Config.resolveAddress(config, 'Payroll') // '0x0000000000000000000000000000000000002001'
 */
export function resolveAddress(config: Config, value: string, field = 'address'): Address {
  if (isAddress(value, { strict: false })) return SafeTx.parseAddress(value, field)
  const onChain = (chainId: number | undefined) => chainId === undefined || chainId === config.chainId
  const wanted = value.toLowerCase()
  const named = [
    ...config.org.safes.filter((s) => onChain(s.chainId)),
    ...config.org.recipients.filter((r) => onChain(r.chainId)),
    ...config.org.pausable.filter((p) => onChain(p.chainId)),
    ...config.org.trustedDelegatecall.filter((t) => onChain(t.chainId)),
    ...config.org.assets
      .filter((a) => onChain(a.chainId) && a.address !== 'native')
      .map((a) => ({ name: a.id, address: a.address as Address })),
  ].filter((entry) => entry.name.toLowerCase() === wanted)
  const addresses = [...new Set(named.map((entry) => getAddress(entry.address)))]
  if (addresses.length === 1) return addresses[0]!
  throw new InvalidConfigError(
    addresses.length === 0
      ? `${field} "${value}" is neither an address nor a name in the org config.`
      : `${field} "${value}" names ${addresses.length} different addresses in the org config.`,
    {
      hint: `Give the 0x address, or one of: ${
        [...config.org.safes, ...config.org.recipients]
          .filter((e) => onChain(e.chainId))
          .map((e) => e.name)
          .join(', ') || 'no names are listed'
      }.`,
    },
  )
}

/**
 * An amount written in units of an asset (`1.5` ETH, `250` USDC) as base units, with the asset's
 * decimals from the org config (18 for the native coin when it is not listed). Whole base units can
 * still be given with a trailing `wei` / `base` (`1000000wei`).
 *
 * @example
 * Config.parseAmount(config, { amount: '1.5', token: undefined }) // 1500000000000000000n
 * Config.parseAmount(config, { amount: '250', token: usdc }) // 250000000n
 */
export function parseAmount(
  config: Config,
  { amount, token }: { amount: string; token: Address | undefined },
): bigint {
  const text = amount.trim()
  const base = /^([0-9]+)\s*(wei|base)$/i.exec(text)
  if (base) return BigInt(base[1]!)
  const asset = config.org.assets.find(
    (a) =>
      a.chainId === config.chainId &&
      (token === undefined
        ? a.address === 'native'
        : a.address !== 'native' && getAddress(a.address) === getAddress(token)),
  )
  if (token !== undefined && asset === undefined) {
    throw new InvalidConfigError(
      `Token ${token} is not an asset in the org config, so its decimals are unknown.`,
      {
        hint: 'Add it to the org config’s assets, or give the amount in base units with a "base" suffix (e.g. 250000000base).',
      },
    )
  }
  const decimals = asset?.decimals ?? 18
  const match = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text)
  if (!match || (match[2]?.length ?? 0) > decimals) {
    throw new InvalidConfigError(`"${amount}" is not an amount of ${asset?.id ?? 'the native coin'}.`, {
      hint: `Write it in units with at most ${decimals} decimals (e.g. 1.5), or in base units with a "base" suffix.`,
    })
  }
  return BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt((match[2] ?? '').padEnd(decimals, '0') || '0')
}
