import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditKey } from '@airlock/audit-log'
import { saveKey } from '@airlock/audit-log/node'
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

describe('lost or damaged state files', () => {
  async function initialised() {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-state-lost-'))
    const bundle = await signedBundle(1)
    const state = await openStateDir({ dir, cedar })
    await state.installBundle(bundle)
    await state.close()
    return { dir, bundle, keyPath: join(dir, files.logKey), bundlePath: join(dir, files.bundle) }
  }
  const keyRecovery = expect.objectContaining({
    name: 'Signer.StateDirError',
    hint: expect.stringMatching(/Restore .*audit\.key from your backup.*--new-audit-key.*enrol/),
  })

  it('never creates a key next to an existing log: missing, damaged and foreign keys are refused', async () => {
    const { dir, keyPath } = await initialised()
    const original = readFileSync(keyPath, 'utf8')
    rmSync(keyPath)
    await expect(openStateDir({ dir, cedar })).rejects.toThrow(keyRecovery)
    expect(existsSync(keyPath)).toBe(false)

    writeFileSync(keyPath, '{"type":"airlock-audit-key"', { mode: 0o600 })
    await expect(openStateDir({ dir, cedar })).rejects.toThrow(keyRecovery)

    rmSync(keyPath)
    await saveKey({ path: keyPath, privateKey: AuditKey.generate() })
    await expect(openStateDir({ dir, cedar })).rejects.toThrow(
      expect.objectContaining({ shortMessage: expect.stringContaining('is not the key the log') }),
    )
    // Restoring the backup is the first recovery.
    rmSync(keyPath)
    writeFileSync(keyPath, original, { mode: 0o600 })
    await (await openStateDir({ dir, cedar })).close()
  })

  it('re-initialises with a new key only when asked and only when the key is lost; logged as such', async () => {
    const { dir, keyPath, bundle } = await initialised()
    await expect(openStateDir({ dir, cedar, newAuditKey: true })).rejects.toThrow(/nothing to replace/)
    const fresh = mkdtempSync(join(tmpdir(), 'airlock-state-fresh-'))
    await expect(openStateDir({ dir: fresh, cedar, newAuditKey: true })).rejects.toThrow(
      /no audit key to replace/,
    )
    expect(readdirSync(fresh)).toEqual([])
    const oldLog = readFileSync(join(dir, files.log), 'utf8')
    rmSync(keyPath)
    const state = await openStateDir({ dir, cedar, newAuditKey: true })
    expect(state.log.entries.map((e) => [e.event, e.decision])).toEqual([
      ['log-opened', undefined],
      ['log-recovered', 'audit-key-replaced'],
    ])
    expect(state.log.entries[1]?.reasons?.join(' ')).toMatch(/policy admins must enrol/)
    await state.installBundle(bundle)
    await state.close()
    const retired = readdirSync(dir).filter((name) => name.includes('.retired-'))
    expect(retired.some((name) => name.startsWith('decisions.retired-'))).toBe(true)
    expect(readFileSync(join(dir, retired.find((n) => n.startsWith('decisions.')) as string), 'utf8')).toBe(
      oldLog,
    )
    await (await openStateDir({ dir, cedar })).close()
  })

  it('restores a lost or damaged bundle file only from the very bundle the log installed', async () => {
    const { dir, bundle, bundlePath } = await initialised()
    const hash = Bundle.hash(bundle)
    rmSync(bundlePath)
    await expect(openStateDir({ dir, cedar })).rejects.toThrow(
      expect.objectContaining({
        name: 'Signer.StateDirError',
        hint: expect.stringContaining(
          `sign init --bundle FILE\` with that same signed bundle (hash ${hash})`,
        ),
      }),
    )
    await expect(openStateDir({ dir, cedar, restoreBundle: await signedBundle(2) })).rejects.toThrow(
      expect.objectContaining({ name: 'Signer.StateDirError' }),
    )
    const restored = await openStateDir({ dir, cedar, restoreBundle: bundle })
    expect(restored.signer.installed?.hash).toBe(hash)
    await restored.close()

    writeFileSync(bundlePath, '{ damaged')
    await expect(openStateDir({ dir, cedar })).rejects.toThrow(/is damaged/)
    await (await openStateDir({ dir, cedar, restoreBundle: bundle })).close()
    expect(readdirSync(dir).filter((name) => name.startsWith('policy-bundle.damaged-'))).toHaveLength(1)
    await (await openStateDir({ dir, cedar })).close()
  })
})
