import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Bundle } from '@airlock/policy'
import { cedar } from '@airlock/policy/node'
import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { files, openStateDir, resolveStateDir } from './stateDir.node.ts'

const policyDir = join(import.meta.dirname, '..', '..', '..', 'policies', 'treasury-default')
const admins = [0, 1].map((addressIndex) =>
  mnemonicToAccount(
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    {
      addressIndex,
    },
  ),
)

async function signedBundle(version: number) {
  const org = JSON.parse(readFileSync(join(policyDir, 'org.json'), 'utf8'))
  org.admins = { addresses: admins.map((a) => a.address.toLowerCase()), threshold: 2 }
  let bundle = Bundle.create({
    version,
    policies: { 'rules.cedar': readFileSync(join(policyDir, 'rules.cedar'), 'utf8') },
    org,
  })
  for (const admin of admins) bundle = await Bundle.sign(bundle, admin)
  return bundle
}

describe('openStateDir', () => {
  it('restores the installed bundle across restarts, checked against the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-state-'))
    const first = await openStateDir({ dir, cedar })
    const bundle = await signedBundle(1)
    await first.installBundle(bundle)
    await first.close()

    const second = await openStateDir({ dir, cedar })
    expect(second.signer.installed?.hash).toBe(Bundle.hash(bundle))
    expect(second.log.entries.map((e) => e.event)).toEqual(['log-opened', 'policy-imported'])
    await second.close()

    // A bundle file swapped behind the log's back is refused.
    writeFileSync(join(dir, files.bundle), JSON.stringify(await signedBundle(2)))
    await expect(openStateDir({ dir, cedar })).rejects.toMatchObject({
      name: 'Signer.InstalledBundleMismatchError',
    })
    // …and the failed open released the log's lock.
    writeFileSync(join(dir, files.bundle), JSON.stringify(bundle))
    const third = await openStateDir({ dir, cedar })
    await third.close()
  })

  it('resolves the directory from the flag, then the environment, then the home directory', () => {
    expect(resolveStateDir('/x', { AIRLOCK_SIGNER_HOME: '/y' })).toBe('/x')
    expect(resolveStateDir(undefined, { AIRLOCK_SIGNER_HOME: '/y' })).toBe('/y')
    expect(resolveStateDir(undefined, {})).toMatch(/\.airlock\/signer$/)
  })
})
