// The coordinator's home directory: config.json (chain, org, treasury, timelock, executor key file),
// safes.json (Safes added with `airlock safe add`) and the embedded queue (unless DATABASE_URL is set).
// Every coordinator command opens it through `withCoordinator`, which closes the queue afterwards.
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { Chain, type Client, Config, type CoordinatorConfig } from '@airlock/coordinator-core'
import { openStore, type Store } from '@airlock/queue'
import { SafeTx } from '@airlock/safe'
import type { OptionSpec } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { readJsonFile } from '../../io.ts'
import { writeFileAtomic } from '../atomicFile.ts'
import { ConfigFileError, NotInitializedError } from './errors.ts'

type Address = SafeTx.Address

/** config.json as written by `coordinator init` (the org is a path, relative to the home, or inline). */
export type HomeConfig = {
  rpcUrl: string
  chainId: number
  org: string | Record<string, unknown>
  treasury: string
  timelock?: string | undefined
  multiSendCallOnly?: Record<string, string> | undefined
  /** The chain's ENS registry, when not mainnet's (a local or other deployment). */
  ensRegistry?: string | undefined
  executorKeyFile?: string | undefined
}

/** A Safe remembered by `safe add`. */
export type KnownSafe = {
  address: Address
  name: string
  version: string
  owners: Address[]
  threshold: string
  nonce: string
  addedAt: string
}

export const homeOption: Record<string, OptionSpec> = {
  home: {
    type: 'string',
    help: 'coordinator directory (default $AIRLOCK_COORDINATOR_HOME or ~/.airlock/coordinator)',
  },
  json: { type: 'boolean', help: 'print the result as JSON' },
}

/**
 * The coordinator home: --home, else $AIRLOCK_COORDINATOR_HOME, else ~/.airlock/coordinator.
 *
 * @example
 * resolveHome(undefined, process.cwd()) // '/home/alice/.airlock/coordinator'
 */
export function resolveHome(flag: unknown, cwd: string): string {
  if (typeof flag === 'string' && flag !== '') return resolve(cwd, flag)
  const env = process.env.AIRLOCK_COORDINATOR_HOME
  if (env) return resolve(cwd, env)
  return join(homedir(), '.airlock', 'coordinator')
}

export const configPath = (home: string) => join(home, 'config.json')
const safesPath = (home: string) => join(home, 'safes.json')

/**
 * Reads and checks config.json and the org config it names; returns both views.
 *
 * @example
 * const { file, config } = loadConfig('/home/alice/.airlock/coordinator')
 */
export function loadConfig(home: string): { file: HomeConfig; config: CoordinatorConfig } {
  const path = configPath(home)
  if (!existsSync(path)) {
    throw new NotInitializedError(`No coordinator config in ${home}.`, {
      hint: "Run 'airlock coordinator init --home DIR --rpc URL --chain-id N --org FILE --treasury ADDR' first, or pass --home.",
    })
  }
  const raw = readJsonFile(path, 'coordinator config')
  const file = checkHomeConfig(raw, path)
  return { file, config: coordinatorConfig(file, home) }
}

function checkHomeConfig(raw: unknown, path: string): HomeConfig {
  const fail = (what: string) =>
    new ConfigFileError(`${path}: ${what}`, {
      hint: "Fix the file, or write it again with 'airlock coordinator init --force'.",
    })
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail('not a JSON object.')
  const record = raw as Record<string, unknown>
  if (typeof record.rpcUrl !== 'string' || record.rpcUrl === '') throw fail('rpcUrl is missing.')
  if (typeof record.chainId !== 'number') throw fail('chainId is missing.')
  if (typeof record.treasury !== 'string') throw fail('treasury is missing.')
  if (typeof record.org !== 'string' && (record.org === null || typeof record.org !== 'object')) {
    throw fail('org is neither a file path nor an inline org config.')
  }
  for (const key of ['timelock', 'executorKeyFile', 'ensRegistry'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'string') throw fail(`${key} is not a string.`)
  }
  return record as HomeConfig
}

/**
 * The coordinator-core config from config.json (loading the org file it names).
 *
 * @example
 * const config = coordinatorConfig(file, home)
 */
export function coordinatorConfig(file: HomeConfig, home: string): CoordinatorConfig {
  const org =
    typeof file.org === 'string' ? readJsonFile(resolve(home, file.org), 'org config') : (file.org as unknown)
  return Config.parse({
    org,
    chainId: file.chainId,
    treasury: file.treasury,
    ...(file.timelock === undefined ? {} : { timelock: file.timelock }),
    ...(file.multiSendCallOnly === undefined ? {} : { multiSendCallOnly: file.multiSendCallOnly }),
    ...(file.ensRegistry === undefined ? {} : { ensRegistry: file.ensRegistry }),
  })
}

