// An organisation on anvil driven through the `airlock` CLI, for end-to-end tests: the example org
// config moved onto the local chain, a signed bundle, signer state directories with software keys,
// a coordinator home, and the request/answer files that cross the air gap (UR parts and answers).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { saveKey } from '@airlock/audit-log/node'
import { runCli } from '@airlock/cli/testing'
import {
  type Anvil,
  anvilAccounts,
  deploySafeContracts,
  type SafeDeployment,
  startAnvil,
} from '@airlock/devnet'
import { Bundle } from '@airlock/policy'
import { SignRequest, UrDecoder } from '@airlock/transport'
import { type Address, getAddress, type HDAccount, toHex } from 'viem'
import { expect } from 'vitest'

const policyDir = join(import.meta.dirname, '..', '..', 'policies', 'treasury-default')
const lower = (a: string) => a.toLowerCase()

/** The org config's one recipient (anvilOrg lists it as Payroll). */
export const PAYROLL = getAddress('0x00000000000000000000000000000000000a1e57')

/** Anvil's first seven accounts in the roles a CLI world gives them. */
export function worldAccounts(): {
  deployer: HDAccount
  owners: [HDAccount, HDAccount, HDAccount]
  admins: [HDAccount, HDAccount]
  executor: HDAccount
} {
  const [deployer, o1, o2, o3, admin1, admin2, executor] = anvilAccounts(7) as [HDAccount, ...HDAccount[]]
  return {
    deployer,
    owners: [o1!, o2!, o3!],
    admins: [admin1!, admin2!],
    executor: executor!,
  }
}

/**
 * A scratch directory (`prefix` names it) with the coordinator home `dir/home`, and anvil on `chainId`
 * with the official Safe 1.4.1 contracts deployed by `deployer`.
 */
export async function startWorldChain({
  prefix,
  chainId,
  deployer,
}: {
  prefix: string
  chainId: number
  deployer: HDAccount
}): Promise<{ dir: string; home: string; anvil: Anvil; deployment: SafeDeployment }> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const anvil = await startAnvil({ chainId })
  const deployment = await deploySafeContracts({ anvil, deployer, version: '1.4.1' })
  return { dir, home: join(dir, 'home'), anvil, deployment }
}

/** `airlock <argv> --home home --json` in `dir`: its JSON output and stderr; throws when it fails. */
export async function coordinatorJson({
  dir,
  home,
  argv,
}: {
  dir: string
  home: string
  argv: readonly string[]
}) {
  const result = await runCli([...argv, '--home', home, '--json'], { cwd: dir })
  if (result.code !== 0) throw new Error(`airlock ${argv.join(' ')} failed: ${result.stderr}`)
  return { json: JSON.parse(result.stdout), stderr: result.stderr }
}

/** One Safe of the org config, on the local chain. */
export type WorldSafe = {
  name: string
  address: Address
  owners: readonly Address[]
  threshold: number
  startNonce?: string | undefined
}

/**
 * The example org config (policies/treasury-default) moved onto anvil: these Safes, no guardian or
 * pausable contracts, the anvil MultiSendCallOnly, one recipient, ETH only, two policy admins, and
 * software keys allowed (the tests' owners sign with them).
 */
export function anvilOrg({
  chainId,
  safes,
  deployment,
  payroll,
  admins,
}: {
  chainId: number
  safes: readonly WorldSafe[]
  deployment: SafeDeployment
  payroll: Address
  admins: readonly HDAccount[]
}): Record<string, unknown> {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.safes = safes.map((s) => ({
    name: s.name,
    address: lower(s.address),
    chainId,
    version: '1.4.1',
    owners: s.owners.map(lower),
    threshold: s.threshold,
    ...(s.startNonce === undefined ? {} : { startNonce: s.startNonce }),
  }))
  delete org.guardian
  org.pausable = []
  org.trustedDelegatecall = [
    { name: 'MultiSendCallOnly (anvil)', address: lower(deployment.multiSendCallOnly), chainId },
  ]
  org.recipients = [{ name: 'Payroll', address: lower(payroll), chainId }]
  org.assets = org.assets
    .filter((a: { id: string }) => a.id === 'ETH')
    .map((a: object) => ({ ...a, chainId }))
  org.admins = { addresses: admins.map((a) => lower(a.address)), threshold: admins.length }
  org.allowSoftwareKeys = true
  return org
}

