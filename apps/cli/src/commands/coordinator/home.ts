// The coordinator's home directory: config.json (chain, org, treasury, timelock, executor key file),
// safes.json (Safes added with `airlock safe add`) and the embedded queue (unless DATABASE_URL is set).
// Every coordinator command opens it through `withCoordinator`, which closes the queue afterwards.
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  Chain,
  type Client,
  Config,
  type CoordinatorConfig,
  Requirements,
  type TierRequirements,
} from '@airlock/coordinator-core'
import { OrgConfig as PolicyOrg } from '@airlock/policy'
import { type Action, openStore, type Store, type StoredSignature } from '@airlock/queue'
import { SafeTx, SafeTxHash, type SafeTxHashes } from '@airlock/safe'
import { SignRequest } from '@airlock/transport'
import { type Address, getAddress, type Hex, isAddress, keccak256, stringToHex } from 'viem'
import type { OptionSpec } from '../../command.ts'
import { UsageError } from '../../errors.ts'
import { readJsonFile } from '../../io.ts'
import { writeFileAtomic } from '../atomicFile.ts'
import { ConfigFileError, NotInitializedError } from './errors.ts'

/** config.json as written by `coordinator init` (the org is a path, relative to the home, or inline). */
export type HomeConfig = {
  rpcUrl: string
  chainId: number
  org: string | Record<string, unknown>
  treasury: string
  timelock?: string | undefined
  multiSendCallOnly?: Record<string, string> | undefined
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
  for (const key of ['timelock', 'executorKeyFile'] as const) {
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
  return Config.safe(c.config, address)?.name ?? knownSafes(c.home)[getAddress(address)]?.name ?? ''
}

/**
 * Resolves --safe: an address, or a Safe's name in the org config or in safes.json; default the treasury.
 *
 * @example
 * resolveSafe(c, 'guardian') // '0x…'
 */
export function resolveSafe(c: Coordinator, value: unknown, fallback?: Address | undefined): Address {
  if (value === undefined) return fallback ?? getAddress(c.config.treasury.address)
  if (typeof value !== 'string' || value === '') {
    throw new UsageError('--safe needs an address or a Safe name.', { hint: 'Example: --safe treasury' })
  }
  if (isAddress(value, { strict: false })) return addressFlag(value, 'safe')
  const fromOrg = c.config.org.safes.find((s) => s.chainId === c.config.chainId && s.name === value)
  if (fromOrg) return getAddress(fromOrg.address)
  const known = Object.values(knownSafes(c.home)).find((s) => s.name === value)
  if (known) return getAddress(known.address)
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
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
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

/**
 * The 16-byte request id of an action's sign request: the action's UUID, so every `action qr` of the
 * same action carries the same id (and a Keystone-style UUID is the same value).
 *
 * @example
 * requestIdOf('3f2a…-…') // '0x3f2a…'
 */
export function requestIdOf(actionId: string): Hex {
  const hex = actionId.replaceAll('-', '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(hex) ? `0x${hex}` : (keccak256(stringToHex(actionId)).slice(0, 34) as Hex)
}

/** The Safe context (chain, Safe, version: the EIP-712 domain) of a queued action. */
export function contextOf(action: Action) {
  return SafeTx.context({
    chainId: action.safe.chainId,
    safe: action.safe.address,
    version: action.safe.version,
  })
}

/** The three hashes of a queued action, recomputed from its fields. */
export function hashesOf(action: Action): SafeTxHashes {
  return SafeTxHash.compute({ tx: action.tx, context: contextOf(action) })
}

/**
 * The airlock-sign-request of a queued action, with the signatures and attestations collected so far.
 * The tier goes along only as an untrusted claim: the signer recomputes it.
 *
 * @example
 * const request = signRequestOf(action, await store.signatures(action.id))
 */
export function signRequestOf(
  action: Action,
  collected: readonly StoredSignature[],
): SignRequest.SignRequest {
  return {
    requestId: requestIdOf(action.id),
    createdAt: Math.floor(action.createdAt.getTime() / 1000),
    context: contextOf(action),
    tx: action.tx,
    signatures: collected
      .filter((s) => s.kind === 'safe-signature')
      .map(({ signer, signature }) => ({ signer, signature })),
    attestations: collected
      .filter((s) => s.kind === 'approval-attestation')
      .map(({ signer, signature }) => ({ signer, signature, tier: action.tier })),
    title: clip(action.title, SignRequest.limits.titleChars, false),
    description: clip(action.description, SignRequest.limits.descriptionChars, true),
    claimedTier: action.tier,
  }
}

function clip(text: string, max: number, multiline: boolean): string {
  // The request format refuses control and invisible format characters (newlines only in the description).
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, (ch) =>
    multiline && (ch === '\n' || ch === '\t') ? ch : ' ',
  )
  const chars = [...clean]
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`
}

/**
 * What an action still needs, from the queue's counts and the org's tier table (no chain read):
 * signatures, approvals (signers and attesters together), attestations and the tier's delay.
 *
 * @example
 * const { missing } = progressOf(c, action, signatures)
 */
export function progressOf(
  c: Coordinator,
  action: Action,
  collected: readonly StoredSignature[],
  now: number = Math.floor(Date.now() / 1000),
) {
  const listed = Config.safe(c.config, action.safe.address)
  const approvals = listed
    ? PolicyOrg.requiredApprovals(c.config.org, listed, action.tier)
    : Number.POSITIVE_INFINITY
  const requirements: TierRequirements = {
    tier: action.tier,
    signatures: action.requirements.signatures,
    approvals,
    attestations: action.requirements.attestations,
    delaySeconds: action.requirements.delaySeconds,
    drift: [],
  }
  const signers = collected.filter((s) => s.kind === 'safe-signature').map((s) => s.signer)
  const attesters = collected.filter((s) => s.kind === 'approval-attestation').map((s) => s.signer)
  return Requirements.progress({
    requirements,
    // Stored signatures were checked against the on-chain owners when they came in.
    owners: [...signers, ...attesters],
    signers,
    attesters,
    createdAt: Math.floor(action.createdAt.getTime() / 1000),
    now,
  })
}

/**
 * The queue's requirements for a tier on a Safe, from coordinator-core's tier table. A Safe missing
 * from the org config has no finite approval count: signers refuse it, so the action is refused here.
 *
 * @example
 * queueRequirements(Requirements.of({ config, state, tier }))
 */
export function queueRequirements(requirements: TierRequirements) {
  if (!Number.isFinite(requirements.attestations) || !Number.isFinite(requirements.approvals)) {
    throw new UsageError('This Safe is not in the org config: signers would refuse every request for it.', {
      hint: 'Add the Safe to the org config (and the signers’ policy bundle) first.',
    })
  }
  return {
    signatures: requirements.signatures,
    attestations: requirements.attestations,
    delaySeconds: requirements.delaySeconds,
  }
}