/** Everything a coordinator command works with. The queue opens on first use. */
export type Coordinator = {
  home: string
  file: HomeConfig
  config: CoordinatorConfig
  client: Client
  /** Who is recorded in the queue's history. */
  actor: string
  store: () => Promise<Store>
}

/**
 * Opens the coordinator home for one command and closes the queue afterwards.
 *
 * @example
 * return withCoordinator(values, io.cwd, async (c) => { … })
 */
export async function withCoordinator<T>(
  values: Record<string, unknown>,
  cwd: string,
  run: (c: Coordinator) => Promise<T>,
): Promise<T> {
  const home = resolveHome(values.home, cwd)
  const { file, config } = loadConfig(home)
  let opened: Promise<Store> | undefined
  const c: Coordinator = {
    home,
    file,
    config,
    client: Chain.client({ rpcUrl: file.rpcUrl, chainId: file.chainId, pollingIntervalMs: 250 }),
    actor: process.env.AIRLOCK_ACTOR || process.env.USER || 'operator',
    store: () => {
      opened ??= openStore({
        databaseUrl: process.env.DATABASE_URL || undefined,
        dataDir: join(home, 'queue'),
      })
      return opened
    },
  }
  try {
    return await run(c)
  } finally {
    if (opened) await (await opened.catch(() => undefined))?.close()
  }
}

/**
 * The Safes remembered by `safe add`, by checksummed address.
 *
 * @example
 * knownSafes(home)['0x…']?.name
 */
export function knownSafes(home: string): Record<string, KnownSafe> {
  const path = safesPath(home)
  if (!existsSync(path)) return {}
  const raw = readJsonFile(path, 'known Safes')
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw)
    ? (raw as Record<string, KnownSafe>)
    : {}
}

/**
 * Remembers a Safe (atomically rewriting safes.json).
 *
 * @example
 * rememberSafe(home, { address, name: 'treasury', … })
 */
export function rememberSafe(home: string, safe: KnownSafe): void {
  mkdirSync(home, { recursive: true })
  const all = { ...knownSafes(home), [safe.address]: safe }
  writeFileAtomic(safesPath(home), `${JSON.stringify(all, null, 2)}\n`)
}

/**
 * A Safe's display name: the org config's, else the one given to `safe add`, else ''.
 *
 * @example
 * safeName(c, treasury) // 'treasury'
 */
export function safeName(c: Coordinator, address: Address): string {
  return (
    Config.safe(c.config, address)?.name ??
    knownSafes(c.home)[SafeTx.parseAddress(address, 'safe')]?.name ??
    ''
  )
}

/**
 * Resolves --safe: an address, or a Safe's name in the org config or in safes.json; default the treasury.
 *
 * @example
 * resolveSafe(c, 'guardian') // '0x…'
 */
export function resolveSafe(c: Coordinator, value: unknown, fallback?: Address | undefined): Address {
  if (value === undefined) return fallback ?? SafeTx.parseAddress(c.config.treasury.address, 'treasury')
  if (typeof value !== 'string' || value === '') {
    throw new UsageError('--safe needs an address or a Safe name.', { hint: 'Example: --safe treasury' })
  }
  if (SafeTx.looksLikeAddress(value)) return addressFlag(value, 'safe')
  const fromOrg = c.config.org.safes.find((s) => s.chainId === c.config.chainId && s.name === value)
  if (fromOrg) return SafeTx.parseAddress(fromOrg.address, 'safe')
  const known = Object.values(knownSafes(c.home)).find((s) => s.name === value)
  if (known) return SafeTx.parseAddress(known.address, 'safe')
  throw new UsageError(`No Safe named "${value}".`, {
    hint: 'Give the address, or a name from the org config or from airlock safe add --name.',
  })
}

/**
 * Parses an address flag, with a UsageError naming the flag.
 *
 * @example
 * addressFlag(values.to, 'to') // '0x…'
 */
export function addressFlag(value: unknown, flag: string): Address {
  if (!SafeTx.looksLikeAddress(value)) {
    throw new UsageError(
      `--${flag} needs a 0x-prefixed, 20-byte address${value === undefined ? '' : `, got "${String(value)}"`}.`,
      {
        hint: `Example: --${flag} 0x00000000000000000000000000000000000a1e57`,
      },
    )
  }
  // A mixed-case address must carry a correct EIP-55 checksum: a wrong one is a typo.
  return SafeTx.parseAddress(value, `--${flag}`)
}

/**
 * Parses a whole-number flag (decimal or 0x hex) as a bigint.
 *
 * @example
 * uintFlag(values.amount, 'amount') // 10n ** 18n
 */
export function uintFlag(value: unknown, flag: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(value.trim())) {
    throw new UsageError(
      `--${flag} needs a whole number${value === undefined ? '' : `, got "${String(value)}"`}.`,
      {
        hint: `Give it in base units (wei for the native coin), e.g. --${flag} 1000000000000000000.`,
      },
    )
  }
  return BigInt(value.trim())
}