/** Writes `org.json` and the bundle the admins sign over it (`bundle.json`, with the example policies). */
export async function writeOrgAndBundle({
  dir,
  org,
  admins,
}: {
  dir: string
  org: Record<string, unknown>
  admins: readonly HDAccount[]
}): Promise<void> {
  writeFileSync(join(dir, 'org.json'), JSON.stringify(org, null, 2))
  const policies = Object.fromEntries(
    ['rules.cedar', 'tiers.cedar'].map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  let bundle = Bundle.create({ version: 1, policies, org: org as Bundle.Json })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle))
}

/**
 * A signer state directory `dir/state` holding `owner`'s software key, with bundle.json installed
 * (`sign init`). With `auditKey`, the log is kept with that key (so a bundle can enrol it beforehand).
 */
export async function initSigner({
  dir,
  state,
  owner,
  auditKey,
}: {
  dir: string
  state: string
  owner: HDAccount
  auditKey?: Uint8Array | undefined
}): Promise<void> {
  mkdirSync(join(dir, state), { mode: 0o700 })
  if (auditKey) await saveKey({ path: join(dir, state, 'audit.key'), privateKey: auditKey })
  writeFileSync(join(dir, `${state}.key`), `${toHex(owner.getHdKey().privateKey!)}\n`)
  const init = await runCli(
    ['sign', 'init', '--bundle', 'bundle.json', '--state', state, '--dev-key-file', `${state}.key`],
    { cwd: dir },
  )
  expect(init.code, init.stderr).toBe(0)
}

/** `coordinator init` in `home` on org.json, with `executor` as the executor key. */
export async function initCoordinator({
  dir,
  home,
  anvil,
  chainId,
  treasury,
  deployment,
  executor,
}: {
  dir: string
  home: string
  anvil: Anvil
  chainId: number
  treasury: Address
  deployment: SafeDeployment
  executor: HDAccount
}): Promise<void> {
  writeFileSync(join(dir, 'executor.key'), `${toHex(executor.getHdKey().privateKey!)}\n`)
  const init = await runCli(
    [
      'coordinator',
      'init',
      '--home',
      home,
      '--rpc',
      anvil.rpcUrl,
      '--chain-id',
      String(chainId),
      '--org',
      'org.json',
      '--treasury',
      treasury,
      '--multisend',
      deployment.multiSendCallOnly,
      '--executor-key-file',
      'executor.key',
    ],
    { cwd: dir },
  )
  expect(init.code, init.stderr).toBe(0)
}

/** The action's request as `action qr --parts` prints it, saved to a file for the signers and decoded. */
export async function requestOf({
  dir,
  home,
  id,
}: {
  dir: string
  home: string
  id: string
}): Promise<{ path: string; request: SignRequest.SignRequest }> {
  const { stdout, stderr, code } = await runCli(
    ['action', 'qr', id, '--parts', '--fragment', '400', '--home', home],
    { cwd: dir },
  )
  expect(code, stderr).toBe(0)
  const path = join(dir, `request-${id}.txt`)
  writeFileSync(path, stdout)
  const decoder = new UrDecoder({ expectedTypes: [SignRequest.urType] })
  let request: SignRequest.SignRequest | undefined
  for (const part of stdout.trim().split('\n')) {
    const status = decoder.receive(part)
    if (status.status === 'complete') request = SignRequest.fromUr(status.result)
  }
  if (!request) throw new Error('the request did not decode')
  return { path, request }
}

/** One signer releases for the request file (`sign approve`); its answer's UR goes to a file. */
export async function approve({
  dir,
  requestPath,
  state,
}: {
  dir: string
  requestPath: string
  state: string
}): Promise<string> {
  const result = await runCli(['sign', 'approve', requestPath, '--state', state, '--json'], { cwd: dir })
  expect(result.code, `${state}: ${result.stderr}${result.stdout}`).toBe(0)
  const out = JSON.parse(result.stdout)
  expect(out.status).toBe('released')
  const path = join(dir, `${state}-${out.response.safeTxHash.slice(2, 10)}.ur`)
  writeFileSync(path, `${out.ur}\n`)
  return path
}
