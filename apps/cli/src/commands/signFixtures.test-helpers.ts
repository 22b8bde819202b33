// Shared fixtures for the `airlock sign` tests (not part of the CLI): the example policy set with
// test owners and admins, and sign requests for the treasury.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Bundle } from '@airlock/policy'
import { SafeTx } from '@airlock/safe'
import type { SignRequest } from '@airlock/transport'
import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { runCli } from '../testing.ts'

export const OWNER_MNEMONIC = 'test test test test test test test test test test test junk'
export const policyDir = join(import.meta.dirname, '..', '..', '..', '..', 'policies', 'treasury-default')
/** The two policy admins (2-of-2 sign bundles). */
export const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    { addressIndex },
  ),
)
export const treasury = '0x00000000000000000000000000000000000a11ce'
export const payroll = '0x0000000000000000000000000000000000002001'

/**
 * The example policy bundle with every Safe's owners rewritten by `owners` (given the example's
 * owners, lowercase) and signed by `signers`.
 */
export async function bundle({
  owners,
  signers = admins,
  allowSoftwareKeys,
}: {
  owners: (example: string[]) => string[]
  signers?: typeof admins | undefined
  allowSoftwareKeys?: boolean | undefined
}) {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.safes = org.safes.map((s: { owners: string[] }) => ({ ...s, owners: owners(s.owners) }))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  if (allowSoftwareKeys !== undefined) org.allowSoftwareKeys = allowSoftwareKeys
  const policies = Object.fromEntries(
    ['rules.cedar', 'tiers.cedar'].map((f) => [f, readFileSync(join(policyDir, f), 'utf8')]),
  )
  let b = Bundle.create({ version: 1, policies, org })
  for (const admin of signers) b = await Bundle.sign(b, admin)
  return b
}

/** A sign request for `tx` on the treasury (Safe 1.4.1, chain 1). */
export function signRequest(
  tx: SafeTx.SafeTx,
  {
    id,
    safe = treasury,
    title = 'Payroll',
    description = 'January payroll',
    claimedTier,
  }: {
    id: number
    safe?: string | undefined
    title?: string | undefined
    description?: string | undefined
    claimedTier?: SignRequest.SignRequest['claimedTier']
  },
): SignRequest.SignRequest {
  return {
    requestId: toHex(id, { size: 16 }),
    createdAt: 1_767_225_600,
    context: SafeTx.context({ chainId: 1, safe, version: '1.4.1' }),
    tx,
    signatures: [],
    attestations: [],
    title,
    description,
    ...(claimedTier === undefined ? {} : { claimedTier }),
  }
}

/** A 1 ETH payroll transfer at `nonce`. */
export const transfer = (nonce: number) => SafeTx.from({ to: payroll, value: 10n ** 18n, nonce })

/** Writes the bundle as bundle.json next to `state` and installs it there (`sign init`); throws on failure. */
export async function initSigner(state: string, signed: unknown): Promise<void> {
  const path = join(dirname(state), 'bundle.json')
  writeFileSync(path, JSON.stringify(signed))
  const init = await runCli(['sign', 'init', '--state', state, '--bundle', path])
  if (init.code !== 0) throw new Error(`airlock sign init failed: ${init.stderr}`)
}
